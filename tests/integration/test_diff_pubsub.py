# Pub/Sub against redis-server 7.0 as the oracle, raw bytes, RESP2 and RESP3:
# confirmations, message shapes (message / pmessage / smessage, arrays vs
# push), the RESP2 subscribed-mode restrictions with their exact error text,
# PING in subscribed mode, RESET and disconnect cleanup, PUBSUB
# introspection, MULTI/EXEC around (S)SUBSCRIBE, and the pubsub
# client-output-buffer-limit class.
#
# A scenario is a list of steps run on several connections of one server;
# every step records the raw bytes it read, and the two servers' records
# must be identical. Where Redis's order comes from a hash table (UNSUBSCRIBE
# with no argument, several patterns matching one message, PUBSUB CHANNELS)
# the step compares the replies as a sorted multiset instead.

import time

import pytest


# Step forms:
#   (conn, [args...])             send, read one reply per expected frame (see _frames)
#   (conn, [args...], n)          send, read exactly n replies
#   (conn, [args...], "set", n)   send, read n replies, compare as a multiset (_canonical)
#   (conn, "read", n)             read n pending replies (messages)
#   (conn, "readset", n)          same, compared sorted
#   (conn, "quiet")               nothing more may arrive within 0.2 s
#   (conn, "close")               close the connection


def _frames(args):
    name = args[0].lower()
    if name in ("subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe",
                "sunsubscribe") and len(args) > 1:
        return len(args) - 1
    return 1


def _canonical(replies):
    """Hash-ordered replies: the raw frames without a trailing count, sorted,
    then the counts in arrival order (confirmation counts go down one by one
    whichever channel comes first)."""
    frames, counts = [], []
    for raw, val in replies:
        if isinstance(val, list) and val and isinstance(val[-1], int):
            counts.append(val[-1])
            frames.append(raw[:raw.rindex(b":")])
        else:
            frames.append(raw)
    return sorted(frames) + [repr(counts).encode()]


def run_scenario(server, steps, conns=("A", "B", "C")):
    cs = {name: server.connect() for name in conns}
    record = []
    try:
        for step in steps:
            who, what = step[0], step[1]
            c = cs[who]
            if what == "close":
                c.close()
                time.sleep(0.2)  # the server notices the close asynchronously
                record.append((who, "close"))
                continue
            if what == "quiet":
                record.append((who, "quiet", c.expect_no_reply(0.2)))
                continue
            if isinstance(what, list):
                c.send_command(*what)
                if len(step) == 2:
                    n, as_set = _frames(what), False
                elif step[2] == "set":
                    n, as_set = step[3], True
                else:
                    n, as_set = step[2], False
            else:
                n, as_set = step[2], what == "readset"
            replies = [c.read_reply(timeout=3) for _ in range(n)]
            got = [raw for raw, _ in replies]
            if as_set:
                got = _canonical(replies)
            if isinstance(what, list) and str(what[0]).upper() == "HELLO":
                got = [g[:1] for g in got]  # the map holds the client id
            record.append((who, what, b"".join(got)))
    finally:
        for c in cs.values():
            c.close()
    return record


def check(diff_pair, steps, conns=("A", "B", "C")):
    shoal, redis_srv = diff_pair
    for s in (shoal, redis_srv):
        with s.connect() as c:
            assert c.call_raw("FLUSHALL")[0] == b"+OK\r\n"
    got = run_scenario(shoal, steps, conns)
    want = run_scenario(redis_srv, steps, conns)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"step {i} {steps[i]!r}:\n shoal {g!r}\n redis {w!r}"
    assert len(got) == len(want)


def hello(conn, proto):
    return (conn, ["HELLO", str(proto)])


@pytest.mark.parametrize("proto", [2, 3])
def test_confirmations_and_counts(diff_pair, proto):
    check(diff_pair, [
        hello("A", proto),
        ("A", ["UNSUBSCRIBE"]), ("A", ["PUNSUBSCRIBE"]), ("A", ["SUNSUBSCRIBE"]),
        ("A", ["SUBSCRIBE", "a", "b", "a"]),
        ("A", ["PSUBSCRIBE", "p*", "p*", "h?llo"]),
        ("A", ["SSUBSCRIBE", "s1"]),
        ("A", ["SSUBSCRIBE", "s1", "s2"]),
        ("A", ["UNSUBSCRIBE", "zz", "a"]),
        ("A", ["PUNSUBSCRIBE", "h?llo"]),
        ("A", ["SUNSUBSCRIBE", "s2", "nope"]),
        ("A", ["SUNSUBSCRIBE"]),
        ("A", ["UNSUBSCRIBE"]),
        ("A", ["PUNSUBSCRIBE"]),
        ("A", ["UNSUBSCRIBE"]),
        ("A", ["PING"]),
    ])


