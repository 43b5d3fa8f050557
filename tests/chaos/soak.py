# Runs a chaos session: builds the rig (rig.py), forms the cluster, starts the
# workload, runs a list of scenarios (scenarios.py), prints a line per
# scenario and the summary table, tears everything down (also on failure or
# Ctrl-C). Called by test_chaos.py (run_session) and scripts/chaos-soak.sh
# (main). Main thread only.
#
#   /usr/bin/python3 tests/chaos/soak.py [--scenarios N] [--seed S]
#        [--kinds kill9,split,...] [--node-timeout MS] [--keep]
#
# Exit status: 0 when no slot ever had two owners, no WAIT-confirmed write
# was lost and every scenario recovered; 1 otherwise; 2 when the rig cannot
# run here (the reason is printed).

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import rig as rigmod  # noqa: E402
import scenarios as sc  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def shoal_binary():
    return os.environ.get("SHOAL_BIN", os.path.join(REPO, "build", "shoal"))


def run_session(kinds, seed, root, binary=None, node_timeout=1500, log=print,
                time_budget=None, results=None):
    """Runs the scenarios `kinds` (a list of fault names) with a seeded
    random choice of targets and holds. Returns (results, formation seconds,
    netem available); `results`, when given, is the list the results are
    appended to (still filled when an exception ends the run). Stops early
    (fewer results) when `time_budget` seconds have passed. Everything
    created is gone when this returns."""
    binary = binary or shoal_binary()
    rigmod.cleanup_stale()
    r = rigmod.Rig(root, binary, node_timeout=node_timeout)
    work = None
    t0 = time.time()
    try:
        r.setup()
        r.enter_client_netns()
        r.start_all()
        formed = sc.wait_formed(r)
        log(f"formed in {formed:.2f}s (netem {'available' if r.netem else 'NOT in this kernel'})")
        work = sc.Workload(r)
        work.start()
        time.sleep(1.0)
        chaos = sc.Chaos(r, work, random.Random(seed), log=log)
        if results is not None:
            chaos.results = results
        for i, kind in enumerate(kinds):
            if time_budget is not None and time.time() - t0 > time_budget:
                log(f"time budget of {time_budget}s used: stopping after {i} scenarios")
                break
            res = chaos.run(kind)
            if res.recovery is None:
                # The cluster did not come back: the rest would only pile up.
                log("not recovered; node log tails:")
                for n in r.nodes:
                    log(f"--- {n.name}\n{n.log_tail(15)}")
                break
        return chaos.results, formed, r.netem
    finally:
        if work is not None:
            work.close()
        r.teardown()


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenarios", type=int, default=200)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--kinds", default=",".join(sc.FAULTS))
    ap.add_argument("--node-timeout", type=int, default=1500)
    ap.add_argument("--minutes", type=float, default=None, help="stop after this long")
    ap.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    a = ap.parse_args(argv)
    why = rigmod.unavailable_reason()
    if why:
        print(f"chaos rig unavailable: {why}")
        return 2
    if not os.access(shoal_binary(), os.X_OK):
        print(f"no shoal binary at {shoal_binary()} (set SHOAL_BIN)")
        return 2
    kinds = [k for k in a.kinds.split(",") if k]
    unknown = set(kinds) - set(sc.FAULTS)
    if unknown:
        print(f"unknown fault kinds {sorted(unknown)}; known: {sc.FAULTS}")
        return 2
    for k, why in rigmod.kinds_unavailable(kinds).items():
        print(f"fault kind {k} skipped: {why}")
        kinds.remove(k)
    rng = random.Random(a.seed)
    plan = sc.random_kinds(rng, a.scenarios, kinds)
    root = tempfile.mkdtemp(prefix="shoal-chaos-")
    # SIGTERM/SIGHUP end the run through the finally blocks (tear-down).
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _interrupt)
    print(f"chaos soak: {a.scenarios} scenarios, seed {a.seed}, node timeout "
          f"{a.node_timeout} ms, shoal {shoal_binary()}, files in {root}", flush=True)
    t0 = time.time()
    results = []
    try:
        _, _, netem = run_session(
            plan, a.seed + 1, root, node_timeout=a.node_timeout,
            log=lambda s: print(s, flush=True),
            time_budget=a.minutes * 60 if a.minutes else None, results=results)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        netem = rigmod.netem_available()
    bad = [r for r in results if not r.ok]
    print(f"\n{len(results)} scenarios in {time.time() - t0:.0f}s, seed {a.seed}; "
          f"packet loss/delay via {'netem' if netem else 'iptables statistic / tbf (no netem)'}")
    print(sc.summary(results) if results else "no scenario ran")
    for r in bad:
        print("FAILED:", r.line())
        for k, cur in r.wait_lost[:10]:
            print(f"   WAIT-confirmed {k} now {cur!r}")
    if a.keep or bad or len(results) < len(plan):
        print(f"files kept in {root}")
    else:
        # The node logs stay (small; the lines above carry wall-clock
        # times to look an outlier up), the data dirs go.
        for n in os.listdir(root):
            shutil.rmtree(os.path.join(root, n, "data"), ignore_errors=True)
        print(f"node logs kept in {root}/n*/shoal.log")
    return 0 if results and not bad and len(results) == len(plan) else 1


if __name__ == "__main__":
    sys.exit(main())
