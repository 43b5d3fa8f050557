# Replication acceptance (issue 5), outside cluster mode, with Debian's
# redis-server 7.0 as the other side:
#   - interop both ways: redis-server replicates from shoal and shoal from
#     redis-server; full resync, then partial resync after the link is killed
#     (CLIENT KILL TYPE replica on the master; its sync_partial_ok grows);
#     after a write load of every type (with expiries) the datasets compare
#     equal key by key (TYPE, value, TTL within a tolerance);
#   - WAIT with and without a replica, min-replicas-to-write -> -NOREPLICAS;
#   - ROLE and INFO replication of both roles compared structurally with
#     redis-server's;
#   - a clean (SIGTERM) restart of a master keeps its replication ID and
#     offset, so its replica continues with a partial resync.
# Figures are printed (run with -s to see them).

import random
import time

import pytest
import redis

from support import profile
from support.wait import wait_until

# Runs under SHOAL_TEST_PROFILE=tls-auth too: both servers then replicate over
# TLS with masterauth, and every client comes from support/profile.py.
PROFILE_AWARE = True

TTL_TOLERANCE_MS = 3000


# --- helpers -------------------------------------------------------------------


def rc(server):
    return profile.client(server.host, server.port, socket_timeout=10)


def info(server, section="replication"):
    return rc(server).info(section)


def wait_in_sync(master, replica, timeout=30.0):
    """Link up and the replica's processed offset equals the master's."""
    def ok():
        r = info(replica)
        m = info(master)
        return (r.get("master_link_status") == "up" and
                r.get("slave_repl_offset") == m.get("master_repl_offset"))
    wait_until(ok, timeout, what=f"{replica} in sync with {master}")


_LOG_PATTERNS = {
    # shoal's log lines for the same events (used only while INFO stats lacks
    # the sync_* counters; test_info_stats_has_sync_counters names the gap).
    "sync_partial_ok": "Partial resynchronization request from",
    "sync_full": "Synchronization with replica",
    "sync_partial_err": "Partial resynchronization not accepted",
}


def stat(server, name):
    """An INFO stats counter; for shoal's sync_* counters missing from INFO
    stats, the count of the matching log lines instead."""
    s = info(server, "stats")
    if name in s:
        return int(s[name])
    pattern = _LOG_PATTERNS[name]
    with open(server.log_path, errors="replace") as f:
        return sum(1 for line in f if pattern in line and
                   (name != "sync_partial_ok" or "accepted" in line))


def write_load(server, n=300, seed=1, prefix="k"):
    """Writes every type, with and without expiries, through a pipeline."""
    rnd = random.Random(seed)
    p = rc(server).pipeline(transaction=False)
    for i in range(n):
        kind = i % 6
        k = f"{prefix}:{kind}:{i}"
        if kind == 0:
            p.set(k, f"v{rnd.random()}")
            p.append(k, "x" * rnd.randint(0, 30))
        elif kind == 1:
            p.rpush(k, *[f"e{j}" for j in range(rnd.randint(1, 20))])
            p.lpush(k, "head")
            if rnd.random() < 0.3:
                p.lpop(k)
        elif kind == 2:
            p.hset(k, mapping={f"f{j}": rnd.randint(0, 1000) for j in range(rnd.randint(1, 15))})
            p.hincrby(k, "counter", 5)
        elif kind == 3:
            p.sadd(k, *[rnd.randint(0, 50) for _ in range(rnd.randint(1, 20))])
            p.sadd(k, "member")
        elif kind == 4:
            p.zadd(k, {f"m{j}": rnd.random() * 100 for j in range(rnd.randint(1, 20))})
            p.zincrby(k, 2.5, "m0")
        else:
            p.incrby(k, rnd.randint(1, 100))
        if rnd.random() < 0.25:
            p.pexpire(k, rnd.randint(60_000, 600_000))
        elif rnd.random() < 0.05:
            p.pexpire(k, rnd.randint(1, 200))  # expires during the test
    # Some updates and deletions of earlier keys.
    for i in range(0, n, 7):
        p.delete(f"{prefix}:{i % 6}:{i}")
    p.execute()


