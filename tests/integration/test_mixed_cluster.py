# A mixed cluster: three shoal nodes and three redis-server 7.0 nodes on
# 127.0.0.11..16 (same port on every address, as containers would be),
# created by redis-cli --cluster create with one replica per master.
#
#   - `redis-cli --cluster check` reports OK through a node of either kind;
#   - keys of every type (with TTLs) move from a redis-server master to a shoal
#     master with `redis-cli --cluster reshard` (redis MIGRATE -> shoal
#     RESTORE-ASKING) and back (shoal MIGRATE -> redis RESTORE-ASKING);
#   - a killed node of either kind is marked FAIL by every surviving node of
#     both kinds (time printed).
# PUBLISH across kinds is tested elsewhere.
#
# Run: SHOAL_BIN=build-x/shoal /usr/bin/python3 -m pytest tests/integration/test_mixed_cluster.py -q -s

import time

import pytest
import redis

from support import profile
from support.ports import free_port_on_all, loopback_addresses
from support.slotwriter import key_slot

# Runs under SHOAL_TEST_PROFILE=tls-auth too (every client from support/profile.py).
PROFILE_AWARE = True

NODE_TIMEOUT = 2000


def cli(*args, timeout=300):
    return profile.run_cli(*args, timeout=timeout)


def conn(n):
    return profile.client(n.host, n.port, decode_responses=True)


def nodes_lines(n):
    return conn(n).execute_command("CLUSTER", "NODES").splitlines()


