# TLS on every link, as Redis 7.0 (issue 10, part 2): the tls-port client
# listener (redis-cli --tls, redis-py ssl=True), client certificates per
# tls-auth-clients, tls-protocols, certificate reload by CONFIG SET, start-up
# refusal on bad certificates, replication over TLS (tls-replication), and a
# six-node self-forming cluster with port 0 + tls-port, tls-cluster and
# tls-replication that serves a TLS cluster client and fails over. Plus
# redis-server 7.0 (Debian's build has TLS) replicating from shoal over TLS.
#
# Certificates are made per test session with the openssl CLI
# (support/tls_certs.py): a CA, a server certificate with IP SANs 127.0.0.1
# and 127.0.0.11..16, a client certificate.

import os
import socket
import ssl
import subprocess
import time

import pytest
import redis

from support.nsnode import HostsFile, NsNode
from support.ports import free_port_on_all, loopback_addresses
from support.server import (REDIS_CLI, REDIS_SERVER, Server, ServerError, shoal_binary,
                            target_is_redis)
from support.tls_certs import client_context as client_ctx
from support.tls_certs import make_certs, redis_kwargs, server_args
from support.wait import any_error, wait_until

# Not run under SHOAL_TEST_PROFILE=tls-auth (conftest.py):
PROFILE_SKIP_REASON = ("checks TLS itself: every test starts its own TLS listeners, plain "
                       "ports and passwords on a plain harness")

pytestmark = pytest.mark.skipif(target_is_redis(), reason="shoal-only TLS wiring checks")


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(str(tmp_path_factory.mktemp("certs")))


def tls_call(host, port, ctx, *cmd, password=None, timeout=3.0):
    """One RESP command over a fresh TLS connection; returns the raw reply."""
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            out = b""
            cmds = ([("AUTH", password)] if password else []) + [cmd]
            for c in cmds:
                s.sendall(b"*%d\r\n" % len(c) + b"".join(
                    b"$%d\r\n%s\r\n" % (len(str(a).encode()), str(a).encode()) for a in c))
                out = b""
                while not out.endswith(b"\r\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed")
                    out += chunk
            return out


class TlsMixin(Server):
    """A node whose `port` is its tls-port; the plaintext port is `plain_port`
    (0 = none). Ready when PING answers over TLS."""

    def setup_tls(self, certs, plain_port=0, password=None):
        self.certs = certs
        self.plain_port = plain_port
        self.password = password
        return self

    @property
    def argv(self):
        a = list(super().argv)
        i = a.index("--port")
        a[i + 1] = str(self.plain_port)
        return a + ["--tls-port", str(self.port)] + server_args(self.certs)

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"{self.name} exited with code {self.proc.returncode} "
                                  f"during start-up; log tail:\n{self.log_tail()}")
            try:
                raw = tls_call(self.host, self.port, client_ctx(self.certs), "PING",
                               password=self.password, timeout=1.0)
                if raw == b"+PONG\r\n":
                    return
                last = raw
            except (OSError, ConnectionError, ssl.SSLError) as e:
                last = e
            time.sleep(0.05)
        raise ServerError(f"{self.name} did not answer PING over TLS within {timeout}s "
                          f"(last: {last!r}); log tail:\n{self.log_tail()}")

    def r(self, **kw):
        return redis.Redis(host=self.host, port=self.port, socket_timeout=5,
                           **redis_kwargs(self.certs, self.password), **kw)


class TlsNode(TlsMixin):
    pass


class TlsNsNode(NsNode, TlsMixin):
    pass


NO_PERSIST = ["--save", "", "--appendonly", "no"]


def start_tls(certs, args=(), plain_port=0, password=None, **kw):
    n = TlsNode(shoal_binary(), args=NO_PERSIST + ["--shoal-http-port", "0"] + list(args),
                name="shoal-tls", **kw)
    n.setup_tls(certs, plain_port=plain_port, password=password)
    return n.start()


