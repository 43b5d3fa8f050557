// node/persist/snapshot.h
//
// Whole-keyspace RDB snapshots: every database of the Engine written as one
// RDB v10 file (AUX fields as Redis 7.0: redis-ver 7.0.15, redis-bits, ctime,
// used-mem, optional repl info, aof-base), and an RDB file loaded into the
// Engine's databases all-or-nothing. Used by SAVE/BGSAVE (the BGSAVE child
// calls WriteSnapshot after fork), the AOF base file, startup loading and
// full-sync replication. Engine thread (or a forked child holding a frozen
// copy of the engine's memory).

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/base/result.h"
#include "node/commands/engine.h"
#include "node/persist/rdb_file.h"
#include "node/persist/rdb_value.h"

namespace node::config {
struct Settings;
}

namespace node::persist {

struct SnapshotOptions {
  EncodeOptions enc;      // thresholds + rdbcompression
  bool checksum = true;   // rdbchecksum: false writes a zero checksum
  bool aof_base = false;  // the "aof-base" AUX field
  bool save_lru = false;  // IDLE per key (maxmemory-policy *-lru)
  bool save_lfu = false;  // FREQ per key (maxmemory-policy *-lfu)
  bool has_repl_info = false;
  int repl_stream_db = 0;
  std::string repl_id;
  int64_t repl_offset = 0;
};

// Options from the live configuration (rdbcompression, rdbchecksum,
// encoding thresholds, maxmemory-policy).
SnapshotOptions SnapshotOptionsFrom(const config::Settings& s);

// Streams the RDB file to sink in chunks (sink errors abort and are returned).
base::Status WriteSnapshot(commands::Engine& engine, const SnapshotOptions& opt,
                           const std::function<base::Status(std::string_view)>& sink);
// The whole file in memory.
std::string SaveSnapshot(commands::Engine& engine, const SnapshotOptions& opt = {});

struct SnapshotLoadOptions {
  bool drop_expired = true;  // a master drops keys already expired; a replica keeps them
  bool load_lru = false;     // apply IDLE (LRU policies)
  bool load_lfu = false;     // apply FREQ (LFU policies)
  int64_t now_ms = 0;        // 0: the current time
  EncodeOptions enc;         // encoding thresholds for the values built
};

struct SnapshotLoadResult {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
  std::vector<std::pair<std::string, std::string>> aux;  // every AUX field, in file order
  std::string Aux(std::string_view key) const;           // "" when absent
};

SnapshotLoadOptions SnapshotLoadOptionsFrom(const config::Settings& s, bool replica);

// Loads a complete RDB file into the engine's (empty) databases. On any error
// (format, checksum, duplicate key, unsupported type, database out of range)
// every database is flushed and the error is returned, naming the offset or
// the key.
base::Result<SnapshotLoadResult> LoadSnapshot(commands::Engine& engine, std::string_view bytes,
                                              const SnapshotLoadOptions& opt = {});

// --- Files ---

// Reads a whole file; errors name the path and errno text.
base::Result<std::string> ReadWholeFile(const std::string& path);
// Writes bytes to dir/temp-<pid>.<suffix>, fsyncs, renames to path and fsyncs
// the directory. Errors name the path.
base::Status WriteFileAtomic(const std::string& path, std::string_view bytes);
// dir + "/" + name ("" or "." dir: name alone).
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace node::persist
