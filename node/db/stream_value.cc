// node/db/stream_value.cc
//
// Stream entries in Redis-shaped nodes, trimming, and consumer-group
// bookkeeping (see stream_value.h). The listpack byte sizes follow the
// listpack encoding rules (integers take 1-9 bytes by range, strings that
// are canonical integers are stored as integers, each element carries a
// 1-5 byte back-length). Engine thread only.

#include "node/db/stream_value.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "node/base/strings.h"
#include "node/db/listpack_size.h"

namespace node::db {

namespace {

constexpr size_t kListpackMaxSize = size_t{1} << 30;

int64_t Diff(uint64_t a, uint64_t b) { return static_cast<int64_t>(a - b); }

void PutVarint(std::string& out, size_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string_view GetChunk(std::string_view data, size_t* pos) {
  size_t v = 0;
  int shift = 0;
  while (*pos < data.size()) {
    auto b = static_cast<uint8_t>(data[(*pos)++]);
    v |= static_cast<size_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  std::string_view out = data.substr(*pos, v);
  *pos += out.size();
  return out;
}

using RaxKey = std::array<uint8_t, 16>;

RaxKey EncodeKey(StreamID id) {
  RaxKey k;
  for (int i = 0; i < 8; ++i) {
    k[static_cast<size_t>(i)] = static_cast<uint8_t>(id.ms >> (56 - 8 * i));
    k[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(id.seq >> (56 - 8 * i));
  }
  return k;
}

// Nodes of a compressed radix tree holding keys[a, b) below a node at depth
// d (all keys share their first d bytes and there is a rax node there).
size_t RaxNodes(const std::vector<RaxKey>& keys, size_t a, size_t b, size_t d) {
  if (d == 16) return 1;
  size_t l = d;
  while (l < 16 && keys[a][l] == keys[b - 1][l]) ++l;
  if (l > d) return 1 + RaxNodes(keys, a, b, l);  // a compressed node
  size_t total = 1;                               // a branching node
  size_t i = a;
  while (i < b) {
    size_t j = i + 1;
    while (j < b && keys[j][d] == keys[i][d]) ++j;
    total += RaxNodes(keys, i, j, d + 1);
    i = j;
  }
  return total;
}

// Redis's string2ull: strict signed parse first, then strtoull's rules.
bool ParseULL(std::string_view s, uint64_t* out) {
  if (auto v = base::ParseInt64(s)) {
    if (*v < 0) return false;
    *out = static_cast<uint64_t>(*v);
    return true;
  }
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i >= s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    auto d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;  // ERANGE
    v = v * 10 + d;
  }
  *out = neg ? (~v + 1) : v;
  return true;
}

}  // namespace

// --- StreamID ------------------------------------------------------------------

std::string StreamID::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

bool ParseStreamID(std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  if (s.size() > 127) return false;
  if (auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  if (strict && (s == "-" || s == "+")) return false;
  if (seq_given) *seq_given = true;
  if (s == "-") {
    *id = kStreamMinID;
    return true;
  }
  if (s == "+") {
    *id = kStreamMaxID;
    return true;
  }
  uint64_t ms, seq;
  size_t dash = s.find('-');
  if (!ParseULL(s.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = s.substr(dash + 1);
    if (seq_given && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseULL(rest, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  id->ms = ms;
  id->seq = seq;
  return true;
}

// --- Groups --------------------------------------------------------------------

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers.find(std::string(name));
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time = now_ms;
  return it->second.get();
}

StreamConsumer* StreamGroup::TouchConsumer(std::string_view name, int64_t now_ms, bool* created) {
  StreamConsumer* c = FindConsumer(name);
  *created = c == nullptr;
  if (c) {
    c->seen_time = now_ms;
    return c;
  }
  return CreateConsumer(name, now_ms);
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(std::string(name));
  if (it == consumers.end()) return 0;
  size_t n = it->second->pel.size();
  for (const StreamID& id : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return n;
}

void StreamGroup::RemoveNack(std::map<StreamID, StreamNack>::iterator it) {
  if (it->second.consumer) it->second.consumer->pel.erase(it->first);
  pel.erase(it);
}

StreamGroup* StreamValue::FindGroup(std::string_view name) {
  auto it = groups_.find(std::string(name));
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* StreamValue::CreateGroup(std::string_view name, StreamID last_id,
                                      int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool StreamValue::DestroyGroup(std::string_view name) {
  return groups_.erase(std::string(name)) > 0;
}

// --- Entries -------------------------------------------------------------------

size_t StreamValue::Node::LpBytes() const {
  return bytes_without_counts + ListpackIntEntrySize(live) + ListpackIntEntrySize(deleted);
}

void StreamValue::Append(StreamID id, std::span<const std::string_view> fv,
                         const StreamNodeLimits& lim) {
  size_t n_fields = fv.size() / 2;
  size_t totelelen = 0;
  for (auto s : fv) totelelen += s.size();
  Node* node = nullptr;
  StreamID master;
  if (!nodes_.empty()) {
    auto last = std::prev(nodes_.end());
    size_t max_bytes = lim.max_bytes;
    if (max_bytes == 0 || max_bytes > kListpackMaxSize) max_bytes = kListpackMaxSize;
    Node& n = last->second;
    bool new_node = false;
    if (n.LpBytes() + totelelen >= max_bytes) {
      new_node = true;
    } else if (lim.max_entries && static_cast<int64_t>(n.live + n.deleted) >= lim.max_entries) {
      new_node = true;
    }
    if (!new_node) {
      node = &n;
      master = last->first;
    }
  }
  if (!node) {
    master = id;
    node = &nodes_[id];
    node->bytes_without_counts =
        7 + ListpackIntEntrySize(static_cast<int64_t>(n_fields)) + ListpackIntEntrySize(0);
    for (size_t i = 0; i < n_fields; ++i) {
      node->master_fields.emplace_back(fv[2 * i]);
      node->bytes_without_counts += ListpackEntrySize(fv[2 * i]);
    }
  }
  Item item;
  item.id = id;
  item.n_fields = static_cast<uint32_t>(n_fields);
  item.same_fields = node->master_fields.size() == n_fields;
  for (size_t i = 0; item.same_fields && i < n_fields; ++i) {
    if (node->master_fields[i] != fv[2 * i]) item.same_fields = false;
  }
  auto nf = static_cast<int64_t>(n_fields);
  size_t add = ListpackIntEntrySize(item.same_fields ? 2 : 0) +
               ListpackIntEntrySize(Diff(id.ms, master.ms)) +
               ListpackIntEntrySize(Diff(id.seq, master.seq)) +
               ListpackIntEntrySize(item.same_fields ? nf + 3 : 2 * nf + 4);
  if (!item.same_fields) add += ListpackIntEntrySize(nf);
  for (size_t i = 0; i < n_fields; ++i) {
    if (!item.same_fields) {
      add += ListpackEntrySize(fv[2 * i]);
      PutVarint(item.data, fv[2 * i].size());
      item.data.append(fv[2 * i]);
    }
    add += ListpackEntrySize(fv[2 * i + 1]);
    PutVarint(item.data, fv[2 * i + 1].size());
    item.data.append(fv[2 * i + 1]);
  }
  node->bytes_without_counts += add;
  node->live++;
  data_bytes_ += item.data.capacity();
  node->items.push_back(std::move(item));
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

StreamValue::NodeMap::const_iterator StreamValue::NodeFor(StreamID id) const {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return nodes_.end();
  return std::prev(it);
}

bool StreamValue::Exists(StreamID id) const {
  bool found = false;
  Scan(id, id, false, true, [&](const Node&, const Item&) {
    found = true;
    return false;
  });
  return found;
}

bool StreamValue::Delete(StreamID id) {
  const Node* node = nullptr;
  const Item* target = nullptr;
  Scan(id, id, false, true, [&](const Node& n, const Item& item) {
    node = &n;
    target = &item;
    return false;
  });
  if (!target) return false;
  // A node is keyed by the id of its first (master) entry.
  auto it = nodes_.find(node->items.front().id);
  if (it == nodes_.end()) return false;
  Node& n = it->second;
  Item& p = n.items[static_cast<size_t>(target - n.items.data())];
  --length_;
  if (n.live == 1) {
    for (auto& item : n.items) data_bytes_ -= item.data.capacity();
    nodes_.erase(it);
    return true;
  }
  p.deleted = true;
  data_bytes_ -= p.data.capacity();
  std::string().swap(p.data);
  n.live--;
  n.deleted++;
  return true;
}

void StreamValue::RecomputeFirst() {
  if (length_ == 0) {
    first_id_ = kStreamMinID;
  } else if (!FirstLive(&first_id_)) {
    first_id_ = kStreamMaxID;
  }
}

int64_t StreamValue::Trim(const StreamTrimArgs& args) {
  if (args.strategy == TrimStrategy::kNone) return 0;
  const bool by_len = args.strategy == TrimStrategy::kMaxLen;
  int64_t deleted = 0;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (by_len && length_ <= args.maxlen) break;
    Node& n = it->second;
    int64_t entries = n.live;
    if (args.limit && deleted + entries > args.limit) break;
    bool remove_node;
    if (by_len) {
      remove_node = length_ - static_cast<uint64_t>(entries) >= args.maxlen;
    } else {
      remove_node = n.items.back().id < args.minid;
    }
    if (remove_node) {
      for (auto& item : n.items) data_bytes_ -= item.data.capacity();
      length_ -= static_cast<uint64_t>(entries);
      deleted += entries;
      it = nodes_.erase(it);
      continue;
    }
    if (args.approx) break;
    int64_t from_node = 0;
    for (auto& item : n.items) {
      bool stop = by_len ? length_ <= args.maxlen : item.id >= args.minid;
      if (stop) break;
      if (!item.deleted) {
        item.deleted = true;
        data_bytes_ -= item.data.capacity();
        std::string().swap(item.data);
        ++from_node;
        --length_;
      }
    }
    n.live -= static_cast<uint32_t>(from_node);
    n.deleted += static_cast<uint32_t>(from_node);
    deleted += from_node;
    break;
  }
  RecomputeFirst();
  return deleted;
}

bool StreamValue::FirstLive(StreamID* id) const {
  bool found = false;
  Scan(kStreamMinID, kStreamMaxID, false, true, [&](const Node&, const Item& item) {
    *id = item.id;
    found = true;
    return false;
  });
  return found;
}

bool StreamValue::LastLive(StreamID* id) const {
  bool found = false;
  Scan(kStreamMinID, kStreamMaxID, true, true, [&](const Node&, const Item& item) {
    *id = item.id;
    found = true;
    return false;
  });
  return found;
}

StreamID StreamValue::FirstIncludingTombstones() const {
  StreamID out = kStreamMaxID;
  Scan(kStreamMinID, kStreamMaxID, false, false, [&](const Node&, const Item& item) {
    out = item.id;
    return false;
  });
  return out;
}

void StreamValue::Decode(const Node& n, const Item& it, StreamFields* out) const {
  out->clear();
  size_t pos = 0;
  std::string_view data = it.data;
  for (uint32_t i = 0; i < it.n_fields; ++i) {
    std::string_view f;
    if (it.same_fields) {
      f = i < n.master_fields.size() ? std::string_view(n.master_fields[i]) : std::string_view();
    } else {
      f = GetChunk(data, &pos);
    }
    std::string_view v = GetChunk(data, &pos);
    out->emplace_back(f, v);
  }
}

// Redis's stream iterator: seek the node at or before the bound, then walk
// entries in node order. An entry is a candidate when it is on the right
// side of the first bound (and live, when skipping tombstones); the first
// candidate past the other bound ends the walk. Entries inside a node are
// normally ascending, but XSETID below a tombstone can break that, so the
// walk is linear like Redis's rather than a binary search.
void StreamValue::Scan(StreamID start, StreamID end, bool rev, bool skip_tombstones,
                       const std::function<bool(const Node&, const Item&)>& fn) const {
  if (nodes_.empty()) return;
  if (!rev) {
    auto it = nodes_.begin();
    if (!start.IsZero()) {
      auto n = NodeFor(start);
      if (n != nodes_.end()) it = n;
    }
    for (; it != nodes_.end(); ++it) {
      for (const Item& item : it->second.items) {
        if (item.id < start || (skip_tombstones && item.deleted)) continue;
        if (item.id > end) return;
        if (!fn(it->second, item)) return;
      }
    }
  } else {
    auto it = std::prev(nodes_.end());
    if (!end.IsZero()) {
      auto n = NodeFor(end);
      if (n != nodes_.end()) it = n;
    }
    while (true) {
      const auto& items = it->second.items;
      for (auto p = items.rbegin(); p != items.rend(); ++p) {
        if (p->id > end || (skip_tombstones && p->deleted)) continue;
        if (p->id < start) return;
        if (!fn(it->second, *p)) return;
      }
      if (it == nodes_.begin()) return;
      --it;
    }
  }
}

void StreamValue::Range(StreamID start, StreamID end, bool rev,
                        const std::function<bool(StreamID, const StreamFields&)>& fn) const {
  StreamFields fields;
  Scan(start, end, rev, true, [&](const Node& n, const Item& item) {
    Decode(n, item, &fields);
    return fn(item.id, fields);
  });
}

size_t StreamValue::RaxNodeCount() const {
  if (nodes_.empty()) return 1;
  std::vector<RaxKey> keys;
  keys.reserve(nodes_.size());
  for (const auto& [id, n] : nodes_) keys.push_back(EncodeKey(id));
  return RaxNodes(keys, 0, keys.size(), 0);
}

std::vector<std::pair<uint32_t, uint32_t>> StreamValue::NodeCounts() const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const auto& [id, n] : nodes_) out.emplace_back(n.live, n.deleted);
  return out;
}

// --- Lag and read counters (Redis 7.0's rules) ---------------------------------

bool StreamValue::RangeHasTombstones(const StreamID* start, const StreamID* end) const {
  if (!length_ || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;
  StreamID s = start ? *start : kStreamMinID;
  StreamID e = end ? *end : kStreamMaxID;
  return s <= max_deleted_id_ && max_deleted_id_ <= e;
}

int64_t StreamValue::EstimateDistance(StreamID id) const {
  if (!entries_added_) return 0;
  if (!length_ && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

bool StreamValue::Lag(const StreamGroup& g, int64_t* lag) const {
  if (!entries_added_) {
    *lag = 0;
    return true;
  }
  if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
      !RangeHasTombstones(&g.last_id, nullptr)) {
    *lag = static_cast<int64_t>(entries_added_) - g.entries_read;
    return true;
  }
  int64_t read = EstimateDistance(g.last_id);
  if (read == StreamGroup::kInvalidEntriesRead) return false;
  *lag = static_cast<int64_t>(entries_added_) - read;
  return true;
}

// --- Value interface -----------------------------------------------------------

size_t StreamValue::MemoryUsage() const {
  size_t total = sizeof(*this) + data_bytes_;
  for (const auto& [id, n] : nodes_) {
    total += 64 + n.items.capacity() * sizeof(Item);
    for (const auto& f : n.master_fields) total += sizeof(std::string) + f.capacity();
  }
  for (const auto& [name, g] : groups_) {
    total += sizeof(StreamGroup) + name.capacity() + 64 + g->pel.size() * 64;
    for (const auto& [cname, c] : g->consumers)
      total += sizeof(StreamConsumer) + 2 * cname.capacity() + 64 + c->pel.size() * 48;
  }
  return total;
}

std::unique_ptr<Value> StreamValue::Clone() const {
  auto out = std::make_unique<StreamValue>();
  out->nodes_ = nodes_;
  out->length_ = length_;
  out->last_id_ = last_id_;
  out->first_id_ = first_id_;
  out->max_deleted_id_ = max_deleted_id_;
  out->entries_added_ = entries_added_;
  out->data_bytes_ = data_bytes_;
  for (const auto& [name, g] : groups_) {
    StreamGroup* ng = out->CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = ng->CreateConsumer(cname, c->seen_time);
      nc->pel = c->pel;
    }
    for (const auto& [id, nack] : g->pel) {
      StreamNack copy = nack;
      copy.consumer = nack.consumer ? ng->FindConsumer(nack.consumer->name) : nullptr;
      ng->pel.emplace(id, copy);
    }
  }
  return out;
}

}  // namespace node::db
