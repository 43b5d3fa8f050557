# Differential tests of the stream family (XADD ... XINFO) against
# redis-server 7.0: hand-written edge cases (RESP2 and RESP3), node-boundary
# sensitive trimming, and seeded random sequences drawn from
# support/randgen_streams.py.  SHOAL_DIFF_SEED / SHOAL_DIFF_N as in
# test_differential.py.

import os
import re

import pytest

from support import randgen, randgen_streams  # noqa: F401  (registers the generators)
from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    runner.step(["CONFIG", "SET", "stream-node-max-entries", "100"])
    runner.step(["CONFIG", "SET", "stream-node-max-bytes", "4096"])
    yield runner
    runner.close()


def _xadd_n(key, n, start=1, field="f", value="v"):
    return [["XADD", key, f"{i}-0", field, value] for i in range(start, start + n)]


SEQUENCES = {
    "xadd_ids": [
        ["XADD", "s", "1-1", "a", "1"],
        ["XADD", "s", "1-1", "a", "1"],
        ["XADD", "s", "1-0", "a", "1"],
        ["XADD", "s", "1-*", "a", "2"],
        ["XADD", "s", "5-*", "a", "3"],
        ["XADD", "s", "5", "a", "3"],
        ["XADD", "s", "0-0", "a", "1"],
        ["XADD", "new", "0-0", "a", "1"],
        ["EXISTS", "new"],
        ["XADD", "new", "0-*", "a", "1"],
        ["XADD", "s", "abc", "a", "1"],
        ["XADD", "s", "1-2-3", "a", "1"],
        ["XADD", "s", "-", "a", "1"],
        ["XADD", "s", "+", "a", "1"],
        ["XADD", "s", "6-0", "a"],
        ["XADD", "s", "6-0"],
        ["XADD", "s", "NOMKSTREAM", "7-0", "a", "1"],
        ["XADD", "nokey", "NOMKSTREAM", "1-0", "a", "1"],
        ["EXISTS", "nokey"],
        ["XADD", "s", "18446744073709551615-18446744073709551615", "a", "1"],
        ["XADD", "s", "18446744073709551615-*", "a", "1"],
        ["XADD", "s", "*", "a", "1"],
        ["XADD", "t", "18446744073709551615-18446744073709551614", "a", "1"],
        ["XADD", "t", "18446744073709551615-*", "a", "1"],
        ["XADD", "t", "18446744073709551615-*", "a", "1"],
        ["XLEN", "s"],
        ["XLEN", "nokey"],
        ["TYPE", "s"],
        ["OBJECT", "ENCODING", "s"],
        ["SET", "str", "v"],
        ["XADD", "str", "1-0", "a", "1"],
        ["XLEN", "str"],
    ],
    "ranges": [
        ["XADD", "s", "1-0", "a", "1", "b", "2"],
        ["XADD", "s", "1-5", "a", "3", "b", "4"],
        ["XADD", "s", "2-0", "c", "5"],
        ["XADD", "s", "3-0", "a", "6", "b", "7"],
        ["XRANGE", "s", "-", "+"],
        ["XRANGE", "s", "1", "1"],
        ["XRANGE", "s", "(1-0", "+"],
        ["XRANGE", "s", "-", "(3-0"],
        ["XRANGE", "s", "(1-5", "(3-0"],
        ["XRANGE", "s", "(-", "+"],
        ["XRANGE", "s", "-", "(+"],
        ["XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"],
        ["XRANGE", "s", "-", "(0-0"],
        ["XRANGE", "s", "-", "+", "COUNT", "2"],
        ["XRANGE", "s", "-", "+", "COUNT", "0"],
        ["XRANGE", "s", "-", "+", "COUNT", "-3"],
        ["XRANGE", "s", "-", "+", "COUNT"],
        ["XRANGE", "s", "-", "+", "LIMIT", "1"],
        ["XRANGE", "s", "-", "+", "COUNT", "x"],
        ["XRANGE", "s", "x", "+"],
        ["XRANGE", "s", "3", "1"],
        ["XREVRANGE", "s", "+", "-"],
        ["XREVRANGE", "s", "+", "-", "COUNT", "1"],
        ["XREVRANGE", "s", "(3-0", "(1-0"],
        ["XREVRANGE", "s", "2", "1"],
        ["XRANGE", "nokey", "-", "+"],
        ["XRANGE", "nokey", "-", "+", "COUNT", "0"],
    ],
    "xdel_xtrim": [
        *_xadd_n("s", 20),
        ["XDEL", "s", "3-0", "4-0", "99-0", "3-0"],
        ["XDEL", "s", "1-0"],
        ["XDEL", "s", "bad"],
        ["XDEL", "nokey", "1-0"],
        ["XINFO", "STREAM", "s"],
        ["XTRIM", "s", "MAXLEN", "15"],
        ["XTRIM", "s", "MAXLEN", "=", "15"],
        ["XTRIM", "s", "MINID", "10"],
        ["XTRIM", "s", "MINID", "~", "12"],
        ["XTRIM", "s", "MAXLEN", "~", "2"],
        ["XTRIM", "s", "MAXLEN", "-1"],
        ["XTRIM", "s", "MAXLEN", "x"],
        ["XTRIM", "s", "LIMIT", "1"],
        ["XTRIM", "s", "MAXLEN", "5", "LIMIT", "1"],
        ["XTRIM", "s", "MAXLEN", "~", "5", "LIMIT", "-1"],
        ["XTRIM", "s", "MAXLEN", "5", "MINID", "1"],
        ["XTRIM", "s", "MINID", "bad"],
        ["XTRIM", "s", "MINID", "+"],
        ["XTRIM", "s", "FOO"],
        ["XTRIM", "s"],
        ["XTRIM", "nokey", "MAXLEN", "0"],
        ["XINFO", "STREAM", "s"],
        ["XTRIM", "s", "MAXLEN", "0"],
        ["XINFO", "STREAM", "s"],
        ["EXISTS", "s"],
        ["XADD", "s", "MAXLEN", "1", "30-0", "a", "1"],
        ["XADD", "s", "MINID", "31", "31-0", "a", "1"],
        ["XADD", "s", "LIMIT", "5", "32-0", "a", "1"],
        ["XADD", "s", "MAXLEN", "5", "LIMIT", "5", "32-0", "a", "1"],
        ["XRANGE", "s", "-", "+"],
    ],
    "groups": [
        ["XGROUP", "CREATE", "s", "g", "$"],
        ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
        ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"],
        ["XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"],
        ["XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "3"],
        ["XGROUP", "CREATE", "s", "g3", "bad"],
        ["XGROUP", "CREATE", "s", "g3", "0", "FOO"],
        *_xadd_n("s", 5),
        ["XINFO", "GROUPS", "s"],
        ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"],
        ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "1-0"],
        ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"],
        ["XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "nokey", ">"],
        ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s"],
        ["XREADGROUP", "STREAMS", "s", ">"],
        ["XREAD", "GROUP", "g", "a", "STREAMS", "s", ">"],
        ["XREAD", "NOACK", "STREAMS", "s", "0"],
        ["XREAD", "STREAMS", "s", ">"],
        ["XINFO", "GROUPS", "s"],
        ["XPENDING", "s", "g"],
        ["XPENDING", "s", "g", "-", "+", "10"],
        ["XPENDING", "s", "g", "-", "+", "10", "bob"],
        ["XPENDING", "s", "g", "-", "+", "10", "nobody"],
        ["XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"],
        ["XPENDING", "s", "g", "IDLE", "0", "-", "+"],
        ["XPENDING", "s", "g", "(1-0", "(5-0", "10"],
        ["XPENDING", "s", "g", "-", "+"],
        ["XPENDING", "s", "nog"],
        ["XPENDING", "nokey", "g"],
        ["XACK", "s", "g", "1-0", "2-0", "99-0"],
        ["XACK", "s", "g", "bad"],
        ["XACK", "s", "nog", "1-0"],
        ["XACK", "nokey", "g", "1-0"],
        ["XPENDING", "s", "g"],
        ["XCLAIM", "s", "g", "carol", "0", "3-0", "4-0", "JUSTID"],
        ["XCLAIM", "s", "g", "carol", "0", "5-0"],
        ["XCLAIM", "s", "g", "carol", "0", "1-0", "FORCE", "JUSTID"],
        ["XCLAIM", "s", "g", "carol", "0", "2-0", "FORCE", "RETRYCOUNT", "7"],
        ["XCLAIM", "s", "g", "carol", "0", "2-0", "LASTID", "9-0", "JUSTID"],
        ["XCLAIM", "s", "g", "carol", "x", "2-0"],
        ["XCLAIM", "s", "g", "carol", "0", "2-0", "BOGUS"],
        ["XCLAIM", "s", "g", "carol", "0", "2-0", "IDLE", "x"],
        ["XCLAIM", "s", "nog", "carol", "0", "2-0"],
        ["XPENDING", "s", "g", "-", "+", "10"],
        ["XINFO", "CONSUMERS", "s", "g"],
        ["XINFO", "CONSUMERS", "s", "nog"],
        ["XDEL", "s", "3-0"],
        ["XAUTOCLAIM", "s", "g", "dave", "0", "0"],
        ["XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "1", "JUSTID"],
        ["XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "0"],
        ["XAUTOCLAIM", "s", "g", "dave", "0", "(0-0", "BAD"],
        ["XAUTOCLAIM", "s", "nog", "dave", "0", "0"],
        ["XAUTOCLAIM", "s", "g", "dave", "x", "0"],
        ["XINFO", "GROUPS", "s"],
        ["XINFO", "STREAM", "s", "FULL"],
        ["XINFO", "STREAM", "s", "FULL", "COUNT", "1"],
        ["XINFO", "STREAM", "s", "FULL", "COUNT", "-1"],
        ["XINFO", "STREAM", "s", "FULL", "COUNT"],
        ["XINFO", "STREAM", "s", "BAD"],
        ["XGROUP", "CREATECONSUMER", "s", "g", "erin"],
        ["XGROUP", "CREATECONSUMER", "s", "g", "erin"],
        ["XGROUP", "CREATECONSUMER", "s", "nog", "erin"],
        ["XGROUP", "DELCONSUMER", "s", "g", "carol"],
        ["XGROUP", "DELCONSUMER", "s", "g", "nobody"],
        ["XGROUP", "SETID", "s", "g", "$"],
        ["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"],
        ["XGROUP", "SETID", "s", "nog", "0"],
        ["XGROUP", "SETID", "s", "g", "0", "MKSTREAM"],
        ["XGROUP", "SETID", "nokey", "g", "0"],
        ["XINFO", "GROUPS", "s"],
        ["XGROUP", "DESTROY", "s", "g"],
        ["XGROUP", "DESTROY", "s", "g"],
        ["XGROUP", "FOO", "s", "g"],
        ["XGROUP", "DESTROY", "s"],
        ["XGROUP", "HELP"],
        ["XINFO", "HELP"],
        ["XINFO", "FOO", "s"],
        ["XINFO", "STREAM", "nokey"],
        ["XINFO", "GROUPS", "nokey"],
        ["XINFO", "STREAM"],
    ],
    "noack_and_lag": [
        *_xadd_n("s", 6),
        ["XGROUP", "CREATE", "s", "g", "0"],
        ["XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "2", "STREAMS", "s", ">"],
        ["XPENDING", "s", "g"],
        ["XINFO", "GROUPS", "s"],
        ["XDEL", "s", "5-0"],
        ["XINFO", "GROUPS", "s"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
        ["XINFO", "GROUPS", "s"],
        ["XSETID", "s", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "90-0"],
        ["XINFO", "STREAM", "s"],
        ["XINFO", "GROUPS", "s"],
        ["XSETID", "s", "1-0"],
        ["XSETID", "s", "200-0", "ENTRIESADDED", "1"],
        ["XSETID", "s", "200-0", "MAXDELETEDID", "300-0"],
        ["XSETID", "s", "200-0", "ENTRIESADDED", "-1"],
        ["XSETID", "s", "200-0", "FOO"],
        ["XSETID", "nokey", "1-0"],
        ["XSETID", "s", "+"],
    ],
    "copy_scan_type": [
        *_xadd_n("s", 3),
        ["XGROUP", "CREATE", "s", "g", "0"],
        ["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"],
        ["COPY", "s", "s2"],
        ["XINFO", "STREAM", "s2", "FULL"],
        ["XDEL", "s2", "1-0"],
        ["XLEN", "s"],
        ["XLEN", "s2"],
        ["SET", "str", "v"],
        ["SCAN", "0", "TYPE", "stream", "COUNT", "100"],
        ["TYPE", "s2"],
        ["RENAME", "s2", "s3"],
        ["XPENDING", "s3", "g"],
    ],
    "xread": [
        ["XADD", "a", "1-0", "f", "1"],
        ["XADD", "a", "2-0", "f", "2"],
        ["XADD", "b", "5-0", "f", "3"],
        ["XREAD", "STREAMS", "a", "b", "0", "0"],
        ["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"],
        ["XREAD", "STREAMS", "a", "b", "$", "$"],
        ["XREAD", "STREAMS", "a", "nokey", "1", "0"],
        ["XREAD", "STREAMS", "a", "b", "0"],
        ["XREAD", "STREAMS", "a", "bad"],
        ["XREAD", "COUNT", "x", "STREAMS", "a", "0"],
        ["XREAD", "BLOCK", "x", "STREAMS", "a", "0"],
        ["XREAD", "BLOCK", "-1", "STREAMS", "a", "0"],
        ["XREAD", "FOO", "STREAMS", "a", "0"],
        ["XREAD", "COUNT", "1", "a", "0"],
        ["SET", "str", "v"],
        ["XREAD", "STREAMS", "str", "0"],
        ["XREAD", "STREAMS", "a", "+"],
        ["MULTI"],
        ["XREAD", "BLOCK", "0", "STREAMS", "a", "$"],
        ["EXEC"],
    ],
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_stream_sequence_matches_redis(diff, name):
    diff.run(SEQUENCES[name])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_stream_sequence_matches_redis_resp3(diff, name):
    diff.step(["HELLO", "3"])
    diff.run(SEQUENCES[name])


def test_command_info_rows_match_redis(diff):
    names = ["xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xread", "xreadgroup",
             "xack", "xpending", "xclaim", "xautoclaim", "xsetid"]
    for n in names:
        diff.step(["COMMAND", "INFO", n])
    diff.step(["COMMAND", "GETKEYS", "XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"])
    diff.step(["COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">"])


@pytest.mark.parametrize("limits", [(100, 4096), (10, 4096), (0, 300), (7, 0), (3, 200)])
def test_node_boundaries_trimming_matches_redis(diff, limits):
    """Approximate trimming and XINFO's radix counts depend on where Redis
    closes its listpack nodes (entries and bytes limits, deletions)."""
    entries, nbytes = limits
    diff.run([["CONFIG", "SET", "stream-node-max-entries", str(entries)],
              ["CONFIG", "SET", "stream-node-max-bytes", str(nbytes)]])
    steps = []
    for i in range(1, 260):
        val = "x" * (i % 37) if i % 5 else str(i * 1000)
        fields = ["f", val] if i % 7 else ["f", val, "g", "1"]
        steps.append(["XADD", "s", f"{i // 3}-{i % 3}"] + fields)
        if i % 17 == 0:
            steps.append(["XDEL", "s", f"{(i - 5) // 3}-{(i - 5) % 3}"])
        if i % 40 == 0:
            steps.append(["XINFO", "STREAM", "s"])
    steps += [["XINFO", "STREAM", "s"],
              ["XTRIM", "s", "MAXLEN", "~", "200"],
              ["XINFO", "STREAM", "s"],
              ["XTRIM", "s", "MINID", "~", "40-0"],
              ["XINFO", "STREAM", "s"],
              ["XTRIM", "s", "MAXLEN", "~", "50", "LIMIT", "20"],
              ["XINFO", "STREAM", "s"],
              ["XADD", "s", "MAXLEN", "~", "30", "500-0", "f", "v"],
              ["XINFO", "STREAM", "s"],
              ["XTRIM", "s", "MINID", "60-1"],
              ["XINFO", "STREAM", "s"],
              ["XTRIM", "s", "MAXLEN", "~", "0"],
              ["XINFO", "STREAM", "s"],
              ["XRANGE", "s", "-", "+", "COUNT", "5"]]
    diff.run(steps)


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_stream_sequence_matches_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", 7001)) + 40 + protocol
    n = int(os.environ.get("SHOAL_DIFF_N", 2000))
    steps = randgen.generate(seed, n, families={"streams"})
    diff.label = f"random streams seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    diff.run(steps)


def test_xadd_star_is_a_fresh_id(diff):
    a, b = diff._one(diff.a, diff.a_server, ["XADD", "s", "*", "f", "v"]), None
    assert re.fullmatch(rb"\$\d+\r\n\d+-0\r\n", a.raw), a.raw
