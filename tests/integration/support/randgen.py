# Seeded random command generator for the differential tests.
#
# Produces sequences of commands over a small key space, drawn from a table of
# generators (GENERATORS).  Used by test_differential.py; deterministic for a
# given seed and table.
#
# Adding commands (e.g. when lists or hashes land in shoal): write a function
# taking a Ctx and returning one step (a list of arguments, or a diff.ScanAll),
# and register it with @generator("NAME", family="lists", weight=2).  Run only
# some families with generate(..., families={"strings", "keys"}).  Replies of
# commands with unordered or time-dependent output need a rule in
# diff.COMPARATORS.
#
# Rules for generators: never produce commands whose result depends on wall
# clock time within the run (use relative expiries >= 100 s, or absolute times
# already in the past); never produce huge allocations.

import random
import time

from .diff import ScanAll

GENERATORS = []  # list of (name, family, weight, function)


def generator(name, family="strings", weight=1):
    def register(fn):
        GENERATORS.append((name, family, weight, fn))
        return fn
    return register


class Ctx:
    """Random source and helpers shared by the generators."""

    KEYS = [f"k{i}" for i in range(8)]

    def __init__(self, seed, now=None):
        self.rng = random.Random(seed)
        # Absolute times are fixed per sequence (both servers see the same).
        self.now = int(time.time()) if now is None else now

    def choice(self, seq):
        return self.rng.choice(seq)

    def chance(self, p):
        return self.rng.random() < p

    def key(self):
        return self.choice(self.KEYS) if self.rng.random() < 0.95 else "missing"

    def keys(self, lo=1, hi=4):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def int_text(self):
        r = self.rng.random()
        if r < 0.5:
            return str(self.rng.randint(-20, 100))
        if r < 0.65:
            return self.choice(["9223372036854775807", "-9223372036854775808",
                                "9223372036854775806", "-9223372036854775807", "0", "-0",
                                "4611686018427387904"])
        if r < 0.8:
            return str(self.rng.randint(-10**12, 10**12))
        return self.choice(["", " 1", "1 ", "+1", "01", "1.0", "abc", "1e3", "0x10",
                            "99999999999999999999"])

    def float_text(self):
        return self.choice(["0", "1.5", "-0.1", "3e5", "1e308", "-1e308", "0.1", "10.5",
                            "1e-10", "5.0e3", "inf", "-inf", "nan", "abc", "", "+1.5",
                            "123456789.123456789", "1.7976931348623157e308", "2.5"])

    def value(self):
        r = self.rng.random()
        if r < 0.35:
            return self.int_text()
        if r < 0.45:
            return self.float_text()
        n = self.choice([0, 1, 3, 10, 20, 43, 44, 45, 64, 100])
        return "".join(self.choice("abcdefxyz") for _ in range(n))

    def offset(self):
        return str(self.choice([0, 1, 2, 3, 5, 10, 44, 45, 100, -1, -2, -5, -100,
                                9223372036854775807, -9223372036854775808]))

    def setrange_offset(self):
        # Never a huge positive offset: that would allocate up to 512 MB.
        return str(self.choice([0, 1, 3, 10, 44, 50, 200, -1, 536870912]))

    def ttl_seconds(self):
        return str(self.choice([100, 1000, 86400, 0, -1, 9223372036854775807,
                                922337203685477580]))

    def ttl_ms(self):
        return str(self.choice([100000, 5000000, 0, -5, 9223372036854775807]))

    def abs_seconds(self):
        return str(self.choice([self.now + 1000, self.now + 50000, 1, 100, self.now - 10, -1]))

    # SET's EXAT/PXAT in the future only: a SET with a past time leaves a key
    # that each server's active expiry reclaims at its own moment, so a later
    # DBSIZE / KEYS / SCAN would depend on timing (seen under CI load).
    def abs_seconds_future(self):
        return str(self.choice([self.now + 1000, self.now + 50000]))

    def abs_ms_future(self):
        return str(self.choice([(self.now + 1000) * 1000, (self.now + 50000) * 1000]))

    def abs_ms(self):
        return str(self.choice([(self.now + 1000) * 1000, (self.now + 50000) * 1000, 1,
                                (self.now - 10) * 1000]))


