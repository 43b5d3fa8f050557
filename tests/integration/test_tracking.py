# Client-side caching (CLIENT TRACKING and friends), shoal next to
# redis-server 7.0: every scenario runs on both with raw RESP connections and
# the byte streams each connection received must be identical (RESP3
# `>invalidate` pushes, RESP2 redirection to __redis__:invalidate, BCAST
# prefixes, OPTIN/OPTOUT, NOLOOP, flushes, MULTI/EXEC ordering, errors).

import time

from support.resp import encode_command


def both(shoal_factory, redis_factory):
    return shoal_factory(), redis_factory()


def drain(conn, quiet=0.15):
    data, _closed = conn.read_until_quiet(quiet=quiet, limit=3.0)
    return data


def run_script(srv, nconns, steps):
    """steps: (conn index, command list) or ("drain", i). Each command's
    reply bytes (and any pushes that came with it) are recorded."""
    conns = [srv.connect() for _ in range(nconns)]
    ids = [c.call("CLIENT", "ID") for c in conns]
    out = []
    try:
        for step in steps:
            if step[0] == "drain":
                out.append(("drain", step[1], drain(conns[step[1]])))
                continue
            i, cmd = step
            cmd = [str(ids[int(a[1:])]) if isinstance(a, str) and a.startswith("@") else a
                   for a in cmd]
            conns[i].send(encode_command(*cmd))
            data = drain(conns[i])
            if cmd[0] == "HELLO" or (cmd[0] == "CLIENT" and cmd[1].upper() in (
                    "GETREDIR", "TRACKINGINFO")):
                # Client ids differ between the servers: name them.
                for n, cid in enumerate(ids):
                    for pre in (b"id\r\n", b"redirect\r\n", b""):
                        if pre == b"" and not data.startswith(b":%d\r\n" % cid):
                            continue
                        data = data.replace(pre + b":%d\r\n" % cid, pre + b":@%d\r\n" % n)
            out.append((i, " ".join(cmd[:2]), data))
    finally:
        for c in conns:
            c.close()
    return out


def compare(shoal_factory, redis_factory, nconns, steps):
    s, r = both(shoal_factory, redis_factory)
    a = run_script(s, nconns, steps)
    b = run_script(r, nconns, steps)
    # Client ids differ between the servers only where a reply is an id.
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x == y, f"shoal {x!r} != redis {y!r}"
    return a


