# Random command generators for the hashes family (HSET ... HSCAN), and the
# HSCAN comparator.
#
# Imported for its side effect: registers @generator functions in
# support.randgen's table under family "hashes" and COMPARATORS["HSCAN"] in
# support.diff (test_diff_hashes.py imports it; any test may).

from . import diff
from .randgen import generator

FIELDS = ["f1", "f2", "f3", "f4", "n", "fl", ""]


def _field(c):
    return c.choice(FIELDS) if c.chance(0.97) else "F" * 70


def _hval(c):
    r = c.rng.random()
    if r < 0.4:
        return c.int_text()
    if r < 0.55:
        return c.float_text()
    if r < 0.6:
        return "v" * 65  # longer than hash-max-listpack-value: hashtable
    return c.choice(["a", "bb", "hello", ""])


def hscan(a, b, ctx):
    """HSCAN: cursors are implementation-specific; when both finished in one
    call, the pairs must be the same (order ignored)."""
    if a.raw == b.raw or a.kind == b"-" or b.kind == b"-":
        return diff.exact(a, b, ctx)
    if a.kind != b.kind or not isinstance(a.value, list) or len(a.value) != 2:
        return "reply types differ"
    (ca, ea), (cb, eb) = a.value, b.value
    if ca == cb == b"0":
        pa = sorted(zip(ea[0::2], ea[1::2]))
        pb = sorted(zip(eb[0::2], eb[1::2]))
        return None if pa == pb else "pairs differ (compared unordered)"
    return None


diff.COMPARATORS["HSCAN"] = hscan


@generator("HSET", family="hashes", weight=6)
def _hset(c):
    cmd = c.choice(["HSET", "HSET", "HMSET"])
    a = [cmd, c.key()]
    for _ in range(c.rng.randint(1, 3)):
        a += [_field(c), _hval(c)]
    if c.chance(0.04):
        a.append("odd")
    return a


@generator("HSETNX", family="hashes", weight=1)
def _hsetnx(c):
    return ["HSETNX", c.key(), _field(c), _hval(c)]


@generator("HGET", family="hashes", weight=4)
def _hget(c):
    r = c.rng.random()
    if r < 0.5:
        return ["HGET", c.key(), _field(c)]
    if r < 0.7:
        return ["HMGET", c.key()] + [_field(c) for _ in range(c.rng.randint(1, 3))]
    return [c.choice(["HEXISTS", "HSTRLEN"]), c.key(), _field(c)]


@generator("HDEL", family="hashes", weight=2)
def _hdel(c):
    return ["HDEL", c.key()] + [_field(c) for _ in range(c.rng.randint(1, 3))]


@generator("HLEN", family="hashes", weight=2)
def _hlen(c):
    return [c.choice(["HLEN", "HKEYS", "HVALS", "HGETALL"]), c.key()]


@generator("HINCRBY", family="hashes", weight=3)
def _hincrby(c):
    if c.chance(0.5):
        return ["HINCRBY", c.key(), c.choice(["n", "f1", "fl"]), c.int_text()]
    return ["HINCRBYFLOAT", c.key(), c.choice(["n", "fl", "f2"]),
            c.float_text() if c.chance(0.8) else c.int_text()]


@generator("HRANDFIELD", family="hashes", weight=2)
def _hrandfield(c):
    a = ["HRANDFIELD", c.key()]
    if c.chance(0.7):
        a.append(c.choice(["0", "1", "2", "5", "-1", "-3", "-10", "x",
                           "-9223372036854775808", "4611686018427387904"]))
        if c.chance(0.5):
            a.append("WITHVALUES" if c.chance(0.9) else "BAD")
    return a


@generator("HSCAN", family="hashes", weight=1)
def _hscan(c):
    # Only cursor 0 (or garbage): a resumed cursor means different buckets
    # in shoal and redis once the hash is a hashtable.
    a = ["HSCAN", c.key(), c.choice(["0", "0", "0", "x"])]
    if c.chance(0.4):
        a += ["MATCH", c.choice(["*", "f*", "n", "f[12]"])]
    if c.chance(0.4):
        a += ["COUNT", c.choice(["1", "100", "0", "x"])]
    return a


@generator("OBJECT ENCODING hash", family="hashes", weight=0.5)
def _enc(c):
    return ["OBJECT", "ENCODING", c.key()]
