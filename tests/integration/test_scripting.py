# Scripting behaviour that needs more than one connection or process:
# busy scripts (BUSY replies, SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE),
# effects replication to a redis-server replica of shoal (several writes in
# MULTI/EXEC), WATCH and blocked clients woken by script writes, and the
# cluster key checks compared with a redis-server cluster node.

import threading
import time

import pytest


def wait_until(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


LOOP = "local i = 0 while true do i = i + 1 end"


def run_in_thread(server, *args):
    out = {}

    def go():
        with server.connect(timeout=30) as c:
            out["raw"] = c.call_raw(*args)[0]

    t = threading.Thread(target=go)
    t.start()
    return t, out


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_busy_script_kill_and_unkillable(kind, shoal_factory, redis_factory):
    fac = shoal_factory if kind == "shoal" else redis_factory
    s = fac(["--busy-reply-threshold", "200"])
    with s.connect() as c:
        assert c.call_raw("SCRIPT", "KILL")[0] == b"-NOTBUSY No scripts in execution right now.\r\n"
        t, out = run_in_thread(s, "EVAL", LOOP, "0")
        time.sleep(0.5)
        assert c.call_raw("PING")[0] == (b"-BUSY Redis is busy running a script. You can only call "
                                        b"SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
        assert c.call_raw("FUNCTION", "KILL")[0].startswith(b"-BUSY Redis is busy running a "
                                                            b"script. You can only call SCRIPT KILL")
        assert c.call_raw("SCRIPT", "KILL")[0] == b"+OK\r\n"
        t.join(10)
        assert out["raw"].startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
        assert c.call_raw("PING")[0] == b"+PONG\r\n"
        # A script that wrote cannot be killed.
        t, out = run_in_thread(s, "EVAL", "redis.call('set','x','1') " + LOOP, "0")
        time.sleep(0.5)
        assert c.call_raw("SCRIPT", "KILL")[0].startswith(
            b"-UNKILLABLE Sorry the script already executed write commands against the dataset.")
        c.send_command("SHUTDOWN", "NOSAVE")
        t.join(10)
    wait_until(lambda: not s.alive(), 10, "the server to exit after SHUTDOWN NOSAVE")


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_busy_function_kill(kind, shoal_factory, redis_factory):
    fac = shoal_factory if kind == "shoal" else redis_factory
    s = fac(["--busy-reply-threshold", "200"])
    lib = "#!lua name=busy\nredis.register_function('spin', function() " + LOOP + " end)"
    with s.connect() as c:
        assert c.call_raw("FUNCTION", "LOAD", lib)[0] == b"$4\r\nbusy\r\n"
        t, out = run_in_thread(s, "FCALL", "spin", "0")
        time.sleep(0.5)
        assert c.call_raw("GET", "a")[0] == (b"-BUSY Redis is busy running a script. You can only "
                                             b"call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n")
        stats = c.call("FUNCTION", "STATS")
        assert stats[1][1] == b"spin" and stats[1][3] == [b"FCALL", b"spin", b"0"]
        assert c.call_raw("FUNCTION", "KILL")[0] == b"+OK\r\n"
        t.join(10)
        assert out["raw"].startswith(b"-ERR Script killed by user with SCRIPT KILL... script: spin")
        assert c.call_raw("PING")[0] == b"+PONG\r\n"


def test_script_effects_replicate_to_redis_replica(shoal_factory, redis_factory):
    master = shoal_factory()
    replica = redis_factory(["--replicaof", master.host, str(master.port)])
    wait_until(lambda: replica.info_field("replication", "master_link_status") == "up", 20,
               "the replica link")
    with master.connect() as c:
        c.call_raw("SET", "counter", "10")
        body = ("redis.call('incr', KEYS[1]); redis.call('rpush', KEYS[2], ARGV[1], ARGV[2]);"
                "redis.call('set', 't', redis.call('time')[1]); return redis.call('llen', KEYS[2])")
        assert c.call_raw("EVAL", body, "2", "counter", "list", "a", "b")[0] == b":2\r\n"
        assert c.call_raw("EVAL", "redis.call('select', 3); return redis.call('set', 'db3', 'v')",
                          "0")[0] == b"+OK\r\n"
        # REPL_NONE: not propagated.
        c.call_raw("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set', 'local', '1')", "0")
        c.call_raw("SET", "marker", "1")
        lib = "#!lua name=rl\nredis.register_function('w', function(k, a) return redis.call('set', k[1], a[1]) end)"
        c.call_raw("FUNCTION", "LOAD", lib)
        c.call_raw("FCALL", "w", "1", "fk", "fv")
        t = c.call("GET", "t")
    with replica.connect() as r:
        wait_until(lambda: r.call("GET", "fk") == b"fv", 10, "FCALL's write on the replica")
        assert r.call("GET", "counter") == b"11"
        assert r.call("LRANGE", "list", "0", "-1") == [b"a", b"b"]
        assert r.call("GET", "t") == t
        assert r.call("GET", "local") is None
        assert r.call("GET", "marker") == b"1"
        r.call("SELECT", "3")
        assert r.call("GET", "db3") == b"v"
        libs = r.call("FUNCTION", "LIST")
        assert libs and libs[0][1] == b"rl"


def test_script_writes_touch_watch_and_wake_blocked_clients(shoal):
    with shoal.connect() as w, shoal.connect() as b, shoal.connect() as c:
        w.call("WATCH", "wk")
        c.call("EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "wk")
        w.call("MULTI")
        w.call("SET", "other", "1")
        assert w.call_raw("EXEC")[0] == b"*-1\r\n"
        b.send_command("BLPOP", "bl", "5")
        time.sleep(0.2)
        c.call("EVAL", "return redis.call('rpush', KEYS[1], 'item')", "1", "bl")
        assert b.read_reply()[1] == [b"bl", b"item"]


def test_script_is_refused_writes_on_a_replica(shoal_factory):
    master = shoal_factory()
    replica = shoal_factory(["--replicaof", master.host, str(master.port)])
    with replica.connect() as r:
        raw = r.call_raw("EVAL", "return redis.call('set', 'a', 'b')", "0")[0]
        assert raw.startswith(b"-READONLY You can't write against a read only replica. script: ")
        assert r.call_raw("EVAL", "return redis.call('get', 'a')", "0")[0] == b"$-1\r\n"
        assert r.call_raw("EVAL", "#!lua\nreturn 1", "0")[0] == (
            b"-READONLY You can't write against a read only replica.\r\n")
        assert r.call_raw("EVAL", "#!lua flags=no-writes\nreturn 1", "0")[0] == b":1\r\n"


CLUSTER_STEPS = [
    # declared keys are routed by the dispatcher (MOVED / CROSSSLOT)
    ["EVAL", "return redis.call('get', KEYS[1])", "1", "a"],
    ["EVAL", "return 1", "2", "b", "c"],
    ["EVAL", "return redis.call('get', KEYS[1])", "1", "b"],
    # undeclared keys are checked by the script
    ["EVAL", "return redis.call('get', 'a')", "0"],
    ["EVAL", "redis.call('get', 'b'); return redis.call('get', 'c')", "0"],
    ["EVAL", "return redis.call('mget', 'b', 'c')", "0"],
    ["EVAL", "return redis.call('get', 'c')", "1", "b"],
    ["EVAL", "#!lua\nredis.call('get', 'b'); return redis.call('get', 'c')", "0"],
    ["EVAL", "#!lua\nreturn redis.call('get', 'c')", "1", "b"],
    ["EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('get', 'b'); return redis.call('get', 'c')", "0"],
    ["EVAL", "#!lua\nreturn redis.call('get', 'a')", "0"],
    ["EVAL", "#!lua flags=no-cluster\nreturn 1", "0"],
    ["EVAL", "return redis.call('set', '{b}x', 'v')", "1", "b"],
]


def test_cluster_key_checks_match_redis(shoal_factory, redis_factory):
    replies = {}
    for kind, fac in (("shoal", shoal_factory), ("redis", redis_factory)):
        s = fac(["--cluster-enabled", "yes", "--cluster-require-full-coverage", "no"])
        with s.connect() as c:
            assert c.call_raw("CLUSTER", "ADDSLOTSRANGE", "0", "8000")[0] == b"+OK\r\n"
            wait_until(lambda: b"cluster_state:ok" in c.call("CLUSTER", "INFO"), 10,
                       "cluster_state:ok")
            out = []
            for step in CLUSTER_STEPS:
                raw = c.call_raw(*step)[0]
                # MOVED carries the node's address; keep the slot only.
                if raw.startswith(b"-MOVED"):
                    raw = b" ".join(raw.split(b" ")[:2])
                out.append(raw)
            replies[kind] = out
    for step, a, b in zip(CLUSTER_STEPS, replies["shoal"], replies["redis"]):
        assert a == b, (step, a, b)


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_blocked_client_is_served_after_a_busy_script_not_during(kind, shoal_factory,
                                                                 redis_factory):
    fac = shoal_factory if kind == "shoal" else redis_factory
    s = fac(["--busy-reply-threshold", "100"])
    body = ("redis.call('rpush', KEYS[1], 'x') "
            "local t = redis.call('time') local start = t[1] * 1000000 + t[2] "
            "repeat t = redis.call('time') until t[1] * 1000000 + t[2] - start > 500000 "
            "return redis.call('llen', KEYS[1])")
    with s.connect() as b, s.connect() as c:
        b.send_command("BLPOP", "bl", "10")
        time.sleep(0.2)
        assert c.call_raw("EVAL", body, "1", "bl")[0] == b":1\r\n"
        assert b.read_reply()[1] == [b"bl", b"x"]
        assert c.call("LLEN", "bl") == 0
        time.sleep(1.0)  # the event loop keeps running when idle after a busy script
        assert s.alive() and c.call_raw("PING")[0] == b"+PONG\r\n"


def _monitor_lines(server):
    with server.connect() as m, server.connect() as c:
        assert m.call_raw("MONITOR")[0] == b"+OK\r\n"
        c.call_raw("EVAL", "redis.call('set', 'a', 'b\\n'); return redis.call('get', 'a')", "0")
        c.call_raw("FCALL", "nosuch", "0")
        c.call_raw("PING")
        time.sleep(0.2)
        data, _ = m.read_until_quiet()
    out = []
    for line in data.decode().split("\r\n"):
        if not line:
            continue
        ts, rest = line.split(" ", 1)
        who, cmd = rest.split("] ", 1)
        out.append(("lua" if who.endswith("lua") else "client", cmd))
    return out


def test_monitor_shows_eval_then_its_commands_as_lua(shoal_factory, redis_factory):
    assert _monitor_lines(shoal_factory()) == _monitor_lines(redis_factory())


OOM_STEPS = [
    ["SET", "pre", "x"],
    ["CONFIG", "SET", "maxmemory", "1"],
    ["EVAL", "return redis.call('set', 'a', 'b')", "0"],
    ["EVAL", "return redis.call('get', 'pre')", "0"],
    ["EVAL", "#!lua\nreturn 1", "0"],
    ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
    ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'a', 'b')", "0"],
    ["EVAL", "redis.call('del', 'pre'); return redis.call('set', 'c', 'd')", "0"],
    ["EVAL", "return redis.pcall('set', 'e', 'f')", "0"],
    ["FUNCTION", "LOAD", "#!lua name=o\nredis.register_function('f', function() return 1 end)"],
    ["CONFIG", "SET", "maxmemory", "0"],
    ["FUNCTION", "LOAD", "#!lua name=o\nredis.register_function{function_name='f', callback=function() return redis.call('set', 'g', 'h') end}"],
    ["CONFIG", "SET", "maxmemory", "1"],
    ["FCALL", "f", "0"],
    ["CONFIG", "SET", "maxmemory", "0"],
]


def test_maxmemory_rules_for_scripts_match_redis(shoal_factory, redis_factory):
    got = {}
    for kind, fac in (("shoal", shoal_factory), ("redis", redis_factory)):
        s = fac()
        with s.connect() as c:
            got[kind] = [c.call_raw(*st)[0] for st in OOM_STEPS]
    for st, a, b in zip(OOM_STEPS, got["shoal"], got["redis"]):
        assert a == b, (st, a, b)


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_shutdown_without_nosave_is_refused_during_a_busy_script(kind, shoal_factory,
                                                                 redis_factory):
    fac = shoal_factory if kind == "shoal" else redis_factory
    s = fac(["--busy-reply-threshold", "100"])
    with s.connect() as c:
        t, out = run_in_thread(s, "EVAL", LOOP, "0")
        time.sleep(0.4)
        assert c.call_raw("SHUTDOWN")[0] == (b"-BUSY Redis is busy running a script. You can only "
                                            b"call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
        assert c.call_raw("SCRIPT", "KILL")[0] == b"+OK\r\n"
        t.join(10)
        assert s.alive()
