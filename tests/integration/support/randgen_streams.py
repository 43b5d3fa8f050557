# Random command generators for the "streams" family (XADD ... XINFO),
# registered into randgen.GENERATORS on import.  Imported by
# test_diff_streams.py.
#
# Determinism: ids are explicit (or "<ms>-*"), never "*"; commands whose
# replies carry clock readings (XPENDING idle times, XINFO CONSUMERS idle,
# XINFO STREAM FULL seen/delivery times) are compared with those numbers
# masked (stream_times below).

from .diff import COMPARATORS, exact
from .randgen import generator
from .resp import Map

STREAM_KEYS = ["x0", "x1", "x2"]
GROUPS = ["g1", "g2"]
CONSUMERS = ["alice", "bob", "carol"]
_TIME_KEYS = {b"seen-time", b"idle"}


def _mask(v, under_pending=False):
    if isinstance(v, Map):
        out = Map()
        for k, x in v:
            if k in _TIME_KEYS:
                out.append((k, 0))
            else:
                out.append((k, _mask(x, k == b"pending")))
        return out
    if isinstance(v, list):
        if under_pending:
            res = []
            for item in v:
                if isinstance(item, list) and len(item) == 4:
                    item = [item[0], item[1], 0, item[3]]
                elif isinstance(item, list) and len(item) == 3:
                    item = [item[0], 0, item[2]]
                res.append(item)
            return res
        res, i = [], 0
        while i < len(v):
            x = v[i]
            if isinstance(x, bytes) and x in _TIME_KEYS and i + 1 < len(v):
                res += [x, 0]
                i += 2
                continue
            if isinstance(x, bytes) and x == b"pending" and i + 1 < len(v) and \
                    isinstance(v[i + 1], list):
                res += [x, _mask(v[i + 1], True)]
                i += 2
                continue
            res.append(_mask(x))
            i += 1
        return res
    return v


def stream_times(a, b, ctx):
    """Replies holding clock readings: equal once times are masked."""
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    if a.kind != b.kind:
        return "reply types differ"
    return None if _mask(a.value) == _mask(b.value) else "differ (times masked)"


def xpending_times(a, b, ctx):
    if a.kind == b"-" or b.kind == b"-" or not isinstance(a.value, list):
        return exact(a, b, ctx)
    if len(a.value) == 4 and not (a.value and isinstance(a.value[0], list)):
        return exact(a, b, ctx)  # the summary form has no times
    return None if _mask(a.value, True) == _mask(b.value, True) else "differ (idle masked)"


COMPARATORS.setdefault(("XINFO", "STREAM"), stream_times)
COMPARATORS.setdefault(("XINFO", "CONSUMERS"), stream_times)
COMPARATORS.setdefault("XPENDING", xpending_times)


class _Ids:
    """Per-generator state: the next millisecond to use for explicit ids."""
    ms = 1


def _xkey(c):
    r = c.rng.random()
    if r < 0.9:
        return c.choice(STREAM_KEYS)
    if r < 0.95:
        return c.choice(["k0", "k1"])
    return "missing"


def _id(c):
    r = c.rng.random()
    if r < 0.7:
        return f"{c.rng.randint(0, _Ids.ms + 2)}-{c.rng.randint(0, 3)}"
    if r < 0.85:
        return str(c.rng.randint(0, _Ids.ms + 2))
    return c.choice(["-", "+", "0", "0-0", "(5", "(0-0", "x", "18446744073709551615-18446744073709551615",
                     "1-18446744073709551616", "$", ">"])


def _fields(c):
    out = []
    for _ in range(c.rng.randint(1, 3)):
        out += [c.choice(["f", "g", "h", "name", "1"]),
                c.choice(["v", "1", "-7", "x" * c.rng.randint(0, 80), "hello world"])]
    return out


def _trim(c):
    strat = c.choice(["MAXLEN", "MINID"])
    a = [strat]
    if c.chance(0.6):
        a.append(c.choice(["~", "="]))
    if strat == "MAXLEN":
        a.append(c.choice([str(c.rng.randint(0, 30)), "-1", "x"]))
    else:
        a.append(f"{c.rng.randint(0, _Ids.ms)}-0")
    if c.chance(0.3):
        a += ["LIMIT", c.choice(["0", "5", "100", "-1"])]
    return a


@generator("XADD", family="streams", weight=12)
def _xadd(c):
    a = ["XADD", _xkey(c)]
    if c.chance(0.1):
        a.append("NOMKSTREAM")
    if c.chance(0.2):
        a += _trim(c)
    r = c.rng.random()
    if r < 0.75:
        _Ids.ms += c.rng.randint(0, 2)
        a.append(f"{_Ids.ms}-{c.rng.randint(0, 2)}")
    elif r < 0.9:
        _Ids.ms += c.rng.randint(0, 1)
        a.append(f"{_Ids.ms}-*")
    else:
        a.append(_id(c))
    return a + _fields(c)


@generator("XRANGE", family="streams", weight=4)
def _xrange(c):
    cmd = c.choice(["XRANGE", "XREVRANGE"])
    a = [cmd, _xkey(c), _id(c), _id(c)]
    if c.chance(0.3):
        a = [cmd, a[1], "-", "+"]
    if c.chance(0.4):
        a += ["COUNT", c.choice(["0", "1", "3", "-1", "x"])]
    return a


