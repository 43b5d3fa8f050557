// node/persist/aof_regress_test.cc -- regression tests for what the AOF
// fuzzers (aof_replay_fuzz, aof_manifest_fuzz; issue 9) check, each input
// kept as bytes.

#include <doctest/doctest.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/persist/aof.h"
#include "node/persist/aof_manifest.h"

namespace node::persist {
namespace {

struct Ran {
  std::vector<std::pair<int, std::string>> cmds;  // db, "arg0 arg1 ..."
  ReplayOutcome outcome;
};

Ran Replay(std::string_view data, int num_dbs = 16) {
  Ran r;
  int db = 0;
  r.outcome = ReplayAofCommands(
      data, &db,
      [&r](int at, std::span<const std::string_view> args) {
        std::string line;
        for (auto a : args) line += (line.empty() ? "" : " ") + std::string(a);
        r.cmds.emplace_back(at, line);
        return base::Status::Ok();
      },
      num_dbs);
  return r;
}

TEST_SUITE("persist/aof_regress") {
  TEST_CASE("a SELECT inside MULTI applies only to the commands queued after it") {
    // Redis 7.0 writes this when a transaction switches databases (bytes as
    // its AOF holds them); queued commands used to all run in the last
    // database selected.
    std::string aof =
        "*1\r\n$5\r\nMULTI\r\n"
        "*3\r\n$6\r\nINCRBY\r\n$3\r\nctr\r\n$1\r\n1\r\n"
        "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
        "*3\r\n$3\r\nSET\r\n$3\r\nin1\r\n$1\r\nx\r\n"
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
        "*3\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n$1\r\nz\r\n"
        "*1\r\n$4\r\nEXEC\r\n";
    Ran r = Replay(aof);
    CHECK(r.outcome.error.empty());
    REQUIRE(r.cmds.size() == 3);
    CHECK(r.cmds[0] == std::pair<int, std::string>{0, "INCRBY ctr 1"});
    CHECK(r.cmds[1] == std::pair<int, std::string>{1, "SET in1 x"});
    CHECK(r.cmds[2] == std::pair<int, std::string>{0, "LPUSH l z"});
  }

  TEST_CASE("a SELECT of a missing database is ignored like Redis's loader does") {
    // Found writing aof_replay_fuzz (its database check): "SELECT 16" (or 4294967296, which wrapped
    // to 0 in an int) handed the dispatcher a database index beyond the engine's databases.
    // Redis 7.0.15 logs the error reply and stays in the database.
    std::string aof =
        "*2\r\n$6\r\nSELECT\r\n$2\r\n16\r\n"
        "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
        "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
        "*2\r\n$6\r\nSELECT\r\n$10\r\n4294967296\r\n"
        "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n"
        "*2\r\n$6\r\nSELECT\r\n$3\r\nabc\r\n"
        "*2\r\n$6\r\nSELECT\r\n$2\r\n-1\r\n"
        "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n1\r\n";
    Ran r = Replay(aof);
    CHECK(r.outcome.error.empty());
    REQUIRE(r.cmds.size() == 3);
    CHECK(r.cmds[0].first == 0);
    CHECK(r.cmds[1].first == 3);
    CHECK(r.cmds[2].first == 3);
    // A cluster node has one database: every SELECT but 0 is ignored.
    Ran one = Replay(aof, 1);
    REQUIRE(one.cmds.size() == 3);
    for (const auto& c : one.cmds) CHECK(c.first == 0);
  }

  TEST_CASE("a manifest naming a path instead of a file name is refused") {
    // Found writing aof_manifest_fuzz: the loader joins names to the AOF directory,
    // so "../x" opened (and a rewrite later deleted) files outside it. Redis
    // 7.0.15 refuses the manifest with this text.
    for (const char* text : {"file ../x/appendonly.aof.1.incr.aof seq 1 type i\n",
                             "file /etc/passwd seq 1 type b\n", "file \"a\\\\b\" seq 1 type h\n"}) {
      auto m = ParseAofManifest(text);
      REQUIRE_FALSE(m.ok());
      CHECK(m.error().find("File can't be a path, just a filename") != std::string::npos);
    }
    CHECK(ParseAofManifest("file appendonly.aof.1.incr.aof seq 1 type i\n").ok());
  }
}

}  // namespace
}  // namespace node::persist
