# Differential tests of the bitmap commands (SETBIT GETBIT BITCOUNT BITPOS
# BITOP BITFIELD BITFIELD_RO) against redis-server 7.0: hand-written edge
# cases (RESP2 and RESP3) and seeded random sequences drawn from
# support/randgen_bitops.py (family "bitops").  SHOAL_DIFF_SEED /
# SHOAL_DIFF_N as in test_differential.py.

import os

import pytest

from support import randgen, randgen_bitops  # noqa: F401  (registers the generators)
from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


SEQUENCES = {
    "setbit_getbit": [
        ["SETBIT", "b", "7", "1"],
        ["GET", "b"],
        ["SETBIT", "b", "7", "1"],
        ["SETBIT", "b", "7", "0"],
        ["SETBIT", "b", "100", "1"],
        ["STRLEN", "b"],
        ["GET", "b"],
        ["OBJECT", "ENCODING", "b"],
        ["GETBIT", "b", "100"],
        ["GETBIT", "b", "101"],
        ["GETBIT", "b", "100000"],
        ["GETBIT", "nokey", "0"],
        ["SETBIT", "b", "-1", "1"],
        ["SETBIT", "b", "x", "1"],
        ["SETBIT", "b", "1", "2"],
        ["SETBIT", "b", "1", "-1"],
        ["SETBIT", "b", "1", "x"],
        ["SETBIT", "b", "1", ""],
        ["SETBIT", "b", "4294967295", "x"],
        ["SETBIT", "b", "4294967296", "1"],
        ["SETBIT", "b", "#1", "1"],
        ["GETBIT", "b", "4294967296"],
        ["GETBIT", "b", "-1"],
        ["SET", "i", "12"],
        ["GETBIT", "i", "2"],
        ["GETBIT", "i", "3"],
        ["OBJECT", "ENCODING", "i"],
        ["SETBIT", "i", "2", "1"],
        ["OBJECT", "ENCODING", "i"],
        ["SET", "e", "ab"],
        ["OBJECT", "ENCODING", "e"],
        ["SETBIT", "e", "0", "0"],  # no change, but the value becomes raw
        ["OBJECT", "ENCODING", "e"],
        ["SET", "t", "x", "EX", "100"],
        ["SETBIT", "t", "300", "1"],
        ["TTL", "t"],
        ["RPUSH", "l", "x"],
        ["SETBIT", "l", "0", "1"],
        ["GETBIT", "l", "0"],
        ["SETBIT", "l", "x", "1"],
        ["SETBIT", "big", "70000", "1"],
        ["STRLEN", "big"],
        ["SETBIT", "big", "70001", "1"],
        ["BITCOUNT", "big"],
    ],
    "bitcount": [
        ["SET", "s", "foobar"],
        ["BITCOUNT", "s"],
        ["BITCOUNT", "s", "0", "0"],
        ["BITCOUNT", "s", "1", "1"],
        ["BITCOUNT", "s", "1", "-2"],
        ["BITCOUNT", "s", "-2", "-1"],
        ["BITCOUNT", "s", "-1", "-2"],
        ["BITCOUNT", "s", "-100", "100"],
        ["BITCOUNT", "s", "5", "2"],
        ["BITCOUNT", "s", "5", "30", "BIT"],
        ["BITCOUNT", "s", "5", "30", "bit"],
        ["BITCOUNT", "s", "1", "1", "BYTE"],
        ["BITCOUNT", "s", "3", "3", "BIT"],
        ["BITCOUNT", "s", "0", "47", "BIT"],
        ["BITCOUNT", "s", "-5", "-1", "BIT"],
        ["BITCOUNT", "s", "9", "14", "BIT"],
        ["BITCOUNT", "s", "0", "1", "BITS"],
        ["BITCOUNT", "s", "0"],
        ["BITCOUNT", "s", "0", "1", "BIT", "x"],
        ["BITCOUNT", "s", "x", "1"],
        ["BITCOUNT", "s", "1", "x"],
        ["BITCOUNT", "nokey", "x", "y"],
        ["BITCOUNT", "nokey"],
        ["SET", "n", "-123"],
        ["BITCOUNT", "n"],
        ["SET", "empty", ""],
        ["BITCOUNT", "empty"],
        ["BITCOUNT", "empty", "0", "-1"],
        ["BITCOUNT", "empty", "0", "-1", "BIT"],
        ["RPUSH", "l", "x"],
        ["BITCOUNT", "l"],
        ["BITCOUNT", "l", "x", "y"],
        ["SET", "big", "x" * 1000],
        ["BITCOUNT", "big", "3", "997"],
        ["BITCOUNT", "big", "13", "7900", "BIT"],
    ],
    "bitpos": [
        ["SET", "s", b"\xff\xf0\x00"],
        ["BITPOS", "s", "0"],
        ["BITPOS", "s", "1"],
        ["BITPOS", "s", "1", "2"],
        ["BITPOS", "s", "0", "2"],
        ["BITPOS", "s", "0", "0", "0"],
        ["BITPOS", "s", "0", "0", "1"],
        ["BITPOS", "s", "1", "1", "-1"],
        ["BITPOS", "s", "0", "3"],
        ["BITPOS", "s", "0", "5", "13", "BIT"],
        ["BITPOS", "s", "1", "5", "13", "BIT"],
        ["BITPOS", "s", "0", "0", "7", "BIT"],
        ["BITPOS", "s", "1", "12", "-1", "BIT"],
        ["BITPOS", "s", "0", "-3", "-1", "bit"],
        ["BITPOS", "s", "1", "4", "6", "BIT"],
        ["BITPOS", "s", "0", "2", "-1", "BYTE"],
        ["BITPOS", "s", "0", "1", "0"],
        ["BITPOS", "s", "0", "1", "1", "FOO"],
        ["BITPOS", "s", "2"],
        ["BITPOS", "s", "x"],
        ["BITPOS", "s", "1", "x"],
        ["BITPOS", "s", "1", "0", "x"],
        ["BITPOS", "s", "1", "0", "1", "BIT", "x"],
        ["BITPOS", "nokey", "1"],
        ["BITPOS", "nokey", "0"],
        ["BITPOS", "nokey", "0", "x", "y", "z", "w"],
        ["BITPOS", "nokey", "2"],
        ["SET", "ones", b"\xff" * 40],
        ["BITPOS", "ones", "0"],
        ["BITPOS", "ones", "0", "0", "-1"],
        ["BITPOS", "ones", "0", "0"],
        ["BITPOS", "ones", "0", "3", "300", "BIT"],
        ["BITPOS", "ones", "1", "17", "300", "BIT"],
        ["SET", "zeros", b"\x00" * 40],
        ["BITPOS", "zeros", "1"],
        ["BITPOS", "zeros", "1", "7", "317", "BIT"],
        ["BITPOS", "zeros", "0", "9"],
        ["SET", "empty", ""],
        ["BITPOS", "empty", "0"],
        ["BITPOS", "empty", "1"],
        ["BITPOS", "empty", "0", "0", "-1", "BIT"],
        ["SET", "n", "42"],
        ["BITPOS", "n", "1"],
        ["RPUSH", "l", "x"],
        ["BITPOS", "l", "1"],
        ["BITPOS", "l", "2"],
    ],
    "bitop": [
        ["SET", "a", "foobar"],
        ["SET", "b", "abcdef"],
        ["SET", "c", "xy"],
        ["BITOP", "AND", "d", "a", "b"],
        ["GET", "d"],
        ["BITOP", "OR", "d", "a", "b", "c"],
        ["GET", "d"],
        ["BITOP", "XOR", "d", "a", "c", "nokey"],
        ["GET", "d"],
        ["BITOP", "AND", "d", "a", "nokey"],
        ["GET", "d"],
        ["BITOP", "NOT", "d", "a"],
        ["GET", "d"],
        ["OBJECT", "ENCODING", "d"],
        ["BITOP", "NOT", "d", "a", "b"],
        ["BITOP", "NOT", "d", "nokey"],
        ["EXISTS", "d"],
        ["BITOP", "nand", "d", "a"],
        ["BITOP", "and", "d", "a"],
        ["GET", "d"],
        ["SET", "n", "12345"],
        ["BITOP", "OR", "d", "n", "c"],
        ["GET", "d"],
        ["RPUSH", "l", "x"],
        ["BITOP", "OR", "d", "a", "l"],
        ["BITOP", "OR", "l", "a"],
        ["TYPE", "l"],
        ["SET", "t", "x", "EX", "100"],
        ["BITOP", "OR", "t", "a"],
        ["TTL", "t"],
        ["BITOP", "AND", "a", "a", "b"],
        ["GET", "a"],
        ["SET", "long1", "q" * 100],
        ["SET", "long2", "Z" * 73],
        ["BITOP", "AND", "r", "long1", "long2"],
        ["GET", "r"],
        ["BITOP", "XOR", "r", "long1", "long2", "a"],
        ["GET", "r"],
        ["BITOP", "NOT", "r", "long1"],
        ["GET", "r"],
        ["BITOP", "OR", "r", "nokey", "nokey2"],
        ["EXISTS", "r"],
    ],
    "bitfield": [
        ["BITFIELD", "f", "SET", "i8", "0", "100", "GET", "i8", "0", "GET", "u4", "0"],
        ["GET", "f"],
        ["BITFIELD", "f", "INCRBY", "i8", "0", "100"],
        ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100", "INCRBY", "i8", "0",
         "-1000"],
        ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1000", "GET", "i8", "0"],
        ["BITFIELD", "f", "OVERFLOW", "WRAP", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT",
         "INCRBY", "u2", "102", "1", "INCRBY", "u2", "102", "-9"],
        ["BITFIELD", "f", "SET", "u8", "#1", "255", "GET", "u8", "8", "GET", "u16", "#0"],
        ["BITFIELD", "f", "SET", "i64", "3", "-9223372036854775808", "GET", "i64", "3"],
        ["BITFIELD", "f", "INCRBY", "i64", "3", "-1"],
        ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i64", "3", "-1", "INCRBY", "i64", "3",
         "9223372036854775807"],
        ["BITFIELD", "f", "SET", "u63", "5", "9223372036854775807", "GET", "u63", "5"],
        ["BITFIELD", "f", "SET", "u8", "0", "-1", "OVERFLOW", "SAT", "SET", "u8", "0", "-1",
         "OVERFLOW", "FAIL", "SET", "u8", "0", "256", "SET", "i8", "0", "-129"],
        ["BITFIELD", "f", "SET", "i4", "0", "7", "SET", "i4", "0", "8"],
        ["BITFIELD", "f", "GET", "u64", "0"],
        ["BITFIELD", "f", "GET", "i65", "0"],
        ["BITFIELD", "f", "GET", "i0", "0"],
        ["BITFIELD", "f", "GET", "x8", "0"],
        ["BITFIELD", "f", "GET", "I8", "0"],
        ["BITFIELD", "f", "GET", "u08", "0"],
        ["BITFIELD", "f", "GET", "i8", "-1"],
        ["BITFIELD", "f", "GET", "i8", "#-1"],
        ["BITFIELD", "f", "GET", "i8", "x"],
        ["BITFIELD", "f", "GET", "i8", "4294967296"],
        ["BITFIELD", "f", "GET", "i8", "4294967288"],
        ["BITFIELD", "f", "GET", "i8", "#536870911"],
        ["BITFIELD", "f", "GET", "i8", "#536870912"],
        ["BITFIELD", "f", "SET", "i8", "0", "x"],
        ["BITFIELD", "f", "SET", "i8", "0"],
        ["BITFIELD", "f", "GET", "i8"],
        ["BITFIELD", "f", "FOO", "i8", "0"],
        ["BITFIELD", "f", "OVERFLOW", "BAD", "GET", "i8", "0"],
        ["BITFIELD", "f", "OVERFLOW"],
        ["BITFIELD", "f", "GET", "i8", "0", "SET", "u64", "0", "1"],
        ["BITFIELD", "f"],
        ["BITFIELD", "nokey", "GET", "u8", "0"],
        ["EXISTS", "nokey"],
        ["BITFIELD", "nokey", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "9"],
        ["GET", "nokey"],
        ["BITFIELD", "g", "INCRBY", "u2", "10", "0"],
        ["GET", "g"],
        ["BITFIELD", "g", "SET", "u2", "10", "0"],
        ["RPUSH", "l", "x"],
        ["BITFIELD", "l", "GET", "u8", "0"],
        ["BITFIELD", "l", "SET", "u8", "0", "1"],
        ["BITFIELD", "l", "GET", "u99", "0"],
        ["SET", "n", "999"],
        ["BITFIELD", "n", "GET", "u8", "0", "GET", "u12", "4"],
        ["BITFIELD", "n", "INCRBY", "u8", "0", "1"],
        ["GET", "n"],
        ["OBJECT", "ENCODING", "n"],
        ["BITFIELD_RO", "f", "GET", "i8", "0", "GET", "u63", "5"],
        ["BITFIELD_RO", "f", "SET", "i8", "0", "1"],
        ["BITFIELD_RO", "f", "INCRBY", "i8", "0", "1", "GET", "u64", "0"],
        ["BITFIELD_RO", "f", "OVERFLOW", "SAT"],
        ["BITFIELD_RO", "f"],
        ["BITFIELD_RO", "nokey", "GET", "i8", "0"],
        ["BITFIELD_RO", "l", "GET", "i8", "0"],
        ["GET", "f"],
    ],
    "proto_max_bulk_len": [
        ["CONFIG", "SET", "proto-max-bulk-len", "1048576"],
        ["SETBIT", "b", "8388607", "1"],
        ["STRLEN", "b"],
        ["SETBIT", "b", "8388608", "1"],
        ["GETBIT", "b", "8388608"],
        ["BITFIELD", "b", "SET", "u8", "8388600", "1"],
        ["BITFIELD", "b", "SET", "u8", "8388601", "1"],
        ["BITFIELD", "b", "GET", "u8", "8388608"],
        ["BITFIELD", "b", "GET", "u8", "#1048576"],
        ["BITFIELD_RO", "b", "GET", "u8", "#1048575"],
        ["CONFIG", "SET", "proto-max-bulk-len", "536870912"],
        ["DEL", "b"],
    ],
    "arity_and_info": [
        ["SETBIT", "k", "1"],
        ["GETBIT", "k"],
        ["BITCOUNT"],
        ["BITPOS", "k"],
        ["BITOP", "AND", "d"],
        ["BITFIELD"],
        ["BITFIELD_RO"],
    ],
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_bitops_sequence_matches_redis(diff, name):
    diff.run(SEQUENCES[name])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_bitops_sequence_matches_redis_resp3(diff, name):
    diff.step(["HELLO", "3"])
    diff.run(SEQUENCES[name])


