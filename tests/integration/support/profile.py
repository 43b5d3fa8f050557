# The security profile of an integration run: how servers are started and how
# every client (redis-py, RedisCluster, redis-cli, redis-benchmark, the raw
# RespConnection) reaches them. Used by support/server.py, support/resp.py,
# conftest.py and the cluster-facing test files; main test thread only.
#
#   SHOAL_TEST_PROFILE=plain     (default) plaintext port, no password: what
#                                the tests always did
#   SHOAL_TEST_PROFILE=tls-auth  every server (shoal and redis-server alike)
#                                listens on a tls-port only (port 0), runs the
#                                cluster bus and replication over TLS
#                                (tls-cluster, tls-replication), requires
#                                PASSWORD (requirepass, masterauth) and client
#                                certificates (tls-auth-clients yes, the
#                                default). A Server's `port` is then its
#                                tls-port, which is also what CLUSTER NODES,
#                                CLUSTER SLOTS and MOVED announce.
#
# The certificates (support/tls_certs.py: CA, server certificate with IP SANs
# 127.0.0.1 and 127.0.0.11..16, client certificate) are made with the openssl
# CLI once per test process, on first use, in a temporary directory removed at
# exit.
#
# Only test modules that set `PROFILE_AWARE = True` run under tls-auth
# (conftest.py skips the others): they take every client and server from here.

import atexit
import os
import shutil
import tempfile

from . import tls_certs

PLAIN = "plain"
TLS_AUTH = "tls-auth"
PROFILES = (PLAIN, TLS_AUTH)

PASSWORD = "shoal-secure-profile-pw"

REDIS_CLI = os.environ.get("REDIS_CLI_BIN", "/usr/bin/redis-cli")
REDIS_BENCHMARK = os.environ.get("REDIS_BENCHMARK_BIN", "/usr/bin/redis-benchmark")


def name():
    p = os.environ.get("SHOAL_TEST_PROFILE", PLAIN) or PLAIN
    if p not in PROFILES:
        raise ValueError(f"SHOAL_TEST_PROFILE={p!r}: expected one of {PROFILES}")
    return p


def secure():
    """True under the tls-auth profile."""
    return name() == TLS_AUTH


# --- certificates ------------------------------------------------------------

_certs = None


def certs():
    """The session's certificate paths (support/tls_certs.make_certs), made on
    first call."""
    global _certs
    if _certs is None:
        d = tempfile.mkdtemp(prefix="shoal-profile-certs-")
        atexit.register(shutil.rmtree, d, True)
        _certs = tls_certs.make_certs(d)
    return _certs


def ssl_context(client_cert=True):
    """A client SSLContext for the session's certificates."""
    return tls_certs.client_context(certs(), cert=client_cert)


# --- servers -----------------------------------------------------------------

def listen_args(port):
    """The listener part of a server's argv for client port `port`: `--port P`
    (plain), or `--port 0 --tls-port P` (tls-auth)."""
    if not secure():
        return ["--port", str(port)]
    return ["--port", "0", "--tls-port", str(port)]


def server_args():
    """Extra arguments every shoal and redis-server gets under the profile
    (none under plain): certificates, TLS bus and replication, password."""
    if not secure():
        return []
    p = certs()
    return ["--tls-cert-file", p["server_cert"], "--tls-key-file", p["server_key"],
            "--tls-ca-cert-file", p["ca"], "--tls-cluster", "yes", "--tls-replication", "yes",
            "--requirepass", PASSWORD, "--masterauth", PASSWORD]


# --- clients -----------------------------------------------------------------

def redis_kwargs():
    """Connection keyword arguments for redis-py (Redis and RedisCluster)."""
    if not secure():
        return {}
    return tls_certs.redis_kwargs(certs(), password=PASSWORD)


def client(host="127.0.0.1", port=6379, **kw):
    """A python3-redis Redis for host:port under the profile."""
    import redis
    return redis.Redis(host=host, port=port, **{**redis_kwargs(), **kw})


def cluster_client(host="127.0.0.1", port=6379, **kw):
    """A python3-redis RedisCluster seeded with host:port under the profile."""
    import redis
    return redis.RedisCluster(host=host, port=port, **{**redis_kwargs(), **kw})


def tls_args():
    """redis-cli / redis-benchmark TLS options (empty under plain)."""
    if not secure():
        return []
    p = certs()
    return ["--tls", "--cacert", p["ca"], "--cert", p["client_cert"], "--key", p["client_key"]]


def cli_args():
    """redis-cli options that reach a server under the profile (put them before
    the command words)."""
    if not secure():
        return []
    return tls_args() + ["-a", PASSWORD, "--no-auth-warning"]


def cli(*args):
    """argv of a redis-cli invocation: REDIS_CLI, the profile's options, args."""
    return [REDIS_CLI] + cli_args() + [str(a) for a in args]


def benchmark_args():
    """redis-benchmark options (7.0's redis-benchmark prints no auth warning)."""
    if not secure():
        return []
    return tls_args() + ["-a", PASSWORD]


def benchmark(*args):
    return [REDIS_BENCHMARK] + benchmark_args() + [str(a) for a in args]


def migrate_auth():
    """The trailing AUTH option of a MIGRATE command (empty under plain)."""
    return ["AUTH", PASSWORD] if secure() else []


def wrap_socket(sock, host):
    """What RespConnection does to a fresh TCP socket: nothing (plain), or the
    TLS handshake (tls-auth). The caller then sends auth_command()."""
    if not secure():
        return sock
    return ssl_context().wrap_socket(sock, server_hostname=host)


def auth_command():
    """The command a raw connection sends first (None under plain)."""
    return ("AUTH", PASSWORD) if secure() else None



def run_cli(*args, timeout=60):
    """Runs redis-cli (profile options, then args) to completion; the
    CompletedProcess with text stdout/stderr."""
    import subprocess
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout)