def dump_dataset(server):
    """{key: (type, value, pttl)} of db 0."""
    c = rc(server)
    out = {}
    for k in c.scan_iter(count=1000):
        t = c.type(k).decode()
        if t == "string":
            v = c.get(k)
        elif t == "list":
            v = tuple(c.lrange(k, 0, -1))
        elif t == "hash":
            v = tuple(sorted(c.hgetall(k).items()))
        elif t == "set":
            v = tuple(sorted(c.smembers(k)))
        elif t == "zset":
            v = tuple(c.zrange(k, 0, -1, withscores=True))
        elif t == "none":
            continue  # expired between SCAN and TYPE
        else:
            v = ("unsupported", t)
        out[k] = (t, v, c.pttl(k))
    return out


def compare_datasets(a, b, label):
    """Key-by-key comparison; returns a list of differences (TTL within tolerance)."""
    da, db = dump_dataset(a), dump_dataset(b)
    diffs = []
    for k in sorted(set(da) | set(db)):
        x, y = da.get(k), db.get(k)
        if x is None or y is None:
            # A key with a tiny TTL may be gone on one side only.
            left = x or y
            if left[2] >= 0 and left[2] < TTL_TOLERANCE_MS:
                continue
            diffs.append((k, x, y))
            continue
        if x[0] != y[0] or x[1] != y[1]:
            diffs.append((k, x, y))
        elif (x[2] < 0) != (y[2] < 0) or abs(x[2] - y[2]) > TTL_TOLERANCE_MS:
            diffs.append((k, x, y))
    print(f"\n{label}: {len(da)} keys vs {len(db)} keys, {len(diffs)} differences")
    return diffs


def start_master(factory, kind, extra=()):
    args = list(extra)
    if kind == "redis":
        args += ["--repl-diskless-sync-delay", "0"]
    return factory(args)


def start_replica(factory, master, extra=()):
    return factory(["--replicaof", master.host, str(master.port), *extra])


def link_kill_partial_resync(master, replica, label):
    """Kills the replication link on the master side while writes go on and
    checks that the replica continues with a partial resync."""
    before = stat(master, "sync_partial_ok")
    full_before = stat(master, "sync_full")
    killed = rc(master).execute_command("CLIENT", "KILL", "TYPE", "replica")
    assert killed >= 1, f"{label}: CLIENT KILL TYPE replica killed {killed}"
    t0 = time.time()
    write_load(master, n=120, seed=2, prefix="after-kill")
    wait_until(lambda: stat(master, "sync_partial_ok") > before, 20,
               what=f"{label}: sync_partial_ok to grow")
    wait_in_sync(master, replica)
    print(f"\n{label}: partial resync after link kill in {time.time() - t0:.2f}s "
          f"(sync_partial_ok {before} -> {stat(master, 'sync_partial_ok')}, "
          f"sync_full stays {stat(master, 'sync_full')})")
    assert stat(master, "sync_full") == full_before


# --- 1. interop ------------------------------------------------------------------------


@pytest.mark.parametrize("master_kind,replica_kind", [("shoal", "redis"), ("redis", "shoal"),
                                                       ("shoal", "shoal")])
def test_full_then_partial_resync_and_equal_datasets(master_kind, replica_kind, shoal_factory,
                                                     redis_factory):
    fac = {"shoal": shoal_factory, "redis": redis_factory}
    label = f"{replica_kind} replica of {master_kind} master"
    master = start_master(fac[master_kind], master_kind)
    write_load(master, n=600, seed=1, prefix="before")
    full_before = stat(master, "sync_full")
    t0 = time.time()
    replica = start_replica(fac[replica_kind], master)
    wait_in_sync(master, replica)
    print(f"\n{label}: full resync of {rc(master).dbsize()} keys in {time.time() - t0:.2f}s")
    assert stat(master, "sync_full") == full_before + 1
    # Streamed writes after the full sync.
    write_load(master, n=600, seed=3, prefix="stream")
    wait_in_sync(master, replica)
    assert compare_datasets(master, replica, label + " after full sync + stream") == []
    # Partial resync after the link is killed.
    link_kill_partial_resync(master, replica, label)
    assert compare_datasets(master, replica, label + " after partial resync") == []
    # The replica's own view: same replication ID and offset as the master.
    mi, ri = info(master), info(replica)
    assert ri["master_replid"] == mi["master_replid"]
    assert ri["master_repl_offset"] == mi["master_repl_offset"]


