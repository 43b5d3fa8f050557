# Starting and stopping server processes (shoal or redis-server) for the
# integration tests.  Used by conftest.py fixtures; main test thread only.
#
# A Server runs one process with redis-server-style arguments
# (`--port P --bind ADDR --dir D ...`) in its own temporary directory, captures
# stdout+stderr to <dir>/server.log, waits until PING answers, and is stopped by
# its own PID only (SIGTERM, then SIGKILL after a grace period).
#
# Binary selection:
#   SHOAL_BIN                      path of the shoal binary (default <repo>/build/shoal)
#   SHOAL_TEST_TARGET_IS_REDIS=1   run the "shoal" side as /usr/bin/redis-server, so the
#                                  harness itself can be verified without shoal
#   REDIS_SERVER_BIN               oracle binary (default /usr/bin/redis-server)

import os
import signal
import socket
import subprocess
import tempfile
import time

from . import ports, profile
from .resp import ConnectionClosed, RespConnection

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
REDIS_SERVER = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
REDIS_CLI = profile.REDIS_CLI
REDIS_BENCHMARK = profile.REDIS_BENCHMARK

# Options that make the oracle behave like a plain in-memory server.
NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]


def target_is_redis():
    return os.environ.get("SHOAL_TEST_TARGET_IS_REDIS", "") not in ("", "0")


def shoal_binary():
    """Path of the binary under test (redis-server when SHOAL_TEST_TARGET_IS_REDIS=1)."""
    if target_is_redis():
        return REDIS_SERVER
    return os.environ.get("SHOAL_BIN", os.path.join(REPO_ROOT, "build", "shoal"))


def shoal_available():
    path = shoal_binary()
    return os.path.isfile(path) and os.access(path, os.X_OK)


class ServerError(Exception):
    pass


