// node/db/set_value.cc
//
// SetValue: hash map + dense pointer vector, Redis 7.0 encoding rules. See
// set_value.h. Engine thread only.

#include "node/db/set_value.h"

#include <algorithm>

#include "node/base/strings.h"

namespace node::db {

bool SetValue::IsIntMember(std::string_view m) {
  return m.size() <= 20 && base::ParseInt64(m).has_value();
}

SetValue::SetValue(std::string_view first_member) : intset_(IsIntMember(first_member)) {}

std::unique_ptr<SetValue> SetValue::FromMembers(const std::vector<std::string>& members,
                                                size_t max_intset_entries) {
  auto s = std::make_unique<SetValue>();
  s->index_.reserve(members.size());
  s->items_.reserve(members.size());
  for (auto& m : members) s->Add(m, max_intset_entries);
  return s;
}

bool SetValue::Add(std::string_view member, size_t max_intset_entries) {
  if (index_.find(member) != index_.end()) return false;
  if (intset_ && (!IsIntMember(member) || items_.size() + 1 > max_intset_entries)) {
    intset_ = false;
  }
  auto [it, inserted] = index_.emplace(std::string(member), static_cast<uint32_t>(items_.size()));
  (void)inserted;
  items_.push_back(&it->first);
  return true;
}

bool SetValue::Remove(std::string_view member) {
  auto it = index_.find(member);
  if (it == index_.end()) return false;
  uint32_t pos = it->second;
  uint32_t last = static_cast<uint32_t>(items_.size() - 1);
  if (pos != last) {
    const std::string* moved = items_[last];
    items_[pos] = moved;
    index_.find(*moved)->second = pos;
  }
  items_.pop_back();
  index_.erase(it);
  return true;
}

std::vector<std::string_view> SetValue::Members() const {
  std::vector<std::string_view> out;
  out.reserve(items_.size());
  for (auto* p : items_) out.emplace_back(*p);
  if (intset_) {
    std::sort(out.begin(), out.end(), [](std::string_view a, std::string_view b) {
      return *base::ParseInt64(a) < *base::ParseInt64(b);
    });
  }
  return out;
}

uint64_t SetValue::Scan(uint64_t cursor, size_t count, std::vector<std::string_view>* out) const {
  if (intset_) {
    auto all = Members();
    out->insert(out->end(), all.begin(), all.end());
    return 0;
  }
  size_t i = static_cast<size_t>(std::min<uint64_t>(cursor, items_.size()));
  size_t end = std::min(items_.size(), i + std::max<size_t>(count, 1));
  for (; i < end; i++) out->emplace_back(*items_[i]);
  return i >= items_.size() ? 0 : i;
}

size_t SetValue::MemoryUsage() const {
  if (intset_) {
    // Redis's intset: 8-byte header + 2, 4 or 8 bytes per member.
    size_t width = 2;
    for (auto* p : items_) {
      int64_t v = *base::ParseInt64(*p);
      if (v < INT32_MIN || v > INT32_MAX) {
        width = 8;
      } else if ((v < INT16_MIN || v > INT16_MAX) && width < 4) {
        width = 4;
      }
    }
    return sizeof(*this) + 8 + width * items_.size();
  }
  size_t n =
      sizeof(*this) + index_.bucket_count() * sizeof(void*) + items_.capacity() * sizeof(void*);
  for (auto& [k, v] : index_) n += 48 + k.capacity();
  return n;
}

std::unique_ptr<Value> SetValue::Clone() const {
  auto s = std::make_unique<SetValue>();
  s->intset_ = intset_;
  s->index_.reserve(items_.size());
  s->items_.reserve(items_.size());
  for (auto* p : items_) {
    auto [it, ok] = s->index_.emplace(*p, static_cast<uint32_t>(s->items_.size()));
    (void)ok;
    s->items_.push_back(&it->first);
  }
  return s;
}

}  // namespace node::db
