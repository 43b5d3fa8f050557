# Secrets handling (issue 10): a six-node cluster whose password comes from
# files (SHOAL_REQUIREPASS_FILE, SHOAL_MASTERAUTH_FILE, the way Docker and
# Kubernetes secrets are mounted) forms by itself, its replicas authenticate
# to their masters, it fails over, `shoal healthcheck` works, and the
# password never shows up in a log line, a health or metrics response, an
# error reply, INFO, CLIENT LIST or SLOWLOG.

import os
import subprocess
import time

import pytest
import redis

from support import wait
from support.nsnode import HostsFile, NsNode
from support.ports import free_port, free_port_on_all, loopback_addresses
from support.server import shoal_binary, target_is_redis

# Not run under SHOAL_TEST_PROFILE=tls-auth (conftest.py):
PROFILE_SKIP_REASON = ("starts its own password, aclfile and TLS key set-ups (from files) on a "
                       "plain harness")

SERVICE = "shoal-secret-nodes"
SECRET = "Xq9-secret-pw-2ce1f7"  # distinctive, so a leak cannot be a coincidence

pytestmark = pytest.mark.skipif(target_is_redis(), reason="shoal's entrypoint only")


def http_get(host, port, path):
    import http.client
    c = http.client.HTTPConnection(host, port, timeout=3)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read().decode(errors="replace")


def client(n, **kw):
    kw.setdefault("password", SECRET)
    return redis.Redis(host=n.host, port=n.port, socket_timeout=5, **kw)


def cluster_ok(nodes, **kw):
    for n in nodes:
        info = client(n, **kw).cluster("info")
        if info.get("cluster_state") != "ok" or int(info.get("cluster_known_nodes", 0)) != 6:
            return False
    return True


def roles(nodes):
    return {n.host: client(n).execute_command("ROLE")[0].decode() for n in nodes}


def wait_until(pred, timeout, what):
    return wait.wait_until(pred, timeout, 0.2, what, errors=wait.any_error())


def replicas_in_sync(nodes, **kw):
    for n in nodes:
        i = client(n, **kw).info("replication")
        if i["role"] == "slave" and i.get("master_link_status") != "up":
            return False
    return sum(client(n, **kw).info("replication")["role"] == "slave" for n in nodes) == 3


