#!/usr/bin/env bash
# Builds every libFuzzer target (node/**/*_fuzz.cc) with clang and runs each
# for FUZZ_SECONDS (default 30) on its seed corpus (a fuzz_corpus/ folder
# beside the target). A crash leaves the input in build-fuzz/ and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-30}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBUILD_FUZZ=ON -DBUILD_TESTS=OFF >/dev/null
targets=$(find node entrypoint -name '*_fuzz.cc' -printf '%f\n' | sed 's/\.cc$//')
cmake --build build-fuzz -j2 --target $targets
for t in $targets; do
  src=$(find node entrypoint -name "$t.cc" | head -1)
  seeds=$(dirname "$src")/fuzz_corpus
  work=build-fuzz/corpus-$t
  mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  echo "== $t for ${SECS}s"
  (cd build-fuzz && "./$t" -max_total_time="$SECS" "corpus-$t")
done
