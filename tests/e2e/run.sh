#!/usr/bin/env bash
# tests/e2e/run.sh — the containers end to end on a real Docker engine.
#
# Installs Debian's docker.io + docker-compose (and the `docker compose`
# plugin shim), starts dockerd in the background by PID, makes the Debian
# base image with debootstrap (cached: skipped when it exists), builds
# shoal:latest from the project's Dockerfile, measures it, then runs
# tests/e2e/compose_e2e.py (Compose up / kill / scale / stop-start / graceful
# stop, and the seeds' docker-run procedure). Whatever happens, the trap
# removes the test's containers, networks and volumes, stops dockerd by its
# PID and cleans Docker's host leftovers (scripts/docker-stop.sh).
#
# Environment:
#   SHOAL_E2E_PREBUILT  build/shoal (the only path .dockerignore lets in): put
#                       that binary, built on this Debian 12 host, in the image
#                       instead of compiling in the build stage (saves minutes)
#   SHOAL_E2E_ARGS      extra arguments for compose_e2e.py (--only kill,...)
#   SHOAL_DOCKERD_STATE where dockerd's PID file and log go
set -euo pipefail
cd "$(dirname "$0")/../.."

t0=$(date +%s)
stamp() { echo "[e2e $(($(date +%s) - t0))s] $*"; }

cleanup() {
  rc=$?
  set +e
  stamp "cleanup"
  if docker info >/dev/null 2>&1; then
    # Images stay: the base image and the build stage's apt layer are the
    # cache that keeps the next run fast.
    /usr/bin/python3 tests/e2e/compose_e2e.py --cleanup-only
  fi
  bash scripts/docker-stop.sh
  stamp "done (exit $rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stamp "install"
bash scripts/docker-install.sh
stamp "dockerd"
bash scripts/docker-start.sh
stamp "base image"
bash scripts/docker-base-image.sh

stamp "image"
build_args=()
if [ -n "${SHOAL_E2E_PREBUILT:-}" ]; then
  build_args+=(--build-arg "SHOAL_PREBUILT=${SHOAL_E2E_PREBUILT}")
  stamp "using the prebuilt ${SHOAL_E2E_PREBUILT}"
fi
docker build -q -t shoal:latest "${build_args[@]}" . >/dev/null
size=$(docker image inspect -f '{{.Size}}' shoal:latest)
stamp "shoal:latest is $size bytes ($((size / 1000000)) MB; target <= 40 MB)"
if [ "$size" -gt 40000000 ]; then
  echo "WARNING: the image is larger than the 40 MB target"
fi
# The image runs as non-root and answers its own healthcheck command.
[ "$(docker image inspect -f '{{.Config.User}}' shoal:latest)" = "10001:10001" ]
docker run --pull never --rm shoal:latest --version

# Both Compose spellings read the file users use.
docker compose -f compose/docker-compose.yml config -q
docker-compose -f compose/docker-compose.yml config -q
docker-compose -f compose/docker-compose.host-network.yml config -q

stamp "scenario"
# shellcheck disable=SC2086
/usr/bin/python3 tests/e2e/compose_e2e.py ${SHOAL_E2E_ARGS:-}
stamp "scenario passed"
