// node/db/bitops_util_test.cc
//
// Unit tests of the bitmap helpers: popcount, first set/clear bit, bitfields
// at unaligned offsets and Redis's overflow rules.

#include "node/db/bitops_util.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace node::db {

namespace {
const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }
}  // namespace

TEST_SUITE("db/bitops_util") {
  TEST_CASE("Popcount counts set bits over words and tail bytes") {
    std::string s = "foobar";
    CHECK(Popcount(U(s), s.size()) == 26);
    std::string ones(37, '\xff');
    CHECK(Popcount(U(ones), ones.size()) == 37 * 8);
    CHECK(Popcount(U(ones), 0) == 0);
  }

  TEST_CASE("Bitpos finds the first set or clear bit, MSB first") {
    std::string s("\xff\xf0\x00", 3);
    CHECK(Bitpos(U(s), 3, 0) == 12);
    CHECK(Bitpos(U(s), 3, 1) == 0);
    std::string zeros(20, '\0');
    CHECK(Bitpos(U(zeros), zeros.size(), 1) == -1);
    CHECK(Bitpos(U(zeros), zeros.size(), 0) == 0);
    zeros[17] = 1;
    CHECK(Bitpos(U(zeros), zeros.size(), 1) == 17 * 8 + 7);
    std::string ones(19, '\xff');
    CHECK(Bitpos(U(ones), ones.size(), 0) == 19 * 8);  // zero padded on the right
  }

  TEST_CASE("bitfields read and write at unaligned offsets") {
    std::string s(4, '\0');
    auto* p = reinterpret_cast<uint8_t*>(s.data());
    SetBits(p, 5, 8, 0xAB);
    CHECK(GetUnsignedBits(p, s.size(), 5, 8) == 0xAB);
    CHECK(static_cast<uint8_t>(s[0]) == 0x05);
    CHECK(static_cast<uint8_t>(s[1]) == 0x58);
    CHECK(GetSignedBits(p, s.size(), 5, 8) == static_cast<int8_t>(0xAB));
    CHECK(GetUnsignedBits(p, s.size(), 30, 10) == 0);  // past the end reads zeros
    std::string w(9, '\0');
    auto* q = reinterpret_cast<uint8_t*>(w.data());
    SetBits(q, 3, 64, static_cast<uint64_t>(std::numeric_limits<int64_t>::min()));
    CHECK(GetSignedBits(q, w.size(), 3, 64) == std::numeric_limits<int64_t>::min());
  }

  TEST_CASE("unsigned overflow wraps, saturates or fails") {
    uint64_t lim = 0;
    CHECK(CheckUnsignedOverflow(250, 10, 8, Overflow::kWrap, &lim) == 1);
    CHECK(lim == 4);
    CHECK(CheckUnsignedOverflow(250, 10, 8, Overflow::kSat, &lim) == 1);
    CHECK(lim == 255);
    CHECK(CheckUnsignedOverflow(5, -10, 8, Overflow::kSat, &lim) == -1);
    CHECK(lim == 0);
    CHECK(CheckUnsignedOverflow(5, -10, 8, Overflow::kWrap, &lim) == 1);
    CHECK(lim == 251);
    CHECK(CheckUnsignedOverflow(5, 10, 8, Overflow::kFail, &lim) == 0);
    // SET of a negative value to an unsigned field is an overflow.
    CHECK(CheckUnsignedOverflow(static_cast<uint64_t>(-1), 0, 8, Overflow::kSat, &lim) == 1);
    CHECK(lim == 255);
  }

  TEST_CASE("signed overflow wraps into the negative range or saturates") {
    int64_t lim = 0;
    CHECK(CheckSignedOverflow(120, 10, 8, Overflow::kWrap, &lim) == 1);
    CHECK(lim == -126);
    CHECK(CheckSignedOverflow(-120, -10, 8, Overflow::kSat, &lim) == -1);
    CHECK(lim == -128);
    CHECK(CheckSignedOverflow(200, 0, 8, Overflow::kWrap, &lim) == 1);
    CHECK(lim == -56);
    int64_t max = std::numeric_limits<int64_t>::max();
    CHECK(CheckSignedOverflow(max, 1, 64, Overflow::kWrap, &lim) == 1);
    CHECK(lim == std::numeric_limits<int64_t>::min());
    CHECK(CheckSignedOverflow(-5, max, 64, Overflow::kFail, &lim) == 0);
  }
}

}  // namespace node::db
