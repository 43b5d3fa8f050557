// node/db/slot_table.cc -- see slot_table.h.

#include "node/db/slot_table.h"

#include <cstdlib>
#include <functional>

namespace node::db {

uint32_t HashKey(std::string_view key) {
  // FNV-1a over 8-byte words would be faster; std::hash (murmur-based in
  // libstdc++) is good enough and well distributed.
  return static_cast<uint32_t>(std::hash<std::string_view>{}(key));
}

void FreeEntry(Entry* e);  // keyspace.cc

SlotTable::~SlotTable() { Clear(); }

Entry* SlotTable::Find(std::string_view key, uint32_t hash) const {
  if (!nbuckets_) return nullptr;
  for (Entry* e = buckets_[hash & (nbuckets_ - 1)]; e; e = e->next) {
    if (e->hash == hash && e->key() == key) return e;
  }
  return nullptr;
}

void SlotTable::Grow() {
  uint32_t n = nbuckets_ ? nbuckets_ * 2 : 4;
  auto** nb = static_cast<Entry**>(::operator new(n * sizeof(Entry*)));
  for (uint32_t i = 0; i < n; i++) nb[i] = nullptr;
  for (uint32_t i = 0; i < nbuckets_; i++) {
    Entry* e = buckets_[i];
    while (e) {
      Entry* next = e->next;
      uint32_t b = e->hash & (n - 1);
      e->next = nb[b];
      nb[b] = e;
      e = next;
    }
  }
  ::operator delete(buckets_);
  buckets_ = nb;
  nbuckets_ = n;
}

void SlotTable::Insert(Entry* e) {
  if (size_ >= nbuckets_) Grow();
  uint32_t b = e->hash & (nbuckets_ - 1);
  e->next = buckets_[b];
  buckets_[b] = e;
  size_++;
  if (e->has_expire()) volatile_++;
}

Entry* SlotTable::Unlink(Entry* e) {
  Entry** pp = &buckets_[e->hash & (nbuckets_ - 1)];
  while (*pp != e) pp = &(*pp)->next;
  *pp = e->next;
  e->next = nullptr;
  size_--;
  if (e->has_expire()) volatile_--;
  return e;
}

void SlotTable::Replace(Entry* old_e, Entry* new_e) {
  Entry** pp = &buckets_[old_e->hash & (nbuckets_ - 1)];
  while (*pp != old_e) pp = &(*pp)->next;
  new_e->next = old_e->next;
  *pp = new_e;
  old_e->next = nullptr;
  if (old_e->has_expire()) volatile_--;
  if (new_e->has_expire()) volatile_++;
}

void SlotTable::Clear() {
  for (uint32_t i = 0; i < nbuckets_; i++) {
    Entry* e = buckets_[i];
    while (e) {
      Entry* next = e->next;
      FreeEntry(e);
      e = next;
    }
  }
  ::operator delete(buckets_);
  buckets_ = nullptr;
  nbuckets_ = 0;
  size_ = 0;
  volatile_ = 0;
}

namespace {
uint64_t Rev(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; i++) {
    r = (r << 1) | (v & 1);
    v >>= 1;
  }
  return r;
}
}  // namespace

uint64_t SlotTable::Scan(uint64_t cursor, const std::function<void(Entry*)>& fn) const {
  if (!nbuckets_) return 0;
  uint64_t mask = nbuckets_ - 1;
  for (Entry* e = buckets_[cursor & mask]; e; e = e->next) fn(e);
  // Increment the reversed cursor (dictScan's trick).
  cursor |= ~mask;
  cursor = Rev(cursor);
  cursor++;
  cursor = Rev(cursor);
  return cursor;
}

Entry* SlotTable::Random(uint64_t rnd) const {
  if (!size_) return nullptr;
  // Probe buckets from a random start; then a random element of the chain.
  uint32_t start = static_cast<uint32_t>(rnd) & (nbuckets_ - 1);
  for (uint32_t i = 0; i < nbuckets_; i++) {
    Entry* e = buckets_[(start + i) & (nbuckets_ - 1)];
    if (!e) continue;
    int len = 0;
    for (Entry* x = e; x; x = x->next) len++;
    int pick = static_cast<int>((rnd >> 32) % static_cast<uint64_t>(len));
    while (pick--) e = e->next;
    return e;
  }
  return nullptr;
}

void SlotTable::ForEach(const std::function<void(Entry*)>& fn) const {
  for (uint32_t i = 0; i < nbuckets_; i++) {
    for (Entry* e = buckets_[i]; e; e = e->next) fn(e);
  }
}

}  // namespace node::db
