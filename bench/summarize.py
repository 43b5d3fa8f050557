#!/usr/bin/env python3
# bench/summarize.py — turns the raw measurements of bench/compare.sh into
# markdown tables.  Called only by compare.sh; plain python3, no dependencies.
#
#   summarize.py throughput results.tsv [tolerance]
#       rows: side, test, pipeline, round, requests/s, server CPU us/request;
#       a round has three rows, one side bracketed by two runs of the other
#       prints: command | P | shoal req/s | redis req/s | ratio | server CPU
#       us/request for both and their ratio | stable rounds. A round is stable
#       when its two bracketing runs are within tolerance (default 0.08) of
#       each other; only stable rounds count. req/s and CPU are medians of the
#       rounds; the ratios are medians of the per-round ratios (shoal and
#       redis run back to back in each round, so a round's pair shares the
#       machine's state: this VM moves between a fast and a slow phase, about
#       2x apart and seconds long, that hits both servers alike)
#   summarize.py memory memory.tsv expected_keys
#       rows: side, keys, used_memory before, used_memory after, rss after
#       prints used_memory bytes per key for both sides and their ratio

import statistics
import sys


def _num(text):
    try:
        return float(text)
    except ValueError:
        return None


def throughput(path, tol):
    # (test, P) -> round -> side -> [(rps, cpu)], in file order
    rounds = {}
    order = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5:
                parts.append("")
            if len(parts) != 6:
                continue
            side, test, p, rnd, rps, cpu = parts
            key = (test, int(p))
            if key not in rounds:
                rounds[key] = {}
                order.append(key)
            rounds[key].setdefault(rnd, {}).setdefault(side, []).append((_num(rps), _num(cpu)))
    print("| command | P | shoal req/s | redis req/s | ratio | shoal CPU us/req "
          "| redis CPU us/req | CPU ratio | stable rounds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for test, p in order:
        cell = list(rounds[(test, p)].values())
        paired = [r for r in cell if _side(r, "shoal", 0) and _side(r, "redis", 0)]
        stable = [r for r in paired if _stable(r, tol)]
        use = stable or paired  # none stable: every round, and the column says 0
        rps = {s: [_side(r, s, 0) for r in use] for s in ("shoal", "redis")}
        cpu = {s: [c for r in use if (c := _side(r, s, 1))] for s in ("shoal", "redis")}
        rr = [_side(r, "shoal", 0) / _side(r, "redis", 0) for r in use]
        cr = [_side(r, "shoal", 1) / _side(r, "redis", 1) for r in use
              if _side(r, "shoal", 1) and _side(r, "redis", 1)]
        ratio = f"{statistics.median(rr):.2f}" if rr else "n/a"
        cratio = f"{statistics.median(cr):.2f}" if cr else "n/a"
        print(f"| {test.upper()} | {p} | {_fmt(_median(rps['shoal']))} | "
              f"{_fmt(_median(rps['redis']))} | {ratio} | {_us(_median(cpu['shoal']))} | "
              f"{_us(_median(cpu['redis']))} | {cratio} | {len(stable)}/{len(cell)} |")
    print()
    print("A round runs one side between two runs of the other (shoal redis shoal, then")
    print(f"redis shoal redis); it is stable when those two are within {tol:.0%} of each other,")
    print("that is, the machine did not change speed inside it. Only stable rounds count")
    print("(all rounds if none was). req/s and CPU us/req: medians over the rounds of each")
    print("side's mean in the round. ratio = median over the rounds of shoal / redis")
    print("requests/s; > 1 means shoal is faster. CPU ratio: the same for server CPU time")
    print("per request; < 1 means shoal needs less.")


def _side(rnd, side, i):
    """The mean of a side's runs in a round (index 0 req/s, 1 CPU us/req)."""
    vals = [v[i] for v in rnd.get(side, []) if v[i]]
    return sum(vals) / len(vals) if vals else None


def _stable(rnd, tol):
    """True when the side run twice in the round got the same speed within tol."""
    for runs in rnd.values():
        if len(runs) >= 2:
            vals = [v[0] for v in runs if v[0]]
            if len(vals) < 2:
                return False
            if max(vals) - min(vals) > tol * max(vals):
                return False
    return True


def _median(vals):
    return statistics.median(vals) if vals else None


def _us(v):
    return f"{v:.2f}" if v else "n/a"


def _fmt(v):
    return f"{v:,.0f}" if v else "n/a"


def memory(path, expected):
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5:
                rows[parts[0]] = parts[1:]
    print(f"Memory after loading {int(expected):,} distinct keys (16-byte values):")
    print()
    print("| server | keys | used_memory before | used_memory after | bytes/key | RSS after |")
    print("|---|---:|---:|---:|---:|---:|")
    per_key = {}
    for side in ("shoal", "redis"):
        if side not in rows:
            continue
        keys, before, after, rss = rows[side]
        k, b, a, r = _num(keys), _num(before), _num(after), _num(rss)
        bpk = (a - b) / k if k and a is not None and b is not None else None
        per_key[side] = bpk
        print(f"| {side} | {_fmt(k)} | {_fmt(b)} | {_fmt(a)} | "
              f"{f'{bpk:.1f}' if bpk is not None else 'n/a'} | {_fmt(r)} |")
        if k is not None and int(k) != int(expected):
            print(f"\n**{side} holds {int(k)} keys, expected {int(expected)}**\n")
    a, b = per_key.get("shoal"), per_key.get("redis")
    print()
    if a and b:
        print(f"bytes/key ratio shoal / redis: {a / b:.2f} (< 1 means shoal uses less memory)")
    else:
        print("bytes/key ratio: n/a (used_memory missing from INFO memory?)")


def main(argv):
    if len(argv) >= 3 and argv[1] == "throughput":
        throughput(argv[2], float(argv[3]) if len(argv) >= 4 else 0.08)
    elif len(argv) >= 4 and argv[1] == "memory":
        memory(argv[2], argv[3])
    else:
        sys.exit(f"usage: {argv[0]} throughput FILE | memory FILE EXPECTED_KEYS")


if __name__ == "__main__":
    main(sys.argv)
