// node/persist/rdb_value_test.cc -- value codec against redis-server 7.0 DUMP output.

#include "node/persist/rdb_value.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include "node/persist/compact_blobs.h"
#include "node/persist/dump_payload.h"
#include "node/persist/test_util.h"

namespace node::persist {
namespace {

using testing::FromHex;
using testing::ToHex;
using Kind = RdbValue::Kind;

std::string TestDataPath(const char* name) {
  std::string here = __FILE__;
  return here.substr(0, here.rfind('/') + 1) + "testdata/" + name;
}

// key -> DUMP payload bytes, captured by testdata/make_dump_vectors.sh.
std::map<std::string, std::string> LoadVectors() {
  std::map<std::string, std::string> out;
  std::ifstream in(TestDataPath("dump_vectors.txt"));
  std::string key, hex;
  while (in >> key >> hex) out[key] = FromHex(hex);
  return out;
}

RdbValue Decode(const std::string& payload) {
  auto v = DecodeDumpPayload(payload);
  REQUIRE_MESSAGE(v.ok(), v.error());
  return std::move(*v);
}

TEST_SUITE("persist/rdb_value") {
  TEST_CASE("the verified DUMP vectors of rdb.md 9.1 are reproduced byte for byte") {
    RdbValue str;
    str.str = "hello";
    CHECK(ToHex(CreateDumpPayload(str)) == "000568656c6c6f0a006372df766534200a");
    str.str = "12345";
    CHECK(ToHex(CreateDumpPayload(str)) == "00c139300a009d94ea2793fc08b9");
    RdbValue sset;
    sset.kind = Kind::kSet;
    sset.items = {"b", "a"};
    CHECK(ToHex(CreateDumpPayload(sset)) == "0202016201610a0075d99d835ef85f65");
    RdbValue iset;
    iset.kind = Kind::kSet;
    iset.items = {"1", "2", "3", "-100000"};
    CHECK(ToHex(CreateDumpPayload(iset)) ==
          "0b1804000000040000006079feff0100000002000000030000000a008b0f7802aa2a77a0");
    RdbValue zs;
    zs.kind = Kind::kZSet;
    zs.zset = {{"b", 2.5}, {"a", 1}};
    CHECK(ToHex(CreateDumpPayload(zs)) ==
          "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7");
    RdbValue h;
    h.kind = Kind::kHash;
    h.hash = {{"f1", "v1"}, {"f2", "2"}};
    CHECK(ToHex(CreateDumpPayload(h)) ==
          "10151500000004008266310382763103826632030201ff0a005c5ea813feec1ff5");
    RdbValue list;
    list.kind = Kind::kList;
    list.items = {"a", "b", "1", "2", "300", "70000", "-5"};
    CHECK(ToHex(CreateDumpPayload(list)) ==
          "1201021c1c000000070081610281620201010201c12c02f270110104dffb02ff0a0005a32f89efaeff6e");
    RdbValue st;
    st.kind = Kind::kStream;
    st.stream.entries = {{{1, 1}, {{"f", "v"}}}};
    st.stream.length = 1;
    st.stream.last_id = st.stream.first_id = {1, 1};
    st.stream.entries_added = 1;
    CHECK(ToHex(CreateDumpPayload(st)) ==
          "130110000000000000000100000000000000011d1d0000000a0001010001010181660200010201000100"
          "018176020401ff0101010101000001000a00ff55ab626ac035db");
  }

  TEST_CASE("every value redis-server 7.0 dumped decodes and re-encodes to the same bytes") {
    auto vectors = LoadVectors();
    REQUIRE(vectors.size() >= 20);
    for (const auto& vec : vectors) {
      const auto& key = vec.first;  // no structured binding: CAPTURE's lambda
      const auto& payload = vec.second;
      CAPTURE(key);
      RdbValue v = Decode(payload);
      CHECK(ToHex(CreateDumpPayload(v)) == ToHex(payload));
    }
  }

  TEST_CASE("decoded Redis values carry the expected contents") {
    auto vectors = LoadVectors();
    RdbValue zd = Decode(vectors["zd"]);
    REQUIRE(zd.kind == Kind::kZSet);
    std::map<std::string, double> scores(zd.zset.begin(), zd.zset.end());
    CHECK(scores["a"] == 0.1);
    CHECK(scores["b"] == 0);
    CHECK(scores["c"] == 1e20);
    CHECK(scores["e"] == 4503599627370497.0);
    CHECK(std::isinf(scores["f"]));
    CHECK(scores["f"] < 0);

    RdbValue big = Decode(vectors["biglist"]);
    REQUIRE(big.items.size() == 300);
    CHECK(big.items[299] == "element-number-300-abcdefghijklmnop");

    RdbValue huge = Decode(vectors["hugeelem"]);
    REQUIRE(huge.items.size() == 3);
    CHECK(huge.items[1] == std::string(9000, 'q'));

    CHECK(Decode(vectors["bighash"]).hash.size() == 600);
    CHECK(Decode(vectors["manyints"]).items.size() == 600);
    CHECK(Decode(vectors["longstr"]).str.size() == 400);
    CHECK(Decode(vectors["bigiset"]).items == std::vector<std::string>{"1", "70000", "5000000000"});

    RdbValue bs = Decode(vectors["bigstream"]);
    REQUIRE(bs.stream.entries.size() == 250);
    CHECK(bs.stream.entries[249].id == StreamId{250, 1});
    CHECK(bs.stream.entries[249].fields[1] == std::pair<std::string, std::string>{"temp", "2250"});

    RdbValue mix = Decode(vectors["mixstream"]);
    const StreamData& s = mix.stream;
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[1].fields.size() == 2);
    CHECK(s.last_id == StreamId{6, 0});
    CHECK(s.entries_added == 3);
    REQUIRE(s.groups.size() == 2);
    CHECK(s.groups[0].name == "g1");
    CHECK(s.groups[0].entries_read == 2);
    REQUIRE(s.groups[0].pel.size() == 2);
    CHECK(s.groups[0].pel[1].id == StreamId{5, 1});
    CHECK(s.groups[0].pel[1].delivery_count == 1);
    REQUIRE(s.groups[0].consumers.size() == 2);
    CHECK(s.groups[0].consumers[0].name == "alice");
    CHECK(s.groups[0].consumers[0].pending.size() == 2);
    CHECK(s.groups[1].last_id == StreamId{6, 0});

    RdbValue empty = Decode(vectors["emptystream"]);
    CHECK(empty.stream.entries.empty());
    CHECK(empty.stream.groups[0].entries_read == -1);
  }

