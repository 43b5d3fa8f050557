# tests/integration/test_watch_sources.py — WATCH is invalidated only by keys
# a command writes: a command that reads a watched key as a source (BITOP,
# PFMERGE, SUNIONSTORE, ZUNIONSTORE, COPY, SORT ... STORE, GEOSEARCHSTORE)
# leaves the transaction valid, while writing to it aborts it. Compared with
# redis-server 7.0 reply for reply.

import pytest

SETUP = [["SET", "bits", "ab"], ["PFADD", "hll", "a", "b"], ["SADD", "set", "1", "2"],
         ["ZADD", "zs", "1", "a"], ["SET", "str", "v"], ["RPUSH", "list", "3", "1", "2"],
         ["GEOADD", "geo", "13.36", "38.11", "palermo"]]

CASES = [
    ("bits", ["BITOP", "OR", "dest", "bits"]),
    ("hll", ["PFMERGE", "dest", "hll"]),
    ("set", ["SUNIONSTORE", "dest", "set"]),
    ("zs", ["ZUNIONSTORE", "dest", "1", "zs"]),
    ("str", ["COPY", "str", "dest"]),
    ("list", ["SORT", "list", "STORE", "dest"]),
    ("geo", ["GEOSEARCHSTORE", "dest", "geo", "FROMLONLAT", "13", "38", "BYRADIUS", "500",
             "km"]),
    ("dest", ["BITOP", "OR", "dest", "bits"]),  # the destination is written: aborts
    ("dest", ["SUNIONSTORE", "dest", "set"]),
]


@pytest.mark.parametrize("watched,command", CASES, ids=[f"{w}-{c[0]}" for w, c in CASES])
def test_watch_sees_only_written_keys(diff_pair, watched, command):
    results = []
    for server in diff_pair:
        with server.connect() as c, server.connect() as other:
            c.call("FLUSHALL")
            for cmd in SETUP:
                c.call(*cmd)
            c.call("SET", "dest", "old")
            c.call("WATCH", watched)
            other.call(*command)
            c.call("MULTI")
            c.call("SET", "marker", "1")
            results.append(c.call_raw("EXEC")[0])
    assert results[0] == results[1], results
    # Sources keep the transaction; a written destination aborts it.
    assert results[1] == (b"*-1\r\n" if watched == "dest" else b"*1\r\n+OK\r\n")