def test_a_password_from_files_never_leaks(tmp_path):
    addrs = loopback_addresses(6)
    dns = HostsFile(SERVICE, str(tmp_path))
    dns.set(addrs)
    port = free_port_on_all(addrs, with_bus=True)
    http = free_port_on_all(addrs)
    secret_file = tmp_path / "password"
    secret_file.write_text(SECRET + "\n")
    env = dict(os.environ, SHOAL_REQUIREPASS_FILE=str(secret_file),
               SHOAL_MASTERAUTH_FILE=str(secret_file))
    args = ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
            "--shoal-discovery", f"dns:{SERVICE}:{port}", "--shoal-cluster-size", "6",
            "--shoal-http-port", str(http), "--loglevel", "debug"]
    nodes = []
    seen = []  # every text a user or operator can see
    try:
        for i, a in enumerate(addrs):
            n = NsNode(dns, args=args, host=a, port=port, dir=str(tmp_path / f"n{i}"),
                       name=f"shoal-{i}", env=env)
            n.start_timeout = 20
            nodes.append(n)
        # start() waits for PING; with a password PONG needs AUTH, so the
        # harness's readiness check must not be what fails here.
        for n in nodes:
            n.start()
        wait_until(lambda: cluster_ok(nodes), 60, "the cluster to form with a password")
        wait_until(lambda: replicas_in_sync(nodes), 30, "replicas to authenticate and sync")

        # Unauthenticated clients are refused; the wrong password says so
        # without echoing anything.
        anon = redis.Redis(host=nodes[0].host, port=port, socket_timeout=5)
        with pytest.raises(redis.RedisError) as e:
            anon.get("k")
        seen.append(str(e.value))
        bad = redis.Redis(host=nodes[0].host, port=port, password=SECRET + "x", socket_timeout=5)
        with pytest.raises(redis.RedisError) as e:
            bad.ping()
        seen.append(str(e.value))

        # Commands that carry the password: MIGRATE's AUTH to a closed port
        # (an error), CONFIG SET of a secret, HELLO and AUTH with wrong ones.
        # SLOWLOG (everything is slow at 0 us) shows them "(redacted)".
        c0 = client(nodes[0])
        c0.config_set("slowlog-log-slower-than", 0)
        import socket
        mon = socket.create_connection((nodes[0].host, port), timeout=5)
        mon.sendall(f"AUTH {SECRET}\r\nMONITOR\r\n".encode())
        closed = free_port()
        for args_ in (["MIGRATE", "127.0.0.1", closed, "", 0, 500, "KEYS", "k", "AUTH", SECRET],
                      ["MIGRATE", "127.0.0.1", closed, "", 0, 500, "AUTH2", "default", SECRET,
                       "KEYS", "k"],
                      ["CONFIG", "SET", "masterauth", SECRET],
                      ["HELLO", "3", "AUTH", "default", SECRET + "y"],
                      ["AUTH", SECRET + "z"]):
            try:
                seen.append(repr(c0.execute_command(*args_)))
            except redis.RedisError as err:
                seen.append(str(err))
        seen.append(repr(c0.execute_command("SLOWLOG", "GET", 100)))
        time.sleep(0.3)
        mon.settimeout(0.5)
        watched = b""
        stop = time.time() + 1.5  # the bootstrap's own polling keeps MONITOR busy
        try:
            while time.time() < stop:
                chunk = mon.recv(65536)
                if not chunk:
                    break
                watched += chunk
        except socket.timeout:
            pass
        mon.close()
        assert b'"HELLO"' in watched, watched  # MONITOR saw the commands
        seen.append(watched.decode(errors="replace"))
        for n in nodes:
            c = client(n)
            seen.append(repr(c.info("everything")))
            seen.append(repr(c.execute_command("CLIENT", "LIST")))
            for path in ("/livez", "/readyz", "/healthz", "/metrics"):
                st, body = http_get(n.host, http, path)
                assert st == 200, (n.host, path, st, body)
                seen.append(body)
            r = subprocess.run([shoal_binary(), "healthcheck", "--ready", "--host", n.host,
                                "--port", str(http)], capture_output=True, text=True, timeout=10)
            assert r.returncode == 0, r.stdout + r.stderr
            seen.append(r.stdout + r.stderr)

        # A failover with the password: kill a master, its replica takes over.
        master = next(n for n in nodes if client(n).execute_command("ROLE")[0] == b"master")
        master.kill()
        rest = [n for n in nodes if n is not master]
        wait_until(lambda: sum(r == "master" for r in roles(rest).values()) == 3, 30,
                   "a replica to take over the killed master")
        wait_until(lambda: all(client(n).cluster("info")["cluster_state"] == "ok" for n in rest),
                   30, "cluster_state:ok after the failover")
    finally:
        for n in nodes:
            n.kill()
        for n in nodes:
            try:
                seen.append(n.log_text())
            except OSError:
                pass

    leaks = [s for s in seen if SECRET in s]
    assert not leaks, f"the password appears in: {[s[:300] for s in leaks]}"
    # The logs were really read (the test is not vacuous).
    assert sum("Bootstrap" in s for s in seen) >= 6


