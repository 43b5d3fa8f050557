// node/pubsub/registry.cc -- see registry.h.

#include "node/pubsub/registry.h"

#include <algorithm>

#include "node/base/strings.h"

namespace node::pubsub {

bool Registry::Subscribe(Kind kind, SubscriberId id, std::string_view name) {
  Subscriber& sub = subscribers_[id];
  NameSet& set = sub.kinds[Index(kind)];
  if (set.index.count(name)) return false;
  set.order.emplace_back(name);
  auto it = std::prev(set.order.end());
  set.index.emplace(std::string_view(*it), it);
  by_name_[Index(kind)][std::string(name)].push_back(id);
  return true;
}

bool Registry::Unsubscribe(Kind kind, SubscriberId id, std::string_view name) {
  auto sit = subscribers_.find(id);
  if (sit == subscribers_.end()) return false;
  NameSet& set = sit->second.kinds[Index(kind)];
  auto it = set.index.find(name);
  if (it == set.index.end()) return false;
  auto& names = by_name_[Index(kind)];
  auto nit = names.find(std::string(name));
  if (nit != names.end()) {
    auto& ids = nit->second;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty()) names.erase(nit);
  }
  auto lit = it->second;
  set.index.erase(it);
  set.order.erase(lit);
  if (sit->second.empty()) subscribers_.erase(sit);
  return true;
}

std::vector<std::string> Registry::NamesOf(Kind kind, SubscriberId id) const {
  auto sit = subscribers_.find(id);
  if (sit == subscribers_.end()) return {};
  const auto& order = sit->second.kinds[Index(kind)].order;
  return {order.begin(), order.end()};
}

size_t Registry::CountOf(Kind kind, SubscriberId id) const {
  auto sit = subscribers_.find(id);
  return sit == subscribers_.end() ? 0 : sit->second.kinds[Index(kind)].order.size();
}

void Registry::RemoveAll(SubscriberId id) {
  for (Kind k : {Kind::kChannel, Kind::kPattern, Kind::kShard}) {
    for (const std::string& name : NamesOf(k, id)) Unsubscribe(k, id, name);
  }
  subscribers_.erase(id);
}

size_t Registry::Publish(Kind kind, std::string_view channel, const Deliver& deliver) const {
  size_t receivers = 0;
  const auto& names = by_name_[Index(kind)];
  auto it = names.find(std::string(channel));
  if (it != names.end()) {
    // Copy: a delivery may end in a disconnect that edits the list.
    std::vector<SubscriberId> ids = it->second;
    for (SubscriberId id : ids) {
      deliver(id, kind, {});
      receivers++;
    }
  }
  if (kind != Kind::kChannel) return receivers;
  std::vector<std::pair<std::string, std::vector<SubscriberId>>> matched;
  for (const auto& [pattern, ids] : by_name_[Index(Kind::kPattern)]) {
    if (base::GlobMatch(pattern, channel)) matched.emplace_back(pattern, ids);
  }
  for (const auto& [pattern, ids] : matched) {
    for (SubscriberId id : ids) {
      deliver(id, Kind::kPattern, pattern);
      receivers++;
    }
  }
  return receivers;
}

std::vector<std::string> Registry::Names(Kind kind, std::string_view glob) const {
  std::vector<std::string> out;
  for (const auto& [name, ids] : by_name_[Index(kind)]) {
    if (glob.empty() || base::GlobMatch(glob, name)) out.push_back(name);
  }
  return out;
}

size_t Registry::NumSubscribers(Kind kind, std::string_view name) const {
  const auto& names = by_name_[Index(kind)];
  auto it = names.find(std::string(name));
  return it == names.end() ? 0 : it->second.size();
}

std::vector<std::string> Registry::ShardNamesWhere(
    const std::function<bool(std::string_view)>& pred) const {
  std::vector<std::string> out;
  for (const auto& [name, ids] : by_name_[Index(Kind::kShard)]) {
    if (pred(name)) out.push_back(name);
  }
  return out;
}

std::vector<SubscriberId> Registry::SubscribersOf(Kind kind, std::string_view name) const {
  const auto& names = by_name_[Index(kind)];
  auto it = names.find(std::string(name));
  return it == names.end() ? std::vector<SubscriberId>{} : it->second;
}

}  // namespace node::pubsub
