// node/persist/lzf_test.cc -- LZF round trips, Redis byte-compatibility, hostile input.

#include "node/persist/lzf.h"

#include <doctest/doctest.h>

#include <random>

#include "node/persist/test_util.h"

namespace node::persist {
namespace {

using testing::FromHex;
using testing::ToHex;

struct Vector {
  std::string input;
  std::string compressed_hex;  // the LZF bytes inside DUMP's C3 string
};

TEST_SUITE("persist/lzf") {
  TEST_CASE("compression matches redis-server 7.0 output for strings it compresses") {
    // From DUMP of SET keys on redis-server 7.0.15 (C3 <clen> <ulen> <data>).
    std::vector<Vector> vectors = {
        {std::string(133, 'a'), "0161 61e0 7800 0161 61"},
        {"hello world hello world hello world hello world!",
         "0c68656c6c6f20776f726c642068e0180b016421"},
        {"abcabcabcabcabcabcabcabcd", "0361626361e00a02016364"},
        {std::string(23, 'a'), "016161e00a00016161"},
        {"the quick brown fox jumps over the lazy dog; the quick brown fox jumps over the lazy dog "
         "again and again",
         "1f74686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e086c617a7920646f67"
         "3b600de01e2c0920616761696e20616e64400901696e"},
    };
    for (const auto& v : vectors) {
      auto c = LzfCompress(v.input, v.input.size() - 4);
      REQUIRE(c.has_value());
      CHECK(ToHex(*c) == ToHex(FromHex(v.compressed_hex)));
      auto d = LzfDecompress(*c, v.input.size());
      REQUIRE(d.has_value());
      CHECK(*d == v.input);
    }
  }

  TEST_CASE("incompressible input does not fit in len minus 4 bytes") {
    std::string s = "abcdefghijklmnopqrstuvwxyz0123456789";
    CHECK_FALSE(LzfCompress(s, s.size() - 4).has_value());
    auto loose = LzfCompress(s, s.size() + 16);
    REQUIRE(loose.has_value());
    CHECK(*LzfDecompress(*loose, s.size()) == s);
  }

  TEST_CASE("random and repetitive data round-trips") {
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
      size_t len = 1 + rng() % 20000;
      std::string s(len, '\0');
      int alphabet = 1 + static_cast<int>(rng() % 255);
      for (auto& c : s) c = static_cast<char>('A' + rng() % alphabet);
      if (round % 3 == 0) {
        for (size_t i = 100; i < len; ++i) s[i] = s[i - 1 - (rng() % 90)];
      }
      auto c = LzfCompress(s, len + len / 16 + 64);
      REQUIRE(c.has_value());
      auto d = LzfDecompress(*c, len);
      REQUIRE(d.has_value());
      CHECK(*d == s);
    }
  }

  TEST_CASE("decompression rejects truncated, overlong and out-of-window input") {
    CHECK_FALSE(LzfDecompress(FromHex("05 6162"), 6).has_value());     // literal past the end
    CHECK_FALSE(LzfDecompress(FromHex("00 61 e0"), 20).has_value());   // missing length byte
    CHECK_FALSE(LzfDecompress(FromHex("00 61 20"), 4).has_value());    // missing distance
    CHECK_FALSE(LzfDecompress(FromHex("00 61 2005"), 4).has_value());  // distance before start
    CHECK_FALSE(LzfDecompress(FromHex("00 61 2000"), 3).has_value());  // output overrun
    CHECK_FALSE(LzfDecompress(FromHex("016161"), 3).has_value());      // too short
    CHECK(*LzfDecompress(FromHex("00 61 2000"), 4) == "aaaa");
    CHECK(*LzfDecompress("", 0) == "");
  }

  TEST_CASE("decompression of random garbage never crashes") {
    std::mt19937 rng(7);
    for (int i = 0; i < 5000; ++i) {
      std::string s(rng() % 64, '\0');
      for (auto& c : s) c = static_cast<char>(rng());
      (void)LzfDecompress(s, rng() % 200);
    }
  }
}

}  // namespace
}  // namespace node::persist
