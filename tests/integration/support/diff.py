# Differential execution: the same command sequence against shoal and against
# the redis-server oracle, comparing the raw reply bytes.
#
# Used by test_differential.py (and any test that wants oracle comparison);
# main test thread only.
#
# A sequence is a list of steps.  A step is a tuple/list of arguments (one
# command), or a ScanAll (full SCAN iteration, compared as a set of keys).
# Each command is sent to shoal, then to redis, before the next one, so that
# time-dependent replies (TTL...) are read at nearly the same moment.
#
# Replies are compared byte for byte, except for the commands listed in
# COMPARATORS (inherently different output, unordered replies, TTL tolerance).
# An error reply on either side is always compared byte for byte.  To add a
# rule: COMPARATORS["NAME"] or COMPARATORS[("CONTAINER", "SUB")] = function
# (a, b, ctx) -> None when equivalent, else a short explanation.

from .resp import Error, Map, RespConnection, Simple, Verbatim, parse_one


class Reply:
    """One reply as seen by the comparator."""

    def __init__(self, raw, value, server):
        self.raw = raw
        self.value = value
        self.server = server

    @property
    def kind(self):
        return self.raw[:1]

    def __repr__(self):
        r = self.raw if len(self.raw) <= 300 else self.raw[:300] + b"..."
        return repr(r)


class ScanAll:
    """Step: iterate SCAN to the end on both servers and compare the key sets."""

    def __init__(self, match=None, count=None, type=None):
        self.match, self.count, self.type = match, count, type

    def args(self, cursor):
        a = ["SCAN", cursor]
        if self.match is not None:
            a += ["MATCH", self.match]
        if self.count is not None:
            a += ["COUNT", self.count]
        if self.type is not None:
            a += ["TYPE", self.type]
        return a

    def __repr__(self):
        return "ScanAll(%s)" % " ".join(str(x) for x in self.args("*")[2:])


# --- comparators --------------------------------------------------------------


def exact(a, b, ctx):
    return None if a.raw == b.raw else "raw bytes differ"


def _int_within(tol):
    def cmp(a, b, ctx):
        if a.kind != b"-" and b.kind != b"-" and a.kind == b.kind == b":":
            x, y = a.value, b.value
            if x < 0 or y < 0:
                return None if x == y else "negative TTL codes differ"
            return None if abs(x - y) <= tol else f"differ by more than {tol}"
        return exact(a, b, ctx)
    return cmp


def _sort_key(v):
    return repr(v)


def unordered(a, b, ctx):
    """Aggregate replies whose element order is unspecified (KEYS, SMEMBERS)."""
    if a.kind != b.kind or not isinstance(a.value, list) or not isinstance(b.value, list):
        return exact(a, b, ctx)
    if sorted(a.value, key=_sort_key) != sorted(b.value, key=_sort_key):
        return "elements differ (compared as sets)"
    return None


def unordered_pairs(a, b, ctx):
    """Maps / flat field-value arrays whose pair order is unspecified (HGETALL,
    CONFIG GET pattern)."""
    if a.kind != b.kind or not isinstance(a.value, list) or not isinstance(b.value, list):
        return exact(a, b, ctx)
    return None if _pairs(a.value) == _pairs(b.value) else "pairs differ (compared unordered)"


def _pairs(v):
    if isinstance(v, Map):
        items = list(v)
    else:
        items = list(zip(v[0::2], v[1::2]))
    return sorted(items, key=_sort_key)


def same_type(a, b, ctx):
    """Only the reply type must match (TIME, INFO, CLIENT LIST...)."""
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    return None if a.kind == b.kind else "reply types differ"


def same_nullness(a, b, ctx):
    """RANDOMKEY, SRANDMEMBER...: both null or both a value of the same type."""
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    if (a.value is None) != (b.value is None) or a.kind != b.kind:
        return "one side is null / types differ"
    return None


def same_length(a, b, ctx):
    """Random members with a count: same type and number of elements."""
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    if a.kind != b.kind:
        return "reply types differ"
    if isinstance(a.value, list) and len(a.value) != len(b.value):
        return "different number of elements"
    return None


def time_reply(a, b, ctx):
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    ok = (a.kind == b.kind == b"*" and len(a.value) == len(b.value) == 2 and
          all(isinstance(x, bytes) and x.isdigit() for x in a.value + b.value))
    return None if ok else "TIME replies are not both [seconds, microseconds]"


def hello(a, b, ctx):
    """HELLO: identical except the client id."""
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    if a.kind != b.kind:
        return "reply types differ"
    pa, pb = _strip_id(a.value), _strip_id(b.value)
    return None if pa == pb else "HELLO fields differ (id ignored)"


def _strip_id(v):
    items = list(v) if isinstance(v, Map) else list(zip(v[0::2], v[1::2]))
    return [(k, (None if k == b"id" else val)) for k, val in items]


