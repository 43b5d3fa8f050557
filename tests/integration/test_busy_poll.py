# The engine loop's poll-before-sleep (node/server/busy_poll.h): under
# back-to-back traffic the node polls up to shoal-busy-poll-us before it
# sleeps, so clients do not pay to wake it; an idle or lightly loaded node
# must still sleep as redis-server does. These tests hold the second half
# (CPU time from /proc/PID/stat), and the setting's range and runtime change.

import os
import time

import pytest
import redis

from support.server import NO_PERSISTENCE

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _cpu_share(pid, seconds, work=None):
    c0, t0 = _cpu_seconds(pid), time.monotonic()
    while time.monotonic() - t0 < seconds:
        if work:
            work()
        else:
            time.sleep(0.05)
    return (_cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def test_idle_node_sleeps(shoal_factory):
    n = shoal_factory(NO_PERSISTENCE)
    r = redis.Redis(host=n.host, port=n.port, decode_responses=True)
    assert r.config_get("shoal-busy-poll-us") == {"shoal-busy-poll-us": "50"}
    for _ in range(2000):  # a burst first: the window grows to its cap
        r.ping()
    assert _cpu_share(n.pid, 2.0) < 0.05


def test_paced_traffic_does_not_keep_it_polling(shoal_factory):
    """Requests 2 ms apart: every sleep outlasts the 50 us cap, so the
    window shrinks to 0 and the node sleeps between requests."""
    n = shoal_factory(NO_PERSISTENCE)
    r = redis.Redis(host=n.host, port=n.port, decode_responses=True)

    def one():
        r.set("k", "v")
        time.sleep(0.002)

    assert _cpu_share(n.pid, 2.0, one) < 0.15


@pytest.mark.parametrize("window", ["0", "50", "1000"])
def test_back_to_back_traffic_is_served_at_any_setting(shoal_factory, window):
    n = shoal_factory(NO_PERSISTENCE + ["--shoal-busy-poll-us", window])
    r = redis.Redis(host=n.host, port=n.port, decode_responses=True)
    p = r.pipeline(transaction=False)
    for i in range(3000):
        r.incr("c")
        if i % 100 == 0:
            p.get("c")
    p.execute()
    assert r.get("c") == "3000"
    assert r.config_get("shoal-busy-poll-us") == {"shoal-busy-poll-us": window}


def test_setting_range_and_runtime_change(shoal_factory):
    n = shoal_factory(NO_PERSISTENCE)
    r = redis.Redis(host=n.host, port=n.port, decode_responses=True)
    assert r.config_set("shoal-busy-poll-us", "0")
    assert r.config_get("shoal-busy-poll-us") == {"shoal-busy-poll-us": "0"}
    for _ in range(500):
        r.ping()  # served with polling off
    for bad in ("-1", "1001", "fast"):
        with pytest.raises(redis.ResponseError, match="shoal-busy-poll-us"):
            r.config_set("shoal-busy-poll-us", bad)
    assert r.config_set("shoal-busy-poll-us", "200")
    assert r.config_get("shoal-busy-poll-us") == {"shoal-busy-poll-us": "200"}
    assert r.ping()
