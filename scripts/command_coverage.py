#!/usr/bin/env python3
# scripts/command_coverage.py — which Redis 7.0 commands shoal has, per group,
# read from both command tables at run time (shoal's `COMMAND` is rendered
# from its command table; redis-server's from its own).
#
# Starts build/shoal (or SHOAL_BIN) and /usr/bin/redis-server on free loopback
# ports (stopped by PID at exit), reads `COMMAND DOCS` from redis-server for
# the group of every command and subcommand, and `COMMAND LIST` plus each
# container's subcommands from both, then prints a markdown table:
#   group | Redis 7.0 commands | shoal has | missing (names)
# Subcommands count as "container|sub", as COMMAND LIST FILTERBY and ACL do.
# The README's command-coverage table is this script's output
# (tests/integration/test_command_coverage.py checks it is current).
#
# Usage: scripts/command_coverage.py [--check README.md]

import os
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from support.resp import RespConnection  # noqa: E402

SHOAL = os.environ.get("SHOAL_BIN", os.path.join(REPO, "build", "shoal"))
REDIS = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
BEGIN = "<!-- command-coverage:begin (scripts/command_coverage.py) -->"
END = "<!-- command-coverage:end -->"
# Commands a cluster node has no use for, or that Redis itself marks as
# sentinel-only / test-only: listed, but not counted as missing work.
OUT_OF_SCOPE_GROUPS = {"sentinel"}
# Commands shoal has but not in full: what is missing. Kept beside the
# generator so the per-command table says it; everything else in shoal's
# COMMAND is "yes", everything absent "no".
PARTIAL = {
    "debug": "only SLEEP and HELP",
    "failover": "argument and state checks; refuses to start a failover while replicas are attached",
    "module|load": "no module can be loaded (Redis's error for a failed load)",
    "module|loadex": "no module can be loaded (Redis's error for a failed load)",
    "script|debug": "the Lua debugger is not built (replies an error)",
    "latency|latest": "events: command, fast-command, expire-cycle",
    "memory|doctor": "its own report text",
    "memory|malloc-stats": "shoal's allocator statistics, not jemalloc's",
}


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def _start(binary, tmp):
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    for _ in range(200):
        try:
            c = RespConnection("127.0.0.1", port, timeout=5)
            if c.call("PING") == b"PONG":
                return proc, c
            c.close()
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{binary} did not start")


def _names(conn):
    """Every command and 'container|sub' the server's COMMAND reports."""
    names = set()
    for row in conn.call("COMMAND"):
        name = row[0].decode().lower()
        names.add(name)
        subs = row[9] if len(row) > 9 else []
        for sub in subs or []:
            names.add(sub[0].decode().lower())
    return names


def _groups(conn):
    """name -> group from COMMAND DOCS (subcommands included)."""
    out = {}

    def walk(pairs):
        for i in range(0, len(pairs), 2):
            name = pairs[i].decode().lower()
            doc = pairs[i + 1]
            fields = {doc[j].decode(): doc[j + 1] for j in range(0, len(doc), 2)}
            out[name] = fields.get("group", b"?").decode()
            subs = fields.get("subcommands")
            if subs:
                walk(subs)

    walk(conn.call("COMMAND", "DOCS"))
    return out


def coverage_table():
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(tmp + "/redis")
        os.makedirs(tmp + "/shoal")
        rproc, rconn = _start(REDIS, tmp + "/redis")
        sproc, sconn = _start(SHOAL, tmp + "/shoal")
        try:
            redis_names = _names(rconn)
            shoal_names = _names(sconn)
            groups = _groups(rconn)
        finally:
            for p in (rproc, sproc):
                p.terminate()
                p.wait(10)
    by_group = {}
    for name in sorted(redis_names):
        by_group.setdefault(groups.get(name, "?"), []).append(name)
    lines = ["| group | Redis 7.0 commands | shoal has | missing |", "|---|---:|---:|---|"]
    total = have = 0
    for group in sorted(by_group):
        names = by_group[group]
        got = [n for n in names if n in shoal_names]
        missing = [n for n in names if n not in shoal_names]
        if group not in OUT_OF_SCOPE_GROUPS:
            total += len(names)
            have += len(got)
        miss = ", ".join(n.replace("|", "\\|") for n in missing) if missing else "—"
        if group in OUT_OF_SCOPE_GROUPS:
            miss += " (out of scope for a cluster node)"
        lines.append(f"| {group} | {len(names)} | {len(got)} | {miss} |")
    lines.append(f"| **all** | **{total}** | **{have}** | |")
    extra = sorted(shoal_names - redis_names)
    if extra:
        lines.append("")
        lines.append("shoal-only: " + ", ".join(extra) + ".")
    # Every command, one row each.
    lines += ["", "<details><summary>Every Redis 7.0 command</summary>", "",
              "| command | group | shoal | missing |", "|---|---|---|---|"]
    for name in sorted(redis_names):
        if name not in shoal_names:
            status, note = "no", ""
        elif name in PARTIAL:
            status, note = "partial", PARTIAL[name]
        else:
            status, note = "yes", ""
        cell = name.replace("|", "\\|")  # a pipe would split the cell
        lines.append(f"| `{cell}` | {groups.get(name, '?')} | {status} | {note} |")
    lines += ["", "</details>"]
    return "\n".join(lines)


def readme_section(path):
    text = open(path).read()
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def main():
    table = coverage_table()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        current = readme_section(sys.argv[2])
        if current != table:
            print("README command-coverage table is stale; regenerate with "
                  "scripts/command_coverage.py --write README.md")
            sys.exit(1)
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        text = open(sys.argv[2]).read()
        if BEGIN in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            text = head + BEGIN + "\n" + table + "\n" + END + tail
        else:
            text += "\n" + BEGIN + "\n" + table + "\n" + END + "\n"
        open(sys.argv[2], "w").write(text)
        return
    print(table)


if __name__ == "__main__":
    main()
