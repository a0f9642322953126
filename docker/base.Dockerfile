# Registry path for the base image: the same packages as the offline debootstrap path.
FROM debian:bookworm-slim
ARG PACKAGES
RUN apt-get update && apt-get install -y --no-install-recommends $PACKAGES && rm -rf /var/lib/apt/lists/*
CMD ["sleep", "infinity"]