@pytest.mark.parametrize("proto", [2, 3])
def test_messages_reach_channel_pattern_and_shard_subscribers(diff_pair, proto):
    check(diff_pair, [
        hello("A", proto),
        ("A", ["SUBSCRIBE", "news"]),
        ("A", ["PSUBSCRIBE", "n*"]),
        ("A", ["SSUBSCRIBE", "news"]),
        ("B", ["SUBSCRIBE", "news", "other"]),
        ("C", ["PUBLISH", "news", "hello"]),
        ("A", "read", 2),
        ("B", "read", 1),
        ("C", ["SPUBLISH", "news", "shard-msg"]),
        ("A", "read", 1),
        ("B", "quiet"),
        ("C", ["PUBLISH", "other", b"bin\x00\r\nary"]),
        ("B", "read", 1),
        ("A", "quiet"),
        ("C", ["PUBLISH", "nobody", "x"]),
        ("C", ["PUBLISH", "", ""]),
        ("C", ["PUBSUB", "NUMSUB", "news", "other", "nobody", "news"]),
        ("C", ["PUBSUB", "SHARDNUMSUB", "news", "zz"]),
        ("C", ["PUBSUB", "NUMPAT"]),
        ("C", ["PUBSUB", "CHANNELS", "o*"]),
        ("C", ["PUBSUB", "CHANNELS", "n*"]),
        ("C", ["PUBSUB", "SHARDCHANNELS"]),
        ("C", ["PUBSUB", "SHARDCHANNELS", "x*"]),
        ("A", "close"),
        ("B", "close"),
        ("C", ["PUBSUB", "NUMSUB", "news"]),
        ("C", ["PUBSUB", "NUMPAT"]),
        ("C", ["PUBSUB", "CHANNELS"]),
        ("C", ["PUBSUB", "SHARDCHANNELS"]),
        ("C", ["PUBLISH", "news", "gone"]),
    ])


def test_channels_listing_is_the_same_set(diff_pair):
    steps = [("A", ["SUBSCRIBE", "c1", "c2", "d1"]), ("B", ["PSUBSCRIBE", "c*", "*"])]
    shoal, redis_srv = diff_pair
    out = []
    for s in (shoal, redis_srv):
        a, b, c = s.connect(), s.connect(), s.connect()
        try:
            a.send_command("SUBSCRIBE", "c1", "c2", "d1")
            [a.read_reply() for _ in range(3)]
            b.send_command("PSUBSCRIBE", "c*", "*")
            [b.read_reply() for _ in range(2)]
            chans = sorted(c.call("PUBSUB", "CHANNELS"))
            cchans = sorted(c.call("PUBSUB", "CHANNELS", "c?"))
            n = c.call("PUBLISH", "c1", "m")
            msgs = sorted(b.read_reply()[0] for _ in range(2))
            out.append((chans, cchans, n, msgs))
        finally:
            for x in (a, b, c):
                x.close()
    assert out[0] == out[1]
    assert steps


def test_resp2_subscribed_mode_restrictions(diff_pair):
    check(diff_pair, [
        ("A", ["SUBSCRIBE", "a"]),
        ("A", ["GET", "k"]),
        ("A", ["SET", "k", "v"]),
        ("A", ["CLIENT", "LIST"]),
        ("A", ["PUBSUB", "NUMSUB", "a"]),
        ("A", ["PUBLISH", "a", "x"]),
        ("A", ["MULTI"]),
        ("A", ["HELLO", "3"]),
        ("A", ["PING"]),
        ("A", ["PING", "hi"]),
        ("A", ["PING", "a", "b"]),
        ("A", ["NOSUCHCMD"]),
        ("A", ["GET"]),
        ("A", ["PSUBSCRIBE", "x*"]),
        ("A", ["UNSUBSCRIBE", "a"]),
        ("A", ["GET", "k"]),
        ("A", ["PUNSUBSCRIBE"]),
        ("A", ["GET", "k"]),
        # Shard subscriptions alone are subscribed mode too.
        ("A", ["SSUBSCRIBE", "s"]),
        ("A", ["GET", "k"]),
        ("A", ["SUNSUBSCRIBE"]),
        ("A", ["GET", "k"]),
        ("A", ["PING"]),
    ])


