// node/persist/compact_blobs_test.cc -- listpack, intset, ziplist, zipmap (rdb.md §5).

#include "node/persist/compact_blobs.h"

#include <doctest/doctest.h>

#include <random>

#include "node/db/listpack_size.h"
#include "node/persist/test_util.h"

namespace node::persist {
namespace {

using testing::FromHex;
using testing::ToHex;

TEST_SUITE("persist/compact_blobs") {
  TEST_CASE("a listpack of a b 1 2 300 70000 -5 matches Redis 7.0's bytes") {
    ListpackBuilder b;
    for (const char* e : {"a", "b", "1", "2", "300", "70000", "-5"}) b.Append(e);
    std::string lp = b.Finish();
    CHECK(ToHex(lp) == "1c000000070081610281620201010201c12c02f270110104dffb02ff");
    auto d = ListpackDecode(lp);
    REQUIRE(d.ok());
    CHECK(*d == std::vector<std::string>{"a", "b", "1", "2", "300", "70000", "-5"});
  }

  TEST_CASE("listpack integers of every width and long strings round-trip") {
    std::vector<std::string> items = {"0",
                                      "127",
                                      "128",
                                      "-1",
                                      "-4096",
                                      "4095",
                                      "4096",
                                      "-4097",
                                      "32767",
                                      "-32768",
                                      "32768",
                                      "8388607",
                                      "-8388608",
                                      "8388608",
                                      "2147483647",
                                      "-2147483648",
                                      "2147483648",
                                      "9223372036854775807",
                                      "-9223372036854775808",
                                      "-0",
                                      "007",
                                      "+1",
                                      "",
                                      std::string(63, 'x'),
                                      std::string(64, 'y'),
                                      std::string(4095, 'z'),
                                      std::string(4096, 'w'),
                                      std::string(70000, 'v')};
    ListpackBuilder b;
    for (const auto& s : items) b.Append(s);
    size_t predicted = b.bytes();
    std::string lp = b.Finish();
    CHECK(lp.size() == predicted);
    auto d = ListpackDecode(lp);
    REQUIRE(d.ok());
    CHECK(*d == items);
  }

  TEST_CASE("listpack back-length of a 200-byte element is 01 c8") {
    ListpackBuilder b;
    b.Append(std::string(198, 'x'));  // 2-byte header + 198 = 200
    std::string lp = b.Finish();
    CHECK(ToHex(lp.substr(lp.size() - 3)) == "01c8ff");
    CHECK(ListpackValidate(lp).ok());
  }

  TEST_CASE("listpacks with more than 65534 elements store the unknown count") {
    ListpackBuilder b;
    for (int i = 0; i < 70000; ++i) b.AppendInteger(i % 100);
    std::string lp = b.Finish();
    CHECK(ToHex(lp.substr(4, 2)) == "ffff");
    auto n = ListpackValidate(lp);
    REQUIRE(n.ok());
    CHECK(*n == 70000);
  }

  TEST_CASE("malformed listpacks are refused") {
    std::string good = FromHex("1c000000070081610281620201010201c12c02f270110104dffb02ff");
    CHECK(ListpackValidate(good).ok());
    std::string wrong_size = good;
    wrong_size[0] = 0x1d;
    CHECK_FALSE(ListpackValidate(wrong_size).ok());
    std::string wrong_count = good;
    wrong_count[4] = 8;
    CHECK_FALSE(ListpackValidate(wrong_count).ok());
    std::string bad_backlen = good;
    bad_backlen[8] = 3;
    CHECK_FALSE(ListpackValidate(bad_backlen).ok());
    std::string no_end = good;
    no_end.back() = 0;
    CHECK_FALSE(ListpackValidate(no_end).ok());
    CHECK_FALSE(ListpackValidate(FromHex("0a000000010085616202ff")).ok());  // string overruns
    CHECK_FALSE(ListpackValidate(FromHex("08000000 0100 f5 ff")).ok());     // bad encoding
    CHECK_FALSE(ListpackValidate("").ok());
  }

  TEST_CASE("random listpack corruption never crashes the decoder") {
    ListpackBuilder b;
    for (int i = 0; i < 50; ++i) b.Append(i % 2 ? std::to_string(i * 1000) : std::string(i, 'q'));
    std::string lp = b.Finish();
    std::mt19937 rng(3);
    for (int i = 0; i < 20000; ++i) {
      std::string bad = lp;
      for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
      (void)ListpackDecode(bad);
    }
  }

  TEST_CASE("an intset of 1 2 3 -100000 matches Redis's bytes") {
    std::string is = IntsetEncode({3, 1, 2, -100000, 2});
    CHECK(ToHex(is) == "04000000040000006079feff010000000200000003000000");
    auto d = IntsetDecode(is);
    REQUIRE(d.ok());
    CHECK(*d == std::vector<int64_t>{-100000, 1, 2, 3});
    CHECK(ToHex(IntsetEncode({1, 2})) == "020000000200000001000200");
    auto big = IntsetDecode(IntsetEncode({INT64_MIN, 0, INT64_MAX}));
    REQUIRE(big.ok());
    CHECK(*big == std::vector<int64_t>{INT64_MIN, 0, INT64_MAX});
  }

  TEST_CASE("malformed intsets are refused") {
    CHECK_FALSE(IntsetDecode(FromHex("03000000 01000000 010000")).ok());     // encoding 3
    CHECK_FALSE(IntsetDecode(FromHex("02000000 00000000")).ok());            // empty
    CHECK_FALSE(IntsetDecode(FromHex("02000000 02000000 0100")).ok());       // short
    CHECK_FALSE(IntsetDecode(FromHex("02000000 02000000 0200 0100")).ok());  // unsorted
    CHECK_FALSE(IntsetDecode(FromHex("08000000 ffffffff 00")).ok());         // huge length
  }

  TEST_CASE("the ziplist of 2 and 5 from ziplist.c decodes") {
    auto d = ZiplistDecode(FromHex("0f000000 0c000000 0200 00f3 02f6 ff"));
    REQUIRE(d.ok());
    CHECK(*d == std::vector<std::string>{"2", "5"});
  }

  TEST_CASE("ziplists with strings and every integer form decode") {
    // entries: "hi", int16 -2, int24 70000, int32 1e9, int64 -1, int8 -7, 14-bit string
    std::string zl;
    auto add = [&](std::string entry, std::string& prev) {
      std::string e;
      e.push_back(static_cast<char>(prev.size()));
      e += entry;
      zl += e;
      prev = e;
    };
    std::string prev;
    std::string body;
    zl.clear();
    add(FromHex("02 6869"), prev);
    add(FromHex("c0 feff"), prev);
    add(FromHex("f0 701101"), prev);
    add(FromHex("d0 00ca9a3b"), prev);
    add(FromHex("e0 ffffffffffffffff"), prev);
    add(FromHex("fe f9"), prev);
    add(FromHex("4046") + std::string(70, 'k'), prev);
    size_t tail = 10 + zl.size() - prev.size();
    std::string blob;
    uint32_t total = static_cast<uint32_t>(10 + zl.size() + 1);
    for (int i = 0; i < 4; ++i) blob.push_back(static_cast<char>(total >> (8 * i)));
    for (int i = 0; i < 4; ++i) blob.push_back(static_cast<char>(tail >> (8 * i)));
    blob += FromHex("0700");
    blob += zl;
    blob.push_back('\xff');
    auto d = ZiplistDecode(blob);
    REQUIRE(d.ok());
    CHECK(*d == std::vector<std::string>{"hi", "-2", "70000", "1000000000", "-1", "-7",
                                         std::string(70, 'k')});
    std::string bad_prev = blob;
    bad_prev[10 + 4] = 9;  // second entry's prevlen
    CHECK_FALSE(ZiplistDecode(bad_prev).ok());
    std::string bad_tail = blob;
    bad_tail[4] = 11;
    CHECK_FALSE(ZiplistDecode(bad_tail).ok());
    std::mt19937 rng(5);
    for (int i = 0; i < 20000; ++i) {
      std::string bad = blob;
      bad[rng() % bad.size()] = static_cast<char>(rng());
      (void)ZiplistDecode(bad);
    }
  }

  TEST_CASE("a zipmap with free bytes decodes to field value pairs") {
    std::string zm = FromHex("02 03 666f6f 03 00 626172 01 61 01 01 62 58 ff");
    auto d = ZipmapDecode(zm);
    REQUIRE(d.ok());
    REQUIRE(d->size() == 2);
    CHECK((*d)[0] == std::pair<std::string, std::string>{"foo", "bar"});
    CHECK((*d)[1] == std::pair<std::string, std::string>{"a", "b"});
    CHECK_FALSE(ZipmapDecode(FromHex("02 03 666f6f 03 00 6261")).ok());
    CHECK_FALSE(ZipmapDecode(FromHex("03 03 666f6f 03 00 626172 ff")).ok());
    CHECK_FALSE(ZipmapDecode(FromHex("01 fe ffffff7f")).ok());
  }

  TEST_CASE("sizes equal what the RDB listpack builder writes") {
    const std::string cases[] = {"",
                                 "0",
                                 "-1",
                                 "300",
                                 "70000",
                                 "-9000000",
                                 "5000000000",
                                 "abc",
                                 "+1",
                                 "1e3",
                                 std::string(200, 'y'),
                                 std::string(5000, 'z')};
    for (const std::string& s : cases) {
      ListpackBuilder b;
      size_t before = b.bytes();
      b.Append(s);
      CHECK(b.bytes() - before == node::db::ListpackEntrySize(s));
    }
  }
}

}  // namespace

}  // namespace node::persist