# CONFIG GET values that name the server's own address/paths.
_PER_SERVER_CONFIG = {b"port", b"bind", b"dir", b"pidfile", b"logfile", b"unixsocket",
                      b"cluster-config-file", b"cluster-announce-ip", b"tls-port"}


def config_get(a, b, ctx):
    if a.kind == b"-" or b.kind == b"-":
        return exact(a, b, ctx)
    if a.kind != b.kind:
        return "reply types differ"
    def norm(r):
        out = []
        for k, v in _pairs(r.value):
            if k in _PER_SERVER_CONFIG:
                v = b"<per-server>"
            out.append((k, v))
        return out
    return None if norm(a) == norm(b) else "config pairs differ (order and own address ignored)"


def _command_entry_diff(ea, eb):
    """Differences between two COMMAND INFO entries: every field (name, arity,
    flags, key positions, ACL categories, tips, key specs with their notes),
    and the subcommands matched by name, since Redis lists those in its dict's
    order, which changes from process to process."""
    if list(ea[:9]) != list(eb[:9]):
        return f"entry differs: {ea[:9]!r} vs {eb[:9]!r}"
    sa = {x[0]: x for x in (ea[9] if len(ea) > 9 else [])}
    sb = {x[0]: x for x in (eb[9] if len(eb) > 9 else [])}
    if sorted(sa) != sorted(sb):
        return f"subcommand lists differ: {sorted(sa)} vs {sorted(sb)}"
    for name in sa:
        d = _command_entry_diff(sa[name], sb[name])
        if d:
            return d
    return None


def command_info(a, b, ctx):
    """COMMAND INFO: every entry identical to Redis's (see _command_entry_diff)."""
    if a.kind != b.kind:
        return "reply types differ"
    if a.kind != b"*":
        return exact(a, b, ctx)
    va, vb = a.value, b.value
    if len(va) != len(vb):
        return "different number of entries"
    for ea, eb in zip(va, vb):
        if (ea is None) != (eb is None):
            return "one side knows the command, the other does not"
        if ea is None:
            continue
        d = _command_entry_diff(ea, eb)
        if d:
            return d
    return None


COMPARATORS = {
    "TTL": _int_within(1),
    "PTTL": _int_within(1000),
    "EXPIRETIME": _int_within(1),
    "PEXPIRETIME": _int_within(1000),
    "KEYS": unordered,
    "SMEMBERS": unordered,
    "SINTER": unordered,
    "SUNION": unordered,
    "SDIFF": unordered,
    "HKEYS": unordered,
    "HVALS": unordered,
    "HGETALL": unordered_pairs,
    "SRANDMEMBER": same_length,
    "SPOP": same_length,
    "HRANDFIELD": same_length,
    "ZRANDMEMBER": same_length,
    "RANDOMKEY": same_nullness,
    "TIME": time_reply,
    "INFO": same_type,
    "LASTSAVE": same_type,
    "HELLO": hello,
    "SCAN": same_type,
    "COMMAND": same_type,  # bare COMMAND / COMMAND COUNT: shoal has fewer commands
    ("COMMAND", "COUNT"): same_type,
    ("COMMAND", "INFO"): command_info,
    ("COMMAND", "LIST"): same_type,
    ("COMMAND", "DOCS"): same_type,
    ("CLIENT", "LIST"): same_type,
    ("CLIENT", "INFO"): same_type,
    ("CLIENT", "ID"): same_type,
    ("OBJECT", "IDLETIME"): _int_within(2),
    ("OBJECT", "FREQ"): same_type,
    ("CONFIG", "GET"): config_get,
    ("MEMORY", "USAGE"): same_nullness,
}

# Containers whose second argument selects the comparator.
_CONTAINERS = {"COMMAND", "CLIENT", "OBJECT", "CONFIG", "MEMORY", "CLUSTER", "DEBUG", "XINFO"}


class Unordered(list):
    """A step whose reply is compared as a multiset wherever it runs (a
    generator marks replies whose order Redis takes from its own set or
    dict iteration, e.g. SORT ... ALPHA BY with ties on a set)."""


def comparator_for(args):
    if isinstance(args, Unordered):
        return unordered
    name = _s(args[0]).upper() if args else ""
    if name in _CONTAINERS and len(args) > 1:
        sub = COMPARATORS.get((name, _s(args[1]).upper()))
        if sub is not None:
            return sub
        if len(args) > 1 and name == "COMMAND":
            return exact
    return COMPARATORS.get(name, exact)


def _s(x):
    return x.decode(errors="replace") if isinstance(x, (bytes, bytearray)) else str(x)


