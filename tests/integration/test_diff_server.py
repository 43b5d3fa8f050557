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


@pytest.mark.parametrize("proto", [2, 3])
def test_latency_memory_module_lolwut_failover_replies_match_redis(diff, proto):
    if proto == 3:
        diff.step(["HELLO", "3"])
    diff.run([
        ["LATENCY", "HELP"], ["LATENCY", "RESET"], ["LATENCY", "LATEST"],
        ["LATENCY", "HISTORY", "command"], ["LATENCY", "GRAPH", "command"],
        ["LATENCY", "RESET", "command", "nosuch"], ["LATENCY", "HISTORY"],
        ["LATENCY", "NOSUCH"], ["LATENCY", "HISTOGRAM", "nosuchcommand"],
        ["MEMORY", "HELP"], ["MEMORY", "PURGE"], ["MEMORY", "STATS", "x"],
        ["MODULE", "HELP"], ["MODULE", "LIST"], ["MODULE", "LOAD", "/nonexistent.so"],
        ["MODULE", "LOADEX", "/nonexistent.so", "CONFIG", "a", "b"],
        ["MODULE", "UNLOAD", "nosuch"], ["MODULE", "UNLOAD"],
        ["LOLWUT"], ["LOLWUT", "VERSION", "x"], ["LOLWUT", "VERSION", "7"],
        ["FAILOVER"], ["FAILOVER", "ABORT"], ["FAILOVER", "TIMEOUT", "0"],
        ["FAILOVER", "TIMEOUT", "x"], ["FAILOVER", "TO", "h", "x"], ["FAILOVER", "FOO"],
        ["FAILOVER", "FORCE"], ["FAILOVER", "TO", "127.0.0.1", "1", "FORCE"],
    ])


def _flat_map(v):
    if isinstance(v, list) and v and isinstance(v[0], tuple):
        return dict(v)
    if isinstance(v, list):
        return {v[i]: v[i + 1] for i in range(0, len(v), 2)}
    return dict(v)


def test_histogram_and_latencystats_shapes(diff_pair):
    import re
    outs = []
    for srv in diff_pair:
        with srv.connect() as c:
            c.call("CONFIG", "RESETSTAT")
            for _ in range(50):
                c.call("SET", "k", "v")
            c.call("CLIENT", "ID")
            h = _flat_map(c.call("LATENCY", "HISTOGRAM", "set", "client", "nosuch"))
            assert set(h) == {b"set", b"client|id"}
            st = _flat_map(h[b"set"])
            assert st[b"calls"] == 50
            buckets = _flat_map(st[b"histogram_usec"])
            # Keys are the HDR bucket bounds 1, 2, 4, 8, 16, 33, 66 ... us;
            # counts are cumulative and end at the number of calls.
            ok = {1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908}
            assert set(buckets) <= ok, buckets
            counts = list(buckets.values())
            assert counts == sorted(counts) and counts[-1] == 50
            info = c.call("INFO", "latencystats").decode()
            assert re.search(r"latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},"
                             r"p99\.9=\d+\.\d{3}\r\n", info), info
            assert "latency_percentiles_usec_client|id:" in info
            assert "# Latencystats" in c.call("INFO", "all").decode()
            assert "# Latencystats" not in c.call("INFO").decode()
            c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "0 50 100")
            info = c.call("INFO", "latencystats").decode()
            assert re.search(r"latency_percentiles_usec_set:p0=[\d.]+,p50=[\d.]+,p100=[\d.]+",
                             info), info
            c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
            c.call("CONFIG", "SET", "latency-tracking", "no")
            c.call("CONFIG", "RESETSTAT")
            c.call("GET", "k")
            outs.append(c.call_raw("LATENCY", "HISTOGRAM")[0])
            c.call("CONFIG", "SET", "latency-tracking", "yes")
    assert outs[0] == outs[1] == b"*0\r\n"


