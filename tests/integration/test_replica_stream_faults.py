# A replica against a scripted master (a Python socket server speaking
# PSYNC): the stream faults the chaos soak found.
#  - The master's link drops in the middle of a command. The replica resumes
#    with a partial resync from the last whole command; the resent command
#    must be parsed from its first byte. (The parser kept the cut frame's
#    progress and read the next link's bytes inside it: "Unknown command from
#    master: pin" and a lost WAIT-confirmed write.)
#  - The stream (or an AOF) holds a command with the wrong number of
#    arguments: an error for that command, never a crash. (A "*1 SET" made
#    the node read past its arguments and die on every restart.)

import os
import socket
import threading
import time

import redis

from support.resp import encode_command as _cmd
from support.server import NO_PERSISTENCE
from support.wait import wait_until

REPLID = "a" * 40


class FakeMaster:
    """Accepts replica connections one at a time; `script(conn, psync_args)`
    answers after the handshake and decides what to send. A script that keeps
    its link open waits on `stopped`, which close() sets, so teardown does
    not wait for it."""

    def __init__(self, script):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.script = script
        self.psyncs = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _read_command(self, f):
        line = f.readline()
        if not line:
            return None
        assert line.startswith(b"*"), line
        args = []
        for _ in range(int(line[1:])):
            n = int(f.readline()[1:])
            args.append(f.read(n + 2)[:-2])
        return args

    def _run(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            f = conn.makefile("rb")
            try:
                while True:
                    args = self._read_command(f)
                    if args is None:
                        break
                    name = args[0].upper()
                    if name == b"PING":
                        conn.sendall(b"+PONG\r\n")
                    elif name == b"REPLCONF":
                        if args[1].upper() != b"ACK":
                            conn.sendall(b"+OK\r\n")
                    elif name in (b"PSYNC", b"SYNC"):
                        self.psyncs.append(args)
                        if not self.script(conn, args):
                            break
            except (OSError, AssertionError, ValueError):
                pass
            finally:
                f.close()  # the file object holds the socket open too
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()


def _empty_rdb(redis_factory):
    o = redis_factory(["--save", "", "--appendonly", "no"])
    r = redis.Redis(host=o.host, port=o.port)
    r.save()
    with open(os.path.join(o.dir, "dump.rdb"), "rb") as fh:
        return fh.read()


def _replica_of(shoal_factory, fake):
    """A fresh shoal node replicating from the scripted master."""
    replica = shoal_factory(NO_PERSISTENCE)
    r = redis.Redis(host=replica.host, port=replica.port, decode_responses=True)
    r.execute_command("REPLICAOF", "127.0.0.1", fake.port)
    return replica, r


def test_a_command_cut_by_a_dropped_link_does_not_swallow_the_next_links_stream(
        shoal_factory, redis_factory):
    """The link drops after SET b's first two words; the next link (a full
    resync from a master with another history, as after a failover) streams
    other commands, which must be parsed from their own first byte."""
    rdb = _empty_rdb(redis_factory)
    first = _cmd("SET", "a", "1")
    cut = _cmd("SET", "b", "2")
    cut = cut[:cut.index(b"b\r\n") + 3]  # "*3 $3 SET $1 b": the value never comes
    other = _cmd("INCR", "counter") + _cmd("SET", "c", "3")

    def script(conn, args):
        replid = (b"a" if len(fake.psyncs) == 1 else b"b") * 40
        conn.sendall(b"+FULLRESYNC %s 0\r\n$%d\r\n" % (replid, len(rdb)) + rdb)
        time.sleep(0.3)  # the replica loads the RDB and starts streaming
        if len(fake.psyncs) == 1:
            conn.sendall(first + cut)
            time.sleep(0.3)
            return False  # drop the link mid-command
        conn.sendall(other)
        fake.stopped.wait(30)  # keep the link open until the test ends
        return False

    fake = FakeMaster(script)
    try:
        replica, r = _replica_of(shoal_factory, fake)
        wait_until(lambda: r.get("c") == "3", timeout=15, what="the second link's commands")
        assert r.get("counter") == "1"
        assert r.get("b") is None
        assert len(fake.psyncs) == 2
        log = replica.log_text()
        assert "Unknown command from master" not in log
        assert "Protocol error" not in log
    finally:
        fake.close()


def test_a_command_with_too_few_arguments_from_the_master_is_an_error_not_a_crash(
        shoal_factory, redis_factory):
    rdb = _empty_rdb(redis_factory)

    def script(conn, args):
        conn.sendall(b"+FULLRESYNC %s 0\r\n$%d\r\n" % (REPLID.encode(), len(rdb)) + rdb)
        time.sleep(0.3)
        conn.sendall(_cmd("SET") + _cmd("GETEX") + _cmd("SET", "after", "ok"))
        fake.stopped.wait(30)  # keep the link open until the test ends
        return False

    fake = FakeMaster(script)
    try:
        replica, r = _replica_of(shoal_factory, fake)
        wait_until(lambda: r.get("after") == "ok", timeout=15, what="the command after the bad ones")
        assert r.ping()
        log = replica.log_text()
        assert "This replica is sending an error to its master" in log
        assert "wrong number of arguments for 'set' command" in log
    finally:
        fake.close()


def test_an_aof_command_with_too_few_arguments_does_not_crash_the_load(shoal_factory, tmp_path):
    d = tmp_path / "node"
    (d / "appendonlydir").mkdir(parents=True)
    (d / "appendonlydir" / "appendonly.aof.1.incr.aof").write_bytes(
        _cmd("SELECT", "0") + _cmd("SET") + _cmd("SET", "k", "v"))
    (d / "appendonlydir" / "appendonly.aof.manifest").write_text(
        "file appendonly.aof.1.incr.aof seq 1 type i\n")
    n = shoal_factory(["--appendonly", "yes", "--save", ""], dir=str(d))
    r = redis.Redis(host=n.host, port=n.port, decode_responses=True)
    assert r.get("k") == "v"
    assert r.dbsize() == 1
