# Differential tests of the hash commands against redis-server 7.0: hand-written
# edge cases (including listpack -> hashtable conversion as OBJECT ENCODING
# reports it) and a seeded random run of the "hashes" generator family, RESP2
# and RESP3.
#
# Environment: SHOAL_DIFF_SEED / SHOAL_DIFF_N as in test_differential.py.

import os

import pytest

from support import randgen
from support import randgen_hashes  # noqa: F401  (registers "hashes" generators, HSCAN rule)
from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


SET_GET = [
    ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "3", "c", "4"], ["HSET", "h"],
    ["HSET", "h", "a"], ["HSET", "h", "a", "1", "b"], ["HMSET", "h", "a"],
    ["HMSET", "h", "d", "5", "e", "6"], ["HSETNX", "h", "a", "x"], ["HSETNX", "h", "z", "x"],
    ["HSETNX", "h", "a", "1", "2"], ["HSETNX", "new", "f", "v"], ["HGETALL", "new"],
    ["HGET", "h", "a"], ["HGET", "h", "nope"], ["HGET", "nokey", "a"],
    ["HMGET", "h", "a", "nope", "b"], ["HMGET", "nokey", "a", "b"], ["HLEN", "h"],
    ["HLEN", "nokey"], ["HSTRLEN", "h", "a"], ["HSTRLEN", "h", "nope"], ["HSTRLEN", "nokey", "a"],
    ["HEXISTS", "h", "a"], ["HEXISTS", "h", "nope"], ["HEXISTS", "nokey", "a"],
    ["HKEYS", "h"], ["HVALS", "h"], ["HGETALL", "h"], ["HKEYS", "nokey"], ["HVALS", "nokey"],
    ["HGETALL", "nokey"], ["HDEL", "h", "a", "a", "nope"], ["HDEL", "nokey", "a"],
    ["HDEL", "h", "b", "c", "d", "e", "z"], ["EXISTS", "h"], ["HSET", "h", "", ""],
    ["HGET", "h", ""], ["HGETALL", "h"], ["OBJECT", "ENCODING", "h"], ["TYPE", "h"],
    ["SET", "s", "x"], ["HSET", "s", "a", "1"], ["HGET", "s", "a"], ["HMGET", "s", "a"],
    ["HDEL", "s", "a"], ["HLEN", "s"], ["HGETALL", "s"], ["HSETNX", "s", "a", "b"],
    ["HSTRLEN", "s", "a"], ["HEXISTS", "s", "a"], ["HKEYS", "s"], ["HVALS", "s"],
    ["HSET", "order", "z", "1", "a", "2", "m", "3"], ["HSET", "order", "a", "9"],
    ["HDEL", "order", "z"], ["HSET", "order", "z", "0"],
]

INCR = [
    ["HINCRBY", "h", "n", "5"], ["HINCRBY", "h", "n", "-7"], ["HINCRBY", "h", "n", "x"],
    ["HINCRBY", "h", "n", "1.5"], ["HSET", "h", "s", "abc", "big", "9223372036854775807"],
    ["HINCRBY", "h", "s", "1"], ["HINCRBY", "h", "big", "1"], ["HINCRBY", "h", "big", "0"],
    ["HSET", "h", "small", "-9223372036854775808"], ["HINCRBY", "h", "small", "-1"],
    ["HINCRBY", "h", "small", "9223372036854775807"],
    ["HINCRBYFLOAT", "h", "f", "1.5"], ["HINCRBYFLOAT", "h", "f", "0.1"],
    ["HINCRBYFLOAT", "h", "f", "-1.6"], ["HINCRBYFLOAT", "h", "f", "abc"],
    ["HINCRBYFLOAT", "h", "f", "inf"], ["HINCRBYFLOAT", "h", "f", "nan"],
    ["HINCRBYFLOAT", "h", "s", "1"], ["HINCRBYFLOAT", "h", "n", "3e5"],
    ["HINCRBYFLOAT", "h", "g", "1e308"], ["HINCRBYFLOAT", "h", "g", "1e308"],
    ["HINCRBYFLOAT", "h", "e", "5.0e3"], ["HINCRBYFLOAT", "h", "e", "1e-10"],
    ["HGETALL", "h"], ["OBJECT", "ENCODING", "h"],
    ["HINCRBY", "fresh", "x", "3"], ["HINCRBYFLOAT", "fresh2", "x", "2.5"], ["HGETALL", "fresh2"],
    ["SET", "str", "1"], ["HINCRBY", "str", "a", "1"], ["HINCRBYFLOAT", "str", "a", "1"],
    ["HINCRBY", "str", "a", "x"],
]

