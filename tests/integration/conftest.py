# pytest fixtures for the integration tests (tests/integration).
#
#   shoal           one started node of the binary under test (function scope)
#   redis_oracle    one started redis-server with --save '' --appendonly no
#   shoal_factory   callable(args=(), host=..., port=..., ...) -> started Server; all
#                   stopped at teardown
#   redis_factory   same for redis-server
#   diff_pair       (shoal, redis) pair shared by a test module, flushed by the
#                   differential helpers between sequences
#
# Environment: SHOAL_BIN, SHOAL_TEST_TARGET_IS_REDIS, SHOAL_DIFF_SEED,
# SHOAL_DIFF_N, SHOAL_BENCH_N, SHOAL_TEST_PROFILE (see support/server.py,
# support/profile.py and README in this folder).
# When the shoal binary is missing, tests that need it are skipped. Under
# SHOAL_TEST_PROFILE=tls-auth only modules with `PROFILE_AWARE = True` run
# (the others build plain clients themselves and are skipped with the reason).

import os

import pytest

from support import profile
from support import server as srv


def pytest_report_header(config):
    return f"shoal test profile: {profile.name()}"


def pytest_collection_modifyitems(config, items):
    if not profile.secure():
        return
    default = ("module not ported to SHOAL_TEST_PROFILE=tls-auth "
               "(its clients are not taken from support/profile.py)")
    for item in items:
        if not getattr(item.module, "PROFILE_AWARE", False):
            reason = getattr(item.module, "PROFILE_SKIP_REASON", default)
            item.add_marker(pytest.mark.skip(reason=reason))


def _require_shoal():
    if not srv.shoal_available():
        pytest.skip(f"shoal binary not found at {srv.shoal_binary()} "
                    "(build it, set SHOAL_BIN, or SHOAL_TEST_TARGET_IS_REDIS=1)")


def _require_redis():
    if not os.access(srv.REDIS_SERVER, os.X_OK):
        pytest.skip(f"redis-server not found at {srv.REDIS_SERVER}")


class _Factory:
    def __init__(self, make, tmp_path_factory, label):
        self._make = make
        self._tmp = tmp_path_factory
        self._label = label
        self.servers = []

    def __call__(self, args=(), host="127.0.0.1", port=None, dir=None, **kw):
        if dir is None:
            dir = str(self._tmp.mktemp(f"{self._label}-{host}"))
        s = self._make(args, host=host, port=port, dir=dir, **kw)
        self.servers.append(s)
        return s.start()

    def stop_all(self):
        errors = []
        for s in reversed(self.servers):
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                errors.append(e)
        self.servers.clear()
        if errors:
            raise errors[0]


@pytest.fixture
def shoal_factory(tmp_path_factory):
    _require_shoal()
    f = _Factory(srv.make_shoal, tmp_path_factory, "shoal")
    yield f
    f.stop_all()


@pytest.fixture
def redis_factory(tmp_path_factory):
    _require_redis()
    f = _Factory(srv.make_redis, tmp_path_factory, "redis")
    yield f
    f.stop_all()


@pytest.fixture
def shoal(shoal_factory):
    return shoal_factory()


@pytest.fixture
def redis_oracle(redis_factory):
    return redis_factory()


class _Pair:
    """A shoal node and a redis oracle shared by a module; a server that died
    (the test that killed it has failed already) is replaced before the next
    test so that one crash does not fail every later test."""

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self.servers = [None, None]
        self.crashed = []  # (name, log tail) of servers found dead

    def _new(self, i):
        if i == 0:
            s = srv.make_shoal(dir=str(self._tmp.mktemp("pair-shoal")))
        else:
            s = srv.make_redis(dir=str(self._tmp.mktemp("pair-redis")))
        self.servers[i] = s.start()

    def ensure_alive(self):
        for i in (0, 1):
            s = self.servers[i]
            if s is None or not s.alive():
                if s is not None:
                    self.crashed.append((s.name, s.log_tail()))
                    s.stop()
                self._new(i)
        return tuple(self.servers)

    def stop(self):
        for s in self.servers:
            if s is not None:
                s.stop()


@pytest.fixture(scope="module")
def _module_pair(tmp_path_factory):
    _require_shoal()
    _require_redis()
    pair = _Pair(tmp_path_factory)
    try:
        pair.ensure_alive()
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def diff_pair(_module_pair):
    """(shoal, redis): a node of each, shared by the tests of one module
    (restarted if a previous test crashed one)."""
    return _module_pair.ensure_alive()
