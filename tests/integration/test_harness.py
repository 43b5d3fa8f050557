# Self-tests of the integration harness (support/): the RESP reply parser on
# every RESP3 type, and the differential runner's ability to notice and report
# a difference.  Needs only redis-server.

import pytest

from support import randgen
from support.diff import COMPARATORS, DiffRunner, Mismatch, Reply, comparator_for, exact
from support.resp import (Attributed, BigNumber, BlobError, Double, Error, Map, Push, Set,
                          Simple, Verbatim, parse_all, parse_one)

PARSE_CASES = [
    (b"+OK\r\n", Simple(b"OK")),
    (b"-ERR bad\r\n", Error(b"ERR bad")),
    (b":-42\r\n", -42),
    (b"$3\r\na\r\n\r\n", b"a\r\n"),
    (b"$0\r\n\r\n", b""),
    (b"$-1\r\n", None),
    (b"*-1\r\n", None),
    (b"*0\r\n", []),
    (b"_\r\n", None),
    (b",1.5\r\n", Double(1.5)),
    (b",inf\r\n", Double("inf")),
    (b",-inf\r\n", Double("-inf")),
    (b"#t\r\n", True),
    (b"#f\r\n", False),
    (b"!5\r\nERR x\r\n", BlobError(b"ERR x")),
    (b"=7\r\ntxt:abc\r\n", Verbatim(b"txt", b"abc")),
    (b"(12345678901234567890123\r\n", BigNumber(12345678901234567890123)),
    (b"%1\r\n$1\r\na\r\n:1\r\n", Map([(b"a", 1)])),
    (b"~2\r\n$1\r\na\r\n:1\r\n", Set([b"a", 1])),
    (b">2\r\n$7\r\nmessage\r\n_\r\n", Push([b"message", None])),
    (b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n", Attributed(Map([(Simple(b"ttl"), 3)]), b"v")),
    (b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n%1\r\n~1\r\n#t\r\n*1\r\n_\r\n",
     [[b"a", 1.0], Map([(Set([True]), [None])])]),
]


@pytest.mark.parametrize("raw,value", PARSE_CASES, ids=[repr(c[0][:12]) for c in PARSE_CASES])
def test_parser_reads_every_resp3_type(raw, value):
    got, end = parse_one(raw)
    assert end == len(raw)
    assert got == value
    assert type(got) is type(value) or value is None
    # Every strict prefix is incomplete, never a wrong value.
    for i in range(len(raw)):
        assert parse_one(raw[:i]) is None, raw[:i]


def test_parser_types_and_nan():
    assert isinstance(parse_one(b",nan\r\n")[0], Double)
    assert parse_all(b"+a\r\n:1\r\n") == [b"a", 1]


def test_comparators_tolerate_ttl_and_order_only():
    def r(raw):
        return Reply(raw, parse_one(raw)[0], None)
    ttl = comparator_for(["TTL", "k"])
    assert ttl(r(b":100\r\n"), r(b":99\r\n"), None) is None
    assert ttl(r(b":100\r\n"), r(b":90\r\n"), None) is not None
    assert ttl(r(b":-1\r\n"), r(b":-2\r\n"), None) is not None
    keys = comparator_for(["KEYS", "*"])
    assert keys(r(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"), r(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"), None) is None
    assert keys(r(b"*1\r\n$1\r\na\r\n"), r(b"*1\r\n$1\r\nb\r\n"), None) is not None
    assert comparator_for(["GET", "k"]) is exact
    assert comparator_for(["COMMAND", "INFO", "get"]).__name__ == "command_info"
    assert comparator_for(["config", "get", "port"]) is COMPARATORS[("CONFIG", "GET")]


def test_random_generator_is_deterministic_and_covers_every_generator():
    # Every family module may be loaded (the whole suite imports them): enough
    # steps that the base families still show each of these.
    base = {"strings", "keys", "connection"}
    a = randgen.generate(5, 3000, now=1700000000, families=base)
    b = randgen.generate(5, 3000, now=1700000000, families=base)
    assert repr(a) == repr(b)
    names = {str(s[0]).upper() if isinstance(s, list) else "SCAN" for s in a}
    for name in ["SET", "GET", "GETEX", "LCS", "EXPIRE", "COPY", "OBJECT", "ECHO"]:
        assert name in names
    assert randgen.generate(5, 10, families={"keys"})


def test_runner_reports_first_difference_with_context(redis_factory):
    a = redis_factory(["--hz", "11"])
    b = redis_factory()
    a.name, b.name = "left", "right"
    runner = DiffRunner(a, b, label="self-test").reset()
    runner.run([["SET", "k", "v"], ["GET", "k"], ["CONFIG", "GET", "port"]])
    with pytest.raises(Mismatch) as e:
        runner.run([["INCR", "n"], ["CONFIG", "GET", "hz"], ["PING"]])
    text = str(e.value)
    assert "CONFIG GET hz" in text and "INCR n" in text and "$2\\r\\n11" in text
    runner.close()


def test_nodes_on_several_loopback_addresses_share_one_port(redis_factory):
    """127.0.0.11..16 with the same port: like containers on a bridge network."""
    from support import ports
    hosts = ports.loopback_addresses(3)
    port = ports.free_port_on_all(hosts, with_bus=True)
    servers = [redis_factory(host=h, port=port) for h in hosts]
    for s in servers:
        s.call("SET", "me", s.host)
    for s in servers:
        assert s.call("GET", "me") == s.host.encode()
        assert s.port == port


def test_server_stop_is_by_pid_and_logs_are_captured(redis_factory):
    s = redis_factory()
    pid = s.pid
    assert "Ready to accept connections" in s.log_tail(100)
    assert s.stop() == 0
    assert not s.alive()
    import os
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
