#!/usr/bin/env bash
# Soak: repeats the zero-touch formation test many times (default 200):
# six nodes started in random order with random delays up to 5 s must form
# exactly one 3+3 cluster each time (no split brain, every slot with one
# owner, replicas spread). Prints the median and worst time from the last
# node's start to cluster_state:ok everywhere.
#
#   bash scripts/soak-formation.sh            # 200 formations
#   REPEATS=1000 SEED=7 bash scripts/soak-formation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target shoal
SHOAL_BIN="$PWD/build/shoal" SHOAL_FORMATION_REPEATS="${REPEATS:-200}" \
  SHOAL_FORMATION_SEED="${SEED:-1}" \
  /usr/bin/python3 -m pytest tests/integration/test_bootstrap.py -q -s -p no:cacheprovider \
  -k whatever_the_start_order
