# Storage faults (issue 9): the data directory on a tiny tmpfs that fills up,
# or that is remounted read-only, for shoal and for redis-server 7.0 on the
# same kind of mount. Both must give the same replies (-MISCONF texts, the
# INFO persistence fields rdb_last_bgsave_status / aof_last_write_status),
# recover once space is back, never crash (except where Redis exits on
# purpose: an AOF write error under appendfsync always), and keep every
# acknowledged write across a restart.
#
# Needs root (mount -t tmpfs); skipped otherwise. The server's own directory
# (and server.log) stays on the normal temp dir; only --dir points at the
# mount, so a full disk never eats the log.

import contextlib
import functools
import os
import subprocess
import tempfile
import time

import pytest

from support import server as srv
from support.resp import ConnectionClosed, Error

MISCONF_RDB = (b"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
               b"persist to disk. Commands that may modify the data set are disabled, because this "
               b"instance is configured to report errors during writes if RDB snapshotting fails "
               b"(stop-writes-on-bgsave-error option). Please check the Redis logs for details "
               b"about the RDB error.")
MISCONF_AOF_ENOSPC = b"MISCONF Errors writing to the AOF file: No space left on device"
BIG = "x" * 20000  # bigger than a page: a full tmpfs has no room left in a last page


def _can_mount():
    if os.geteuid() != 0:
        return False
    d = tempfile.mkdtemp(prefix="shoal-tmpfs-probe-")
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d],
                           capture_output=True)
        if r.returncode != 0:
            return False
        subprocess.run(["umount", d], check=True)
        return True
    finally:
        os.rmdir(d)


pytestmark = pytest.mark.skipif(not _can_mount(), reason="needs root and mount -t tmpfs")


@contextlib.contextmanager
def tmpfs(size="2m"):
    d = tempfile.mkdtemp(prefix="shoal-tmpfs-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", d], check=True)
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d], check=False)
        os.rmdir(d)


def fill(mount):
    """Fills the mount to the last byte with one file; returns its path."""
    path = os.path.join(mount, "filler")
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError:
                break
        while True:  # the last partial chunk
            try:
                f.write(b"\0" * 512)
            except OSError:
                break
    return path


def remount(mount, mode):
    subprocess.run(["mount", "-o", f"remount,{mode}", mount], check=True)


def make(kind, mount, args, tmp_path, port=None):
    make_fn = srv.make_shoal if kind == "shoal" else srv.make_redis
    d = tmp_path / f"{kind}-home"
    d.mkdir(exist_ok=True)
    # --dir after the harness's own --dir: the data goes to the mount.
    return make_fn(list(args) + ["--dir", mount], no_persistence=False, dir=str(d), port=port,
                   name=kind)


def call(s, *args):
    with s.connect() as c:
        return c.call(*args)


def info(s, field):
    text = bytes(call(s, "INFO", "persistence")).decode()
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return None


