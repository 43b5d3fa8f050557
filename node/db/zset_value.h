// node/db/zset_value.h
//
// The value of a Redis sorted set key: a skiplist with spans (O(log n) insert,
// delete, rank and rank lookup) ordered by (score, member bytes), plus a hash
// map member -> node. Owned by its keyspace Entry; engine thread only. Called
// by node/commands/zsets.cc and by the RDB codec.
//
// Encoding (OBJECT ENCODING, RDB type) follows Redis 7.0: "listpack" while
// size <= zset-max-listpack-entries and every member is at most
// zset-max-listpack-value bytes, "skiplist" after that; one-way, except that
// sets built from scratch (FromSorted for the *STORE commands and RDB load)
// get the encoding that fits. Redis order is ascending (score, member).

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "node/db/entry.h"

namespace node::db {

// A score interval; *ex: the bound is exclusive.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

// A member interval for BYLEX ranges: "-" / "+" are neg_inf / pos_inf.
struct LexRange {
  std::string min, max;
  bool minex = false, maxex = false;
  bool min_neg_inf = false, min_pos_inf = false;
  bool max_neg_inf = false, max_pos_inf = false;
};

class ZSetValue final : public Value {
 public:
  struct Node;
  struct Level {
    Node* forward;
    size_t span;
  };
  struct Node {
    std::string member;
    double score;
    Node* backward;
    int height;
    Level level[1];  // really `height` entries
  };

  // ZADD in/out flags (Redis's ZADD_IN_* / ZADD_OUT_*).
  static constexpr int kNx = 1, kXx = 2, kGt = 4, kLt = 8, kIncr = 16;
  static constexpr int kOutAdded = 1, kOutUpdated = 2, kOutNop = 4;

  explicit ZSetValue(bool listpack = true);
  ~ZSetValue() override;
  ZSetValue(const ZSetValue&) = delete;
  ZSetValue& operator=(const ZSetValue&) = delete;

  // Builds a zset from (member, score) pairs (a member repeated: last wins),
  // with the encoding that fits the limits.
  static std::unique_ptr<ZSetValue> FromPairs(
      const std::vector<std::pair<std::string, double>>& items, size_t max_entries,
      size_t max_value);

  // Redis's zsetAdd: false when the resulting score would be NaN (nothing
  // changed). newscore receives the resulting score when not a no-op.
  bool Add(double score, std::string_view member, int in_flags, int* out_flags, double* newscore,
           size_t max_entries, size_t max_value);
  bool Remove(std::string_view member);
  std::optional<double> Score(std::string_view member) const;
  // 0-based rank, or -1 when not a member.
  int64_t Rank(std::string_view member, bool reverse) const;

  size_t size() const { return length_; }
  bool empty() const { return length_ == 0; }
  bool is_listpack() const { return listpack_; }
  // Makes the encoding "skiplist" (one-way).
  void ConvertToSkiplist() { listpack_ = false; }

  // Navigation (nodes are valid until the next write).
  const Node* First() const { return head_->level[0].forward; }
  const Node* Last() const { return tail_; }
  static const Node* Next(const Node* n) { return n->level[0].forward; }
  static const Node* Prev(const Node* n) { return n->backward; }
  // 0-based rank -> node (nullptr when out of range).
  const Node* ByRank(size_t rank) const;
  const Node* FirstInRange(const ScoreRange& r) const;
  const Node* LastInRange(const ScoreRange& r) const;
  const Node* FirstInLexRange(const LexRange& r) const;
  const Node* LastInLexRange(const LexRange& r) const;

  static bool ValueGteMin(double v, const ScoreRange& r) {
    return r.minex ? v > r.min : v >= r.min;
  }
  static bool ValueLteMax(double v, const ScoreRange& r) {
    return r.maxex ? v < r.max : v <= r.max;
  }
  static bool LexGteMin(std::string_view s, const LexRange& r);
  static bool LexLteMax(std::string_view s, const LexRange& r);

  // Removes ranks [start, end] (0-based, inclusive, valid); returns how many.
  size_t RemoveRangeByRank(size_t start, size_t end);
  size_t RemoveRangeByScore(const ScoreRange& r);
  size_t RemoveRangeByLex(const LexRange& r);

  // Every (member, score) in Redis order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Node* n = First(); n; n = Next(n)) fn(std::string_view(n->member), n->score);
  }

  // ZSCAN: listpacks are returned whole (cursor 0); skiplists by rank from
  // `cursor`, up to `count` members.
  uint64_t Scan(uint64_t cursor, size_t count,
                std::vector<std::pair<std::string_view, double>>* out) const;

  size_t MemoryUsage() const override;
  const char* EncodingName() const override { return listpack_ ? "listpack" : "skiplist"; }
  std::unique_ptr<Value> Clone() const override;

 private:
  static constexpr int kMaxLevel = 32;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  static Node* NewNode(int height, double score, std::string_view member);
  static void FreeNode(Node* n);
  static bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
    return s1 < s2 || (s1 == s2 && m1 < m2);
  }
  int RandomLevel();
  Node* Insert(double score, std::string_view member);
  void Unlink(Node* x, Node** update);
  // Removes the node with this exact (score, member).
  void DeleteNode(double score, std::string_view member);
  bool IsInRange(const ScoreRange& r) const;
  bool IsInLexRange(const LexRange& r) const;

  Node* head_;
  Node* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  uint64_t rng_ = 0x2545F4914F6CDD1Dull;
  bool listpack_;
  size_t member_bytes_ = 0;
  std::unordered_map<std::string_view, Node*, Hash, Eq> dict_;  // keys view Node::member
};

}  // namespace node::db
