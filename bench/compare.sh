#!/usr/bin/env bash
# bench/compare.sh — shoal vs redis-server, side by side, on this machine.
#
# Starts one shoal node and one redis-server (both `--save '' --appendonly no`,
# on free loopback ports, stopped by PID when the script exits), then:
#   1. throughput: redis-benchmark SET, GET, INCR, MSET at -P 1 and -P 16
#      (-c 50, -n $BENCH_N) in bracketed rounds (shoal redis shoal, then
#      redis shoal redis), until $BENCH_ROUNDS rounds were stable (the two
#      outer runs within $BENCH_STABLE of each other), printed as a markdown
#      table with the shoal/redis ratio (the median of the stable rounds'
#      ratios: a round runs both servers back to back, so it shares the
#      machine's phase; see summarize.py);
#      Each cell also records the server's own CPU time (utime+stime from
#      /proc/PID/stat) per request: a figure much less sensitive to a noisy
#      neighbour than requests/s. With 2+ CPUs (BENCH_PIN=1, the default) the
#      servers run on the last CPU and redis-benchmark on the others, so the
#      client never steals the server's core;
#   2. memory: FLUSHALL, load $MEM_KEYS distinct `key:N` keys with 16-byte values
#      through `redis-cli --pipe`, and print used_memory bytes per key for both.
# Machine info (nproc, CPU model) and the git commit are printed first.
#
# Usage: bench/compare.sh [-n requests] [-r rounds] [-k keys]
# Environment: SHOAL_BIN (default <repo>/build/shoal), REDIS_SERVER_BIN,
#   BENCH_N (200000), BENCH_ROUNDS (5), BENCH_STABLE (0.08), MEM_KEYS (1000000), BENCH_CLIENTS (50),
#   BENCH_TESTS ("set get incr mset lpush hset zadd sadd xadd evalsha"; xadd and
#   evalsha are custom commands: XADD bench:stream * f <rand>, and EVALSHA of a
#   one-line SET script loaded into both servers), BENCH_PIPELINES ("1 16"), BENCH_PIN (1 when
#   nproc >= 2), KEEP_TMP=1 keeps logs.
# See bench/README.md for how to read the output.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$REPO/build/shoal}"
REDIS_SERVER_BIN="${REDIS_SERVER_BIN:-/usr/bin/redis-server}"
REDIS_CLI="${REDIS_CLI_BIN:-/usr/bin/redis-cli}"
REDIS_BENCHMARK="${REDIS_BENCHMARK_BIN:-/usr/bin/redis-benchmark}"
BENCH_N="${BENCH_N:-200000}"
BENCH_ROUNDS="${BENCH_ROUNDS:-5}"
BENCH_STABLE="${BENCH_STABLE:-0.08}"
MEM_KEYS="${MEM_KEYS:-1000000}"
BENCH_CLIENTS="${BENCH_CLIENTS:-50}"
BENCH_TESTS="${BENCH_TESTS:-set get incr mset lpush hset zadd sadd xadd evalsha}"
BENCH_SCRIPT="return redis.call('SET', KEYS[1], ARGV[1])"
BENCH_PIPELINES="${BENCH_PIPELINES:-1 16}"
HOST=127.0.0.1
NCPU="$(nproc)"
BENCH_PIN="${BENCH_PIN:-$(( NCPU >= 2 ? 1 : 0 ))}"
SERVER_PIN=() CLIENT_PIN=()
if [[ "$BENCH_PIN" == 1 ]] && command -v taskset >/dev/null; then
  SERVER_PIN=(taskset -c "$((NCPU - 1))")
  CLIENT_PIN=(taskset -c "0-$((NCPU - 2))")
fi

while getopts "n:r:k:h" opt; do
  case "$opt" in
    n) BENCH_N="$OPTARG" ;;
    r) BENCH_ROUNDS="$OPTARG" ;;
    k) MEM_KEYS="$OPTARG" ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done

for bin in "$SHOAL_BIN" "$REDIS_SERVER_BIN" "$REDIS_CLI" "$REDIS_BENCHMARK"; do
  if [[ ! -x "$bin" ]]; then
    echo "compare.sh: $bin is missing or not executable (build shoal, or set SHOAL_BIN)" >&2
    exit 1
  fi