@pytest.fixture
def nodes():
    started = []
    yield started
    for n in started:
        n.stop()


def cli(node, certs, *args, cert=True):
    cmd = [REDIS_CLI, "-h", node.host, "-p", str(node.port), "--tls", "--cacert", certs["ca"]]
    if cert:
        cmd += ["--cert", certs["client_cert"], "--key", certs["client_key"]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=10)


def test_redis_cli_and_redis_py_over_tls_with_port_0(certs, nodes):
    n = start_tls(certs)
    nodes.append(n)
    assert cli(n, certs, "SET", "k", "v").stdout.strip() == "OK"
    assert cli(n, certs, "GET", "k").stdout.strip() == "v"
    r = n.r()
    assert r.get("k") == b"v"
    assert r.incr("n") == 1
    # CLIENT LIST / INFO work on TLS connections.
    r.client_setname("tlsclient")
    names = [c["name"] for c in r.client_list()]
    assert "tlsclient" in names
    # INFO's tcp_port is the TLS port when port is 0 (as redis-server 7.0).
    assert r.info("server")["tcp_port"] == n.port
    # Pipelines and big values go through the TLS stream intact.
    big = os.urandom(1 << 20)
    p = r.pipeline(transaction=False)
    for i in range(200):
        p.set(f"p{i}", i)
    p.set("big", big)
    p.execute()
    assert r.get("big") == big
    assert r.mget([f"p{i}" for i in range(200)]) == [str(i).encode() for i in range(200)]
    # RESP3 too.
    assert cli(n, certs, "-3", "HELLO", "3").returncode == 0


def test_plain_and_tls_ports_side_by_side(certs, nodes):
    from support.ports import free_port
    plain = free_port("127.0.0.1")
    n = start_tls(certs, plain_port=plain)
    nodes.append(n)
    n.r().set("a", "1")
    assert redis.Redis(port=plain).get("a") == b"1"
    # The TLS port does not speak plaintext RESP.
    with pytest.raises((redis.ConnectionError, redis.ResponseError, redis.TimeoutError)):
        redis.Redis(port=n.port, socket_timeout=1).ping()
    # ...nor the plaintext port TLS.
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call("127.0.0.1", plain, client_ctx(certs), "PING", timeout=1)


def test_auth_clients_yes_no_optional(certs, nodes):
    yes = start_tls(certs)  # default: tls-auth-clients yes
    opt = start_tls(certs, ["--tls-auth-clients", "optional"])
    no = start_tls(certs, ["--tls-auth-clients", "no"])
    nodes += [yes, opt, no]
    # Without a client certificate: refused by "yes", accepted by the others.
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call(yes.host, yes.port, client_ctx(certs, cert=False), "PING")
    r = cli(yes, certs, "PING", cert=False)
    assert "PONG" not in r.stdout
    assert tls_call(opt.host, opt.port, client_ctx(certs, cert=False), "PING") == b"+PONG\r\n"
    assert tls_call(no.host, no.port, client_ctx(certs, cert=False), "PING") == b"+PONG\r\n"
    assert cli(opt, certs, "PING", cert=False).stdout.strip() == "PONG"
    # CONFIG SET tls-auth-clients applies to new connections.
    opt.r().config_set("tls-auth-clients", "yes")
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call(opt.host, opt.port, client_ctx(certs, cert=False), "PING")
    opt.r().config_set("tls-auth-clients", "optional")
    assert tls_call(opt.host, opt.port, client_ctx(certs, cert=False), "PING") == b"+PONG\r\n"
    # With one: everyone accepts.
    for n in (yes, opt, no):
        assert tls_call(n.host, n.port, client_ctx(certs), "PING") == b"+PONG\r\n"
    # "optional" still checks a certificate that is presented: one from
    # another CA is refused. Make one on the fly.
    d = os.path.dirname(certs["ca"])
    key, csr, crt = (os.path.join(d, x) for x in ("rogue.key", "rogue.csr", "rogue.crt"))
    subprocess.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj",
                    "/CN=rogue", "-keyout", key, "-out", csr], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-days", "1", "-in", csr, "-CA",
                    certs["other_ca"], "-CAkey", certs["other_ca_key"], "-CAcreateserial",
                    "-out", crt], check=True, capture_output=True)
    rogue = client_ctx(certs, cert=False)
    rogue.load_cert_chain(crt, key)
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call(opt.host, opt.port, rogue, "PING")


