# ACL against redis-server 7.0 as the oracle, RESP2 and RESP3: every ACL
# subcommand with its error cases (SETUSER rules and their error texts,
# GETUSER's shape, LIST, USERS, WHOAMI, CAT, GENPASS, LOG, DRYRUN, LOAD/SAVE
# without an aclfile, HELP), AUTH / HELLO AUTH with users, and the NOPERM
# replies for commands, keys (%R~ / %W~) and channels (PSUBSCRIBE literal
# match), at top level, in MULTI and in scripts.
#
# Normalisation, where Redis's bytes depend on its process and not on the
# ACL logic:
#  - ACL LIST / GETUSER "commands": the single +cmd/-cmd rules after the
#    categories come in Redis's command-dict order (random per process), so
#    they are compared as a sorted list (the categories keep their order);
#  - ACL CAT <category>: same dict order, compared sorted;
#  - GENPASS: compared by length and alphabet;
#  - ACL LOG: age-seconds and client-info by shape only (ids, ports, ages
#    differ); HELLO's client id likewise.

import re

import pytest

from support import resp as R


def _rules_canon(text):
    """'-@all +@hash +get -hset (~x* -@all +set)' with the single commands of
    each part sorted."""
    def part(s):
        toks = s.split()
        head = [t for t in toks if not re.match(r"^[+-][a-z_|]", t) or t[1] == "@"]
        # shoal's own SHOAL command has no counterpart in Redis's table (see
        # ACL CAT below).
        singles = sorted(t for t in toks if re.match(r"^[+-][a-z_|]", t) and t[1] != "@"
                         and not re.match(r"^[+-]shoal(\||$)", t))
        return " ".join(head) + " | " + " ".join(singles)
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            out.append(part(cur))
            cur = ""
        elif ch == ")":
            out.append("(" + part(cur) + ")")
            cur = ""
        else:
            cur += ch
    out.append(part(cur))
    return " ".join(out)


def _canon(v, hint=None):
    if isinstance(v, R.Map):
        return ("map", [(_canon(k), _canon(x, k)) for k, x in v])
    if isinstance(v, list):
        kind = type(v).__name__
        items = list(v)
        # RESP2 GETUSER / LOG maps are flat key/value arrays.
        if items and all(isinstance(x, (bytes, int, float, list)) for x in items):
            canon = []
            prev = None
            for x in items:
                canon.append(_canon(x, prev))
                prev = x if isinstance(x, bytes) else None
            return (kind, canon)
        return (kind, [_canon(x) for x in items])
    if isinstance(v, R.Error):
        return ("err", bytes(v))
    if isinstance(v, bytes):
        s = bytes(v).decode(errors="replace")
        if hint in (b"commands",) or s.startswith("user "):
            return ("rules", _rules_canon(s))
        if hint == b"client-info":
            return ("cinfo", sorted(f.split("=")[0] for f in s.split()))
        if hint == b"age-seconds":
            return ("age", "float")
        return (type(v).__name__, s)
    if isinstance(v, int) and hint == b"id":
        return ("client-id", "int")
    if isinstance(v, float):
        return ("age", "float") if hint == b"age-seconds" else ("double", v)
    return (type(v).__name__, v)


def run_steps(server, steps, proto):
    """Runs (conn, args) / (conn, args, mode) steps; returns canonical replies."""
    conns = {}
    out = []
    try:
        for step in steps:
            who, args = step[0], step[1]
            mode = step[2] if len(step) > 2 else None
            if who not in conns:
                conns[who] = server.connect()
                if proto == 3:
                    conns[who].call("HELLO", "3")
            c = conns[who]
            val = c.call(*args)
            if mode == "sorted":
                # shoal's table has a row Redis has not: its own SHOAL command.
                out.append(("sorted", sorted(bytes(x) for x in val
                                             if not bytes(x).startswith(b"shoal|"))))
            elif mode == "genpass":
                s = bytes(val).decode()
                out.append(("genpass", len(s), set(s) <= set("0123456789abcdef")))
            else:
                out.append(_canon(val))
    finally:
        for c in conns.values():
            c.close()
    return out


