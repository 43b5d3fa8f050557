// node/persist/rdb_value.cc -- see rdb_value.h. Streams live in rdb_stream.cc.

#include "node/persist/rdb_value.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <unordered_set>

#include "node/persist/compact_blobs.h"

namespace node::persist {
namespace {

using Kind = RdbValue::Kind;

// quicklist.c (7.0.15): per-node byte limits for negative list-max-listpack-size.
constexpr size_t kListNodeLevels[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kListSafetyLimit = 8192;
// Flat per-element overestimate used when deciding whether an element fits.
constexpr size_t kListSizeEstimateOverhead = 8;
// Elements this large get a PLAIN node (quicklist packed_threshold, 1 GiB).
constexpr size_t kListPackedThreshold = size_t{1} << 30;

// _quicklistNodeAllowInsert of Redis 7.0.15: may an element of `sz` bytes join
// a node whose listpack is `node_bytes` long with `node_count` elements?
// (Verified against a 300-element RPUSH: 224 elements of 35 bytes per node.)
bool ListNodeAllowsInsert(size_t node_bytes, size_t node_count, size_t sz, int fill) {
  if (sz >= kListPackedThreshold) return false;
  size_t new_sz = node_bytes + sz + kListSizeEstimateOverhead;
  if (fill < 0) {
    size_t level = std::min(static_cast<size_t>(-static_cast<int64_t>(fill)) - 1,
                            std::size(kListNodeLevels) - 1);
    return new_sz <= kListNodeLevels[level];
  }
  if (new_sz > kListSafetyLimit) return false;
  size_t count_limit = fill == 0 ? 1 : static_cast<size_t>(fill);
  return node_count + 1 <= count_limit;
}

void EncodeList(const std::vector<std::string>& items, RdbWriter& w, int fill) {
  // Group elements into nodes as a sequence of RPUSHes would.
  struct Node {
    bool plain = false;
    ListpackBuilder lp;
    std::string_view plain_value;
  };
  std::vector<Node> nodes;
  for (const auto& item : items) {
    Node* cur = nodes.empty() ? nullptr : &nodes.back();
    if (cur && !cur->plain &&
        ListNodeAllowsInsert(cur->lp.bytes(), cur->lp.count(), item.size(), fill)) {
      cur->lp.Append(item);
      continue;
    }
    nodes.emplace_back();
    if (item.size() >= kListPackedThreshold) {
      nodes.back().plain = true;
      nodes.back().plain_value = item;
    } else {
      nodes.back().lp.Append(item);
    }
  }
  w.Len(nodes.size());
  for (auto& n : nodes) {
    if (n.plain) {
      w.Len(1);  // QUICKLIST_NODE_CONTAINER_PLAIN
      w.String(n.plain_value);
    } else {
      w.Len(2);  // QUICKLIST_NODE_CONTAINER_PACKED
      w.String(n.lp.Finish());
    }
  }
}

bool IsIntsetCandidate(const std::vector<std::string>& members, size_t max_entries,
                       std::vector<int64_t>* out) {
  if (members.empty() || members.size() > max_entries) return false;
  out->reserve(members.size());
  for (const auto& m : members) {
    auto v = ParseCanonicalInt64(m);
    if (!v) return false;
    out->push_back(*v);
  }
  return true;
}

bool HashFitsListpack(const RdbValue& v, const EncodeOptions& opt) {
  if (v.hash.size() > opt.hash_max_listpack_entries) return false;
  for (const auto& [f, val] : v.hash) {
    if (f.size() > opt.hash_max_listpack_value || val.size() > opt.hash_max_listpack_value) {
      return false;
    }
  }
  return true;
}

bool ZSetFitsListpack(const RdbValue& v, const EncodeOptions& opt) {
  if (opt.zset_max_listpack_entries == 0 || v.zset.size() > opt.zset_max_listpack_entries) {
    return false;
  }
  for (const auto& [m, s] : v.zset) {
    if (m.size() > opt.zset_max_listpack_value) return false;
  }
  return true;
}

std::vector<std::pair<std::string_view, double>> SortedZSet(const RdbValue& v) {
  std::vector<std::pair<std::string_view, double>> z;
  z.reserve(v.zset.size());
  for (const auto& [m, s] : v.zset) z.emplace_back(m, s);
  std::sort(z.begin(), z.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second < b.second;
    return a.first < b.first;
  });
  return z;
}

}  // namespace

std::string ModuleTypeName(uint64_t module_id) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, ' ');
  uint64_t id = module_id >> 10;
  for (int i = 8; i >= 0; --i) {
    name[static_cast<size_t>(i)] = kChars[id & 63];
    id >>= 6;
  }
  return name;
}