@generator("XLEN", family="streams", weight=2)
def _xlen(c):
    return ["XLEN", _xkey(c)]


@generator("XDEL", family="streams", weight=3)
def _xdel(c):
    return ["XDEL", _xkey(c)] + [_id(c) for _ in range(c.rng.randint(1, 3))]


@generator("XTRIM", family="streams", weight=3)
def _xtrim(c):
    return ["XTRIM", _xkey(c)] + _trim(c)


@generator("XREAD", family="streams", weight=3)
def _xread(c):
    a = ["XREAD"]
    if c.chance(0.4):
        a += ["COUNT", c.choice(["1", "2", "0", "-1"])]
    keys = [_xkey(c) for _ in range(c.rng.randint(1, 2))]
    return a + ["STREAMS"] + keys + [_id(c) for _ in keys]


@generator("XGROUP", family="streams", weight=4)
def _xgroup(c):
    sub = c.choice(["CREATE", "CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER"])
    key, g = _xkey(c), c.choice(GROUPS + ["nog"])
    if sub == "CREATE":
        a = ["XGROUP", "CREATE", key, g, c.choice(["$", "0", _id(c)])]
        if c.chance(0.3):
            a.append("MKSTREAM")
        if c.chance(0.2):
            a += ["ENTRIESREAD", c.choice(["0", "3", "-1", "-2"])]
        return a
    if sub == "SETID":
        a = ["XGROUP", "SETID", key, g, c.choice(["$", "0", _id(c)])]
        if c.chance(0.3):
            a += ["ENTRIESREAD", c.choice(["0", "2", "-1"])]
        return a
    if sub == "DESTROY":
        return ["XGROUP", "DESTROY", key, g]
    return ["XGROUP", sub, key, g, c.choice(CONSUMERS)]


@generator("XREADGROUP", family="streams", weight=6)
def _xreadgroup(c):
    a = ["XREADGROUP", "GROUP", c.choice(GROUPS), c.choice(CONSUMERS)]
    if c.chance(0.4):
        a += ["COUNT", c.choice(["1", "2", "5"])]
    if c.chance(0.15):
        a.append("NOACK")
    key = _xkey(c)
    return a + ["STREAMS", key, c.choice([">", ">", "0", _id(c)])]


@generator("XACK", family="streams", weight=3)
def _xack(c):
    return ["XACK", _xkey(c), c.choice(GROUPS)] + [_id(c) for _ in range(c.rng.randint(1, 3))]


@generator("XPENDING", family="streams", weight=3)
def _xpending(c):
    a = ["XPENDING", _xkey(c), c.choice(GROUPS)]
    if c.chance(0.6):
        if c.chance(0.3):
            a += ["IDLE", "0"]
        a += ["-", "+", c.choice(["10", "1", "0"])]
        if c.chance(0.4):
            a.append(c.choice(CONSUMERS))
    return a


@generator("XCLAIM", family="streams", weight=3)
def _xclaim(c):
    a = ["XCLAIM", _xkey(c), c.choice(GROUPS), c.choice(CONSUMERS), "0"]
    a += [_id(c) for _ in range(c.rng.randint(1, 3))]
    for opt in ("JUSTID", "FORCE"):
        if c.chance(0.3):
            a.append(opt)
    if c.chance(0.2):
        a += ["RETRYCOUNT", c.choice(["0", "5"])]
    if c.chance(0.2):
        a += ["LASTID", _id(c)]
    return a


@generator("XAUTOCLAIM", family="streams", weight=3)
def _xautoclaim(c):
    a = ["XAUTOCLAIM", _xkey(c), c.choice(GROUPS), c.choice(CONSUMERS), "0",
         c.choice(["0", "0-0", "-", _id(c)])]
    if c.chance(0.4):
        a += ["COUNT", c.choice(["1", "2", "100", "0"])]
    if c.chance(0.3):
        a.append("JUSTID")
    return a


@generator("XINFO", family="streams", weight=3)
def _xinfo(c):
    r = c.rng.random()
    if r < 0.4:
        return ["XINFO", "STREAM", _xkey(c)]
    if r < 0.6:
        return ["XINFO", "STREAM", _xkey(c), "FULL"] + c.choice([[], ["COUNT", "2"]])
    if r < 0.85:
        return ["XINFO", "GROUPS", _xkey(c)]
    return ["XINFO", "CONSUMERS", _xkey(c), c.choice(GROUPS)]


@generator("XSETID", family="streams", weight=1)
def _xsetid(c):
    a = ["XSETID", _xkey(c), c.choice([f"{_Ids.ms + 5}-0", _id(c)])]
    if c.chance(0.3):
        a += ["ENTRIESADDED", c.choice(["100", "0", "-1"])]
    if c.chance(0.3):
        a += ["MAXDELETEDID", _id(c)]
    return a


@generator("TYPE", family="streams", weight=1)
def _type(c):
    return c.choice([["TYPE", _xkey(c)], ["OBJECT", "ENCODING", _xkey(c)]])
