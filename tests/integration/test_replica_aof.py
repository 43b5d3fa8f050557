# Regression: a replica with appendonly yes that got its data by a full
# resync must rewrite its AOF from the new dataset (as Redis does after a
# sync). Otherwise a restart (after a crash, or after being promoted and
# stopped) loads the stale AOF and the data is gone.

import time

import redis


def test_a_replica_rewrites_its_aof_after_a_full_sync(shoal_factory):
    master = shoal_factory(["--appendonly", "yes"], no_persistence=False)
    m = redis.Redis(host=master.host, port=master.port)
    for i in range(300):
        m.set(f"k{i}", i)
    replica = shoal_factory(["--appendonly", "yes", "--replicaof", master.host,
                             str(master.port)], no_persistence=False)
    r = redis.Redis(host=replica.host, port=replica.port)
    deadline = time.time() + 10
    while time.time() < deadline and r.dbsize() != 300:
        time.sleep(0.1)
    assert r.dbsize() == 300
    time.sleep(1)  # the rewrite child finishes
    replica.kill()  # a crash: nothing saved at shutdown
    replica.restart(args=["--appendonly", "yes", "--shoal-http-port", "0"])  # a master now
    r = redis.Redis(host=replica.host, port=replica.port)
    assert r.dbsize() == 300
    assert r.get("k299") == b"299"
