# A raw RESP2/RESP3 client for the integration tests.
#
# Sends arbitrary bytes (or commands encoded as multibulk requests) and reads
# exactly one complete reply, returned both as the raw bytes on the wire and as
# a parsed value.  Used by the differential and bad-input tests, which compare
# raw reply bytes between shoal and redis-server.  Single-threaded; one
# RespConnection per socket.
#
# Parsed value mapping (every type of /work/shared/reference/resp.md §3.1):
#   +simple      -> Simple (bytes subclass)
#   -error       -> Error (bytes subclass, NOT raised)
#   :integer     -> int
#   $bulk        -> bytes;  $-1 -> None
#   *array       -> list;   *-1 -> None
#   _ null       -> None
#   ,double      -> Double (float subclass; inf/-inf/nan)
#   #t / #f      -> bool
#   !blob error  -> BlobError (bytes subclass)
#   =verbatim    -> Verbatim (bytes subclass with .fmt)
#   (big number  -> BigNumber (int subclass)
#   %map         -> Map (list of (key, value) pairs; keys may be unhashable)
#   ~set         -> Set (list subclass)
#   |attribute   -> Attributed(attributes: Map, value) wrapping the next reply
#   >push        -> Push (list subclass)

import socket
import ssl
import time


class ConnectionClosed(Exception):
    """The peer closed the connection before a complete reply arrived."""

    def __init__(self, partial=b""):
        super().__init__(f"connection closed by peer (partial reply: {partial[:200]!r})")
        self.partial = partial


class ReplyTimeout(Exception):
    """No complete reply within the timeout."""

    def __init__(self, partial=b""):
        super().__init__(f"timed out waiting for a reply (partial: {partial[:200]!r})")
        self.partial = partial


class ProtocolViolation(Exception):
    """The server sent bytes that are not valid RESP."""


class Simple(bytes):
    def __repr__(self):
        return f"Simple({bytes(self)!r})"


class Error(bytes):
    def __repr__(self):
        return f"Error({bytes(self)!r})"

    @property
    def code(self):
        return bytes(self).split(b" ", 1)[0]


class BlobError(Error):
    def __repr__(self):
        return f"BlobError({bytes(self)!r})"


class Double(float):
    def __repr__(self):
        return f"Double({float(self)!r})"


class BigNumber(int):
    def __repr__(self):
        return f"BigNumber({int(self)})"


class Verbatim(bytes):
    fmt = b"txt"

    def __new__(cls, fmt, text):
        obj = super().__new__(cls, text)
        obj.fmt = fmt
        return obj

    def __repr__(self):
        return f"Verbatim({self.fmt!r}, {bytes(self)!r})"


class Map(list):
    """A RESP3 map as an ordered list of (key, value) pairs."""

    def __repr__(self):
        return f"Map({list.__repr__(self)})"

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default


class Set(list):
    def __repr__(self):
        return f"Set({list.__repr__(self)})"


class Push(list):
    def __repr__(self):
        return f"Push({list.__repr__(self)})"


class Attributed:
    def __init__(self, attributes, value):
        self.attributes = attributes
        self.value = value

    def __eq__(self, other):
        return (isinstance(other, Attributed) and self.attributes == other.attributes and
                self.value == other.value)

    def __repr__(self):
        return f"Attributed({self.attributes!r}, {self.value!r})"


class _Incomplete(Exception):
    pass


# Guards against absurd nesting or sizes in replies from a broken server; a
# test reports them instead of hanging or exhausting memory.
_MAX_DEPTH = 64
_MAX_AGGREGATE = 10_000_000


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Incomplete()
    return buf[pos:end], end + 2


def _int(text, what):
    try:
        return int(text)
    except ValueError:
        raise ProtocolViolation(f"bad {what} {text!r}") from None


def _parse(buf, pos, depth):
    """Parses one reply at buf[pos:]; returns (value, end) or raises _Incomplete."""
    if depth > _MAX_DEPTH:
        raise ProtocolViolation("reply nested too deeply")
    if pos >= len(buf):
        raise _Incomplete()
    kind = buf[pos:pos + 1]
    text, pos = _line(buf, pos + 1)
    if kind == b"+":
        return Simple(text), pos
    if kind == b"-":
        return Error(text), pos
    if kind == b":":
        return _int(text, "integer"), pos
    if kind == b"_":
        if text:
            raise ProtocolViolation(f"null with payload {text!r}")
        return None, pos
    if kind == b",":
        try:
            return Double(float(text)), pos
        except ValueError:
            raise ProtocolViolation(f"bad double {text!r}") from None
    if kind == b"#":
        if text not in (b"t", b"f"):
            raise ProtocolViolation(f"bad boolean {text!r}")
        return text == b"t", pos
    if kind == b"(":
        return BigNumber(_int(text, "big number")), pos
    if kind in (b"$", b"!", b"="):
        n = _int(text, "length")
        if n == -1 and kind == b"$":
            return None, pos
        if n < 0:
            raise ProtocolViolation(f"bad length {n}")
        if len(buf) < pos + n + 2:
            raise _Incomplete()
        data = buf[pos:pos + n]
        if buf[pos + n:pos + n + 2] != b"\r\n":
            raise ProtocolViolation("bulk payload not followed by CRLF")
        pos += n + 2
        if kind == b"$":
            return bytes(data), pos
        if kind == b"!":
            return BlobError(data), pos
        if len(data) < 4 or data[3:4] != b":":
            raise ProtocolViolation(f"bad verbatim string {data[:10]!r}")
        return Verbatim(bytes(data[:3]), data[4:]), pos
    if kind in (b"*", b"~", b">", b"%", b"|"):
        n = _int(text, "aggregate length")
        if n == -1 and kind == b"*":
            return None, pos
        if n < 0 or n > _MAX_AGGREGATE:
            raise ProtocolViolation(f"bad aggregate length {n}")
        if kind in (b"%", b"|"):
            pairs = Map()
            for _ in range(n):
                k, pos = _parse(buf, pos, depth + 1)
                v, pos = _parse(buf, pos, depth + 1)
                pairs.append((k, v))
            if kind == b"|":
                value, pos = _parse(buf, pos, depth + 1)
                return Attributed(pairs, value), pos
            return pairs, pos
        items = []
        for _ in range(n):
            v, pos = _parse(buf, pos, depth + 1)
            items.append(v)
        if kind == b"~":
            return Set(items), pos
        if kind == b">":
            return Push(items), pos
        return items, pos
    raise ProtocolViolation(f"unknown reply type byte {kind!r}")


