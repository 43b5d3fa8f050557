// node/persist/aof_replay_fuzz.cc
//
// libFuzzer target for the AOF command reader, ReplayAofCommands (issue 9:
// an AOF file is read back from a disk that may hold a torn or damaged
// file). The input is an AOF file (incremental or RESP base); the replay
// callback records what would run, checking the database index against the
// 16 databases a standalone node has (the loader hands it to the
// dispatcher, which indexes the engine's databases with it).
//
// Invariants checked: offsets stay inside the input; a replay that found no
// damage replays the same commands from the prefix it reported valid (the
// bytes a truncating load keeps) without a torn tail; the commands
// re-encoded with AppendRespCommand replay to the same commands.
// Build: scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/persist/aof.h"

namespace {

using node::persist::ReplayAofCommands;
using node::persist::ReplayOutcome;

constexpr int kDatabases = 16;

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "aof replay fuzz: %s\n", what);
  abort();
}

struct Recorded {
  int db;
  std::vector<std::string> args;
  bool operator==(const Recorded&) const = default;
};

ReplayOutcome Replay(std::string_view data, std::vector<Recorded>* out) {
  int db = 0;
  return ReplayAofCommands(
      data, &db,
      [out](int at_db, std::span<const std::string_view> args) -> node::base::Status {
        if (at_db < 0 || at_db >= kDatabases) Fail("a command was replayed in a missing database");
        if (args.empty()) Fail("an empty command was replayed");
        out->push_back({at_db, std::vector<std::string>(args.begin(), args.end())});
        return node::base::Status::Ok();
      },
      kDatabases);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  std::vector<Recorded> cmds;
  ReplayOutcome o = Replay(file, &cmds);
  if (o.valid_up_to > size || o.error_offset > size) Fail("offset beyond the input");
  if (o.commands != cmds.size()) Fail("command count differs from the callbacks");
  if (!o.error.empty()) return 0;

  // What a truncating load keeps must replay cleanly to the same commands.
  std::vector<Recorded> kept;
  ReplayOutcome k = Replay(file.substr(0, o.valid_up_to), &kept);
  if (!k.error.empty() || k.truncated) Fail("the valid prefix does not replay cleanly");
  if (kept != cmds) Fail("the valid prefix replays different commands");

  // Re-encoding what ran gives the same commands (SELECTs written back).
  std::string again;
  int db = 0;
  for (const auto& c : cmds) {
    if (c.db != db) {
      std::string n = std::to_string(c.db);
      std::string_view sel[] = {"SELECT", n};
      node::persist::AppendRespCommand(&again, sel);
      db = c.db;
    }
    std::vector<std::string_view> v(c.args.begin(), c.args.end());
    node::persist::AppendRespCommand(&again, v);
  }
  std::vector<Recorded> re;
  ReplayOutcome r = Replay(again, &re);
  if (!r.error.empty() || r.truncated) Fail("re-encoded commands do not replay cleanly");
  if (re.size() != cmds.size()) Fail("re-encoded commands replay differently");
  for (size_t i = 0; i < re.size(); ++i) {
    // A MULTI or EXEC that was a plain argument of nothing cannot occur: only
    // compare the argument vectors and databases.
    if (!(re[i] == cmds[i])) Fail("re-encoded commands replay differently");
  }
  return 0;
}
