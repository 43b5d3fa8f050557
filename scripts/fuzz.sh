#!/usr/bin/env bash
# Builds every libFuzzer target (node/**/*_fuzz.cc, entrypoint/**/*_fuzz.cc)
# with clang, ASan and UBSan in build-fuzz/, then runs each one for a bounded
# time on a copy of its seed corpus and prints one line per target.
#
#   scripts/fuzz.sh                 each target FUZZ_SECONDS (default 30) s
#   scripts/fuzz.sh --ci            each target CI_FUZZ_RUNS (5000) inputs from seed
#                                   CI_FUZZ_SEED (1): deterministic, so CI cannot fail
#                                   at random on a new finding (fuzz longer locally)
#   scripts/fuzz.sh --seconds N     each target N s
#   scripts/fuzz.sh TARGET...       only these targets (e.g. parser_fuzz)
#
# Seeds: tests/fuzz/corpus/<target>/ (or a fuzz_corpus/ folder beside the
# target's source). The working corpus (seeds plus what the fuzzer found
# interesting) stays in build-fuzz/corpus-<target>/ and is reused by the next
# run; the seed folders are never written. A crash, a leak, a UBSan report, a
# hang (-timeout) or an allocation above the memory limit leaves the input in
# build-fuzz/findings/<target>/ and makes the script exit 1 (after running
# the other targets). Reproduce one with: build-fuzz/<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

secs=${FUZZ_SECONDS:-30}
limit=()
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) secs=120; limit=(-seed="${CI_FUZZ_SEED:-1}" -runs="${CI_FUZZ_RUNS:-5000}"); shift ;;
    --seconds) secs=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) only+=("$1"); shift ;;
  esac
done

build=build-fuzz
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
t0=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBUILD_FUZZ=ON -DBUILD_TESTS=ON -DSHOAL_WERROR=OFF "${launcher[@]}" >/dev/null
mapfile -t all < <(find node entrypoint -name '*_fuzz.cc' -printf '%f\n' | sed 's/\.cc$//' | sort)
targets=("${all[@]}")
[ ${#only[@]} -gt 0 ] && targets=("${only[@]}")
cmake --build "$build" -j2 --target "${targets[@]}" >"$build/fuzz-build.log" 2>&1 || {
  tail -40 "$build/fuzz-build.log"
  echo "fuzz.sh: build failed (full log: $build/fuzz-build.log)" >&2
  exit 2
}
echo "== built ${#targets[@]} fuzz targets in $(( $(date +%s) - t0 )) s; ${secs} s each"

status=0
report=()
for t in "${targets[@]}"; do
  src=$(find node entrypoint -name "$t.cc" | head -1)
  seeds=tests/fuzz/corpus/$t
  [ -d "$seeds" ] || seeds=$(dirname "$src")/fuzz_corpus
  work=$build/corpus-$t
  findings=$build/findings/$t
  mkdir -p "$work" "$findings"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  log=$build/fuzz-$t.log
  rc=0
  # -rss_limit_mb / -malloc_limit_mb: one input must never make the node
  # allocate without bound; -timeout: nor take seconds (a hang).
  (cd "$build" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "./$t" "${limit[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$root/$findings/" "corpus-$t") >"$log" 2>&1 || rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  n=$(find "$work" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    status=1
    result="FAILED (rc $rc): $(ls -t "$findings" | head -1)"
    echo "---- $t ----"
    grep -m1 -B2 -A25 'ERROR\|fuzz: \|runtime error\|Test unit written' "$log" | head -60 || tail -30 "$log"
  fi
  report+=("$(printf '%-22s %8s runs  cov %-6s corpus %-5s %s' "$t" "${runs:-?}" "${cov:-?}" "$n" "$result")")
done

echo "== fuzz summary (${secs} s per target, total $(( $(date +%s) - t0 )) s)"
printf '%s\n' "${report[@]}"
exit $status