uint8_t ChooseRdbType(const RdbValue& v, const EncodeOptions& opt) {
  switch (v.kind) {
    case Kind::kString:
      return kRdbString;
    case Kind::kList:
      return kRdbListQuicklist2;
    case Kind::kSet: {
      std::vector<int64_t> ints;
      return IsIntsetCandidate(v.items, opt.set_max_intset_entries, &ints) ? kRdbSetIntset
                                                                           : kRdbSet;
    }
    case Kind::kZSet:
      return ZSetFitsListpack(v, opt) ? kRdbZSetListpack : kRdbZSet2;
    case Kind::kHash:
      return HashFitsListpack(v, opt) ? kRdbHashListpack : kRdbHash;
    case Kind::kStream:
      return kRdbStreamListpacks2;
    case Kind::kModule:
      return kRdbModule2;
  }
  return kRdbString;
}

void EncodeValue(const RdbValue& v, RdbWriter& w, const EncodeOptions& opt) {
  switch (v.kind) {
    case Kind::kString:
      w.Byte(kRdbString);
      w.String(v.str);
      return;
    case Kind::kList:
      w.Byte(kRdbListQuicklist2);
      EncodeList(v.items, w, opt.list_max_listpack_size);
      return;
    case Kind::kSet: {
      std::vector<int64_t> ints;
      if (IsIntsetCandidate(v.items, opt.set_max_intset_entries, &ints)) {
        w.Byte(kRdbSetIntset);
        w.String(IntsetEncode(std::move(ints)));
        return;
      }
      w.Byte(kRdbSet);
      w.Len(v.items.size());
      for (const auto& m : v.items) w.String(m);
      return;
    }
    case Kind::kZSet: {
      auto sorted = SortedZSet(v);
      if (ZSetFitsListpack(v, opt)) {
        w.Byte(kRdbZSetListpack);
        ListpackBuilder lp;
        for (const auto& [m, s] : sorted) {
          lp.Append(m);
          lp.Append(DoubleToText(s));
        }
        w.String(lp.Finish());
        return;
      }
      // Skiplist encoding: Redis walks from the tail, highest score first.
      w.Byte(kRdbZSet2);
      w.Len(sorted.size());
      for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
        w.String(it->first);
        w.BinaryDouble(it->second);
      }
      return;
    }
    case Kind::kHash:
      if (HashFitsListpack(v, opt)) {
        w.Byte(kRdbHashListpack);
        ListpackBuilder lp;
        for (const auto& [f, val] : v.hash) {
          lp.Append(f);
          lp.Append(val);
        }
        w.String(lp.Finish());
        return;
      }
      w.Byte(kRdbHash);
      w.Len(v.hash.size());
      for (const auto& [f, val] : v.hash) {
        w.String(f);
        w.String(val);
      }
      return;
    case Kind::kStream:
      w.Byte(kRdbStreamListpacks2);
      EncodeStream(v.stream, w, opt);
      return;
    case Kind::kModule:
      w.Byte(kRdbModule2);
      w.Len(v.module.module_id);
      w.Raw(v.module.raw);
      return;
  }
}

bool IsEmptyValue(const RdbValue& v) {
  switch (v.kind) {
    case Kind::kList:
    case Kind::kSet:
      return v.items.empty();
    case Kind::kZSet:
      return v.zset.empty();
    case Kind::kHash:
      return v.hash.empty();
    default:
      return false;
  }
}

// --- Decoding ---

namespace {

// Guards against hostile element counts: never reserve more than the bytes
// left could possibly hold (each element takes at least one byte).
size_t SafeReserve(uint64_t n, const RdbReader& r) {
  return static_cast<size_t>(std::min<uint64_t>(n, r.remaining()));
}

Status CheckUnique(std::unordered_set<std::string_view>& seen, std::string_view s,
                   const RdbReader& r, size_t at, const char* what) {
  if (!seen.insert(s).second) return r.ErrorAt(std::string("duplicate ") + what, at);
  return Status::Ok();
}

Result<double> ParseScore(const BlobElement& e) {
  if (e.is_int) return static_cast<double>(e.int_value);
  std::string s(e.str);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || std::isnan(d)) {
    return Result<double>::Error("invalid score in sorted set blob");
  }
  return d;
}