done
PY="$(command -v python3)"

WORK="$(mktemp -d /tmp/shoal-bench.XXXXXX)"
declare -A PID=() PORT=()

stop_server() {  # $1 = side; SIGTERM, then SIGKILL after 10 s — by PID only
  local pid="${PID[$1]:-}"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  PID[$1]=""
}

cleanup() {
  stop_server shoal
  stop_server redis
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then
    echo "logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_server() {  # $1 = side, $2 = binary
  local side="$1" bin="$2" port dir
  port="$(free_port)"
  dir="$WORK/$side"
  mkdir -p "$dir"
  local extra=()
  # shoal's health endpoints (default port 8080) are not part of the benchmark.
  [[ "$side" == shoal ]] && extra=(--shoal-http-port 0)
  "${SERVER_PIN[@]}" "$bin" --port "$port" --bind "$HOST" --dir "$dir" --save '' --appendonly no \
    "${extra[@]}" \
    >"$dir/server.log" 2>&1 </dev/null &
  PID[$side]=$!
  PORT[$side]=$port
  for _ in $(seq 200); do
    if [[ "$("$REDIS_CLI" -h "$HOST" -p "$port" ping 2>/dev/null)" == PONG ]]; then
      return 0
    fi
    if ! kill -0 "${PID[$side]}" 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "compare.sh: $side ($bin) did not start; log:" >&2
  tail -n 20 "$dir/server.log" >&2
  exit 1
}

cli() {  # $1 = side, rest = command
  local side="$1"; shift
  "$REDIS_CLI" -h "$HOST" -p "${PORT[$side]}" "$@"
}

