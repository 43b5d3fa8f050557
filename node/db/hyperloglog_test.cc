// node/db/hyperloglog_test.cc
//
// Unit tests of the HLL codec and estimator. Expected bytes and counts were
// taken from redis-server 7.0.15 (GET after the same PFADDs, PFCOUNT).

#include "node/db/hyperloglog.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace node::db::hll {

namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string AddAll(const std::vector<std::string>& elements) {
  std::string s = NewSparse();
  for (const auto& e : elements) Add(s, e, kDefaultSparseMaxBytes);
  InvalidateCache(s);
  return s;
}

std::vector<std::string> Numbers(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back(std::to_string(i));
  return v;
}

}  // namespace

TEST_SUITE("db/hyperloglog") {
  TEST_CASE("a new HLL is sparse with one XZERO opcode for all registers") {
    std::string s = NewSparse();
    CHECK(Hex(s) ==
          "48594c4c010000000000000000000000"
          "7fff");
    CHECK(LooksValid(s));
    bool invalid = false;
    CHECK(Count(s, &invalid) == 0);
    CHECK_FALSE(invalid);
  }

  TEST_CASE("elements hash to Redis's register and run length") {
    int reg = -1;
    CHECK(PatternLen("a", &reg) == 2);
    CHECK(reg == 12711);
  }

  TEST_CASE("PFADD bytes equal redis-server's") {
    CHECK(Hex(AddAll({"a"})) == "48594c4c01000000000000000000008071a6844e57");
    CHECK(Hex(AddAll({""})) == "48594c4c01000000000000000000008057318468cc");
    std::string five = AddAll({"a", "b", "c", "hello", "world"});
    CHECK(Hex(five) == "48594c4c0100000000000000000000804ab588563c80430a804da5844bfb80425a");
    bool invalid = false;
    CHECK(Count(five, &invalid) == 5);
    SetCachedCard(five, 5);
    CHECK(Hex(five) == "48594c4c0100000005000000000000004ab588563c80430a804da5844bfb80425a");
    CHECK(CacheValid(five));
    CHECK(CachedCard(five) == 5);
  }

  TEST_CASE("counts equal redis-server's, sparse and dense") {
    std::string s200 = AddAll(Numbers(200));
    CHECK(s200.size() == 507);
    CHECK(Count(s200, nullptr) == 201);
    std::string s1000 = AddAll(Numbers(1000));
    CHECK(EncodingOf(s1000) == kSparse);
    CHECK(s1000.size() == 1923);
    CHECK(Count(s1000, nullptr) == 1001);
    std::string big = AddAll(Numbers(100000));
    CHECK(EncodingOf(big) == kDense);
    CHECK(big.size() == kDenseSize);
    CHECK(Count(big, nullptr) == 99565);
  }

  TEST_CASE("sparse and dense forms of the same registers agree") {
    std::string s = AddAll(Numbers(1500));
    REQUIRE(EncodingOf(s) == kSparse);
    std::string d = s;
    REQUIRE(SparseToDense(d));
    CHECK(EncodingOf(d) == kDense);
    CHECK(Count(s, nullptr) == Count(d, nullptr));
    std::vector<uint8_t> a(kRegisters), b(kRegisters);
    REQUIRE(MergeInto(s, a.data()));
    REQUIRE(MergeInto(d, b.data()));
    CHECK(a == b);
    CHECK(CountRaw(a.data()) == Count(s, nullptr));
  }

  TEST_CASE("a small hll-sparse-max-bytes promotes to dense early") {
    std::string s = NewSparse();
    for (int i = 0; i < 50; i++) Add(s, std::to_string(i), 40);
    CHECK(EncodingOf(s) == kDense);
  }

  TEST_CASE("dense registers round trip without touching neighbours") {
    std::vector<uint8_t> regs(kDenseRegBytes, 0);
    std::vector<uint8_t> expect(kRegisters);
    std::mt19937 rng(7);
    for (int i = 0; i < kRegisters; i++) {
      expect[static_cast<size_t>(i)] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSet(regs.data(), i, expect[static_cast<size_t>(i)]);
    }
    for (int i = 0; i < kRegisters; i++)
      CHECK(DenseGet(regs.data(), i) == expect[static_cast<size_t>(i)]);
  }

  TEST_CASE("header checks reject what Redis rejects") {
    CHECK_FALSE(LooksValid("HYLL"));
    CHECK_FALSE(LooksValid(std::string("HYLX\x01", 5) + std::string(11, '\0')));
    std::string bad_enc = NewSparse();
    bad_enc[4] = 2;
    CHECK_FALSE(LooksValid(bad_enc));
    std::string short_dense = NewSparse();
    short_dense[4] = 0;
    CHECK_FALSE(LooksValid(short_dense));
  }

  TEST_CASE("corrupted sparse opcodes are reported, never read out of bounds") {
    std::string s = NewSparse();
    s.back() = '\x00';  // XZERO of 16128 registers: too few
    bool invalid = false;
    Count(s, &invalid);
    CHECK(invalid);
    std::vector<uint8_t> max(kRegisters);
    CHECK_FALSE(MergeInto(s, max.data()));
    std::string d = s;
    CHECK_FALSE(SparseToDense(d));
    CHECK(d == s);
    std::mt19937 rng(11);
    for (int round = 0; round < 2000; round++) {
      std::string junk = NewSparse().substr(0, kHeaderSize);
      size_t n = rng() % 40;
      for (size_t i = 0; i < n; i++) junk += static_cast<char>(rng() & 0xff);
      REQUIRE(LooksValid(junk));
      std::string copy = junk;
      for (int k = 0; k < 5; k++) {
        if (SetRegister(copy, static_cast<int>(rng() % kRegisters),
                        static_cast<uint8_t>(1 + rng() % 40), kDefaultSparseMaxBytes) < 0)
          break;
      }
      Count(junk, &invalid);
      MergeInto(junk, max.data());
      DecodeSparse(junk);
    }
  }

  TEST_CASE("DecodeSparse lists the opcodes") {
    CHECK(DecodeSparse(NewSparse()) == "Z:16384");
    CHECK(DecodeSparse(AddAll({"a"})) == "Z:12711 v:2,1 Z:3672");
  }
}

}  // namespace node::db::hll
