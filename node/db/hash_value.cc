// node/db/hash_value.cc
//
// HashValue: see hash_value.h. Engine thread only.

#include "node/db/hash_value.h"

namespace node::db {

std::unique_ptr<HashValue> HashValue::FromPairs(std::vector<Pair> pairs, const HashLimits& limits) {
  auto h = std::make_unique<HashValue>();
  for (auto& p : pairs) h->Set(p.first, p.second, limits);
  return h;
}

const std::string* HashValue::Get(std::string_view field) const {
  if (listpack_) {
    for (const auto& p : lp_) {
      if (p.first == field) return &p.second;
    }
    return nullptr;
  }
  auto it = ht_.find(field);
  return it == ht_.end() ? nullptr : &it->second;
}

bool HashValue::Set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (listpack_ &&
      (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value)) {
    ConvertToHashtable();
  }
  if (listpack_) {
    for (auto& p : lp_) {
      if (p.first == field) {
        bytes_ = bytes_ - p.second.size() + value.size();
        p.second.assign(value);
        return false;
      }
    }
    lp_.emplace_back(std::string(field), std::string(value));
    bytes_ += field.size() + value.size();
    if (lp_.size() > limits.max_listpack_entries) ConvertToHashtable();
    return true;
  }
  auto it = ht_.find(field);
  if (it != ht_.end()) {
    bytes_ = bytes_ - it->second.size() + value.size();
    it->second.assign(value);
    return false;
  }
  ht_.emplace(std::string(field), std::string(value));
  bytes_ += field.size() + value.size();
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (listpack_) {
    for (auto it = lp_.begin(); it != lp_.end(); ++it) {
      if (it->first == field) {
        bytes_ -= it->first.size() + it->second.size();
        lp_.erase(it);
        return true;
      }
    }
    return false;
  }
  auto it = ht_.find(field);
  if (it == ht_.end()) return false;
  bytes_ -= it->first.size() + it->second.size();
  ht_.erase(it);
  return true;
}

void HashValue::ConvertToHashtable() {
  if (!listpack_) return;
  ht_.reserve(lp_.size());
  for (auto& p : lp_) ht_.emplace(std::move(p.first), std::move(p.second));
  lp_.clear();
  lp_.shrink_to_fit();
  listpack_ = false;
}

std::vector<HashValue::Pair> HashValue::Pairs() const {
  std::vector<Pair> out;
  out.reserve(size());
  ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

std::pair<std::string_view, std::string_view> HashValue::Random(std::mt19937_64& rng) const {
  if (listpack_) {
    const auto& p = lp_[rng() % lp_.size()];
    return {p.first, p.second};
  }
  size_t nb = ht_.bucket_count();
  for (;;) {
    size_t b = rng() % nb;
    size_t n = ht_.bucket_size(b);
    if (n == 0) continue;
    auto it = ht_.begin(b);
    for (size_t skip = rng() % n; skip > 0; skip--) ++it;
    return {it->first, it->second};
  }
}

uint64_t HashValue::Scan(uint64_t cursor, size_t count,
                         const std::function<void(std::string_view, std::string_view)>& fn) const {
  if (listpack_) {
    ForEach(fn);
    return 0;
  }
  size_t nb = ht_.bucket_count();
  size_t visited = 0;
  uint64_t b = cursor;
  while (b < nb) {
    for (auto it = ht_.begin(b); it != ht_.end(b); ++it) {
      fn(it->first, it->second);
      visited++;
    }
    b++;
    if (visited >= count) break;
  }
  return b >= nb ? 0 : b;
}

size_t HashValue::MemoryUsage() const {
  // O(1) estimate: containers, their per-element overhead and the bytes.
  if (listpack_) return sizeof(*this) + lp_.capacity() * sizeof(Pair) + bytes_;
  return sizeof(*this) + ht_.bucket_count() * sizeof(void*) +
         ht_.size() * (sizeof(Pair) + 2 * sizeof(void*)) + bytes_;
}

std::unique_ptr<Value> HashValue::Clone() const {
  auto h = std::make_unique<HashValue>();
  h->lp_ = lp_;
  h->ht_ = ht_;
  h->listpack_ = listpack_;
  h->bytes_ = bytes_;
  return h;
}

}  // namespace node::db
