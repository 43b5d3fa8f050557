# The test profile itself (support/profile.py): under SHOAL_TEST_PROFILE=tls-auth
# every server the harness starts - shoal and redis-server alike - really
# listens on TLS only, asks for the password and a client certificate, and runs
# its bus and replication over TLS, while the profile's clients (RespConnection,
# redis-py, redis-cli) get through; under plain, the same calls reach a
# plaintext server without a password.

import socket
import ssl

import pytest

from support import profile
from support.resp import RespConnection

PROFILE_AWARE = True

secure_only = pytest.mark.skipif(not profile.secure(), reason="checks the tls-auth profile")
plain_only = pytest.mark.skipif(profile.secure(), reason="checks the plain profile")


@pytest.fixture(params=["shoal", "redis"])
def server(request, shoal_factory, redis_factory):
    return (shoal_factory if request.param == "shoal" else redis_factory)()


def test_profile_clients_reach_the_server(server):
    with server.connect() as c:
        assert c.call_raw("SET", "k", "v")[0] == b"+OK\r\n"
    assert server.redis_py().get("k") == b"v"
    r = server.cli("GET", "k")
    assert (r.returncode, r.stdout.strip()) == (0, "v"), r.stderr


@plain_only
def test_plain_profile_is_plaintext_without_password(server):
    with RespConnection(server.host, server.port, profile=False) as c:
        assert c.call_raw("PING")[0] == b"+PONG\r\n"
    assert server.redis_py().config_get("tls-port") == {"tls-port": "0"}


@secure_only
def test_tls_auth_profile_needs_tls_certificate_and_password(server):
    cfg = server.redis_py(decode_responses=True)
    assert cfg.info("server")["tcp_port"] == server.port  # the TLS port is the client port
    assert cfg.config_get("port") == {"port": "0"}
    assert cfg.config_get("tls-port") == {"tls-port": str(server.port)}
    for name in ("tls-cluster", "tls-replication", "tls-auth-clients"):
        assert cfg.config_get(name) == {name: "yes"}, name
    # Plaintext RESP on the port: no reply but a closed connection.
    with RespConnection(server.host, server.port, timeout=2, profile=False) as c:
        c.send_command("PING")
        data, closed = c.read_until_quiet(quiet=1.0, limit=3.0)
        assert b"PONG" not in data
    # TLS without a client certificate: refused in the handshake.
    with pytest.raises((ssl.SSLError, OSError)):
        with socket.create_connection((server.host, server.port), timeout=2) as raw:
            with profile.ssl_context(client_cert=False).wrap_socket(raw) as s:
                s.sendall(b"PING\r\n")
                if not s.recv(100):
                    raise ConnectionError("closed")
    # TLS with the certificate but no AUTH: -NOAUTH.
    with socket.create_connection((server.host, server.port), timeout=2) as raw:
        with profile.ssl_context().wrap_socket(raw) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            assert s.recv(100).startswith(b"-NOAUTH")