used_memory() {  # $1 = side
  cli "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

rss_bytes() {  # $1 = side
  awk -v page="$(getconf PAGESIZE)" '{ print $2 * page }' "/proc/${PID[$1]}/statm"
}

# --- machine and build ------------------------------------------------------------

start_server shoal "$SHOAL_BIN"
start_server redis "$REDIS_SERVER_BIN"
SCRIPT_SHA="$(cli shoal script load "$BENCH_SCRIPT" | tr -d '\r')"
[[ "$(cli redis script load "$BENCH_SCRIPT" | tr -d '\r')" == "$SCRIPT_SHA" ]] ||
  echo "compare.sh: the two servers disagree on the script's SHA1" >&2

commit="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit (dirty)"
fi
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "# shoal vs redis-server"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- commit: $commit"
echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
echo "- shoal: $SHOAL_BIN"
echo "- redis: $("$REDIS_SERVER_BIN" --version | head -n1)"
echo "- redis-benchmark: -c $BENCH_CLIENTS -n $BENCH_N; per cell $BENCH_ROUNDS stable bracketed rounds (outer runs within $BENCH_STABLE), medians, ratios paired per round"
if [[ ${#SERVER_PIN[@]} -gt 0 ]]; then
  echo "- pinning: servers on CPU $((NCPU - 1)), redis-benchmark on CPUs 0-$((NCPU - 2))"
fi
echo

# --- throughput ---------------------------------------------------------------------

RESULTS="$WORK/results.tsv"   # side  test  P  round  rps
: >"$RESULTS"
ERRLOG="$WORK/benchmark-errors.log"
: >"$ERRLOG"

cpu_ticks() {  # $1 side: utime + stime of the server, in clock ticks
  awk '{ print $14 + $15 }' "/proc/${PID[$1]}/stat"
}

bench_once() {  # $1 side, $2 test, $3 pipeline, $4 round
  local out rps t0 t1
  t0="$(cpu_ticks "$1")"
  local custom=()
  case "$2" in
    xadd) custom=(XADD bench:stream '*' f __rand_int__) ;;
    evalsha) custom=(EVALSHA "$SCRIPT_SHA" 1 key:__rand_int__ v) ;;
  esac
  if [[ ${#custom[@]} -gt 0 ]]; then
    out="$("${CLIENT_PIN[@]}" "$REDIS_BENCHMARK" -h "$HOST" -p "${PORT[$1]}" -c "$BENCH_CLIENTS" \
      -n "$BENCH_N" -P "$3" -r 100000 --csv "${custom[@]}" 2>>"$ERRLOG")" ||
      echo "redis-benchmark failed: $1 $2 P$3" >>"$ERRLOG"
  else
  out="$("${CLIENT_PIN[@]}" "$REDIS_BENCHMARK" -h "$HOST" -p "${PORT[$1]}" -t "$2" -c "$BENCH_CLIENTS" \
    -n "$BENCH_N" -P "$3" --csv 2>>"$ERRLOG")" || echo "redis-benchmark failed: $1 $2 P$3" >>"$ERRLOG"
  fi
  # --csv: a header line, then "TEST","rps",...
  rps="$(printf '%s\n' "$out" | awk -F'","' 'NR > 1 && NF > 2 { print $2; exit }')"
  t1="$(cpu_ticks "$1")"
  # server CPU microseconds per request
  local us
  us="$(awk -v d="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$BENCH_N" \
    'BEGIN { printf "%.3f", d * 1e6 / hz / n }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${rps:-0}" "$us" >>"$RESULTS"
}

# A round brackets one side between two runs of the other (shoal redis shoal,
# then redis shoal redis in the next round). The machine drifts between phases
# that last seconds (see bench/README.md); if the two bracketing runs differ by
# more than BENCH_STABLE, the phase changed inside the round and it does not
# count. A cell runs until BENCH_ROUNDS rounds were stable, at most
# 3 * BENCH_ROUNDS rounds.
bracket_stable() {  # are the last 3 results' outer two within BENCH_STABLE?
  tail -n 3 "$RESULTS" | awk -F'\t' -v tol="$BENCH_STABLE" '
    { v[NR] = $5 }
    END { hi = v[1] > v[3] ? v[1] : v[3]; lo = v[1] > v[3] ? v[3] : v[1]
          exit !(NR == 3 && hi > 0 && (hi - lo) <= tol * hi) }'
}

for p in $BENCH_PIPELINES; do
  for t in $BENCH_TESTS; do
    stable=0 round=0
    while (( stable < BENCH_ROUNDS && round < 3 * BENCH_ROUNDS )); do
      round=$((round + 1))
      if (( round % 2 )); then order="shoal redis shoal"; else order="redis shoal redis"; fi
      for side in $order; do
        bench_once "$side" "$t" "$p" "$round"
      done
      if bracket_stable; then stable=$((stable + 1)); fi
    done
  done
done

"$PY" "$HERE/summarize.py" throughput "$RESULTS" "$BENCH_STABLE"
if grep -qiE 'err|fail' "$ERRLOG"; then
  echo
  echo "**redis-benchmark reported errors** (first lines):"
  grep -iE 'err|fail' "$ERRLOG" | sort | uniq -c | head -n 10 | sed 's/^/    /'
fi
echo

# --- memory per key -----------------------------------------------------------------

PROTO="$WORK/load.resp"
# MEM_KEYS distinct keys key:0..key:N-1, each with a 16-byte value.
awk -v n="$MEM_KEYS" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = "key:" i; v = sprintf("%016d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n", length(k), k, v
  }
}' >"$PROTO"

MEM="$WORK/memory.tsv"        # side  keys  used_before  used_after  rss_after
: >"$MEM"
for side in shoal redis; do
  cli "$side" flushall >/dev/null
  sleep 0.5
  before="$(used_memory "$side")"
  cli "$side" --pipe <"$PROTO" >"$WORK/$side-pipe.log" 2>&1 || true
  keys="$(cli "$side" dbsize | tr -d '\r')"
  after="$(used_memory "$side")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$side" "${keys:-0}" "${before:-}" "${after:-}" \
    "$(rss_bytes "$side")" >>"$MEM"
  if ! grep -q "errors: 0" "$WORK/$side-pipe.log"; then
    echo "**$side: redis-cli --pipe reported:** $(tail -n 1 "$WORK/$side-pipe.log")"
  fi
done
"$PY" "$HERE/summarize.py" memory "$MEM" "$MEM_KEYS"
