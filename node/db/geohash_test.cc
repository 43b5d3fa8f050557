// node/db/geohash_test.cc
//
// Unit tests of the geohash math: scores, decoding, GEOHASH strings, distances
// and the text forms, against values redis-server 7.0.15 printed.

#include "node/db/geohash.h"

#include <doctest/doctest.h>

namespace node::db::geo {

TEST_SUITE("db/geohash") {
  TEST_CASE("a point's score is Redis's 52-bit interleaved hash") {
    CHECK(ScoreOf(13.361389, 38.115556) == 3479099956230698ULL);
    CHECK(ScoreOf(15.087269, 37.502669) == 3479447370796909ULL);
    CHECK(ScoreOf(0, 0) == 3377699720527872ULL);
    CHECK(ScoreOf(-180, -85.05112878) == 0);
    // The upper limits overflow into bits 52 and 53, as in Redis.
    CHECK(ScoreOf(180, 85.05112878) == 13510798882111488ULL);
  }

  TEST_CASE("decoding a score gives the center of its box, clamped to the limits") {
    double xy[2];
    REQUIRE(DecodeScore(3479099956230698.0, xy));
    CHECK(FormatCoordinate(xy[0]) == "13.36138933897018433");
    CHECK(FormatCoordinate(xy[1]) == "38.11555639549629859");
    REQUIRE(DecodeScore(13510798882111488.0, xy));
    CHECK(FormatCoordinate(xy[0]) == "180");
    CHECK(FormatCoordinate(xy[1]) == "85.0511287799999991");
    REQUIRE(DecodeScore(0, xy));
    CHECK(FormatCoordinate(xy[0]) == "-179.99999731779098511");
    CHECK(FormatCoordinate(xy[1]) == "-85.05112751263942528");
  }

  TEST_CASE("scores outside 0..2^52 convert as x86-64 does") {
    CHECK(ScoreToBits(-1) == ~0ULL);
    CHECK(ScoreToBits(-0.5) == 0);
    CHECK(ScoreToBits(1e300) == 0);
    CHECK(ScoreToBits(-1e300) == 0x8000000000000000ULL);
    CHECK(ScoreToBits(9223372036854775808.0) == 0x8000000000000000ULL);
    double xy[2];
    REQUIRE(DecodeScore(-1e300, xy));
    CHECK(FormatCoordinate(xy[0]) == "180");
    CHECK(FormatCoordinate(xy[1]) == "-85.05112751263942528");
  }

  TEST_CASE("GEOHASH strings re-encode over latitude -90..90") {
    CHECK(GeohashString(3479099956230698.0) == "sqc8b49rny0");
    CHECK(GeohashString(13510798882111488.0) == "bp05b5048p0");
    CHECK(GeohashString(0) == "00bh0hbj200");
    CHECK(GeohashString(3377699720527872.0) == "s0000000000");
  }

  TEST_CASE("distances are haversine on Redis's earth radius, printed with 4 decimals") {
    double a[2], b[2];
    REQUIRE(DecodeScore(3479099956230698.0, a));
    REQUIRE(DecodeScore(3479447370796909.0, b));
    double d = Distance(a[0], a[1], b[0], b[1]);
    CHECK(FormatDistance(d) == "166274.1516");
    CHECK(FormatDistance(d / 1000) == "166.2742");
    CHECK(FormatDistance(0) == "0.0000");
    CHECK(FormatDistance(0.00004) == "0.0000");
    CHECK(FormatDistance(0.00006) == "0.0001");
    CHECK(FormatDistance(0.00005) == "0.0000");  // llrint: halves to even
    CHECK(FormatDistance(12.5) == "12.5000");
  }

  TEST_CASE("coordinates print like %.17Lf without trailing zeros") {
    CHECK(FormatCoordinate(0.5) == "0.5");
    CHECK(FormatCoordinate(-0.0) == "0");
    CHECK(FormatCoordinate(-12) == "-12");
  }

  TEST_CASE("steps shrink with the radius and near the poles") {
    CHECK(EstimateStepsByRadius(0, 0) == 26);
    CHECK(EstimateStepsByRadius(1, 0) == 24);
    CHECK(EstimateStepsByRadius(1, 70) == 23);
    CHECK(EstimateStepsByRadius(1, -85) == 22);
    CHECK(EstimateStepsByRadius(1e9, 0) == 1);
  }

  TEST_CASE("the search areas are the center box and its reachable neighbours") {
    Shape s;
    s.xy[0] = 15;
    s.xy[1] = 37;
    s.radius = 200;
    s.conversion = 1000;
    RadiusAreas r = AreasByShape(&s);
    CHECK(r.hash.step > 0);
    CHECK(r.area.longitude.min <= 15);
    CHECK(r.area.longitude.max >= 15);
    CHECK(s.bounds[1] < 37);
    CHECK(s.bounds[3] > 37);
    // Neighbours of a box differ from it and from each other on one axis.
    CHECK(r.neighbors.north.bits != r.hash.bits);
  }

  TEST_CASE("neighbours move one box in each direction") {
    HashBits h;
    REQUIRE(EncodeWgs84(10, 10, 5, &h));
    Neighbors n;
    GetNeighbors(h, &n);
    Area a, e, no;
    Range lon{kLongMin, kLongMax}, lat{kLatMin, kLatMax};
    REQUIRE(Decode(lon, lat, h, &a));
    REQUIRE(Decode(lon, lat, n.east, &e));
    REQUIRE(Decode(lon, lat, n.north, &no));
    CHECK(e.longitude.min == doctest::Approx(a.longitude.max));
    CHECK(e.latitude.min == doctest::Approx(a.latitude.min));
    CHECK(no.latitude.min == doctest::Approx(a.latitude.max));
  }
}

}  // namespace node::db::geo