def test_tls_protocols_restrict_versions(certs, nodes):
    only13 = start_tls(certs, ["--tls-protocols", "TLSv1.3"])
    only12 = start_tls(certs, ["--tls-protocols", "TLSv1.2"])
    nodes += [only13, only12]
    v12 = ssl.TLSVersion.TLSv1_2
    v13 = ssl.TLSVersion.TLSv1_3
    assert tls_call(only13.host, only13.port, client_ctx(certs, min_version=v13),
                    "PING") == b"+PONG\r\n"
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call(only13.host, only13.port, client_ctx(certs, max_version=v12), "PING")
    assert tls_call(only12.host, only12.port, client_ctx(certs, max_version=v12),
                    "PING") == b"+PONG\r\n"
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call(only12.host, only12.port, client_ctx(certs, min_version=v13), "PING")
    # A version is reported the way the peers agreed on it.
    ctx = client_ctx(certs)
    with socket.create_connection((only13.host, only13.port)) as raw:
        with ctx.wrap_socket(raw) as s:
            assert s.version() == "TLSv1.3"
    # Bad values are refused by CONFIG SET (and the context kept).
    r = only13.r()
    with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
        r.config_set("tls-protocols", "TLSv9")
    assert r.config_get("tls-protocols") == {"tls-protocols": "TLSv1.3"}
    assert tls_call(only13.host, only13.port, client_ctx(certs), "PING") == b"+PONG\r\n"


def test_cert_reload_by_config_set(certs, nodes, tmp_path):
    n = start_tls(certs)
    nodes.append(n)
    # A second server certificate from another CA.
    d = str(tmp_path)
    key, csr, crt = (os.path.join(d, x) for x in ("s2.key", "s2.csr", "s2.crt"))
    subprocess.run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj",
                    "/CN=Server2", "-keyout", key, "-out", csr], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-days", "1", "-in", csr, "-CA",
                    certs["other_ca"], "-CAkey", certs["other_ca_key"], "-CAcreateserial",
                    "-out", crt], check=True, capture_output=True)
    r = n.r()
    r.set("before", "1")
    # A bad file: CONFIG SET fails, the old context stays.
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("tls-cert-file", os.path.join(d, "missing.crt"))
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                            "Unable to update TLS configuration. Check server logs.")
    assert r.config_get("tls-cert-file")["tls-cert-file"] == certs["server_cert"]
    assert "Failed to load certificate" in n.log_tail(20)
    # A key that does not match the certificate: refused too.
    with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
        r.config_set("tls-cert-file", crt)
    assert tls_call(n.host, n.port, client_ctx(certs), "PING") == b"+PONG\r\n"
    # Both files at once: new connections get the new certificate.
    r.execute_command("CONFIG", "SET", "tls-cert-file", crt, "tls-key-file", key)
    with pytest.raises(ssl.SSLError):
        tls_call(n.host, n.port, client_ctx(certs), "PING")  # old CA no longer verifies it
    assert tls_call(n.host, n.port, client_ctx(certs, ca=certs["other_ca"]),
                    "PING") == b"+PONG\r\n"
    # The connection opened before the reload keeps working.
    assert r.get("before") == b"1"
    # tls-ca-cert-file reload: clients must now hold a cert from other_ca.
    r.config_set("tls-ca-cert-file", certs["other_ca"])
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        tls_call(n.host, n.port, client_ctx(certs, ca=certs["other_ca"]), "PING")


