# tests/integration/test_command_docs.py — COMMAND DOCS against redis-server
# 7.0, RESP2 and RESP3.
#
# For every command and subcommand redis-server lists, shoal's entry must be
# Redis's once the prose is masked: same fields in the same order, same reply
# types (maps, sets, simple strings), same group / since / doc_flags /
# deprecated_since / replaced_by / history versions and the same argument
# tree. The prose (summary, complexity, history descriptions, argument
# summaries) is shoal's own wording: only checked to be there, and not empty,
# where Redis has it. Also: the no-argument, several-names, container|sub and
# unknown-name forms reply as Redis does.

import pytest

from support.resp import Map, Set, Simple

MASK = "<prose>"


def _pairs(v):
    """A COMMAND DOCS map in either protocol as a list of (key, value)."""
    if isinstance(v, Map):
        return list(v)
    assert isinstance(v, list) and len(v) % 2 == 0, v
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


def _kind(v):
    if isinstance(v, Map):
        return "map"
    if isinstance(v, Set):
        return "set"
    if isinstance(v, Simple):
        return "simple"
    return type(v).__name__


def _prose(v, where, problems):
    if not (isinstance(v, bytes) and v.strip()):
        problems.append(f"{where}: empty prose {v!r}")
    return MASK


def _plain(v):
    """A fact field compared as it is, with the reply type of each part."""
    if isinstance(v, list):
        return [_kind(v)] + [(_kind(x), x) for x in v]
    return (_kind(v), v)


def _canon_arg(arg, where, problems):
    out = [_kind(arg)]
    for k, v in _pairs(arg):
        if k == b"summary":
            v = _prose(v, f"{where} summary", problems)
        elif k == b"arguments":
            v = [_kind(v)] + [_canon_arg(a, f"{where}/{i}", problems) for i, a in enumerate(v)]
        else:
            v = _plain(v)
        out.append((k, v))
    return out


def _canon(doc, where, problems):
    """The entry with its prose masked (and checked); subcommands left out
    (compared one by one by the caller)."""
    out = [_kind(doc)]
    for k, v in _pairs(doc):
        if k in (b"summary", b"complexity"):
            v = _prose(v, f"{where} {k.decode()}", problems)
        elif k == b"history":
            hist = [_kind(v)]
            for i, pair in enumerate(v):
                assert len(pair) == 2, pair
                hist.append((_kind(pair), pair[0], _prose(pair[1], f"{where} history {i}", problems)))
            v = hist
        elif k == b"arguments":
            v = [_kind(v)] + [_canon_arg(a, f"{where} arg {i}", problems) for i, a in enumerate(v)]
        elif k == b"subcommands":
            v = _kind(v)
        else:
            v = _plain(v)
        out.append((k, v))
    return out


def _docs(conn, proto):
    if proto == 3:
        conn.call("HELLO", "3")
    return conn.call("COMMAND", "DOCS")


def _compare(name, mine, theirs, problems):
    pm, pt = [], []
    a, b = _canon(mine, name, pm), _canon(theirs, name, pt)
    assert not pt, pt  # redis-server's own prose is never empty
    problems.extend(pm)
    if a != b:
        problems.append(f"{name}:\n  shoal {a}\n  redis {b}")
    subs_a = dict(_pairs(_pairs_get(mine, b"subcommands")))
    subs_b = dict(_pairs(_pairs_get(theirs, b"subcommands")))
    for sub in sorted(set(subs_b) - set(subs_a)):
        problems.append(f"{name}: shoal has no {sub.decode()}")
    for sub in sorted(set(subs_a) & set(subs_b)):
        _compare(sub.decode(), subs_a[sub], subs_b[sub], problems)
    return subs_a, subs_b


def _pairs_get(doc, key, default=()):
    for k, v in _pairs(doc):
        if k == key:
            return v
    return list(default)


@pytest.mark.parametrize("proto", [2, 3])
def test_every_redis_command_docs_entry_matches_with_prose_masked(diff_pair, proto):
    shoal, redis = diff_pair
    with shoal.connect() as a, redis.connect() as b:
        mine, theirs = dict(_pairs(_docs(a, proto))), dict(_pairs(_docs(b, proto)))
    assert len(theirs) > 200
    problems, compared = [], 0
    for name in sorted(theirs):
        if name not in mine:
            problems.append(f"shoal has no {name.decode()}")
            continue
        _compare(name.decode(), mine[name], theirs[name], problems)
        compared += 1
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} problems)"
    assert compared == len(theirs)


@pytest.mark.parametrize("proto", [2, 3])
def test_shoal_own_commands_have_a_summary_group_and_since(diff_pair, proto):
    shoal, redis = diff_pair
    with shoal.connect() as a, redis.connect() as b:
        mine, theirs = dict(_pairs(_docs(a, proto))), dict(_pairs(_docs(b, proto)))

    def walk(entries, theirs_names):
        for name, doc in entries.items():
            fields = dict(_pairs(doc))
            assert fields[b"summary"].strip(), name
            assert fields[b"group"] and fields[b"since"], name
            subs = dict(_pairs(fields.get(b"subcommands", [])))
            walk(subs, theirs_names)

    walk(mine, theirs)
    assert b"shoal" in mine and b"shoal" not in theirs


# Forms of the command itself: several names (in the order given), container
# and container|sub names (any case), unknown names and unknown subcommands
# (left out), repeated names.
NAME_LISTS = [
    ["get"],
    ["GET", "set", "nosuch"],
    ["client|kill", "CLIENT|LIST", "client|nosuch", "nosuch|kill", "get|x"],
    ["nosuch"],
    ["get", "get"],
    ["xinfo|stream", "config|get", "object|help", "slaveof", "getset"],
    ["|", "client|", "|kill"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_name_forms_reply_as_redis(diff_pair, proto):
    shoal, redis = diff_pair
    with shoal.connect() as a, redis.connect() as b:
        if proto == 3:
            a.call("HELLO", "3")
            b.call("HELLO", "3")
        for names in NAME_LISTS:
            ra, rb = a.call("COMMAND", "DOCS", *names), b.call("COMMAND", "DOCS", *names)
            assert _kind(ra) == _kind(rb), names
            pa, pb = _pairs(ra), _pairs(rb)
            assert [k for k, _ in pa] == [k for k, _ in pb], names
            problems = []
            for (name, da), (_, db) in zip(pa, pb):
                _compare(name.decode(), da, db, problems)
            assert not problems, problems
        # Wrong arity and COMMAND HELP mention DOCS alike.
        assert a.call("COMMAND", "HELP") == b.call("COMMAND", "HELP")
