#!/usr/bin/env bash
# Installs everything shoal needs to build, test and benchmark, from Debian's
# packages only. Idempotent: safe to run again; it skips apt when all is there.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang clang-format
  libasio-dev libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev
  libcurl4-openssl-dev libssl-dev doctest-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  redis-server redis-tools python3 python3-redis python3-pytest openssl
  iproute2 dnsmasq-base procps iptables
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's redis-server package may start a system instance on 6379; tests
# start their own servers on other ports, so a running one is left alone.
echo "setup: ok"
