#!/usr/bin/env bash
# Builds the vpnlab base image: Debian bookworm with strongSwan (charon, swanctl,
# kernel-libipsec), iproute2, iptables and the probes the lab uses.
#
# With a reachable registry (VPNLAB_BASE_FROM_REGISTRY=1) it builds
# docker/base.Dockerfile FROM debian:bookworm-slim. Otherwise (the default) it
# bootstraps the root file system offline from the Debian mirror apt already
# uses on this machine (debootstrap) and imports it with `docker import`.
#
# The image is tagged vpnlab/base:<hash of this script and the package list>
# and also vpnlab/base:latest; an existing tag is reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
packages=$(grep -v '^#' "$here/base-packages.txt" | tr -s ' \n' ',' | sed 's/^,//;s/,$//')
hash=$(cat "$0" "$here/base-packages.txt" | sha256sum | cut -c1-12)
tag="vpnlab/base:$hash"

if docker image inspect "$tag" >/dev/null 2>&1; then
  docker tag "$tag" vpnlab/base:latest
  echo "base image $tag is up to date"
  exit 0
fi

if [ "${VPNLAB_BASE_FROM_REGISTRY:-0}" = 1 ]; then
  docker build -t "$tag" --build-arg PACKAGES="${packages//,/ }" -f "$here/base.Dockerfile" "$here"
  docker tag "$tag" vpnlab/base:latest
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "build-base: installing debootstrap (apt-get)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null || true
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-base: debootstrap is not installed; install it (apt-get install debootstrap) or set VPNLAB_BASE_FROM_REGISTRY=1 to build FROM debian:bookworm-slim" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "build-base: debootstrap needs root; run 'sudo make images' once" >&2
  exit 1
fi

# The mirror apt already uses here (deb822 or one-line format); override with DEBIAN_MIRROR.
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}')
fi
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '/^deb / && $2 ~ /\/debian\/?$/ {print $2; exit}')
fi
if [ -z "$mirror" ]; then
  echo "build-base: no Debian mirror found in /etc/apt; set DEBIAN_MIRROR" >&2
  exit 1
fi

work=$(mktemp -d /tmp/vpnlab-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "build-base: debootstrap bookworm from $mirror (about a minute)"
debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}
# Trim what a lab node never needs.
rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
  "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/locale/*
tar -C "$work/rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["sleep","infinity"]' - "$tag" >/dev/null
docker tag "$tag" vpnlab/base:latest
echo "build-base: imported $tag"