def test_encrypted_key_needs_its_password(certs, nodes):
    enc = dict(certs, server_key=certs["server_key_enc"])
    n = start_tls(enc, ["--tls-key-file-pass", "secret"])
    nodes.append(n)
    assert tls_call(n.host, n.port, client_ctx(certs), "PING") == b"+PONG\r\n"
    # Set, and not shown to clients (test_config_secrets.py).
    assert n.r().config_get("tls-key-file-pass") == {"tls-key-file-pass": "(redacted)"}
    bad = TlsNode(shoal_binary(), args=NO_PERSIST + ["--tls-key-file-pass", "wrong"],
                  name="shoal-badpass").setup_tls(enc)
    with pytest.raises(ServerError, match="Failed to configure TLS: Failed to load private key"):
        bad.start()


@pytest.mark.parametrize("what,args,message", [
    ("missing cert", ["--tls-cert-file", "/nonexistent/server.crt"],
     "Failed to configure TLS: Failed to load certificate: /nonexistent/server.crt: "
     "No such file or directory"),
    ("no cert", ["--tls-cert-file", ""], "Failed to configure TLS: No tls-cert-file configured!"),
    ("no CA", ["--tls-ca-cert-file", ""],
     "Failed to configure TLS: Either tls-ca-cert-file or tls-ca-cert-dir must be specified"),
    ("bad protocols", ["--tls-protocols", "SSLv3"],
     "Failed to configure TLS: Invalid tls-protocols specified"),
])
def test_node_refuses_to_start_on_bad_tls_config(certs, what, args, message):
    n = TlsNode(shoal_binary(), args=NO_PERSIST + ["--shoal-http-port", "0"], name="shoal-bad")
    n.setup_tls(certs)
    argv = n.argv + args  # later flags win
    p = subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=n.dir)
    assert p.returncode != 0, what
    assert message in p.stderr, p.stderr


def test_ca_cert_dir_works(certs, nodes, tmp_path):
    d = tmp_path / "cadir"
    d.mkdir()
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", certs["ca"]],
                       capture_output=True, text=True, check=True).stdout.strip()
    os.symlink(certs["ca"], d / f"{h}.0")
    n = start_tls(certs, ["--tls-ca-cert-file", "", "--tls-ca-cert-dir", str(d)])
    nodes.append(n)
    assert tls_call(n.host, n.port, client_ctx(certs), "PING") == b"+PONG\r\n"


def wait_for(pred, timeout=15.0, what="condition"):
    return wait_until(pred, timeout, 0.1, what, errors=any_error())


def test_replication_over_tls(certs, nodes):
    master = start_tls(certs, ["--requirepass", "pw"], password="pw")
    replica = start_tls(certs, ["--tls-replication", "yes", "--masterauth", "pw",
                                "--requirepass", "pw"], password="pw")
    nodes += [master, replica]
    m, r = master.r(), replica.r()
    for i in range(100):
        m.set(f"k{i}", i)
    r.execute_command("REPLICAOF", master.host, master.port)
    wait_for(lambda: r.info("replication")["master_link_status"] == "up", what="link up")
    wait_for(lambda: r.dbsize() == 100, what="full sync")
    m.set("after", "x")
    m.execute_command("WAIT", 1, 5000)
    assert r.get("after") == b"x"
    info = m.info("replication")
    assert info["connected_slaves"] == 1
    # REPLCONF listening-port is the TLS port with tls-replication (Redis 7.0).
    assert info["slave0"]["port"] == replica.port
    # Partial resync after the link drops.
    m.execute_command("CLIENT", "KILL", "TYPE", "replica")
    m.set("after2", "y")
    wait_for(lambda: r.get("after2") == b"y", what="resync")
    assert "Partial resynchronization" in replica.log_tail(200) or \
        m.info("stats")["sync_partial_ok"] >= 1


def test_replica_without_tls_replication_cannot_use_tls_master(certs, nodes):
    master = start_tls(certs)
    replica = start_tls(certs)  # tls-replication no: plaintext to a TLS port
    nodes += [master, replica]
    r = replica.r()
    r.execute_command("REPLICAOF", master.host, master.port)
    time.sleep(2)
    assert r.info("replication")["master_link_status"] == "down"