def test_resp3_clients_may_run_anything_while_subscribed(diff_pair):
    check(diff_pair, [
        hello("A", 3),
        ("A", ["SUBSCRIBE", "a"]),
        ("A", ["SET", "k", "v"]),
        ("A", ["GET", "k"]),
        ("A", ["PING"]),
        ("A", ["PING", "x"]),
        ("A", ["PUBLISH", "a", "to-myself"], 2),
        ("B", ["PUBLISH", "a", "from-b"]),
        ("A", "read", 1),
        ("A", ["PUBSUB", "NUMSUB", "a"]),
        ("A", ["HELLO", "2"]),
        ("A", ["GET", "k"]),
        ("A", ["PING"]),
    ])


@pytest.mark.parametrize("proto", [2, 3])
def test_reset_and_disconnect_drop_subscriptions(diff_pair, proto):
    check(diff_pair, [
        hello("A", proto),
        ("A", ["SUBSCRIBE", "a", "b"]),
        ("A", ["PSUBSCRIBE", "*"]),
        ("A", ["SSUBSCRIBE", "s"]),
        ("B", ["PUBSUB", "NUMSUB", "a", "b"]),
        ("A", ["RESET"]),
        ("A", ["GET", "k"]),
        ("B", ["PUBSUB", "NUMSUB", "a", "b"]),
        ("B", ["PUBSUB", "SHARDNUMSUB", "s"]),
        ("B", ["PUBSUB", "NUMPAT"]),
        ("B", ["PUBLISH", "a", "nobody"]),
        ("A", "quiet"),
        ("C", ["SUBSCRIBE", "c"]),
        ("C", "close"),
        ("B", ["PUBSUB", "NUMSUB", "c"]),
        ("B", ["PUBLISH", "c", "x"]),
    ])


@pytest.mark.parametrize("proto", [2, 3])
def test_unsubscribe_all_lists_every_channel(diff_pair, proto):
    check(diff_pair, [
        hello("A", proto),
        ("A", ["SUBSCRIBE", "a", "b", "c", "d"]),
        ("A", ["PSUBSCRIBE", "p1", "p2"]),
        ("A", ["SSUBSCRIBE", "s1", "s2"]),
        ("A", ["UNSUBSCRIBE"], "set", 4),
        ("A", ["PUNSUBSCRIBE"], 2),
        ("A", ["SUNSUBSCRIBE"], "set", 2),
        ("A", ["UNSUBSCRIBE"]),
    ])


@pytest.mark.parametrize("proto", [2, 3])
def test_several_patterns_matching_one_message(diff_pair, proto):
    check(diff_pair, [
        hello("A", proto),
        ("A", ["PSUBSCRIBE", "*", "a*", "a?c", "[ab]bc", "x*"]),
        ("B", ["PUBLISH", "abc", "m"]),
        ("A", "readset", 4),
        ("A", "quiet"),
        ("B", ["PUBLISH", "xyz", "m2"]),
        ("A", "readset", 2),
    ])


def test_subscribe_inside_multi(diff_pair):
    check(diff_pair, [
        ("A", ["MULTI"]),
        ("A", ["SUBSCRIBE", "z"]),
        ("A", ["SSUBSCRIBE", "s"]),
        ("A", ["EXEC"]),
        ("A", ["GET", "k"]),
        ("B", ["PUBLISH", "z", "m"]),
        ("A", "read", 1),
    ])


def test_pubsub_errors_and_help(diff_pair):
    check(diff_pair, [
        ("A", ["PUBSUB"]),
        ("A", ["PUBSUB", "foo"]),
        ("A", ["PUBSUB", "HELP"]),
        ("A", ["PUBSUB", "HELP", "x"]),
        ("A", ["PUBSUB", "NUMPAT", "x"]),
        ("A", ["PUBSUB", "CHANNELS", "a", "b"]),
        ("A", ["PUBSUB", "SHARDCHANNELS", "a", "b"]),
        ("A", ["PUBSUB", "NUMSUB"]),
        ("A", ["PUBSUB", "SHARDNUMSUB"]),
        ("A", ["SUBSCRIBE"]),
        ("A", ["PSUBSCRIBE"]),
        ("A", ["SSUBSCRIBE"]),
        ("A", ["PUBLISH", "a"]),
        ("A", ["SPUBLISH", "a"]),
        ("A", ["PUBLISH", "a", "b", "c"]),
    ])


