# The lab's node image: the base image plus our static vpnlab-node binary.
ARG BASE=vpnlab/base:latest
FROM ${BASE}
COPY vpnlab-node /usr/local/bin/vpnlab-node
RUN mkdir -p /etc/vpnlab /var/log/vpnlab
ENTRYPOINT ["/usr/local/bin/vpnlab-node"]
