#!/bin/sh
# Regenerates redis7_all_types.rdb: a dump.rdb SAVEd by a real redis-server 7.0
# (Debian's) holding one key of every type/encoding (populate.sh), a key with a
# TTL and a function library. Used by rdb_file_test.cc. Starts its own server
# on a unix socket in a temp dir and stops it by PID.
# Usage: sh make_rdb_fixture.sh   (writes next to this script)
set -e
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
redis-server --port 0 --unixsocket "$dir/s" --dir "$dir" --save '' --appendonly no \
  >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do [ -S "$dir/s" ] && break; sleep 0.2; done
R="redis-cli -s $dir/s"
. "$here/populate.sh"
$R function load "#!lua name=mylib
redis.register_function('f1', function() return 1 end)" >/dev/null
$R save >/dev/null
cp "$dir/dump.rdb" "$here/redis7_all_types.rdb"
