#!/usr/bin/env bash
# Builds shoal and starts one node on 127.0.0.1:6379 in the foreground
# (Ctrl-C stops it). Extra arguments go to shoal, e.g. --port 7000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
mkdir -p /tmp/shoal-node
echo "shoal: connect with: redis-cli -p 6379"
exec ./build/shoal --bind 127.0.0.1 --port 6379 --dir /tmp/shoal-node "$@"