  TEST_CASE("a stream with a deleted entry decodes to the live entries only") {
    // redis-server 7.0: XADD 1-1 f v; XADD 1-2 f v2 g w; XADD 2-0 f 5; group g1
    // read 2 by alice; consumer bob; XDEL 1-2.
    std::string payload = FromHex(
        "130110000000000000000100000000000000013f3f00000018000201010101018166020001020100010001"
        "8176020401010100010101020181660282763203816702817702080102010101dfff0205010401ff02020001"
        "01010203010267310102020200000000000000010000000000000001adc69100a2010000010000000000000001"
        "0000000000000002adc69100a2010000010205616c696365adc69100a201000002000000000000000100000000"
        "00"
        "0000010000000000000001000000000000000203626f62aec69100a2010000000a0075667f2125fd09b6");
    RdbValue v = Decode(payload);
    REQUIRE(v.stream.entries.size() == 2);
    CHECK(v.stream.entries[0].id == StreamId{1, 1});
    CHECK(v.stream.entries[1].id == StreamId{2, 0});
    CHECK(v.stream.entries[1].fields[0].second == "5");
    CHECK(v.stream.max_deleted_id == StreamId{1, 2});
    CHECK(v.stream.groups[0].consumers[1].name == "bob");
    // Written back without the tombstone, it still decodes to the same model.
    RdbValue again = Decode(CreateDumpPayload(v));
    CHECK(again.stream.entries.size() == 2);
    CHECK(again.stream.groups[0].pel.size() == 2);
  }