RANDFIELD = [
    ["HRANDFIELD", "nokey"], ["HRANDFIELD", "nokey", "3"], ["HRANDFIELD", "nokey", "-3", "WITHVALUES"],
    ["HSET", "h", "a", "1"], ["HRANDFIELD", "h"], ["HRANDFIELD", "h", "1"],
    ["HRANDFIELD", "h", "-3"], ["HRANDFIELD", "h", "-3", "WITHVALUES"],
    ["HRANDFIELD", "h", "5", "WITHVALUES"], ["HRANDFIELD", "h", "0"],
    ["HRANDFIELD", "h", "0", "WITHVALUES"], ["HRANDFIELD", "h", "1", "foo"],
    ["HRANDFIELD", "h", "1", "WITHVALUES", "WITHVALUES"], ["HRANDFIELD", "h", "x"],
    ["HRANDFIELD", "h", "-9223372036854775808"], ["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
    ["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"], ["HRANDFIELD", "h", "9223372036854775807"],
    ["HSET", "h", "b", "2", "c", "3", "d", "4", "e", "5"],
    ["HRANDFIELD", "h", "2"], ["HRANDFIELD", "h", "4", "WITHVALUES"], ["HRANDFIELD", "h", "-7", "WITHVALUES"],
    ["HRANDFIELD", "h", "100", "WITHVALUES"],
    ["SET", "s", "x"], ["HRANDFIELD", "s"], ["HRANDFIELD", "s", "1"], ["HRANDFIELD", "s", "x"],
]

SCAN = [
    ["HSCAN", "nokey", "0"], ["HSCAN", "nokey", "x"], ["HSET", "h", "a", "1", "b", "2", "ab", "3"],
    ["HSCAN", "h", "0"], ["HSCAN", "h", "0", "MATCH", "a*"], ["HSCAN", "h", "0", "COUNT", "1"],
    ["HSCAN", "h", "7"], ["HSCAN", "h", "0", "COUNT", "0"], ["HSCAN", "h", "0", "COUNT", "x"],
    ["HSCAN", "h", "0", "COUNT", "-1"], ["HSCAN", "h", "0", "MATCH"], ["HSCAN", "h", "0", "FOO", "1"],
    ["HSCAN", "h", "0", "NOVALUES"], ["HSCAN", "h", "0", "TYPE", "hash"], ["HSCAN", "h", "x"],
    ["HSCAN", "h", "-1"], ["HSCAN", "h", "18446744073709551615"], ["HSCAN", "h", "18446744073709551616"],
    ["HSCAN", "h", " 0"], ["SET", "s", "x"], ["HSCAN", "s", "0"], ["HSCAN", "s", "x"],
]

ENCODING = [
    ["HSET", "h", "a", "x" * 64], ["OBJECT", "ENCODING", "h"],
    ["HSET", "h", "b", "x" * 65], ["OBJECT", "ENCODING", "h"], ["HDEL", "h", "b"],
    ["OBJECT", "ENCODING", "h"], ["HSET", "h2", "f" * 65, "v"], ["OBJECT", "ENCODING", "h2"],
    ["HSETNX", "h3", "a", "y" * 70], ["OBJECT", "ENCODING", "h3"],
    ["CONFIG", "SET", "hash-max-listpack-entries", "3"],
    ["HSET", "h4", "a", "1", "b", "2", "c", "3"], ["OBJECT", "ENCODING", "h4"],
    ["HSET", "h4", "d", "4"], ["OBJECT", "ENCODING", "h4"], ["HSCAN", "h4", "0", "COUNT", "100"],
    ["HINCRBY", "h5", "a", "1"], ["HINCRBY", "h5", "b", "1"], ["HINCRBY", "h5", "c", "1"],
    ["HINCRBY", "h5", "d", "1"], ["OBJECT", "ENCODING", "h5"],
    ["CONFIG", "SET", "hash-max-listpack-entries", "0"], ["HSET", "h6", "a", "1"],
    ["OBJECT", "ENCODING", "h6"],
    ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
    ["CONFIG", "SET", "hash-max-listpack-value", "2"], ["HSET", "h7", "ab", "12"],
    ["OBJECT", "ENCODING", "h7"], ["HINCRBY", "h7", "ab", "1"], ["OBJECT", "ENCODING", "h7"],
    ["CONFIG", "SET", "hash-max-listpack-value", "64"],
    ["COPY", "h", "hc"], ["OBJECT", "ENCODING", "hc"], ["HGETALL", "hc"],
    ["MEMORY", "USAGE", "h4"],
]

CASES = {
    "set_get": SET_GET,
    "incr": INCR,
    "randfield": RANDFIELD,
    "scan": SCAN,
    "encoding": ENCODING,
}


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("name", sorted(CASES))
def test_hashes_sequence(diff, name, protocol):
    diff.label = f"hashes/{name} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    try:
        diff.run(CASES[name])
    finally:
        for c in (diff.a, diff.b):  # thresholds back to their defaults
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "512")
            c.call("CONFIG", "SET", "hash-max-listpack-value", "64")


def test_hashes_command_info(diff):
    names = ["hset", "hsetnx", "hget", "hmget", "hmset", "hdel", "hlen", "hstrlen", "hexists",
             "hkeys", "hvals", "hgetall", "hincrby", "hincrbyfloat", "hrandfield", "hscan"]
    diff.step(["COMMAND", "INFO"] + names)


def test_big_hash_scan_and_randfield(diff):
    args = ["HSET", "big"]
    for i in range(1000):
        args += [f"f{i}", f"v{i}"]
    diff.step(args)
    diff.run([["HLEN", "big"], ["OBJECT", "ENCODING", "big"], ["HGET", "big", "f999"],
              ["HRANDFIELD", "big", "10"], ["HRANDFIELD", "big", "600", "WITHVALUES"],
              ["HRANDFIELD", "big", "-20", "WITHVALUES"], ["HGETALL", "big"], ["HKEYS", "big"]])
    for srv_conn in (diff.a, diff.b):  # full HSCAN sees every field once at least
        seen, cursor = set(), b"0"
        while True:
            cursor, items = srv_conn.call("HSCAN", "big", cursor, "COUNT", "50")
            seen.update(items[0::2])
            if cursor == b"0":
                break
        assert len(seen) == 1000
    # uniqueness of positive-count picks
    for srv_conn in (diff.a, diff.b):
        picks = srv_conn.call("HRANDFIELD", "big", "300")
        assert len(set(picks)) == 300


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_hashes_match_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", "7001")) + 200 + (protocol - 2)
    n = int(os.environ.get("SHOAL_DIFF_N", "2000"))
    fams = {"hashes", "strings"} if protocol == 2 else {"hashes"}
    steps = randgen.generate(seed, n, families=fams)
    diff.label = f"random hashes seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    diff.run(steps)
