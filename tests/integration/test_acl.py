# ACL users with real clients (issue 10): python3-redis and redis-cli
# authenticating as ACL users, NOPERM for commands / keys / channels, the
# aclfile (start-up load, ACL SAVE / ACL LOAD round trip, a bad file stops
# the node with a clear line), config-file `user` lines, requirepass as the
# default user's password, clients of a deleted user and pub/sub clients
# whose channels were revoked being disconnected, ACL LOG, CLIENT LIST
# user=, password redaction in SLOWLOG and MONITOR, protected mode, and a
# replica authenticating to its master with masteruser + masterauth.

import os
import socket
import subprocess
import time

import pytest
import redis

from support.server import make_shoal, shoal_binary
from support.wait import wait_until

# Not run under SHOAL_TEST_PROFILE=tls-auth (conftest.py):
PROFILE_SKIP_REASON = ("checks password-less and plaintext behaviour (default user, protected "
                       "mode, its own requirepass) on a plain harness")


def rc(server, **kw):
    return redis.Redis(host=server.host, port=server.port, socket_timeout=10, **kw)


def test_python_client_users_and_noperm(shoal):
    admin = rc(shoal)
    assert admin.acl_setuser("app", enabled=True, passwords=["+s3cret"], keys=["app:*"],
                             commands=["+@string", "+@keyspace", "-flushall", "-flushdb",
                                       "+acl|whoami"])
    app = rc(shoal, username="app", password="s3cret")
    assert app.acl_whoami() in (b"app", "app")
    assert app.set("app:1", "v")
    assert app.get("app:1") == b"v"
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to access one of the keys"):
        app.get("other")
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to run the 'hset' command"):
        app.hset("app:h", "f", "v")
    with pytest.raises(redis.exceptions.NoPermissionError, match="'flushall'"):
        app.flushall()
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError),
                       match="WRONGPASS|invalid username-password"):
        rc(shoal, username="app", password="wrong").ping()
    # CLIENT LIST shows the user of each connection.
    users = {c["user"] for c in admin.client_list()}
    assert "app" in users and "default" in users
    log = admin.acl_log()
    reasons = {e["reason"] for e in log}
    assert {"key", "command", "auth"} <= reasons


def test_read_write_key_patterns(shoal):
    admin = rc(shoal)
    admin.execute_command("ACL", "SETUSER", "rw", "on", ">pw", "%R~ro:*", "%W~wo:*", "~rw:*",
                          "+@all")
    c = rc(shoal, username="rw", password="pw")
    admin.set("ro:1", "x")
    assert c.get("ro:1") == b"x"
    with pytest.raises(redis.exceptions.NoPermissionError):
        c.set("ro:1", "y")
    assert c.set("wo:1", "y")
    with pytest.raises(redis.exceptions.NoPermissionError):
        c.get("wo:1")
    # LMOVE reads-and-writes its source, writes its destination.
    admin.rpush("rw:src", "a")
    assert c.lmove("rw:src", "wo:dst") == b"a"
    with pytest.raises(redis.exceptions.NoPermissionError):
        c.lmove("wo:dst", "rw:src")
    # COPY reads its source only.
    assert c.copy("ro:1", "wo:copy")


