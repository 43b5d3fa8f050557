# Memory goes back to the OS after data is deleted (base::HeapTrimPolicy):
# glibc keeps pages freed in the middle of its heap, so without a trim a
# node that loaded 1M keys and ran FLUSHALL stays at its peak RSS, which is
# what a container's memory limit counts. redis-server (jemalloc) gives the
# pages back within seconds; shoal must too.

import socket
import time

import pytest

from support.server import NO_PERSISTENCE

KEYS = 1_000_000


def _rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _load(host, port, n):
    cmds = bytearray()
    for i in range(n):
        k = b"key:%d" % i
        cmds += b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%016d\r\n" % (len(k), k, i)
    s = socket.create_connection((host, port))
    s.sendall(bytes(cmds) + b"*1\r\n$6\r\nDBSIZE\r\n")
    want = b":%d\r\n" % n
    buf = b""
    while not buf.endswith(want):
        chunk = s.recv(1 << 20)
        assert chunk, "connection closed while loading"
        buf = buf[-64:] + chunk
    s.close()


def _call(host, port, *args):
    s = socket.create_connection((host, port))
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    reply = s.recv(65536)
    s.close()
    return reply


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_rss_returns_after_flushall(shoal_factory, redis_factory, kind):
    n = (shoal_factory if kind == "shoal" else redis_factory)(NO_PERSISTENCE)
    base = _rss(n.pid)
    _load(n.host, n.port, KEYS)
    peak = _rss(n.pid)
    assert peak > base + 60 * 2**20, (base, peak)  # the keys are really resident
    assert _call(n.host, n.port, b"FLUSHALL") == b"+OK\r\n"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _rss(n.pid) > base + 32 * 2**20:
        time.sleep(0.25)
    assert _rss(n.pid) <= base + 32 * 2**20, (kind, base, peak, _rss(n.pid))