def test_command_info_rows_match(diff_pair):
    shoal, redis_srv = diff_pair
    names = ["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish", "spublish",
             "ssubscribe", "sunsubscribe", "pubsub"]
    got = []
    for s in (shoal, redis_srv):
        with s.connect() as c:
            rows = c.call("COMMAND", "INFO", *names)
            # name, arity, flags, first, last, step, categories, subcommand names
            got.append([(r[0], r[1], sorted(r[2]), r[3], r[4], r[5], sorted(r[6]),
                         sorted((sub[0], sub[1], sorted(sub[2]), sorted(sub[6]))
                                for sub in r[9]))
                        for r in rows])
    assert got[0] == got[1]


def test_info_stats_counts_channels_and_patterns(diff_pair):
    shoal, redis_srv = diff_pair
    out = []
    for s in (shoal, redis_srv):
        a, c = s.connect(), s.connect()
        try:
            a.send_command("SUBSCRIBE", "a", "b")
            [a.read_reply() for _ in range(2)]
            a.send_command("PSUBSCRIBE", "x*")
            a.read_reply()
            info = c.call("INFO", "stats").decode()
            fields = dict(l.split(":", 1) for l in info.split("\r\n") if ":" in l)
            out.append((fields.get("pubsub_channels"), fields.get("pubsub_patterns")))
        finally:
            a.close()
            c.close()
    assert out[0] == out[1] == ("2", "1"), out


def test_pubsub_output_buffer_limit_disconnects_slow_subscriber(diff_pair):
    """A subscriber that never reads is closed once its pending output passes
    the pubsub class's hard limit; the publisher is not affected."""
    shoal, redis_srv = diff_pair
    results = []
    for s in (shoal, redis_srv):
        with s.connect() as c:
            assert c.call_raw("CONFIG", "SET", "client-output-buffer-limit",
                              "pubsub 1mb 0 0")[0] == b"+OK\r\n"
        sub, pub = s.connect(), s.connect()
        try:
            sub.sock.setsockopt(__import__("socket").SOL_SOCKET,
                                __import__("socket").SO_RCVBUF, 4096)
            sub.send_command("SUBSCRIBE", "flood")
            sub.read_reply()
            payload = b"x" * 65536
            counts = []
            for _ in range(200):  # 12.5 MiB, far over 1 MiB plus socket buffers
                counts.append(pub.call("PUBLISH", "flood", payload))
            deadline = time.time() + 5
            while time.time() < deadline and pub.call("PUBSUB", "NUMSUB", "flood")[1] != 0:
                time.sleep(0.05)
            results.append((counts[0], pub.call("PUBSUB", "NUMSUB", "flood")[1],
                            pub.call("PING")))
        finally:
            sub.close()
            pub.close()
            with s.connect() as c:
                c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
    assert results[0] == results[1]
    assert results[0][1] == 0


@pytest.mark.parametrize("master_kind", ["redis", "shoal"])
def test_standalone_publish_reaches_subscribers_on_replicas(shoal_factory, redis_factory,
                                                            master_kind):
    """Standalone replication carries PUBLISH in the stream (not the AOF), so a
    subscriber on a replica hears it; redis-server and shoal both ways."""
    make_master, make_replica = ((redis_factory, shoal_factory) if master_kind == "redis"
                                 else (shoal_factory, redis_factory))
    master = make_master()
    replica = make_replica(["--replicaof", master.host, str(master.port)])
    deadline = time.time() + 10
    while time.time() < deadline:
        info = replica.call("INFO", "replication").decode()
        if "master_link_status:up" in info:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("replica never linked")
    with replica.connect() as sub, master.connect() as pub:
        sub.send_command("SUBSCRIBE", "rc")
        sub.read_reply()
        assert pub.call("PUBLISH", "rc", "through the stream") == 0
        raw, _ = sub.read_reply(timeout=5)
        assert raw == b"*3\r\n$7\r\nmessage\r\n$2\r\nrc\r\n$18\r\nthrough the stream\r\n"
