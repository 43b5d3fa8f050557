# Differential tests of SORT and SORT_RO against redis-server 7.0: hand-written
# edge cases (RESP2 and RESP3), the cluster-mode refusals of BY/GET, key
# extraction, and seeded random sequences from support/randgen_geo.py.
# Replies whose order Redis takes from its own set/dict iteration (BY a
# constant on a set, ALPHA BY ties on sets and sorted sets) are compared as
# multisets.  SHOAL_DIFF_SEED / SHOAL_DIFF_N as in test_differential.py.

import os
import time

import pytest

from support import randgen, randgen_geo  # noqa: F401  (registers the generators)
from support.diff import COMPARATORS, DiffRunner, unordered
from support.randgen_geo import Unordered


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


def run_steps(diff, steps):
    """Runs steps; Unordered ones are compared as multisets."""
    for s in steps:
        if isinstance(s, Unordered):
            name = s[0].upper()
            old = COMPARATORS.get(name)
            COMPARATORS[name] = unordered
            try:
                diff.step(list(s))
            finally:
                if old is None:
                    del COMPARATORS[name]
                else:
                    COMPARATORS[name] = old
        else:
            diff.step(s)


U = Unordered

SEQUENCES = {
    "lists": [
        ["RPUSH", "l", "3", "1", "2", "10", "-5", "2.5"],
        ["SORT", "l"],
        ["SORT", "l", "DESC"],
        ["SORT", "l", "ALPHA"],
        ["SORT", "l", "ALPHA", "DESC"],
        ["SORT", "l", "LIMIT", "1", "3"],
        ["SORT", "l", "LIMIT", "-5", "2"],
        ["SORT", "l", "LIMIT", "4", "-1"],
        ["SORT", "l", "LIMIT", "10", "3"],
        ["SORT", "l", "LIMIT", "0", "0"],
        ["SORT", "l", "LIMIT", "x", "1"],
        ["SORT", "l", "LIMIT", "1"],
        ["SORT", "l", "BY", "nosort"],
        ["SORT", "l", "BY", "nosort", "DESC"],
        ["SORT", "l", "BY", "nosort", "LIMIT", "1", "2"],
        ["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        ["SORT", "l", "BY", "nosort", "LIMIT", "9", "2"],
        ["SORT_RO", "l", "DESC"],
        ["RPUSH", "m", "a", "b", "1"],
        ["SORT", "m"],
        ["SORT", "m", "ALPHA"],
        ["SORT", "m", "BY", "nosort"],
        ["SORT", "nokey"],
        ["SORT", "nokey", "STORE", "d"],
        ["SET", "str", "v"],
        ["SORT", "str"],
        ["SORT", "str", "BOGUS"],
        ["SORT", "l", "BOGUS"],
        ["SORT_RO", "l", "STORE", "d"],
        ["HSET", "h", "f", "v"],
        ["SORT", "h"],
        ["RPUSH", "e", "", " 1", "0x10", "1e3", "inf", "-inf"],
        ["SORT", "e"],
        ["RPUSH", "n", "nan"],
        ["SORT", "n"],
        ["RPUSH", "n2", "3", "nan", "1", "nan", "2", "-nan", "5", "0", "x", "nan", "7", "8"],
        ["SORT", "n2"],
        ["SORT", "n2", "LIMIT", "1", "3", "BY", "n2_*"],
        ["RPUSH", "r", "1e-400"],
        ["SORT", "r"],
    ],
    "by_and_get": [
        ["RPUSH", "l", "a", "b", "c", "d"],
        ["MSET", "w_a", "3", "w_b", "1", "w_c", "2", "o_a", "A", "o_b", "B"],
        ["HSET", "h_a", "f", "9", "g", "x"],
        ["HSET", "h_b", "f", "7"],
        ["SORT", "l", "BY", "w_*"],
        ["SORT", "l", "BY", "w_*", "DESC"],
        ["SORT", "l", "BY", "w_*", "ALPHA"],
        ["SORT", "l", "BY", "w_*", "LIMIT", "0", "2"],
        ["SORT", "l", "BY", "w_*", "LIMIT", "1", "2", "DESC"],
        ["SORT", "l", "BY", "h_*->f"],
        ["SORT", "l", "BY", "h_*->f", "ALPHA", "DESC"],
        ["SORT", "l", "BY", "h_*->"],
        ["SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*", "GET", "h_*->f"],
        ["SORT", "l", "GET", "nostar", "ALPHA"],
        ["SORT", "l", "GET", "h_*->g", "ALPHA"],
        ["SORT", "l", "GET", "w_*", "ALPHA", "LIMIT", "1", "2"],
        ["SORT", "l", "BY", "nosort", "GET", "o_*"],
        ["SORT", "l", "BY", "w_*", "GET", "#", "STORE", "dst"],
        ["LRANGE", "dst", "0", "-1"],
        ["SORT", "l", "BY", "nosort", "GET", "o_*", "GET", "#", "STORE", "dst"],
        ["LRANGE", "dst", "0", "-1"],
        ["SET", "w_d", "notanumber"],
        ["SORT", "l", "BY", "w_*"],
        ["SORT", "l", "BY", "w_*", "STORE", "dst"],
        ["LRANGE", "dst", "0", "-1"],
        ["SADD", "w_d", "x"],
        ["SORT", "l", "BY", "w_*"],
        ["SORT", "l", "BY", "w_*", "GET", "w_*"],
        ["SORT", "l", "BY"],
        ["SORT", "l", "GET"],
    ],
    "store": [
        ["RPUSH", "l", "3", "1", "2"],
        ["SET", "dst", "x", "EX", "100"],
        ["SORT", "l", "STORE", "dst"],
        ["TTL", "dst"],
        ["TYPE", "dst"],
        ["LRANGE", "dst", "0", "-1"],
        ["OBJECT", "ENCODING", "dst"],
        ["SORT", "l", "LIMIT", "0", "0", "STORE", "dst"],
        ["EXISTS", "dst"],
        ["SORT", "l", "STORE", "a", "STORE", "b"],
        ["EXISTS", "a", "b"],
        ["SORT", "l", "STORE", "l"],
        ["LRANGE", "l", "0", "-1"],
        ["SORT", "nokey", "STORE", "l"],
        ["EXISTS", "l"],
    ],
    "sets_and_zsets": [
        ["SADD", "s", "5", "3", "9", "1"],
        ["SORT", "s"],
        ["SORT", "s", "DESC", "LIMIT", "1", "2"],
        U(["SORT", "s", "BY", "nosort"]),
        ["SORT", "s", "BY", "nosort", "STORE", "d"],
        ["LRANGE", "d", "0", "-1"],
        ["SADD", "t", "b", "a", "c", "B"],
        ["SORT", "t", "ALPHA"],
        ["SORT", "t"],
        ["SORT", "t", "BY", "nosort", "STORE", "d"],
        ["LRANGE", "d", "0", "-1"],
        ["ZADD", "z", "3", "a", "1", "b", "2", "c", "2", "d"],
        ["OBJECT", "ENCODING", "z"],
        ["SORT", "z", "ALPHA"],
        ["OBJECT", "ENCODING", "z"],
        ["SORT", "z", "BY", "nosort"],
        ["SORT", "z", "BY", "nosort", "DESC"],
        ["SORT", "z", "BY", "nosort", "LIMIT", "1", "2"],
        ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        ["SORT", "z", "BY", "nosort", "LIMIT", "5", "2"],
        ["SORT", "z"],
        ["MSET", "w_a", "1", "w_b", "1", "w_c", "0", "w_d", "1"],
        ["SORT", "z", "BY", "w_*"],
        ["SORT", "z", "BY", "w_*", "DESC", "LIMIT", "0", "2"],
        U(["SORT", "z", "BY", "w_*", "ALPHA"]),
    ],
    "ties_partial_sort": [
        ["RPUSH", "l"] + [f"e{i}" for i in range(60)],
        ["MSET"] + [x for i in range(60) for x in (f"w_e{i}", str(i % 4))],
        ["SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", "3", "10"],
        ["SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", "20", "25", "DESC"],
        ["SORT", "l", "BY", "w_*", "ALPHA"],
        ["SORT", "l", "BY", "w_*", "LIMIT", "3", "10"],
        ["SORT", "l", "BY", "nokey_*", "ALPHA", "LIMIT", "5", "10"],
    ],
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_sort_sequence_matches_redis(diff, name):
    run_steps(diff, SEQUENCES[name])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_sort_sequence_matches_redis_resp3(diff, name):
    diff.step(["HELLO", "3"])
    run_steps(diff, SEQUENCES[name])


def test_sort_command_info_and_keys_match_redis(diff):
    diff.step(["COMMAND", "INFO", "sort"])
    diff.step(["COMMAND", "INFO", "sort_ro"])
    for args in (["sort", "k", "store", "a", "store", "b"], ["sort", "k", "get", "store", "x"],
                 ["sort", "k", "limit", "0", "store", "x"], ["sort", "k", "store"],
                 ["sort_ro", "k", "store", "x"], ["sort", "k", "by", "store", "x"],
                 ["sort", "k", "STORE", "x", "BY", "w"]):
        diff.step(["COMMAND", "GETKEYS"] + args)


def _single_node_cluster(factory):
    from support import ports
    port = ports.free_port(with_bus=True)  # the bus port (port + 10000) must be free too
    s = factory(["--cluster-enabled", "yes"], port=port)
    with s.connect() as c:
        c.call_raw("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
        deadline = time.time() + 10
        while time.time() < deadline:
            info = c.call_raw("CLUSTER", "INFO")[1]
            if b"cluster_state:ok" in info:
                break
            time.sleep(0.1)
    return s


def test_sort_in_cluster_mode_matches_redis(shoal_factory, redis_factory):
    """Redis 7.0 refuses BY with a real pattern and every GET in cluster mode."""
    a = _single_node_cluster(shoal_factory)
    b = _single_node_cluster(redis_factory)
    runner = DiffRunner(a, b, label="sort cluster mode")
    runner.a, runner.b = a.connect(), b.connect()
    try:
        run_steps(runner, [
            ["RPUSH", "l", "3", "1", "2"],
            ["SORT", "l"],
            ["SORT", "l", "BY", "w_*"],
            ["SORT", "l", "BY", "nosort"],
            ["SORT", "l", "BY", "{l}w_*"],
            ["SORT", "l", "GET", "#"],
            ["SORT", "l", "GET", "{l}*"],
            ["SORT_RO", "l", "BY", "w_*"],
            ["SORT", "l", "BOGUS", "BY", "w_*"],
            ["SORT", "l", "BY", "w_*", "BOGUS"],
            ["SORT", "l", "STORE", "{l}d"],
            ["LRANGE", "{l}d", "0", "-1"],
        ])
    finally:
        runner.close()


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_sort_sequence_matches_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", 7001)) + 50 + protocol
    n = int(os.environ.get("SHOAL_DIFF_N", 2000))
    steps = randgen.generate(seed, n, families={"sort"})
    diff.label = f"random sort seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    run_steps(diff, steps)
