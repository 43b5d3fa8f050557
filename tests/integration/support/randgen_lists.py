# Random command generators for the lists family (LPUSH ... BLMPOP).
#
# Imported for its side effect: registers @generator functions in
# support.randgen's table under family "lists" (test_diff_lists.py imports
# it; any test may).  Blocking commands use a 10 ms timeout so that a random
# run never waits long; both servers then answer the same null.

from .randgen import generator

ELEMS = ["a", "b", "c", "x", "1", "-1", "", "long" * 20]


def _elem(c):
    return c.choice(ELEMS)


def _index(c):
    return str(c.choice([0, 1, 2, -1, -2, 5, -5, 100, -100, 9223372036854775807,
                         -9223372036854775808]) if c.chance(0.95) else c.choice(["x", "1.5", ""]))


def _where(c):
    return c.choice(["LEFT", "RIGHT", "left", "right"] + (["UP"] if c.chance(0.05) else []))


@generator("LPUSH", family="lists", weight=6)
def _push(c):
    return [c.choice(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), c.key()] + \
        [_elem(c) for _ in range(c.rng.randint(1, 4))]


@generator("LPOP", family="lists", weight=4)
def _pop(c):
    a = [c.choice(["LPOP", "RPOP"]), c.key()]
    if c.chance(0.4):
        a.append(c.choice(["0", "1", "2", "5", "-1", "x", "100"]))
    if c.chance(0.03):
        a.append("1")
    return a


@generator("LLEN", family="lists", weight=2)
def _llen(c):
    return ["LLEN", c.key()]


@generator("LRANGE", family="lists", weight=4)
def _lrange(c):
    return ["LRANGE", c.key(), _index(c), _index(c)]


@generator("LINDEX", family="lists", weight=2)
def _lindex(c):
    return ["LINDEX", c.key(), _index(c)]


@generator("LSET", family="lists", weight=2)
def _lset(c):
    return ["LSET", c.key(), _index(c), _elem(c)]


@generator("LINSERT", family="lists", weight=2)
def _linsert(c):
    return ["LINSERT", c.key(), c.choice(["BEFORE", "AFTER", "after", "MIDDLE"]), _elem(c),
            _elem(c)]


@generator("LREM", family="lists", weight=2)
def _lrem(c):
    return ["LREM", c.key(), c.choice(["0", "1", "-1", "2", "-2", "x"]), _elem(c)]


@generator("LTRIM", family="lists", weight=1)
def _ltrim(c):
    return ["LTRIM", c.key(), _index(c), _index(c)]


@generator("LPOS", family="lists", weight=2)
def _lpos(c):
    a = ["LPOS", c.key(), _elem(c)]
    for opt in ("RANK", "COUNT", "MAXLEN"):
        if c.chance(0.35):
            a += [opt, c.choice(["0", "1", "2", "-1", "-2", "x", "-9223372036854775808"])]
    if c.chance(0.05):
        a.append("BAD")
    return a


@generator("LMOVE", family="lists", weight=3)
def _lmove(c):
    if c.chance(0.3):
        return ["RPOPLPUSH", c.key(), c.key()]
    return ["LMOVE", c.key(), c.key(), _where(c), _where(c)]


@generator("LMPOP", family="lists", weight=2)
def _lmpop(c):
    keys = c.keys(1, 3)
    n = len(keys) if c.chance(0.9) else c.choice([0, 5, -1])
    a = ["LMPOP", str(n)] + keys + [_where(c)]
    if c.chance(0.4):
        a += ["COUNT", c.choice(["1", "2", "10", "0", "x"])]
    return a


@generator("BLPOP", family="lists", weight=1)
def _blpop(c):
    r = c.rng.random()
    t = c.choice(["0.01", "0.01", "-1", "x"])
    if r < 0.4:
        return [c.choice(["BLPOP", "BRPOP"])] + c.keys(1, 3) + [t]
    if r < 0.6:
        return ["BRPOPLPUSH", c.key(), c.key(), t]
    if r < 0.8:
        return ["BLMOVE", c.key(), c.key(), _where(c), _where(c), t]
    keys = c.keys(1, 2)
    return ["BLMPOP", t, str(len(keys))] + keys + [_where(c), "COUNT", c.choice(["1", "3"])]


@generator("OBJECT ENCODING list", family="lists", weight=0.5)
def _enc(c):
    return ["OBJECT", "ENCODING", c.key()]
