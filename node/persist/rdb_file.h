// node/persist/rdb_file.h
//
// Whole RDB v10 files (rdb.md §1, §7, §10): RdbFileWriter produces the magic,
// AUX fields in 7.0's order, FUNCTION2 records, SELECTDB/RESIZEDB, per-key
// EXPIRETIME_MS/IDLE/FREQ, EOF and the CRC-64. Its buffer can be drained while
// writing (TakeBuffer) so a snapshot or a replication transfer never holds the
// whole file; the checksum runs incrementally. LoadRdb walks a complete file in
// memory and hands each key to a callback as soon as it is decoded, verifying
// the checksum at the end (keys already delivered must then be discarded by
// the caller when it fails). Used by snapshots (SAVE/BGSAVE/startup load),
// full-sync replication and AOF preambles; one instance per thread.

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "node/base/result.h"
#include "node/persist/rdb_value.h"

namespace node::persist {

// The AUX fields Redis 7.0 writes (rdbSaveInfoAuxFields), in its order.
struct RdbAuxInfo {
  std::string redis_ver = "7.0.15";
  int64_t ctime = 0;  // unix seconds
  int64_t used_mem = 0;
  bool has_repl_info = false;  // repl-stream-db / repl-id / repl-offset
  int repl_stream_db = 0;
  std::string repl_id;  // 40 hex chars
  int64_t repl_offset = 0;
  bool aof_base = false;
};

class RdbFileWriter {
 public:
  explicit RdbFileWriter(EncodeOptions opt = {});

  // "REDIS0010" and the standard AUX fields.
  void Begin(const RdbAuxInfo& aux);
  // Only "REDIS0010" (for callers writing their own AUX fields).
  void Magic();
  // Any extra AUX field (integer-looking values get integer encoding).
  void Aux(std::string_view key, std::string_view value);
  // One FUNCTION2 record (the full library source).
  void Function(std::string_view library_source);
  // SELECTDB + RESIZEDB (sizes are hints).
  void SelectDb(int db, uint64_t db_size, uint64_t expires_size);
  // [EXPIRETIME_MS] [IDLE] [FREQ] <type> <key> <value>. e.db is ignored (use
  // SelectDb). The caller must never write the same key twice (7.0 panics).
  void Entry(const RdbEntry& e);
  // EOF and the checksum. Nothing may be written afterwards.
  void Finish();

  // Bytes produced and not yet taken.
  const std::string& buffer() const { return buf_; }
  // Hands over the pending bytes (for streaming to disk or a socket).
  std::string TakeBuffer();

 private:
  void UpdateCrc();
  EncodeOptions opt_;
  std::string buf_;
  RdbWriter w_;
  uint64_t crc_ = 0;
  size_t crc_done_ = 0;  // bytes of buf_ already folded into crc_
};

struct RdbLoadHandlers {
  // Required: receives every non-empty key. Returning an error aborts the load.
  std::function<Status(RdbEntry&&)> on_entry;
  // Optional: every AUX field (unknown keys must be tolerated).
  std::function<Status(std::string_view key, std::string_view value)> on_aux;
  // Optional: FUNCTION2 library sources; skipped when unset.
  std::function<Status(std::string&& library_source)> on_function;
  // Optional: RESIZEDB hints.
  std::function<Status(int db, uint64_t db_size, uint64_t expires_size)> on_resize_db;
  // SELECTDB beyond this is an error (7.0 exits).
  int databases = 16;
  // Module AUX records need their module; by default they fail the load like
  // Redis. When true they are skipped.
  bool skip_module_aux = false;
};

struct RdbLoadStats {
  int version = 0;
  uint64_t keys = 0;               // delivered to on_entry
  uint64_t empty_skipped = 0;      // empty aggregates Redis would skip too
  bool checksum_verified = false;  // false when the stored checksum is 0 or version < 5
};

// Loads a complete RDB file. Errors name the offset, e.g.
// "Short read loading RDB (unexpected end of RDB data at offset 123)".
Result<RdbLoadStats> LoadRdb(std::string_view file, const RdbLoadHandlers& handlers);

}  // namespace node::persist