def diff(pair, steps):
    shoal, redis = pair
    for proto in (2, 3):
        a = run_steps(shoal, steps, proto)
        b = run_steps(redis, steps, proto)
        for i, (x, y) in enumerate(zip(a, b)):
            assert x == y, f"RESP{proto} step {i} {steps[i][1]}:\nshoal {x}\nredis {y}"
        # Clean up users so the next protocol run starts the same.
        for s in pair:
            users = s.call("ACL", "USERS")
            others = [u for u in users if u != b"default"]
            if others:
                s.call("ACL", "DELUSER", *others)
            s.call("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
            s.call("ACL", "LOG", "RESET")


def test_setuser_getuser_list_shapes(diff_pair):
    diff(diff_pair, [
        ("A", ["ACL", "SETUSER", "alice"]),
        ("A", ["ACL", "GETUSER", "alice"]),
        ("A", ["ACL", "SETUSER", "bob", "on", ">p1", ">p2", "<p1", "~k*", "%R~r*", "%W~w*",
               "%RW~b*", "&ch*", "+get", "+@hash", "-hset", "+client|id", "+select|0"]),
        ("A", ["ACL", "GETUSER", "bob"]),
        ("A", ["ACL", "SETUSER", "carol", "on", "nopass", "allkeys", "allchannels",
               "allcommands", "-@dangerous", "-debug", "skip-sanitize-payload"]),
        ("A", ["ACL", "GETUSER", "carol"]),
        ("A", ["ACL", "SETUSER", "dave", "on", "#" + "a" * 64, "(+set ~x*)", "(+get", "%R~y*)"]),
        ("A", ["ACL", "GETUSER", "dave"]),
        ("A", ["ACL", "SETUSER", "dave", "clearselectors", "!" + "a" * 64]),
        ("A", ["ACL", "GETUSER", "dave"]),
        ("A", ["ACL", "SETUSER", "erin", "+@all", "-@write", "+set", "-@keyspace", "resetkeys",
               "~a", "~b", "~a"]),
        ("A", ["ACL", "GETUSER", "erin"]),
        ("A", ["ACL", "SETUSER", "frank", "-@all", "+@read", "+@write", "+@fast", "-get"]),
        ("A", ["ACL", "GETUSER", "frank"]),
        ("A", ["ACL", "SETUSER", "bob", "reset"]),
        ("A", ["ACL", "GETUSER", "bob"]),
        ("A", ["ACL", "LIST"]),
        ("A", ["ACL", "USERS"]),
        ("A", ["ACL", "GETUSER", "nobody"]),
        ("A", ["ACL", "WHOAMI"]),
    ])


def test_setuser_errors(diff_pair):
    diff(diff_pair, [
        ("A", ["ACL", "SETUSER", "x", "+nosuchcommand"]),
        ("A", ["ACL", "SETUSER", "x", "+@nosuchcat"]),
        ("A", ["ACL", "SETUSER", "x", "bogus"]),
        ("A", ["ACL", "SETUSER", "x", "~*", "~k"]),
        ("A", ["ACL", "SETUSER", "x", "&*", "&k"]),
        ("A", ["ACL", "SETUSER", "x", "<nopass"]),
        ("A", ["ACL", "SETUSER", "x", "#abc"]),
        ("A", ["ACL", "SETUSER", "x", "!" + "A" * 64]),
        ("A", ["ACL", "SETUSER", "x", "+config|get|x"]),
        ("A", ["ACL", "SETUSER", "x", "+config|nosuch"]),
        ("A", ["ACL", "SETUSER", "x", "-get|x"]),
        ("A", ["ACL", "SETUSER", "x", "+get|"]),
        ("A", ["ACL", "SETUSER", "x", "(+get", "~x"]),
        ("A", ["ACL", "SETUSER", "x", "(+get bogus)"]),
        ("A", ["ACL", "SETUSER", "x", "%X~k"]),
        ("A", ["ACL", "SETUSER", "x", "%"]),
        ("A", ["ACL", "SETUSER", "x", "%~k"]),
        ("A", ["ACL", "SETUSER", "x", "%RX~a"]),
        ("A", ["ACL", "SETUSER", "y", "%R", "%WR~a", "%RW"]),
        ("A", ["ACL", "GETUSER", "y"]),
        ("A", ["ACL", "SETUSER", "y", "()", "(%R~b)", "resetpass", "nopass", "off", "on"]),
        ("A", ["ACL", "GETUSER", "y"]),
        ("A", ["ACL", "SETUSER", "a b"]),
        ("A", ["ACL", "USERS"]),  # nothing was created by the failures
        ("A", ["ACL", "DELUSER", "default"]),
        ("A", ["ACL", "DELUSER", "x", "nobody"]),
        ("A", ["ACL", "SETUSER", "x"]),
        ("A", ["ACL", "DELUSER", "x", "x"]),
        ("A", ["ACL"]),
        ("A", ["ACL", "NOSUCH"]),
        ("A", ["ACL", "LIST", "extra"]),
        ("A", ["ACL", "GETUSER"]),
        ("A", ["ACL", "LOAD"]),
        ("A", ["ACL", "SAVE"]),
        ("A", ["ACL", "HELP"]),
    ])


def test_cat_genpass_dryrun(diff_pair):
    steps = [("A", ["ACL", "CAT"])]
    for cat in ("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
                "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast",
                "blocking", "dangerous", "connection", "transaction", "scripting"):
        steps.append(("A", ["ACL", "CAT", cat], "sorted"))
    steps += [
        ("A", ["ACL", "CAT", "nosuch"]),
        ("A", ["ACL", "CAT", "a", "b"]),
        ("A", ["ACL", "GENPASS"], "genpass"),
        ("A", ["ACL", "GENPASS", "5"], "genpass"),
        ("A", ["ACL", "GENPASS", "4096"], "genpass"),
        ("A", ["ACL", "GENPASS", "0"]),
        ("A", ["ACL", "GENPASS", "4097"]),
        ("A", ["ACL", "GENPASS", "x"]),
        ("A", ["ACL", "GENPASS", "1", "2"]),
        ("A", ["ACL", "SETUSER", "u", "on", "~k*", "%R~r*", "%W~w*", "&ch*", "+@string",
               "+publish", "+subscribe", "+psubscribe", "+lmove", "(+@list ~l*)"]),
        ("A", ["ACL", "DRYRUN", "u", "get", "k1"]),
        ("A", ["ACL", "DRYRUN", "u", "get", "x1"]),
        ("A", ["ACL", "DRYRUN", "u", "get", "r1"]),
        ("A", ["ACL", "DRYRUN", "u", "set", "r1", "v"]),
        ("A", ["ACL", "DRYRUN", "u", "set", "w1", "v"]),
        ("A", ["ACL", "DRYRUN", "u", "get", "w1"]),
        ("A", ["ACL", "DRYRUN", "u", "append", "w1", "v"]),
        ("A", ["ACL", "DRYRUN", "u", "lpush", "l1", "v"]),
        ("A", ["ACL", "DRYRUN", "u", "lpush", "k1", "v"]),
        ("A", ["ACL", "DRYRUN", "u", "lmove", "l1", "k1", "left", "left"]),
        ("A", ["ACL", "DRYRUN", "u", "hget", "k1", "f"]),
        ("A", ["ACL", "DRYRUN", "u", "publish", "ch1", "m"]),
        ("A", ["ACL", "DRYRUN", "u", "publish", "other", "m"]),
        ("A", ["ACL", "DRYRUN", "u", "subscribe", "ch1", "other"]),
        ("A", ["ACL", "DRYRUN", "u", "psubscribe", "ch*"]),
        ("A", ["ACL", "DRYRUN", "u", "psubscribe", "ch1*"]),
        ("A", ["ACL", "DRYRUN", "nobody", "get", "k"]),
        ("A", ["ACL", "DRYRUN", "u", "nosuch", "k"]),
        ("A", ["ACL", "DRYRUN", "u", "get"]),
        ("A", ["ACL", "DRYRUN", "u", "config", "nosuch"]),
        ("A", ["ACL", "DRYRUN", "u", "config", "get", "x"]),
        ("A", ["ACL", "DRYRUN", "default", "config", "get", "x"]),
    ]
    diff(diff_pair, steps)


def test_auth_and_noperm(diff_pair):
    diff(diff_pair, [
        ("A", ["ACL", "SETUSER", "u", "on", ">pw", "~k*", "%R~r*", "&ch*", "+@string",
               "+multi", "+exec", "+eval", "+publish", "+psubscribe", "+acl|whoami"]),
        ("B", ["AUTH", "u", "bad"]),
        ("B", ["AUTH", "nobody", "pw"]),
        ("B", ["AUTH", "pw"]),
        ("B", ["AUTH", "u", "pw"]),
        ("B", ["ACL", "WHOAMI"]),
        ("B", ["GET", "k1"]),
        ("B", ["GET", "x1"]),
        ("B", ["SET", "r1", "v"]),
        ("B", ["GET", "r1"]),
        ("B", ["HGET", "k1", "f"]),
        ("B", ["ACL", "LIST"]),
        ("B", ["PUBLISH", "ch1", "m"]),
        ("B", ["PUBLISH", "other", "m"]),
        ("B", ["PSUBSCRIBE", "ch1*"]),
        ("B", ["EVAL", "return redis.call('get','k1')", "0"]),
        ("B", ["EVAL", "return redis.pcall('get','x1')", "0"]),
        ("B", ["EVAL", "return redis.pcall('hget','k1','f')", "0"]),
        ("B", ["EVAL", "return redis.pcall('publish','zz','m')", "0"]),
        ("B", ["EVAL", "return redis.acl_check_cmd('get','k1')", "0"]),
        ("B", ["EVAL", "return redis.acl_check_cmd('get','x1')", "0"]),
        ("B", ["EVAL", "return redis.acl_check_cmd('hget','k1','f')", "0"]),
        ("B", ["EVAL", "return redis.acl_check_cmd('get')", "0"]),
        ("B", ["EVAL", "return redis.acl_check_cmd('nosuch')", "0"]),
        ("B", ["EVAL", "return redis.acl_check_cmd()", "0"]),
        ("B", ["MULTI"]),
        ("B", ["GET", "k1"]),
        ("B", ["HGET", "k1", "f"]),
        ("B", ["EXEC"]),
        ("C", ["AUTH", "u", "pw"]),
        ("C", ["MULTI"]),
        ("C", ["GET", "k1"]),
        ("C", ["SET", "k2", "v"]),
        ("A", ["ACL", "SETUSER", "u", "-set"]),
        ("C", ["EXEC"]),
        ("A", ["ACL", "LOG", "3"]),
        ("A", ["ACL", "LOG", "0"]),
        ("A", ["ACL", "LOG", "-1"]),
        ("A", ["ACL", "LOG", "x"]),
        ("A", ["ACL", "LOG", "1", "2"]),
        ("A", ["ACL", "LOG"]),
        ("A", ["ACL", "LOG", "RESET"]),
        ("A", ["ACL", "LOG"]),
        ("D", ["HELLO", "3", "AUTH", "u", "bad"]),
        ("D", ["HELLO", "2", "AUTH", "u", "pw"]),
        ("D", ["ACL", "WHOAMI"]),
        ("D", ["CLIENT", "SETNAME", "x"]),
        ("A", ["ACL", "LOG", "1"]),
        ("A", ["ACL", "SETUSER", "off", "off", ">pw", "+@all"]),
        ("E", ["AUTH", "off", "pw"]),
        ("A", ["ACL", "SETUSER", "off", "on"]),
        ("E", ["AUTH", "off", "pw"]),
        ("E", ["ACL", "WHOAMI"]),
        ("A", ["CLIENT", "KILL", "USER", "nosuch"]),
        ("A", ["CLIENT", "KILL", "USER", "u", "SKIPME", "yes"]),
        ("F", ["AUTH", "u", "pw"]),
        ("F", ["SUBSCRIBE", "other"]),
        ("F", ["SSUBSCRIBE", "other"]),
        ("F", ["PSUBSCRIBE", "ch*", "other*"]),
    ])


def test_default_user_password_and_noauth(diff_pair):
    diff(diff_pair, [
        ("A", ["ACL", "SETUSER", "default", "resetpass", ">secret"]),
        ("B", ["PING"]),
        ("B", ["HELLO", "3"]),
        ("B", ["AUTH", "wrong"]),
        ("B", ["AUTH", "secret"]),
        ("B", ["PING"]),
        ("A", ["ACL", "SETUSER", "default", "nopass"]),
        ("C", ["AUTH", "anything"]),
        ("C", ["PING"]),
    ])


def test_functions_run_as_the_caller(diff_pair):
    lib = ("#!lua name=acltest\n"
           "redis.register_function('getit', function(keys, args) "
           "return redis.pcall('get', keys[1]) end)\n"
           "redis.register_function('hgetit', function(keys, args) "
           "return redis.pcall('hget', keys[1], 'f') end)")
    diff(diff_pair, [
        ("A", ["FUNCTION", "LOAD", "REPLACE", lib]),
        ("A", ["ACL", "SETUSER", "fu", "on", ">pw", "~k*", "+fcall", "+get"]),
        ("B", ["AUTH", "fu", "pw"]),
        ("B", ["FCALL", "getit", "1", "k1"]),
        ("B", ["FCALL", "getit", "1", "x1"]),
        ("B", ["FCALL", "hgetit", "1", "k1"]),
        ("A", ["ACL", "LOG", "1"]),
        ("A", ["FUNCTION", "DELETE", "acltest"]),
    ])


def test_random_rule_sequences(diff_pair):
    """Seeded random SETUSER rule lists (valid and invalid) followed by
    GETUSER and a few DRYRUNs: the staging, the error texts and the
    best-fit descriptions must match Redis's."""
    import random
    rnd = random.Random(int(__import__("os").environ.get("ACL_SEED", "1007")))
    atoms = ["on", "off", "nopass", "resetpass", ">p", "<p", ">q", "#" + "b" * 64, "!" + "b" * 64,
             "~k*", "~*", "allkeys", "resetkeys", "%R~r*", "%W~w*", "%RW~b", "&c*", "&*",
             "allchannels", "resetchannels", "+@all", "-@all", "allcommands", "nocommands",
             "+@read", "-@read", "+@write", "-@write", "+@string", "-@hash", "+@admin",
             "-@dangerous", "+@fast", "-@slow", "+@keyspace", "+@pubsub", "-@scripting",
             "+get", "-get", "+set", "-set", "+config", "-config|set", "+config|get",
             "+client|id", "-client", "+select|0", "+select|1", "+debug", "+acl|whoami",
             "reset", "clearselectors", "(+get ~s*)", "(-@all +@list %R~l*)", "+nosuch",
             "skip-sanitize-payload", "sanitize-payload", "+@nosuchcat", "bogus"]
    steps = []
    for i in range(60):
        rules = [rnd.choice(atoms) for _ in range(rnd.randint(1, 6))]
        steps.append(("A", ["ACL", "SETUSER", f"r{i % 7}"] + rules))
        steps.append(("A", ["ACL", "GETUSER", f"r{i % 7}"]))
        cmd = rnd.choice([["get", "k1"], ["set", "w1", "v"], ["get", "r1"], ["lpush", "l1", "x"],
                          ["publish", "c1", "m"], ["config", "get", "x"], ["select", "0"],
                          ["hset", "b", "f", "v"], ["client", "id"]])
        steps.append(("A", ["ACL", "DRYRUN", f"r{i % 7}"] + cmd))
    steps.append(("A", ["ACL", "LIST"]))
    diff(diff_pair, steps)


def test_monitor_redacts_like_redis(diff_pair):
    """MONITOR lines (after the timestamp and client) of AUTH, HELLO AUTH and
    MIGRATE AUTH2: the secrets are "(redacted)" exactly where Redis puts it."""
    got = []
    for s in diff_pair:
        m = s.connect()
        m.call("MONITOR")
        c = s.connect()
        c.call("ACL", "SETUSER", "mu", "on", ">pw", "+@all", "~*")
        c.call("AUTH", "mu", "pw")
        c.call("AUTH", "pw")
        c.call("HELLO", "2", "AUTH", "mu", "pw", "SETNAME", "x")
        c.call("HELLO", "2", "AUTH", "mu")
        c.call("MIGRATE", "127.0.0.1", "1", "k", "0", "10", "AUTH2", "u", "p")
        lines = []
        for _ in range(5):
            lines.append(bytes(m.read(timeout=5)).split(b"]", 1)[1])
        got.append(lines)
        m.close()
        c.close()
        s.call("ACL", "DELUSER", "mu")
    assert got[0] == got[1]
    assert b'"AUTH" "(redacted)" "(redacted)"' in got[0][0]
