// node/persist/aof_manifest_test.cc -- Redis 7 multi-part AOF manifest.

#include "node/persist/aof_manifest.h"

#include <doctest/doctest.h>

namespace node::persist {
namespace {

TEST_SUITE("persist/aof_manifest") {
  TEST_CASE("a manifest as Redis 7.0 writes it parses and formats back identically") {
    std::string text =
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type h\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n"
        "file appendonly.aof.3.incr.aof seq 3 type i\n";
    auto m = ParseAofManifest(text);
    REQUIRE_MESSAGE(m.ok(), m.error());
    REQUIRE(m->base.has_value());
    CHECK(m->base->name == "appendonly.aof.1.base.rdb");
    CHECK(m->history.size() == 1);
    REQUIRE(m->incrs.size() == 2);
    CHECK(m->incrs[1].seq == 3);
    CHECK(FormatAofManifest(*m) == text);
  }

  TEST_CASE("names with spaces or control bytes are quoted and read back") {
    AofManifest m;
    m.incrs.push_back({"my aof\t\"x\".1.incr.aof", 1, 'i'});
    std::string text = FormatAofManifest(m);
    CHECK(text == "file \"my aof\\t\\\"x\\\".1.incr.aof\" seq 1 type i\n");
    auto back = ParseAofManifest(text);
    REQUIRE(back.ok());
    CHECK(back->incrs[0] == m.incrs[0]);
  }

  TEST_CASE("comments, blank lines, CRLF and unknown keys are tolerated, key order is free") {
    auto m = ParseAofManifest("# comment\n\ntype i seq 7 file a.aof extra 1\r\n");
    REQUIRE(m.ok());
    CHECK(m->incrs[0] == AofFileInfo{"a.aof", 7, 'i'});
  }

  TEST_CASE("malformed manifests are refused with the line number") {
    CHECK_FALSE(ParseAofManifest("file a seq 1\n").ok());
    CHECK_FALSE(ParseAofManifest("file a seq x type i\n").ok());
    CHECK_FALSE(ParseAofManifest("file a seq 1 type z\n").ok());
    CHECK_FALSE(ParseAofManifest("file \"a seq 1 type i\n").ok());
    CHECK_FALSE(ParseAofManifest("file a seq 1 type b\nfile b seq 2 type b\n").ok());
    auto r = ParseAofManifest("file a seq 2 type i\nfile b seq 2 type i\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() ==
          "Invalid AOF manifest file format (line 2): found a non-monotonic sequence number");
  }
}

}  // namespace
}  // namespace node::persist
