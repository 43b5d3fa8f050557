#!/usr/bin/env python3
# bench/summarize.py — turns the raw measurements of bench/compare.sh into
# markdown tables.  Called only by compare.sh; plain python3, no dependencies.
#
#   summarize.py throughput results.tsv
#       rows: side, test, pipeline, round, requests/s, server CPU us/request
#       prints: command | P | shoal req/s | redis req/s | ratio | server CPU
#       us/request for both and their ratio. req/s and CPU are medians of the
#       rounds; the ratios are medians of the per-round ratios (shoal and
#       redis run back to back in each round, so a round's pair shares the
#       machine's state: this VM moves between a fast and a slow phase, about
#       2x apart, that hits both servers alike)
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


def throughput(path):
    cells = {}  # (test, P) -> side -> [rps]
    cpus = {}  # (test, P) -> side -> [server CPU us/request]
    rounds = {}  # (test, P) -> round -> side -> (rps, cpu)
    order = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5:
                parts.append("")
            if len(parts) != 6:
                continue
            side, test, p, _round, rps, cpu = parts
            key = (test, int(p))
            if key not in cells:
                cells[key] = {}
                order.append(key)
            value = _num(rps)
            if value:
                cells[key].setdefault(side, []).append(value)
            c = _num(cpu)
            if c:
                cpus.setdefault(key, {}).setdefault(side, []).append(c)
            rounds.setdefault(key, {}).setdefault(_round, {})[side] = (value, c)
    print("| command | P | shoal req/s | redis req/s | ratio | shoal CPU us/req "
          "| redis CPU us/req | CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for test, p in order:
        sides = cells[(test, p)]
        med = {s: statistics.median(v) for s, v in sides.items() if v}
        a, b = med.get("shoal"), med.get("redis")
        cmed = {s: statistics.median(v) for s, v in cpus.get((test, p), {}).items() if v}
        ca, cb = cmed.get("shoal"), cmed.get("redis")
        pairs = [r for r in rounds.get((test, p), {}).values() if "shoal" in r and "redis" in r]
        rr = [r["shoal"][0] / r["redis"][0] for r in pairs if r["shoal"][0] and r["redis"][0]]
        cr = [r["shoal"][1] / r["redis"][1] for r in pairs if r["shoal"][1] and r["redis"][1]]
        ratio = f"{statistics.median(rr):.2f}" if rr else "n/a"
        cratio = f"{statistics.median(cr):.2f}" if cr else "n/a"
        print(f"| {test.upper()} | {p} | {_fmt(a)} | {_fmt(b)} | {ratio} | "
              f"{_us(ca)} | {_us(cb)} | {cratio} |")
    print()
    print("req/s and CPU us/req: medians of the rounds. ratio = median over the rounds of")
    print("shoal / redis requests/s in the same round (the two run back to back); > 1 means")
    print("shoal is faster. CPU ratio: the same for server CPU time per request; < 1 means")
    print("shoal needs less.")


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
        throughput(argv[2])
    elif len(argv) >= 4 and argv[1] == "memory":
        memory(argv[2], argv[3])
    else:
        sys.exit(f"usage: {argv[0]} throughput FILE | memory FILE EXPECTED_KEYS")


if __name__ == "__main__":
    main(sys.argv)