// Members then scores from a flat element list (listpack or ziplist).
Status PairsToZSet(const std::vector<BlobElement>& els, RdbValue& v, const RdbReader& r,
                   size_t at) {
  if (els.size() % 2) return r.ErrorAt("odd element count in sorted set blob", at);
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < els.size(); i += 2) {
    auto score = ParseScore(els[i + 1]);
    if (!score) return r.ErrorAt(score.error(), at);
    std::string m = els[i].ToString();
    if (!seen.insert(m).second) return r.ErrorAt("duplicate sorted set member", at);
    v.zset.emplace_back(std::move(m), *score);
  }
  return Status::Ok();
}

Status PairsToHash(const std::vector<BlobElement>& els, RdbValue& v, const RdbReader& r,
                   size_t at) {
  if (els.size() % 2) return r.ErrorAt("odd element count in hash blob", at);
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < els.size(); i += 2) {
    std::string f = els[i].ToString();
    if (!seen.insert(f).second) return r.ErrorAt("duplicate hash field", at);
    v.hash.emplace_back(std::move(f), els[i + 1].ToString());
  }
  return Status::Ok();
}

enum class BlobKind { kListpack, kZiplist };

Result<std::vector<BlobElement>> Elements(BlobKind kind, std::string_view blob, const RdbReader& r,
                                          size_t at) {
  std::vector<BlobElement> els;
  auto collect = [&](const BlobElement& e) {
    els.push_back(e);
    return Status::Ok();
  };
  Status s =
      kind == BlobKind::kListpack ? ListpackForEach(blob, collect) : ZiplistForEach(blob, collect);
  if (!s.ok()) return r.ErrorAt(s.message(), at);
  return els;
}

// A MODULE_2 opcode stream, captured verbatim (rdb.md §6.7).
Status SkipModuleOpcodes(RdbReader& r) {
  while (true) {
    auto op = r.Len();
    if (!op) return op.status();
    switch (*op) {
      case 0:
        return Status::Ok();
      case 1:
      case 2: {
        auto v = r.Len();
        if (!v) return v.status();
        break;
      }
      case 3: {
        auto v = r.Raw(4);
        if (!v) return v.status();
        break;
      }
      case 4: {
        auto v = r.Raw(8);
        if (!v) return v.status();
        break;
      }
      case 5: {
        Status s = r.SkipString();
        if (!s.ok()) return s;
        break;
      }
      default:
        return r.Error("unknown module opcode");
    }
  }
}

Result<RdbValue> DecodeAggregate(uint8_t type, RdbReader& r, size_t start) {
  RdbValue v;
  auto count = r.Len();
  if (!count) return count.status();
  switch (type) {
    case kRdbList: {
      v.kind = Kind::kList;
      v.items.reserve(SafeReserve(*count, r));
      for (uint64_t i = 0; i < *count; ++i) {
        auto s = r.String();
        if (!s) return s.status();
        v.items.push_back(std::move(*s));
      }
      return v;
    }
    case kRdbSet: {
      v.kind = Kind::kSet;
      v.items.reserve(SafeReserve(*count, r));
      std::unordered_set<std::string> seen;
      for (uint64_t i = 0; i < *count; ++i) {
        auto s = r.String();
        if (!s) return s.status();
        if (!seen.insert(*s).second) return r.ErrorAt("duplicate set member", start);
        v.items.push_back(std::move(*s));
      }
      return v;
    }
    case kRdbZSet:
    case kRdbZSet2: {
      v.kind = Kind::kZSet;
      v.zset.reserve(SafeReserve(*count, r));
      std::unordered_set<std::string> seen;
      for (uint64_t i = 0; i < *count; ++i) {
        auto m = r.String();
        if (!m) return m.status();
        auto score = type == kRdbZSet ? r.TextDouble() : r.BinaryDouble();
        if (!score) return score.status();
        if (std::isnan(*score)) return r.ErrorAt("NaN score in sorted set", start);
        if (!seen.insert(*m).second) return r.ErrorAt("duplicate sorted set member", start);
        v.zset.emplace_back(std::move(*m), *score);
      }
      return v;
    }
    case kRdbHash: {
      v.kind = Kind::kHash;
      v.hash.reserve(SafeReserve(*count, r));
      std::unordered_set<std::string> seen;
      for (uint64_t i = 0; i < *count; ++i) {
        auto f = r.String();
        if (!f) return f.status();
        auto val = r.String();
        if (!val) return val.status();
        if (!seen.insert(*f).second) return r.ErrorAt("duplicate hash field", start);
        v.hash.emplace_back(std::move(*f), std::move(*val));
      }
      return v;
    }
    case kRdbListQuicklist:
    case kRdbListQuicklist2: {
      v.kind = Kind::kList;
      for (uint64_t i = 0; i < *count; ++i) {
        uint64_t container = 2;
        if (type == kRdbListQuicklist2) {
          auto c = r.Len();
          if (!c) return c.status();
          container = *c;
          if (container != 1 && container != 2) return r.Error("invalid quicklist container");
        }
        size_t at = r.offset();
        auto blob = r.String();
        if (!blob) return blob.status();
        if (container == 1) {
          v.items.push_back(std::move(*blob));
          continue;
        }
        auto els = Elements(type == kRdbListQuicklist ? BlobKind::kZiplist : BlobKind::kListpack,
                            *blob, r, at);
        if (!els) return els.status();
        for (const auto& e : *els) v.items.push_back(e.ToString());
      }
      return v;
    }
    default:
      return r.ErrorAt("unknown RDB object type " + std::to_string(type), start);
  }
}

}  // namespace