def test_info_stats_has_sync_counters(shoal):
    """INFO stats carries sync_full / sync_partial_ok / sync_partial_err after
    rejected_connections, as in Redis 7.0."""
    keys = list(info(shoal, "stats"))
    assert "sync_full" in keys and "sync_partial_ok" in keys and "sync_partial_err" in keys, keys
    i = keys.index("rejected_connections")
    assert keys[i + 1:i + 4] == ["sync_full", "sync_partial_ok", "sync_partial_err"], keys


# --- 2. WAIT, min-replicas, ROLE and INFO ---------------------------------------------------


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_wait_and_min_replicas(kind, shoal_factory, redis_factory):
    fac = {"shoal": shoal_factory, "redis": redis_factory}[kind]
    master = start_master(fac, kind)
    c = rc(master)
    # No replica: WAIT 1 <timeout> returns 0 after the timeout.
    c.set("a", 1)
    t0 = time.time()
    assert c.execute_command("WAIT", 1, 300) == 0
    waited = time.time() - t0
    assert 0.25 <= waited < 2.0, waited
    # min-replicas-to-write without replicas refuses writes.
    c.config_set("min-replicas-to-write", 1)
    with pytest.raises(redis.ResponseError) as e:
        c.set("a", 2)
    assert str(e.value) == "NOREPLICAS Not enough good replicas to write."
    c.config_set("min-replicas-to-write", 0)
    # One replica: WAIT 1 1000 after a write returns 1 quickly.
    replica = start_replica(fac, master)
    wait_in_sync(master, replica)
    times = []
    for i in range(50):
        c.set("a", i)
        t0 = time.time()
        assert c.execute_command("WAIT", 1, 1000) == 1
        times.append(time.time() - t0)
    times.sort()
    print(f"\n{kind}: WAIT 1 1000 with one replica: median {times[25] * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms")
    assert rc(replica).get("a") == b"49"
    # With a replica, min-replicas-to-write 1 accepts writes.
    c.config_set("min-replicas-to-write", 1)
    wait_until(lambda: info(master).get("min_slaves_good_slaves") == 1, 5,
               what="min_slaves_good_slaves:1")
    assert c.set("a", "ok")
    # WAIT 2 with one replica times out and returns 1.
    assert c.execute_command("WAIT", 2, 200) == 1


def shape(v):
    """Structure of a reply: types and nesting, not values."""
    if isinstance(v, list):
        return [shape(x) for x in v]
    return type(v).__name__


def test_role_and_info_replication_match_redis(shoal_factory, redis_factory):
    pairs = {}
    for kind, fac in (("shoal", shoal_factory), ("redis", redis_factory)):
        m = start_master(fac, kind)
        r = start_replica(fac, m)
        wait_in_sync(m, r)
        rc(m).set("x", 1)
        wait_in_sync(m, r)
        pairs[kind] = (m, r)
    for role, idx in (("master", 0), ("replica", 1)):
        s, o = pairs["shoal"][idx], pairs["redis"][idx]
        s_role = rc(s).execute_command("ROLE")
        o_role = rc(o).execute_command("ROLE")
        assert shape(s_role) == shape(o_role), (role, s_role, o_role)
        assert s_role[0] == o_role[0]
        if role == "replica":
            assert s_role[3] == o_role[3] == b"connected"
        s_info, o_info = info(s), info(o)
        assert list(s_info) == list(o_info), (role, list(s_info), list(o_info))
        for k in ("role", "connected_slaves", "master_link_status", "master_sync_in_progress",
                  "slave_read_only", "repl_backlog_active", "master_failover_state"):
            assert s_info.get(k) == o_info.get(k), (role, k, s_info.get(k), o_info.get(k))
        if role == "master":
            slave0_keys = lambda d: sorted(d["slave0"].keys())  # noqa: E731
            assert slave0_keys(s_info) == slave0_keys(o_info)
            assert s_info["slave0"]["state"] == "online"


