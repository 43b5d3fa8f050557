# tests/integration/test_limits.py — memory limits hold against clients that
# push or never read: maxmemory under a pipeline of large writes (noeviction
# and an evicting policy), the normal and replica classes of
# client-output-buffer-limit (hard and soft), and maxclients. Each test runs
# the same scenario on redis-server 7.0 where the outcome is comparable.
#
# (The query buffer limit and proto-max-bulk-len are in test_bad_input.py; the
# pubsub output class is in test_diff_pubsub.py.)

import os
import socket
import time

import pytest

from support.resp import ConnectionClosed, Error, ReplyTimeout, encode_command

MB = 1024 * 1024


def _pipeline(conn, commands):
    """Sends every command in one write, then reads every reply."""
    conn.send(b"".join(encode_command(*c) for c in commands))
    return [conn.read_reply()[1] for _ in commands]


def _used_memory(server):
    return int(server.info_field("memory", "used_memory"))


@pytest.fixture(params=["shoal", "redis"])
def node(request, shoal_factory, redis_factory):
    make = shoal_factory if request.param == "shoal" else redis_factory
    return make()


def test_noeviction_refuses_writes_past_maxmemory_in_a_pipeline(node):
    """1000 x 64 KiB SETs in one pipeline against maxmemory 8mb: writes are
    refused with Redis's -OOM once the limit is reached, used_memory stays
    near the limit, and reads and deletes still work."""
    with node.connect() as c:
        base = _used_memory(node)
        limit = base + 8 * MB
        c.call("CONFIG", "SET", "maxmemory", str(limit))
        c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
        value = b"v" * 65536
        replies = []
        for chunk in range(10):
            replies += _pipeline(c, [("SET", f"k{chunk}:{i}", value) for i in range(100)])
        ok = sum(1 for r in replies if r == b"OK")
        oom = [r for r in replies if isinstance(r, Error)]
        assert ok > 0 and oom, (ok, len(oom))
        assert set(bytes(e) for e in oom) == {
            b"OOM command not allowed when used memory > 'maxmemory'."}
        # One write may overshoot (the check runs before each command).
        assert _used_memory(node) <= limit + 2 * 65536 + MB
        assert c.call("GET", "k0:0") == value
        assert c.call("DEL", "k0:0") == 1
        assert c.call("SET", "small", "x") == b"OK"
        c.call("CONFIG", "SET", "maxmemory", "0")


def test_allkeys_lru_keeps_memory_bounded_and_evicts_old_keys_first(node):
    """allkeys-lru under a pipeline of large writes: every write succeeds,
    used_memory stays near maxmemory, and the keys written 2 s earlier are
    evicted before the fresh ones (LRU clocks tick once a second)."""
    with node.connect() as c:
        base = _used_memory(node)
        limit = base + 8 * MB
        c.call("CONFIG", "SET", "maxmemory", str(limit))
        c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        c.call("CONFIG", "SET", "maxmemory-samples", "10")
        value = b"v" * 16384
        replies = _pipeline(c, [("SET", f"old:{i}", value) for i in range(200)])
        assert all(r == b"OK" for r in replies)
        time.sleep(2.2)
        peak = 0
        for chunk in range(4):
            replies = _pipeline(c, [("SET", f"new:{chunk}:{i}", value) for i in range(100)])
            assert all(r == b"OK" for r in replies), [r for r in replies if r != b"OK"][:3]
            peak = max(peak, _used_memory(node))
        assert peak <= limit + 2 * MB
        assert int(node.info_field("stats", "evicted_keys")) > 0
        alive_old = sum(c.call("EXISTS", f"old:{i}") for i in range(200))
        alive_new = int(c.call("DBSIZE")) - alive_old
        assert alive_old / 200 < alive_new / 400, (alive_old, alive_new)
        c.call("CONFIG", "SET", "maxmemory", "0")


def test_normal_output_limit_closes_a_client_that_never_reads(node):
    """A client pipelining GETs of a 256 KiB value without reading is closed
    at the normal class's hard limit; the server's memory does not follow the
    unread replies, and other clients are served."""
    with node.connect() as c:
        c.call("SET", "big", b"x" * 262144)
        c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 2mb 0 0")
    slow = node.connect()
    try:
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        rss_before = node.rss_bytes()
        request = encode_command("GET", "big") * 100  # 25 MiB of replies
        closed = False
        try:
            for _ in range(8):
                slow.send(request)
                time.sleep(0.05)
        except OSError:
            closed = True
        with node.connect() as c:
            deadline = time.time() + 5
            while time.time() < deadline:
                names = c.call("CLIENT", "LIST")
                if names.count(b"\n") <= 1:  # only this connection is left
                    closed = True
                    break
                time.sleep(0.05)
            assert closed
            assert c.call("PING") == b"PONG"
        # 200 MiB were requested; the node must not have buffered them.
        assert node.rss_bytes() - rss_before < 64 * MB
    finally:
        slow.close()
        with node.connect() as c:
            c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")


