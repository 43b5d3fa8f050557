# Random command generators for the "bitops" family (SETBIT GETBIT BITCOUNT
# BITPOS BITOP BITFIELD BITFIELD_RO) and the "hll" family (PFADD PFCOUNT
# PFMERGE PFDEBUG), registered into randgen.GENERATORS on import.  Imported
# by test_diff_bitops.py and test_diff_hll.py.
#
# Everything here is deterministic, so replies are compared byte for byte;
# the raw values are compared too (GET of bitmaps and of HLL strings).

from .randgen import generator

BIT_KEYS = ["b0", "b1", "b2", "b3"]
HLL_KEYS = ["h0", "h1", "h2"]


def _bkey(c):
    r = c.rng.random()
    if r < 0.88:
        return c.choice(BIT_KEYS)
    if r < 0.95:
        return "wl"  # a list (WRONGTYPE), created by _wrongtype
    return "missing"


def _offset(c):
    r = c.rng.random()
    if r < 0.8:
        return str(c.rng.randint(0, 200))
    if r < 0.9:
        return str(c.rng.randint(0, 70000))
    return c.choice(["-1", "x", "", "4294967296", "#3", "1.5", "+1", "01",
                     "9223372036854775807"])


def _int_arg(c):
    r = c.rng.random()
    if r < 0.6:
        return str(c.rng.randint(-40, 40))
    if r < 0.85:
        return str(c.rng.randint(-10 ** 6, 10 ** 6))
    return c.choice(["x", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                     "0", "-0", " 1"])


@generator("SETBIT", family="bitops", weight=6)
def _setbit(c):
    return ["SETBIT", _bkey(c), _offset(c), c.choice(["0", "1", "1", "0", "2", "-1", "x"])]


@generator("GETBIT", family="bitops", weight=3)
def _getbit(c):
    return ["GETBIT", _bkey(c), _offset(c)]


def _range_args(c):
    a = []
    if c.chance(0.7):
        a += [_int_arg(c) if c.chance(0.2) else str(c.rng.randint(-30, 30)),
              _int_arg(c) if c.chance(0.2) else str(c.rng.randint(-30, 30))]
        if c.chance(0.5):
            a.append(c.choice(["BIT", "BYTE", "bit", "byte", "BITS"]))
    return a


@generator("BITCOUNT", family="bitops", weight=3)
def _bitcount(c):
    a = ["BITCOUNT", _bkey(c)] + _range_args(c)
    if c.chance(0.03):
        a = a[:3]  # start without end: syntax error
    return a


@generator("BITPOS", family="bitops", weight=3)
def _bitpos(c):
    a = ["BITPOS", _bkey(c), c.choice(["0", "1", "1", "0", "2", "x"])]
    r = c.rng.random()
    if r < 0.25:
        a.append(str(c.rng.randint(-20, 20)))
    elif r < 0.8:
        a += _range_args(c)
    return a


@generator("BITOP", family="bitops", weight=3)
def _bitop(c):
    op = c.choice(["AND", "OR", "XOR", "NOT", "and", "not", "NAND"])
    n = 1 if op.upper() == "NOT" and c.chance(0.9) else c.rng.randint(1, 4)
    return ["BITOP", op, _bkey(c)] + [_bkey(c) for _ in range(n)]


def _ftype(c):
    r = c.rng.random()
    if r < 0.45:
        return "u" + str(c.rng.randint(1, 63))
    if r < 0.9:
        return "i" + str(c.rng.randint(1, 64))
    return c.choice(["u64", "i65", "i0", "x8", "U8", "i", "u08", "i-1"])


def _fvalue(c):
    r = c.rng.random()
    if r < 0.5:
        return str(c.rng.randint(-300, 300))
    if r < 0.8:
        bits = c.rng.randint(1, 63)
        return str(c.choice([1, -1]) * (2 ** bits + c.rng.randint(-2, 2)))
    return _int_arg(c)


