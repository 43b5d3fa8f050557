# tests/integration/test_blocked_redirect.py — in cluster mode a client
# blocked on a key is redirected when the key's slot moves to another node
# (Redis 7.0's clusterRedirectBlockedClientIfNeeded): BLPOP answers -MOVED at
# once instead of waiting on a node that no longer serves the key. The same
# two-node scenario runs on shoal and on redis-server.

import time

import pytest

from support import ports

# Runs under SHOAL_TEST_PROFILE=tls-auth too (Server.call follows the profile).
PROFILE_AWARE = True

KEY, SLOT = "k", 7629  # CLUSTER KEYSLOT k


def _cluster_pair(factory):
    port_a = ports.free_port(with_bus=True)
    port_b = ports.free_port(with_bus=True)
    args = ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"]
    a = factory(args, port=port_a)
    b = factory(args, port=port_b)
    a.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    a.call("CLUSTER", "MEET", "127.0.0.1", str(port_b))
    deadline = time.time() + 10
    while time.time() < deadline:
        if all(s.call("CLUSTER", "INFO").count(b"cluster_known_nodes:2") for s in (a, b)) and \
                b.call("CLUSTER", "INFO").count(b"cluster_state:ok"):
            break
        time.sleep(0.1)
    return a, b


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_blocked_client_gets_moved_when_its_slot_moves(kind, shoal_factory, redis_factory):
    a, b = _cluster_pair(shoal_factory if kind == "shoal" else redis_factory)
    assert a.call("CLUSTER", "KEYSLOT", KEY) == SLOT
    b_id = b.call("CLUSTER", "MYID").decode()
    waiter = a.connect(timeout=10)
    try:
        waiter.send_command("BLPOP", KEY, "0")
        time.sleep(0.2)
        a.call("CLUSTER", "SETSLOT", str(SLOT), "NODE", b_id)
        b.call("CLUSTER", "SETSLOT", str(SLOT), "NODE", b_id)
        t0 = time.time()
        raw, _ = waiter.read_reply(timeout=5)
        assert raw == f"-MOVED {SLOT} 127.0.0.1:{b.port}\r\n".encode(), raw
        assert time.time() - t0 < 2
    finally:
        waiter.close()


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_shard_subscribers_are_unsubscribed_when_the_slot_moves(kind, shoal_factory,
                                                                redis_factory):
    """Redis 7.0 drops the shard channels of a slot this node stops serving:
    each subscriber gets an sunsubscribe message for every channel of it."""
    a, b = _cluster_pair(shoal_factory if kind == "shoal" else redis_factory)
    chan = "ch{k}"  # slot of "k"
    other = "ch{a}"  # another slot, stays
    b_id = b.call("CLUSTER", "MYID").decode()
    sub = a.connect(timeout=10)
    try:
        got = []
        for c in (chan, other):  # one slot per SSUBSCRIBE
            sub.send_command("SSUBSCRIBE", c)
            got.append(sub.read_reply(timeout=5)[0])
        assert all(g.startswith(b"*3\r\n$10\r\nssubscribe\r\n") for g in got), got
        a.call("CLUSTER", "SETSLOT", str(SLOT), "NODE", b_id)
        raw, _ = sub.read_reply(timeout=5)
        assert raw == (f"*3\r\n$12\r\nsunsubscribe\r\n${len(chan)}\r\n{chan}\r\n:1\r\n").encode(), raw
        assert a.call("PUBSUB", "SHARDNUMSUB", chan, other) == [chan.encode(), 0, other.encode(), 1]
    finally:
        sub.close()