def test_redis_server_replicates_from_shoal_over_tls(certs, nodes, tmp_path):
    """Differential: a real redis-server 7.0 with tls-replication is a replica of
    a TLS-only shoal master."""
    master = start_tls(certs)
    nodes.append(master)
    m = master.r()
    for i in range(50):
        m.rpush("list", i)
    from support.ports import free_port
    tls_port = free_port("127.0.0.1")
    rdir = str(tmp_path)
    argv = [REDIS_SERVER, "--port", "0", "--tls-port", str(tls_port), "--bind", "127.0.0.1",
            "--dir", rdir, "--save", "", "--appendonly", "no", "--tls-replication", "yes",
            "--replicaof", master.host, str(master.port)] + server_args(certs)
    log = open(os.path.join(rdir, "redis.log"), "wb")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=rdir,
                         start_new_session=True)
    try:
        rr = redis.Redis(port=tls_port, socket_timeout=3, **redis_kwargs(certs))
        wait_for(lambda: rr.info("replication")["master_link_status"] == "up", timeout=20,
                 what="redis-server link up")
        wait_for(lambda: rr.llen("list") == 50, what="full sync to redis-server")
        m.rpush("list", "more")
        wait_for(lambda: rr.lindex("list", -1) == b"more", what="stream to redis-server")
    finally:
        p.terminate()
        p.wait(10)
        log.close()


# --- six-node TLS cluster formed by the bootstrap ----------------------------

SERVICE = "shoal-tls-nodes"


def cluster_args(port, password):
    return ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
            "--shoal-discovery", f"dns:{SERVICE}:{port}", "--shoal-cluster-size", "6",
            "--tls-cluster", "yes", "--tls-replication", "yes", "--requirepass", password,
            "--masterauth", password, "--save", "", "--appendonly", "no"]


