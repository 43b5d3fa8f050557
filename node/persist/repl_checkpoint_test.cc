// Unit tests for the AOF replication position record.

#include "node/persist/repl_checkpoint.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace node::persist {
namespace {

const std::string kId = "0123456789abcdef0123456789abcdef01234567";

TEST_SUITE("persist/repl_checkpoint") {
  TEST_CASE("a position round-trips; every damaged record is refused") {
    ReplPosition p{kId, 123456789, 7, 4096};
    std::string rec = EncodeReplPosition(p);
    REQUIRE(!rec.empty());
    auto back = DecodeReplPosition(rec);
    REQUIRE(back.has_value());
    CHECK(back->replid == kId);
    CHECK(back->offset == 123456789);
    CHECK(back->incr_seq == 7);
    CHECK(back->incr_size == 4096);
    CHECK(EncodeReplPosition({kId, 0, 1, 0}).size() == rec.size());  // fixed size
    for (size_t i = 0; i < rec.size(); i++) {
      std::string bad = rec;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      CHECK_FALSE(DecodeReplPosition(bad).has_value());
    }
    CHECK_FALSE(DecodeReplPosition(rec.substr(0, rec.size() - 1)).has_value());
    CHECK(EncodeReplPosition({"short", 1, 1, 1}).empty());
    CHECK(EncodeReplPosition({kId, -1, 1, 1}).empty());
  }

  TEST_CASE("the file keeps the last record written") {
    std::string path = "repl_checkpoint_test.tmp";
    std::remove(path.c_str());
    CHECK_FALSE(ReplCheckpoint::Read(path).has_value());
    {
      ReplCheckpoint c;
      REQUIRE(c.Open(path));
      c.Write({kId, 10, 1, 100});
      c.Write({kId, 20, 1, 200});
    }
    auto p = ReplCheckpoint::Read(path);
    REQUIRE(p.has_value());
    CHECK(p->offset == 20);
    CHECK(p->incr_size == 200);
    std::ofstream(path, std::ios::in | std::ios::out | std::ios::binary).write("x", 1);
    CHECK_FALSE(ReplCheckpoint::Read(path).has_value());  // torn
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace node::persist
