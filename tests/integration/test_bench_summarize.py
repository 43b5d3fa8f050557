"""bench/summarize.py: bracketed rounds, the stability filter and the ratios.

No servers: the raw rows compare.sh writes are made up here, so the figures
each table cell must show are known.
"""

import pathlib
import subprocess
import sys

SUMMARIZE = pathlib.Path(__file__).resolve().parents[2] / "bench" / "summarize.py"


def run(tmp_path, rows, *extra):
    path = tmp_path / "results.tsv"
    path.write_text("".join("\t".join(str(v) for v in r) + "\n" for r in rows))
    out = subprocess.run([sys.executable, str(SUMMARIZE), "throughput", str(path), *extra],
                         check=True, capture_output=True, text=True).stdout
    cells = {}
    for line in out.splitlines():
        parts = [p.strip() for p in line.strip("|").split("|")]
        if len(parts) == 9 and parts[1].isdigit():
            cells[(parts[0], int(parts[1]))] = parts
    return cells


def bracket(test, p, rnd, outer, inner, first_side):
    """One round: first_side, the other side, first_side again."""
    other = "redis" if first_side == "shoal" else "shoal"
    return [(first_side, test, p, rnd, outer[0], 2.0), (other, test, p, rnd, inner, 1.0),
            (first_side, test, p, rnd, outer[1], 2.0)]


def test_a_round_with_a_phase_change_does_not_count(tmp_path):
    rows = []
    # Stable rounds: shoal 110 against redis 100, so 1.10.
    rows += bracket("set", 1, 1, (110, 110), 100, "shoal")
    rows += bracket("set", 1, 2, (100, 100), 110, "redis")
    rows += bracket("set", 1, 3, (111, 109), 100, "shoal")
    # The machine halved its speed between the outer runs: 50 % apart.
    rows += bracket("set", 1, 4, (200, 100), 300, "redis")
    rows += bracket("set", 1, 5, (100, 200), 100, "shoal")
    cell = run(tmp_path, rows)[("SET", 1)]
    assert cell[4] == "1.10"
    assert cell[8] == "3/5"
    assert cell[2] == "110" and cell[3] == "100"
    # Server CPU: the outer side 2.0 us/req, the inner 1.0. Shoal is outer in
    # stable rounds 1 and 3, redis in 2: medians 2.0 and 1.0; per-round CPU
    # ratios 2, 0.5, 2.
    assert cell[5] == "2.00" and cell[6] == "1.00" and cell[7] == "2.00"


def test_the_tolerance_is_the_callers(tmp_path):
    rows = bracket("get", 16, 1, (100, 105), 100, "shoal")  # 4.8 % apart
    assert run(tmp_path, rows, "0.08")[("GET", 16)][8] == "1/1"
    assert run(tmp_path, rows, "0.03")[("GET", 16)][8] == "0/1"


def test_no_stable_round_falls_back_to_all_and_says_so(tmp_path):
    rows = bracket("incr", 1, 1, (100, 200), 150, "redis")
    rows += bracket("incr", 1, 2, (100, 200), 150, "shoal")
    cell = run(tmp_path, rows)[("INCR", 1)]
    assert cell[8] == "0/2"
    # round 1: 150 / 150 = 1.0; round 2: 150 / 150 = 1.0
    assert cell[4] == "1.00"


def test_pairs_without_a_bracket_still_read(tmp_path):
    # The format before brackets: one run per side per round.
    rows = [("shoal", "set", 1, 1, 120, 3.0), ("redis", "set", 1, 1, 100, 3.0),
            ("redis", "set", 1, 2, 100, 3.0), ("shoal", "set", 1, 2, 130, 3.0)]
    cell = run(tmp_path, rows)[("SET", 1)]
    assert cell[4] == "1.25" and cell[8] == "2/2"
