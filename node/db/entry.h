// node/db/entry.h
//
// One key and its value in a single heap block (key, optional expire time and
// small string values are stored inline), chained in a SlotTable bucket.
// Entries are owned by their SlotTable; a pointer to one is valid only until
// the next write to the keyspace (a write may reallocate the entry). Engine
// thread only.
//
// Layout: [Entry header][int64 expire_ms if kHasExpire][key bytes][value]
// where value is: kEmbedded -> uint32 len + bytes; kInt -> int64;
// kPtr -> Value* (containers and large strings).

#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace node::db {

// Numbering as Redis's OBJ_* so that TYPE/RDB code can use it directly.
enum class ObjType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 6
};

// How the value is stored here (not what OBJECT ENCODING reports).
enum class Storage : uint8_t { kEmbedded = 0, kInt = 1, kPtr = 2 };

// A heap value: containers, and strings too large to embed.
class Value {
 public:
  virtual ~Value() = default;
  virtual size_t MemoryUsage() const = 0;
  // OBJECT ENCODING name as Redis would report it for this value.
  virtual const char* EncodingName() const = 0;
  // A deep copy (COPY command).
  virtual std::unique_ptr<Value> Clone() const = 0;
};

class StringValue final : public Value {
 public:
  explicit StringValue(std::string s) : s_(std::move(s)) {}
  std::string& str() { return s_; }
  size_t MemoryUsage() const override { return sizeof(*this) + s_.capacity(); }
  const char* EncodingName() const override { return "raw"; }
  std::unique_ptr<Value> Clone() const override { return std::make_unique<StringValue>(s_); }

 private:
  std::string s_;
};

struct Entry {
  static constexpr uint8_t kHasExpire = 1;
  static constexpr uint8_t kRawEncoding = 2;  // string reported as "raw" (APPEND, SETRANGE, > 44)

  Entry* next;
  uint32_t hash;
  uint32_t key_len;
  ObjType type;
  Storage storage;
  uint8_t flags;
  uint8_t reserved;
  uint32_t lru;  // LRU clock (seconds, 24 bits) or LFU (16-bit minutes << 8 | counter)

  bool has_expire() const { return flags & kHasExpire; }
  int64_t expire_ms() const {
    if (!has_expire()) return -1;
    int64_t v;
    memcpy(&v, body(), sizeof(v));
    return v;
  }
  // Only valid when has_expire(); the caller keeps the keyspace's counters.
  void set_expire_in_place(int64_t ms) { memcpy(body(), &ms, sizeof(ms)); }

  std::string_view key() const { return {key_ptr(), key_len}; }

  // String values (type == kString).
  bool is_int() const { return storage == Storage::kInt; }
  int64_t int_value() const {
    int64_t v;
    memcpy(&v, value_ptr(), sizeof(v));
    return v;
  }
  void set_int_in_place(int64_t v) { memcpy(value_ptr(), &v, sizeof(v)); }
  // Embedded string bytes (storage == kEmbedded).
  std::string_view embedded() const {
    uint32_t n;
    memcpy(&n, value_ptr(), sizeof(n));
    return {value_ptr() + sizeof(n), n};
  }
  Value* ptr() const {
    Value* v;
    memcpy(&v, value_ptr(), sizeof(v));
    return v;
  }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr());
  }

  // Helpers for layout.
  char* body() { return reinterpret_cast<char*>(this + 1); }
  const char* body() const { return reinterpret_cast<const char*>(this + 1); }
  const char* key_ptr() const { return body() + (has_expire() ? 8 : 0); }
  char* key_ptr() { return body() + (has_expire() ? 8 : 0); }
  const char* value_ptr() const { return key_ptr() + key_len; }
  char* value_ptr() { return key_ptr() + key_len; }
};
static_assert(sizeof(Entry) == 24);

// Renders a string entry's value: embedded bytes, a large string, or an
// integer formatted into `buf` (at least 24 bytes).
std::string_view StringOf(const Entry* e, char* buf);

// Bytes this entry and its value use (MEMORY USAGE, eviction accounting).
size_t EntryMemoryUsage(const Entry* e);

}  // namespace node::db
