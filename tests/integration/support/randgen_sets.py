# Random command generators for the "sets" family (SADD ... SSCAN), registered
# into randgen.GENERATORS on import.  Imported by test_diff_sets.py.
#
# Determinism: SPOP is only generated with a count that empties the key (the
# popped members are then the whole set); SRANDMEMBER is read-only and its
# replies are compared by length (diff.COMPARATORS).

from .diff import COMPARATORS, exact
from .randgen import generator

SET_KEYS = ["s0", "s1", "s2", "s3"]


def _skey(c):
    r = c.rng.random()
    if r < 0.85:
        return c.choice(SET_KEYS)
    if r < 0.95:
        return c.choice(["k0", "k1"])  # maybe a string (WRONGTYPE)
    return "missing"


def member(c):
    r = c.rng.random()
    if r < 0.45:
        return str(c.rng.randint(-5, 30))
    if r < 0.85:
        return c.choice("abcdefgh") + (c.choice(["", "x", "yy"]))
    return c.choice(["", "01", "-0", "9223372036854775807", "9223372036854775808", " 1",
                     "1.5", "x" * 70])


def _scan_unordered(a, b, ctx):
    """SSCAN/ZSCAN: a full reply at cursor 0 is compared as a set of members
    (or pairs); partial pages only by type (cursors are implementation-defined)."""
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    if a.kind != b.kind or len(a.value) != 2 or len(b.value) != 2:
        return "reply shapes differ"
    if a.value[0] == b"0" and b.value[0] == b"0":
        pa, pb = a.value[1], b.value[1]
        if len(pa) != len(pb):
            return "different number of elements"
        if _is_z(a):
            pa, pb = sorted(zip(pa[0::2], pa[1::2])), sorted(zip(pb[0::2], pb[1::2]))
        else:
            pa, pb = sorted(pa), sorted(pb)
        return None if pa == pb else "elements differ (compared as sets)"
    return None


def _is_z(reply):
    return getattr(reply, "_zscan", False)


def _zscan_unordered(a, b, ctx):
    a._zscan = b._zscan = True
    return _scan_unordered(a, b, ctx)


COMPARATORS.setdefault("SSCAN", _scan_unordered)
COMPARATORS.setdefault("ZSCAN", _zscan_unordered)


@generator("SADD", family="sets", weight=6)
def _sadd(c):
    return ["SADD", _skey(c)] + [member(c) for _ in range(c.rng.randint(1, 5))]


@generator("SREM", family="sets", weight=3)
def _srem(c):
    return ["SREM", _skey(c)] + [member(c) for _ in range(c.rng.randint(1, 4))]


@generator("SMEMBERS", family="sets", weight=2)
def _smembers(c):
    return ["SMEMBERS", _skey(c)]


@generator("SISMEMBER", family="sets", weight=2)
def _sismember(c):
    if c.chance(0.5):
        return ["SISMEMBER", _skey(c), member(c)]
    return ["SMISMEMBER", _skey(c)] + [member(c) for _ in range(c.rng.randint(1, 4))]


@generator("SCARD", family="sets", weight=2)
def _scard(c):
    return ["SCARD", _skey(c)]


@generator("SPOP", family="sets", weight=1)
def _spop(c):
    return ["SPOP", _skey(c), c.choice(["1000", "0", "-1", "x"])]


@generator("SRANDMEMBER", family="sets", weight=1)
def _srandmember(c):
    a = ["SRANDMEMBER", _skey(c)]
    if c.chance(0.7):
        a.append(c.choice(["1", "3", "-3", "0", "100", "-100", "x"]))
    return a


@generator("SMOVE", family="sets", weight=2)
def _smove(c):
    return ["SMOVE", _skey(c), _skey(c), member(c)]


@generator("SINTER", family="sets", weight=3)
def _setops(c):
    cmd = c.choice(["SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
    keys = [_skey(c) for _ in range(c.rng.randint(1, 3))]
    if cmd.endswith("STORE"):
        return [cmd, _skey(c)] + keys
    return [cmd] + keys


@generator("SINTERCARD", family="sets", weight=1)
def _sintercard(c):
    keys = [_skey(c) for _ in range(c.rng.randint(1, 3))]
    a = ["SINTERCARD", c.choice([str(len(keys)), str(len(keys)), "0", "9"])] + keys
    if c.chance(0.4):
        a += ["LIMIT", c.choice(["0", "1", "2", "-1"])]
    return a


@generator("SSCAN", family="sets", weight=1)
def _sscan(c):
    a = ["SSCAN", _skey(c), "0"]
    if c.chance(0.3):
        a += ["MATCH", c.choice(["*", "a*", "1?", "[a-c]*"])]
    if c.chance(0.2):
        a += ["COUNT", "1000"]
    return a


@generator("SETS OBJECT ENCODING", family="sets", weight=1)
def _enc(c):
    return ["OBJECT", "ENCODING", _skey(c)]