def test_errors_and_info(shoal_factory, redis_factory):
    steps = [
        (0, ["CLIENT", "TRACKING", "maybe"]),
        (0, ["CLIENT", "TRACKING", "on", "prefix", "a"]),
        (0, ["CLIENT", "TRACKING", "on", "optin", "optout"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "optin"]),
        (0, ["CLIENT", "TRACKING", "on", "redirect", "abc"]),
        (0, ["CLIENT", "TRACKING", "on", "redirect", "999999"]),
        (0, ["CLIENT", "TRACKING", "on", "redirect", "@1", "redirect", "@1"]),
        (0, ["CLIENT", "TRACKING", "on", "foo"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"]),
        (0, ["CLIENT", "CACHING", "yes"]),
        (0, ["CLIENT", "GETREDIR"]),
        (0, ["CLIENT", "TRACKINGINFO"]),
        (0, ["CLIENT", "TRACKING", "on", "optin"]),
        (0, ["CLIENT", "CACHING", "no"]),
        (0, ["CLIENT", "CACHING", "maybe"]),
        (0, ["CLIENT", "CACHING", "yes"]),
        (0, ["CLIENT", "TRACKINGINFO"]),
        (0, ["CLIENT", "TRACKING", "on", "optout"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast"]),
        (0, ["CLIENT", "GETREDIR"]),
        (0, ["CLIENT", "TRACKING", "off"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "b", "noloop"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "prefix", "ab"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "prefix", "c"]),
        (0, ["CLIENT", "TRACKINGINFO"]),
        (0, ["HELLO", "3"]),
        (0, ["CLIENT", "TRACKINGINFO"]),
        (0, ["CLIENT", "TRACKING", "off"]),
        (0, ["CLIENT", "TRACKINGINFO"]),
        (0, ["CLIENT", "GETREDIR"]),
    ]
    compare(shoal_factory, redis_factory, 2, steps)
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as c:
            c.call("CLIENT", "TRACKING", "on")
            c.call("GET", "a")
            c.call("GET", "b")
            info = c.call("INFO")
            assert b"tracking_clients:1" in info
            assert b"tracking_total_keys:2" in info
            assert b"tracking_total_items:2" in info
            assert b" flags=t " in c.call_raw("CLIENT", "INFO")[0]


def test_resp3_default_mode(shoal_factory, redis_factory):
    steps = [
        (0, ["HELLO", "3"]),
        (0, ["CLIENT", "TRACKING", "on"]),
        (0, ["SET", "k", "1"]),
        (0, ["GET", "k"]),
        (0, ["MGET", "k", "j"]),
        (1, ["SET", "k", "2"]),
        ("drain", 0),
        (1, ["SET", "k", "3"]),  # no longer tracked: nothing
        ("drain", 0),
        (0, ["GET", "k"]),
        (0, ["SET", "k", "self"]),  # own write: invalidation after the reply
        (0, ["GET", "j"]),
        (0, ["MULTI"]),
        (0, ["SET", "j", "1"]),
        (0, ["GET", "j"]),
        (0, ["EXEC"]),  # pushes after the whole EXEC reply
        (0, ["GET", "x"]),
        (0, ["GET", "y"]),
        (1, ["FLUSHALL"]),
        ("drain", 0),
        (0, ["GET", "x"]),
        (0, ["FLUSHDB"]),
        (0, ["GET", "e"]),
        (1, ["SET", "e", "v", "PX", "50"]),
        ("drain", 0),
        (0, ["GET", "e"]),
        (0, ["PING"]),
    ]
    out = compare(shoal_factory, redis_factory, 2, steps)
    assert any(b"invalidate" in x[2] for x in out)


def test_expiry_invalidates(shoal_factory, redis_factory):
    outs = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as c, srv.connect() as w:
            c.call("HELLO", "3")
            c.call("CLIENT", "TRACKING", "on")
            w.call("SET", "e", "v", "PX", "100")
            c.call("GET", "e")
            time.sleep(0.6)  # active expiry
            outs.append(drain(c, 0.5))
    assert outs[0] == outs[1]
    assert b"invalidate" in outs[0]


def test_optin_optout_noloop(shoal_factory, redis_factory):
    steps = [
        (0, ["HELLO", "3"]),
        (0, ["CLIENT", "TRACKING", "on", "optin"]),
        (0, ["GET", "a"]),
        (0, ["CLIENT", "CACHING", "yes"]),
        (0, ["GET", "b"]),
        (0, ["GET", "c"]),
        (1, ["MSET", "a", "1", "b", "1", "c", "1"]),
        ("drain", 0),
        (0, ["CLIENT", "CACHING", "yes"]),
        (0, ["MULTI"]),
        (0, ["GET", "a"]),
        (0, ["GET", "c"]),
        (0, ["EXEC"]),
        (1, ["MSET", "a", "2", "b", "2", "c", "2"]),
        ("drain", 0),
        (0, ["CLIENT", "TRACKING", "off"]),
        (0, ["CLIENT", "TRACKING", "on", "optout", "noloop"]),
        (0, ["GET", "a"]),
        (0, ["CLIENT", "CACHING", "no"]),
        (0, ["GET", "b"]),
        (0, ["SET", "a", "self"]),  # NOLOOP: nothing for our own write
        (0, ["GET", "a"]),
        (1, ["MSET", "a", "3", "b", "3"]),
        ("drain", 0),
    ]
    out = compare(shoal_factory, redis_factory, 2, steps)
    assert any(b"invalidate" in x[2] for x in out)


def test_resp2_redirect(shoal_factory, redis_factory):
    steps = [
        (1, ["SUBSCRIBE", "__redis__:invalidate"]),
        (0, ["CLIENT", "TRACKING", "on", "redirect", "@1"]),
        (0, ["CLIENT", "GETREDIR"]),
        (0, ["GET", "k"]),
        (0, ["SET", "k", "v"]),
        ("drain", 1),
        (0, ["GET", "k"]),
        (2, ["FLUSHALL"]),
        ("drain", 1),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "redirect", "@1"]),
        (0, ["CLIENT", "TRACKING", "off"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "prefix", "user:", "redirect", "@1"]),
        (2, ["SET", "user:1", "x"]),
        (2, ["SET", "other", "x"]),
        ("drain", 1),
        (0, ["CLIENT", "TRACKINGINFO"]),
    ]
    out = compare(shoal_factory, redis_factory, 3, steps)
    assert any(b"__redis__:invalidate" in x[2] and b"message" in x[2] for x in out)


def test_bcast_resp3(shoal_factory, redis_factory):
    steps = [
        (0, ["HELLO", "3"]),
        (0, ["CLIENT", "TRACKING", "on", "bcast", "prefix", "a:", "prefix", "b:"]),
        (1, ["HELLO", "3"]),
        (1, ["CLIENT", "TRACKING", "on", "bcast", "noloop"]),
        (2, ["MSET", "a:1", "x", "b:2", "y", "c:3", "z"]),
        ("drain", 0),
        ("drain", 1),
        (1, ["SET", "a:9", "own"]),
        ("drain", 0),
        ("drain", 1),
        (1, ["DEL", "a:9", "a:1"]),
        ("drain", 0),
        ("drain", 1),
    ]
    out = compare(shoal_factory, redis_factory, 3, steps)
    assert any(b"invalidate" in x[2] for x in out)


def test_broken_redirect(shoal_factory, redis_factory):
    outs = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as c, srv.connect() as w:
            c.call("HELLO", "3")
            t = srv.connect()
            tid = t.call("CLIENT", "ID")
            c.call("CLIENT", "TRACKING", "on", "redirect", str(tid))
            c.call("GET", "k")
            t.close()
            time.sleep(0.2)
            w.call("SET", "k", "1")
            data = drain(c)
            info = c.call_raw("CLIENT", "TRACKINGINFO")[0]
            outs.append((data.replace(str(tid).encode(), b"ID"), info.replace(str(tid).encode(), b"ID")))
    assert outs[0] == outs[1]


def test_script_reads_are_tracked_for_the_caller(shoal_factory, redis_factory):
    steps = [
        (0, ["HELLO", "3"]),
        (0, ["CLIENT", "TRACKING", "on"]),
        (0, ["EVAL", "return redis.call('get', KEYS[1])", "1", "sk"]),
        (0, ["EVAL_RO", "return 1", "1", "ro"]),  # declared keys of EVAL_RO: not tracked
        (1, ["SET", "sk", "1"]),
        (1, ["SET", "ro", "1"]),
        ("drain", 0),
        (0, ["EVAL", "redis.call('get', KEYS[1]); return redis.call('set', KEYS[1], 'x')",
             "1", "sk"]),  # own read then own write inside the script: after the reply
    ]
    out = compare(shoal_factory, redis_factory, 2, steps)
    assert any(b"invalidate" in x[2] for x in out)


def test_tracking_table_max_keys(shoal_factory, redis_factory):
    res = []
    for srv in both(shoal_factory, redis_factory):
        with srv.connect() as c, srv.connect() as admin:
            admin.call("CONFIG", "SET", "tracking-table-max-keys", "2")
            c.call("HELLO", "3")
            c.call("CLIENT", "TRACKING", "on")
            for k in ("a", "b", "c", "d"):
                c.call("GET", k)
            time.sleep(0.3)  # Redis also trims from its cron
            c.call("PING")
            data = drain(c, 0.3)
            keys = int(admin.call("INFO", "stats").split(b"tracking_total_keys:")[1].split(b"\r")[0])
            res.append((data.count(b"invalidate"), keys))
    assert res[0] == res[1], res
