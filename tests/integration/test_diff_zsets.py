# Differential tests of the sorted-set family (ZADD ... ZSCAN, ZMPOP and the
# blocking pops) against redis-server 7.0: hand-written edge cases (RESP2 and
# RESP3) and seeded random sequences from support/randgen_zsets.py.

import os
import time

import pytest

from support import randgen, randgen_zsets  # noqa: F401  (registers the generators)
from support.diff import DiffRunner, missing_commands


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


SEQUENCES = {
    "zadd_options": [
        ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        ["ZADD", "z", "NX", "10", "a", "4", "d"],
        ["ZADD", "z", "XX", "10", "a", "5", "e"],
        ["ZADD", "z", "XX", "CH", "11", "a", "5", "e"],
        ["ZADD", "z", "GT", "CH", "1", "a", "20", "b"],
        ["ZADD", "z", "LT", "CH", "1", "a", "30", "c"],
        ["ZADD", "z", "NX", "XX", "1", "a"],
        ["ZADD", "z", "GT", "LT", "1", "a"],
        ["ZADD", "z", "NX", "GT", "1", "a"],
        ["ZADD", "z", "INCR", "1", "a", "2", "b"],
        ["ZADD", "z", "INCR", "2.5", "a"],
        ["ZADD", "z", "INCR", "NX", "2.5", "a"],
        ["ZADD", "z", "INCR", "XX", "2.5", "nope"],
        ["ZADD", "z", "INCR", "GT", "-1", "a"],
        ["ZADD", "nokey", "XX", "1", "a"],
        ["ZADD", "nokey", "XX", "INCR", "1", "a"],
        ["EXISTS", "nokey"],
        ["ZADD", "z", "1"],
        ["ZADD", "z", "1", "a", "2"],
        ["ZADD", "z", "x", "a"],
        ["ZADD", "z", "nan", "a"],
        ["ZADD", "z", "inf", "a"],
        ["ZADD", "z", "INCR", "-inf", "a"],
        ["ZSCORE", "z", "a"],
        ["ZADD", "z", "-inf", "m", "+inf", "n", "0.1", "o", "1e-300", "p", "-0", "q"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        ["ZINCRBY", "z", "1.5", "b"],
        ["ZINCRBY", "z", "x", "b"],
        ["ZINCRBY", "z", "1", "new"],
        ["ZINCRBY", "z", "-inf", "n"],
        ["ZMSCORE", "z", "a", "none", "b"],
        ["ZMSCORE", "nokey", "a"],
        ["ZSCORE", "nokey", "a"],
        ["ZSCORE", "z", "none"],
        ["ZCARD", "z"],
        ["ZCARD", "nokey"],
        ["ZRANK", "z", "b"],
        ["ZREVRANK", "z", "b"],
        ["ZRANK", "z", "none"],
        ["ZRANK", "nokey", "a"],
        ["ZREM", "z", "a", "none", "b"],
        ["ZREM", "nokey", "a"],
    ],
    "ranges": [
        ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "5", "f"],
        ["ZRANGE", "z", "0", "-1"],
        ["ZRANGE", "z", "1", "3", "WITHSCORES"],
        ["ZRANGE", "z", "-2", "-1", "REV", "WITHSCORES"],
        ["ZRANGE", "z", "5", "1"],
        ["ZRANGE", "z", "-100", "100"],
        ["ZRANGE", "z", "x", "1"],
        ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
        ["ZRANGE", "z", "(1", "5", "BYSCORE"],
        ["ZRANGE", "z", "5", "(1", "BYSCORE", "REV", "WITHSCORES"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"],
        ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "10", "1"],
        ["ZRANGE", "z", "x", "+inf", "BYSCORE"],
        ["ZRANGE", "z", "nan", "+inf", "BYSCORE"],
        ["ZRANGE", "z", "(", "+inf", "BYSCORE"],
        ["ZRANGE", "z", " 1", "0x10", "BYSCORE"],
        ["ZRANGE", "z", "[a", "(d", "BYLEX"],
        ["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
        ["ZRANGE", "z", "a", "+", "BYLEX"],
        ["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"],
        ["ZRANGE", "z", "0", "-1", "REV", "REV"],
        ["ZRANGE", "z", "0", "-1", "LIMIT", "1"],
        ["ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES", "LIMIT", "1", "5"],
        ["ZRANGEBYSCORE", "z", "2", "4", "REV"],
        ["ZREVRANGEBYSCORE", "z", "4", "2"],
        ["ZREVRANGEBYSCORE", "z", "2", "4"],
        ["ZREVRANGE", "z", "0", "2", "WITHSCORES"],
        ["ZREVRANGE", "z", "0", "2", "LIMIT", "0", "1"],
        ["ZCOUNT", "z", "(1", "5"],
        ["ZCOUNT", "z", "-inf", "+inf"],
        ["ZCOUNT", "z", "5", "1"],
        ["ZCOUNT", "z", "x", "1"],
        ["ZCOUNT", "nokey", "0", "1"],
        ["ZRANGE", "nokey", "0", "-1"],
        ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"],
        ["ZRANGEBYLEX", "lex", "[b", "(e"],
        ["ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "1", "2"],
        ["ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "1", "2"],
        ["ZREVRANGEBYLEX", "lex", "(d", "[a"],
        ["ZRANGEBYLEX", "lex", "+", "-"],
        ["ZRANGEBYLEX", "lex", "[a", "[a"],
        ["ZRANGEBYLEX", "lex", "(a", "(a"],
        ["ZRANGEBYLEX", "lex", "b", "c"],
        ["ZRANGEBYLEX", "lex", "[b", "+", "WITHSCORES"],
        ["ZLEXCOUNT", "lex", "[b", "(e"],
        ["ZLEXCOUNT", "lex", "-", "+"],
        ["ZLEXCOUNT", "lex", "+", "-"],
        ["ZLEXCOUNT", "lex", "x", "+"],
        ["ZRANGESTORE", "dst", "z", "0", "2"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["ZRANGESTORE", "dst", "z", "(2", "+inf", "BYSCORE", "LIMIT", "0", "2"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["ZRANGESTORE", "dst", "z", "10", "20"],
        ["EXISTS", "dst"],
        ["ZRANGESTORE", "dst", "z", "0", "1", "WITHSCORES"],
        ["ZRANGESTORE", "dst", "nokey", "0", "1"],
        ["ZRANGESTORE", "z", "z", "0", "1"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        ["OBJECT", "ENCODING", "dst"],
    ],
    "remrange_pop": [
        ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
        ["ZREMRANGEBYRANK", "z", "0", "0"],
        ["ZREMRANGEBYRANK", "z", "-1", "-1"],
        ["ZREMRANGEBYRANK", "z", "5", "10"],
        ["ZREMRANGEBYRANK", "z", "x", "1"],
        ["ZREMRANGEBYSCORE", "z", "(2", "3"],
        ["ZREMRANGEBYSCORE", "z", "x", "3"],
        ["ZRANGE", "z", "0", "-1"],
        ["ZADD", "lex", "0", "a", "0", "b", "0", "c"],
        ["ZREMRANGEBYLEX", "lex", "[a", "(c"],
        ["ZREMRANGEBYLEX", "lex", "a", "(c"],
        ["ZREMRANGEBYLEX", "lex", "-", "+"],
        ["EXISTS", "lex"],
        ["ZREMRANGEBYRANK", "nokey", "0", "1"],
        ["ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d"],
        ["ZPOPMIN", "p"],
        ["ZPOPMAX", "p"],
        ["ZPOPMIN", "p", "0"],
        ["ZPOPMIN", "p", "-1"],
        ["ZPOPMIN", "p", "x"],
        ["ZPOPMIN", "p", "1", "2"],
        ["ZPOPMIN", "nokey"],
        ["ZPOPMIN", "nokey", "2"],
        ["ZPOPMAX", "p", "5"],
        ["EXISTS", "p"],
        ["ZADD", "m1", "1", "a", "2", "b"],
        ["ZADD", "m2", "3", "c"],
        ["ZMPOP", "2", "nokey", "m1", "MIN"],
        ["ZMPOP", "2", "nokey", "m1", "MAX", "COUNT", "10"],
        ["EXISTS", "m1"],
        ["ZMPOP", "1", "nokey", "MIN"],
        ["ZMPOP", "0", "m2", "MIN"],
        ["ZMPOP", "x", "m2", "MIN"],
        ["ZMPOP", "5", "m2", "MIN"],
        ["ZMPOP", "1", "m2", "MID"],
        ["ZMPOP", "1", "m2", "MIN", "COUNT", "0"],
        ["ZMPOP", "1", "m2", "MIN", "COUNT", "1", "COUNT", "1"],
        ["ZMPOP", "1", "m2", "MIN", "COUNT"],
        ["ZMPOP", "1", "m2"],
        ["SET", "str", "v"],
        ["ZMPOP", "2", "str", "m2", "MIN"],
        ["ZMPOP", "2", "nokey", "str", "MIN"],
        ["ZPOPMIN", "str"],
        ["BZPOPMIN", "m2", "0"],
        ["BZPOPMIN", "m2", "x"],
        ["BZPOPMIN", "m2", "-1"],
        ["ZADD", "b1", "1", "a", "2", "b"],
        ["BZPOPMAX", "nokey", "b1", "0.01"],
        ["BZMPOP", "0", "2", "nokey", "b1", "MIN", "COUNT", "5"],
        ["BZMPOP", "0", "0", "b1", "MIN"],
        ["BZMPOP", "x", "1", "b1", "MIN"],
        ["BZPOPMIN", "str", "0"],
    ],
    "setops": [
        ["ZADD", "a", "1", "x", "2", "y", "3", "z"],
        ["ZADD", "b", "10", "y", "20", "z", "30", "w"],
        ["SADD", "s", "x", "w", "q"],
        ["SET", "str", "v"],
        ["ZUNION", "2", "a", "b", "WITHSCORES"],
        ["ZUNION", "3", "a", "b", "s", "WITHSCORES", "AGGREGATE", "MAX"],
        ["ZUNION", "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES"],
        ["ZUNION", "2", "a", "b", "WEIGHTS", "inf", "-inf", "WITHSCORES"],
        ["ZUNION", "2", "a", "b", "WEIGHTS", "1", "WITHSCORES"],
        ["ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"],
        ["ZUNION", "2", "a", "b", "AGGREGATE", "AVG"],
        ["ZUNION", "2", "a", "b", "AGGREGATE"],
        ["ZUNION", "0", "a"],
        ["ZUNION", "-1", "a"],
        ["ZUNION", "x", "a"],
        ["ZUNION", "3", "a", "b"],
        ["ZUNION", "2", "a", "str"],
        ["ZUNION", "2", "a", "nokey", "WITHSCORES"],
        ["ZINTER", "2", "a", "b", "WITHSCORES"],
        ["ZINTER", "2", "a", "a", "WITHSCORES", "AGGREGATE", "MIN"],
        ["ZINTER", "2", "a", "s", "WITHSCORES"],
        ["ZINTER", "2", "a", "nokey"],
        ["ZINTER", "2", "a", "b", "LIMIT", "1"],
        ["ZDIFF", "2", "a", "b", "WITHSCORES"],
        ["ZDIFF", "2", "a", "a"],
        ["ZDIFF", "2", "nokey", "a"],
        ["ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"],
        ["ZINTERCARD", "2", "a", "b"],
        ["ZINTERCARD", "2", "a", "b", "LIMIT", "1"],
        ["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"],
        ["ZINTERCARD", "2", "a", "b", "WITHSCORES"],
        ["ZINTERCARD", "0", "a"],
        ["ZUNIONSTORE", "d", "2", "a", "b"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["OBJECT", "ENCODING", "d"],
        ["ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "1", "AGGREGATE", "MAX"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["ZDIFFSTORE", "d", "2", "a", "a"],
        ["EXISTS", "d"],
        ["ZUNIONSTORE", "str", "1", "a"],
        ["TYPE", "str"],
        ["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"],
        ["ZINTERSTORE", "a", "2", "a", "b"],
        ["ZRANGE", "a", "0", "-1", "WITHSCORES"],
    ],
    "encodings": [
        ["ZADD", "z", "1", "a"],
        ["OBJECT", "ENCODING", "z"],
        ["ZADD", "z", "1", "x" * 65],
        ["OBJECT", "ENCODING", "z"],
        ["ZREM", "z", "x" * 65],
        ["OBJECT", "ENCODING", "z"],
        ["ZADD", "long", "1", "x" * 65],
        ["OBJECT", "ENCODING", "long"],
        ["CONFIG", "SET", "zset-max-listpack-entries", "2"],
        ["ZADD", "few", "1", "a", "2", "b"],
        ["OBJECT", "ENCODING", "few"],
        ["ZADD", "few", "3", "c"],
        ["OBJECT", "ENCODING", "few"],
        ["ZRANGESTORE", "fewdst", "few", "0", "1"],
        ["OBJECT", "ENCODING", "fewdst"],
        ["ZUNIONSTORE", "u", "1", "few"],
        ["OBJECT", "ENCODING", "u"],
        ["CONFIG", "SET", "zset-max-listpack-entries", "0"],
        ["ZADD", "zero", "1", "a"],
        ["OBJECT", "ENCODING", "zero"],
        ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
        ["ZSCAN", "few", "0"],
        ["ZSCAN", "z", "0", "MATCH", "a*"],
        ["ZSCAN", "nokey", "0"],
        ["ZSCAN", "z", "x"],
        ["ZSCAN", "z", "0", "COUNT", "0"],
    ],
    "randmember": [
        ["ZADD", "r", "1", "a", "2", "b", "3", "c"],
        ["ZRANDMEMBER", "r"],
        ["ZRANDMEMBER", "r", "2"],
        ["ZRANDMEMBER", "r", "2", "WITHSCORES"],
        ["ZRANDMEMBER", "r", "10", "WITHSCORES"],
        ["ZRANDMEMBER", "r", "-5", "WITHSCORES"],
        ["ZRANDMEMBER", "r", "0"],
        ["ZRANDMEMBER", "r", "x"],
        ["ZRANDMEMBER", "r", "1", "BAD"],
        ["ZRANDMEMBER", "r", "1", "WITHSCORES", "x"],
        ["ZRANDMEMBER", "r", "-9223372036854775807", "WITHSCORES"],
        ["ZRANDMEMBER", "r", "-9223372036854775808"],
        ["ZRANDMEMBER", "nokey"],
        ["ZRANDMEMBER", "nokey", "3"],
    ],
    "wrongtype": [
        ["SET", "str", "v"],
        ["ZADD", "str", "1", "a"],
        ["ZINCRBY", "str", "1", "a"],
        ["ZREM", "str", "a"],
        ["ZCARD", "str"],
        ["ZSCORE", "str", "a"],
        ["ZMSCORE", "str", "a"],
        ["ZRANK", "str", "a"],
        ["ZCOUNT", "str", "0", "1"],
        ["ZLEXCOUNT", "str", "-", "+"],
        ["ZRANGE", "str", "0", "1"],
        ["ZRANGESTORE", "d", "str", "0", "1"],
        ["ZREMRANGEBYRANK", "str", "0", "1"],
        ["ZRANDMEMBER", "str"],
        ["ZSCAN", "str", "0"],
        ["ZADD", "z"],
        ["ZRANGE", "z", "0"],
        ["ZINTERCARD", "1"],
    ],
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_zset_sequence_matches_redis(diff, name):
    diff.run(SEQUENCES[name])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_zset_sequence_matches_redis_resp3(diff, name):
    diff.step(["HELLO", "3"])
    diff.run(SEQUENCES[name])


def test_command_info_rows_match_redis(diff):
    names = ["zadd", "zrem", "zcard", "zscore", "zmscore", "zincrby", "zrank", "zrevrank",
             "zcount", "zlexcount", "zrange", "zrangestore", "zrangebyscore", "zrevrangebyscore",
             "zrangebylex", "zrevrangebylex", "zrevrange", "zremrangebyrank", "zremrangebyscore",
             "zremrangebylex", "zpopmin", "zpopmax", "zrandmember", "zinter", "zunion", "zdiff",
             "zinterstore", "zunionstore", "zdiffstore", "zintercard", "zmpop", "zscan",
             "bzpopmin", "bzpopmax", "bzmpop"]
    diff.step(["COMMAND", "INFO"] + names)
    for args in (["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
                 ["ZINTER", "2", "a", "b"], ["ZMPOP", "2", "a", "b", "MIN"],
                 ["BZMPOP", "0", "2", "a", "b", "MIN"], ["BZPOPMIN", "a", "b", "0"]):
        diff.step(["COMMAND", "GETKEYS"] + args)


def test_large_zsets_match_redis(diff):
    steps = [["ZADD", "big"] + [x for i in range(300) for x in (str(i % 37), f"m{i}")],
             ["OBJECT", "ENCODING", "big"],
             ["ZRANGE", "big", "100", "120", "WITHSCORES"],
             ["ZRANGE", "big", "(5", "10", "BYSCORE", "REV", "LIMIT", "3", "7", "WITHSCORES"],
             ["ZRANK", "big", "m150"], ["ZREVRANK", "big", "m150"],
             ["ZCOUNT", "big", "3", "(20"],
             ["ZADD", "lexbig"] + [x for i in range(200) for x in ("0", f"k{i:03d}")],
             ["ZLEXCOUNT", "lexbig", "[k050", "(k150"],
             ["ZRANGEBYLEX", "lexbig", "(k190", "+"],
             ["ZREMRANGEBYRANK", "big", "10", "49"],
             ["ZCARD", "big"],
             ["ZUNIONSTORE", "u", "2", "big", "lexbig", "WEIGHTS", "2", "3"],
             ["OBJECT", "ENCODING", "u"],
             ["ZRANGE", "u", "0", "30", "WITHSCORES"],
             ["ZPOPMIN", "big", "5"],
             ["ZMPOP", "1", "big", "MAX", "COUNT", "3"]]
    diff.run(steps)


def _blocking_pair(diff_pair, cmd, push):
    """Runs `cmd` blocked on each server, then `push` from a second connection;
    returns the raw replies (shoal, redis)."""
    out = []
    for server in diff_pair:
        with server.connect() as c, server.connect() as w:
            c.call_raw("FLUSHALL")
            c.send_command(*cmd)
            assert c.expect_no_reply(0.2)
            w.call_raw(*push)
            out.append(c.read_reply()[0])
    return out


def test_blocking_pops_wake_up_on_zadd(diff_pair):
    shoal = diff_pair[0]
    if missing_commands(shoal, ["bzpopmin"]):
        pytest.skip("shoal has no BZPOPMIN")
    try:
        a, b = _blocking_pair(diff_pair, ["BZPOPMIN", "q1", "q2", "0"],
                              ["ZADD", "q2", "1", "m", "2", "n"])
    except AssertionError:
        pytest.skip("shoal does not block yet (integrator's wake-up machinery)")
    assert a == b
    a, b = _blocking_pair(diff_pair, ["BZMPOP", "0", "2", "q1", "q2", "MAX", "COUNT", "5"],
                          ["ZADD", "q1", "1", "m", "2", "n"])
    assert a == b


def test_blocking_pop_times_out_with_null(diff_pair):
    for server in diff_pair:
        with server.connect() as c:
            c.call_raw("FLUSHALL")
            started = time.monotonic()
            raw = c.call_raw("BZPOPMAX", "empty", "0.1")[0]
            assert raw == b"*-1\r\n", (server.name, raw)
            assert time.monotonic() - started < 2


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_zset_sequence_matches_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", 7001)) + 20 + protocol
    n = int(os.environ.get("SHOAL_DIFF_N", 2000))
    steps = randgen.generate(seed, n, families={"zsets"})
    diff.label = f"random zsets seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    diff.run(steps)
