# Differential tests of the server/connection commands added for issues 2
# and 8 (GETSET, COMMAND GETKEYSANDFLAGS, COMMAND DOCS groups and versions,
# the new rows' COMMAND INFO, LATENCY / MEMORY / LOLWUT / MODULE / FAILOVER
# shapes) against redis-server 7.0, RESP2 and RESP3.

import pytest

from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


GETKEYSANDFLAGS = [
    ["SET", "k", "v"], ["SET", "k", "v", "GET"], ["SET", "k", "v", "EX", "10", "get"],
    ["GET", "k"], ["GETSET", "k", "v"], ["GETDEL", "k"], ["GETEX", "k"],
    ["MSET", "a", "1", "b", "2"], ["MGET", "a", "b", "c"], ["DEL", "a", "b"],
    ["INCR", "x"], ["APPEND", "x", "y"], ["LPUSH", "l", "a"], ["LPOP", "l"],
    ["LMOVE", "a", "b", "LEFT", "RIGHT"], ["BLMPOP", "0", "2", "a", "b", "LEFT"],
    ["RPOPLPUSH", "a", "b"], ["HSET", "h", "f", "v"], ["HGET", "h", "f"],
    ["SADD", "s", "m"], ["SMOVE", "a", "b", "m"], ["SINTERSTORE", "d", "a", "b"],
    ["ZADD", "z", "1", "m"], ["ZUNIONSTORE", "d", "2", "a", "b"], ["ZRANGESTORE", "d", "z", "0", "1"],
    ["RENAME", "a", "b"], ["COPY", "a", "b"], ["EXPIRE", "k", "10"], ["TTL", "k"],
    ["SORT", "k"], ["SORT", "k", "STORE", "d"], ["SORT_RO", "k"],
    ["BITFIELD", "k", "GET", "u8", "0"], ["BITFIELD", "k", "SET", "u8", "0", "1"],
    ["BITOP", "AND", "d", "a", "b"], ["PFMERGE", "d", "a", "b"],
    ["XADD", "s", "*", "f", "v"], ["XREAD", "STREAMS", "s1", "s2", "0", "0"],
    ["EVAL", "return 1", "2", "a", "b"], ["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "d"],
    ["OBJECT", "ENCODING", "k"], ["MEMORY", "USAGE", "k"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_getkeysandflags_matches_redis(diff, proto):
    if proto == 3:
        diff.step(["HELLO", "3"])
    for cmd in GETKEYSANDFLAGS:
        diff.step(["COMMAND", "GETKEYSANDFLAGS"] + cmd)
        diff.step(["COMMAND", "GETKEYS"] + cmd)
    diff.run([
        ["COMMAND", "GETKEYSANDFLAGS"],
        ["COMMAND", "GETKEYSANDFLAGS", "nosuch", "a"],
        ["COMMAND", "GETKEYSANDFLAGS", "get"],
        ["COMMAND", "GETKEYSANDFLAGS", "ping", "x"],
        ["COMMAND", "HELP"],
    ])


@pytest.mark.parametrize("proto", [2, 3])
def test_getset_matches_redis(diff, proto):
    if proto == 3:
        diff.step(["HELLO", "3"])
    diff.run([
        ["GETSET", "k", "a"], ["GETSET", "k", "b"], ["GET", "k"],
        ["SET", "t", "x", "EX", "100"], ["GETSET", "t", "y"], ["TTL", "t"],
        ["RPUSH", "l", "a"], ["GETSET", "l", "x"], ["GETSET", "k"],
        ["GETSET", "k", ""], ["STRLEN", "k"],
        ["COMMAND", "INFO", "getset"],
    ])


def test_new_rows_command_info_matches_redis(diff):
    diff.run([
        ["COMMAND", "INFO", "client|pause", "client|unpause", "client|unblock",
         "client|tracking", "client|caching", "client|getredir", "client|trackinginfo",
         "command|getkeysandflags"],
        ["CLIENT", "HELP"],
    ])


def _docs(conn):
    out = {}

    def walk(lst):
        for i in range(0, len(lst), 2):
            d = lst[i + 1]
            m = {d[j]: d[j + 1] for j in range(0, len(d), 2)}
            out[lst[i]] = (m.get(b"group"), m.get(b"since"))
            walk(m.get(b"subcommands", []))

    walk(conn.call("COMMAND", "DOCS"))
    return out


def test_command_docs_group_and_since_match_redis(diff_pair):
    shoal, redis = diff_pair
    with shoal.connect() as a, redis.connect() as b:
        da, db = _docs(a), _docs(b)
        bad = {n: (da[n], db[n]) for n in da if n in db and da[n] != db[n]}
        assert not bad
        assert len([n for n in da if n in db]) > 300
        # Single names, container|sub names and unknown names.
        for args in (["get", "client|pause", "nosuch"], ["CLIENT"], []):
            ra = a.call("COMMAND", "DOCS", *args) if args else None
            rb = b.call("COMMAND", "DOCS", *args) if args else None
            if args:
                assert [x for x in ra[::2]] == [x for x in rb[::2]]