def test_redis_cli_user_pass(shoal):
    rc(shoal).execute_command("ACL", "SETUSER", "cli", "on", ">clipw", "~*", "+@all")
    out = subprocess.run(["redis-cli", "-p", str(shoal.port), "--user", "cli", "--pass", "clipw",
                          "--no-auth-warning", "ACL", "WHOAMI"],
                         capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "cli"
    out = subprocess.run(["redis-cli", "-p", str(shoal.port), "--user", "cli", "--pass", "bad",
                          "--no-auth-warning", "ACL", "WHOAMI"],
                         capture_output=True, text=True, timeout=10)
    assert "WRONGPASS invalid username-password pair or user is disabled." in (out.stdout +
                                                                               out.stderr)


def test_requirepass_is_default_password(shoal):
    admin = rc(shoal)
    admin.config_set("requirepass", "topsecret")
    with pytest.raises(redis.exceptions.AuthenticationError):
        rc(shoal).ping()
    ok = rc(shoal, password="topsecret")
    assert ok.ping()
    assert ok.acl_getuser("default")["flags"] == ["on"]  # no nopass any more
    ok.config_set("requirepass", "")
    assert rc(shoal).ping()
    assert "nopass" in rc(shoal).acl_getuser("default")["flags"]


def test_deluser_and_channel_revocation_disconnect(shoal):
    admin = rc(shoal)
    admin.execute_command("ACL", "SETUSER", "gone", "on", ">pw", "~*", "&*", "+@all")
    victim = shoal.connect()
    assert victim.call("AUTH", "gone", "pw") == b"OK"
    assert admin.acl_deluser("gone") == 1
    with pytest.raises(Exception):
        victim.call("PING", timeout=2)
        victim.call("PING", timeout=2)
    victim.close()

    admin.execute_command("ACL", "SETUSER", "sub", "on", ">pw", "resetchannels", "&news.*",
                          "+@all")
    s = shoal.connect()
    assert s.call("AUTH", "sub", "pw") == b"OK"
    s.send_command("SUBSCRIBE", "news.1")
    s.read()
    # A superset of channels keeps it; a narrower list disconnects it.
    admin.execute_command("ACL", "SETUSER", "sub", "&sports.*")
    assert s.call("PING") == [b"pong", b""]
    admin.execute_command("ACL", "SETUSER", "sub", "resetchannels", "&sports.*")
    with pytest.raises(Exception):
        s.call("PING", timeout=2)
        s.call("PING", timeout=2)
    s.close()


def test_redaction_in_slowlog_and_monitor(shoal):
    admin = rc(shoal)
    admin.execute_command("ACL", "SETUSER", "red", "on", ">hidden", "~*", "+@all")
    admin.config_set("slowlog-log-slower-than", "0")
    mon = shoal.connect()
    assert mon.call("MONITOR") == b"OK"
    c = shoal.connect()
    assert c.call("AUTH", "red", "hidden") == b"OK"
    c.call("HELLO", "2", "AUTH", "red", "hidden")
    c.call("ACL", "SETUSER", "red2", ">alsohidden")
    lines = []
    deadline = time.time() + 3
    while time.time() < deadline and len(lines) < 2:
        try:
            lines.append(bytes(mon.read(timeout=0.5)))
        except Exception:
            break
    text = b"\n".join(lines)
    assert b'"auth" "(redacted)" "(redacted)"' in text.lower()
    assert b"hidden" not in text
    log = admin.slowlog_get(20)
    flat = repr([e["command"] for e in log])
    assert "hidden" not in flat and "(redacted)" in flat
    admin.config_set("slowlog-log-slower-than", "10000")
    mon.close()
    c.close()


def _aclfile_server(tmp_path, text, extra=()):
    path = tmp_path / "users.acl"
    path.write_text(text)
    return make_shoal(["--aclfile", str(path)] + list(extra), dir=str(tmp_path / "d")), path


def test_aclfile_load_save_round_trip(tmp_path):
    srv, path = _aclfile_server(
        tmp_path, "user default on nopass ~* &* +@all\n"
                  "user ops on #" + __import__("hashlib").sha256(b"opspw").hexdigest() +
                  " ~ops:* resetchannels -@all +get +set\n")
    with srv:
        c = rc(srv, username="ops", password="opspw")
        assert c.set("ops:1", "v")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.get("x")
        admin = rc(srv)
        admin.execute_command("ACL", "SETUSER", "late", "on", ">latepw", "~*", "+ping")
        assert admin.execute_command("ACL", "SAVE") == b"OK"
        saved = path.read_text()
        assert "user late on #" in saved and "user ops on #" in saved
        admin.execute_command("ACL", "DELUSER", "late")
        assert admin.execute_command("ACL", "LOAD") == b"OK"
        assert b"late" in admin.execute_command("ACL", "USERS")
        assert rc(srv, username="late", password="latepw").ping()
        # A broken file is refused and changes nothing.
        path.write_text("user x on +nosuch\nbogus line\n")
        with pytest.raises(redis.exceptions.ResponseError, match="no change to the previously"):
            admin.execute_command("ACL", "LOAD")
        assert b"late" in admin.execute_command("ACL", "USERS")
        # The clients of users dropped by ACL LOAD are disconnected.
        path.write_text(saved)


def test_bad_aclfile_refuses_to_start(tmp_path):
    path = tmp_path / "bad.acl"
    path.write_text("user ok on nopass +@all\nuser broken on +@nosuchcategory\n")
    p = subprocess.run([shoal_binary(), "--port", "0", "--save", "", "--appendonly", "no",
                        "--shoal-http-port", "0", "--dir", str(tmp_path), "--aclfile", str(path)],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    err = p.stdout + p.stderr
    assert "ACL" in err and "Unknown command or category name in ACL" in err


def test_config_file_user_lines(tmp_path):
    conf = tmp_path / "shoal.conf"
    conf.write_text("user cfg on >cfgpw ~c:* +@all\n")
    srv = make_shoal(["--config", str(conf)], dir=str(tmp_path / "d"))
    with srv:
        c = rc(srv, username="cfg", password="cfgpw")
        assert c.set("c:1", "v")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.set("d:1", "v")


def _read_all(sock):
    sock.settimeout(3)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if data.startswith(b"+") and data.endswith(b"\r\n"):
                break
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def test_protected_mode(tmp_path):
    srv = make_shoal(["--protected-mode", "yes"],
                     dir=str(tmp_path / "d"))
    with srv:
        # 127.0.0.1 is local: served.
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"PING\r\n")
        assert _read_all(s) == b"+PONG\r\n"
        s.close()
        # Any other source address (127.0.0.2 too, as in Redis) is refused.
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect((srv.host, srv.port))
        data = _read_all(s)  # sent at accept time, before any command
        assert data.startswith(b"-DENIED Redis is running in protected mode because protected "
                               b"mode is enabled and no password is set for the default user.")
        assert data.endswith(b"the server to start accepting connections from the outside.\r\n")
        s.close()
        # With a password on the default user protected mode lets it in.
        rc(srv).config_set("requirepass", "pw")
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect((srv.host, srv.port))
        s.sendall(b"AUTH pw\r\nPING\r\n")
        time.sleep(0.3)
        assert s.recv(100) == b"+OK\r\n+PONG\r\n"
        s.close()


def test_replica_authenticates_with_masteruser(tmp_path):
    master = make_shoal(dir=str(tmp_path / "m"))
    with master:
        m = rc(master)
        m.execute_command("ACL", "SETUSER", "repl", "on", ">replpw", "+psync", "+replconf",
                          "+ping")
        m.execute_command("ACL", "SETUSER", "default", "resetpass", ">adminpw")
        ma = rc(master, password="adminpw")
        ma.set("k", "v")
        replica = make_shoal(["--masteruser", "repl", "--masterauth", "replpw"],
                             dir=str(tmp_path / "r"))
        with replica:
            r = rc(replica)
            r.execute_command("REPLICAOF", master.host, str(master.port))
            wait_until(lambda: r.info("replication").get("master_link_status") == "up",
                       what="replica link up")
            wait_until(lambda: r.get("k") == b"v", what="data replicated")
            ma.set("k2", "v2")
            wait_until(lambda: r.get("k2") == b"v2", what="stream replicated")
            users = {c["user"] for c in ma.client_list()}
            assert "repl" in users


def test_config_rewrite_writes_users(tmp_path):
    conf = tmp_path / "shoal.conf"
    conf.write_text("port 0\n")
    srv = make_shoal(["--config", str(conf)], dir=str(tmp_path / "d"))
    with srv:
        admin = rc(srv)
        admin.execute_command("ACL", "SETUSER", "bob", "on", ">bobpw", "~x", "+get",
                              "(+set ~y*)")
        assert admin.config_rewrite()
        text = conf.read_text()
        assert ("user bob on #" + __import__("hashlib").sha256(b"bobpw").hexdigest() +
                " ~x resetchannels -@all +get (~y* resetchannels -@all +set)") in text
        assert "user default on nopass ~* &* +@all" in text
        assert "bobpw" not in text
    srv = make_shoal(["--config", str(conf)], dir=str(tmp_path / "d"))
    with srv:
        c = rc(srv, username="bob", password="bobpw")
        c.set("y1", "v")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.set("x", "v")
