#!/usr/bin/env bash
# The whole test suite: installs dependencies (Debian packages), builds with
# warnings as errors, runs the doctest unit tests through ctest, then the
# integration tests (real redis-cli / redis-benchmark / python3-redis, and
# differential runs against Debian's redis-server 7.0), the short seeded chaos
# run (tests/chaos: six nodes in network namespaces; SHOAL_CHAOS=0 skips it)
# and, with SHOAL_E2E=1, the Docker end-to-end test.
#
# Environment:
#   SHOAL_BUILD_DIR   build directory (default: build)
#   SHOAL_SKIP_SETUP  1 = do not run scripts/setup.sh
#   SHOAL_PYTEST_ARGS extra arguments for pytest (e.g. "-k cluster")
#   SHOAL_E2E=1       also run the Docker end-to-end test (tests/e2e/test_e2e.py:
#                     installs docker.io, starts dockerd, builds the image,
#                     docker compose up ...; about 10 minutes)
#   SHOAL_FORMATION_REPEATS  formations in test_bootstrap.py (default 20)
#   SHOAL_FUZZ=0      skip the bounded libFuzzer run (default: every target
#                     5000 inputs from a fixed seed after a clang ASan/UBSan
#                     build in build-fuzz; see scripts/fuzz.sh --ci)
#   SHOAL_SANITIZE=0  skip the sanitizer suite (default: the unit tests and an
#                     integration subset against build-fuzz's ASan+UBSan
#                     shoal; scripts/test-sanitize.sh; needs the fuzz build)
#   SHOAL_TSAN=0      skip the TSan leg (default: clang -fsanitize=thread build
#                     of shoal and the unit tests in build-tsan, every unit
#                     test, then a formation, the health endpoints, a SIGTERM
#                     handoff, BGSAVE/AOF rewrite children, node logs scanned
#                     for "WARNING: ThreadSanitizer";
#                     scripts/test-sanitize.sh --tsan; ~3.5 min from a cold
#                     build dir without ccache)
#   SHOAL_SECURE=0    skip the secure leg (default: the cluster-facing
#                     integration files - formation, redirects, failover,
#                     resharding, pub/sub, replication - again with
#                     SHOAL_TEST_PROFILE=tls-auth: every node on a TLS port
#                     only, TLS bus and replication, requirepass/masterauth,
#                     client certificates; tests/integration/support/profile.py)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SHOAL_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
fi

BUILD_DIR=${SHOAL_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DSHOAL_WERROR=ON >/dev/null
cmake --build "$BUILD_DIR" -j2

echo "== unit tests"
(cd "$BUILD_DIR" && ctest --output-on-failure -j2)

if [ "${SHOAL_FUZZ:-1}" = 1 ]; then
  echo "== fuzz targets (bounded)"
  bash scripts/fuzz.sh --ci
fi

if [ "${SHOAL_FUZZ:-1}" = 1 ] && [ "${SHOAL_SANITIZE:-1}" = 1 ]; then
  echo "== sanitizer suite (ASan+UBSan: unit tests and an integration subset)"
  SANITIZE_BUILD_DIR=build-fuzz bash scripts/test-sanitize.sh
fi

if [ "${SHOAL_TSAN:-1}" = 1 ]; then
  echo "== TSan leg (where the control plane's threads meet the engine)"
  bash scripts/test-sanitize.sh --tsan
fi

echo "== integration and container tests"
export SHOAL_BIN="$PWD/$BUILD_DIR/shoal"
# shellcheck disable=SC2086
# --durations: the slowest tests in the log, to keep CI's time in view.
/usr/bin/python3 -m pytest tests/integration tests/chaos tests/e2e -q -p no:cacheprovider \
  --durations=25 ${SHOAL_PYTEST_ARGS:-}

if [ "${SHOAL_SECURE:-1}" = 1 ]; then
  echo "== secure leg: cluster integration files under TLS + requirepass (SHOAL_TEST_PROFILE=tls-auth)"
  # shellcheck disable=SC2086
  SHOAL_TEST_PROFILE=tls-auth /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    tests/integration/test_profile.py tests/integration/test_cluster.py \
    tests/integration/test_bootstrap.py tests/integration/test_failover.py \
    tests/integration/test_reshard.py tests/integration/test_pubsub_cluster.py \
    tests/integration/test_replication.py tests/integration/test_shutdown_handoff.py \
    tests/integration/test_blocked_redirect.py tests/integration/test_mixed_cluster.py \
    ${SHOAL_PYTEST_ARGS:-}
fi