def _foffset(c):
    r = c.rng.random()
    if r < 0.75:
        return str(c.rng.randint(0, 120))
    if r < 0.9:
        return "#" + str(c.rng.randint(0, 12))
    return c.choice(["-1", "x", "#-1", "#x", "4294967296", "#4294967296"])


def _fops(c, readonly):
    ops = []
    for _ in range(c.rng.randint(1, 4)):
        r = c.rng.random()
        if readonly or r < 0.35:
            ops += ["GET", _ftype(c), _foffset(c)]
        elif r < 0.6:
            ops += ["SET", _ftype(c), _foffset(c), _fvalue(c)]
        elif r < 0.85:
            ops += ["INCRBY", _ftype(c), _foffset(c), _fvalue(c)]
        else:
            ops += ["OVERFLOW", c.choice(["WRAP", "SAT", "FAIL", "fail", "NONE"])]
    if c.chance(0.03):
        ops.append(c.choice(["GET", "FOO", "SET"]))  # syntax errors
    return ops


@generator("BITFIELD", family="bitops", weight=5)
def _bitfield(c):
    return ["BITFIELD", _bkey(c)] + _fops(c, readonly=c.chance(0.15))


@generator("BITFIELD_RO", family="bitops", weight=2)
def _bitfield_ro(c):
    return ["BITFIELD_RO", _bkey(c)] + _fops(c, readonly=c.chance(0.85))


@generator("BITMAP VALUES", family="bitops", weight=3)
def _values(c):
    k = c.choice(BIT_KEYS)
    r = c.rng.random()
    if r < 0.6:
        return ["GET", k]
    if r < 0.75:
        return ["SET", k, c.choice(["foobar", "12345", "-7", "", "\xff\x00", "x" * 70])]
    if r < 0.85:
        return ["OBJECT", "ENCODING", k]
    if r < 0.92:
        return ["STRLEN", k]
    return ["DEL", k]


@generator("BITMAP WRONGTYPE", family="bitops", weight=1)
def _wrongtype(c):
    return ["RPUSH", "wl", "x"]


# --- HyperLogLog -------------------------------------------------------------


def _hkey(c):
    r = c.rng.random()
    if r < 0.9:
        return c.choice(HLL_KEYS)
    if r < 0.95:
        return c.choice(["hs", "wl"])  # a plain string / a list
    return "missing"


def _element(c):
    r = c.rng.random()
    if r < 0.5:
        return str(c.rng.randint(0, 300))
    if r < 0.9:
        return "e" + str(c.rng.randint(0, 100000))
    return c.choice(["", "a", "\x00", "long" * 30])


@generator("PFADD", family="hll", weight=8)
def _pfadd(c):
    r = c.rng.random()
    n = c.rng.randint(0, 4) if r < 0.8 else c.rng.randint(50, 400)
    return ["PFADD", _hkey(c)] + [_element(c) for _ in range(n)]


@generator("PFCOUNT", family="hll", weight=4)
def _pfcount(c):
    return ["PFCOUNT"] + [_hkey(c) for _ in range(c.rng.randint(1, 3))]


@generator("PFMERGE", family="hll", weight=2)
def _pfmerge(c):
    return ["PFMERGE"] + [_hkey(c) for _ in range(c.rng.randint(1, 4))]


@generator("HLL VALUES", family="hll", weight=3)
def _hvalues(c):
    r = c.rng.random()
    if r < 0.55:
        return ["GET", c.choice(HLL_KEYS)]
    if r < 0.75:
        return ["PFDEBUG", c.choice(["ENCODING", "DECODE", "ENCODING", "TODENSE"]), _hkey(c)]
    if r < 0.8:
        return ["DEL", c.choice(HLL_KEYS)]
    if r < 0.9:
        return ["SET", "hs", c.choice(["HYLL", "plain", "123"])]
    return ["RPUSH", "wl", "x"]
