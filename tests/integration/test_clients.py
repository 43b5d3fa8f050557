# Real clients against shoal: redis-cli (arguments, a piped command file,
# --pipe mode), python3-redis, and redis-benchmark.  redis-cli output is
# compared with the same invocation against the redis-server oracle.
#
# SHOAL_BENCH_N sets redis-benchmark's -n (default 200000).

import os
import subprocess

import pytest

from support import server as srv

BENCH_N = int(os.environ.get("SHOAL_BENCH_N", "200000"))


def cli(server, *args, stdin=None, timeout=60):
    """Runs redis-cli against `server`; returns (returncode, stdout, stderr) bytes."""
    p = subprocess.run([srv.REDIS_CLI, "-h", server.host, "-p", str(server.port)] +
                       [str(a) for a in args], input=stdin, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


CLI_INVOCATIONS = [
    ["SET", "a", "b"],
    ["GET", "a"],
    ["GET", "nokey"],
    ["SET", "n", "10"],
    ["INCR", "n"],
    ["INCRBYFLOAT", "n", "0.5"],
    ["MSET", "x", "1", "y", "2"],
    ["MGET", "x", "y", "nokey"],
    ["EXISTS", "x", "y", "nokey"],
    ["TYPE", "x"],
    ["DEL", "x"],
    ["GETRANGE", "a", "0", "-1"],
    ["SET", "a", "b", "EX", "0"],
    ["INCR", "a"],
    ["FOO", "bar"],
    ["PING"],
    ["ECHO", "hello world"],
    ["DBSIZE"],
    ["LCS", "a", "a", "IDX"],
    ["-3", "MGET", "a", "nokey"],
    ["-3", "INCRBYFLOAT", "n", "1"],
    ["--no-raw", "MGET", "a", "nokey"],
    ["--no-raw", "INCR", "n"],
    ["--no-raw", "GET", "nokey"],
    ["-n", "1", "SET", "a", "db1"],
    ["-n", "1", "GET", "a"],
    ["GET", "a"],
]

CLI_SCRIPT = b"""SET a 1
INCR a
INCRBY a 10
GET a
GET nokey
MSET k1 v1 k2 v2
MGET k1 k2 nokey
SET "quoted key" "value with spaces"
GET "quoted key"
APPEND k1 xyz
STRLEN k1
EXPIRE k1 100
TTL k1
PERSIST k1
TTL k1
RENAME k1 k3
EXISTS k1 k3
DBSIZE
FLUSHALL
DBSIZE
"""


def _both(diff_pair):
    for s in diff_pair:
        s.call("FLUSHALL")
    return diff_pair


def test_redis_cli_arguments_give_same_output_as_redis(diff_pair):
    shoal, redis = _both(diff_pair)
    for args in CLI_INVOCATIONS:
        got = cli(shoal, *args)
        want = cli(redis, *args)
        assert got == want, f"redis-cli {' '.join(args)}: {shoal.name} {got!r} vs {want!r}"


def test_redis_cli_piped_file_gives_same_output_as_redis(diff_pair, tmp_path):
    shoal, redis = _both(diff_pair)
    path = tmp_path / "commands.txt"
    path.write_bytes(CLI_SCRIPT)
    outs = []
    for s in (shoal, redis):
        with open(path, "rb") as f:
            p = subprocess.run([srv.REDIS_CLI, "-h", s.host, "-p", str(s.port)], stdin=f,
                               capture_output=True, timeout=60)
        outs.append((p.returncode, p.stdout, p.stderr))
    # TTL right after EXPIRE 100 is 100 on both (second resolution).
    assert outs[0] == outs[1]
    assert outs[1][0] == 0


def test_redis_cli_pipe_mode_loads_every_key(shoal, tmp_path):
    n = 20000
    lines = []
    for i in range(n):
        k, v = f"key:{i}".encode(), f"value-{i}".encode()
        lines.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    rc, out, err = cli(shoal, "--pipe", stdin=b"".join(lines), timeout=120)
    text = out.decode(errors="replace")
    assert rc == 0, (out, err)
    assert f"errors: 0, replies: {n}" in text, text
    assert shoal.call("DBSIZE") == n
    assert shoal.call("GET", "key:12345") == b"value-12345"


def test_python_redis_basic_usage(shoal):
    redis = pytest.importorskip("redis")
    r = shoal.redis_py(decode_responses=True)
    assert r.ping() is True
    assert r.set("a", "1") is True
    assert r.get("a") == "1"
    assert r.incr("a") == 2
    assert r.incrby("a", 5) == 7
    assert r.incrbyfloat("a", 0.5) == 7.5
    assert r.set("a", "x", nx=True) is None
    assert r.set("b", "y", ex=100) is True
    assert 99 <= r.ttl("b") <= 100
    assert r.mset({"m1": "1", "m2": "2"}) is True
    assert r.mget("m1", "m2", "nokey") == ["1", "2", None]
    assert r.exists("m1", "m2", "nokey") == 2
    assert r.getdel("m1") == "1"
    assert r.append("m2", "zz") == 3
    assert r.getrange("m2", 1, -1) == "zz"
    assert r.setrange("m2", 0, "X") == 3
    assert r.strlen("m2") == 3
    assert r.type("m2") == "string"
    assert r.expire("m2", 100) is True
    assert r.persist("m2") is True
    assert r.rename("m2", "m3") is True
    assert r.copy("m3", "m4") is True
    assert sorted(r.keys("m*")) == ["m3", "m4"]
    assert sorted(r.scan_iter(match="m*", count=1)) == ["m3", "m4"]
    assert r.delete("m3", "m4", "nokey") == 2
    assert r.dbsize() == 2  # a, b
    assert r.echo("hi") == "hi"
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("b")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("GET")
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"p{i}", i)
        pipe.incr(f"p{i}")
    results = pipe.execute()
    assert results == [x for i in range(100) for x in (True, i + 1)]
    assert r.flushall() is True
    assert r.dbsize() == 0
    r.close()


def test_python_redis_binary_values_and_many_connections(shoal):
    pytest.importorskip("redis")
    clients = [shoal.redis_py() for _ in range(30)]
    value = bytes(range(256)) * 100
    for i, c in enumerate(clients):
        c.set(f"bin{i}", value)
    for i, c in enumerate(clients):
        assert c.get(f"bin{(i + 1) % 30}") == value
    for c in clients:
        c.close()


BENCH_TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"]


@pytest.mark.parametrize("pipeline", [1, 16])
def test_redis_benchmark_runs_without_errors(shoal, pipeline):
    p = subprocess.run([srv.REDIS_BENCHMARK, "-h", shoal.host, "-p", str(shoal.port), "-t",
                        "ping,set,get,incr,mset", "-c", "50", "-n", str(BENCH_N), "-P",
                        str(pipeline), "-q"], capture_output=True, timeout=600)
    out = (p.stdout + p.stderr).decode(errors="replace")
    assert p.returncode == 0, out
    # -q prints progress lines ended by \r, and one final line per test.
    finals = [seg.strip() for line in out.split("\n") for seg in line.split("\r")[-1:]]
    reported = {line.split(":")[0] for line in finals if "requests per second" in line}
    assert reported == set(BENCH_TESTS), out
    lowered = out.lower()
    assert "err" not in lowered and "error" not in lowered, out
    assert "could not fetch" not in lowered, out
    assert shoal.alive()