def test_latency_monitor_events(shoal_factory, redis_factory):
    res = []
    for srv in (shoal_factory(["--enable-debug-command", "yes"]),
                redis_factory(["--enable-debug-command", "yes"])):
        with srv.connect() as c:
            c.call("CONFIG", "SET", "latency-monitor-threshold", "5")
            c.call("DEBUG", "SLEEP", "0.02")
            latest = c.call("LATEST" and "LATENCY", "LATEST")
            assert len(latest) == 1
            name, when, last, worst = latest[0]
            assert name == b"command" and last >= 5 and worst >= last and when > 0
            hist = c.call("LATENCY", "HISTORY", "command")
            assert len(hist) == 1 and hist[0][1] == last
            graph = c.call("LATENCY", "GRAPH", "command")
            text = graph.text if hasattr(graph, "text") else graph
            text = text.decode() if isinstance(text, bytes) else text
            first = text.split("\n")[0]
            assert first.startswith("command - high ") and "(all time high" in first
            doctor = c.call("LATENCY", "DOCTOR")
            res.append((c.call("LATENCY", "RESET"), c.call("LATENCY", "LATEST"),
                        c.call_raw("LATENCY", "GRAPH", "command")[0]))
    assert res[0] == res[1]


def test_memory_stats_fields_match_redis(diff_pair):
    keys = []
    for srv in diff_pair:
        with srv.connect() as c:
            c.call("FLUSHALL")
            c.call("SET", "a", "1")
            m = _flat_map(c.call("MEMORY", "STATS"))
            keys.append(list(m))
            assert m[b"keys.count"] == 1
            assert isinstance(m[b"total.allocated"], int)
    assert keys[0] == keys[1]


def _info_rows(conn):
    out = {}

    def add(row):
        specs = [[(sp[i], sp[i + 1]) for i in range(0, len(sp), 2) if sp[i] != b"notes"]
                 for sp in row[8]]
        out[row[0]] = (row[1], sorted(row[2]), row[3:6], sorted(row[6]), sorted(row[7]), specs)
        for sub in row[9]:
            add(sub)

    for row in conn.call("COMMAND"):
        add(row)
    return out


def test_command_rows_match_redis_with_tips_and_key_specs(diff_pair):
    """Every command both servers know: arity, flags, legacy keys, ACL
    categories, tips and key specs equal (Redis's key-spec notes aside;
    subcommand order is Redis's hash order, not compared)."""
    shoal, redis = diff_pair
    with shoal.connect() as a, redis.connect() as b:
        ra, rb = _info_rows(a), _info_rows(b)
        common = [n for n in ra if n in rb]
        assert len(common) > 340
        bad = {n: (ra[n], rb[n]) for n in common if ra[n] != rb[n]}
        assert not bad


def _debug_replies(srv, source=None):
    """Raw replies of a few DEBUG forms, from a client bound to `source`."""
    from support.resp import RespConnection
    with RespConnection(srv.host, srv.port, source_address=(source, 0) if source else None) as c:
        return [c.call_raw(*cmd)[0] for cmd in (
            ["DEBUG", "SLEEP", "0"], ["DEBUG", "SLEEP", "abc"], ["DEBUG", "SLEEP"],
            ["DEBUG", "SLEEP", "0", "1"], ["DEBUG", "nosuch"], ["DEBUG", "HELP", "x"],
            ["DEBUG"])]


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_debug_is_gated_by_enable_debug_command_as_in_redis(shoal_factory, redis_factory, mode):
    """enable-debug-command no (the default) refuses DEBUG, local allows it only
    from a loopback client (127.0.0.1, ::1), yes always; the words after DEBUG
    are not subcommands (one syntax error for anything unknown)."""
    # protected-mode no: the client from 127.0.0.13 must reach redis-server.
    args = ["--protected-mode", "no"] + ([] if mode == "no" else ["--enable-debug-command", mode])
    shoal = shoal_factory(args, host="127.0.0.11")
    oracle = redis_factory(args, host="127.0.0.12")
    for source in (None, "127.0.0.13"):  # the loopback source, then another address
        got, want = _debug_replies(shoal, source), _debug_replies(oracle, source)
        assert got == want, (source, got, want)
    refused = b"-ERR DEBUG command not allowed."
    local = _debug_replies(shoal)
    remote = _debug_replies(shoal, "127.0.0.13")
    assert local[0].startswith(refused) == (mode == "no")
    assert remote[0].startswith(refused) == (mode != "yes")