class Server:
    """One server process.

    `binary`: executable; `args`: extra arguments after the standard
    `--port --bind --dir`; `host`: bind address (127.0.0.1, or 127.0.0.11..16
    for multi-node tests); `port`: None picks a free one; `dir`: None creates
    a fresh temporary directory; `name`: label used in logs and messages.
    """

    def __init__(self, binary, args=(), host="127.0.0.1", port=None, dir=None, name="server",
                 with_bus=False, start_timeout=10.0, stop_timeout=10.0, env=None):
        self.binary = binary
        self.extra_args = list(args)
        self.host = host
        # A cluster node also binds port + 10000 (which must stay below 65536).
        a = [str(x).lower() for x in self.extra_args]
        clustered = any(a[i] in ("--cluster-enabled", "cluster-enabled") and a[i + 1] == "yes"
                        for i in range(len(a) - 1))
        self.port = port if port is not None else ports.free_port(
            host, with_bus=with_bus or clustered)
        self.dir = dir if dir is not None else tempfile.mkdtemp(prefix=f"{name}-")
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.env = env
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None
        self._log_file = None

    # --- process control ---------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def argv(self):
        # The test profile (support/profile.py) picks the listener (plain port,
        # or port 0 + tls-port) and adds its TLS and password options; the
        # test's own arguments come last and win.
        return ([self.binary] + profile.listen_args(self.port) +
                ["--bind", self.host, "--dir", self.dir] + profile.server_args() +
                self.extra_args)

    def start(self):
        if self.proc is not None:
            raise ServerError(f"{self.name} already started")
        if not os.access(self.binary, os.X_OK):
            raise ServerError(f"{self.name}: binary {self.binary} is missing or not executable")
        # make_shoal's default (health endpoints off: several nodes share a
        # host; the product default is 8080) survives tests that replace
        # extra_args before a restart.
        if (not target_is_redis() and self.binary == shoal_binary()
                and "--shoal-http-port" not in self.extra_args
                and not any(a.startswith("--shoal-http-port") for a in self.extra_args)):
            self.extra_args = list(self.extra_args) + ["--shoal-http-port", "0"]
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(("argv: %r\n" % (self.argv,)).encode())
        self._log_file.flush()
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.proc = subprocess.Popen(self.argv, cwd=self.dir, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env, start_new_session=True)
        try:
            self.wait_ready(self.start_timeout)
        except Exception:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout):
        """Waits until the server answers PING with +PONG."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"{self.name} exited with code {self.proc.returncode} "
                                  f"during start-up; log tail:\n{self.log_tail()}")
            try:
                with RespConnection(self.host, self.port, timeout=1.0) as c:
                    raw = c.call_raw("PING")[0]
                    # -NOAUTH: up, and asking for the password it was given.
                    if raw == b"+PONG\r\n" or raw.startswith(b"-NOAUTH"):
                        return
                    last = raw
                    # -LOADING and friends: keep waiting.
            except ConnectionClosed as e:
                # Under tls-auth: the profile's AUTH was refused because the
                # test gave the node its own password or users - it is up.
                if e.partial.startswith((b"-WRONGPASS", b"-ERR AUTH")):
                    return
                last = e
            except (OSError, Exception) as e:  # noqa: B014 - any failure means "not yet"
                last = e
            time.sleep(0.02)
        raise ServerError(f"{self.name} did not answer PING within {timeout}s (last: {last!r}); "
                          f"log tail:\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=None):
        """SIGTERM, then SIGKILL after `timeout` seconds.  Returns the exit code."""
        if self.proc is None:
            return None
        timeout = self.stop_timeout if timeout is None else timeout
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        code = self.proc.returncode
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        return code

    def restart(self, args=None, crash=False):
        """Stops (if running) and starts again with the same port and dir;
        `args` replaces the extra arguments when given. With `crash` the
        process is killed with SIGKILL instead of SIGTERM (no shutdown work:
        no save, no cluster handoff)."""
        if crash:
            self.kill()
        self.stop()
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        self.proc = None
        if args is not None:
            self.extra_args = list(args)
        return self.start()

    def kill(self):
        """SIGKILL at once (crash simulation)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    # --- helpers -----------------------------------------------------------

    def connect(self, timeout=5.0):
        """A new raw RESP connection to this server."""
        return RespConnection(self.host, self.port, timeout=timeout)

    def call(self, *args):
        """One command on a fresh connection; returns the parsed reply."""
        with self.connect() as c:
            return c.call(*args)

    def redis_py(self, **kw):
        """A python3-redis client under the test profile (redis is imported
        lazily: only Debian's python has it)."""
        return profile.client(self.host, self.port, **kw)

    def cli(self, *args, timeout=30):
        """redis-cli -h host -p port args... under the test profile; the
        CompletedProcess (text)."""
        return profile.run_cli("-h", self.host, "-p", self.port, *args, timeout=timeout)

    def rss_bytes(self):
        """Resident set size of the process, from /proc/<pid>/statm."""
        with open(f"/proc/{self.proc.pid}/statm") as f:
            resident_pages = int(f.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")

    def info_field(self, section, field):
        """A field of INFO <section> as a string (None if absent)."""
        text = self.call("INFO", section)
        for line in bytes(text).decode(errors="replace").splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
        return None

    def log_text(self):
        """The whole log (stdout and stderr) of the process."""
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(data.splitlines()[-lines:])

    def __repr__(self):
        return f"<{self.name} {self.host}:{self.port} pid={self.pid}>"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def make_shoal(args=(), no_persistence=True, **kw):
    """A (not yet started) Server for the binary under test.

    With `no_persistence` it gets `--save '' --appendonly no` like the oracle,
    so that both report the same configuration.
    """
    extra = (NO_PERSISTENCE if no_persistence else []) + list(args)
    # Health endpoints off unless the test asks for them (several nodes share
    # one host here; the product default is 8080).
    if not target_is_redis() and "--shoal-http-port" not in extra:
        extra += ["--shoal-http-port", "0"]
    kw.setdefault("name", "shoal")
    return Server(shoal_binary(), extra, **kw)


def make_redis(args=(), no_persistence=True, **kw):
    """A (not yet started) redis-server oracle (persistence off by default)."""
    extra = (NO_PERSISTENCE if no_persistence else []) + list(args)
    kw.setdefault("name", "redis")
    return Server(REDIS_SERVER, extra, **kw)


def wait_port_closed(host, port, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = socket.socket()
        try:
            s.settimeout(0.2)
            s.connect((host, port))
        except OSError:
            return True
        finally:
            s.close()
        time.sleep(0.05)
    return False
