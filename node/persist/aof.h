// node/persist/aof.h
//
// The pieces of Redis 7's multi-part append-only file that do not own state:
// RESP encoding of propagated commands, replaying a RESP command stream (with
// SELECT and MULTI/EXEC handled here, torn tails detected), loading a whole
// AOF directory (manifest -> base -> incrementals) into the engine, writing a
// base file as RESP commands (aof-use-rdb-preamble no), and the file names
// Redis uses. The stateful writer (buffer, fsync policy, rewrites) lives in
// Persistence. Engine thread (the RESP base writer also runs in a forked
// child).

#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "node/base/result.h"
#include "node/commands/engine.h"
#include "node/persist/aof_manifest.h"
#include "node/persist/rdb_value.h"

namespace node::persist {

// Runs one command read from the AOF. SELECT, MULTI and EXEC never reach it:
// `db` is the database selected at that point and the commands of a
// transaction are delivered one by one at EXEC. Return a non-ok status only
// for commands that cannot run at all (unknown command): that stops the load.
using ReplayFn = std::function<base::Status(int db, std::span<const std::string_view> args)>;

// Appends "*N\r\n$len\r\narg\r\n..." to out.
void AppendRespCommand(std::string* out, std::span<const std::string_view> args);

struct ReplayOutcome {
  uint64_t commands = 0;   // delivered to the callback
  size_t valid_up_to = 0;  // bytes ending with the last complete command (or EXEC)
  bool truncated = false;  // the stream ends inside a command or inside MULTI
  // Non-empty for corruption (not a torn tail) and callback errors.
  std::string error;
  size_t error_offset = 0;
};

// Replays a RESP command stream. *db is the starting database and is updated
// by SELECT; a SELECT of a database outside [0, num_dbs) or of a non-number
// is ignored, as Redis's loader ignores the error reply. "#..." annotation
// lines are skipped as Redis does.
ReplayOutcome ReplayAofCommands(std::string_view data, int* db, const ReplayFn& fn,
                                int num_dbs = 16);

struct AofPaths {
  std::string dir;       // dir/appenddirname
  std::string filename;  // appendfilename, e.g. "appendonly.aof"
  std::string manifest_path() const;
  std::string path(const std::string& name) const;
};
AofPaths AofPathsFrom(const std::string& dir, const std::string& appenddirname,
                      const std::string& appendfilename);

// Redis's names: appendonly.aof.<seq>.base.rdb / .base.aof, appendonly.aof.<seq>.incr.aof.
std::string AofBaseName(const std::string& filename, int64_t seq, bool rdb);
std::string AofIncrName(const std::string& filename, int64_t seq);

struct AofLoadOptions {
  bool load_truncated = true;  // aof-load-truncated
  bool drop_expired = true;    // master
  bool load_lru = false, load_lfu = false;
  EncodeOptions enc;  // encoding thresholds for an RDB base
};

struct AofLoadInfo {
  bool exists = false;  // false: no manifest (nothing loaded)
  AofManifest manifest;
  uint64_t base_size = 0;    // bytes of the base file
  uint64_t total_size = 0;   // base + incrementals (after any truncation)
  uint64_t keys_loaded = 0;  // from an RDB base
  uint64_t commands = 0;
  std::string warning;  // set when a torn tail was cut
};

// Loads dir/manifest: the base (RDB preamble or RESP) then every incremental
// file in order. A torn last command in the LAST file is cut (the file is
// truncated) when load_truncated is set; any other damage is an error naming
// the file and the offset, and the keyspace is flushed. A missing manifest is
// not an error (exists = false).
base::Result<AofLoadInfo> LoadAof(commands::Engine& engine, const AofPaths& paths,
                                  const ReplayFn& replay, const AofLoadOptions& opt);

// A base file as RESP commands (SELECT, SET/RPUSH/SADD/ZADD/HSET, PEXPIREAT),
// streamed to sink. Streams and module values are refused (use the RDB
// preamble for them).
base::Status WriteAofRespBase(commands::Engine& engine,
                              const std::function<base::Status(std::string_view)>& sink);

}  // namespace node::persist