  TEST_CASE("legacy encodings 7.0 still loads are decoded") {
    auto decode = [](uint8_t type, const std::string& body) {
      RdbReader r(body);
      auto v = DecodeValue(type, r);
      REQUIRE_MESSAGE(v.ok(), v.error());
      CHECK(r.AtEnd());
      return std::move(*v);
    };
    CHECK(decode(kRdbList, FromHex("02 0161 c005")).items == std::vector<std::string>{"a", "5"});
    RdbValue z3 = decode(kRdbZSet, FromHex("02 0161 03312e35 0162 fe"));
    CHECK(z3.zset[0].second == 1.5);
    CHECK(std::isinf(z3.zset[1].second));
    std::string zl = FromHex("0f000000 0c000000 0200 00f3 02f6 ff");
    CHECK(decode(kRdbListZiplist, FromHex("0f") + zl).items == std::vector<std::string>{"2", "5"});
    CHECK(decode(kRdbHashZiplist, FromHex("0f") + zl).hash[0] ==
          std::pair<std::string, std::string>{"2", "5"});
    CHECK(decode(kRdbZSetZiplist, FromHex("0f") + zl).zset[0].second == 5);
    CHECK(decode(kRdbListQuicklist, FromHex("02 0f") + zl + FromHex("0f") + zl).items.size() == 4);
    CHECK(decode(kRdbHashZipmap, FromHex("0b 01 03666f6f 03 00 626172 ff")).hash[0].second ==
          "bar");
    // Type 15 stream (no v2 fields): first id and entries_added are derived.
    RdbValue st =
        decode(kRdbStreamListpacks,
               FromHex("01 10 00000000000000010000000000000001 1d1d0000000a0001010001010181"
                       "660200010201000100018176020401ff 01 01 01 00"));
    CHECK(st.stream.first_id == StreamId{1, 1});
    CHECK(st.stream.entries_added == 1);
    // Plain quicklist node.
    CHECK(decode(kRdbListQuicklist2, FromHex("01 01 03616263")).items ==
          std::vector<std::string>{"abc"});
  }

  TEST_CASE("values Redis refuses are refused") {
    auto fails = [](uint8_t type, const std::string& body) {
      RdbReader r(body);
      return !DecodeValue(type, r).ok();
    };
    CHECK(fails(kRdbSet, FromHex("02 0161 0161")));                // duplicate member
    CHECK(fails(kRdbHash, FromHex("02 0161 0162 0161 0163")));     // duplicate field
    CHECK(fails(kRdbZSet, FromHex("01 0161 fd")));                 // NaN score
    CHECK(fails(kRdbZSet2, FromHex("01 0161 000000000000f87f")));  // NaN score
    CHECK(fails(kRdbListQuicklist2, FromHex("01 03 0161")));       // bad container
    CHECK(fails(8, ""));
    CHECK(fails(kRdbModule, FromHex("05")));
    ListpackBuilder odd;
    odd.Append("f");
    CHECK(fails(kRdbHashListpack, FromHex("08") + odd.Finish()));
  }

  TEST_CASE("module values are kept verbatim and written back") {
    // module id, then: uint 7, string "ab", double, opcode 0.
    std::string body = FromHex("81 0123456789abcd00 02 07 05 026162 04 000000000000f03f 00");
    RdbReader r(body);
    auto v = DecodeValue(kRdbModule2, r);
    REQUIRE(v.ok());
    CHECK(r.AtEnd());
    CHECK(v->kind == Kind::kModule);
    std::string out;
    RdbWriter w(&out);
    EncodeValue(*v, w);
    CHECK(ToHex(out) == "07" + ToHex(body));
    CHECK_FALSE(DecodeDumpPayload(CreateDumpPayload(*v)).ok());
    CHECK(ModuleTypeName(0x0123456789abcd00ULL).size() == 9);
  }

  TEST_CASE("every truncation and random corruption of real payloads fails cleanly") {
    auto vectors = LoadVectors();
    std::mt19937 rng(11);
    for (const auto& vec : vectors) {
      const auto& key = vec.first;  // no structured binding: CAPTURE's lambda
      const auto& payload = vec.second;
      CAPTURE(key);
      std::string body = payload.substr(0, payload.size() - 10);
      uint8_t type = static_cast<uint8_t>(body[0]);
      size_t step = body.size() > 2000 ? 97 : 1;
      for (size_t len = 1; len < body.size(); len += step) {
        RdbReader r(std::string_view(body).substr(1, len - 1));
        auto v = DecodeValue(type, r);
        if (v.ok()) CHECK(r.AtEnd() == false);  // a prefix can't be a whole value here
      }
      for (int i = 0; i < 300; ++i) {
        std::string bad = body;
        bad[1 + rng() % (bad.size() - 1)] = static_cast<char>(rng());
        RdbReader r(std::string_view(bad).substr(1));
        (void)DecodeValue(type, r);
      }
    }
  }
}

}  // namespace
}  // namespace node::persist