def fmt_args(args):
    out = []
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        t = b.decode(errors="backslashreplace")
        if len(t) > 60:
            t = t[:60] + f"...({len(b)} bytes)"
        out.append(repr(t) if (" " in t or not t) else t)
    return " ".join(out)


def missing_commands(server, names):
    """The subset of command `names` that `server` does not know (COMMAND INFO
    answers a null entry for unknown commands)."""
    if not names:
        return []
    with server.connect() as c:
        reply = c.call("COMMAND", "INFO", *names)
    if not isinstance(reply, list):
        return list(names)
    return [n for n, entry in zip(names, reply) if entry is None]


class Mismatch(AssertionError):
    pass


class DiffRunner:
    """Runs sequences on a (shoal, redis) pair and reports the first difference."""

    def __init__(self, shoal, redis, label="", context=10):
        self.a_server, self.b_server = shoal, redis
        self.label = label
        self.context = context
        self.a = self.b = None
        self.history = []  # (step text, reply a, reply b)

    # --- connection / state ------------------------------------------------

    def reset(self):
        """Fresh connections, empty keyspace on both servers."""
        self.close()
        for server in (self.a_server, self.b_server):
            if not server.alive():
                raise Mismatch(f"{server.name} is not running; log tail:\n{server.log_tail()}")
        self.a = self.a_server.connect()
        self.b = self.b_server.connect()
        for c in (self.a, self.b):
            raw = c.call_raw("FLUSHALL")[0]
            if raw != b"+OK\r\n":
                raise Mismatch(f"FLUSHALL failed: {raw!r}")
        self.history = []
        return self

    def close(self):
        for c in (self.a, self.b):
            if c is not None:
                c.close()
        self.a = self.b = None

    # --- running -------------------------------------------------------------

    def _one(self, conn, server, args):
        conn.send_command(*args)
        try:
            raw, value = conn.read_reply()
        except Exception as e:
            raise Mismatch(self._report(fmt_args(args), f"{server.name} gave no reply: {e}",
                                        None, None, server)) from None
        return Reply(raw, value, server)

    def step(self, args):
        if isinstance(args, ScanAll):
            return self._scan_all(args)
        a = self._one(self.a, self.a_server, args)
        b = self._one(self.b, self.b_server, args)
        why = comparator_for(args)(a, b, self)
        text = fmt_args(args)
        if why is not None:
            raise Mismatch(self._report(text, why, a, b))
        self.history.append((text, a, b))
        return a, b

    def run(self, steps):
        for s in steps:
            self.step(s)

    def _scan_all(self, spec):
        keys = []
        for conn, server in ((self.a, self.a_server), (self.b, self.b_server)):
            cursor, seen, rounds = b"0", set(), 0
            while True:
                r = self._one(conn, server, spec.args(cursor))
                if r.kind == b"-":
                    seen = r.raw
                    break
                if not (isinstance(r.value, list) and len(r.value) == 2):
                    raise Mismatch(self._report(repr(spec), "bad SCAN reply", r, None, server))
                cursor, batch = r.value
                seen.update(batch)
                rounds += 1
                if cursor == b"0":
                    break
                if rounds > 100000:
                    raise Mismatch(self._report(repr(spec), "SCAN never ends", r, None, server))
            keys.append(seen if isinstance(seen, bytes) else sorted(seen))
        text = repr(spec)
        if keys[0] != keys[1]:
            raise Mismatch(self._report(text, f"full SCAN differs:\n  {self.a_server.name}: "
                                        f"{keys[0]!r}\n  {self.b_server.name}: {keys[1]!r}",
                                        None, None))
        self.history.append((text, Reply(repr(keys[0]).encode(), None, self.a_server),
                             Reply(repr(keys[1]).encode(), None, self.b_server)))
        return keys

    def _report(self, text, why, a, b, server=None):
        lines = [f"DIFFERENCE{(' in ' + self.label) if self.label else ''} "
                 f"at step {len(self.history)}: {text}", f"  reason: {why}"]
        if a is not None:
            lines.append(f"  {a.server.name}: {a!r}")
        if b is not None:
            lines.append(f"  {b.server.name}: {b!r}")
        if self.history:
            lines.append(f"  preceding {min(self.context, len(self.history))} steps "
                         f"({self.a_server.name} | {self.b_server.name}):")
            for t, ra, rb in self.history[-self.context:]:
                same = "" if ra.raw == rb.raw else f"  |  {rb!r}"
                lines.append(f"    {t}  ->  {ra!r}{same}")
        for s in (self.a_server, self.b_server):
            if not s.alive():
                lines.append(f"  {s.name} DIED; log tail:\n{s.log_tail()}")
        return "\n".join(lines)


__all__ = ["DiffRunner", "missing_commands", "ScanAll", "Mismatch", "COMPARATORS", "comparator_for", "exact",
           "Error", "Simple", "Verbatim", "RespConnection", "parse_one"]