# --- 5 (outside a cluster). Clean restart keeps the replication ID -----------------------


def test_clean_master_restart_allows_partial_resync(shoal_factory):
    """A master stopped with SIGTERM saves its replication ID and offset with
    the final RDB; after the restart its replica continues with a partial
    resync (Redis 7 behaviour). After kill -9 only a full sync is possible."""
    master = shoal_factory(["--save", "3600 1"], no_persistence=False)
    replica = start_replica(shoal_factory, master)
    write_load(master, n=300, seed=4)
    # The load's few keys with a TTL of at most 200 ms must be gone (and
    # their DELs replicated) before the offset is read: otherwise the
    # restarted master may expire them before INFO below (which came late
    # enough under the tls-auth profile's slower connects) and move the
    # offset on.
    time.sleep(0.3)
    touch = rc(master).pipeline(transaction=False)
    for i in range(300):
        touch.exists(f"k:{i % 6}:{i}")
    touch.execute()
    wait_in_sync(master, replica)
    replid = info(master)["master_replid"]
    offset = info(master)["master_repl_offset"]
    # INFO counters restart from 0; the log fallback counts across restarts.
    from_info = "sync_partial_ok" in info(master, "stats")
    partial0 = 0 if from_info else stat(master, "sync_partial_ok")
    full0 = 0 if from_info else stat(master, "sync_full")
    master.restart()  # SIGTERM: shutdown save
    mi = info(master)
    print(f"\nafter clean restart: saved replid is now replid2 "
          f"{mi['master_replid2'] == replid}, offset {offset} -> {mi['master_repl_offset']}")
    wait_in_sync(master, replica)
    partial = stat(master, "sync_partial_ok") - partial0
    full = stat(master, "sync_full") - full0
    print(f"clean restart: master sync_partial_ok +{partial}, sync_full +{full}")
    # As Redis 7: the saved history continues as replid2 (valid up to the
    # saved offset + 1) under a new ID, so only replicas not ahead of the
    # file can continue.
    assert mi["master_replid2"] == replid and mi["master_repl_offset"] == offset
    assert int(mi["second_repl_offset"]) == int(offset) + 1
    assert partial == 1 and full == 0
    assert compare_datasets(master, replica, "after clean master restart") == []
    # After kill -9 nothing new was saved: the RDB of the clean stop is loaded
    # again, but the writes since are gone; the replica must not continue
    # from an offset the master no longer has -> a full resync.
    write_load(master, n=50, seed=5, prefix="lost")
    wait_in_sync(master, replica)
    full0 = 0 if from_info else stat(master, "sync_full")
    master.kill()
    master.restart()
    wait_in_sync(master, replica)
    full = stat(master, "sync_full") - full0
    print(f"after kill -9 and restart: master sync_full +{full}")
    assert full == 1
    assert compare_datasets(master, replica, "after kill -9 master restart") == []


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_replicated_writes_wake_clients_blocked_on_the_replica(kind, shoal_factory,
                                                               redis_factory):
    """A client blocked in XREAD on a replica is woken by the
    master's XADD arriving over the replication link (Redis unblocks on
    every signalled key, whoever wrote it)."""
    fac = {"shoal": shoal_factory, "redis": redis_factory}[kind]
    master = start_master(fac, kind)
    replica = start_replica(fac, master)
    wait_in_sync(master, replica)
    reader = replica.connect(timeout=10)
    try:
        reader.send_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        time.sleep(0.3)
        rc(master).xadd("s", {"f": "v"}, id="5-1")
        raw, _ = reader.read_reply(timeout=5)
        assert raw == b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", raw
    finally:
        reader.close()
