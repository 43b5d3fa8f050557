# CLIENT PAUSE / UNPAUSE / UNBLOCK and GETSET, run the same way against shoal
# and redis-server 7.0 (both started here): replies, the order in which
# paused clients resume, what WRITE lets through, and how a blocked client
# ends under CLIENT UNBLOCK. Raw RESP connections (support/resp.py).

import time

import pytest

from support.resp import Error


def both(shoal_factory, redis_factory):
    return shoal_factory(), redis_factory()


def test_pause_errors(shoal_factory, redis_factory):
    cases = [
        ["CLIENT", "PAUSE", "abc"],
        ["CLIENT", "PAUSE", "-1"],
        ["CLIENT", "PAUSE", "10", "foo"],
        ["CLIENT", "PAUSE", "10", "write", "x"],
        ["CLIENT", "PAUSE"],
        ["CLIENT", "UNPAUSE", "x"],
        ["CLIENT", "UNBLOCK"],
        ["CLIENT", "UNBLOCK", "abc"],
        ["CLIENT", "UNBLOCK", "1", "foo"],
        ["CLIENT", "UNBLOCK", "1", "2", "3"],
        ["CLIENT", "UNBLOCK", "999999"],
        ["CLIENT", "UNBLOCK", "-5", "error"],
        ["CLIENT", "PAUSE", "0"],
        ["CLIENT", "UNPAUSE"],
        ["GETSET", "k"],
        ["GETSET", "k", "v1"],
        ["GETSET", "k", "v2"],
        ["SET", "t", "1", "EX", "100"],
        ["GETSET", "t", "2"],
        ["TTL", "t"],
        ["LPUSH", "l", "a"],
        ["GETSET", "l", "x"],
    ]
    out = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as c:
            out.append([c.call_raw(*cmd)[0] for cmd in cases])
    assert out[0] == out[1]


def test_getset_propagates_as_set(shoal_factory, redis_factory):
    outs = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as c, srv.connect() as m:
            m.call("MONITOR")
            c.call("SET", "k", "old", "EX", "100")
            assert c.call_raw("GETSET", "k", "new")[0] == b"$3\r\nold\r\n"
            assert c.call("TTL", "k") == -1
            outs.append(c.call("INFO", "commandstats"))
    for info in outs:
        assert b"cmdstat_getset:calls=1" in info


def _pause_write_scenario(srv):
    """CLIENT PAUSE WRITE: what each client saw, in arrival order."""
    with srv.connect() as admin, srv.connect() as w, srv.connect() as r, srv.connect() as p:
        assert admin.call_raw("CLIENT", "PAUSE", "100000", "WRITE")[0] == b"+OK\r\n"
        seen = {}
        w.send_command("SET", "k", "v")
        p.send_command("INCR", "cnt")
        r.send_command("GET", "k")
        time.sleep(0.3)
        seen["write_paused"] = w.expect_no_reply(0.05)
        seen["publish_paused"] = p.expect_no_reply(0.05)
        seen["read"] = r.read_raw(timeout=3)  # reads go on
        info = admin.call("INFO", "clients")
        seen["blocked_clients"] = info.split(b"blocked_clients:")[1].split(b"\r")[0]
        # A second write pipelined behind the first keeps its order.
        w.send_command("APPEND", "k", "2")
        seen["unpause"] = admin.call_raw("CLIENT", "UNPAUSE")[0]
        seen["w1"] = w.read_raw(timeout=3)
        seen["w2"] = w.read_raw(timeout=3)
        seen["pub"] = p.read_raw(timeout=3)
        seen["final"] = admin.call_raw("GET", "k")[0]
        return seen


def test_pause_write(shoal_factory, redis_factory):
    res = [_pause_write_scenario(s) for s in both(shoal_factory, redis_factory)]
    assert res[0] == res[1]
    assert res[0]["write_paused"]
    assert res[0]["final"] == b"$2\r\nv2\r\n"


