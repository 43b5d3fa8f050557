# Cluster mode with Redis's own tooling: six shoal nodes on 127.0.0.11..16,
# each on the same ports as containers on a bridge network would be.
# redis-cli --cluster create / check, redis-benchmark --cluster, redis-py's
# RedisCluster, failure detection timing, restart with the same data dir.

import subprocess
import time

import pytest

from support import profile
from support.ports import free_port_on_all, loopback_addresses

# Runs under SHOAL_TEST_PROFILE=tls-auth too (every client from support/profile.py).
PROFILE_AWARE = True

NODE_TIMEOUT = 2000


def cli(*args, timeout=60):
    return profile.run_cli(*args, timeout=timeout)


@pytest.fixture
def six_nodes(shoal_factory):
    hosts = loopback_addresses(6)
    port = free_port_on_all(hosts, with_bus=True)
    nodes = [shoal_factory(["--cluster-enabled", "yes", "--cluster-node-timeout",
                            str(NODE_TIMEOUT)], host=h, port=port, with_bus=True)
             for h in hosts]
    return nodes


def create_cluster(nodes):
    r = cli("--cluster", "create", *[f"{n.host}:{n.port}" for n in nodes],
            "--cluster-replicas", "1", "--cluster-yes", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[OK] All 16384 slots covered." in r.stdout
    wait_all_ok(nodes)


def wait_all_ok(nodes, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        states = [profile.client(n.host, n.port).cluster("info")["cluster_state"]
                  for n in nodes]
        if all(s == "ok" for s in states):
            return
        time.sleep(0.2)
    raise AssertionError(f"cluster_state not ok on every node: {states}")


def nodes_lines(n):
    return profile.client(n.host, n.port, decode_responses=True).execute_command(
        "CLUSTER", "NODES").splitlines()


def test_redis_cli_creates_and_checks_a_shoal_cluster(six_nodes):
    create_cluster(six_nodes)
    r = cli("--cluster", "check", f"{six_nodes[0].host}:{six_nodes[0].port}")
    assert r.returncode == 0, r.stdout
    assert "[OK] All nodes agree about slots configuration." in r.stdout
    assert "[OK] All 16384 slots covered." in r.stdout
    # Every node shows 3 masters and 3 replicas, each replica under a master
    # (roles spread by gossip, so allow the views a few seconds to converge).
    def converged():
        for n in six_nodes:
            lines = nodes_lines(n)
            masters = {l.split()[0] for l in lines if "master" in l.split()[2]}
            replicas = [l.split() for l in lines if "slave" in l.split()[2]]
            if not (len(lines) == 6 and len(masters) == 3 and len(replicas) == 3 and
                    all(rep[3] in masters for rep in replicas)):
                return False
        return True
    deadline = time.time() + 15
    while not converged() and time.time() < deadline:
        time.sleep(0.2)
    assert converged(), [nodes_lines(n) for n in six_nodes]


def test_clients_are_redirected_and_cluster_clients_work(six_nodes):
    create_cluster(six_nodes)
    n0 = six_nodes[0]
    # A plain client gets Redis's exact redirection errors.
    c = n0.connect()
    slot = int(cli("-h", n0.host, "-p", n0.port, "CLUSTER", "KEYSLOT", "foo").stdout)
    assert slot == 12182
    raw, _ = c.call_raw("GET", "foo")
    owner = [l.split() for l in nodes_lines(n0) if "master" in l.split()[2]
             and any(s for s in l.split()[8:] if "-" in s and
                     int(s.split("-")[0]) <= slot <= int(s.split("-")[1]))][0]
    if owner[1].split("@")[0] != f"{n0.host}:{n0.port}":
        assert raw == f"-MOVED 12182 {owner[1].split('@')[0]}\r\n".encode()
    raw, _ = c.call_raw("MGET", "foo", "bar")
    assert raw == b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    # redis-cli -c follows redirections.
    assert cli("-c", "-h", n0.host, "-p", n0.port, "SET", "foo", "bar").stdout.strip() == "OK"
    assert cli("-c", "-h", n0.host, "-p", n0.port, "GET", "foo").stdout.strip() == "bar"
    # redis-py's RedisCluster reads the topology and routes by slot.
    rc = profile.cluster_client(n0.host, n0.port)
    for i in range(2000):
        rc.set(f"key:{i}", i)
    assert all(int(rc.get(f"key:{i}")) == i for i in range(2000))
    # redis-benchmark in cluster mode finishes without errors.
    b = subprocess.run(profile.benchmark("--cluster", "-h", n0.host, "-p", n0.port,
                                          "-t", "set,get", "-n", "20000", "-q"),
                       capture_output=True, text=True, timeout=120)
    assert b.returncode == 0
    assert "requests per second" in b.stdout and "ERR" not in b.stdout + b.stderr


def test_killed_master_is_marked_fail_and_time_is_reported(six_nodes, record_property):
    create_cluster(six_nodes)
    victim = six_nodes[2]
    vid = profile.client(victim.host, victim.port).execute_command("CLUSTER", "MYID")
    vid = vid.decode()
    others = [n for n in six_nodes if n is not victim]
    victim.kill()
    t0 = time.time()
    pfail_at = {}
    fail_at = {}
    while time.time() - t0 < 10 and len(fail_at) < len(others):
        for n in others:
            for l in nodes_lines(n):
                f = l.split()
                if f[0] != vid:
                    continue
                if "fail?" in f[2] and n.host not in pfail_at:
                    pfail_at[n.host] = time.time() - t0
                if "fail" in f[2].split(",") and n.host not in fail_at:
                    fail_at[n.host] = time.time() - t0
        time.sleep(0.05)
    assert len(fail_at) == len(others), f"not every node marked the victim FAIL: {fail_at}"
    worst = max(fail_at.values())
    record_property("fail_detection_seconds", round(worst, 3))
    print(f"\nFAIL seen by every node after {worst:.2f}s "
          f"({worst * 1000 / NODE_TIMEOUT:.2f}x node timeout {NODE_TIMEOUT} ms)")
    assert worst < 4 * NODE_TIMEOUT / 1000


def test_restarted_node_keeps_its_id_slots_and_place(six_nodes):
    create_cluster(six_nodes)
    n = six_nodes[0]
    before = profile.client(n.host, n.port).execute_command("CLUSTER", "MYID")
    my_line = [l for l in nodes_lines(n) if "myself" in l][0].split()
    # Killed, not SIGTERM: a SIGTERM'd master hands its slots to its replica
    # once that replica is attached (test_shutdown_handoff.py), which made
    # this test race the replica's first sync. nodes.conf alone must bring
    # the node back as it was (well within the node timeout, so no failover).
    n.restart(crash=True)
    after = profile.client(n.host, n.port).execute_command("CLUSTER", "MYID")
    assert before == after
    line = [l for l in nodes_lines(n) if "myself" in l][0].split()
    assert line[8:] == my_line[8:]  # same slots
    wait_all_ok(six_nodes)
