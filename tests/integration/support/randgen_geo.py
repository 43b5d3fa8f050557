# Random command generators for the "geo" family (GEOADD ... GEOSEARCHSTORE,
# the GEORADIUS family) and the "sort" family (SORT / SORT_RO), registered
# into randgen.GENERATORS on import.  Imported by test_diff_geo.py and
# test_diff_sort.py.
#
# Geo points cluster around a few centers (so that searches find something)
# with some exact duplicates (equal distances: the order of ties is part of
# Redis's reply and must match too), some invalid coordinates and some raw
# ZADD scores outside the 52-bit range.
#
# SORT replies whose order Redis leaves to its own set / dict iteration order
# (BY a constant pattern on a set, ALPHA BY on a set or sorted set where ties
# keep the load order) are returned as Unordered steps: the tests compare
# those as multisets, and such steps never use LIMIT or STORE.

from .randgen import generator

GEO_KEYS = ["g0", "g1", "g2"]
CENTERS = [(13.361389, 38.115556), (-73.9857, 40.7484), (151.2093, -33.8688),
           (179.9, 0.1), (-179.95, -84.9), (0.0, 0.0), (2.3522, 85.0)]
UNITS = ["m", "km", "ft", "mi", "M", "KM", "Mi"]


from .diff import Unordered  # noqa: E402,F401  (steps compared as multisets)


def _gkey(c):
    r = c.rng.random()
    if r < 0.88:
        return c.choice(GEO_KEYS)
    if r < 0.95:
        return "k0"  # maybe a string: WRONGTYPE
    return "missing"


def _member(c):
    return f"m{c.rng.randint(0, 24)}"


def _num(x, digits):
    return repr(round(x, digits))


def _lonlat(c, valid=True):
    if not valid or c.chance(0.03):
        return c.choice([["181", "0"], ["0", "85.06"], ["-180.0001", "10"], ["abc", "1"],
                         ["1", "nan"], ["1e400", "0"], ["180", "85.05112878"],
                         ["-180", "-85.05112878"], ["0", "-85.05112879"]])
    lon0, lat0 = c.choice(CENTERS)
    spread = c.choice([0.0, 0.001, 0.05, 1.0, 10.0])
    lon = min(180.0, max(-180.0, lon0 + c.rng.uniform(-spread, spread)))
    lat = min(85.05, max(-85.05, lat0 + c.rng.uniform(-spread, spread)))
    digits = c.choice([1, 3, 6])  # coarse digits give exact duplicates
    return [_num(lon, digits), _num(lat, digits)]


def _unit(c):
    if c.chance(0.02):
        return c.choice(["cm", "", "kilometers"])
    return c.choice(UNITS)


def _radius(c):
    if c.chance(0.03):
        return c.choice(["-1", "abc", "0"])
    return c.choice([str(c.rng.randint(1, 500)), _num(c.rng.uniform(0, 3000), 2),
                     str(c.rng.randint(1000, 5000000))])


@generator("GEOADD", family="geo", weight=6)
def g_geoadd(c):
    args = ["GEOADD", _gkey(c)]
    for opt in ("NX", "XX", "CH"):
        if c.chance(0.12):
            args.append(opt)
    for _ in range(c.rng.randint(1, 4)):
        args += _lonlat(c) + [_member(c)]
    if c.chance(0.02):
        args.pop()  # wrong number of arguments after the options
    return args


@generator("GEODIST", family="geo", weight=2)
def g_geodist(c):
    args = ["GEODIST", _gkey(c), _member(c), _member(c)]
    if c.chance(0.7):
        args.append(_unit(c))
    if c.chance(0.02):
        args.append("extra")
    return args


@generator("GEOHASH", family="geo", weight=1)
def g_geohash(c):
    return ["GEOHASH", _gkey(c)] + [_member(c) for _ in range(c.rng.randint(0, 3))]


@generator("GEOPOS", family="geo", weight=1)
def g_geopos(c):
    return ["GEOPOS", _gkey(c)] + [_member(c) for _ in range(c.rng.randint(0, 3))]


