// node/persist/rdb_primitives_test.cc -- length/string/double encodings (rdb.md §3).

#include "node/persist/rdb_primitives.h"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "node/persist/test_util.h"

namespace node::persist {
namespace {

using testing::FromHex;
using testing::ToHex;

std::string Written(void (*fn)(RdbWriter&, std::string_view), std::string_view arg) {
  std::string out;
  RdbWriter w(&out);
  fn(w, arg);
  return ToHex(out);
}

std::string Str(std::string_view s) {
  return Written([](RdbWriter& w, std::string_view a) { w.String(a); }, s);
}

TEST_SUITE("persist/rdb_primitives") {
  TEST_CASE("lengths use the shortest of the four forms") {
    auto len = [](uint64_t v) {
      std::string out;
      RdbWriter w(&out);
      w.Len(v);
      return ToHex(out);
    };
    CHECK(len(0) == "00");
    CHECK(len(63) == "3f");
    CHECK(len(64) == "4040");
    CHECK(len(16383) == "7fff");
    CHECK(len(16384) == "8000004000");
    CHECK(len(0xFFFFFFFFULL) == "80ffffffff");
    CHECK(len(0x100000000ULL) == "810000000100000000");
  }

  TEST_CASE("a reader accepts every length form and rejects 0x82") {
    for (auto [hex, want] : std::vector<std::pair<std::string, uint64_t>>{
             {"05", 5}, {"4005", 5}, {"8000000005", 5}, {"810000000000000005", 5}}) {
      std::string bytes = FromHex(hex);
      RdbReader r(bytes);
      auto v = r.Len();
      REQUIRE(v.ok());
      CHECK(*v == want);
      CHECK(r.AtEnd());
    }
    std::string bad = FromHex("82");
    RdbReader r(bad);
    auto v = r.Len();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error() == "unknown length encoding at offset 0");
  }

  TEST_CASE("integer-looking short strings are int encoded like rdbSaveRawString") {
    CHECK(Str("64") == "c040");
    CHECK(Str("12345") == "c13930");
    CHECK(Str("-100000") == "c26079feff");
    CHECK(Str("2147483648") == "0a32313437343833363438");  // beyond int32: plain
    CHECK(Str("007") == "03303037");                       // not canonical
    CHECK(Str("-0") == "022d30");
    CHECK(Str("") == "00");
    CHECK(Str("hello") == "0568656c6c6f");
  }

  TEST_CASE("long compressible strings are LZF encoded as Redis does") {
    CHECK(Str(std::string(23, 'a')) == "c30917016161e00a00016161");
    std::string out;
    RdbWriter plain(&out, /*compress=*/false);
    plain.String(std::string(23, 'a'));
    CHECK(out.size() == 24);
  }

  TEST_CASE("strings round-trip through every encoding") {
    std::mt19937 rng(1);
    std::vector<std::string> samples = {"",
                                        "0",
                                        "-1",
                                        "127",
                                        "-128",
                                        "32767",
                                        "-32768",
                                        "2147483647",
                                        "-2147483648",
                                        "abc",
                                        std::string(5000, 'x')};
    for (int i = 0; i < 50; ++i) {
      std::string s(rng() % 300, '\0');
      for (auto& c : s) c = static_cast<char>('a' + rng() % 3);
      samples.push_back(s);
    }
    for (const auto& s : samples) {
      std::string out;
      RdbWriter w(&out);
      w.String(s);
      RdbReader r(out);
      auto got = r.String();
      REQUIRE(got.ok());
      CHECK(*got == s);
      CHECK(r.AtEnd());
      RdbReader skip(out);
      CHECK(skip.SkipString().ok());
      CHECK(skip.AtEnd());
    }
  }

  TEST_CASE("strings that claim more bytes than remain are refused") {
    for (const char* hex : {"05616263", "c1ff", "c3", "c30517616161", "c30203ffff", "c4", "c30100",
                            "c30a8000ffffff6161"}) {
      std::string bad = FromHex(hex);
      RdbReader r(bad);
      CHECK_FALSE(r.String().ok());
    }
  }

  TEST_CASE("binary and text doubles encode as Redis writes them") {
    std::string out;
    RdbWriter w(&out);
    w.BinaryDouble(2.5);
    w.TextDouble(1.5);
    w.TextDouble(3);
    w.TextDouble(INFINITY);
    w.TextDouble(-INFINITY);
    w.TextDouble(NAN);
    CHECK(ToHex(out) ==
          "0000000000000440"
          "03312e35"
          "0133"
          "fe"
          "ff"
          "fd");
    RdbReader r(out);
    CHECK(*r.BinaryDouble() == 2.5);
    CHECK(*r.TextDouble() == 1.5);
    CHECK(*r.TextDouble() == 3);
    CHECK(std::isinf(*r.TextDouble()));
    CHECK(*r.TextDouble() < 0);
    CHECK(std::isnan(*r.TextDouble()));
  }

  TEST_CASE("scores print like Redis 7.0 d2string") {
    CHECK(DoubleToText(1) == "1");
    CHECK(DoubleToText(2.5) == "2.5");
    CHECK(DoubleToText(-0.0) == "0");
    CHECK(DoubleToText(0.1) == "0.10000000000000001");
    CHECK(DoubleToText(1e20) == "1e+20");
    CHECK(DoubleToText(-INFINITY) == "-inf");
  }

  TEST_CASE("millisecond times are 8 bytes little endian") {
    std::string out;
    RdbWriter w(&out);
    w.MillisecondTime(1893456000000);
    CHECK(ToHex(out) == "00b4c5dab8010000");
    RdbReader r(out);
    CHECK(*r.MillisecondTime() == 1893456000000);
    CHECK_FALSE(r.Byte().ok());
  }
}

}  // namespace
}  // namespace node::persist