def test_normal_soft_output_limit_needs_its_seconds(node):
    """Over the soft limit but under the hard one: the client survives a
    moment and is closed once the soft limit has held for its seconds."""
    with node.connect() as c:
        c.call("SET", "big", b"x" * 262144)
        c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 1mb 1")
    slow = node.connect()
    try:
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.send(encode_command("GET", "big") * 40)  # ~10 MiB pending
        time.sleep(0.3)
        # Still connected shortly after; a write kicks the check.
        with node.connect() as c:
            assert c.call("CLIENT", "LIST").count(b"\n") == 2
        deadline = time.time() + 6
        gone = False
        while time.time() < deadline and not gone:
            try:
                slow.send(encode_command("PING"))
            except OSError:
                gone = True
                break
            with node.connect() as c:
                gone = c.call("CLIENT", "LIST").count(b"\n") <= 1
            time.sleep(0.2)
        assert gone
    finally:
        slow.close()
        with node.connect() as c:
            c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")


def _fake_replica(server):
    """A replica that completes the handshake and reads the RDB, then stops
    reading: returns the connection."""
    conn = server.connect(timeout=10)
    assert conn.call("REPLCONF", "listening-port", "1") == b"OK"
    conn.send(encode_command("PSYNC", "?", "-1"))
    # +FULLRESYNC <id> <offset>\r\n then $<len>\r\n<rdb> (no trailing CRLF)
    buf = b""
    while buf.count(b"\r\n") < 2:
        chunk = conn.sock.recv(65536)
        assert chunk, "master closed during the handshake"
        buf += chunk
    first, rest = buf.split(b"\r\n", 1)
    assert first.startswith(b"+FULLRESYNC"), first
    while rest.startswith(b"\n") or rest.startswith(b"\r\n"):
        rest = rest.lstrip(b"\r\n")
    length_line, payload = rest.split(b"\r\n", 1)
    need = int(length_line[1:]) - len(payload)
    while need > 0:
        chunk = conn.sock.recv(min(need, 1 << 20))
        assert chunk, "master closed during the RDB"
        need -= len(chunk)
    return conn


def _connected_replicas(server):
    return int(server.info_field("replication", "connected_slaves"))


def test_replica_output_limit_drops_a_stalled_replica_but_not_for_the_rdb(node):
    node.call("CONFIG", "SET", "repl-diskless-sync", "no")  # sized "$len" RDB, read below
    """client-output-buffer-limit replica: an RDB larger than the hard limit
    is sent in full (it does not count), then a replica that stops reading
    is dropped once the write stream it has not read passes the limit."""
    with node.connect() as c:
        c.call("CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 0 0")
        for i in range(40):  # ~2.5 MiB dataset (incompressible): more than the limit
            c.call("SET", f"seed:{i}", os.urandom(65536))
    replica = _fake_replica(node)
    try:
        deadline = time.time() + 5
        while time.time() < deadline and _connected_replicas(node) != 1:
            time.sleep(0.05)
        assert _connected_replicas(node) == 1
        with node.connect() as c:
            for i in range(400):  # 25 MiB of stream the replica never reads
                c.call("SET", f"w:{i}", b"w" * 65536)
            deadline = time.time() + 5
            while time.time() < deadline and _connected_replicas(node) != 0:
                c.call("PING")
                time.sleep(0.05)
            assert _connected_replicas(node) == 0
            assert c.call("GET", "w:399") == b"w" * 65536
    finally:
        replica.close()
        with node.connect() as c:
            c.call("CONFIG", "SET", "client-output-buffer-limit", "replica 256mb 64mb 60")


def test_maxclients_refuses_the_next_connection(node):
    with node.connect() as c:
        c.call("CONFIG", "SET", "maxclients", "5")
        extra = [node.connect() for _ in range(4)]  # 5 with c
        try:
            over = node.connect()
            try:
                reply = over.read_reply()[1]
            except (ConnectionClosed, ReplyTimeout) as e:
                reply = e
            assert reply == Error(b"ERR max number of clients reached"), reply
            over.close()
            assert c.call("PING") == b"PONG"
        finally:
            for e in extra:
                e.close()
        time.sleep(0.2)
        c.call("CONFIG", "SET", "maxclients", "10000")