def wait(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if pred():
                return
        except redis.RedisError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def check_ok(n):
    r = cli("--cluster", "check", f"{n.host}:{n.port}")
    return (r.returncode == 0 and "[OK] All 16384 slots covered." in r.stdout and
            "[OK] All nodes agree about slots configuration." in r.stdout), r.stdout + r.stderr


@pytest.fixture
def mixed(shoal_factory, redis_factory):
    """Six started nodes: kinds alternate redis, shoal, shoal, redis, shoal, redis
    so that redis-cli makes masters of both kinds (the first three)."""
    hosts = loopback_addresses(6)
    port = free_port_on_all(hosts, with_bus=True)
    kinds = ["redis", "shoal", "shoal", "redis", "shoal", "redis"]
    args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT)]
    nodes = []
    for h, kind in zip(hosts, kinds):
        # redis-server 7.0 connects its bus links from the kernel's default
        # source address (127.0.0.1 here) unless bind-source-addr is set, and
        # peers then learn 127.0.0.1 as its address (a redis-only cluster on
        # several loopback addresses does not form either). Containers have
        # one address each, so this only matters on loopback. Protected mode
        # is off so that a replica connecting from 127.0.0.1x is accepted
        # (redis-server only trusts 127.0.0.1 and ::1 without a password).
        if kind == "shoal":
            n = shoal_factory(args, host=h, port=port, with_bus=True)
        else:
            n = redis_factory(args + ["--bind-source-addr", h, "--protected-mode", "no"],
                              host=h, port=port, with_bus=True)
        n.kind = kind
        nodes.append(n)
    r = cli("--cluster", "create", *[f"{n.host}:{n.port}" for n in nodes],
            "--cluster-replicas", "1", "--cluster-yes", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[OK] All 16384 slots covered." in r.stdout
    wait(lambda: all(conn(n).cluster("info")["cluster_state"] == "ok" for n in nodes), 30,
         "cluster_state ok everywhere")
    return nodes


def roles(nodes):
    """{node: (id, master-id or None, [slot ranges])} as the nodes see themselves."""
    out = {}
    for n in nodes:
        me = [l.split() for l in nodes_lines(n) if "myself" in l.split()[2]][0]
        out[n] = (me[0], None if me[3] == "-" else me[3], me[8:])
    return out


def fill_typed(c, tag):
    """Keys of every type in the slot of `tag`; returns {key: readback}."""
    ks = {f"{{{tag}}}:s": ("SET", ["hello"]), f"{{{tag}}}:n": ("SET", ["424242"]),
          f"{{{tag}}}:l": ("RPUSH", ["a", "b", "3"]), f"{{{tag}}}:h": ("HSET", ["f", "v", "g", "2"]),
          f"{{{tag}}}:st": ("SADD", ["x", "y", "z"]), f"{{{tag}}}:si": ("SADD", ["1", "2", "99"]),
          f"{{{tag}}}:z": ("ZADD", ["1", "a", "2.5", "b"])}
    for k, (cmd, a) in ks.items():
        c.execute_command(cmd, k, *a)
    c.set(f"{{{tag}}}:ttl", "v", px=600000)
    return {k: readback(c, k) for k in list(ks) + [f"{{{tag}}}:ttl"]}


def readback(c, k):
    t = c.type(k)
    v = {"string": lambda: c.get(k), "list": lambda: c.lrange(k, 0, -1),
         "hash": lambda: sorted(c.hgetall(k).items()), "set": lambda: sorted(c.smembers(k)),
         "zset": lambda: c.zrange(k, 0, -1, withscores=True)}.get(t, lambda: None)()
    ttl = c.pttl(k)
    return (t, v, "ttl" if ttl > 0 else ttl)


def tags_for(slots):
    want, found, i = set(slots), {}, 0
    while want:
        s = key_slot(f"m{i}")
        if s in want:
            found[s] = f"m{i}"
            want.discard(s)
        i += 1
    return found


def test_mixed_cluster_checks_from_both_sides(mixed):
    for n in mixed:
        ok, out = check_ok(n)
        assert ok, (n.kind, n.host, out, {f"{m.kind} {m.host}": nodes_lines(m) for m in mixed})
    r = roles(mixed)
    masters = [n for n in mixed if r[n][1] is None]
    assert {n.kind for n in masters} == {"redis", "shoal"}
    # Every node, of either kind, sees 3 masters and 3 replicas, each replica
    # under one of the masters (roles spread by gossip: allow some seconds).
    def converged():
        for n in mixed:
            lines = [l.split() for l in nodes_lines(n)]
            ms = {l[0] for l in lines if "master" in l[2]}
            reps = [l for l in lines if "slave" in l[2]]
            if not (len(lines) == 6 and len(ms) == 3 and len(reps) == 3 and
                    all(rp[3] in ms for rp in reps)):
                return False
        return True
    wait(converged, 20, "every node sees 3 masters and 3 replicas")


def test_replicas_of_either_kind_follow_masters_of_the_other(mixed):
    r = roles(mixed)
    by_id = {r[n][0]: n for n in mixed}
    pairs = [(by_id[r[n][1]], n) for n in mixed if r[n][1] is not None]
    assert any(m.kind != rep.kind for m, rep in pairs)
    rc = profile.cluster_client(mixed[0].host, mixed[0].port, decode_responses=True)
    for i in range(300):
        rc.set(f"repl:{i}", i)
    for m, rep in pairs:
        wait(lambda: conn(rep).dbsize() == conn(m).dbsize() > 0, 30,
             f"{rep.kind} replica {rep.host} in sync with {m.kind} master {m.host}")


def test_keys_migrate_from_redis_to_shoal_and_back(mixed):
    r = roles(mixed)
    masters = [n for n in mixed if r[n][1] is None]
    src = [n for n in masters if n.kind == "redis"][0]
    dst = [n for n in masters if n.kind == "shoal"][0]
    src_id, dst_id = r[src][0], r[dst][0]
    # The 5 lowest slots of the redis master are the ones reshard moves first.
    first = int(r[src][2][0].split("-")[0])
    slots = list(range(first, first + 5))
    tags = tags_for(slots)
    sc = conn(src)
    expect = {}
    for s, t in tags.items():
        expect.update(fill_typed(sc, t))
    entry = f"{mixed[1].host}:{mixed[1].port}"
    rr = cli("--cluster", "reshard", entry, "--cluster-from", src_id, "--cluster-to", dst_id,
             "--cluster-slots", "5", "--cluster-yes")
    assert rr.returncode == 0, rr.stdout[-3000:] + rr.stderr
    dc = conn(dst)
    got = {k: readback(dc, k) for k in expect}
    assert got == expect
    assert all(sc.execute_command("CLUSTER", "COUNTKEYSINSLOT", s) == 0 for s in slots)
    wait(lambda: check_ok(mixed[0])[0] and check_ok(mixed[1])[0], 30, "check OK both sides")
    # Back: those slots are now the lowest of the shoal master.
    assert int(roles([dst])[dst][2][0].split("-")[0]) == first
    rr = cli("--cluster", "reshard", f"{mixed[0].host}:{mixed[0].port}", "--cluster-from",
             dst_id, "--cluster-to", src_id, "--cluster-slots", "5", "--cluster-yes")
    assert rr.returncode == 0, rr.stdout[-3000:] + rr.stderr
    got = {k: readback(sc, k) for k in expect}
    assert got == expect
    assert all(dc.execute_command("CLUSTER", "COUNTKEYSINSLOT", s) == 0 for s in slots)
    wait(lambda: check_ok(mixed[0])[0] and check_ok(mixed[1])[0], 30, "check OK both sides")
    # A RedisCluster client reads everything through either kind of entry node.
    for entry_node in (mixed[0], mixed[1]):
        rc = profile.cluster_client(entry_node.host, entry_node.port, decode_responses=True)
        assert all(rc.get(k) == v[1] for k, v in expect.items() if v[0] == "string")


def _time_to_fail(victim_id, observers, limit=15):
    t0 = time.time()
    seen = {}
    while time.time() - t0 < limit and len(seen) < len(observers):
        for n in observers:
            if n in seen:
                continue
            for l in nodes_lines(n):
                f = l.split()
                if f[0] == victim_id and "fail" in f[2].split(","):
                    seen[n] = time.time() - t0
        time.sleep(0.05)
    return seen


def test_killed_node_of_either_kind_is_marked_fail_by_both_kinds(mixed, record_property):
    r = roles(mixed)
    replicas = [n for n in mixed if r[n][1] is not None]
    alive = list(mixed)
    for kind in ("shoal", "redis"):
        victim = [n for n in replicas if n.kind == kind][0]
        vid = r[victim][0]
        alive.remove(victim)
        victim.kill()
        seen = _time_to_fail(vid, alive)
        missing = [(n.kind, n.host) for n in alive if n not in seen]
        assert not missing, f"{kind} victim not marked FAIL by {missing}"
        worst = max(seen.values())
        print(f"\n{kind} node killed: FAIL on all {len(alive)} survivors "
              f"(kinds {sorted({n.kind for n in alive})}) after {worst:.2f}s")
        record_property(f"fail_seconds_{kind}_victim", round(worst, 2))
