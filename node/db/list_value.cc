// node/db/list_value.cc
//
// ListValue: see list_value.h. Engine thread only.

#include "node/db/list_value.h"

#include <algorithm>

namespace node::db {

std::unique_ptr<ListValue> ListValue::FromItems(std::vector<std::string> items) {
  auto l = std::make_unique<ListValue>();
  for (auto& s : items) {
    l->bytes_ += s.size();
    l->items_.push_back(std::move(s));
  }
  return l;
}

void ListValue::Set(size_t i, std::string_view v) {
  bytes_ -= items_[i].size();
  items_[i].assign(v);
  bytes_ += v.size();
}

void ListValue::PushFront(std::string_view v) {
  items_.emplace_front(v);
  bytes_ += v.size();
}

void ListValue::PushBack(std::string_view v) {
  items_.emplace_back(v);
  bytes_ += v.size();
}

std::string ListValue::PopFront() {
  std::string s = std::move(items_.front());
  items_.pop_front();
  bytes_ -= s.size();
  return s;
}

std::string ListValue::PopBack() {
  std::string s = std::move(items_.back());
  items_.pop_back();
  bytes_ -= s.size();
  return s;
}

void ListValue::Insert(size_t i, std::string_view v) {
  items_.emplace(items_.begin() + static_cast<std::ptrdiff_t>(i), v);
  bytes_ += v.size();
}

size_t ListValue::Remove(std::string_view v, int64_t count) {
  size_t removed = 0;
  size_t limit = items_.size();
  if (count > 0) limit = static_cast<size_t>(count);
  if (count < 0) limit = static_cast<size_t>(-(count + 1)) + 1;  // |INT64_MIN| safe
  if (count >= 0) {
    auto out = items_.begin();
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (removed < limit && *it == v) {
        removed++;
        bytes_ -= it->size();
        continue;
      }
      if (out != it) *out = std::move(*it);
      ++out;
    }
    items_.erase(out, items_.end());
  } else {
    auto out = items_.rbegin();
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
      if (removed < limit && *it == v) {
        removed++;
        bytes_ -= it->size();
        continue;
      }
      if (out != it) *out = std::move(*it);
      ++out;
    }
    items_.erase(items_.begin(), out.base());
  }
  return removed;
}

void ListValue::Keep(size_t start, size_t n) {
  start = std::min(start, items_.size());
  n = std::min(n, items_.size() - start);
  for (size_t i = 0; i < start; i++) bytes_ -= items_[i].size();
  for (size_t i = start + n; i < items_.size(); i++) bytes_ -= items_[i].size();
  items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(start + n), items_.end());
  items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(start));
}

size_t ListValue::MemoryUsage() const {
  // O(1) estimate: element objects plus their bytes.
  return sizeof(*this) + items_.size() * sizeof(std::string) + bytes_;
}

std::unique_ptr<Value> ListValue::Clone() const {
  auto l = std::make_unique<ListValue>();
  l->items_ = items_;
  l->bytes_ = bytes_;
  return l;
}

}  // namespace node::db
