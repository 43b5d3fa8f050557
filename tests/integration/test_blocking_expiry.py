# tests/integration/test_blocking_expiry.py — a key that goes away by expiry
# wakes the clients blocked on it, as Redis 7.0's signalDeletedKeyAsReady does:
# XREADGROUP answers -UNBLOCKED. Same scenario on shoal and redis-server.

import time

import pytest


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_expired_stream_unblocks_xreadgroup(kind, shoal_factory, redis_factory):
    server = (shoal_factory if kind == "shoal" else redis_factory)()
    with server.connect() as c:
        c.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        c.call("PEXPIRE", "s", "300")
        waiter = server.connect(timeout=10)
        try:
            waiter.send_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
            t0 = time.time()
            raw, _ = waiter.read_reply(timeout=5)
            assert raw == b"-UNBLOCKED the stream key no longer exists\r\n", raw
            assert time.time() - t0 < 3
        finally:
            waiter.close()
