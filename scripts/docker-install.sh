#!/usr/bin/env bash
# Installs what the container tests need, from Debian's archive only:
# docker.io (engine 20.10), docker-compose (Compose v1), debootstrap (to make
# the base image locally: there is no registry to pull from), python3-yaml.
# Then installs a tiny Compose v2 CLI plugin shim so that `docker compose ...`
# and `docker-compose ...` both work (no Compose v2 package exists for
# Debian 12; see ../shared/docker.md). Idempotent.
set -euo pipefail

PKGS=(docker.io docker-compose debootstrap python3-yaml python3-redis python3-pytest
      iptables iproute2 redis-tools)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "docker-install: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Compose v2 spelling: a CLI plugin that answers the metadata call and
# otherwise hands its arguments (minus the plugin name) to docker-compose.
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
plugin="$plugin_dir/docker-compose"
if [ ! -x "$plugin" ] || ! grep -q "shoal compose shim" "$plugin"; then
  mkdir -p "$plugin_dir"
  cat >"$plugin" <<'SHIM'
#!/bin/sh
# shoal compose shim: `docker compose ARGS` -> `docker-compose ARGS`.
if [ "$1" = "docker-cli-plugin-metadata" ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"local","Version":"1.29.2"}'
  exit 0
fi
shift
exec docker-compose "$@"
SHIM
  chmod +x "$plugin"
fi
echo "docker-install: ok"
