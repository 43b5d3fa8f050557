# Differential tests of the set family (SADD ... SSCAN) against redis-server
# 7.0: hand-written edge cases (RESP2 and RESP3) and seeded random sequences
# drawn from support/randgen_sets.py.  SHOAL_DIFF_SEED / SHOAL_DIFF_N as in
# test_differential.py.

import os

import pytest

from support import randgen, randgen_sets  # noqa: F401  (registers the generators)
from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


SEQUENCES = {
    "basics": [
        ["SADD", "s", "a", "b", "c", "a"],
        ["SADD", "s", "a"],
        ["SCARD", "s"],
        ["SISMEMBER", "s", "a"],
        ["SISMEMBER", "s", "z"],
        ["SISMEMBER", "nokey", "a"],
        ["SMISMEMBER", "s", "a", "z", "c"],
        ["SMISMEMBER", "nokey", "a"],
        ["SMEMBERS", "s"],
        ["SMEMBERS", "nokey"],
        ["SREM", "s", "a", "z"],
        ["SREM", "nokey", "a"],
        ["SREM", "s", "b", "c", "d"],
        ["EXISTS", "s"],
        ["SADD", "s"],
        ["SCARD", "nokey"],
    ],
    "encodings": [
        ["SADD", "i", "1", "2", "-3", "100000", "9223372036854775807"],
        ["OBJECT", "ENCODING", "i"],
        ["SMEMBERS", "i"],
        ["SSCAN", "i", "0"],
        ["SSCAN", "i", "7", "MATCH", "1*"],
        ["SADD", "i", "01"],
        ["OBJECT", "ENCODING", "i"],
        ["SREM", "i", "01"],
        ["OBJECT", "ENCODING", "i"],
        ["SADD", "j", "-0"],
        ["OBJECT", "ENCODING", "j"],
        ["SADD", "h", "a"],
        ["OBJECT", "ENCODING", "h"],
        ["CONFIG", "SET", "set-max-intset-entries", "3"],
        ["SADD", "small", "1", "2", "3"],
        ["OBJECT", "ENCODING", "small"],
        ["SADD", "small", "4"],
        ["OBJECT", "ENCODING", "small"],
        ["SINTERSTORE", "st", "small", "i"],
        ["OBJECT", "ENCODING", "st"],
        ["SUNIONSTORE", "st2", "small", "small"],
        ["OBJECT", "ENCODING", "st2"],
        ["SMEMBERS", "st2"],
        ["CONFIG", "SET", "set-max-intset-entries", "512"],
        ["SMOVE", "h", "newdst", "a"],
        ["OBJECT", "ENCODING", "newdst"],
        ["SMOVE", "i", "newint", "2"],
        ["OBJECT", "ENCODING", "newint"],
    ],
    "setops": [
        ["SADD", "a", "1", "2", "3", "x", "y"],
        ["SADD", "b", "2", "3", "4", "y"],
        ["SADD", "c", "3", "y", "zz"],
        ["SET", "str", "v"],
        ["SINTER", "a", "b", "c"],
        ["SINTER", "a", "nokey"],
        ["SINTER", "a", "str"],
        ["SINTER", "nokey", "str"],
        ["SINTER", "a", "a"],
        ["SUNION", "a", "b", "nokey"],
        ["SUNION", "a", "str"],
        ["SDIFF", "a", "b", "c"],
        ["SDIFF", "a", "a"],
        ["SDIFF", "nokey", "a"],
        ["SDIFF", "a", "nokey"],
        ["SINTERSTORE", "d", "a", "b"],
        ["SMEMBERS", "d"],
        ["SINTERSTORE", "d", "a", "nokey"],
        ["EXISTS", "d"],
        ["SET", "d", "x"],
        ["SINTERSTORE", "d", "a", "nokey"],
        ["EXISTS", "d"],
        ["SET", "d", "x", "EX", "100"],
        ["SUNIONSTORE", "d", "a", "c"],
        ["TTL", "d"],
        ["TYPE", "d"],
        ["SDIFFSTORE", "d", "d", "a"],
        ["SMEMBERS", "d"],
        ["SDIFFSTORE", "e", "a", "a"],
        ["EXISTS", "e"],
        ["SUNIONSTORE", "a", "a", "b"],
        ["SCARD", "a"],
        ["SINTERSTORE", "x", "str"],
        ["SINTERCARD", "2", "a", "b"],
        ["SINTERCARD", "3", "a", "b", "c", "LIMIT", "1"],
        ["SINTERCARD", "2", "a", "b", "LIMIT", "0"],
        ["SINTERCARD", "2", "a", "nokey"],
        ["SINTERCARD", "0", "a"],
        ["SINTERCARD", "-1", "a"],
        ["SINTERCARD", "x", "a"],
        ["SINTERCARD", "3", "a", "b"],
        ["SINTERCARD", "1", "a", "LIMIT", "-1"],
        ["SINTERCARD", "1", "a", "LIMIT", "x"],
        ["SINTERCARD", "1", "a", "LIMIT"],
        ["SINTERCARD", "1", "a", "FOO", "1"],
        ["SINTERCARD", "2", "a", "str"],
    ],
    "pop_rand_move": [
        ["SADD", "p", "a", "b", "c", "d", "e"],
        ["SPOP", "p", "0"],
        ["SPOP", "p", "-1"],
        ["SPOP", "p", "x"],
        ["SPOP", "p", "1", "2"],
        ["SPOP", "nokey"],
        ["SPOP", "nokey", "3"],
        ["SPOP", "p", "2"],
        ["SCARD", "p"],
        ["SPOP", "p"],
        ["SCARD", "p"],
        ["SPOP", "p", "10"],
        ["EXISTS", "p"],
        ["SADD", "q", "1", "2", "3"],
        ["SRANDMEMBER", "q"],
        ["SRANDMEMBER", "q", "0"],
        ["SRANDMEMBER", "q", "2"],
        ["SRANDMEMBER", "q", "10"],
        ["SRANDMEMBER", "q", "-5"],
        ["SRANDMEMBER", "q", "-9223372036854775808"],
        ["SRANDMEMBER", "q", "x"],
        ["SRANDMEMBER", "q", "1", "2"],
        ["SRANDMEMBER", "nokey"],
        ["SRANDMEMBER", "nokey", "5"],
        ["SADD", "one", "m"],
        ["SRANDMEMBER", "one", "-3"],
        ["SPOP", "one", "1"],
        ["EXISTS", "one"],
        ["SADD", "m1", "a", "b"],
        ["SADD", "m2", "c"],
        ["SMOVE", "m1", "m2", "a"],
        ["SMOVE", "m1", "m2", "zz"],
        ["SMOVE", "nokey", "m2", "a"],
        ["SMOVE", "m1", "m1", "b"],
        ["SMOVE", "m1", "m1", "zz"],
        ["SET", "str", "v"],
        ["SMOVE", "m1", "str", "b"],
        ["SMOVE", "str", "m1", "b"],
        ["SMOVE", "nokey", "str", "b"],
        ["SMOVE", "m1", "m2", "b"],
        ["EXISTS", "m1"],
        ["SMEMBERS", "m2"],
        ["SMOVE", "m2", "m3", "c"],
        ["SMEMBERS", "m3"],
    ],
    "wrongtype_and_arity": [
        ["SET", "str", "v"],
        ["SADD", "str", "a"],
        ["SREM", "str", "a"],
        ["SMEMBERS", "str"],
        ["SISMEMBER", "str", "a"],
        ["SMISMEMBER", "str", "a"],
        ["SCARD", "str"],
        ["SPOP", "str"],
        ["SPOP", "str", "1"],
        ["SRANDMEMBER", "str"],
        ["SRANDMEMBER", "str", "1"],
        ["SSCAN", "str", "0"],
        ["SADD", "s"],
        ["SCARD"],
        ["SMOVE", "a", "b"],
        ["SINTERCARD", "1"],
        ["SSCAN", "s"],
    ],
    "sscan": [
        ["SSCAN", "nokey", "0"],
        ["SSCAN", "nokey", "x"],
        ["SSCAN", "nokey", "0", "BAD"],
        ["SADD", "h", "a", "b", "c", "ab", "x1"],
        ["SSCAN", "h", "0", "COUNT", "100"],
        ["SSCAN", "h", "0", "MATCH", "a*", "COUNT", "100"],
        ["SSCAN", "h", "0", "COUNT", "0"],
        ["SSCAN", "h", "0", "COUNT", "x"],
        ["SSCAN", "h", "0", "TYPE", "set"],
        ["SSCAN", "h", "0", "MATCH"],
        ["SSCAN", "h", " 1"],
        ["SSCAN", "h", "18446744073709551616"],
    ],
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_set_sequence_matches_redis(diff, name):
    diff.run(SEQUENCES[name])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_set_sequence_matches_redis_resp3(diff, name):
    diff.step(["HELLO", "3"])
    diff.run(SEQUENCES[name])


def test_command_info_rows_match_redis(diff):
    names = ["sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop",
             "srandmember", "smove", "sinter", "sintercard", "sinterstore", "sunion",
             "sunionstore", "sdiff", "sdiffstore", "sscan"]
    diff.step(["COMMAND", "INFO"] + names)
    diff.step(["COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"])


def test_large_set_scan_and_encoding(diff):
    diff.run([["SADD", "big"] + [str(i) for i in range(600)],
              ["OBJECT", "ENCODING", "big"],
              ["SCARD", "big"],
              ["SADD", "big2"] + [f"m{i}" for i in range(300)],
              ["SSCAN", "big2", "0", "COUNT", "1000"],
              ["SINTERCARD", "2", "big", "big2"],
              ["SUNIONSTORE", "u", "big", "big2"],
              ["SCARD", "u"]])


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_set_sequence_matches_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", 7001)) + 10 + protocol
    n = int(os.environ.get("SHOAL_DIFF_N", 2000))
    steps = randgen.generate(seed, n, families={"sets"})
    diff.label = f"random sets seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    diff.run(steps)
