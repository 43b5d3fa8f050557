#!/usr/bin/env bash
# The sanitizer suite (issue 9): builds shoal and its unit tests with ASan +
# UBSan (gcc, build-asan/, -Werror), runs the unit tests, then a fast subset of
# the integration tests against that binary, and finally scans every node log
# the harness kept for sanitizer reports (a node's report only reaches its
# log, not pytest). With --tsan it runs the ThreadSanitizer leg instead: the
# places where threads meet (the control plane's threads -- supervisor,
# discovery, bootstrap, health HTTP server, shutdown handoff -- posting to the
# engine thread).
#
#   scripts/test-sanitize.sh            unit tests + the integration subset
#   scripts/test-sanitize.sh --unit     unit tests only
#   scripts/test-sanitize.sh --full     unit tests + every integration test
#   scripts/test-sanitize.sh --tsan     the TSan leg (CI runs it): clang
#                                       -fsanitize=thread -O1 -gline-tables-only
#                                       build of shoal + unit tests in build-tsan/,
#                                       every unit test, then TSAN_TESTS (real
#                                       nodes with the entrypoint threads busy);
#                                       --tsan --unit: unit tests only
#   PYTEST_ARGS='-k "not reshard"' scripts/test-sanitize.sh   narrow the run
#   SANITIZE_TESTS='test_clients.py test_scripting.py' ...    another subset
#   TSAN_TESTS='test_bootstrap.py ...'  another TSan subset (pytest node ids)
#   SANITIZE_BUILD_DIR=build-fuzz scripts/test-sanitize.sh     reuse the clang
#                                       ASan+UBSan fuzz build (CI does this)
#
# Exit 1 when a test fails or any log holds an AddressSanitizer,
# LeakSanitizer, UBSan ("runtime error:") or ThreadSanitizer ("WARNING:
# ThreadSanitizer") report; 2 when a build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=build-asan
unit_only=0
full=0
tsan=0
for a in "$@"; do
  case "$a" in
    --unit) unit_only=1 ;;
    --full) full=1 ;;
    --tsan) tsan=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "test-sanitize.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

# The subset: client I/O and malformed input (the parser and connection code
# under attack), persistence (RDB/AOF writers and loaders, fork), replication
# (PSYNC, the backlog, a second process) and scripting (Lua and its
# allocator), plus the disk-fault and limit tests. Each file is seconds to a
# minute under ASan.
default_tests="test_clients.py test_bad_input.py test_persistence.py test_replication.py \
test_scripting.py test_disk_faults.py test_limits.py test_hostile_clients.py \
test_repl_diskless_race.py test_tls.py test_acl.py"
tests=${SANITIZE_TESTS:-$default_tests}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
jobs=${SANITIZE_JOBS:-2}
t0=$(date +%s)

# Scans the server.log files under $1 for reports matching the regex $2;
# prints them and returns 1 when there is one.
scan_logs() {
  local found f
  found=$(grep -rlE "$2" "$1" --include=server.log 2>/dev/null || true)
  if [ -n "$found" ]; then
    echo "== sanitizer reports in node logs:"
    for f in $found; do
      echo "---- $f"
      grep -m1 -A40 -E "$2" "$f" | head -50
    done
    return 1
  fi
  echo "== no sanitizer report in $(find "$1" -name server.log | wc -l) node logs"
}

# Runs the integration tests $6 (pytest paths) against the shoal binary $1,
# with the extra environment $2 ("VAR=value ..." or ""): pytest's output goes
# to "$3-pytest.log" and every node directory (with its server.log) under a
# fresh "$3-logs", so the scan then sees exactly this run's logs; $4 is the
# report regex, $5 labels the timing line. Returns 1 when a test failed or a
# node log holds a report.
run_integration() {
  local bin=$1 env=$2 out=$3 regex=$4 label=$5 files=$6
  local logs=$3-logs rc=0 t
  t=$(date +%s)
  rm -rf "$logs"
  mkdir -p "$logs"
  eval "TMPDIR=$logs $env SHOAL_BIN=$bin /usr/bin/python3 -m pytest $files \
    -q -p no:cacheprovider ${PYTEST_ARGS:-}" >"$out-pytest.log" 2>&1 || rc=$?
  tail -5 "$out-pytest.log"
  echo "== $label: $(( $(date +%s) - t )) s, rc $rc"
  scan_logs "$logs" "$regex" || rc=1
  [ $rc -eq 0 ]
}

