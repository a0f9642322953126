#!/usr/bin/env bash
# Builds vpnlab/node:latest from the base image and a static vpnlab-node.
# The image is tagged by the hash of its inputs and reused when none changed;
# the tag is written next to the binary (node-image) for make to run labs from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: build-node.sh PATH/TO/vpnlab-node}
base=$(docker image inspect -f '{{.Id}}' vpnlab/base:latest 2>/dev/null) || {
  echo "build-node: vpnlab/base:latest is missing; run 'make images'" >&2; exit 1; }
hash=$(cat "$bin" "$here/node.Dockerfile" <(echo "$base") | sha256sum | cut -c1-12)
tag="vpnlab/node:$hash"
if docker image inspect "$tag" >/dev/null 2>&1; then
  docker tag "$tag" vpnlab/node:latest
  echo "$tag" > "$(dirname "$bin")/node-image"
  echo "node image $tag is up to date"
  exit 0
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/vpnlab-node"
cp "$here/node.Dockerfile" "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" --label vpnlab.image=node "$ctx" >/dev/null
docker tag "$tag" vpnlab/node:latest
echo "$tag" > "$(dirname "$bin")/node-image"
echo "built $tag"
