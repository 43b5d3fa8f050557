// node/db/keyspace.cc -- see keyspace.h.

#include "node/db/keyspace.h"

#include <malloc.h>

#include <cmath>

#include "node/base/clock.h"
#include "node/base/memory.h"
#include "node/base/strings.h"

namespace node::db {

// --- Entry allocation --------------------------------------------------------

namespace {

Entry* AllocEntry(std::string_view key, uint32_t hash, int64_t expire_ms, size_t value_bytes) {
  size_t n = sizeof(Entry) + (expire_ms >= 0 ? 8 : 0) + key.size() + value_bytes;
  auto* e = static_cast<Entry*>(::operator new(n));
  e->next = nullptr;
  e->hash = hash;
  e->key_len = static_cast<uint32_t>(key.size());
  e->type = ObjType::kString;
  e->storage = Storage::kEmbedded;
  e->flags = expire_ms >= 0 ? Entry::kHasExpire : 0;
  e->reserved = 0;
  e->lru = 0;
  if (expire_ms >= 0) e->set_expire_in_place(expire_ms);
  memcpy(e->key_ptr(), key.data(), key.size());
  return e;
}

// A new block holding e's value (bytes copied; a Value* changes owner) under
// `key` with `expire_ms` (-1: none). The caller links it and frees e's block
// with ::operator delete (not FreeEntry: the value moved).
Entry* MoveValueToNewEntry(const Entry* e, std::string_view key, uint32_t hash, int64_t expire_ms) {
  size_t value_bytes;
  switch (e->storage) {
    case Storage::kEmbedded:
      value_bytes = 4 + e->embedded().size();
      break;
    case Storage::kInt:
      value_bytes = 8;
      break;
    default:
      value_bytes = sizeof(Value*);
      break;
  }
  Entry* n = AllocEntry(key, hash, expire_ms, value_bytes);
  n->type = e->type;
  n->storage = e->storage;
  n->flags = static_cast<uint8_t>((e->flags & ~Entry::kHasExpire) |
                                  (expire_ms >= 0 ? Entry::kHasExpire : 0));
  n->lru = e->lru;
  memcpy(n->value_ptr(), e->value_ptr(), value_bytes);
  return n;
}

// Access stamps use the clock cached once per event-loop batch (reading the
// clock per command is a measurable cost on virtual machines).
uint32_t LruClock() { return static_cast<uint32_t>(base::CachedUnixMs() / 1000) & 0xFFFFFF; }
uint32_t LfuMinutes() { return static_cast<uint32_t>(base::CachedUnixMs() / 60000) & 0xFFFF; }
constexpr int kLfuInitVal = 5;

}  // namespace

Entry* NewStringEntry(std::string_view key, uint32_t hash, std::string_view value,
                      int64_t expire_ms, StrEnc enc) {
  bool raw = enc == StrEnc::kRaw;
  if (value.size() <= 20 && enc == StrEnc::kAuto) {
    if (auto iv = base::ParseInt64(value)) return NewIntEntry(key, hash, *iv, expire_ms);
  }
  if (value.size() <= kEmbedMax) {
    Entry* e = AllocEntry(key, hash, expire_ms, 4 + value.size());
    uint32_t n = static_cast<uint32_t>(value.size());
    memcpy(e->value_ptr(), &n, 4);
    memcpy(e->value_ptr() + 4, value.data(), value.size());
    if (raw || value.size() > kEmbstrLimit) e->flags |= Entry::kRawEncoding;
    return e;
  }
  Value* v = new StringValue(std::string(value));
  Entry* e = NewPtrEntry(key, hash, ObjType::kString, v, expire_ms);
  e->flags |= Entry::kRawEncoding;
  return e;
}

Entry* NewIntEntry(std::string_view key, uint32_t hash, int64_t v, int64_t expire_ms) {
  Entry* e = AllocEntry(key, hash, expire_ms, 8);
  e->storage = Storage::kInt;
  e->set_int_in_place(v);
  return e;
}

Entry* NewPtrEntry(std::string_view key, uint32_t hash, ObjType type, Value* v, int64_t expire_ms) {
  Entry* e = AllocEntry(key, hash, expire_ms, sizeof(Value*));
  e->type = type;
  e->storage = Storage::kPtr;
  memcpy(e->value_ptr(), &v, sizeof(v));
  return e;
}

void FreeEntry(Entry* e) {
  if (e->storage == Storage::kPtr) delete e->ptr();
  ::operator delete(e);
}

std::string_view StringOf(const Entry* e, char* buf) {
  switch (e->storage) {
    case Storage::kEmbedded:
      return e->embedded();
    case Storage::kInt: {
      std::string s;
      base::AppendInt64(s, e->int_value());
      memcpy(buf, s.data(), s.size());
      return {buf, s.size()};
    }
    case Storage::kPtr:
      return static_cast<StringValue*>(e->ptr())->str();
  }
  return {};
}

size_t EntryMemoryUsage(const Entry* e) {
  size_t n = sizeof(Entry) + (e->has_expire() ? 8 : 0) + e->key_len;
  switch (e->storage) {
    case Storage::kEmbedded:
      n += 4 + e->embedded().size();
      break;
    case Storage::kInt:
      n += 8;
      break;
    case Storage::kPtr:
      n += sizeof(Value*) + e->ptr()->MemoryUsage();
      break;
  }
  return n + 8;  // bucket slot share
}

// --- Keyspace ------------------------------------------------------------------

Keyspace::Keyspace() = default;
Keyspace::~Keyspace() = default;

uint64_t Keyspace::NextRandom() {
  // xorshift64*
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  return rng_state_ * 2685821657736338717ull;
}

Entry* Keyspace::FindRaw(std::string_view key, int slot, uint32_t hash) const {
  return slots_[static_cast<size_t>(slot)].Find(key, hash);
}

bool Keyspace::IsExpired(const Entry* e) const {
  return e->has_expire() && e->expire_ms() <= base::UnixMs();
}

void Keyspace::RemoveFromTable(Entry* e, int slot) {
  slots_[static_cast<size_t>(slot)].Unlink(e);
  total_keys_--;
  FreeEntry(e);
}

// Returns true when `e` was expired (and deleted, on a master).
bool Keyspace::ExpireIfNeeded(Entry* e, int slot) {
  if (!IsExpired(e)) return false;
  if (replica_mode_) return true;  // hidden, deleted when the master says so
  std::string key(e->key());
  RemoveFromTable(e, slot);
  stats_->expired_keys++;
  if (on_deleted_) on_deleted_(key, DeleteReason::kExpired);
  return true;
}

Entry* Keyspace::Find(std::string_view key) {
  uint32_t h = HashKey(key);
  int slot = SlotOf(key, h);
  Entry* e = FindRaw(key, slot, h);
  if (e && ExpireIfNeeded(e, slot)) return nullptr;
  return e;
}

void Keyspace::Touch(Entry* e) {
  if (!use_lfu_) {
    e->lru = LruClock();
    return;
  }
  int counter = LfuCount(e);
  if (counter < 255) {
    double r = static_cast<double>(NextRandom() >> 11) / static_cast<double>(1ull << 53);
    double baseval = counter - kLfuInitVal;
    if (baseval < 0) baseval = 0;
    double p = 1.0 / (baseval * lfu_log_factor_ + 1);
    if (r < p) counter++;
  }
  e->lru = (LfuMinutes() << 8) | static_cast<uint32_t>(counter);
}

int Keyspace::LfuCount(Entry* e) {
  uint32_t ldt = e->lru >> 8;
  int counter = static_cast<int>(e->lru & 255);
  uint32_t now = LfuMinutes();
  uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  uint32_t periods = lfu_decay_time_ ? elapsed / static_cast<uint32_t>(lfu_decay_time_) : 0;
  if (periods)
    counter = periods > static_cast<uint32_t>(counter) ? 0 : counter - static_cast<int>(periods);
  return counter;
}

int64_t Keyspace::IdleSeconds(const Entry* e) const {
  uint32_t now = LruClock();
  uint32_t lru = e->lru & 0xFFFFFF;
  if (now >= lru) return now - lru;
  return static_cast<int64_t>(0xFFFFFF - lru + now);
}

Entry* Keyspace::LookupRead(std::string_view key) {
  Entry* e = Find(key);
  if (!e) {
    stats_->keyspace_misses++;
    return nullptr;
  }
  stats_->keyspace_hits++;
  Touch(e);
  return e;
}

Entry* Keyspace::LookupWrite(std::string_view key) {
  Entry* e = Find(key);
  if (e) Touch(e);
  return e;
}

namespace {
void InitAccess(Entry* e, bool lfu) {
  e->lru = lfu ? (LfuMinutes() << 8) | kLfuInitVal : LruClock();
}
}  // namespace

namespace {

// Rewrites a string entry's value inside its own block when the new value
// fits (the common SET-over-SET case: no allocation, no free). The entry's
// key and expire layout stay; only value bytes, storage and flags change.
bool OverwriteStringInPlace(Entry* e, std::string_view value, int64_t expire_ms, StrEnc enc) {
  if (e->type != ObjType::kString || e->storage == Storage::kPtr) return false;
  if ((expire_ms >= 0) != e->has_expire()) return false;
  std::optional<int64_t> iv;
  if (enc == StrEnc::kAuto && value.size() <= 20) iv = base::ParseInt64(value);
  size_t value_bytes = iv ? 8 : 4 + value.size();
  if (!iv && value.size() > kEmbedMax) return false;
  size_t need = sizeof(Entry) + (expire_ms >= 0 ? 8 : 0) + e->key_len + value_bytes;
  if (need > malloc_usable_size(e)) return false;
  if (expire_ms >= 0) e->set_expire_in_place(expire_ms);
  e->flags = static_cast<uint8_t>(e->flags & Entry::kHasExpire);
  if (iv) {
    e->storage = Storage::kInt;
    e->set_int_in_place(*iv);
  } else {
    e->storage = Storage::kEmbedded;
    uint32_t n = static_cast<uint32_t>(value.size());
    memcpy(e->value_ptr(), &n, 4);
    memcpy(e->value_ptr() + 4, value.data(), value.size());
    if (enc == StrEnc::kRaw || value.size() > kEmbstrLimit) e->flags |= Entry::kRawEncoding;
  }
  return true;
}

}  // namespace

Entry* Keyspace::SetString(std::string_view key, std::string_view value, int64_t expire_ms,
                           bool keep_ttl, StrEnc enc) {
  uint32_t h = HashKey(key);
  int slot = SlotOf(key, h);
  SlotTable& t = slots_[static_cast<size_t>(slot)];
  Entry* old = t.Find(key, h);
  if (old && keep_ttl && expire_ms < 0) expire_ms = old->expire_ms();
  if (old && OverwriteStringInPlace(old, value, expire_ms, enc)) {
    InitAccess(old, use_lfu_);
    return old;
  }
  Entry* e = NewStringEntry(key, h, value, expire_ms, enc);
  InitAccess(e, use_lfu_);
  if (old) {
    t.Replace(old, e);
    FreeEntry(old);
  } else {
    t.Insert(e);
    total_keys_++;
  }
  return e;
}

Entry* Keyspace::SetInt(Entry* e, int64_t v) {
  if (e->storage == Storage::kInt) {
    e->set_int_in_place(v);
    return e;
  }
  Entry* n = NewIntEntry(e->key(), e->hash, v, e->expire_ms());
  n->lru = e->lru;
  slots_[static_cast<size_t>(SlotOf(e->key(), e->hash))].Replace(e, n);
  FreeEntry(e);
  return n;
}

Entry* Keyspace::ReplaceString(Entry* e, std::string_view value, StrEnc enc) {
  if (e->storage == Storage::kPtr && e->type == ObjType::kString && value.size() > kEmbedMax) {
    static_cast<StringValue*>(e->ptr())->str().assign(value);
    if (enc == StrEnc::kRaw) e->flags |= Entry::kRawEncoding;
    return e;
  }
  Entry* n = NewStringEntry(e->key(), e->hash, value, e->expire_ms(), enc);
  n->lru = e->lru;
  slots_[static_cast<size_t>(SlotOf(e->key(), e->hash))].Replace(e, n);
  FreeEntry(e);
  return n;
}

Entry* Keyspace::AddValue(std::string_view key, ObjType type, std::unique_ptr<Value> v,
                          int64_t expire_ms) {
  uint32_t h = HashKey(key);
  int slot = SlotOf(key, h);
  Entry* e = NewPtrEntry(key, h, type, v.release(), expire_ms);
  InitAccess(e, use_lfu_);
  slots_[static_cast<size_t>(slot)].Insert(e);
  total_keys_++;
  return e;
}

bool Keyspace::Delete(std::string_view key) {
  uint32_t h = HashKey(key);
  int slot = SlotOf(key, h);
  Entry* e = FindRaw(key, slot, h);
  if (!e) return false;
  bool expired = IsExpired(e) && !replica_mode_;
  RemoveFromTable(e, slot);
  return !expired;
}

void Keyspace::DeleteEntry(Entry* e) { RemoveFromTable(e, SlotOf(e->key(), e->hash)); }

Entry* Keyspace::SetExpire(Entry* e, int64_t ms) {
  if (ms >= 0 && e->has_expire()) {
    e->set_expire_in_place(ms);
    return e;
  }
  if (ms < 0 && !e->has_expire()) return e;
  // Reallocate with/without the expire field.
  Entry* n = MoveValueToNewEntry(e, e->key(), e->hash, ms);
  slots_[static_cast<size_t>(SlotOf(e->key(), e->hash))].Replace(e, n);
  ::operator delete(e);  // the value (if a pointer) now belongs to n
  return n;
}

Entry* Keyspace::Rename(Entry* e, std::string_view new_key, bool keep_ttl) {
  int64_t exp = keep_ttl ? e->expire_ms() : -1;
  uint32_t new_hash = HashKey(new_key);
  int new_slot = SlotOf(new_key, new_hash);
  Entry* n = MoveValueToNewEntry(e, new_key, new_hash, exp);
  slots_[static_cast<size_t>(SlotOf(e->key(), e->hash))].Unlink(e);
  ::operator delete(e);
  slots_[static_cast<size_t>(new_slot)].Insert(n);
  return n;
}

Entry* Keyspace::CopyTo(const Entry* e, std::string_view new_key,
                        std::unique_ptr<Value> copied_value) {
  int64_t exp = e->expire_ms();
  uint32_t h = HashKey(new_key);
  int slot = SlotOf(new_key, h);
  Entry* n;
  if (e->type == ObjType::kString) {
    char buf[24];
    n = NewStringEntry(new_key, h, StringOf(e, buf), exp,
                       (e->flags & Entry::kRawEncoding) ? StrEnc::kRaw
                       : e->is_int()                    ? StrEnc::kAuto
                                                        : StrEnc::kEmbStr);
  } else {
    n = NewPtrEntry(new_key, h, e->type, copied_value.release(), exp);
  }
  n->lru = e->lru;
  slots_[static_cast<size_t>(slot)].Insert(n);
  total_keys_++;
  return n;
}

void Keyspace::Flush() {
  for (auto& t : slots_) t.Clear();
  total_keys_ = 0;
}

size_t Keyspace::FlushSlot(int slot) {
  SlotTable& t = slots_[static_cast<size_t>(slot)];
  size_t n = t.size();
  t.Clear();
  total_keys_ -= n;
  return n;
}

size_t Keyspace::volatile_count() const {
  size_t n = 0;
  for (auto& t : slots_) n += t.volatile_count();
  return n;
}

std::vector<std::string> Keyspace::KeysInSlot(int slot, size_t max) const {
  std::vector<std::string> out;
  slots_[static_cast<size_t>(slot)].ForEach([&](Entry* e) {
    if (out.size() < max) out.emplace_back(e->key());
  });
  return out;
}

uint64_t Keyspace::Scan(uint64_t cursor, size_t count, const std::function<void(Entry*)>& fn) {
  size_t slot = cursor & 0x3FFF;
  uint64_t bc = cursor >> 14;
  size_t visited_buckets = 0;
  size_t budget = count < 1 ? 1 : count;
  while (slot < slots_.size()) {
    SlotTable& t = slots_[slot];
    if (t.size() == 0) {
      slot++;
      bc = 0;
      continue;
    }
    do {
      bc = t.Scan(bc, fn);
      visited_buckets++;
    } while (bc != 0 && visited_buckets < budget);
    if (bc == 0) {
      slot++;
    }
    if (visited_buckets >= budget) break;
  }
  if (slot >= slots_.size()) return 0;
  return (bc << 14) | slot;
}

void Keyspace::ForEachLive(const std::function<void(Entry*)>& fn) const {
  int64_t now = base::UnixMs();
  for (auto& t : slots_) {
    if (!t.size()) continue;
    t.ForEach([&](Entry* e) {
      if (e->has_expire() && e->expire_ms() <= now) return;
      fn(e);
    });
  }
}

Entry* Keyspace::RandomKey() {
  if (total_keys_ == 0) return nullptr;
  for (int tries = 0; tries < 100; tries++) {
    Entry* e = nullptr;
    // Random non-empty slot: probe randomly, then scan forward.
    size_t start = NextRandom() & 0x3FFF;
    for (size_t i = 0; i < slots_.size(); i++) {
      auto& t = slots_[(start + i) & 0x3FFF];
      if (t.size()) {
        e = t.Random(NextRandom());
        break;
      }
    }
    if (!e) return nullptr;
    if (!IsExpired(e)) return e;
    if (replica_mode_) return e;  // Redis returns it on replicas after many tries
    ExpireIfNeeded(e, SlotOf(e->key(), e->hash));
    if (total_keys_ == 0) return nullptr;
  }
  return nullptr;
}

size_t Keyspace::MemoryOverhead() const {
  size_t n = sizeof(*this);
  for (auto& t : slots_) n += t.MemoryOverhead();
  return n;
}

size_t Keyspace::ActiveExpireCycle(int64_t budget_us) {
  if (replica_mode_) return 0;
  int64_t deadline = base::MonoUs() + budget_us;
  size_t removed = 0;
  int slots_seen = 0;
  int64_t now = base::UnixMs();
  std::vector<Entry*> victims;
  while (slots_seen <= base::kClusterSlots) {
    SlotTable& t = slots_[static_cast<size_t>(expire_slot_)];
    if (t.volatile_count() == 0) {
      expire_slot_ = (expire_slot_ + 1) & 0x3FFF;
      expire_cursor_ = 0;
      slots_seen++;
      continue;
    }
    for (int i = 0; i < 16; i++) {
      expire_cursor_ = t.Scan(expire_cursor_, [&](Entry* e) {
        if (e->has_expire() && e->expire_ms() <= now) victims.push_back(e);
      });
      if (expire_cursor_ == 0) break;
    }
    for (Entry* e : victims) {
      std::string key(e->key());
      RemoveFromTable(e, expire_slot_);
      stats_->expired_keys++;
      removed++;
      if (on_deleted_) on_deleted_(key, DeleteReason::kExpired);
    }
    victims.clear();
    if (expire_cursor_ == 0) {
      expire_slot_ = (expire_slot_ + 1) & 0x3FFF;
      slots_seen++;
    }
    if (base::MonoUs() >= deadline) break;
  }
  return removed;
}

bool Keyspace::EvictOne(EvictionPolicy policy, int samples) {
  bool volatile_only =
      policy == EvictionPolicy::kVolatileLru || policy == EvictionPolicy::kVolatileLfu ||
      policy == EvictionPolicy::kVolatileRandom || policy == EvictionPolicy::kVolatileTtl;
  Entry* best = nullptr;
  int64_t best_score = INT64_MIN;
  int found = 0;
  for (int attempt = 0; attempt < samples * 8 && found < samples; attempt++) {
    size_t start = NextRandom() & 0x3FFF;
    Entry* e = nullptr;
    for (size_t i = 0; i < slots_.size(); i++) {
      auto& t = slots_[(start + i) & 0x3FFF];
      if (volatile_only ? t.volatile_count() == 0 : t.size() == 0) continue;
      e = t.Random(NextRandom());
      break;
    }
    if (!e) return false;
    if (volatile_only && !e->has_expire()) continue;
    found++;
    int64_t score;
    switch (policy) {
      case EvictionPolicy::kAllKeysLru:
      case EvictionPolicy::kVolatileLru:
        score = IdleSeconds(e);
        break;
      case EvictionPolicy::kAllKeysLfu:
      case EvictionPolicy::kVolatileLfu:
        score = 255 - LfuCount(e);
        break;
      case EvictionPolicy::kVolatileTtl:
        score = -e->expire_ms();
        break;
      default:
        score = 0;
        break;
    }
    if (!best || score > best_score) {
      best = e;
      best_score = score;
    }
    if (policy == EvictionPolicy::kAllKeysRandom || policy == EvictionPolicy::kVolatileRandom)
      break;
  }
  if (!best) return false;
  std::string key(best->key());
  DeleteEntry(best);
  stats_->evicted_keys++;
  if (on_deleted_) on_deleted_(key, DeleteReason::kEvicted);
  return true;
}

bool Keyspace::EvictIfNeeded(size_t maxmemory, EvictionPolicy policy, int samples) {
  if (maxmemory == 0) return true;
  if (base::UsedMemory() <= maxmemory) return true;
  if (policy == EvictionPolicy::kNoEviction) return false;
  int guard = 0;
  while (base::UsedMemory() > maxmemory) {
    if (!EvictOne(policy, samples)) return false;
    if (++guard > 100000) break;
  }
  return base::UsedMemory() <= maxmemory;
}

}  // namespace node::db
