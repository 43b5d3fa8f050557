# Malformed and hostile client input: each case must get Redis's exact reply
# (or a closed connection, exactly when Redis closes), the server must keep
# serving other clients, and its memory must stay bounded.
#
# Every case runs against shoal and the redis-server oracle; raw bytes are
# compared with each other and, for the rows of resp.md §7, with the verified
# bytes from the reference.

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from support.diff import missing_commands
from support.resp import encode_command

QUIET = 0.3  # seconds of silence that count as "no (more) reply"

# (id, setup commands, request bytes, expected reply bytes or None, closed or None,
#  commands that must exist)
# expected None: only shoal == redis is checked.
VECTORS = [
    # resp.md §7, verified against redis-server 7.0.15
    ("mbulk-count-not-number", [], b"*abc\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n", True, []),
    ("expected-dollar", [], b"*1\r\n:1\r\n",
     b"-ERR Protocol error: expected '$', got ':'\r\n", True, []),
    ("negative-bulk-len", [], b"*1\r\n$-5\r\n",
     b"-ERR Protocol error: invalid bulk length\r\n", True, []),
    ("bulk-len-over-512mb", [], b"*1\r\n$536870913\r\n",
     b"-ERR Protocol error: invalid bulk length\r\n", True, []),
    ("mbulk-count-2^31", [], b"*2147483648\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n", True, []),
    ("inline-unbalanced-quotes", [], b'PING "abc\r\n',
     b"-ERR Protocol error: unbalanced quotes in request\r\n", True, []),
    ("inline-too-big", [], b"x" * 70000,
     b"-ERR Protocol error: too big inline request\r\n", True, []),
    ("mbulk-count-too-big", [], b"*" + b"1" * 70000,
     b"-ERR Protocol error: too big mbulk count string\r\n", True, []),
    ("mbulk-zero-ignored", [], b"*0\r\nPING\r\n", b"+PONG\r\n", False, []),
    ("mbulk-negative-ignored", [], b"*-1\r\nPING\r\n", b"+PONG\r\n", False, []),
    ("empty-lines-ignored", [], b"\r\n\r\nPING\r\n", b"+PONG\r\n", False, []),
    ("crlf-after-bulk-unchecked", [], b"*1\r\n$4\r\nPINGxx", b"+PONG\r\n", False, []),
    ("incomplete-waits", [], b"*2\r\n$3\r\nGET\r\n", b"", False, []),
    ("inline-unknown-command", [], b"FOO bar\r\n",
     b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", False, []),
    ("hello-4", [], b"HELLO 4\r\n", b"-NOPROTO unsupported protocol version\r\n", False, []),
    ("hello-abc", [], b"HELLO abc\r\n",
     b"-ERR Protocol version is not an integer or out of range\r\n", False, []),
    ("subscribed-resp2", [], b"SUBSCRIBE ch\r\nPING\r\nGET x\r\n",
     b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n"
     b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
     b"RESET are allowed in this context\r\n", False, ["subscribe"]),
    ("incr-on-string", [["SET", "s", "abc"]], b"INCR s\r\n",
     b"-ERR value is not an integer or out of range\r\n", False, []),
    ("lpush-on-string", [["SET", "s", "abc"]], b"LPUSH s x\r\n",
     b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", False,
     ["lpush"]),
    ("evalsha-missing", [], b"EVALSHA " + b"0" * 40 + b" 0\r\n",
     b"-NOSCRIPT No matching script. Please use EVAL.\r\n", False, ["evalsha"]),
    ("set-ex-0", [], b"SET a b EX 0\r\n", b"-ERR invalid expire time in 'set' command\r\n",
     False, []),
    ("getrange-arity", [], b"GETRANGE a\r\n",
     b"-ERR wrong number of arguments for 'getrange' command\r\n", False, []),
    # resp.md §1 rules, compared with the oracle only
    ("bulk-len-2^40", [], b"*1\r\n$1099511627776\r\n",
     b"-ERR Protocol error: invalid bulk length\r\n", True, []),
    ("mbulk-count-2^63", [], b"*9223372036854775808\r\n", None, True, []),
    ("mbulk-count-plus", [], b"*+1\r\n$4\r\nPING\r\n", None, None, []),
    ("mbulk-count-leading-zero", [], b"*01\r\n$4\r\nPING\r\n", None, None, []),
    ("bulk-len-leading-zero", [], b"*1\r\n$04\r\nPING\r\n", None, None, []),
    ("bulk-len-space", [], b"*1\r\n$ 4\r\nPING\r\n", None, None, []),
    ("bulk-len-empty", [], b"*1\r\n$\r\nPING\r\n", None, None, []),
    ("bulk-count-too-big", [], b"*1\r\n$" + b"1" * 70000, None, True, []),
    ("expected-dollar-letter", [], b"*1\r\nx4\r\nPING\r\n", None, True, []),
    ("error-stops-pipeline", [], b"PING\r\n*abc\r\nPING\r\n", None, True, []),
    ("inline-quotes", [], b"SET 'a b' \"c\\x41\"\r\nGET 'a b'\r\n", b"+OK\r\n$2\r\ncA\r\n",
     False, []),
    ("inline-double-space", [], b"ping  hello\r\n", b"$5\r\nhello\r\n", False, []),
    ("inline-lf-only", [], b"PING\n", b"+PONG\r\n", False, []),
    ("inline-escapes", [], b'ECHO "a\\tb\\n\\x00\\xzz\\q"\r\n', None, None, []),
    ("inline-single-quote-escape", [], b"ECHO 'it\\'s' 'a\\nb'\r\n", None, None, []),
    ("inline-quote-then-text", [], b'ECHO "foo"bar\r\n', None, True, []),
    ("inline-unterminated-single", [], b"ECHO 'abc\r\n", None, True, []),
    ("inline-empty-quotes", [], b'ECHO ""\r\n', None, None, []),
    ("inline-tabs", [], b"\tECHO\t\tx \r\n", None, None, []),
    ("inline-cr-inside", [], b"ECHO a\rb\r\n", None, None, []),
    ("inline-unknown-many-args", [], b"NOPE " + b" ".join(b"a%d" % i for i in range(60)) + b"\r\n",
     None, False, []),
    ("inline-unknown-binary", [], b"N\x00PE \x01\x02\xff\r\n", None, None, []),
    ("http-post", [], b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", None, True, []),
    ("http-host", [], b"Host: example.com\r\n", None, True, []),
    ("quit", [], b"QUIT\r\nPING\r\n", b"+OK\r\n", True, []),
    ("pipeline-of-three", [], encode_command("SET", "p", "1") + encode_command("INCR", "p") +
     encode_command("GET", "p"), b"+OK\r\n:2\r\n$1\r\n2\r\n", False, []),
    ("binary-safe-arg", [], encode_command("ECHO", b"\x00\r\n\xff"), b"$4\r\n\x00\r\n\xff\r\n",
     False, []),
    ("empty-command-name", [], encode_command(""), None, False, []),
]


def run_vector(server, setup, request):
    with server.connect() as c:
        for cmd in setup:
            c.call(*cmd)
        c.send(request)
        return c.read_until_quiet(QUIET)


def run_on_both(pair, setup, request):
    """run_vector on both servers at the same time (halves the quiet waits)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_vector, s, setup, request) for s in pair]
        return [f.result() for f in futures]


def assert_still_serving(server):
    assert server.alive(), f"{server.name} died; log tail:\n{server.log_tail()}"
    with server.connect() as c:
        assert c.call_raw("PING")[0] == b"+PONG\r\n"


@pytest.mark.parametrize("vid,setup,request_bytes,expected,closed,needs",
                         VECTORS, ids=[v[0] for v in VECTORS])
def test_protocol_vector_matches_redis(diff_pair, vid, setup, request_bytes, expected, closed,
                                       needs):
    shoal, redis = diff_pair
    missing = missing_commands(shoal, needs)
    if missing:
        pytest.skip(f"{shoal.name} does not implement {missing} yet")
    for s in diff_pair:
        s.call("FLUSHALL")
    got = dict(zip((shoal.name, redis.name), run_on_both(diff_pair, setup, request_bytes)))
    if expected is not None:
        assert got[redis.name][0] == expected, "oracle disagrees with resp.md (reference stale?)"
    if closed is not None:
        assert got[redis.name][1] == closed, "oracle close state disagrees with resp.md"
    assert got[shoal.name] == got[redis.name], (
        f"(reply bytes, closed): {shoal.name} {got[shoal.name]!r} vs {redis.name} "
        f"{got[redis.name]!r}")
    for s in diff_pair:
        assert_still_serving(s)


def test_truncated_frame_waits_then_completes(diff_pair):
    """A request split at every possible byte boundary is executed once complete."""
    request = (encode_command("SET", "t", "hello") + encode_command("GET", "t") +
               b"PING\r\n" + encode_command("APPEND", "t", "!"))
    want = b"+OK\r\n$5\r\nhello\r\n+PONG\r\n:6\r\n"
    for server in diff_pair:
        with server.connect() as c:
            # One byte at a time, with a pause in the middle of a bulk length,
            # a bulk payload and an inline command.
            for i in range(len(request)):
                c.send(request[i:i + 1])
                if i in (5, 16, 40):
                    time.sleep(0.05)  # let the server see (and act on) the partial frame
            got = b"".join(c.read_raw() for _ in range(4))
            assert got == want, f"{server.name}: {got!r}"


def test_truncated_frame_then_rest_later(diff_pair):
    for server in diff_pair:
        with server.connect() as c:
            c.send(b"*2\r\n$3\r\nGET\r\n$1")
            assert c.expect_no_reply(QUIET), f"{server.name} replied to a partial frame"
            c.send(b"0\r\n")
            assert c.expect_no_reply(0.1)
            c.send(b"nokeynokey\r\n")
            assert c.read_raw() == b"$-1\r\n"


def test_connection_closed_mid_frame_leaves_server_serving(diff_pair):
    partials = [b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$10\r\nabc", b"*1\r\n", b"*1\r\n$4\r\nPI",
                b"PING", b"*2147483647\r\n", b"*1\r\n$536870912\r\n" + b"x" * 1000,
                b"SET \"abc", b"\x00\x01\x02"]
    for server in diff_pair:
        with server.connect() as watcher:
            for p in partials:
                c = server.connect()
                c.send(p)
                c.close()
            assert watcher.call_raw("PING")[0] == b"+PONG\r\n"
            # The server notices the closes: only the watcher stays connected.
            deadline = time.monotonic() + 5
            while True:
                text = watcher.call("INFO", "clients")
                line = [x for x in bytes(text).split(b"\r\n") if x.startswith(b"connected_clients:")]
                if line and line[0] == b"connected_clients:1":
                    break
                assert time.monotonic() < deadline, f"{server.name}: {line}"
                time.sleep(0.05)
        assert_still_serving(server)


@pytest.mark.parametrize("seed", range(8))
def test_binary_garbage_gets_same_reply_as_redis(diff_pair, seed):
    rng = random.Random(seed)
    size = rng.choice([1, 16, 300, 4000])
    # Some seeds keep the first byte away from '*' to exercise the inline path,
    # others start with '*' to exercise multibulk parsing of garbage.
    body = rng.randbytes(size)
    if seed % 2:
        body = b"*" + body
    outs = run_on_both(diff_pair, [], body)
    assert outs[0] == outs[1], f"garbage seed {seed}: {outs[0]!r} vs {outs[1]!r}"
    for s in diff_pair:
        assert_still_serving(s)


def test_binary_garbage_lines_get_same_replies_as_redis(diff_pair):
    """Garbage made of printable tokens and separators: many inline commands."""
    rng = random.Random(42)
    alphabet = b"abcXYZ019 \t\"'\\\r\n*$:-+"
    for _ in range(20):
        body = bytes(rng.choice(alphabet) for _ in range(200))
        outs = run_on_both(diff_pair, [], body)
        assert outs[0] == outs[1], f"garbage {body!r}: {outs[0]!r} vs {outs[1]!r}"
    for s in diff_pair:
        assert_still_serving(s)


def test_huge_declared_sizes_do_not_allocate(diff_pair):
    """Declared multibulk counts / bulk lengths that are never sent must not
    make the resident memory grow: open many such connections at once."""
    requests = [b"*2147483647\r\n$1\r\na\r\n", b"*1\r\n$536870912\r\n" + b"x" * 1000,
                b"*1\r\n$1099511627776\r\n", b"*1000000\r\n", b"*2\r\n$400000000\r\nab"]
    for server in diff_pair:
        before = server.rss_bytes()
        conns = []
        try:
            for _ in range(10):
                for r in requests:
                    c = server.connect()
                    c.send(r)
                    conns.append(c)
            time.sleep(0.3)
            assert_still_serving(server)
            grown = server.rss_bytes() - before
            assert grown < 64 << 20, f"{server.name} RSS grew by {grown >> 20} MB"
        finally:
            for c in conns:
                c.close()
        assert_still_serving(server)


def test_large_valid_argument_round_trips(diff_pair):
    value = random.Random(1).randbytes(1 << 20)
    for server in diff_pair:
        with server.connect() as c:
            assert c.call_raw("SET", "big", value)[0] == b"+OK\r\n"
            assert c.call("GET", "big") == value
            assert c.call("STRLEN", "big") == len(value)
            c.call("DEL", "big")


@pytest.fixture
def small_qbuf_pair(shoal_factory, redis_factory):
    args = ["--client-query-buffer-limit", "1mb"]
    return shoal_factory(args), redis_factory(args)


def test_query_buffer_limit_closes_connection(small_qbuf_pair):
    """A bulk argument larger than client-query-buffer-limit: closed without reply;
    an inline line larger than it: too big inline request."""
    cases = [b"*1\r\n$2000000\r\n" + b"x" * 1500000, b"x" * 1500000]
    for req in cases:
        outs = []
        for server in small_qbuf_pair:
            with server.connect() as c:
                try:
                    c.send(req)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                outs.append(c.read_until_quiet(QUIET))
            assert_still_serving(server)
        assert outs[1][1], "oracle did not close the connection"
        assert outs[0] == outs[1], f"{req[:20]!r}...: {outs[0]!r} vs {outs[1]!r}"
