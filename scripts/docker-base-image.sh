#!/usr/bin/env bash
# Makes the Debian base image the Dockerfile starts FROM, locally: there is no
# registry on these machines (see ../shared/docker.md). debootstrap builds a
# bookworm minbase root filesystem from the apt mirror this host already uses,
# and `docker import` turns it into debian:bookworm (also tagged
# debian:bookworm-slim). Skips everything when the image already exists, so
# CI pays the ~45 s once per dockerd data directory.
#
# Usage: scripts/docker-base-image.sh [--force]
set -euo pipefail

TAG=debian:bookworm
if [ "${1:-}" != "--force" ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "docker-base-image: $TAG exists, skipping"
  exit 0
fi

# The mirror this host's apt uses (deb822 sources first, then sources.list).
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/shoal-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "docker-base-image: debootstrap bookworm minbase from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/tmp/shoal-debootstrap.log 2>&1 ||
  { tail -20 /tmp/shoal-debootstrap.log; exit 1; }
# Keep images small and apt quiet inside builds.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - "$TAG" >/dev/null
docker tag "$TAG" debian:bookworm-slim
echo "docker-base-image: $TAG ready ($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
