// node/db/keyspace.h
//
// The keyspace of one node: 16384 SlotTables (one per hash slot, so slot
// counts, GETKEYSINSLOT, migration and FLUSHSLOTS are direct), with lazy and
// active expiry and maxmemory eviction. Only database 0 exists (cluster
// semantics; SELECT 0 only).
//
// Owned by the server and touched only on the engine thread. Pointers to
// entries returned here are valid until the next write.
//
// Expiry: a key whose deadline passed is deleted when looked up (unless this
// node is a replica: then it is hidden from reads but kept until the master's
// DEL arrives, as in Redis) and by ActiveExpireCycle; every deletion by
// expiry or eviction is reported through on_deleted so that the server can
// propagate a DEL to replicas and the AOF and wake watchers.

#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "node/base/crc16.h"
#include "node/db/entry.h"
#include "node/db/slot_table.h"

namespace node::db {

// How a new string value is encoded, as Redis decides it: kAuto stores
// canonical integers as integers (SET), kEmbStr never does (INCRBYFLOAT),
// kRaw is reported as "raw" (APPEND, SETRANGE).
enum class StrEnc { kAuto, kEmbStr, kRaw };

enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_stale_perc = 0;
};

enum class DeleteReason { kExpired, kEvicted };

class Keyspace {
 public:
  Keyspace();
  ~Keyspace();

  // --- Reads ---------------------------------------------------------------
  // Lookup with lazy expiry; no stats, no LRU update (internal use, EXISTS-like).
  Entry* Find(std::string_view key);
  // Lookup for a read command: counts hits/misses and touches LRU/LFU.
  Entry* LookupRead(std::string_view key);
  // Lookup for a write command: touches LRU/LFU, no hit/miss stats.
  Entry* LookupWrite(std::string_view key);

  // --- Writes --------------------------------------------------------------
  // Sets key to a string (replacing a value of any type). expire_ms: absolute
  // unix ms, or -1 for none; keep_ttl keeps the old key's TTL instead.
  Entry* SetString(std::string_view key, std::string_view value, int64_t expire_ms = -1,
                   bool keep_ttl = false, StrEnc enc = StrEnc::kAuto);
  // Replaces the value of an existing string key with an integer, keeping TTL.
  Entry* SetInt(Entry* e, int64_t v);
  // Replaces the value of an existing string entry, keeping its TTL.
  Entry* ReplaceString(Entry* e, std::string_view value, StrEnc enc);
  // Adds a new key holding a heap value (key must not exist).
  Entry* AddValue(std::string_view key, ObjType type, std::unique_ptr<Value> v,
                  int64_t expire_ms = -1);
  // Removes a key; true if it existed.
  bool Delete(std::string_view key);
  void DeleteEntry(Entry* e);
  // Sets (ms >= 0) or removes (ms < 0) the TTL. May reallocate: returns the entry.
  Entry* SetExpire(Entry* e, int64_t ms);
  // Moves a key's value to a new name (dst must not exist). Returns new entry.
  Entry* Rename(Entry* e, std::string_view new_key, bool keep_ttl = true);
  // Deep-copies an entry under a new name (dst must not exist). Strings only
  // and values that know how to copy themselves.
  Entry* CopyTo(const Entry* e, std::string_view new_key, std::unique_ptr<Value> copied_value);
  // Deletes every key.
  void Flush();
  // Deletes the keys of one slot; returns how many.
  size_t FlushSlot(int slot);

  // --- Introspection -------------------------------------------------------
  size_t size() const { return total_keys_; }
  size_t volatile_count() const;
  size_t CountInSlot(int slot) const { return slots_[static_cast<size_t>(slot)].size(); }
  std::vector<std::string> KeysInSlot(int slot, size_t max) const;
  // SCAN: the cursor encodes (bucket cursor << 14 | slot). Returns next cursor.
  uint64_t Scan(uint64_t cursor, size_t count, const std::function<void(Entry*)>& fn);
  // All live keys (KEYS). Expired keys are skipped, not deleted.
  void ForEachLive(const std::function<void(Entry*)>& fn) const;
  Entry* RandomKey();
  bool IsExpired(const Entry* e) const;
  size_t MemoryOverhead() const;