# --- strings ------------------------------------------------------------------


@generator("SET", weight=6)
def _set(c):
    a = ["SET", c.key(), c.value()]
    opts = []
    if c.chance(0.3):
        opts.append(c.choice(["NX", "XX"]))
    if c.chance(0.3):
        kind = c.choice(["EX", "PX", "EXAT", "PXAT", "KEEPTTL"])
        if kind == "EX":
            opts += ["EX", c.ttl_seconds()]
        elif kind == "PX":
            opts += ["PX", c.ttl_ms()]
        elif kind == "EXAT":
            opts += ["EXAT", c.abs_seconds_future()]
        elif kind == "PXAT":
            opts += ["PXAT", c.abs_ms_future()]
        else:
            opts.append("KEEPTTL")
    if c.chance(0.2):
        opts.append("GET")
    if c.chance(0.05):
        opts.append(c.choice(["EX", "BAD", "NX"]))
    c.rng.shuffle(opts) if c.chance(0.1) else None
    return a + opts


@generator("GET", weight=6)
def _get(c):
    return ["GET", c.key()]


@generator("GETEX", weight=2)
def _getex(c):
    a = ["GETEX", c.key()]
    r = c.rng.random()
    if r < 0.2:
        a += ["EX", c.ttl_seconds()]
    elif r < 0.3:
        a += ["PX", c.ttl_ms()]
    elif r < 0.4:
        a += ["EXAT", c.abs_seconds()]
    elif r < 0.5:
        a += ["PXAT", c.abs_ms()]
    elif r < 0.6:
        a.append("PERSIST")
    elif r < 0.65:
        a += ["EX", "10", "PERSIST"]
    return a


@generator("GETDEL", weight=1)
def _getdel(c):
    return ["GETDEL", c.key()]


@generator("MGET", weight=2)
def _mget(c):
    return ["MGET"] + c.keys(1, 5)


@generator("MSET", weight=2)
def _mset(c):
    a = ["MSET"]
    for k in c.keys(1, 3):
        a += [k, c.value()]
    if c.chance(0.05):
        a.append(c.key())
    return a


@generator("MSETNX", weight=1)
def _msetnx(c):
    a = ["MSETNX"]
    for k in c.keys(1, 3):
        a += [k, c.value()]
    return a


@generator("SETNX", weight=1)
def _setnx(c):
    return ["SETNX", c.key(), c.value()]


@generator("SETEX", weight=1)
def _setex(c):
    return ["SETEX", c.key(), c.ttl_seconds(), c.value()]


@generator("PSETEX", weight=1)
def _psetex(c):
    return ["PSETEX", c.key(), c.ttl_ms(), c.value()]


@generator("INCR", weight=3)
def _incr(c):
    return [c.choice(["INCR", "DECR"]), c.key()]


@generator("INCRBY", weight=3)
def _incrby(c):
    return [c.choice(["INCRBY", "DECRBY"]), c.key(), c.int_text()]


@generator("INCRBYFLOAT", weight=2)
def _incrbyfloat(c):
    return ["INCRBYFLOAT", c.key(), c.float_text() if c.chance(0.7) else c.int_text()]


@generator("APPEND", weight=2)
def _append(c):
    return ["APPEND", c.key(), c.value()]


@generator("STRLEN", weight=1)
def _strlen(c):
    return ["STRLEN", c.key()]


@generator("GETRANGE", weight=2)
def _getrange(c):
    return [c.choice(["GETRANGE", "SUBSTR"]), c.key(), c.offset(), c.offset()]


@generator("SETRANGE", weight=2)
def _setrange(c):
    return ["SETRANGE", c.key(), c.setrange_offset(), c.value()]


@generator("LCS", weight=1)
def _lcs(c):
    a = ["LCS", c.key(), c.key()]
    r = c.rng.random()
    if r < 0.25:
        a.append("LEN")
    elif r < 0.6:
        a.append("IDX")
        if c.chance(0.5):
            a += ["MINMATCHLEN", c.choice(["0", "1", "2", "4", "-1"])]
        if c.chance(0.5):
            a.append("WITHMATCHLEN")
    return a