def _module_replies(srv, source=None):
    """Raw replies of the MODULE forms, from a client bound to `source`."""
    from support.resp import RespConnection
    with RespConnection(srv.host, srv.port, source_address=(source, 0) if source else None) as c:
        return [c.call_raw(*cmd)[0] for cmd in (
            ["MODULE", "LOAD", "/nonexistent.so"], ["MODULE", "LOADEX", "/nonexistent.so"],
            ["MODULE", "UNLOAD", "nosuch"], ["MODULE", "UNLOAD"], ["MODULE", "LIST"])]


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_module_is_gated_by_enable_module_command_as_in_redis(shoal_factory, redis_factory, mode):
    """enable-module-command gates MODULE LOAD / LOADEX / UNLOAD as
    enable-debug-command gates DEBUG: local means 127.0.0.1 or ::1 only
    (127.0.0.13 is not local); LIST is never gated."""
    args = ["--protected-mode", "no"] + ([] if mode == "no" else ["--enable-module-command", mode])
    shoal = shoal_factory(args, host="127.0.0.11")
    oracle = redis_factory(args, host="127.0.0.12")
    for source in (None, "127.0.0.13"):  # the loopback source, then another address
        got, want = _module_replies(shoal, source), _module_replies(oracle, source)
        assert got == want, (source, got, want)
        allowed = mode == "yes" or (mode == "local" and source is None)
        assert got[0].startswith(b"-ERR MODULE command not allowed.") != allowed, (source, got)


def _config_set_replies(srv, source=None):
    """Raw CONFIG SET replies for protected configs (alone, after a free one,
    before an immutable one), from a client bound to `source`."""
    from support.resp import RespConnection
    with RespConnection(srv.host, srv.port, source_address=(source, 0) if source else None) as c:
        return [c.call_raw(*cmd)[0] for cmd in (
            ["CONFIG", "SET", "dir", srv.dir], ["CONFIG", "SET", "dbfilename", "x.rdb"],
            ["CONFIG", "SET", "hz", "10", "dir", srv.dir],
            ["CONFIG", "SET", "dir", srv.dir, "replicaof", "a b"],
            ["CONFIG", "SET", "dir", srv.dir, "nosuch", "1"])]


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_protected_configs_are_gated_by_enable_protected_configs_as_in_redis(
        shoal_factory, redis_factory, mode):
    """enable-protected-configs no (the default) refuses CONFIG SET of a
    protected config (dir, dbfilename) to everyone, local only to clients off
    the loopback address (127.0.0.1, ::1), yes to no one."""
    # protected-mode no: the client from 127.0.0.13 must reach redis-server.
    args = ["--protected-mode", "no"] + (
        [] if mode == "no" else ["--enable-protected-configs", mode])
    shoal = shoal_factory(args, host="127.0.0.11")
    oracle = redis_factory(args, host="127.0.0.12")
    refused = b"-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected"
    for source in (None, "127.0.0.13"):  # the loopback source, then another address
        got, want = _config_set_replies(shoal, source), _config_set_replies(oracle, source)
        assert [r.replace(shoal.dir.encode(), b"D") for r in got] == \
            [r.replace(oracle.dir.encode(), b"D") for r in want], (source, got, want)
        allowed = mode == "yes" or (mode == "local" and source is None)
        assert got[0].startswith(refused) != allowed, (source, got)
