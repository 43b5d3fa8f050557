# Free-port allocation on loopback addresses for the integration tests.
# Called by support/server.py and the fixtures in conftest.py.
#
# A port is "free" when a listening socket can be bound to it right now; the
# kernel picks it (bind to port 0).  There is an unavoidable window between
# closing the probe socket and the server binding the port, so ports handed out
# are remembered and never handed out twice by this process.

import socket

# Ports we already gave away in this process (another test may still be
# starting a server on them).
_given = set()

# Cluster nodes also listen on port + 10000 (the cluster bus), so a client
# port must stay below 65535 - 10000.
_MAX_CLIENT_PORT_WITH_BUS = 55535


def _can_bind(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port(host="127.0.0.1", with_bus=False, attempts=200):
    """Returns a TCP port that is currently free on `host`.

    With `with_bus`, port + 10000 (the cluster bus port) is free as well.
    """
    for _ in range(attempts):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((host, 0))
            port = s.getsockname()[1]
        finally:
            s.close()
        if port in _given:
            continue
        if with_bus:
            if port > _MAX_CLIENT_PORT_WITH_BUS or not _can_bind(host, port + 10000):
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free port found on {host}")


def free_port_on_all(hosts, with_bus=False, attempts=200):
    """Returns one port number that is free on every address in `hosts`.

    Several nodes bound to 127.0.0.11..16 on the same port behave like
    containers on a bridge network (see /work/shared/clients.md).
    """
    hosts = list(hosts)
    for _ in range(attempts):
        port = free_port(hosts[0], with_bus=with_bus)
        if all(_can_bind(h, port) and (not with_bus or _can_bind(h, port + 10000))
               for h in hosts[1:]):
            return port
    raise RuntimeError(f"no port free on all of {hosts}")


def loopback_addresses(count, first=11):
    """127.0.0.<first> .. : the per-node addresses used for multi-node tests."""
    return [f"127.0.0.{first + i}" for i in range(count)]
