# Differential tests of the geo family (GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH
# GEOSEARCHSTORE and the GEORADIUS family) against redis-server 7.0:
# hand-written edge cases (RESP2 and RESP3) and seeded random sequences drawn
# from support/randgen_geo.py.  Replies are compared byte for byte: distances,
# coordinates and hashes come from the same formulas, so the digits match.
# SHOAL_DIFF_SEED / SHOAL_DIFF_N as in test_differential.py.

import os

import pytest

from support import randgen, randgen_geo  # noqa: F401  (registers the generators)
from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    yield runner
    runner.close()


SICILY = ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
          "Catania", "13.583333", "37.316667", "Agrigento"]

SEQUENCES = {
    "add_and_read": [
        SICILY,
        ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"],
        ["GEOADD", "Sicily", "CH", "13.361389", "38.2", "Palermo"],
        ["GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "new"],
        ["GEOADD", "Sicily", "XX", "CH", "1", "1", "Palermo", "2", "2", "new2"],
        ["GEOADD", "Sicily", "NX", "XX", "1", "1", "x"],
        ["GEOADD", "Sicily", "GT", "1", "1", "x"],
        ["GEOADD", "Sicily", "1", "1"],
        ["GEOADD", "Sicily", "CH", "CH", "CH"],
        ["GEOADD", "Sicily", "181", "0", "x"],
        ["GEOADD", "Sicily", "0", "85.06", "x"],
        ["GEOADD", "Sicily", "-180.5", "-86", "x"],
        ["GEOADD", "Sicily", "abc", "0", "x"],
        ["GEOADD", "Sicily", "0", "nan", "x"],
        ["GEOADD", "Sicily", "1e400", "0", "x"],
        ["GEOADD", "Sicily", "1", "1", "ok", "200", "1", "bad"],
        ["GEOADD", "edge", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw", "0", "0",
         "zero", "-0", "-0", "negzero"],
        ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
        ["ZRANGE", "edge", "0", "-1", "WITHSCORES"],
        ["GEOPOS", "Sicily", "Palermo", "Catania", "nope", "Agrigento"],
        ["GEOPOS", "edge", "ne", "sw", "zero", "negzero"],
        ["GEOPOS", "nokey", "a", "b"],
        ["GEOPOS", "Sicily"],
        ["GEOHASH", "Sicily", "Palermo", "Catania", "nope"],
        ["GEOHASH", "edge", "ne", "sw", "zero"],
        ["GEOHASH", "nokey", "a"],
        ["GEOHASH", "Sicily"],
        ["GEODIST", "Sicily", "Palermo", "Catania"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "km"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "MI"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "ft"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "cm"],
        ["GEODIST", "Sicily", "Palermo", "Palermo"],
        ["GEODIST", "Sicily", "Palermo", "nope"],
        ["GEODIST", "nokey", "a", "b"],
        ["GEODIST", "nokey", "a", "b", "cm"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "km", "extra"],
        ["GEODIST", "edge", "ne", "sw"],
    ],
    "odd_scores": [
        ["ZADD", "z", "-1", "neg", "1e300", "big", "inf", "pinf", "-inf", "ninf",
         "4503599627370496", "b52", "-0.5", "nh", "9.3e18", "b63", "1.9e19", "b64",
         "-9.3e18", "nbig", "12345", "small"],
        ["GEOPOS", "z", "neg", "big", "pinf", "ninf", "b52", "nh", "b63", "b64", "nbig", "small"],
        ["GEOHASH", "z", "neg", "big", "pinf", "ninf", "b52", "nh", "b63", "b64", "nbig", "small"],
        ["GEODIST", "z", "neg", "ninf"],
        ["GEODIST", "z", "small", "b52", "km"],
        ["GEOSEARCH", "z", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "WITHHASH",
         "WITHCOORD"],
        ["GEOSEARCH", "z", "FROMMEMBER", "small", "BYRADIUS", "1", "km", "WITHHASH"],
    ],
    "search": [
        SICILY,
        ["GEOADD", "Sicily", "13.361389", "38.115556", "PalermoTwin", "12.5", "37.8", "Marsala"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC",
         "WITHCOORD", "WITHDIST", "WITHHASH"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "0", "km", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "ASC",
         "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "400", "10", "km", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "0", "0", "m"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "500", "km", "COUNT", "2"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "500", "km", "COUNT", "2",
         "DESC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "500", "km", "COUNT", "2",
         "ANY"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "500", "km", "COUNT", "1",
         "ANY", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "500", "km", "COUNT",
         "3", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "20000", "km", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "-165", "-37", "BYRADIUS", "20000", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1e12", "m"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "nokey", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"],
    ],
    "search_errors": [
        SICILY,
        ["SET", "str", "v"],
        ["GEOSEARCH", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37"],
        ["GEOSEARCH", "Sicily", "BYRADIUS", "200", "km", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS",
         "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS",
         "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "BYBOX", "1",
         "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "x", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "cm"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "-1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "1"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "200", "37", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "0"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "x"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "ANY"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STORE", "x"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STOREDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "BOGUS"],
        ["GEOSEARCH", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "ANY"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "a", "BYRADIUS", "1"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km",
         "WITHDIST"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km",
         "STORE", "x"],
        ["GEOSEARCHSTORE", "dst", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "Sicily"],
    ],
    "store": [
        SICILY,
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["OBJECT", "ENCODING", "dst"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
         "STOREDIST"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "mi",
         "STOREDIST", "COUNT", "1", "DESC"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["SET", "dst", "x", "EX", "100"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["TTL", "dst"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["EXISTS", "dst"],
        ["GEOSEARCHSTORE", "dst", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["SET", "dst", "x"],
        ["GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "a", "BYRADIUS", "1", "km"],
        ["EXISTS", "dst"],
        ["GEOSEARCHSTORE", "Sicily", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100",
         "km"],
        ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
        SICILY,
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "r1"],
        ["ZRANGE", "r1", "0", "-1", "WITHSCORES"],
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "r2", "COUNT", "2"],
        ["ZRANGE", "r2", "0", "-1", "WITHSCORES"],
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "r3", "STOREDIST", "r4"],
        ["EXISTS", "r3", "r4"],
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "r1", "WITHDIST"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "r1"],
        ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "STORE", "r5", "ASC"],
        ["ZRANGE", "r5", "0", "-1", "WITHSCORES"],
        ["GEORADIUSBYMEMBER", "nokey", "Palermo", "200", "km", "STORE", "r5"],
        ["EXISTS", "r5"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "STOREDIST", "r5"],
    ],
    "radius": [
        SICILY,
        ["GEORADIUS", "Sicily", "15", "37", "200", "km"],
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH",
         "ASC"],
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1"],
        ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "ANY"],
        ["GEORADIUS", "Sicily", "15", "37", "-1", "km"],
        ["GEORADIUS", "Sicily", "15", "37", "1", "parsec"],
        ["GEORADIUS", "Sicily", "15", "100", "1", "km"],
        ["GEORADIUS", "Sicily", "15", "37", "1", "km", "FROMMEMBER", "x"],
        ["GEORADIUS", "nokey", "15", "37", "1", "km"],
        ["GEORADIUS", "nokey", "15", "37", "1", "km", "STORE", "d"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST", "DESC"],
        ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST"],
        ["GEORADIUSBYMEMBER", "Sicily", "nope", "200", "km"],
        ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "x", "km"],
        ["GEORADIUSBYMEMBER", "nokey", "Palermo", "x", "cm"],
        ["GEORADIUSBYMEMBER", "nokey", "Palermo", "x", "cm", "BOGUS"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "100", "mi", "WITHCOORD"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "100", "mi", "STORE", "x"],
    ],
    "ties_and_counts": [
        ["GEOADD", "t", "10", "10", "a", "10", "10", "b", "10", "10", "c", "10.001", "10", "d",
         "9.999", "10", "e", "10", "10.001", "f", "10", "9.999", "g", "10", "10", "h"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "km", "ASC"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "km", "DESC"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "km", "COUNT", "3"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "km", "COUNT", "5",
         "DESC"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "km", "COUNT", "7"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10.0005", "10", "BYBOX", "1", "1", "km", "COUNT",
         "4", "WITHDIST"],
    ],
    # Many points, many of them at the same spot: COUNT sorts partially (Redis's
    # pqsort, whose order of equal distances is part of the reply).
    "many_points": [
        ["GEOADD", "many"] + [x for i in range(150)
                              for x in (str(10 + (i % 9) * 0.01), str(20 + (i % 7) * 0.01),
                                        f"p{i}")],
        ["GEOSEARCH", "many", "FROMLONLAT", "10.03", "20.02", "BYRADIUS", "50", "km", "COUNT",
         "37"],
        ["GEOSEARCH", "many", "FROMLONLAT", "10.03", "20.02", "BYRADIUS", "50", "km", "COUNT",
         "100", "DESC", "WITHDIST"],
        ["GEOSEARCH", "many", "FROMLONLAT", "10.03", "20.02", "BYRADIUS", "5", "km", "ASC"],
        ["GEOSEARCH", "many", "FROMMEMBER", "p3", "BYBOX", "3", "3", "km", "DESC"],
        ["GEOSEARCH", "many", "FROMMEMBER", "p3", "BYBOX", "3", "3", "km", "COUNT", "45",
         "ANY"],
        ["GEORADIUS", "many", "10.05", "20.05", "4", "km", "COUNT", "60", "STOREDIST", "d"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["OBJECT", "ENCODING", "d"],
    ],
    "wrongtype_and_arity": [
        ["SET", "str", "v"],
        ["GEOADD", "str", "1", "1", "a"],
        ["GEODIST", "str", "a", "b"],
        ["GEOHASH", "str", "a"],
        ["GEOPOS", "str", "a"],
        ["GEORADIUS", "str", "1", "1", "1", "km"],
        ["GEORADIUSBYMEMBER", "str", "a", "1", "km"],
        ["GEOADD", "g", "1", "1"],
        ["GEODIST", "g", "a"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "1"],
        ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "1", "BYRADIUS"],
        ["GEORADIUS", "g", "1", "1", "1"],
        ["GEORADIUSBYMEMBER", "g", "a", "1"],
    ],
}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_geo_sequence_matches_redis(diff, name):
    diff.run(SEQUENCES[name])


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_geo_sequence_matches_redis_resp3(diff, name):
    diff.step(["HELLO", "3"])
    diff.run(SEQUENCES[name])


def test_geo_command_info_and_keys_match_redis(diff):
    names = ["geoadd", "geodist", "geohash", "geopos", "geosearch", "geosearchstore",
             "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro"]
    for n in names:
        diff.step(["COMMAND", "INFO", n])
    for args in (["georadius", "k", "0", "0", "1", "m", "STORE", "a", "STOREDIST", "b"],
                 ["georadius", "k", "0", "0", "1", "m", "STOREDIST", "b", "STORE", "a"],
                 ["georadius", "k", "0", "0", "1", "m", "STORE", "a", "STORE", "b"],
                 ["georadius", "k", "0", "0", "1", "STORE", "a"],
                 ["georadius", "k", "0", "0", "1", "m", "STORE"],
                 ["georadiusbymember", "k", "m", "1", "m", "STORE", "a"],
                 ["geosearchstore", "d", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"]):
        diff.step(["COMMAND", "GETKEYS"] + args)


def test_geoadd_propagates_as_zadd(shoal_factory, redis_factory):
    """GEOADD reaches a replica (and the AOF) as the ZADD Redis rewrites it to:
    the replica's geo set and its scores match the oracle's."""
    primary = shoal_factory()
    replica = shoal_factory(["--replicaof", "127.0.0.1", str(primary.port)])
    oracle = redis_factory()
    import time
    with primary.connect() as p, oracle.connect() as o:
        for c in (p, o):
            c.call_raw(*SICILY)
            c.call_raw("GEOADD", "Sicily", "CH", "XX", "1", "1", "Palermo")
    want = None
    with oracle.connect() as o:
        want = o.call_raw("ZRANGE", "Sicily", "0", "-1", "WITHSCORES")[0]
    deadline = time.time() + 10
    got = None
    while time.time() < deadline:
        with replica.connect() as r:
            got = r.call_raw("ZRANGE", "Sicily", "0", "-1", "WITHSCORES")[0]
        if got == want:
            break
        time.sleep(0.1)
    assert got == want


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_geo_sequence_matches_redis(diff, protocol):
    seed = int(os.environ.get("SHOAL_DIFF_SEED", 7001)) + 40 + protocol
    n = int(os.environ.get("SHOAL_DIFF_N", 2000))
    steps = randgen.generate(seed, n, families={"geo"})
    diff.label = f"random geo seed={seed} n={n} RESP{protocol}"
    if protocol == 3:
        diff.step(["HELLO", "3"])
    diff.run(steps)
