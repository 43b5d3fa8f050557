# Random command generators for the "zsets" family (ZADD ... ZSCAN, ZMPOP),
# registered into randgen.GENERATORS on import.  Imported by
# test_diff_zsets.py.  Every generated command is deterministic (ZRANDMEMBER is
# read-only and compared by length); blocking pops use timeouts that never
# block (the key exists) or are covered by hand-written tests instead.

from . import randgen_sets  # noqa: F401  (SSCAN/ZSCAN comparators)
from .randgen import generator

Z_KEYS = ["z0", "z1", "z2", "z3"]
# Lex ranges are only defined when all scores are equal: BYLEX commands use
# these keys, which only ever get score 0 (Redis's answer on mixed scores
# depends on its skiplist's random levels).
LEX_KEYS = ["l0", "l1"]


def _lkey(c):
    return c.choice(LEX_KEYS) if c.rng.random() < 0.9 else c.choice(["k0", "lexmissing"])


def _zkey(c):
    r = c.rng.random()
    if r < 0.8:
        return c.choice(Z_KEYS)
    if r < 0.9:
        return c.choice(["s0", "s1"])  # sets are valid ZUNION inputs, WRONGTYPE elsewhere
    if r < 0.95:
        return "k0"
    return "missing"


def member(c):
    r = c.rng.random()
    if r < 0.8:
        return c.choice("abcdefghij") + c.choice(["", "a", "b"])
    if r < 0.9:
        return str(c.rng.randint(0, 20))
    return c.choice(["", "x" * 65, "\xff", "A"])


def score(c):
    r = c.rng.random()
    if r < 0.6:
        return str(c.rng.randint(-5, 10))
    if r < 0.8:
        return c.choice(["1.5", "-0.5", "0.1", "3e2", "-0", "1e-5", "2.5"])
    return c.choice(["inf", "-inf", "+inf", "nan", "abc", "", "1e400", " 1"])


def bound(c):
    return c.choice(["-inf", "+inf", "0", "1", "(1", "5", "(5", "2.5", "-1", "(-inf", "x", "(",
                     "10"])


def lexbound(c):
    return c.choice(["-", "+", "[a", "(a", "[c", "(cb", "[j", "a", "", "[", "("])


@generator("ZADD", family="zsets", weight=8)
def _zadd(c):
    a = ["ZADD", _zkey(c)]
    if c.chance(0.35):
        opts = c.rng.sample(["NX", "XX", "GT", "LT", "CH", "INCR"], c.rng.randint(1, 2))
        a += opts
    for _ in range(1 if "INCR" in a and c.chance(0.9) else c.rng.randint(1, 4)):
        a += [score(c), member(c)]
    if c.chance(0.03):
        a.append("dangling")
    return a


@generator("ZINCRBY", family="zsets", weight=2)
def _zincrby(c):
    return ["ZINCRBY", _zkey(c), score(c), member(c)]


@generator("ZREM", family="zsets", weight=3)
def _zrem(c):
    return ["ZREM", _zkey(c)] + [member(c) for _ in range(c.rng.randint(1, 3))]


@generator("ZSCORE", family="zsets", weight=3)
def _zscore(c):
    r = c.rng.random()
    if r < 0.3:
        return ["ZSCORE", _zkey(c), member(c)]
    if r < 0.5:
        return ["ZMSCORE", _zkey(c)] + [member(c) for _ in range(c.rng.randint(1, 3))]
    if r < 0.8:
        return [c.choice(["ZRANK", "ZREVRANK"]), _zkey(c), member(c)]
    return ["ZCARD", _zkey(c)]


@generator("ZCOUNT", family="zsets", weight=2)
def _zcount(c):
    if c.chance(0.5):
        return ["ZCOUNT", _zkey(c), bound(c), bound(c)]
    return ["ZLEXCOUNT", _lkey(c), lexbound(c), lexbound(c)]


@generator("ZRANGE", family="zsets", weight=6)
def _zrange(c):
    kind = c.choice(["rank", "score", "lex"])
    store = c.chance(0.2)
    a = ["ZRANGESTORE", _zkey(c)] if store else ["ZRANGE"]
    a.append(_lkey(c) if kind == "lex" else _zkey(c))
    if kind == "rank":
        a += [c.choice(["0", "1", "-1", "-3", "2", "100", "-100", "x"]),
              c.choice(["0", "1", "-1", "-2", "3", "100", "-100"])]
    elif kind == "score":
        a += [bound(c), bound(c), "BYSCORE"]
    else:
        a += [lexbound(c), lexbound(c), "BYLEX"]
    if c.chance(0.3):
        a.append("REV")
    if c.chance(0.3):
        a += ["LIMIT", c.choice(["0", "1", "2", "-1", "5"]), c.choice(["1", "2", "-1", "0", "10"])]
    if not store and c.chance(0.4):
        a.append("WITHSCORES")
    return a


