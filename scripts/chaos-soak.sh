#!/usr/bin/env bash
# The chaos soak (issue 9): N random fault scenarios (kill -9, SIGSTOP,
# SIGTERM, a node's link down, a minority/majority split, packet loss, a slow
# link) on six shoal nodes in network/PID namespaces, with a WAIT writer and
# an async writer throughout; prints one line per scenario and the summary
# table (two-owner slots, WAIT-confirmed writes lost, async writes lost,
# recovery median/worst per fault kind). Needs root. See tests/chaos/README.md.
#
#   SCENARIOS=200 SEED=<random> NODE_TIMEOUT=1500 MINUTES= SHOAL_BIN=build/shoal \
#     bash scripts/chaos-soak.sh [--kinds kill9,split] [--keep]
#
# Exit status 0 only when every scenario recovered with no slot owned twice
# and no WAIT-confirmed write lost.
set -euo pipefail
cd "$(dirname "$0")/.."
export SHOAL_BIN=${SHOAL_BIN:-$PWD/build/shoal}
args=(--scenarios "${SCENARIOS:-200}" --node-timeout "${NODE_TIMEOUT:-1500}")
[ -n "${SEED:-}" ] && args+=(--seed "$SEED")
[ -n "${MINUTES:-}" ] && args+=(--minutes "$MINUTES")
exec /usr/bin/python3 tests/chaos/soak.py "${args[@]}" "$@"
