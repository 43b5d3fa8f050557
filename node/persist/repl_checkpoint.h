// node/persist/repl_checkpoint.h
//
// The replication position of the AOF: which replication ID and offset the
// dataset had when the current AOF incr file had a given size. The engine
// thread rewrites one fixed-size record (pwrite at offset 0, no fsync)
// after every AOF write, so a node killed with -9 and restarted knows,
// when its loaded incr file has exactly the recorded size, the replication
// offset its data stands at and can ask its (new) master for a partial
// resync instead of a full one. Redis 7.0 keeps no such position for the
// AOF and always resyncs fully after a crash. Any doubt (torn or stale
// record, a size that does not match, another incr file) means no
// position: a full resync, never a wrong offset.
//
// The record lives in the data directory ("dir"), outside the append-only
// directory, which keeps Redis's exact layout.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace node::persist {

struct ReplPosition {
  std::string replid;     // 40 hex characters
  int64_t offset = 0;     // replication offset of the dataset
  int64_t incr_seq = 0;   // the AOF incr file's sequence number
  int64_t incr_size = 0;  // its size in bytes at that moment
};

inline constexpr const char* kReplCheckpointName = "shoal-repl-position";

// The fixed-size text record for a position ("" when replid is not 40
// characters or a number is negative).
std::string EncodeReplPosition(const ReplPosition& p);
// The position in a record; nullopt when it is malformed or its checksum
// does not match.
std::optional<ReplPosition> DecodeReplPosition(std::string_view record);

// Owns the checkpoint file's descriptor. Engine thread only.
class ReplCheckpoint {
 public:
  ReplCheckpoint() = default;
  ~ReplCheckpoint();
  ReplCheckpoint(const ReplCheckpoint&) = delete;
  ReplCheckpoint& operator=(const ReplCheckpoint&) = delete;

  // Opens (creating) `path` for writing; false on error (then Write is a
  // no-op and a restart falls back to a full resync).
  bool Open(const std::string& path);
  void Close();
  // Writes the record unless it equals the last one written.
  void Write(const ReplPosition& p);
  // Reads the record at `path`; nullopt when absent or invalid.
  static std::optional<ReplPosition> Read(const std::string& path);

 private:
  int fd_ = -1;
  std::string last_;
};

}  // namespace node::persist
