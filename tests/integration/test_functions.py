# FUNCTION libraries beyond single replies: they reach replicas (as the
# commands themselves and inside full-sync RDBs, redis-server and shoal on
# either side), survive restarts from RDB and AOF, move between shoal and
# redis-server in dump.rdb, and FUNCTION DUMP / RESTORE payloads are
# exchangeable with redis-server.

import os
import shutil
import time

import pytest

LIB = ("#!lua name=mylib\n"
       "redis.register_function{function_name='setit', callback=function(k, a) "
       "return redis.call('set', k[1], a[1]) end, description='sets'}\n"
       "redis.register_function{function_name='getit', callback=function(k) "
       "return redis.call('get', k[1]) end, flags={'no-writes'}}")
LIB2 = "#!lua name=other\nredis.register_function('two', function() return 2 end)"


def wait_until(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if pred():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def lib_names(server):
    return sorted(entry[1] for entry in server.call("FUNCTION", "LIST"))


def linked(replica):
    return replica.info_field("replication", "master_link_status") == "up"


@pytest.mark.parametrize("master_kind,replica_kind",
                         [("shoal", "redis"), ("redis", "shoal"), ("shoal", "shoal")])
def test_functions_reach_replicas_by_full_sync_and_stream(master_kind, replica_kind,
                                                          shoal_factory, redis_factory):
    fac = {"shoal": shoal_factory, "redis": redis_factory}
    master = fac[master_kind]()
    assert master.call("FUNCTION", "LOAD", LIB) == b"mylib"
    master.call("FCALL", "setit", "1", "k", "v")
    replica = fac[replica_kind](["--replicaof", master.host, str(master.port)])
    wait_until(lambda: linked(replica), 20, "the replica link")
    wait_until(lambda: lib_names(replica) == [b"mylib"], 10, "mylib on the replica (full sync)")
    assert replica.call("FCALL_RO", "getit", "1", "k") == b"v"
    # Later changes stream as the commands themselves.
    master.call("FUNCTION", "LOAD", LIB2)
    wait_until(lambda: lib_names(replica) == [b"mylib", b"other"], 10, "LOAD on the replica")
    master.call("FUNCTION", "DELETE", "mylib")
    wait_until(lambda: lib_names(replica) == [b"other"], 10, "DELETE on the replica")
    payload = master.call("FUNCTION", "DUMP")
    master.call("FUNCTION", "FLUSH")
    wait_until(lambda: lib_names(replica) == [], 10, "FLUSH on the replica")
    master.call("FUNCTION", "RESTORE", payload)
    wait_until(lambda: lib_names(replica) == [b"other"], 10, "RESTORE on the replica")
    assert master.call("FCALL", "two", "0") == 2
    # A function without no-writes is refused on a read-only replica.
    raw = replica.connect().call_raw("FCALL", "two", "0")[0]
    assert raw == b"-READONLY You can't write against a read only replica.\r\n"
    # A replica refuses to load functions itself.
    raw = replica.connect().call_raw("FUNCTION", "LOAD", LIB)[0]
    assert raw == b"-READONLY You can't write against a read only replica.\r\n"


def test_functions_survive_restart_from_rdb_and_aof(shoal_factory):
    s = shoal_factory(no_persistence=False, args=["--save", ""])
    s.call("FUNCTION", "LOAD", LIB)
    assert s.connect().call_raw("SAVE")[0] == b"+OK\r\n"
    s.restart()
    assert lib_names(s) == [b"mylib"]
    assert s.connect().call_raw("FCALL", "setit", "1", "a", "b")[0] == b"+OK\r\n"
    # AOF: the LOAD goes into the incr file, then into the base after a rewrite.
    a = shoal_factory(no_persistence=False, args=["--appendonly", "yes", "--save", ""])
    a.call("FUNCTION", "LOAD", LIB)
    a.call("FUNCTION", "LOAD", LIB2)
    a.call("FUNCTION", "DELETE", "other")
    a.restart()
    assert lib_names(a) == [b"mylib"]
    a.call("BGREWRITEAOF")
    wait_until(lambda: a.info_field("persistence", "aof_rewrite_in_progress") == "0", 10,
               "the AOF rewrite")
    time.sleep(0.3)
    a.restart()
    assert lib_names(a) == [b"mylib"]


def test_dump_rdb_with_functions_moves_between_redis_and_shoal(shoal_factory, redis_factory,
                                                                tmp_path):
    r1 = redis_factory(no_persistence=False, args=["--save", ""])
    r1.call("FUNCTION", "LOAD", LIB)
    r1.call("SAVE")
    s_dir = str(tmp_path / "shoal")
    os.makedirs(s_dir)
    shutil.copy(os.path.join(r1.dir, "dump.rdb"), os.path.join(s_dir, "dump.rdb"))
    s = shoal_factory(dir=s_dir, no_persistence=False, args=["--save", ""])
    assert lib_names(s) == [b"mylib"]
    s.call("FUNCTION", "LOAD", LIB2)
    s.call("SAVE")
    r_dir = str(tmp_path / "redis2")
    os.makedirs(r_dir)
    shutil.copy(os.path.join(s_dir, "dump.rdb"), os.path.join(r_dir, "dump.rdb"))
    r2 = redis_factory(dir=r_dir, no_persistence=False, args=["--save", ""])
    assert lib_names(r2) == [b"mylib", b"other"]
    # DUMP payloads are exchangeable both ways.
    payload = r2.call("FUNCTION", "DUMP")
    s.call("FUNCTION", "FLUSH")
    assert s.connect().call_raw("FUNCTION", "RESTORE", payload)[0] == b"+OK\r\n"
    assert lib_names(s) == [b"mylib", b"other"]
    r2.call("FUNCTION", "FLUSH")
    assert r2.connect().call_raw("FUNCTION", "RESTORE", s.call("FUNCTION", "DUMP"))[0] == b"+OK\r\n"
    assert lib_names(r2) == [b"mylib", b"other"]
