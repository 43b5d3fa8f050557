// node/db/set_value.h
//
// The value of a Redis set key. Owned by its keyspace Entry; touched only on
// the engine thread. Called by node/commands/sets.cc (and, for SORT, ZUNION
// etc., by other families that read sets), and by the RDB codec.
//
// Representation: members live as keys of a hash map (stable nodes) and, for
// O(1) random picks, in a dense vector of pointers to those keys (removal
// swaps the last pointer into the hole).
//
// Encoding (OBJECT ENCODING, RDB type) follows Redis 7.0: "intset" while every
// member is a canonical integer (string2ll) and there are at most
// set-max-intset-entries of them, "hashtable" after that; the conversion is
// one-way, except that a set built from scratch (FromMembers, the *STORE
// commands, SPOP's rebuild) starts as an intset again.
//
// Redis order: an intset iterates in ascending integer order; a hashtable in
// this structure's own order (Redis's is unspecified too).

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/db/entry.h"

namespace node::db {

class SetValue final : public Value {
 public:
  // An empty set; starts as an intset when `first_member` (the member about
  // to be added) is an integer, as Redis's setTypeCreate.
  explicit SetValue(std::string_view first_member);
  SetValue() : intset_(true) {}

  // Builds a set from members (duplicates ignored) with the encoding Redis
  // would give a set built one member at a time (RDB load, *STORE).
  static std::unique_ptr<SetValue> FromMembers(const std::vector<std::string>& members,
                                               size_t max_intset_entries);

  // True when added (false: already a member). May convert to hashtable.
  bool Add(std::string_view member, size_t max_intset_entries);
  // True when removed.
  bool Remove(std::string_view member);
  bool Contains(std::string_view member) const { return index_.find(member) != index_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool is_intset() const { return intset_; }

  // Member number i (0 <= i < size()) in storage order; used for random picks.
  const std::string& At(size_t i) const { return *items_[i]; }

  // Every member in Redis order (see the file comment).
  std::vector<std::string_view> Members() const;
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (auto m : Members()) fn(m);
  }

  // SSCAN: appends up to `count` members from `cursor` on (storage order) and
  // returns the next cursor, 0 at the end. Intsets are returned whole.
  uint64_t Scan(uint64_t cursor, size_t count, std::vector<std::string_view>* out) const;

  size_t MemoryUsage() const override;
  const char* EncodingName() const override { return intset_ ? "intset" : "hashtable"; }
  std::unique_ptr<Value> Clone() const override;

  static bool IsIntMember(std::string_view m);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  std::unordered_map<std::string, uint32_t, Hash, Eq> index_;  // member -> position in items_
  std::vector<const std::string*> items_;                      // keys of index_ (node-stable)
  bool intset_;
};

}  // namespace node::db