@generator("ZRANGEBYSCORE", family="zsets", weight=3)
def _zrangeby(c):
    cmd = c.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX",
                    "ZREVRANGE"])
    a = [cmd, _lkey(c) if "LEX" in cmd else _zkey(c)]
    if cmd == "ZREVRANGE":
        a += [c.choice(["0", "1", "-2"]), c.choice(["-1", "2", "0"])]
    elif "LEX" in cmd:
        a += [lexbound(c), lexbound(c)]
    else:
        a += [bound(c), bound(c)]
    if "LEX" not in cmd and c.chance(0.4):
        a.append("WITHSCORES")
    if c.chance(0.3):
        a += ["LIMIT", c.choice(["0", "1", "-1"]), c.choice(["1", "3", "-1"])]
    return a


@generator("ZREMRANGE", family="zsets", weight=2)
def _zremrange(c):
    r = c.rng.random()
    if r < 0.33:
        return ["ZREMRANGEBYRANK", _zkey(c), c.choice(["0", "-1", "1", "x"]),
                c.choice(["0", "-1", "1", "5"])]
    if r < 0.66:
        return ["ZREMRANGEBYSCORE", _zkey(c), bound(c), bound(c)]
    return ["ZREMRANGEBYLEX", _lkey(c), lexbound(c), lexbound(c)]


@generator("ZPOPMIN", family="zsets", weight=2)
def _zpop(c):
    a = [c.choice(["ZPOPMIN", "ZPOPMAX"]), _zkey(c)]
    if c.chance(0.5):
        a.append(c.choice(["0", "1", "2", "10", "-1", "x"]))
    return a


@generator("ZMPOP", family="zsets", weight=1)
def _zmpop(c):
    keys = [_zkey(c) for _ in range(c.rng.randint(1, 3))]
    a = ["ZMPOP", c.choice([str(len(keys))] * 4 + ["0", "7", "x"])] + keys
    a.append(c.choice(["MIN", "MAX", "MAX", "MID"]))
    if c.chance(0.5):
        a += ["COUNT", c.choice(["1", "2", "10", "0", "-1"])]
    return a


@generator("ZRANDMEMBER", family="zsets", weight=1)
def _zrandmember(c):
    a = ["ZRANDMEMBER", _zkey(c)]
    if c.chance(0.7):
        a.append(c.choice(["1", "2", "-3", "0", "100", "-100", "x"]))
        if c.chance(0.5):
            a.append(c.choice(["WITHSCORES", "WITHSCORES", "BAD"]))
    return a


@generator("ZUNION", family="zsets", weight=4)
def _zsetop(c):
    op = c.choice(["ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE",
                   "ZINTERCARD"])
    keys = [_zkey(c) for _ in range(c.rng.randint(1, 3))]
    a = [op] + ([_zkey(c)] if op.endswith("STORE") else [])
    a += [c.choice([str(len(keys))] * 6 + ["0", "9", "x"])] + keys
    if op == "ZINTERCARD":
        if c.chance(0.4):
            a += ["LIMIT", c.choice(["0", "1", "-1"])]
        return a
    if "DIFF" not in op and c.chance(0.3):
        a += ["WEIGHTS"] + [c.choice(["1", "2", "-1", "0", "0.5", "inf", "x"]) for _ in keys]
    if "DIFF" not in op and c.chance(0.3):
        a += ["AGGREGATE", c.choice(["SUM", "MIN", "MAX", "AVG"])]
    if not op.endswith("STORE") and c.chance(0.5):
        a.append("WITHSCORES")
    return a


@generator("ZSCAN", family="zsets", weight=1)
def _zscan(c):
    a = ["ZSCAN", _zkey(c), "0"]
    if c.chance(0.3):
        a += ["MATCH", c.choice(["*", "a*", "?", "[a-c]*"])]
    if c.chance(0.2):
        a += ["COUNT", "1000"]
    return a


@generator("ZSETS OBJECT ENCODING", family="zsets", weight=1)
def _zenc(c):
    return ["OBJECT", "ENCODING", _zkey(c)]


@generator("ZSETS SADD", family="zsets", weight=1)
def _zsadd(c):
    return ["SADD", c.choice(["s0", "s1"])] + [member(c) for _ in range(c.rng.randint(1, 3))]


@generator("ZSETS LEX ZADD", family="zsets", weight=3)
def _lexadd(c):
    a = ["ZADD", c.choice(LEX_KEYS)]
    for _ in range(c.rng.randint(1, 4)):
        a += ["0", member(c)]
    return a
