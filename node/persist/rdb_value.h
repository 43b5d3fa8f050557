// node/persist/rdb_value.h
//
// The engine-independent value model the RDB codec reads and writes, and the
// per-type value codec (rdb.md §2, §4): EncodeValue writes "<type byte><value>"
// choosing the encoding Redis 7.0 would (listpack hashes/zsets, intset sets,
// quicklist-2 lists with listpack nodes, stream listpacks v2), so DUMP payloads
// and RDB files match Redis byte for byte for values Redis would encode the
// same way; DecodeValue reads every value type 7.0 can load (0-7, 9-19).
// The integrator maps RdbValue onto the keyspace. Pure functions, any thread.

#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "node/base/result.h"
#include "node/persist/rdb_primitives.h"

namespace node::persist {

// --- Streams ---

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamId&) const = default;
};

struct StreamEntry {
  StreamId id;
  std::vector<std::pair<std::string, std::string>> fields;  // field, value in order
};

// One pending (delivered, not acknowledged) entry of a consumer group.
struct StreamPendingEntry {
  StreamId id;
  int64_t delivery_time_ms = 0;
  uint64_t delivery_count = 0;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time_ms = 0;
  std::vector<StreamId> pending;  // each must be in the group's pel
};

struct StreamGroup {
  std::string name;
  StreamId last_id;
  int64_t entries_read = -1;  // -1 = unknown (SCG_INVALID_ENTRIES_READ)
  std::vector<StreamPendingEntry> pel;
  std::vector<StreamConsumer> consumers;
};

struct StreamData {
  std::vector<StreamEntry> entries;  // live entries, ascending ids (deleted ones dropped)
  uint64_t length = 0;               // live entry count as stored
  StreamId last_id;
  StreamId first_id;
  StreamId max_deleted_id;
  uint64_t entries_added = 0;
  std::vector<StreamGroup> groups;
};

// A module value we cannot interpret: the MODULE_2 opcode stream is kept
// verbatim (after the module id, through the terminating opcode 0) so that it
// can be written back, or refused by the caller.
struct ModuleData {
  uint64_t module_id = 0;  // 54-bit name code + 10-bit encoding version
  std::string raw;
};
// The 9-character module type name encoded in a module id.
std::string ModuleTypeName(uint64_t module_id);

struct RdbValue {
  enum class Kind { kString, kList, kSet, kZSet, kHash, kStream, kModule };
  Kind kind = Kind::kString;
  std::string str;                                        // kString
  std::vector<std::string> items;                         // kList (in order) / kSet members
  std::vector<std::pair<std::string, double>> zset;       // kZSet member, score
  std::vector<std::pair<std::string, std::string>> hash;  // kHash field, value
  StreamData stream;                                      // kStream
  ModuleData module;                                      // kModule
};

struct RdbEntry {
  int db = 0;
  std::string key;
  RdbValue value;
  int64_t expire_ms = -1;  // absolute unix ms, -1 = no TTL
  int64_t lru_idle = -1;   // seconds, -1 = not stored
  int lfu_freq = -1;       // 0..255, -1 = not stored
};

// Redis 7.0 defaults for the encoding thresholds (config.c).
struct EncodeOptions {
  bool compress = true;  // rdbcompression
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  int list_max_listpack_size = -2;  // negative: -1..-5 = 4..64 KiB per node; positive: count
  size_t stream_node_max_bytes = 4096;
  size_t stream_node_max_entries = 100;
};

// The type byte EncodeValue will use for v.
uint8_t ChooseRdbType(const RdbValue& v, const EncodeOptions& opt = {});
// Appends <type byte><value>. Sorted-set member order in v does not matter;
// lists keep their order; sets and hashes keep the given order.
void EncodeValue(const RdbValue& v, RdbWriter& w, const EncodeOptions& opt = {});

// Reads the value of a key of the given type (the type byte already consumed).
// Errors name the offset. Empty aggregates decode fine; check IsEmptyValue.
Result<RdbValue> DecodeValue(uint8_t type, RdbReader& r);
// True for lists/sets/zsets/hashes without elements (Redis skips such keys in
// files and refuses them in RESTORE). Streams may be empty.
bool IsEmptyValue(const RdbValue& v);

// Stream codec (rdb_stream.cc), used by the two functions above.
void EncodeStream(const StreamData& s, RdbWriter& w, const EncodeOptions& opt);
Result<StreamData> DecodeStream(uint8_t type, RdbReader& r);

}  // namespace node::persist
