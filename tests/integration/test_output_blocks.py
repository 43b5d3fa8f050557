# The reply path (issue 2): replies are batched per read into 16 KB blocks
# and written with one gather write. These tests drive outputs that span
# many blocks (a long pipeline, big values, a reader that stalls) and require
# the bytes to equal redis-server's for the same input, so a block sealed in
# the wrong place, dropped or written twice shows up as a byte difference.

import random
import socket
import time

import redis

from support.resp import encode_command as _cmd
from support.server import NO_PERSISTENCE


def _send_all_read(host, port, payload, expect_len, chunk=65536, stall_s=0.0):
    """Sends payload, optionally waits stall_s before reading, then reads
    until expect_len bytes arrived (or the peer closed)."""
    s = socket.create_connection((host, port), timeout=20)
    try:
        s.sendall(payload)
        if stall_s:
            time.sleep(stall_s)
        got = bytearray()
        while len(got) < expect_len:
            b = s.recv(chunk)
            if not b:
                break
            got += b
        return bytes(got)
    finally:
        s.close()


def _load(server, values):
    r = redis.Redis(host=server.host, port=server.port)
    r.flushall()
    for k, v in values.items():
        r.set(k, v)
    r.close()


def _reference(redis_server, payload):
    """redis-server's reply bytes for payload (read until it stops sending)."""
    s = socket.create_connection((redis_server.host, redis_server.port), timeout=20)
    try:
        s.sendall(payload + _cmd("PING", "end-of-pipeline-marker"))
        got = bytearray()
        marker = b"$22\r\nend-of-pipeline-marker\r\n"
        while not got.endswith(marker):
            b = s.recv(65536)
            assert b, "redis-server closed the connection"
            got += b
        return bytes(got[: -len(marker)])
    finally:
        s.close()


def test_long_pipeline_of_mixed_sizes_matches_redis_byte_for_byte(shoal_factory, redis_factory):
    rng = random.Random(20261122)
    values = {}
    for i in range(300):
        size = rng.choice([0, 1, 10, 100, 1000, 5000, 16 * 1024 - 3, 16 * 1024, 40000])
        values[f"k{i}"] = bytes(rng.randrange(256) for _ in range(min(size, 64))) * (size // 64) + \
            b"x" * (size % 64)
    shoal = shoal_factory(NO_PERSISTENCE)
    oracle = redis_factory(NO_PERSISTENCE)
    _load(shoal, values)
    _load(oracle, values)
    cmds = []
    for _ in range(3000):
        kind = rng.random()
        k = f"k{rng.randrange(320)}"  # some keys do not exist
        if kind < 0.6:
            cmds.append(_cmd("GET", k))
        elif kind < 0.8:
            cmds.append(_cmd("MGET", k, f"k{rng.randrange(300)}", f"k{rng.randrange(300)}"))
        elif kind < 0.9:
            cmds.append(_cmd("STRLEN", k))
        else:
            cmds.append(_cmd("PING"))
    payload = b"".join(cmds)
    want = _reference(oracle, payload)
    assert len(want) > 4 * 1024 * 1024  # hundreds of blocks
    got = _send_all_read(shoal.host, shoal.port, payload, len(want))
    assert len(got) == len(want)
    assert got == want


def test_a_stalled_reader_gets_every_byte_in_order(shoal_factory, redis_factory):
    """A client that stops reading while its replies pile up: the output is a
    chain of blocks (CLIENT LIST shows them) and arrives whole when it reads."""
    shoal = shoal_factory(NO_PERSISTENCE)
    oracle = redis_factory(NO_PERSISTENCE)
    values = {f"big{i}": (b"%06d" % i) * 10000 for i in range(40)}  # 60 KB each
    _load(shoal, values)
    _load(oracle, values)
    payload = b"".join(_cmd("GET", f"big{i % 40}") for i in range(400))  # ~24 MB
    want = _reference(oracle, payload)

    # Kernel buffers on loopback hold a few MB; the rest waits in the node.
    s = socket.create_connection((shoal.host, shoal.port), timeout=20)
    try:
        s.sendall(payload)
        admin = redis.Redis(host=shoal.host, port=shoal.port, decode_responses=True)
        # Wait until the node has run the whole pipeline and is holding the
        # rest of the replies for us.
        mine = None
        deadline = time.time() + 20
        while time.time() < deadline:
            clients = [c for c in admin.client_list() if c["name"] == "" and
                       int(c["id"]) != admin.client_id()]
            mine = clients[0] if clients else None
            if mine and int(mine["omem"]) > 1024 * 1024 and mine["cmd"] == "get":
                break
            time.sleep(0.05)
        assert mine is not None
        assert int(mine["oll"]) > 1, mine
        assert int(mine["omem"]) > 1024 * 1024, mine
        got = bytearray()
        while len(got) < len(want):
            b = s.recv(1 << 20)
            if not b:
                break
            got += b
        assert bytes(got) == want
        # Drained: no block left behind.
        deadline = time.time() + 5
        while time.time() < deadline:
            c = [c for c in admin.client_list() if c["id"] == mine["id"]][0]
            if int(c["oll"]) == 0 and int(c["omem"]) == 0:
                break
            time.sleep(0.05)
        assert int(c["oll"]) == 0 and int(c["omem"]) == 0, c
        admin.close()
    finally:
        s.close()


def test_output_limit_still_counts_every_block(shoal_factory):
    """The hard normal-class limit is checked against all pending blocks, not
    just the open one: a reader that never reads is dropped."""
    shoal = shoal_factory(NO_PERSISTENCE + ["--client-output-buffer-limit", "normal 2mb 0 0"])
    r = redis.Redis(host=shoal.host, port=shoal.port)
    r.set("v", b"z" * 50000)
    s = socket.create_connection((shoal.host, shoal.port), timeout=20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.sendall(b"".join(_cmd("GET", "v") for _ in range(400)))  # 20 MB of replies
        deadline = time.time() + 20
        gone = False
        while time.time() < deadline and not gone:
            names = [c for c in r.client_list() if int(c["id"]) != r.client_id()]
            gone = not names
            time.sleep(0.05)
        assert gone, names
        assert r.ping()
    finally:
        s.close()
        r.close()