def wait_for(pred, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_bgsave_done(s):
    wait_for(lambda: info(s, "rdb_bgsave_in_progress") == "0", what="BGSAVE to end")


def norm(reply):
    """Replies as comparable values (Error stays distinguishable)."""
    if isinstance(reply, Error):
        return ("err", bytes(reply))
    if isinstance(reply, list):
        return [norm(x) for x in reply]
    return reply


# --- scenarios: each returns a transcript; shoal's must equal redis's ----------------


@contextlib.contextmanager
def server_on_tmpfs(kind, args, tmp_path, start=True):
    """A `kind` server whose data dir is a fresh tmpfs: yields (server, mount);
    stops the server before the mount goes."""
    with tmpfs() as m:
        s = make(kind, m, args, tmp_path)
        try:
            if start:
                s.start()
            yield s, m
        finally:
            s.stop()


class Transcript:
    """What one scenario saw, as (label, values...) rows: commands' replies,
    INFO persistence fields, facts; the server's exit code ends it."""

    def __init__(self, s, mount):
        self.s, self.m, self.rows = s, mount, []

    def add(self, label, *values):
        self.rows.append((label,) + values)

    def cmd(self, label, *args):
        self.add(label, norm(call(self.s, *args)))

    def info(self, label, field):
        self.add(label, info(self.s, field))


def scenario(*args, start=True):
    """Makes `steps(t)` a scenario `(kind, tmp_path) -> transcript`: a `kind`
    server with `args` on a fresh tmpfs (started unless `start` is False), the
    steps recording into a Transcript `t` (t.s the server, t.m the mount),
    then the server's exit code when it was started."""
    def wrap(steps):
        @functools.wraps(steps)
        def run(kind, tmp_path):
            with server_on_tmpfs(kind, args, tmp_path, start=start) as (s, m):
                t = Transcript(s, m)
                try:
                    steps(t)
                finally:
                    if start:
                        t.add("exit", s.stop())
            return t.rows
        return run
    return wrap


@scenario("--save", "3600 1", "--appendonly", "no")
def rdb_disk_full(t):
    s = t.s
    for i in range(5):
        t.cmd("set", "SET", f"k{i}", BIG)
    filler = fill(t.m)
    tx = s.connect()  # a transaction queued before the failure
    t.add("tx-queued", [norm(tx.call(*a)) for a in (["MULTI"], ["SET", "t", "1"])])
    t.cmd("bgsave", "BGSAVE")
    wait_bgsave_done(s)
    t.info("status", "rdb_last_bgsave_status")
    t.add("tx-exec", norm(tx.call("EXEC")), norm(tx.call("EXEC")))
    tx.close()
    t.cmd("set-refused", "SET", "late", "v")
    t.cmd("ping-refused", "PING")
    t.add("get-ok", norm(call(s, "GET", "k0")) == BIG.encode())
    t.cmd("dbsize", "DBSIZE")
    with s.connect() as c:  # refused at queue time: EXEC aborts
        t.add("multi", [norm(c.call(*a)) for a in
                        (["MULTI"], ["SET", "m", "1"], ["GET", "k0"], ["EXEC"])])
    t.cmd("eval-write", "EVAL", "return redis.call('set','e','1')", "0")
    t.cmd("eval-read", "EVAL", "return redis.call('dbsize')", "0")
    t.cmd("eval-ro-flag", "EVAL", "#!lua flags=no-writes\nreturn redis.call('dbsize')", "0")
    os.unlink(filler)
    t.cmd("bgsave2", "BGSAVE")
    wait_bgsave_done(s)
    t.info("status2", "rdb_last_bgsave_status")
    t.cmd("set-again", "SET", "after", "v")
    t.cmd("ping", "PING")
    s.restart()  # SIGTERM: saves (save points exist)
    t.add("after-restart", norm(call(s, "DBSIZE")), norm(call(s, "GET", "k4")) == BIG.encode(),
          norm(call(s, "GET", "after")))


@scenario("--save", "3600 1", "--appendonly", "no")
def rdb_read_only(t):
    t.cmd("set", "SET", "a", "1")
    remount(t.m, "ro")
    t.cmd("bgsave", "BGSAVE")
    wait_bgsave_done(t.s)
    t.info("status", "rdb_last_bgsave_status")
    t.cmd("set-refused", "SET", "b", "2")
    t.cmd("save", "SAVE")
    t.cmd("config-set-no-stop", "CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
    t.cmd("set-allowed", "SET", "c", "3")
    t.cmd("config-set-stop", "CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
    t.cmd("set-refused2", "SET", "d", "4")
    remount(t.m, "rw")
    t.cmd("save-ok", "SAVE")
    t.info("status2", "rdb_last_bgsave_status")
    t.cmd("set-ok", "SET", "e", "5")
    t.s.restart()
    t.cmd("after-restart", "MGET", "a", "b", "c", "d", "e")


@scenario("--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
def aof_everysec_disk_full(t):
    s = t.s
    t.cmd("set", "SET", "k0", BIG)
    filler = fill(t.m)
    # The write that meets the full disk is acknowledged (it stays in the AOF
    # buffer and is retried); the ones after it are refused.
    t.cmd("set-buffered", "SET", "k1", BIG)
    t.info("status", "aof_last_write_status")
    t.cmd("set-refused", "SET", "k2", BIG)
    t.cmd("ping-refused", "PING")
    t.add("get", norm(call(s, "GET", "k1")) == BIG.encode())
    time.sleep(1.5)  # retries fail while the disk is still full
    t.info("still-err", "aof_last_write_status")
    t.add("alive", s.alive())
    os.unlink(filler)
    wait_for(lambda: info(s, "aof_last_write_status") == "ok", what="AOF recovery")
    t.add("status2", "ok")
    t.cmd("set-again", "SET", "k3", "v")
    s.restart()
    t.add("after-restart", norm(call(s, "DBSIZE")), norm(call(s, "GET", "k1")) == BIG.encode(),
          norm(call(s, "GET", "k3")))


@scenario("--save", "", "--appendonly", "yes", "--appendfsync", "always")
def aof_always_disk_full(t):
    """Redis exits when an AOF write fails under appendfsync always: the
    write was never acknowledged, and every acknowledged one is on disk."""
    s = t.s
    acked = []
    for i in range(3):
        t.cmd("set", "SET", f"k{i}", BIG)
        acked.append(f"k{i}")
    filler = fill(t.m)
    try:
        t.cmd("unacked-write-replied", "SET", "lost", BIG)
    except (ConnectionClosed, OSError):
        t.add("connection-closed")
    wait_for(lambda: not s.alive(), what="exit")
    t.add("exited-nonzero", s.proc.returncode != 0)
    os.unlink(filler)
    s.proc = None
    s.start()
    t.add("acked-present", [norm(call(s, "GET", k)) == BIG.encode() for k in acked])
    t.info("status", "aof_last_write_status")


@scenario("--save", "", "--appendonly", "no")
def aof_on_read_only_dir(t):
    """CONFIG SET appendonly yes with a read-only data dir."""
    t.cmd("set", "SET", "a", "1")
    remount(t.m, "ro")
    t.cmd("config-set", "CONFIG", "SET", "appendonly", "yes")
    t.info("aof_enabled", "aof_enabled")
    t.cmd("set", "SET", "b", "2")
    remount(t.m, "rw")
    t.cmd("config-set2", "CONFIG", "SET", "appendonly", "yes")
    wait_for(lambda: info(t.s, "aof_rewrite_in_progress") == "0", what="AOF on")
    t.info("aof_enabled2", "aof_enabled")
    t.add("alive", t.s.alive())


@scenario("--save", "", "--appendonly", "yes", start=False)
def start_on_read_only_dir(t):
    """appendonly yes on a read-only data dir: the AOF cannot be created, so
    the server must not start (and must say so), rather than run unpersisted."""
    remount(t.m, "ro")
    try:
        t.s.start()
        t.add("started")
    except srv.ServerError:
        t.add("refused-to-start", t.s.proc.returncode != 0)


def nodes_conf_entries(path):
    """(myself's configEpoch, its slot fields, the vars line) from a nodes.conf;
    node IDs and addresses differ between the two servers, these do not."""
    with open(path) as f:
        lines = [ln.split() for ln in f.read().splitlines() if ln.strip()]
    me = [f for f in lines if len(f) >= 8 and "myself" in f[2].split(",")]
    assert len(me) == 1, lines
    vars_line = [f for f in lines if f[0] == "vars"]
    return (me[0][6], me[0][8:], [" ".join(v) for v in vars_line])


def wait_nodes_conf(mount):
    """The path of the nodes.conf a cluster node writes at start, once written."""
    conf = os.path.join(mount, "nodes.conf")
    wait_for(lambda: os.path.exists(conf) and os.path.getsize(conf) > 0, what="nodes.conf")
    return conf


def myself_in_cluster_nodes(s):
    for ln in bytes(call(s, "CLUSTER", "NODES")).decode().splitlines():
        f = ln.split()
        if "myself" in f[2].split(","):
            return (f[6], f[8:])
    raise AssertionError("no myself line")


@scenario("--cluster-enabled", "yes", "--save", "", "--appendonly", "no")
def nodes_conf_disk_full(t):
    """A full disk that still has the old nodes.conf's blocks: the change is
    saved in place (Redis always writes it that way; shoal falls back to it
    when its temp file hits ENOSPC) and survives a restart on that disk."""
    conf = wait_nodes_conf(t.m)
    before = os.path.getsize(conf)
    fill(t.m)
    t.cmd("set-config-epoch", "CLUSTER", "SET-CONFIG-EPOCH", "7")
    t.cmd("addslots", "CLUSTER", "ADDSLOTS", "0", "1", "2", "100")
    t.cmd("saveconfig", "CLUSTER", "SAVECONFIG")
    t.add("file", nodes_conf_entries(conf))
    t.add("grew", os.path.getsize(conf) > before)
    # A shorter file afterwards: the newline padding is cut off again.
    t.cmd("delslots", "CLUSTER", "DELSLOTS", "100")
    t.cmd("saveconfig2", "CLUSTER", "SAVECONFIG")
    t.add("file2", nodes_conf_entries(conf))
    with open(conf, "rb") as f:
        t.add("no-padding-left", not f.read().endswith(b"\n\n"))
    t.add("alive", t.s.alive())
    t.s.restart()  # still on the full disk
    t.add("after-restart", myself_in_cluster_nodes(t.s))


SCENARIOS = [rdb_disk_full, rdb_read_only, aof_everysec_disk_full, aof_always_disk_full,
             aof_on_read_only_dir, start_on_read_only_dir, nodes_conf_disk_full]


@pytest.fixture(scope="module")
def _binaries():
    if not srv.shoal_available():
        pytest.skip("no shoal binary")
    if not os.access(srv.REDIS_SERVER, os.X_OK):
        pytest.skip("no redis-server")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_disk_fault_matches_redis(scenario, tmp_path, _binaries):
    want = scenario("redis", tmp_path)
    got = scenario("shoal", tmp_path)
    assert got == want


def test_redis_oracle_gives_the_documented_errors(tmp_path, _binaries):
    """The oracle itself: the texts this file relies on (so a changed
    redis-server cannot make the differential test vacuous)."""
    t = dict((x[0], x[1:]) for x in rdb_disk_full("redis", tmp_path))
    assert t["status"] == ("err",)
    assert t["set-refused"] == (("err", MISCONF_RDB),)
    assert t["status2"] == ("ok",)
    t = dict((x[0], x[1:]) for x in aof_everysec_disk_full("redis", tmp_path))
    assert t["set-buffered"] == (b"OK",) or t["set-buffered"][0] == "OK"
    assert t["status"] == ("err",)
    assert t["set-refused"] == (("err", MISCONF_AOF_ENOSPC),)
    assert t["after-restart"][1] is True


# Every other slot of the first 2400: about 6 KB of nodes.conf, more than the
# one tmpfs page the file has, so on a full disk not even an in-place rewrite
# fits.
MANY_SLOTS = [str(i) for i in range(0, 2400, 2)]


def test_nodes_conf_that_must_grow_on_a_full_disk(tmp_path, _binaries):
    """Redis 7.0 exits ("Fatal: can't update cluster config file") when it
    cannot save nodes.conf. shoal stays up on the configuration in memory
    (exiting would have the restart load the older file, the very state the
    save protects against), refuses failover votes meanwhile (unit test
    cluster/failover "a master that can't save nodes.conf grants no failover
    vote until it can"), keeps the old file complete (it reserves the blocks
    before writing, no torn file), and saves as soon as there is room."""
    args = ["--cluster-enabled", "yes", "--save", "", "--appendonly", "no"]
    # The oracle: Redis exits on the failed save.
    with server_on_tmpfs("redis", args, tmp_path) as (r, m):
        wait_nodes_conf(m)
        fill(m)
        with contextlib.suppress(ConnectionClosed, OSError):
            call(r, "CLUSTER", "ADDSLOTS", *MANY_SLOTS)
        wait_for(lambda: not r.alive(), what="redis-server to exit")
        assert r.proc.returncode == 1
        with open(r.log_path, errors="replace") as f:
            assert "Fatal: can't update cluster config file" in f.read()

    with server_on_tmpfs("shoal", args, tmp_path) as (s, m):
        conf = wait_nodes_conf(m)
        assert call(s, "CLUSTER", "SET-CONFIG-EPOCH", "7") == b"OK"
        assert call(s, "CLUSTER", "SAVECONFIG") == b"OK"
        old = nodes_conf_entries(conf)
        assert old[0] == "7" and old[1] == []
        filler = fill(m)
        assert call(s, "CLUSTER", "ADDSLOTS", *MANY_SLOTS) == b"OK"
        err = call(s, "CLUSTER", "SAVECONFIG")
        assert isinstance(err, Error)
        assert bytes(err).startswith(b"ERR error saving the cluster node config: ")
        assert b"No space left on device" in bytes(err)
        # Still up, still serving, the change live in memory ...
        assert s.alive()
        assert call(s, "PING") == b"PONG"
        assert myself_in_cluster_nodes(s)[1] == MANY_SLOTS
        assert call(s, "CLUSTER", "COUNTKEYSINSLOT", "0") == 0
        # ... and the file untouched and complete (no torn write).
        assert nodes_conf_entries(conf) == old
        with open(s.log_path, errors="replace") as f:
            assert "Can't update the cluster config file" in f.read()
        # Room again: the retry (once a second) saves without any command.
        os.unlink(filler)
        wait_for(lambda: nodes_conf_entries(conf)[1] == MANY_SLOTS, timeout=5,
                 what="the retried nodes.conf save")
        assert nodes_conf_entries(conf)[0] == "7"
        with open(s.log_path, errors="replace") as f:
            assert "is saved again" in f.read()
        s.restart()
        assert myself_in_cluster_nodes(s) == ("7", MANY_SLOTS)
        assert s.stop() == 0