if [ $tsan -eq 1 ]; then
  # The TSan leg. Where threads meet: the control plane (entrypoint/) runs
  # the supervisor (signals, children), discovery, the bootstrap, the health
  # HTTP server and the shutdown handoff on their own threads and posts work
  # to the engine thread (Server::Post, the status snapshot); node/ itself
  # starts no thread. -O1 and line tables only keep the build short; the
  # unit test binary is the one with the thread-heavy entrypoint tests.
  tb=build-tsan
  CC=clang CXX=clang++ cmake -S . -B "$tb" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    -DSANITIZE=thread -DSHOAL_WERROR=OFF "${launcher[@]}" >/dev/null
  cmake --build "$tb" -j"$jobs" --target shoal shoal_unit_tests >"$tb/tsan-build.log" 2>&1 || {
    tail -40 "$tb/tsan-build.log"
    echo "test-sanitize.sh: TSan build failed (log: $tb/tsan-build.log)" >&2
    exit 2
  }
  echo "== TSan build: $(( $(date +%s) - t0 )) s"
  # Every report is printed (halt_on_error=0) and makes the process exit 66;
  # the suppressions file is for third-party code only (see its comments).
  export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:history_size=4:suppressions=$root/scripts/tsan.supp"
  status=0
  t1=$(date +%s)
  rc=0
  (cd "$tb" && ./shoal_unit_tests -m) >"$tb/tsan-unit.log" 2>&1 || rc=$?
  tail -3 "$tb/tsan-unit.log"
  if [ $rc -ne 0 ] || grep -q "WARNING: ThreadSanitizer" "$tb/tsan-unit.log"; then
    status=1
    grep -m1 -A40 "WARNING: ThreadSanitizer" "$tb/tsan-unit.log" | head -50 || true
  fi
  # The thread-heavy suites once more, each alone: a first use that an
  # earlier test hides in the full run (spdlog's registry built by two
  # threads at once) only shows this way.
  for suite in entrypoint/supervisor entrypoint/health/server entrypoint/discovery \
    entrypoint/bootstrap entrypoint/healthcheck entrypoint/supervisor/lifetime_gate; do
    src=0
    (cd "$tb" && ./shoal_unit_tests -m -ts="$suite") >"$tb/tsan-unit-alone.log" 2>&1 || src=$?
    if [ $src -ne 0 ] || grep -q "WARNING: ThreadSanitizer" "$tb/tsan-unit-alone.log"; then
      rc=1
      status=1
      echo "---- $suite alone: rc $src"
      grep -m1 -A40 "WARNING: ThreadSanitizer" "$tb/tsan-unit-alone.log" | head -50 || tail -20 "$tb/tsan-unit-alone.log"
    fi
  done
  echo "== unit tests (TSan): $(( $(date +%s) - t1 )) s, rc $rc"
  if [ $unit_only -eq 0 ]; then
    # One zero-touch formation of six nodes (discovery, bootstrap, health
    # threads all busy), the health endpoints and `shoal healthcheck` in
    # each phase, a SIGTERM handoff (supervisor -> handoff thread -> engine),
    # and BGSAVE / BGREWRITEAOF children reaped by the supervisor's thread
    # and reported back through Post, with appendfsync everysec.
    default_tsan="test_bootstrap.py::test_six_nodes_form_one_cluster_whatever_the_start_order \
test_bootstrap.py::test_health_endpoints_and_healthcheck_answer_right_in_each_phase \
test_shutdown_handoff.py::test_sigterm_hands_slots_to_the_replica_without_losing_writes \
test_persistence.py::test_bgsave_lastsave_and_info_fields \
test_persistence.py::test_config_set_appendonly_at_runtime \
test_replica_aof.py::test_a_replica_rewrites_its_aof_after_a_full_sync"
    files=""
    for t in ${TSAN_TESTS:-$default_tsan}; do files="$files tests/integration/$t"; done
    tb_abs=$(cd "$tb" && pwd)
    run_integration "$tb_abs/shoal" "SHOAL_FORMATION_REPEATS=1" "$tb_abs/tsan" \
      'WARNING: ThreadSanitizer' "integration tests (TSan)" "$files" || status=1
  fi
  echo "== TSan leg total $(( $(date +%s) - t0 )) s"
  exit $status
fi

if [ -n "${SANITIZE_BUILD_DIR:-}" ]; then
  # Reuse a configured clang ASan+UBSan build: CI passes build-fuzz, whose
  # libraries scripts/fuzz.sh --ci has just compiled with the sanitizers,
  # so only the unit tests and main() are left to compile.
  build=$(cd "$SANITIZE_BUILD_DIR" && pwd)
  build_cmd=(cmake --build "$build" -j"$jobs" --target shoal shoal_unit_tests)
else
  # -O2 -g as RelWithDebInfo: ASan's usual speed, and file:line in reports.
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=address,undefined \
    -DSHOAL_WERROR=ON "${launcher[@]}" >/dev/null
  build_cmd=(cmake --build "$build" -j"$jobs")
fi
"${build_cmd[@]}" >"$build/sanitize-build.log" 2>&1 || {
  tail -40 "$build/sanitize-build.log"
  echo "test-sanitize.sh: build failed (log: $build/sanitize-build.log)" >&2
  exit 2
}
echo "== built in $(( $(date +%s) - t0 )) s"
bin=$(cd "$build" && pwd)/shoal
[ -x "$bin" ] || { echo "test-sanitize.sh: no $bin" >&2; exit 2; }

# Leaks are reported at exit; every report halts the process so a test sees
# it. UBSan reports are errors too (halt_on_error). A 16 MB quarantine (ASan's
# default is 256 MB) keeps freed memory from counting against the RSS bounds
# the limit tests assert; use-after-free is still caught within that window.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0:quarantine_size_mb=16
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/scripts/lsan.supp

status=0
t1=$(date +%s)
# From the build directory: unit tests read their test data relative to it.
(cd "$build" && ./shoal_unit_tests -m) >"$build/sanitize-unit.log" 2>&1 || status=1
tail -3 "$build/sanitize-unit.log"
echo "== unit tests (ASan+UBSan): $(( $(date +%s) - t1 )) s, $([ $status -eq 0 ] && echo ok || echo FAILED)"

if [ $unit_only -eq 0 ]; then
  if [ $full -eq 1 ]; then
    files=tests/integration
  else
    files=""
    for t in $tests; do files="$files tests/integration/$t"; done
  fi
  run_integration "$bin" "" "$(cd "$build" && pwd)/sanitize" \
    'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "integration tests" "$files" ||
    status=1
fi
echo "== test-sanitize total $(( $(date +%s) - t0 )) s"
exit $status