def parse_one(buf, pos=0):
    """Parses one complete reply; returns (value, end) or None if incomplete."""
    try:
        return _parse(bytes(buf), pos, 0)
    except _Incomplete:
        return None


def parse_all(data):
    """Parses a byte string holding zero or more complete replies."""
    out, pos = [], 0
    while pos < len(data):
        r = parse_one(data, pos)
        if r is None:
            raise ProtocolViolation(f"trailing incomplete reply {data[pos:pos + 100]!r}")
        out.append(r[0])
        pos = r[1]
    return out


def _as_bytes(a):
    if isinstance(a, bytes):
        return a
    if isinstance(a, (bytearray, memoryview)):
        return bytes(a)
    if isinstance(a, str):
        return a.encode()
    if isinstance(a, (int, float)):
        return str(a).encode()
    raise TypeError(f"cannot send {type(a)}")


def encode_command(*args):
    """Encodes args as a RESP multibulk request."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = _as_bytes(a)
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


class RespConnection:
    """One TCP connection speaking raw RESP."""

    def __init__(self, host, port, timeout=5.0, source_address=None, profile=True):
        """With `profile` (the default) the connection follows the test
        profile (support/profile.py): under tls-auth it is TLS with the test
        client certificate and already authenticated (the AUTH reply is
        consumed here; an error reply raises ConnectionClosed). profile=False:
        always a plain TCP connection."""
        self.host, self.port = host, port
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=source_address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False
        if profile:
            from . import profile as prof
            try:
                self.sock = prof.wrap_socket(self.sock, host)
            except (OSError, ValueError):
                self.sock.close()
                raise
            auth = prof.auth_command()
            if auth is not None:
                raw, _ = self.call_raw(*auth)
                if raw != b"+OK\r\n":
                    self.close()
                    raise ConnectionClosed(raw)

    # --- lifecycle ---------------------------------------------------------

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- sending -----------------------------------------------------------

    def send(self, data):
        """Sends raw bytes (a full frame, part of one, garbage...)."""
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    # --- receiving ---------------------------------------------------------

    def _fill(self, deadline):
        """Reads more bytes into buf; False on EOF; raises socket.timeout."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 16)
        except (ConnectionResetError, ssl.SSLZeroReturnError, ssl.SSLEOFError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_reply(self, timeout=None):
        """Returns (raw_bytes, parsed) of exactly one complete reply.

        Raises ConnectionClosed if the peer closes first, ReplyTimeout if no
        complete reply arrives in time.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            r = parse_one(self.buf)
            if r is not None:
                value, end = r
                raw = bytes(self.buf[:end])
                del self.buf[:end]
                return raw, value
            try:
                if not self._fill(deadline):
                    raise ConnectionClosed(bytes(self.buf))
            except socket.timeout:
                raise ReplyTimeout(bytes(self.buf)) from None

    def read_raw(self, timeout=None):
        return self.read_reply(timeout)[0]

    def read(self, timeout=None):
        return self.read_reply(timeout)[1]

    def call_raw(self, *args, timeout=None):
        """Sends one command, returns (raw, parsed) of its reply."""
        self.send_command(*args)
        return self.read_reply(timeout)

    def call(self, *args, timeout=None):
        """Sends one command, returns its parsed reply."""
        return self.call_raw(*args, timeout=timeout)[1]

    def read_until_quiet(self, quiet=0.3, limit=10.0):
        """Reads everything the server sends until it closes the connection or
        is silent for `quiet` seconds (`limit` caps the total wait).

        Returns (bytes_received, closed).  Bytes already buffered are included.
        """
        end = time.monotonic() + limit
        while True:
            deadline = min(time.monotonic() + quiet, end)
            try:
                if not self._fill(deadline):
                    break
            except socket.timeout:
                break
        data = bytes(self.buf)
        self.buf.clear()
        return data, self.eof

    def is_closed(self, timeout=1.0):
        """True if the peer closes the connection within `timeout` (any bytes it
        sends before closing are kept in the buffer)."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
            return True
        except socket.timeout:
            return False

    def expect_no_reply(self, timeout=0.3):
        """True if nothing at all arrives within `timeout` and the connection is
        still open."""
        deadline = time.monotonic() + timeout
        try:
            self._fill(deadline)  # data or EOF: either way not "no reply"
        except socket.timeout:
            return not self.buf
        return False