def test_an_acl_user_runs_the_control_plane_when_the_default_user_is_off(tmp_path):
    """aclfile: the default user is off and one user, named by masteruser,
    holds every permission. The bootstrap (AUTH masteruser masterauth),
    replication and the failover all work with it; a client without it is
    refused."""
    addrs = loopback_addresses(6)
    dns = HostsFile(SERVICE, str(tmp_path))
    dns.set(addrs)
    port = free_port_on_all(addrs, with_bus=True)
    acl = tmp_path / "users.acl"
    acl.write_text(f"user default off\nuser ops on >{SECRET} ~* &* +@all\n")
    pw = tmp_path / "pw"
    pw.write_text(SECRET)
    env = dict(os.environ, SHOAL_MASTERAUTH_FILE=str(pw))
    args = ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
            "--shoal-discovery", f"dns:{SERVICE}:{port}", "--shoal-cluster-size", "6",
            "--aclfile", str(acl), "--masteruser", "ops"]
    ops = {"username": "ops", "password": SECRET}
    nodes = []
    try:
        for i, a in enumerate(addrs):
            n = NsNode(dns, args=args, host=a, port=port, dir=str(tmp_path / f"n{i}"),
                       name=f"shoal-{i}", env=env)
            n.start_timeout = 20
            n.start()
            nodes.append(n)
        wait_until(lambda: cluster_ok(nodes, **ops), 60, "the cluster to form as user ops")
        wait_until(lambda: replicas_in_sync(nodes, **ops), 30, "replicas to sync as user ops")
        with pytest.raises(redis.RedisError):
            redis.Redis(host=nodes[0].host, port=port, socket_timeout=5).get("k")
        master = next(n for n in nodes
                      if client(n, **ops).execute_command("ROLE")[0] == b"master")
        master.kill()
        rest = [n for n in nodes if n is not master]
        wait_until(lambda: sum(client(n, **ops).execute_command("ROLE")[0] == b"master"
                               for n in rest) == 3, 30, "a replica to take over")
        logs = "".join(n.log_text() for n in nodes)
        assert SECRET not in logs
    finally:
        for n in nodes:
            n.kill()


def test_a_tls_key_password_from_a_file_never_leaks(tmp_path, shoal_factory):
    """tls-key-file-pass from SHOAL_TLS_KEY_FILE_PASS_FILE unlocks an
    encrypted key; it appears in no log line, error reply, INFO or SLOWLOG,
    and a wrong one stops the node with an error that does not echo it."""
    from support.server import make_shoal
    from support.tls_certs import make_certs, redis_kwargs
    key_pass = "Kp7-secret-keypass-93ad"
    certs = make_certs(str(tmp_path / "certs"), key_pass=key_pass)
    pw = tmp_path / "keypass"
    pw.write_text(key_pass + "\n")
    tls_port = free_port()
    args = ["--tls-port", str(tls_port), "--tls-cert-file", certs["server_cert"],
            "--tls-key-file", certs["server_key_enc"], "--tls-ca-cert-file", certs["ca"]]
    s = shoal_factory(args, env=dict(os.environ, SHOAL_TLS_KEY_FILE_PASS_FILE=str(pw)))
    c = redis.Redis(host="127.0.0.1", port=tls_port, socket_timeout=5, **redis_kwargs(certs))
    assert c.ping()
    c.config_set("slowlog-log-slower-than", 0)
    seen = []
    for args_ in (["CONFIG", "SET", "tls-key-file-pass", key_pass],
                  ["CONFIG", "SET", "tls-key-file", "/nonexistent"]):
        try:
            seen.append(repr(c.execute_command(*args_)))
        except redis.RedisError as e:
            seen.append(str(e))
    seen.append(repr(c.execute_command("SLOWLOG", "GET", 100)))
    seen.append(repr(c.info("everything")))
    seen.append(s.log_text())
    # A wrong password: the node refuses to start and says so without it.
    bad = tmp_path / "badpass"
    bad.write_text("wrong-" + key_pass)
    b = make_shoal(args[:1] + [str(free_port())] + args[2:], name="badkey",
                   env=dict(os.environ, SHOAL_TLS_KEY_FILE_PASS_FILE=str(bad)))
    with pytest.raises(Exception):
        b.start()
    seen.append(b.log_text())
    b.stop()
    leaks = [x for x in seen if key_pass in x]
    assert not leaks, f"the key password appears in: {[x[:300] for x in leaks]}"
    assert "tls" in seen[-1].lower()  # the refusal is about TLS (not vacuous)