  // --- Expiry and eviction -------------------------------------------------
  // Deletes expired keys for at most budget_us microseconds; returns how many.
  size_t ActiveExpireCycle(int64_t budget_us);
  // Evicts keys until UsedMemory() <= maxmemory or nothing evictable is left.
  // Returns false when memory is still over the limit (caller replies -OOM).
  bool EvictIfNeeded(size_t maxmemory, EvictionPolicy policy, int samples);

  void set_replica_mode(bool replica) { replica_mode_ = replica; }
  // Cluster mode groups keys by their CRC16 hash slot (COUNTKEYSINSLOT,
  // migration); standalone mode only needs the groups to be even, so it
  // uses the key's table hash and skips the CRC16 per lookup. Set before any
  // key is added.
  void set_cluster_slots(bool crc16) { crc_slots_ = crc16; }
  void set_on_deleted(std::function<void(std::string_view, DeleteReason)> f) {
    on_deleted_ = std::move(f);
  }
  void set_lfu_params(int log_factor, int decay_time) {
    lfu_log_factor_ = log_factor;
    lfu_decay_time_ = decay_time;
  }
  void set_use_lfu(bool lfu) { use_lfu_ = lfu; }

  // OBJECT IDLETIME / FREQ
  int64_t IdleSeconds(const Entry* e) const;
  int LfuCount(Entry* e);

  KeyspaceStats& stats() { return *stats_; }
  // Several databases share one set of counters (INFO stats is per server).
  void share_stats(KeyspaceStats* s) { stats_ = s; }

  SlotTable& table(int slot) { return slots_[static_cast<size_t>(slot)]; }

 private:
  Entry* FindRaw(std::string_view key, int slot, uint32_t hash) const;
  bool ExpireIfNeeded(Entry* e, int slot);
  void Touch(Entry* e);
  void RemoveFromTable(Entry* e, int slot);
  bool EvictOne(EvictionPolicy policy, int samples);

  std::array<SlotTable, base::kClusterSlots> slots_;
  size_t total_keys_ = 0;
  KeyspaceStats own_stats_;
  KeyspaceStats* stats_ = &own_stats_;
  bool replica_mode_ = false;
  bool crc_slots_ = true;
  int SlotOf(std::string_view key, uint32_t hash) const {
    return crc_slots_ ? base::KeyHashSlot(key) : static_cast<int>(hash >> 18);
  }
  std::function<void(std::string_view, DeleteReason)> on_deleted_;
  // Active expiry progress.
  int expire_slot_ = 0;
  uint64_t expire_cursor_ = 0;
  uint64_t rng_state_ = 0x9E3779B97F4A7C15ull;
  bool use_lfu_ = false;
  int lfu_log_factor_ = 10;
  int lfu_decay_time_ = 1;

  uint64_t NextRandom();
};

// Allocation of entries (exposed for tests and for the persistence loader).
Entry* NewStringEntry(std::string_view key, uint32_t hash, std::string_view value,
                      int64_t expire_ms, StrEnc enc);
Entry* NewIntEntry(std::string_view key, uint32_t hash, int64_t v, int64_t expire_ms);
Entry* NewPtrEntry(std::string_view key, uint32_t hash, ObjType type, Value* v, int64_t expire_ms);
void FreeEntry(Entry* e);

// Values up to this many bytes live inside the entry.
constexpr size_t kEmbedMax = 64;
// Strings longer than this are reported as "raw" by OBJECT ENCODING (Redis's
// OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
constexpr size_t kEmbstrLimit = 44;

}  // namespace node::db
