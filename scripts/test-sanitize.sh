#!/usr/bin/env bash
# The sanitizer suite (issue 9): builds shoal with ASan + UBSan (gcc,
# build-asan/, -Werror), runs the unit tests, then the integration tests
# against that binary, and finally scans every node log the harness kept for
# sanitizer reports (a node's report only reaches its log, not pytest).
#
#   scripts/test-sanitize.sh            unit + integration tests
#   scripts/test-sanitize.sh --unit     unit tests only
#   PYTEST_ARGS='-k "not reshard"' scripts/test-sanitize.sh   narrow the run
#
# Exit 1 when a test fails or any log holds an AddressSanitizer,
# LeakSanitizer or UBSan ("runtime error:") report.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=build-asan
unit_only=0
[ "${1:-}" = "--unit" ] && unit_only=1

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
t0=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=address,undefined \
  -DSHOAL_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 >"$build/sanitize-build.log" 2>&1 || {
  tail -40 "$build/sanitize-build.log"
  echo "test-sanitize.sh: build failed (log: $build/sanitize-build.log)" >&2
  exit 2
}
echo "== built in $(( $(date +%s) - t0 )) s"

# Leaks are reported at exit; every report halts the process so a test sees it.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Lua's own allocator pattern and dlopen'd modules: nothing to suppress yet.

status=0
t1=$(date +%s)
"$build/shoal_unit_tests" -m >"$build/sanitize-unit.log" 2>&1 || status=1
tail -3 "$build/sanitize-unit.log"
echo "== unit tests: $(( $(date +%s) - t1 )) s, $([ $status -eq 0 ] && echo ok || echo FAILED)"

if [ $unit_only -eq 0 ]; then
  # Node directories (and their server.log) go under one fresh TMPDIR so the
  # scan below sees exactly this run's logs.
  logs=$root/$build/sanitize-logs
  rm -rf "$logs"
  mkdir -p "$logs"
  t2=$(date +%s)
  rc=0
  eval "TMPDIR=$logs SHOAL_BIN=$root/$build/shoal /usr/bin/python3 -m pytest tests/integration \
    -q -p no:cacheprovider ${PYTEST_ARGS:-}" >"$build/sanitize-pytest.log" 2>&1 || rc=$?
  tail -5 "$build/sanitize-pytest.log"
  [ $rc -eq 0 ] || status=1
  echo "== integration tests: $(( $(date +%s) - t2 )) s, rc $rc"
  found=$(grep -rlE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$logs" \
    --include=server.log 2>/dev/null || true)
  if [ -n "$found" ]; then
    status=1
    echo "== sanitizer reports in node logs:"
    for f in $found; do
      echo "---- $f"
      grep -m1 -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -40
    done
  else
    echo "== no sanitizer report in $(find "$logs" -name server.log | wc -l) node logs"
  fi
fi
echo "== test-sanitize total $(( $(date +%s) - t0 )) s"
exit $status
