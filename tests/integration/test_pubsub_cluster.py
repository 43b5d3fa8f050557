# Pub/Sub in cluster mode (reference/cluster-bus.md §10):
#  - PUBLISH on any node reaches channel and pattern subscribers on every
#    node through the bus (PUBLISH messages);
#  - shard channels are routed like keys: SSUBSCRIBE/SPUBLISH answer MOVED /
#    CROSSSLOT elsewhere, are served by the owner and its replicas, and an
#    SPUBLISH reaches the shard's subscribers (PUBLISHSHARD);
#  - in a mixed cluster (3 shoal + 3 redis-server 7.0, formed by
#    redis-cli --cluster create) messages cross in both directions.
# Six nodes on 127.0.0.11..16 with the same ports, like containers.

import time

import pytest

from support import profile
from support.ports import free_port_on_all, loopback_addresses
from support.server import target_is_redis

# Runs under SHOAL_TEST_PROFILE=tls-auth too (every client from support/profile.py).
PROFILE_AWARE = True

NODE_TIMEOUT = 2000


def cli(*args, timeout=120):
    return profile.run_cli(*args, timeout=timeout)


def create_cluster(nodes):
    r = cli("--cluster", "create", *[f"{n.host}:{n.port}" for n in nodes],
            "--cluster-replicas", "1", "--cluster-yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[OK] All 16384 slots covered." in r.stdout
    deadline = time.time() + 30
    while time.time() < deadline:
        infos = [profile.client(n.host, n.port).cluster("info") for n in nodes]
        if all(i["cluster_state"] == "ok" and int(i["cluster_known_nodes"]) == len(nodes)
               for i in infos):
            break
        time.sleep(0.2)
    else:
        raise AssertionError("cluster never became ok on every node")
    # Replicas must be known as replicas everywhere before shard routing is checked.
    deadline = time.time() + 20
    while time.time() < deadline:
        views = [topology(n) for n in nodes]
        if all(len(v[1]) == 3 for v in views) and all(v == views[0] for v in views):
            return
        time.sleep(0.2)
    raise AssertionError("nodes disagree about masters and replicas")


def topology(node):
    """({master addr: (lo, hi) ranges}, {replica addr: master addr}) as node sees it."""
    lines = profile.client(node.host, node.port, decode_responses=True).execute_command(
        "CLUSTER", "NODES").splitlines()
    by_id = {}
    for l in lines:
        f = l.split()
        by_id[f[0]] = (f[1].split("@")[0], f)
    masters, replicas = {}, {}
    for addr, f in by_id.values():
        if "master" in f[2] and len(f) > 8:
            masters[addr] = tuple(f[8:])
        elif "slave" in f[2] and f[3] in by_id:
            replicas[addr] = by_id[f[3]][0]
    return masters, replicas


_keyslot_clients = {}


def keyslot(node, name):
    # One client per node: callers ask up to thousands of times, and a TLS
    # handshake per call (tls-auth profile) would take minutes.
    c = _keyslot_clients.get((node.host, node.port))
    if c is None:
        c = _keyslot_clients[(node.host, node.port)] = profile.client(node.host, node.port)
    return c.execute_command("CLUSTER", "KEYSLOT", name)


def owner_addr(node, slot):
    for lo, hi, master, *_ in profile.client(node.host, node.port).execute_command(
            "CLUSTER", "SLOTS"):
        if lo <= slot <= hi:
            return f"{master[0].decode()}:{master[1]}"
    raise AssertionError(f"slot {slot} not served")


def by_addr(nodes):
    return {f"{n.host}:{n.port}": n for n in nodes}


def subscribe(node, *cmd):
    c = node.connect()
    c.send_command(*cmd)
    for _ in cmd[1:]:
        raw, val = c.read_reply()
        assert val[0] == cmd[0].lower().encode(), (node, raw)
    return c


def expect_message(conn, *fields, timeout=5):
    raw, val = conn.read_reply(timeout=timeout)
    assert [bytes(x) for x in val] == [f.encode() if isinstance(f, str) else f for f in fields], raw


def extra(host):
    """redis-server (harness self-check) needs its address announced explicitly."""
    return ["--cluster-announce-ip", host] if target_is_redis() else []


@pytest.fixture
def six_shoal(shoal_factory):
    hosts = loopback_addresses(6)
    port = free_port_on_all(hosts, with_bus=True)
    nodes = [shoal_factory(["--cluster-enabled", "yes", "--cluster-node-timeout",
                            str(NODE_TIMEOUT)] + extra(h), host=h, port=port, with_bus=True)
             for h in hosts]
    create_cluster(nodes)
    return nodes


def test_publish_reaches_subscribers_on_every_node(six_shoal):
    subs = [subscribe(n, "SUBSCRIBE", "news") for n in six_shoal]
    psubs = [subscribe(n, "PSUBSCRIBE", "ne*") for n in six_shoal]
    try:
        for origin in six_shoal:
            with origin.connect() as pub:
                t0 = time.monotonic()
                # The count is local receivers only (channel + pattern), as in Redis.
                assert pub.call("PUBLISH", "news", f"from {origin.host}") == 2
                for c in subs:
                    expect_message(c, "message", "news", f"from {origin.host}")
                for c in psubs:
                    expect_message(c, "pmessage", "ne*", "news", f"from {origin.host}")
                took = time.monotonic() - t0
            print(f"\nPUBLISH on {origin.host}: 12 subscribers on 6 nodes got it in "
                  f"{took * 1000:.1f} ms")
            assert took < 2
        for c in subs + psubs:
            assert c.expect_no_reply(0.2)
    finally:
        for c in subs + psubs:
            c.close()


def test_shard_channels_follow_slot_ownership(six_shoal):
    nodes = by_addr(six_shoal)
    n0 = six_shoal[0]
    masters, replicas = topology(n0)
    chan = "orders{42}"
    slot = keyslot(n0, chan)
    owner = nodes[owner_addr(n0, slot)]
    replica = next(nodes[r] for r, m in replicas.items() if m == f"{owner.host}:{owner.port}")
    other = next(n for a, n in nodes.items()
                 if a in masters and n is not owner)

    with other.connect() as c:
        raw, val = c.call_raw("SSUBSCRIBE", chan)
        assert raw == f"-MOVED {slot} {owner.host}:{owner.port}\r\n".encode()
        raw, _ = c.call_raw("SPUBLISH", chan, "x")
        assert raw == f"-MOVED {slot} {owner.host}:{owner.port}\r\n".encode()
        raw, _ = c.call_raw("SSUBSCRIBE", "a", "b")  # slots 15495 and 3300
        assert raw == b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
        # Plain channels are not routed.
        assert c.call("PUBLISH", chan, "x") == 0
        # SUNSUBSCRIBE with no channel needs no routing.
        assert c.call("SUNSUBSCRIBE") == [b"sunsubscribe", None, 0]

    on_owner = subscribe(owner, "SSUBSCRIBE", chan)
    on_replica = subscribe(replica, "SSUBSCRIBE", chan)  # replicas serve shard channels
    plain = subscribe(other, "SUBSCRIBE", chan)  # a plain subscriber elsewhere: no smessage
    try:
        with owner.connect() as p:
            assert p.call("SPUBLISH", chan, "m1") == 1
        expect_message(on_owner, "smessage", chan, "m1")
        expect_message(on_replica, "smessage", chan, "m1")
        with replica.connect() as p:
            assert p.call("SPUBLISH", chan, "m2") == 1
        expect_message(on_owner, "smessage", chan, "m2")
        expect_message(on_replica, "smessage", chan, "m2")
        assert plain.expect_no_reply(0.3)
        with owner.connect() as p:
            assert p.call("PUBSUB", "SHARDNUMSUB", chan) == [chan.encode(), 1]
            assert p.call("PUBSUB", "SHARDCHANNELS") == [chan.encode()]
    finally:
        for c in (on_owner, on_replica, plain):
            c.close()


def test_mixed_cluster_publish_crosses_both_ways(shoal_factory, redis_factory):
    hosts = loopback_addresses(6)
    port = free_port_on_all(hosts, with_bus=True)
    common = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT)]
    nodes = []
    for i, h in enumerate(hosts):
        if i % 2 == 0:
            nodes.append(shoal_factory(common + extra(h), host=h, port=port, with_bus=True))
        else:
            nodes.append(redis_factory(common + ["--cluster-announce-ip", h], host=h,
                                       port=port, with_bus=True))
    create_cluster(nodes)
    shoals = [n for i, n in enumerate(nodes) if i % 2 == 0]
    redises = [n for i, n in enumerate(nodes) if i % 2 == 1]
    subs = {n: subscribe(n, "SUBSCRIBE", "mix") for n in nodes}
    psubs = {n: subscribe(n, "PSUBSCRIBE", "m?x") for n in nodes}
    try:
        for origin in (redises[0], shoals[0], redises[2], shoals[1]):
            kind = "redis-server" if origin in redises else "shoal"
            msg = f"from {kind} {origin.host}"
            t0 = time.monotonic()
            with origin.connect() as pub:
                assert pub.call("PUBLISH", "mix", msg) == 2
            for n in nodes:
                expect_message(subs[n], "message", "mix", msg)
                expect_message(psubs[n], "pmessage", "m?x", "mix", msg)
            print(f"\nmixed cluster: PUBLISH on {kind} {origin.host} reached 3 shoal + 3 "
                  f"redis-server nodes in {(time.monotonic() - t0) * 1000:.1f} ms")
        # Shard channels: whoever owns the slot, an SPUBLISH through any member of
        # the shard reaches shard subscribers on the master and its replica.
        n0 = nodes[0]
        masters, replicas = topology(n0)
        addrs = by_addr(nodes)
        for master_addr in masters:
            replica_addr = next(r for r, m in replicas.items() if m == master_addr)
            m, r = addrs[master_addr], addrs[replica_addr]
            lo = int(masters[master_addr][0].split("-")[0])
            chan = next(f"s{i}" for i in range(100000) if keyslot(n0, f"s{i}") == lo)
            a = subscribe(m, "SSUBSCRIBE", chan)
            b = subscribe(r, "SSUBSCRIBE", chan)
            try:
                for via in (m, r):
                    with via.connect() as p:
                        assert p.call("SPUBLISH", chan, f"via {via.host}") == 1
                    expect_message(a, "smessage", chan, f"via {via.host}")
                    expect_message(b, "smessage", chan, f"via {via.host}")
            finally:
                a.close()
                b.close()
    finally:
        for c in list(subs.values()) + list(psubs.values()):
            c.close()
