# tests/integration/test_info_counts.py — INFO counters that follow live
# client state, compared with redis-server 7.0 in the same scenario.

import time

import pytest


@pytest.mark.parametrize("kind", ["shoal", "redis"])
def test_blocked_clients_counts_clients_in_blocking_commands(kind, shoal_factory, redis_factory):
    server = (shoal_factory if kind == "shoal" else redis_factory)()
    waiters = [server.connect() for _ in range(3)]
    try:
        assert server.info_field("clients", "blocked_clients") == "0"
        for i, w in enumerate(waiters):
            w.send_command("BLPOP", f"q{i}", "0")
        deadline = time.time() + 5
        while time.time() < deadline and server.info_field("clients", "blocked_clients") != "3":
            time.sleep(0.02)
        assert server.info_field("clients", "blocked_clients") == "3"
        with server.connect() as c:
            c.call("RPUSH", "q0", "x")
        assert waiters[0].read_reply()[1] == [b"q0", b"x"]
        assert server.info_field("clients", "blocked_clients") == "2"
    finally:
        for w in waiters:
            w.close()
    deadline = time.time() + 5
    while time.time() < deadline and server.info_field("clients", "blocked_clients") != "0":
        time.sleep(0.02)
    assert server.info_field("clients", "blocked_clients") == "0"


def test_info_memory_fields_follow_redis_order(shoal_factory, redis_factory):
    """Every INFO memory field Redis 7.0 prints that shoal prints too comes in
    the same order, and the core ones are all there."""
    names = []
    for server in (shoal_factory(), redis_factory()):
        text = bytes(server.call("INFO", "memory")).decode()
        names.append([ln.split(":", 1)[0] for ln in text.splitlines() if ":" in ln])
    shoal_names, redis_names = names
    for core in ("used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak",
                 "used_memory_lua", "maxmemory", "maxmemory_policy", "mem_fragmentation_ratio"):
        assert core in shoal_names, core
    common = [n for n in redis_names if n in shoal_names]
    assert [n for n in shoal_names if n in common] == common
