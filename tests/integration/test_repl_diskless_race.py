# A redis-server 7.0 replica doing a diskless (EOF-marked) full sync from a
# shoal master while clients keep writing (issue 9, found by the sanitizer
# run: under ASan's slower timing the sync of test_replication hung).
#
# A Redis replica finds the end of an EOF-marked RDB by the 40-byte mark
# being the last bytes of a read; if stream bytes follow the mark in the same
# read, it never sees the end and the sync hangs until repl-timeout. Redis
# masters hold the command stream until the replica's first REPLCONF ACK
# (repl_start_cmd_stream_on_ack); shoal must too. Without that, this test
# failed every time.

import threading
import time

import redis


def _writer(master, stop):
    c = redis.Redis(host=master.host, port=master.port)
    i = 0
    while not stop.is_set():
        p = c.pipeline(transaction=False)
        for _ in range(50):
            p.set(f"w{i % 1000}", i)
            i += 1
        p.execute()


def test_redis_replica_finishes_a_diskless_sync_under_a_write_load(shoal_factory, redis_factory):
    master = shoal_factory()
    mc = redis.Redis(host=master.host, port=master.port)
    for i in range(2000):
        mc.set(f"k{i}", "x" * 20)
    for attempt in range(3):
        stop = threading.Event()
        t = threading.Thread(target=_writer, args=(master, stop), daemon=True)
        t.start()
        try:
            replica = redis_factory(["--replicaof", master.host, str(master.port)])
            rr = redis.Redis(host=replica.host, port=replica.port)
            deadline = time.time() + 15
            while time.time() < deadline:
                if rr.info("replication").get("master_link_status") == "up":
                    break
                time.sleep(0.05)
            assert rr.info("replication").get("master_link_status") == "up", \
                f"attempt {attempt}: the replica never finished the sync\n{replica.log_tail(8)}"
        finally:
            stop.set()
            t.join(10)
        # Once the writes stop, the replica holds exactly the master's data.
        deadline = time.time() + 15
        while time.time() < deadline:
            mi, ri = mc.info("replication"), rr.info("replication")
            if mi["master_repl_offset"] == ri["master_repl_offset"]:
                break
            time.sleep(0.05)
        assert ri["master_repl_offset"] == mi["master_repl_offset"]
        assert rr.dbsize() == mc.dbsize()
        assert rr.get("w999") == mc.get("w999")
        replica.stop()