def test_tls_cluster_forms_serves_and_fails_over(certs, tmp_path):
    addrs = loopback_addresses(6)
    dns = HostsFile(SERVICE, str(tmp_path))
    dns.set(addrs)
    port = free_port_on_all(addrs, with_bus=True)
    password = "clusterpw"
    ns = []
    try:
        for i, a in enumerate(addrs):
            n = TlsNsNode(dns, args=cluster_args(port, password), host=a, port=port,
                          dir=str(tmp_path / f"n{i}"), name=f"shoal-tls-{i}")
            n.setup_tls(certs, password=password)
            n.start()
            ns.append(n)
        rs = {n.host: n.r(decode_responses=True) for n in ns}

        def formed():
            for r in rs.values():
                info = r.execute_command("CLUSTER", "INFO")
                if "cluster_state:ok" not in info:
                    return False
                lines = r.execute_command("CLUSTER", "NODES").splitlines()
                if len(lines) != 6 or sum("master" in l.split()[2] for l in lines) != 3:
                    return False
            return True

        wait_for(formed, timeout=60, what="TLS cluster formation")
        # Every announced client port is the TLS port (Redis 7.0 with
        # tls-cluster), in CLUSTER NODES, CLUSTER SLOTS and MOVED.
        r0 = rs[addrs[0]]
        for l in r0.execute_command("CLUSTER", "NODES").splitlines():
            hostport = l.split()[1].split("@")[0]
            assert hostport.rsplit(":", 1)[1] == str(port), l
            assert l.split()[1].split("@")[1].split(",")[0] == str(port + 10000)
        for slot_range in r0.execute_command("CLUSTER", "SLOTS"):
            for node in slot_range[2:]:
                assert int(node[1]) == port
        try:
            for k in ("a", "b", "c", "d"):
                r0.get(k)
        except redis.ResponseError as e:
            assert str(e).startswith("MOVED") and str(e).endswith(f":{port}")
        # A TLS cluster client: writes and reads across all slots.
        rc = redis.RedisCluster(host=addrs[0], port=port, socket_timeout=5,
                                **redis_kwargs(certs, password))
        for i in range(300):
            rc.set(f"key:{i}", i)
        assert [rc.get(f"key:{i}") for i in range(300)] == [str(i).encode() for i in range(300)]
        # Replicas are linked over TLS.
        for n in ns:
            info = rs[n.host].info("replication")
            if info["role"] == "slave":
                assert info["master_link_status"] == "up"
                assert info["master_port"] == port
        # Kill a master: its replica takes over; every key stays readable.
        victim_id = rc.cluster_keyslot("key:0")
        owner = [x for x in r0.execute_command("CLUSTER", "SLOTS")
                 if x[0] <= victim_id <= x[1]][0][2][0]
        victim = [n for n in ns if n.host == owner][0]
        for rr in rs.values():
            if rr.info("replication")["role"] == "master":
                rr.execute_command("WAIT", 1, 2000)
        victim.kill()
        survivors = [n for n in ns if n is not victim]

        def failed_over():
            r = rs[survivors[0].host]
            if "cluster_state:ok" not in r.execute_command("CLUSTER", "INFO"):
                return False
            slots = r.execute_command("CLUSTER", "SLOTS")
            own = [x for x in slots if x[0] <= victim_id <= x[1]]
            return own and own[0][2][0] != owner

        wait_for(failed_over, timeout=30, what="failover")
        rc2 = redis.RedisCluster(host=survivors[0].host, port=port, socket_timeout=5,
                                 **redis_kwargs(certs, password))
        assert rc2.get("key:0") == b"0"
        rc2.set("key:0", "new")
        assert rc2.get("key:0") == b"new"
        # MIGRATE between nodes goes over TLS (tls-cluster yes).
        src = rs[survivors[0].host]
        key = None
        for i in range(1000):
            k = f"mig:{i}"
            s = src.execute_command("CLUSTER", "KEYSLOT", k)
            own = [x for x in src.execute_command("CLUSTER", "SLOTS") if x[0] <= s <= x[1]][0]
            if own[2][0] == survivors[0].host:
                key = k
                break
        assert key is not None
        if key is not None:
            src.set(key, "moved")
            other = [n for n in survivors if n.host != survivors[0].host][0]
            # The target does not own the slot, so it answers RESTORE-ASKING with
            # an error: what matters is that it answered over TLS (no IOERR).
            try:
                reply = src.execute_command("MIGRATE", other.host, port, key, 0, 5000, "COPY",
                                            "AUTH", password)
                assert reply == "OK"
            except redis.ResponseError as e:
                assert "Target instance replied with error" in str(e), str(e)
        # SIGTERM on a master: the entrypoint hands its slots to its replica
        # over TLS (the handoff's RESP client speaks TLS with port 0).
        masters = [n for n in survivors
                   if rs[n.host].info("replication")["role"] == "master" and
                   rs[n.host].info("replication")["connected_slaves"] >= 1]
        assert masters
        leaving = masters[0]
        leaving.stop()
        log = open(leaving.log_path, errors="replace").read()
        assert "Shutdown handoff: replica " in log and "took over" in log, log[-2000:]
    finally:
        for n in ns:
            n.kill()


def test_config_set_tls_port_moves_the_listener(certs, nodes):
    from support.ports import free_port
    plain = free_port("127.0.0.1")
    n = start_tls(certs, plain_port=plain)
    nodes.append(n)
    r = redis.Redis(port=plain)
    new_port = free_port("127.0.0.1")
    assert r.config_set("tls-port", new_port)
    assert tls_call("127.0.0.1", new_port, client_ctx(certs), "PING") == b"+PONG\r\n"
    with pytest.raises(OSError):
        tls_call("127.0.0.1", n.port, client_ctx(certs), "PING", timeout=1)
    assert r.config_set("tls-port", 0)
    with pytest.raises(OSError):
        tls_call("127.0.0.1", new_port, client_ctx(certs), "PING", timeout=1)
    assert r.config_get("tls-port") == {"tls-port": "0"}