def _options(c, store_ok=False, radius_store=False):
    opts = []
    for o in ("WITHCOORD", "WITHDIST", "WITHHASH"):
        if not store_ok and c.chance(0.35):
            opts.append(o)
    if c.chance(0.5):
        opts.append(c.choice(["ASC", "DESC"]))
    if c.chance(0.4):
        opts += ["COUNT", c.choice(["1", "2", "3", "5", "0", "-1", "x"]) if c.chance(0.1)
                 else str(c.rng.randint(1, 6))]
        if c.chance(0.3):
            opts.append("ANY")
    elif c.chance(0.02):
        opts.append("ANY")
    if radius_store and c.chance(0.5):
        opts += [c.choice(["STORE", "STOREDIST"]), c.choice(["dst", "g2"])]
    return opts


def _from(c, key):
    if c.chance(0.5):
        return ["FROMMEMBER", _member(c)]
    return ["FROMLONLAT"] + _lonlat(c)


def _by(c):
    if c.chance(0.5):
        return ["BYRADIUS", _radius(c), _unit(c)]
    w, h = _radius(c), _radius(c)
    return ["BYBOX", w, h, _unit(c)]


@generator("GEOSEARCH", family="geo", weight=6)
def g_geosearch(c):
    key = _gkey(c)
    parts = [_from(c, key), _by(c), _options(c)]
    if c.chance(0.3):
        c.rng.shuffle(parts)
    args = ["GEOSEARCH", key]
    for p in parts:
        args += p
    if c.chance(0.02):
        args += c.choice([["FROMMEMBER", "m1"], ["BYRADIUS", "1", "km"], ["STORE", "x"]])
    return args


@generator("GEOSEARCHSTORE", family="geo", weight=3)
def g_geosearchstore(c):
    key = _gkey(c)
    args = ["GEOSEARCHSTORE", c.choice(["dst", "g2", "dst2"]), key]
    args += _from(c, key) + _by(c) + _options(c, store_ok=True)
    if c.chance(0.5):
        args.append("STOREDIST")
    if c.chance(0.03):
        args.append("WITHDIST")
    return args


@generator("GEORADIUS", family="geo", weight=4)
def g_georadius(c):
    name = c.choice(["GEORADIUS", "GEORADIUS_RO"])
    store = name == "GEORADIUS"
    opts = _options(c, store_ok=store and c.chance(0.5), radius_store=store)
    return [name, _gkey(c)] + _lonlat(c) + [_radius(c), _unit(c)] + opts


@generator("GEORADIUSBYMEMBER", family="geo", weight=4)
def g_georadiusbymember(c):
    name = c.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"])
    store = name == "GEORADIUSBYMEMBER"
    opts = _options(c, store_ok=store and c.chance(0.5), radius_store=store)
    return [name, _gkey(c), _member(c), _radius(c), _unit(c)] + opts


@generator("GEO_READBACK", family="geo", weight=2)
def g_readback(c):
    key = c.choice(GEO_KEYS + ["dst", "dst2"])
    return c.choice([["ZRANGE", key, "0", "-1", "WITHSCORES"], ["TYPE", key],
                     ["OBJECT", "ENCODING", key], ["ZCARD", key]])


@generator("GEO_RAWSCORE", family="geo", weight=1)
def g_rawscore(c):
    if c.chance(0.5):
        return ["ZREM", c.choice(GEO_KEYS), _member(c)]
    score = c.choice(["-1", "1e300", "-1e300", "inf", "-inf", "4503599627370496", "-0.5",
                      "9.3e18", "1.9e19", str(c.rng.randint(0, 1 << 52))])
    return ["ZADD", c.choice(GEO_KEYS), score, _member(c)]


@generator("GEO_STRING", family="geo", weight=1)
def g_string(c):
    return c.choice([["SET", "k0", "v"], ["DEL", "k0"]])


# --- SORT ------------------------------------------------------------------

LIST_KEYS = ["l0", "l1"]
SET_KEYS = ["s0", "s1"]
ZSET_KEYS = ["z0"]
ELEMS = ["1", "2", "3", "10", "-4", "2.5", "07", "a", "b", "B", "ab", "", "x y"]
NUM_ELEMS = ["1", "2", "3", "10", "-4", "2.5", "07", "100", "-0", "3e2"]


