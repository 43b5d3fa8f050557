# The short, seeded chaos run for CI (issue 9): six shoal nodes in network and
# PID namespaces behind a bridge and a dnsmasq (rig.py), a WAIT and an async
# writer throughout, one scenario of each fault kind (scenarios.py). After
# each: no slot with two owners, all views agree, no WAIT-confirmed write
# lost, recovered in time. Skipped with the reason when the machine cannot
# make namespaces (not root, no dnsmasq, ...) or shoal is not built.
#
#   SHOAL_CHAOS_SEED       seed of the targets and hold times (default 9)
#   SHOAL_CHAOS_KINDS      comma list of fault kinds (default: all of FAULTS)
#   SHOAL_CHAOS=0          skip
#
# Longer runs: scripts/chaos-soak.sh (README.md in this folder).

import os

import pytest

import rig as rigmod
import scenarios as sc
import soak

SEED = int(os.environ.get("SHOAL_CHAOS_SEED", "9"))
KINDS = [k for k in os.environ.get("SHOAL_CHAOS_KINDS", ",".join(sc.FAULTS)).split(",") if k]


@pytest.fixture(scope="module")
def available():
    if os.environ.get("SHOAL_CHAOS", "1") == "0":
        pytest.skip("SHOAL_CHAOS=0")
    why = rigmod.unavailable_reason()
    if why:
        pytest.skip(why)
    if not os.access(soak.shoal_binary(), os.X_OK):
        pytest.skip(f"shoal binary not found at {soak.shoal_binary()} (build it or set SHOAL_BIN)")


def test_short_seeded_chaos_run(available, tmp_path, record_property):
    lines = []
    skipped = rigmod.kinds_unavailable(KINDS)
    kinds = [k for k in KINDS if k not in skipped]
    for k, why in skipped.items():
        print(f"fault kind {k} skipped: {why}")

    def log(s):
        lines.append(s)
        print(s, flush=True)

    results, formed, netem = soak.run_session(kinds, SEED, str(tmp_path), log=log,
                                              time_budget=200)
    table = sc.summary(results) if results else "no scenario ran"
    print(f"\nformation {formed:.2f}s; loss/delay via "
          f"{'netem' if netem else 'iptables statistic + tbf (kernel has no sch_netem)'}\n{table}")
    rec = sorted(r.recovery for r in results if r.recovery is not None)
    if rec:
        record_property("chaos_recovery_median_s", round(rec[len(rec) // 2], 2))
        record_property("chaos_recovery_worst_s", round(rec[-1], 2))
    assert len(results) == len(kinds), "\n".join(lines)
    for r in results:
        assert r.recovery is not None, f"not recovered: {r.line()}\n" + "\n".join(lines)
        assert r.two_owner_slots == 0, r.line()
        assert not r.wait_lost, f"WAIT-confirmed writes lost: {r.wait_lost[:10]}\n{r.line()}"
        assert not r.problems, r.line()
