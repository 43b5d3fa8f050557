// node/db/slot_table.h
//
// The keys of one hash slot: a chained hash table of Entry blocks. Small by
// design (a slot holds 1/16384 of the keys), so growth rehashes at once and
// never pauses for long. Engine thread only.
//
// Invariants: bucket count is 0 or a power of two; size_ == number of chained
// entries; every entry's `hash` is HashKey(key).

#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "node/db/entry.h"

namespace node::db {

uint32_t HashKey(std::string_view key);

class SlotTable {
 public:
  SlotTable() = default;
  ~SlotTable();
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  Entry* Find(std::string_view key, uint32_t hash) const;
  // Links a new entry (key must be absent).
  void Insert(Entry* e);
  // Unlinks `e` and returns it (not freed).
  Entry* Unlink(Entry* e);
  // Swaps `old_e` for `new_e` in the chain (same key); returns old_e unlinked.
  void Replace(Entry* old_e, Entry* new_e);
  // Frees every entry.
  void Clear();

  size_t size() const { return size_; }
  size_t volatile_count() const { return volatile_; }
  void AdjustVolatile(int delta) {
    volatile_ = static_cast<size_t>(static_cast<int64_t>(volatile_) + delta);
  }
  size_t bucket_count() const { return nbuckets_; }
  size_t MemoryOverhead() const { return nbuckets_ * sizeof(Entry*); }

  // Reverse-binary cursor scan over buckets (Redis's dictScan): every entry
  // present for the whole scan is visited at least once even if the table
  // grows between calls. Returns the next cursor, 0 when done.
  uint64_t Scan(uint64_t cursor, const std::function<void(Entry*)>& fn) const;
  // A random entry (nullptr if empty).
  Entry* Random(uint64_t rnd) const;
  // Visits every entry; fn may not modify the table.
  void ForEach(const std::function<void(Entry*)>& fn) const;

 private:
  void Grow();

  Entry** buckets_ = nullptr;
  uint32_t nbuckets_ = 0;
  uint32_t size_ = 0;
  size_t volatile_ = 0;
};

}  // namespace node::db
