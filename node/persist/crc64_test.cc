// node/persist/crc64_test.cc -- CRC-64 Jones vectors (rdb.md §1.3).

#include "node/persist/crc64.h"

#include <doctest/doctest.h>

#include <string>

namespace node::persist {
namespace {

uint64_t BitSerial(std::string_view s) {
  uint64_t crc = 0;
  for (unsigned char b : s) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? 0x95AC9329AC4BC9B5ULL : 0);
  }
  return crc;
}

TEST_SUITE("persist/crc64") {
  TEST_CASE("the check string 123456789 gives e9c6d914c4b8d9ca") {
    CHECK(Crc64(0, "123456789") == 0xe9c6d914c4b8d9caULL);
  }

  TEST_CASE("the empty input leaves the crc unchanged") { CHECK(Crc64(0, "") == 0); }

  TEST_CASE("slice-by-8 agrees with the bit-serial definition at every length and split") {
    std::string data;
    for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>((i * 131 + 7) & 0xFF));
    for (size_t len = 0; len <= data.size(); len += 7) {
      std::string_view v(data.data(), len);
      uint64_t want = BitSerial(v);
      CHECK(Crc64(0, v) == want);
      size_t half = len / 3;
      CHECK(Crc64(Crc64(0, v.substr(0, half)), v.substr(half)) == want);
    }
  }

  TEST_CASE("a DUMP payload of SET str hello carries the crc of its first 9 bytes") {
    // 00 05 "hello" 0a 00 -> footer 6372df766534200a (little endian).
    std::string body("\x00\x05hello\x0a\x00", 9);
    CHECK(Crc64(0, body) == 0x0a20346576df7263ULL);
  }
}

}  // namespace
}  // namespace node::persist
