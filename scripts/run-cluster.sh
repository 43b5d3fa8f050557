#!/usr/bin/env bash
# The main job: builds shoal and starts a six-node, self-forming Redis
# Cluster on this machine, no Docker needed. The nodes listen on
# 127.0.0.11 .. 127.0.0.16, port 7000 (like six containers on a bridge
# network), find each other through static discovery and form 3 masters +
# 3 replicas by themselves. Ctrl-C stops them (gracefully: SIGTERM).
#
# Environment: SHOAL_RUN_DIR (data dirs, default /tmp/shoal-cluster),
# SHOAL_PORT (default 7000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target shoal

RUN_DIR=${SHOAL_RUN_DIR:-/tmp/shoal-cluster}
PORT=${SHOAL_PORT:-7000}
mkdir -p "$RUN_DIR"
PEERS=""
for i in 1 2 3 4 5 6; do PEERS+="${PEERS:+,}127.0.0.1$i:$PORT"; done

pids=()
stop() {
  trap - INT TERM EXIT
  echo "shoal: stopping the cluster"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

for i in 1 2 3 4 5 6; do
  dir="$RUN_DIR/node$i"
  mkdir -p "$dir"
  ./build/shoal --bind "127.0.0.1$i" --port "$PORT" --dir "$dir" \
    --cluster-enabled yes --appendonly yes --shoal-http-port 8080 \
    --shoal-discovery "static:$PEERS" >"$dir/shoal.log" 2>&1 &
  pids+=("$!")
done

sleep 0.5
for idx in "${!pids[@]}"; do
  if ! kill -0 "${pids[$idx]}" 2>/dev/null; then
    echo "shoal: node $((idx + 1)) did not start:" >&2
    tail -3 "$RUN_DIR/node$((idx + 1))/shoal.log" >&2
    exit 1
  fi
done

echo "shoal: waiting for the cluster to form..."
for _ in $(seq 1 120); do
  ok=0
  for i in 1 2 3 4 5 6; do
    s=$(redis-cli -h "127.0.0.1$i" -p "$PORT" cluster info 2>/dev/null | tr -d '\r' |
        grep '^cluster_state:' || true)
    [ "$s" = "cluster_state:ok" ] && ok=$((ok + 1))
  done
  replicas=$(redis-cli -h 127.0.0.11 -p "$PORT" cluster nodes 2>/dev/null | grep -c slave || true)
  [ "$ok" = 6 ] && [ "$replicas" = 3 ] && break
  sleep 0.5
done
redis-cli -h 127.0.0.11 -p "$PORT" cluster nodes
cat <<INFO

shoal: the cluster is up (logs and data in $RUN_DIR).
  connect:  redis-cli -c -h 127.0.0.11 -p $PORT
  health:   curl http://127.0.0.11:8080/readyz   (also /livez /healthz /metrics)
  Ctrl-C stops all six nodes.
INFO
wait