@generator("OBJECT ENCODING", weight=2)
def _object_encoding(c):
    return ["OBJECT", "ENCODING", c.key()]


# --- keys -----------------------------------------------------------------------


@generator("DEL", family="keys", weight=2)
def _del(c):
    return [c.choice(["DEL", "UNLINK"])] + c.keys(1, 3)


@generator("EXISTS", family="keys", weight=2)
def _exists(c):
    return ["EXISTS"] + c.keys(1, 4)


@generator("TOUCH", family="keys", weight=1)
def _touch(c):
    return ["TOUCH"] + c.keys(1, 3)


@generator("TYPE", family="keys", weight=2)
def _type(c):
    return ["TYPE", c.key()]


@generator("EXPIRE", family="keys", weight=3)
def _expire(c):
    cmd = c.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
    t = {"EXPIRE": c.ttl_seconds, "PEXPIRE": c.ttl_ms, "EXPIREAT": c.abs_seconds,
         "PEXPIREAT": c.abs_ms}[cmd]()
    a = [cmd, c.key(), t]
    if c.chance(0.4):
        a.append(c.choice(["NX", "XX", "GT", "LT"]))
        if c.chance(0.15):
            a.append(c.choice(["NX", "XX", "GT", "LT", "FOO"]))
    return a


@generator("TTL", family="keys", weight=3)
def _ttl(c):
    return [c.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), c.key()]


@generator("PERSIST", family="keys", weight=1)
def _persist(c):
    return ["PERSIST", c.key()]


@generator("RENAME", family="keys", weight=1)
def _rename(c):
    return [c.choice(["RENAME", "RENAMENX"]), c.key(), c.key()]


@generator("COPY", family="keys", weight=1)
def _copy(c):
    a = ["COPY", c.key(), c.key()]
    if c.chance(0.3):
        a += ["DB", c.choice(["0", "1", "16", "x"])]
    if c.chance(0.3):
        a.append("REPLACE")
    return a


@generator("KEYS", family="keys", weight=1)
def _keys(c):
    return ["KEYS", c.choice(["*", "k*", "k[0-3]", "k?", "*1", "m*", "k[^0]", "[a-z]*", "\\k1"])]


@generator("SCAN", family="keys", weight=1)
def _scan(c):
    return ScanAll(match=c.choice([None, "*", "k[1-4]", "k?"]),
                   count=c.choice([None, "1", "3", "100"]),
                   type=c.choice([None, None, "string", "list"]))


@generator("DBSIZE", family="keys", weight=1)
def _dbsize(c):
    return ["DBSIZE"]


@generator("SELECT", family="keys", weight=1)
def _select(c):
    return ["SELECT", c.choice(["0", "0", "1"])]


@generator("FLUSHDB", family="keys", weight=0.1)
def _flush(c):
    return [c.choice(["FLUSHDB", "FLUSHALL"])] + ([c.choice(["SYNC", "ASYNC"])]
                                                  if c.chance(0.5) else [])


# --- connection ---------------------------------------------------------------


@generator("PING", family="connection", weight=0.5)
def _ping(c):
    return ["PING"] + ([c.value()] if c.chance(0.5) else [])


@generator("ECHO", family="connection", weight=0.5)
def _echo(c):
    return ["ECHO", c.value()]


def generate(seed, n, families=None, now=None):
    """n steps drawn from the generators (restricted to `families` if given).

    `now` (unix seconds) anchors the absolute expiry times; default: the clock.
    """
    table = [g for g in GENERATORS if families is None or g[1] in families]
    if not table:
        raise ValueError(f"no generators for families {families}")
    ctx = Ctx(seed, now)
    weights = [g[2] for g in table]
    fns = [g[3] for g in table]
    return [ctx.rng.choices(fns, weights)[0](ctx) for _ in range(n)]


def families():
    return sorted({g[1] for g in GENERATORS})
