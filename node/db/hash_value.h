// node/db/hash_value.h
//
// The value of a hash key, in Redis 7.0's two encodings: "listpack" (a
// vector of field/value pairs in insertion order, searched linearly, while the
// hash is small) and "hashtable" (an unordered map). The conversion is one
// way, at the same points as Redis: a field or value longer than
// hash-max-listpack-value, or more than hash-max-listpack-entries fields.
// Used by the hash commands (node/commands/hashes.cc) and, through Pairs() /
// FromPairs(), by the RDB/DUMP codec. Engine thread only.
//
// Invariant: bytes_ is the sum of the sizes of all fields and values.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "node/db/entry.h"

namespace node::db {

// hash-max-listpack-entries / hash-max-listpack-value.
struct HashLimits {
  size_t max_listpack_entries = 512;
  size_t max_listpack_value = 64;
};

class HashValue final : public Value {
 public:
  using Pair = std::pair<std::string, std::string>;

  HashValue() = default;
  // Builds a hash from pairs in order (RDB loading, tests); the encoding is
  // chosen from `limits` as Redis would after inserting them one by one.
  static std::unique_ptr<HashValue> FromPairs(std::vector<Pair> pairs, const HashLimits& limits);

  size_t size() const { return listpack_ ? lp_.size() : ht_.size(); }
  bool empty() const { return size() == 0; }
  bool is_listpack() const { return listpack_; }

  // The value of a field, or nullptr.
  const std::string* Get(std::string_view field) const;
  // Sets a field (converting the encoding first when needed); true when the
  // field is new.
  bool Set(std::string_view field, std::string_view value, const HashLimits& limits);
  // Removes a field; true when it existed.
  bool Delete(std::string_view field);
  void ConvertToHashtable();

  // Visits every pair: insertion order for listpack, table order otherwise
  // (the order Redis's HGETALL has, for listpack hashes).
  template <typename F>
  void ForEach(F&& fn) const {
    if (listpack_) {
      for (const auto& p : lp_) fn(std::string_view(p.first), std::string_view(p.second));
    } else {
      for (const auto& p : ht_) fn(std::string_view(p.first), std::string_view(p.second));
    }
  }
  // Copy of all pairs in ForEach order (RDB writer).
  std::vector<Pair> Pairs() const;

  // A random pair of a non-empty hash.
  std::pair<std::string_view, std::string_view> Random(std::mt19937_64& rng) const;
  // HSCAN step: visits the pairs of buckets from `cursor` on until at least
  // `count` pairs were visited; returns the next cursor (0: done). A listpack
  // hash is visited whole in one call whatever the cursor (as Redis does).
  uint64_t Scan(uint64_t cursor, size_t count,
                const std::function<void(std::string_view, std::string_view)>& fn) const;

  size_t MemoryUsage() const override;
  const char* EncodingName() const override { return listpack_ ? "listpack" : "hashtable"; }
  std::unique_ptr<Value> Clone() const override;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, std::string, Hash, std::equal_to<>>;

  std::vector<Pair> lp_;
  Table ht_;
  bool listpack_ = true;
  size_t bytes_ = 0;
};

}  // namespace node::db