Result<RdbValue> DecodeValue(uint8_t type, RdbReader& r) {
  const size_t start = r.offset();
  RdbValue v;
  switch (type) {
    case kRdbString: {
      auto s = r.String();
      if (!s) return s.status();
      v.str = std::move(*s);
      return v;
    }
    case kRdbList:
    case kRdbSet:
    case kRdbZSet:
    case kRdbZSet2:
    case kRdbHash:
    case kRdbListQuicklist:
    case kRdbListQuicklist2:
      return DecodeAggregate(type, r, start);
    case kRdbSetIntset: {
      auto blob = r.String();
      if (!blob) return blob.status();
      auto ints = IntsetDecode(*blob);
      if (!ints) return r.ErrorAt(ints.error(), start);
      v.kind = Kind::kSet;
      v.items.reserve(ints->size());
      for (int64_t i : *ints) v.items.push_back(Int64ToText(i));
      return v;
    }
    case kRdbListZiplist:
    case kRdbZSetZiplist:
    case kRdbHashZiplist:
    case kRdbZSetListpack:
    case kRdbHashListpack: {
      auto blob = r.String();
      if (!blob) return blob.status();
      bool zl = type == kRdbListZiplist || type == kRdbZSetZiplist || type == kRdbHashZiplist;
      auto els = Elements(zl ? BlobKind::kZiplist : BlobKind::kListpack, *blob, r, start);
      if (!els) return els.status();
      if (type == kRdbListZiplist) {
        v.kind = Kind::kList;
        for (const auto& e : *els) v.items.push_back(e.ToString());
        return v;
      }
      if (type == kRdbZSetZiplist || type == kRdbZSetListpack) {
        v.kind = Kind::kZSet;
        Status s = PairsToZSet(*els, v, r, start);
        if (!s.ok()) return s;
        return v;
      }
      v.kind = Kind::kHash;
      Status s = PairsToHash(*els, v, r, start);
      if (!s.ok()) return s;
      return v;
    }
    case kRdbHashZipmap: {
      auto blob = r.String();
      if (!blob) return blob.status();
      auto pairs = ZipmapDecode(*blob);
      if (!pairs) return r.ErrorAt(pairs.error(), start);
      std::unordered_set<std::string_view> seen;
      for (const auto& [f, val] : *pairs) {
        Status s = CheckUnique(seen, f, r, start, "hash field");
        if (!s.ok()) return s;
      }
      v.kind = Kind::kHash;
      v.hash = std::move(*pairs);
      return v;
    }
    case kRdbStreamListpacks:
    case kRdbStreamListpacks2: {
      auto s = DecodeStream(type, r);
      if (!s) return s.status();
      v.kind = Kind::kStream;
      v.stream = std::move(*s);
      return v;
    }
    case kRdbModule2: {
      auto id = r.Len();
      if (!id) return id.status();
      size_t from = r.offset();
      Status s = SkipModuleOpcodes(r);
      if (!s.ok()) return s;
      v.kind = Kind::kModule;
      v.module.module_id = *id;
      v.module.raw = std::string(r.Slice(from, r.offset()));
      return v;
    }
    case kRdbModule: {
      auto id = r.Len();
      if (!id) return id.status();
      return r.ErrorAt("module value of type " + ModuleTypeName(*id) +
                           " (RDB type 6) cannot be loaded without the module",
                       start);
    }
    default:
      return r.ErrorAt("unknown RDB object type " + std::to_string(type), start);
  }
}

}  // namespace node::persist