def test_mixed_tls_cluster_with_redis_server(certs, tmp_path):
    """Differential: redis-server 7.0 nodes and a shoal node form one cluster
    over the TLS bus (port 0, tls-port, tls-cluster, tls-replication): MEET in
    both directions, slots split between kinds, a redis-server replica of the
    shoal master synchronising over TLS, and both kinds announce the TLS
    port."""
    addrs = loopback_addresses(3)
    port = free_port_on_all(addrs, with_bus=True)
    common = ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
              "--tls-cluster", "yes", "--tls-replication", "yes"]
    # redis-server's outgoing links leave from 127.0.0.1 unless
    # bind-source-addr is set (see test_mixed_cluster.py).
    kinds = [("shoal", shoal_binary(), NO_PERSIST + ["--shoal-http-port", "0"]),
             ("redis", REDIS_SERVER, NO_PERSIST), ("redis-replica", REDIS_SERVER, NO_PERSIST)]
    ns = []
    try:
        for (name, binary, extra), a in zip(kinds, addrs):
            if binary == REDIS_SERVER:
                extra = extra + ["--bind-source-addr", a]
            n = TlsNode(binary, args=extra + common, host=a, port=port,
                        dir=str(tmp_path / name), name=name).setup_tls(certs)
            ns.append(n.start())
        shoal, red, rep = ns
        rs = [n.r(decode_responses=True) for n in ns]
        rs[0].execute_command("CLUSTER", "MEET", red.host, port)
        rs[2].execute_command("CLUSTER", "MEET", shoal.host, port)
        rs[0].execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 8191)
        rs[1].execute_command("CLUSTER", "ADDSLOTSRANGE", 8192, 16383)

        def all_know_all():
            return all(len(r.execute_command("CLUSTER", "NODES").splitlines()) == 3 and
                       "cluster_state:ok" in r.execute_command("CLUSTER", "INFO") for r in rs)

        try:
            wait_for(all_know_all, timeout=30, what="mixed TLS cluster ok")
        except AssertionError:
            for n, r in zip(ns, rs):
                print(n.name, r.execute_command("CLUSTER", "NODES"), n.log_tail(15))
            raise
        shoal_id = rs[0].execute_command("CLUSTER", "MYID")
        rs[2].execute_command("CLUSTER", "REPLICATE", shoal_id)
        wait_for(lambda: rs[2].info("replication")["master_link_status"] == "up", timeout=30,
                 what="redis-server replica of shoal over TLS")
        # Each kind sees the other at its TLS port (and bus port = TLS + 10000).
        for r in rs:
            for l in r.execute_command("CLUSTER", "NODES").splitlines():
                addr = l.split()[1]
                assert addr.split("@")[0].endswith(f":{port}"), l
                assert addr.split("@")[1].split(",")[0] == str(port + 10000), l
        rc = redis.RedisCluster(host=shoal.host, port=port, socket_timeout=5,
                                **redis_kwargs(certs))
        for i in range(200):
            rc.set(f"m:{i}", i)
        assert [rc.get(f"m:{i}") for i in range(200)] == [str(i).encode() for i in range(200)]
        on_shoal = [f"m:{i}" for i in range(200) if rc.keyslot(f"m:{i}") <= 8191]
        assert on_shoal

        def replicated():
            rs[2].execute_command("READONLY")
            return rs[2].dbsize() == len(on_shoal)

        wait_for(replicated, timeout=15, what="keys on the redis-server replica")
        # shoal MIGRATEs to redis-server over TLS.
        k = on_shoal[0]
        try:
            rs[0].execute_command("MIGRATE", red.host, port, k, 0, 5000, "COPY")
        except redis.ResponseError as e:
            assert "Target instance replied with error" in str(e), str(e)
    finally:
        for n in ns:
            n.kill()
