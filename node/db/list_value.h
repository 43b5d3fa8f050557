// node/db/list_value.h
//
// The value of a list key: a deque of strings (O(1) push/pop at both ends and
// O(1) LINDEX/LSET). Redis 7.0 reports every list as "quicklist", so there is
// no encoding conversion. Used by the list commands (node/commands/lists.cc)
// and, through Items()/FromItems(), by the RDB/DUMP codec. Engine thread only.
//
// Invariant: bytes_ is the sum of the sizes of the stored strings (kept for
// MEMORY USAGE without a walk). A list key is never left empty by the
// commands: they delete the key when the last element goes.

#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "node/db/entry.h"

namespace node::db {

class ListValue final : public Value {
 public:
  ListValue() = default;
  // Builds a list holding `items` in order (RDB loading, tests).
  static std::unique_ptr<ListValue> FromItems(std::vector<std::string> items);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  // Element i (0 = head); i < size().
  const std::string& at(size_t i) const { return items_[i]; }
  void Set(size_t i, std::string_view v);

  void PushFront(std::string_view v);
  void PushBack(std::string_view v);
  // Pop from a non-empty list.
  std::string PopFront();
  std::string PopBack();
  // Inserts v so that it becomes element i (i <= size()).
  void Insert(size_t i, std::string_view v);
  // LREM: removes up to |count| elements equal to v, from the head when
  // count > 0, from the tail when count < 0, all when count == 0.
  size_t Remove(std::string_view v, int64_t count);
  // Keeps only elements [start, start + n); n == 0 empties the list.
  void Keep(size_t start, size_t n);

  // Visits every element, head to tail (Redis order).
  template <typename F>
  void ForEach(F&& fn) const {
    for (const auto& s : items_) fn(std::string_view(s));
  }
  // Copy of the elements, head to tail (RDB writer).
  std::vector<std::string> Items() const { return {items_.begin(), items_.end()}; }

  size_t MemoryUsage() const override;
  const char* EncodingName() const override { return "quicklist"; }
  std::unique_ptr<Value> Clone() const override;

 private:
  std::deque<std::string> items_;
  size_t bytes_ = 0;
};

}  // namespace node::db
