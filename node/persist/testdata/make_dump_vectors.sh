#!/bin/sh
# Regenerates dump_vectors.txt: "<key> <hex DUMP payload>" lines taken from a
# real redis-server 7.0 (Debian's), for the round-trip tests in
# rdb_value_test.cc. Starts its own server on a unix socket in a temp dir and
# stops it by PID. Usage: sh make_dump_vectors.sh > dump_vectors.txt
set -e
dir=$(mktemp -d)
redis-server --port 0 --unixsocket "$dir/s" --dir "$dir" --save '' --appendonly no \
  >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do [ -S "$dir/s" ] && break; sleep 0.2; done
R="redis-cli -s $dir/s"
. "$(dirname "$0")/populate.sh"
for k in $($R --raw keys '*' | sort); do
  printf '%s ' "$k"
  printf 'DUMP %s\r\n' "$k" | $R --raw | head -c -1 | od -An -v -tx1 | tr -d ' \n'
  echo
done