def _elem(c, numeric):
    return c.choice(NUM_ELEMS if numeric else ELEMS)


@generator("SORT_FILL", family="sort", weight=5)
def s_fill(c):
    numeric = c.chance(0.6)
    elems = [_elem(c, numeric) for _ in range(c.rng.randint(1, 6))]
    kind = c.rng.random()
    if kind < 0.4:
        return [c.choice(["RPUSH", "LPUSH"]), c.choice(LIST_KEYS)] + elems
    if kind < 0.7:
        return ["SADD", c.choice(SET_KEYS)] + elems
    args = ["ZADD", c.choice(ZSET_KEYS)]
    for e in elems:
        args += [str(c.rng.randint(-3, 3)), e]
    return args


@generator("SORT_WEIGHTS", family="sort", weight=4)
def s_weights(c):
    e = c.choice(ELEMS + NUM_ELEMS)
    r = c.rng.random()
    if r < 0.45:
        # No overflowing values ("1e400"): Redis tests a stale errno after strtod,
        # so an ERANGE makes later SORTs of the same process fail too.
        return ["SET", "w_" + e, c.choice(NUM_ELEMS + ["abc", " 5", ""])
                if c.chance(0.15) else str(c.rng.randint(-50, 50))]
    if r < 0.8:
        return ["HSET", "h_" + e, c.choice(["f", "g"]), c.choice(ELEMS + NUM_ELEMS)]
    if r < 0.9:
        return ["DEL", c.choice(["w_", "h_"]) + e]
    return ["SADD", "w_" + e, "wrongtype"]


@generator("SORT_DEL", family="sort", weight=1)
def s_del(c):
    return ["DEL", c.choice(LIST_KEYS + SET_KEYS + ZSET_KEYS)]


@generator("SORT", family="sort", weight=10)
def s_sort(c):
    r = c.rng.random()
    if r < 0.45:
        key, kind = c.choice(LIST_KEYS), "list"
    elif r < 0.75:
        key, kind = c.choice(SET_KEYS), "set"
    elif r < 0.95:
        key, kind = c.choice(ZSET_KEYS), "zset"
    else:
        key, kind = c.choice(["w_1", "missing"]), "other"
    name = "SORT_RO" if c.chance(0.2) else "SORT"
    by = None
    if c.chance(0.45):
        by = c.choice(["w_*", "h_*->f", "nosort", "w_*", "h_*->", "*", "w_*x"])
    alpha = c.chance(0.4)
    desc = c.chance(0.4)
    gets = []
    for _ in range(c.rng.randint(0, 2) if c.chance(0.4) else 0):
        gets.append(c.choice(["#", "w_*", "h_*->f", "h_*->g", "nokey", "h_*->"]))
    constant_by = by is not None and "*" not in by
    # ALPHA BY on a set or sorted set: ties keep Redis's dict order.
    tie_order = kind in ("set", "zset") and alpha and by is not None and not constant_by
    store = None
    if name == "SORT" and not tie_order and c.chance(0.3):
        store = c.choice(["dst", "l1", "dst2"])
    # BY a constant on a set: Redis's set order (STORE sorts it, ALPHA).
    unordered = tie_order or (kind == "set" and constant_by and store is None)
    limit = None
    if not unordered and c.chance(0.35):
        limit = [str(c.rng.randint(-2, 6)), str(c.rng.randint(-2, 6))]
    args = [name, key]
    if by is not None:
        args += ["BY", by]
    if limit:
        args += ["LIMIT"] + limit
    for g in gets:
        args += ["GET", g]
    if desc:
        args.append("DESC")
    elif c.chance(0.2):
        args.append("ASC")
    if alpha:
        args.append("ALPHA")
    if store:
        args += ["STORE", store]
    return Unordered(args) if unordered else args


@generator("SORT_READBACK", family="sort", weight=2)
def s_readback(c):
    key = c.choice(["dst", "dst2", "l1"])
    return c.choice([["LRANGE", key, "0", "-1"], ["TYPE", key], ["EXISTS", key],
                     ["OBJECT", "ENCODING", c.choice(ZSET_KEYS)]])
