# Graceful shutdown (issue 6): SIGTERM to a master under a write load. Its
# replica takes over before the process exits (coordinated CLUSTER FAILOVER:
# writes pause until the replica has them all), no acknowledged write is
# lost, the write outage is measured, and the process exits within
# shoal-shutdown-timeout.

import threading
import time

import redis

from support import profile
from support.ports import free_port_on_all, loopback_addresses

# Runs under SHOAL_TEST_PROFILE=tls-auth too: the handoff's client then speaks
# TLS with the password; every test client comes from support/profile.py.
PROFILE_AWARE = True


def start_cluster(shoal_factory, extra=()):
    hosts = loopback_addresses(6)
    port = free_port_on_all(hosts, with_bus=True)
    peers = ",".join(f"{h}:{port}" for h in hosts)
    nodes = [shoal_factory(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
                            "--shoal-discovery", f"static:{peers}", *extra],
                           host=h, port=port, with_bus=True) for h in hosts]
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            ok = all(profile.client(n.host, n.port).cluster("info")["cluster_state"] == "ok"
                     for n in nodes)
            roles = [l.split()[2] for l in profile.client(hosts[0], port, decode_responses=True)
                     .execute_command("CLUSTER", "NODES").splitlines()]
            if ok and sum("slave" in r for r in roles) == 3:
                return nodes
        except redis.RedisError:
            pass
        time.sleep(0.2)
    raise AssertionError("cluster did not form")


class Writer(threading.Thread):
    """Writes {t}<i> keys (one slot) in a loop, following MOVED; records every
    acknowledged write and the longest gap between two acknowledgements."""

    def __init__(self, host, port):
        super().__init__(daemon=True)
        self.target = (host, port)
        self.acked = []
        self.errors = []
        self.max_gap = 0.0
        self.stop = False

    def run(self):
        i = 0
        conn = profile.client(self.target[0], self.target[1], socket_timeout=2)
        last = time.time()
        while not self.stop:
            k = f"{{t}}{i}"
            try:
                conn.set(k, i)
                now = time.time()
                self.max_gap = max(self.max_gap, now - last)
                last = now
                self.acked.append(k)
                i += 1
            except redis.exceptions.ResponseError as e:
                if str(e).startswith("MOVED"):
                    h, p = str(e).split()[2].rsplit(":", 1)
                    self.target = (h, int(p))
                    conn = profile.client(h, int(p), socket_timeout=2)
                else:
                    self.errors.append(str(e))
            except redis.exceptions.ConnectionError as e:
                self.errors.append(repr(e))
                conn = profile.client(self.target[0], self.target[1], socket_timeout=2)
                time.sleep(0.01)


def test_sigterm_hands_slots_to_the_replica_without_losing_writes(shoal_factory,
                                                                   record_property):
    nodes = start_cluster(shoal_factory)
    any_node = nodes[0]
    slot = profile.client(any_node.host, any_node.port).cluster("keyslot", "{t}")
    owner = profile.client(any_node.host, any_node.port).cluster("nodes")
    master_addr = [a for a, v in owner.items() if "master" in v["flags"] and
                   any(int(s[0]) <= slot <= int(s[-1]) for s in v["slots"])][0]
    master = [n for n in nodes if f"{n.host}:{n.port}" == master_addr][0]
    w = Writer(master.host, master.port)
    w.start()
    time.sleep(1.5)
    t0 = time.time()
    code = master.stop(timeout=15)
    exit_seconds = time.time() - t0
    time.sleep(1.0)
    w.stop = True
    w.join(5)
    assert code == 0, f"exit code {code}"
    assert exit_seconds < 8, f"exit took {exit_seconds:.2f}s (shoal-shutdown-timeout 8)"
    survivor = [n for n in nodes if n is not master][0]
    rc = profile.cluster_client(survivor.host, survivor.port)
    lost = [k for k in w.acked if rc.get(k) is None]
    record_property("handoff_write_outage_seconds", round(w.max_gap, 3))
    print(f"\nSIGTERM handoff: {len(w.acked)} acknowledged writes, {len(lost)} lost, "
          f"longest write gap {w.max_gap:.3f}s, process exited after {exit_seconds:.2f}s, "
          f"client errors {len(w.errors)}")
    assert not lost, f"{len(lost)} acknowledged writes lost: {lost[:5]}"
    assert w.acked, "no writes were acknowledged"
    # The new owner of the slot is the old master's replica.
    assert rc.get(w.acked[-1]) is not None


def test_stopping_the_whole_cluster_at_once_exits_cleanly_within_the_timeout(shoal_factory):
    import os
    import signal
    nodes = start_cluster(shoal_factory)
    t0 = time.time()
    for n in nodes:
        os.kill(n.pid, signal.SIGTERM)
    codes = [n.proc.wait(15) for n in nodes]
    took = time.time() - t0
    print(f"\nwhole-cluster SIGTERM: exit codes {codes}, all gone after {took:.2f}s")
    assert codes == [0] * 6, codes
    assert took < 8, f"took {took:.2f}s (shoal-shutdown-timeout 8)"