def test_command_info_rows_match_redis(diff):
    diff.step(["COMMAND", "INFO", "setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield",
               "bitfield_ro"])
    diff.step(["COMMAND", "GETKEYS", "BITOP", "AND", "d", "a", "b"])


def test_large_bitmaps(diff):
    """Word-sized fast paths against byte edges on bitmaps of a few hundred KB."""
    steps = []
    for off in (0, 7, 8, 63, 64, 65, 1000, 4095, 4096, 100000, 1999999, 2000000):
        steps.append(["SETBIT", "big", str(off), "1"])
        steps.append(["SETBIT", "big2", str(off + 3), "1"])
    steps += [
        ["BITCOUNT", "big"],
        ["BITCOUNT", "big", "1", "-2"],
        ["BITCOUNT", "big", "9", "1999998", "BIT"],
        ["BITPOS", "big", "1", "1"],
        ["BITPOS", "big", "1", "20000"],
        ["BITPOS", "big", "0"],
        ["BITPOS", "big", "1", "66", "-1", "BIT"],
        ["BITOP", "AND", "r", "big", "big2"],
        ["BITCOUNT", "r"],
        ["BITOP", "OR", "r", "big", "big2"],
        ["BITCOUNT", "r"],
        ["BITOP", "XOR", "r", "big", "big2"],
        ["BITCOUNT", "r"],
        ["BITOP", "NOT", "r", "big"],
        ["BITCOUNT", "r"],
        ["BITPOS", "r", "0"],
        ["GETRANGE", "r", "0", "20"],
        ["BITFIELD", "big", "GET", "u63", "1999990", "INCRBY", "i64", "#31249", "-5"],
        ["BITCOUNT", "big"],
        ["STRLEN", "big"],
    ]
    diff.run(steps)


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_bitops_sequence_matches_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", 7001)) + 30 + protocol
    n = int(os.environ.get("SHOAL_DIFF_N", 2000))
    steps = randgen.generate(seed, n, families={"bitops"})
    diff.label = f"random bitops seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    diff.run(steps)
