// node/persist/dump_payload_test.cc -- DUMP/RESTORE footer checks (rdb.md §9).

#include "node/persist/dump_payload.h"

#include <doctest/doctest.h>

#include "node/persist/crc64.h"
#include "node/persist/test_util.h"

namespace node::persist {
namespace {

using testing::FromHex;
using testing::ToHex;

std::string WithFooter(std::string body, uint16_t version) {
  RdbWriter w(&body);
  w.U16LE(version);
  w.U64LE(Crc64(0, body));
  return body;
}

TEST_SUITE("persist/dump_payload") {
  TEST_CASE("a valid payload from Redis restores") {
    auto v = DecodeDumpPayload(FromHex("000568656c6c6f0a006372df766534200a"));
    REQUIRE(v.ok());
    CHECK(v->str == "hello");
  }

  TEST_CASE("a bad checksum, a newer version or a short payload give Redis's error text") {
    std::string good = FromHex("000568656c6c6f0a006372df766534200a");
    std::string bad_crc = good;
    bad_crc.back() ^= 1;
    CHECK(DecodeDumpPayload(bad_crc).status().message() ==
          "ERR DUMP payload version or checksum are wrong");
    std::string v11 = good;
    v11[7] = 11;
    CHECK(VerifyDumpPayload(v11).message() == "ERR DUMP payload version or checksum are wrong");
    CHECK(VerifyDumpPayload(v11, /*skip_checksum=*/true).message() ==
          "ERR DUMP payload version or checksum are wrong");
    CHECK(VerifyDumpPayload("short").message() == "ERR DUMP payload version or checksum are wrong");
    CHECK(VerifyDumpPayload(bad_crc, /*skip_checksum=*/true).ok());
  }

  TEST_CASE("older payload versions are accepted, even version 0") {
    auto v = DecodeDumpPayload(WithFooter(FromHex("000568656c6c6f"), 0));
    REQUIRE(v.ok());
    CHECK(v->str == "hello");
    CHECK(DecodeDumpPayload(WithFooter(FromHex("000568656c6c6f"), 9)).ok());
    CHECK_FALSE(DecodeDumpPayload(WithFooter(FromHex("000568656c6c6f"), 11)).ok());
  }

  TEST_CASE("undecodable or empty values are a bad data format") {
    RdbValue empty;
    empty.kind = RdbValue::Kind::kSet;
    CHECK(DecodeDumpPayload(CreateDumpPayload(empty)).status().message() == "ERR Bad data format");
    CHECK(DecodeDumpPayload(WithFooter(FromHex("080161"), 10)).status().message() ==
          "ERR Bad data format");
    CHECK(DecodeDumpPayload(WithFooter(FromHex("0005616263"), 10)).status().message() ==
          "ERR Bad data format");
    // Bytes between the value and the footer are ignored, as in Redis.
    CHECK(DecodeDumpPayload(WithFooter(FromHex("000161ffff"), 10)).ok());
  }

  TEST_CASE("FUNCTION DUMP payloads match Redis 7.0 and round-trip") {
    CHECK(ToHex(CreateFunctionDumpPayload({})) == "0a005d9b5c400f7fa2da");
    std::string lib = "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)";
    std::string payload = CreateFunctionDumpPayload({lib});
    CHECK(ToHex(payload) ==
          "f5404723216c7561206e616d653d6d796c69620a72656469732e72656769737465725f66756e6374696f6e"
          "28276631272c2066756e6374696f6e28292072657475726e203120656e64290a0007500404cd92d1b3");
    auto libs = DecodeFunctionDumpPayload(payload);
    REQUIRE(libs.ok());
    CHECK(*libs == std::vector<std::string>{lib});
    CHECK_FALSE(DecodeFunctionDumpPayload(FromHex("0a005d9b5c400f7fa2db")).ok());
  }
}

}  // namespace
}  // namespace node::persist