def test_pause_all_ends_by_timeout(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin, srv.connect() as r:
            assert admin.call_raw("CLIENT", "PAUSE", "600", "ALL")[0] == b"+OK\r\n"
            t0 = time.monotonic()
            r.send_command("PING")
            admin.send_command("CLIENT", "UNPAUSE")  # paused as well under ALL
            got = r.read_raw(timeout=5)
            waited = time.monotonic() - t0
            res.append((got, admin.read_raw(timeout=5), waited > 0.4, waited < 3))
    assert res[0] == res[1]
    assert res[0][2:] == (True, True)


def test_pause_multi_and_longest(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin, srv.connect() as c:
            c.call("MULTI")
            c.call("GET", "x")
            admin.call("CLIENT", "PAUSE", "100000", "WRITE")
            admin.call("CLIENT", "PAUSE", "10", "WRITE")  # keeps the longer end
            c.send_command("SET", "x", "1")  # queuing a write waits too
            time.sleep(0.3)
            paused_at_queue = c.expect_no_reply(0.05)
            admin.call("CLIENT", "UNPAUSE")
            q = c.read_raw(timeout=3)
            c.send_command("EXEC")
            res.append((paused_at_queue, q, c.read_raw(timeout=3)))
    assert res[0] == res[1]


def test_unblock(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin, srv.connect() as b:
            bid = b.call("CLIENT", "ID")
            out = []
            for reason in ([], ["TIMEOUT"], ["ERROR"]):
                b.send_command("BLPOP", "nolist", "0")
                time.sleep(0.2)
                out.append(admin.call_raw("CLIENT", "UNBLOCK", str(bid), *reason)[0])
                out.append(b.read_raw(timeout=3))
            b.send_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
            time.sleep(0.2)
            out.append(admin.call_raw("CLIENT", "UNBLOCK", str(bid), "ERROR")[0])
            out.append(b.read_raw(timeout=3))
            b.send_command("BZPOPMIN", "z", "0")
            time.sleep(0.2)
            out.append(admin.call_raw("CLIENT", "UNBLOCK", str(bid))[0])
            out.append(b.read_raw(timeout=3))
            # Not blocked -> 0; unblocked client keeps working.
            out.append(admin.call_raw("CLIENT", "UNBLOCK", str(bid))[0])
            out.append(b.call_raw("PING")[0])
            res.append(out)
    assert res[0] == res[1]


def test_unblock_resp3(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin, srv.connect() as b:
            b.call("HELLO", "3")
            bid = b.call("CLIENT", "ID")
            b.send_command("BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
            time.sleep(0.2)
            res.append((admin.call_raw("CLIENT", "UNBLOCK", str(bid))[0], b.read_raw(timeout=3)))
    assert res[0] == res[1]


def test_pause_write_holds_may_replicate(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin, srv.connect() as p, srv.connect() as e:
            admin.call("CLIENT", "PAUSE", "100000", "WRITE")
            p.send_command("PUBLISH", "ch", "m")
            e.send_command("EVAL", "return 1", "0")
            time.sleep(0.3)
            held = (p.expect_no_reply(0.05), e.expect_no_reply(0.05))
            admin.call("CLIENT", "UNPAUSE")
            res.append((held, p.read_raw(timeout=3), e.read_raw(timeout=3)))
    assert res[0] == res[1]


def test_pause_stops_active_expiry(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin:
            admin.call("SET", "k", "v", "PX", "100")
            admin.call("CLIENT", "PAUSE", "800", "WRITE")
            time.sleep(0.5)
            during = admin.call("DBSIZE")  # expired, but not deleted while paused
            admin.call("CLIENT", "UNPAUSE")
            time.sleep(0.6)
            res.append((during, admin.call("DBSIZE")))
    assert res[0] == res[1] == [1, 0] or res[0] == res[1] == (1, 0)


def test_client_list_flags(shoal_factory, redis_factory):
    import re
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin, srv.connect() as b, srv.connect() as t, \
                srv.connect() as w:
            ids = [c.call("CLIENT", "ID") for c in (b, t, w)]
            t.call("HELLO", "3")
            t.call("CLIENT", "TRACKING", "on", "BCAST")
            w.call("WATCH", "k")
            admin.call("SET", "k", "1")
            w.call("MULTI")
            b.send_command("BLPOP", "nolist", "0")
            time.sleep(0.2)
            flags = []
            for cid in ids:
                line = admin.call("CLIENT", "LIST", "ID", str(cid))
                line = line.text if hasattr(line, "text") else line
                line = line.decode() if isinstance(line, bytes) else line
                flags.append(re.search(r" flags=(\S+) ", line).group(1))
            res.append(flags)
            admin.call("CLIENT", "UNBLOCK", str(ids[0]))
    assert res[0] == res[1], res


def test_pause_stops_evictions(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as admin:
            admin.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
            for i in range(200):
                admin.call("SET", f"k{i}", "x" * 1000)
            admin.call("CLIENT", "PAUSE", "100000", "WRITE")
            admin.call("CONFIG", "SET", "maxmemory", "1")
            admin.call("GET", "k1")  # a read: would evict, but the dataset stays still
            during = admin.call("DBSIZE")
            admin.call("CLIENT", "UNPAUSE")
            admin.call("GET", "k1")
            after = admin.call("DBSIZE")
            admin.call("CONFIG", "SET", "maxmemory", "0")
            res.append((during, after < 200))
    assert res[0] == res[1] == (200, True)
