# tests/integration/test_propagation.py — what a top-level command propagates
# to the AOF and replicas, compared with redis-server 7.0 command for command
# (MULTI/EXEC and SELECT included): Redis 7.0 collects everything one command
# propagates (a transaction's writes, a script's writes, several effects of
# one command) and wraps it in MULTI/EXEC when there is more than one, so a
# replica or an AOF reload applies it atomically; a single effect is not
# wrapped.

import glob
import os
import time

import pytest


def _aof_commands(server):
    """Every command in the incremental AOF files, in order (parsed RESP)."""
    out = []
    for f in sorted(glob.glob(os.path.join(server.dir, "**", "*.incr.aof"), recursive=True)):
        data = open(f, "rb").read()
        i = 0
        while i < len(data):
            assert data[i:i + 1] == b"*", data[i:i + 40]
            j = data.index(b"\r\n", i)
            n = int(data[i + 1:j])
            i = j + 2
            words = []
            for _ in range(n):
                j = data.index(b"\r\n", i)
                ln = int(data[i + 1:j])
                words.append(data[j + 2:j + 2 + ln])
                i = j + 2 + ln + 2
            out.append(words)
    # Absolute times differ between the two servers.
    for words in out:
        for k in range(len(words) - 1):
            if words[k].upper() in (b"PXAT", b"TIME"):
                words[k + 1] = b"<time>"
    return out


SCENARIOS = {
    "exec_with_two_writes": [["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"]],
    "exec_with_one_write": [["MULTI"], ["SET", "a", "1"], ["GET", "a"], ["EXEC"]],
    "exec_read_only": [["SET", "a", "1"], ["MULTI"], ["GET", "a"], ["EXEC"]],
    "exec_across_databases": [["MULTI"], ["SET", "a", "1"], ["SELECT", "3"], ["SET", "b", "2"],
                              ["EXEC"], ["SET", "c", "3"]],
    "eval_two_writes": [["EVAL", "redis.call('SET', KEYS[1], 'x'); redis.call('DEL', KEYS[2]); "
                         "return 1", "2", "k1", "k2"]],
    "eval_one_write": [["EVAL", "redis.call('SET', KEYS[1], 'x'); return 1", "1", "k1"]],
    "eval_in_exec": [["MULTI"], ["SET", "z", "0"],
                     ["EVAL", "redis.call('INCR', KEYS[1]); redis.call('INCR', KEYS[1])", "1", "z"],
                     ["EXEC"]],
    "xreadgroup_effects": [["XADD", "s", "1-0", "f", "v"], ["XADD", "s", "2-0", "f", "v"],
                           ["XGROUP", "CREATE", "s", "g", "0"],
                           ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]],
    "lazy_expire_inside_exec": [["SET", "e", "1", "PX", "1"], ["SLEEP"], ["MULTI"],
                                ["GET", "e"], ["SET", "f", "2"], ["EXEC"]],
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_propagation_matches_redis(scenario, shoal_factory, redis_factory):
    seqs = []
    for fac in (shoal_factory, redis_factory):
        s = fac(["--appendonly", "yes", "--appendfsync", "always"], no_persistence=False)
        with s.connect() as c:
            for cmd in SCENARIOS[scenario]:
                if cmd == ["SLEEP"]:
                    time.sleep(0.05)
                    continue
                c.call(*cmd)
        seqs.append(_aof_commands(s))
    assert seqs[0] == seqs[1], f"\nshoal: {seqs[0]}\nredis: {seqs[1]}"
