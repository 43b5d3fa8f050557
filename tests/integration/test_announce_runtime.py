# CONFIG SET of the announced address and ports at runtime (Redis 7.0's
# clusterUpdateMyselfIp / clusterUpdateMyselfAnnouncedPorts): the node's own
# CLUSTER NODES line changes at once and its peers (shoal and redis-server)
# learn the new values from its next gossip. Before, shoal accepted the CONFIG
# SET and kept announcing the old values.

import time

import redis

from support.server import NO_PERSISTENCE

ARGS = NO_PERSISTENCE + ["--cluster-enabled", "yes", "--cluster-node-timeout", "3000"]


def _r(n):
    return redis.Redis(host=n.host, port=n.port, decode_responses=True)


def _line_of(viewer, node_id):
    for line in _r(viewer).execute_command("CLUSTER", "NODES").splitlines():
        if line.split()[0] == node_id:
            return line
    return None


def _wait(pred, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _addr(line):
    return line.split()[1]  # ip:port@cport[,hostname]


def test_announced_port_ip_and_hostname_follow_config_set(shoal_factory, redis_factory):
    # One address for all: redis-server's outgoing bus connections are not
    # bound to its bind address (bind-source-addr unset), so on distinct
    # loopback addresses its peers would learn 127.0.0.1 for it.
    a = shoal_factory(ARGS)
    b = shoal_factory(ARGS)
    o = redis_factory(ARGS)
    ra = _r(a)
    ra.execute_command("CLUSTER", "MEET", b.host, b.port)
    ra.execute_command("CLUSTER", "MEET", o.host, o.port)
    a_id = ra.execute_command("CLUSTER", "MYID")
    for viewer in (b, o):
        _wait(lambda v=viewer: (_line_of(v, a_id) or "").find("handshake") < 0 and
              _addr(_line_of(v, a_id) or "x :0@0").startswith(f"{a.host}:{a.port}@"),
              f"{viewer.name} to know node a")

    # A new announced client and bus port.
    ra.config_set("cluster-announce-port", 7777)
    ra.config_set("cluster-announce-bus-port", 17777)
    assert _addr(_line_of(a, a_id)).startswith(f"{a.host}:7777@17777")
    for viewer in (b, o):
        _wait(lambda v=viewer: _addr(_line_of(v, a_id)).startswith(f"{a.host}:7777@17777"),
              f"{viewer.name} to see the announced ports")

    # Back to the real ports.
    ra.config_set("cluster-announce-port", 0)
    ra.config_set("cluster-announce-bus-port", 0)
    real = f"{a.host}:{a.port}@{a.port + 10000}"
    assert _addr(_line_of(a, a_id)).startswith(real)
    for viewer in (b, o):
        _wait(lambda v=viewer: _addr(_line_of(v, a_id)).startswith(real),
              f"{viewer.name} to see the real ports again")

    # A hostname is announced in the ping extensions and shown after a comma.
    ra.config_set("cluster-announce-hostname", "node-a.example")
    assert _addr(_line_of(a, a_id)).endswith(",node-a.example")
    for viewer in (b, o):
        _wait(lambda v=viewer: _addr(_line_of(v, a_id)).endswith(",node-a.example"),
              f"{viewer.name} to see the hostname")

    # An announced IP replaces the learned one; clearing it learns it again.
    ra.config_set("cluster-announce-ip", "127.0.0.99")
    assert _addr(_line_of(a, a_id)).startswith("127.0.0.99:")
    _wait(lambda: _addr(_line_of(b, a_id)).startswith("127.0.0.99:"), "b to see the new ip")
    ra.config_set("cluster-announce-ip", "")
    _wait(lambda: _addr(_line_of(a, a_id)).startswith(f"{a.host}:"), "a to learn its ip again")
    # CLUSTER NODES of the changed node stays parseable by redis-cli.
    info = _r(a).execute_command("CLUSTER", "INFO")
    assert "cluster_known_nodes:3" in info
