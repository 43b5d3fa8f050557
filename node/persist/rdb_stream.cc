// node/persist/rdb_stream.cc
//
// Stream values (RDB types 15 and 19, rdb.md §4.2-4.3): the node listpacks
// with their master entries, then length/ids/counters, consumer groups, PELs
// and consumers. Encoding groups entries into nodes exactly as a sequence of
// XADDs on Redis 7.0 would (stream-node-max-bytes/-entries), so a stream that
// never had deletions gets Redis's bytes. Deleted entries are dropped on read.
// Part of rdb_value; pure, any thread.

#include <set>

#include "node/persist/compact_blobs.h"
#include "node/persist/rdb_value.h"

namespace node::persist {
namespace {

constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;
constexpr size_t kStreamListpackMaxSize = size_t{1} << 30;

std::string IdKey(StreamId id) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; ++i) {
    k[static_cast<size_t>(i)] = static_cast<char>(id.ms >> (56 - 8 * i));
    k[static_cast<size_t>(8 + i)] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
  return k;
}

StreamId IdFromKey(std::string_view k) {
  StreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(k[static_cast<size_t>(i)]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(k[static_cast<size_t>(8 + i)]);
  }
  return id;
}

bool SameFields(const StreamEntry& e, const StreamEntry& master) {
  if (e.fields.size() != master.fields.size()) return false;
  for (size_t i = 0; i < e.fields.size(); ++i) {
    if (e.fields[i].first != master.fields[i].first) return false;
  }
  return true;
}

int64_t Diff(uint64_t a, uint64_t b) { return static_cast<int64_t>(a - b); }

// One node: entries [first, end) with entries[first] as the master entry.
struct NodePlan {
  size_t first = 0;
  size_t end = 0;
  size_t bytes_without_count = 0;
};

std::string BuildNode(const std::vector<StreamEntry>& entries, const NodePlan& n) {
  const StreamEntry& master = entries[n.first];
  ListpackBuilder lp;
  lp.AppendInteger(static_cast<int64_t>(n.end - n.first));  // live count
  lp.AppendInteger(0);                                      // deleted
  lp.AppendInteger(static_cast<int64_t>(master.fields.size()));
  for (const auto& f : master.fields) lp.Append(f.first);
  lp.AppendInteger(0);  // master entry terminator
  for (size_t i = n.first; i < n.end; ++i) {
    const StreamEntry& e = entries[i];
    bool same = SameFields(e, master);
    lp.AppendInteger(same ? kFlagSameFields : 0);
    lp.AppendInteger(Diff(e.id.ms, master.id.ms));
    lp.AppendInteger(Diff(e.id.seq, master.id.seq));
    if (same) {
      for (const auto& f : e.fields) lp.Append(f.second);
    } else {
      lp.AppendInteger(static_cast<int64_t>(e.fields.size()));
      for (const auto& f : e.fields) {
        lp.Append(f.first);
        lp.Append(f.second);
      }
    }
    int64_t n_fields = static_cast<int64_t>(e.fields.size());
    lp.AppendInteger(same ? n_fields + 3 : 2 * n_fields + 4);
  }
  return lp.Finish();
}

std::vector<NodePlan> PlanNodes(const std::vector<StreamEntry>& entries, const EncodeOptions& opt) {
  size_t max_bytes = opt.stream_node_max_bytes;
  if (max_bytes == 0 || max_bytes > kStreamListpackMaxSize) max_bytes = kStreamListpackMaxSize;
  std::vector<NodePlan> plans;
  for (size_t i = 0; i < entries.size(); ++i) {
    const StreamEntry& e = entries[i];
    size_t totelelen = 0;
    for (const auto& f : e.fields) totelelen += f.first.size() + f.second.size();
    bool new_node = plans.empty();
    if (!new_node) {
      NodePlan& cur = plans.back();
      size_t count = cur.end - cur.first;
      size_t lp_bytes = cur.bytes_without_count +
                        ListpackBuilder::IntegerElementSize(static_cast<int64_t>(count));
      if (lp_bytes + totelelen >= max_bytes) {
        new_node = true;
      } else if (opt.stream_node_max_entries && count >= opt.stream_node_max_entries) {
        new_node = true;
      }
    }
    if (new_node) {
      NodePlan p;
      p.first = i;
      p.end = i;
      p.bytes_without_count =
          7 + ListpackBuilder::IntegerElementSize(0) +
          ListpackBuilder::IntegerElementSize(static_cast<int64_t>(e.fields.size())) +
          ListpackBuilder::IntegerElementSize(0);
      for (const auto& f : e.fields) p.bytes_without_count += ListpackBuilder::ElementSize(f.first);
      plans.push_back(p);
    }
    NodePlan& cur = plans.back();
    const StreamEntry& master = entries[cur.first];
    bool same = SameFields(e, master);
    int64_t n_fields = static_cast<int64_t>(e.fields.size());
    size_t add = ListpackBuilder::IntegerElementSize(same ? kFlagSameFields : 0) +
                 ListpackBuilder::IntegerElementSize(Diff(e.id.ms, master.id.ms)) +
                 ListpackBuilder::IntegerElementSize(Diff(e.id.seq, master.id.seq)) +
                 ListpackBuilder::IntegerElementSize(same ? n_fields + 3 : 2 * n_fields + 4);
    if (!same) add += ListpackBuilder::IntegerElementSize(n_fields);
    for (const auto& f : e.fields) {
      if (!same) add += ListpackBuilder::ElementSize(f.first);
      add += ListpackBuilder::ElementSize(f.second);
    }
    cur.bytes_without_count += add;
    cur.end = i + 1;
  }
  return plans;
}

void WriteRawId(RdbWriter& w, StreamId id) { w.Raw(IdKey(id)); }

}  // namespace

void EncodeStream(const StreamData& s, RdbWriter& w, const EncodeOptions& opt) {
  auto plans = PlanNodes(s.entries, opt);
  w.Len(plans.size());
  for (const auto& p : plans) {
    w.String(IdKey(s.entries[p.first].id));
    w.String(BuildNode(s.entries, p));
  }
  w.Len(s.length);
  w.Len(s.last_id.ms);
  w.Len(s.last_id.seq);
  w.Len(s.first_id.ms);
  w.Len(s.first_id.seq);
  w.Len(s.max_deleted_id.ms);
  w.Len(s.max_deleted_id.seq);
  w.Len(s.entries_added);
  w.Len(s.groups.size());
  for (const auto& g : s.groups) {
    w.String(g.name);
    w.Len(g.last_id.ms);
    w.Len(g.last_id.seq);
    w.Len(static_cast<uint64_t>(g.entries_read));
    w.Len(g.pel.size());
    for (const auto& p : g.pel) {
      WriteRawId(w, p.id);
      w.MillisecondTime(p.delivery_time_ms);
      w.Len(p.delivery_count);
    }
    w.Len(g.consumers.size());
    for (const auto& c : g.consumers) {
      w.String(c.name);
      w.MillisecondTime(c.seen_time_ms);
      w.Len(c.pending.size());
      for (const auto& id : c.pending) WriteRawId(w, id);
    }
  }
}

// --- Decoding ---

namespace {

Result<int64_t> AsInt(const BlobElement& e) {
  if (e.is_int) return e.int_value;
  auto v = ParseCanonicalInt64(e.str);
  if (!v) return Result<int64_t>::Error("stream listpack: integer expected");
  return *v;
}

// Parses one node listpack, appending live entries to out.
Status DecodeNode(StreamId master_id, std::string_view blob, std::vector<StreamEntry>& out) {
  std::vector<BlobElement> els;
  Status st = ListpackForEach(blob, [&](const BlobElement& e) {
    els.push_back(e);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (els.empty()) return Status::Error("empty listpack inside stream");
  size_t i = 0;
  auto next_int = [&](int64_t* v) -> Status {
    if (i >= els.size()) return Status::Error("stream listpack truncated");
    auto r = AsInt(els[i++]);
    if (!r) return r.status();
    *v = *r;
    return Status::Ok();
  };
  auto next_str = [&](std::string* s) -> Status {
    if (i >= els.size()) return Status::Error("stream listpack truncated");
    *s = els[i++].ToString();
    return Status::Ok();
  };
  int64_t count, deleted, n_master;
  if (Status s = next_int(&count); !s.ok()) return s;
  if (Status s = next_int(&deleted); !s.ok()) return s;
  if (Status s = next_int(&n_master); !s.ok()) return s;
  if (n_master < 0 || static_cast<size_t>(n_master) > els.size()) {
    return Status::Error("stream master entry has a bad field count");
  }
  std::vector<std::string> master_fields(static_cast<size_t>(n_master));
  for (auto& f : master_fields) {
    if (Status s = next_str(&f); !s.ok()) return s;
  }
  int64_t terminator;
  if (Status s = next_int(&terminator); !s.ok()) return s;
  if (terminator != 0) return Status::Error("stream master entry not terminated by 0");
  int64_t live = 0, dead = 0;
  while (i < els.size()) {
    int64_t flags, ms_diff, seq_diff;
    if (Status s = next_int(&flags); !s.ok()) return s;
    if (Status s = next_int(&ms_diff); !s.ok()) return s;
    if (Status s = next_int(&seq_diff); !s.ok()) return s;
    StreamEntry e;
    e.id.ms = master_id.ms + static_cast<uint64_t>(ms_diff);
    e.id.seq = master_id.seq + static_cast<uint64_t>(seq_diff);
    int64_t n_fields = n_master;
    bool same = flags & kFlagSameFields;
    if (!same) {
      if (Status s = next_int(&n_fields); !s.ok()) return s;
      if (n_fields < 0 || static_cast<size_t>(n_fields) > els.size()) {
        return Status::Error("stream entry has a bad field count");
      }
    }
    e.fields.resize(static_cast<size_t>(n_fields));
    for (size_t k = 0; k < e.fields.size(); ++k) {
      if (same) {
        e.fields[k].first = master_fields[k];
      } else if (Status s = next_str(&e.fields[k].first); !s.ok()) {
        return s;
      }
      if (Status s = next_str(&e.fields[k].second); !s.ok()) return s;
    }
    int64_t lp_count;
    if (Status s = next_int(&lp_count); !s.ok()) return s;
    if (lp_count != (same ? n_fields + 3 : 2 * n_fields + 4)) {
      return Status::Error("stream entry lp-count mismatch");
    }
    if (flags & kFlagDeleted) {
      ++dead;
    } else {
      ++live;
      if (!out.empty() && !(out.back().id < e.id)) {
        return Status::Error("stream entries out of order");
      }
      out.push_back(std::move(e));
    }
  }
  if (live != count || dead != deleted) return Status::Error("stream node counters mismatch");
  return Status::Ok();
}

Result<StreamId> ReadLenId(RdbReader& r) {
  auto ms = r.Len();
  if (!ms) return ms.status();
  auto seq = r.Len();
  if (!seq) return seq.status();
  return StreamId{*ms, *seq};
}

Result<StreamId> ReadRawId(RdbReader& r) {
  auto raw = r.Raw(16);
  if (!raw) return raw.status();
  return IdFromKey(*raw);
}

int64_t EstimateEntriesRead(const StreamData& s, StreamId group_last) {
  if (s.entries_added == 0) return 0;
  if (group_last == s.last_id) return static_cast<int64_t>(s.entries_added);
  if (s.length > 0 && group_last < s.first_id) {
    return static_cast<int64_t>(s.entries_added - s.length);
  }
  return -1;
}

}  // namespace

Result<StreamData> DecodeStream(uint8_t type, RdbReader& r) {
  const bool v2 = type == kRdbStreamListpacks2;
  StreamData s;
  auto nodes = r.Len();
  if (!nodes) return nodes.status();
  for (uint64_t n = 0; n < *nodes; ++n) {
    size_t at = r.offset();
    auto key = r.String();
    if (!key) return key.status();
    if (key->size() != 16) return r.ErrorAt("stream node key is not 16 bytes", at);
    at = r.offset();
    auto blob = r.String();
    if (!blob) return blob.status();
    Status st = DecodeNode(IdFromKey(*key), *blob, s.entries);
    if (!st.ok()) return r.ErrorAt(st.message(), at);
  }
  auto length = r.Len();
  if (!length) return length.status();
  s.length = *length;
  auto last = ReadLenId(r);
  if (!last) return last.status();
  s.last_id = *last;
  if (v2) {
    auto first = ReadLenId(r);
    if (!first) return first.status();
    s.first_id = *first;
    auto max_del = ReadLenId(r);
    if (!max_del) return max_del.status();
    s.max_deleted_id = *max_del;
    auto added = r.Len();
    if (!added) return added.status();
    s.entries_added = *added;
  } else {
    s.first_id = s.entries.empty() ? StreamId{} : s.entries.front().id;
    s.entries_added = s.length;
  }
  auto n_groups = r.Len();
  if (!n_groups) return n_groups.status();
  for (uint64_t g = 0; g < *n_groups; ++g) {
    StreamGroup group;
    auto name = r.String();
    if (!name) return name.status();
    group.name = std::move(*name);
    auto gid = ReadLenId(r);
    if (!gid) return gid.status();
    group.last_id = *gid;
    if (v2) {
      auto read = r.Len();
      if (!read) return read.status();
      group.entries_read = static_cast<int64_t>(*read);
    } else {
      group.entries_read = EstimateEntriesRead(s, group.last_id);
    }
    auto n_pel = r.Len();
    if (!n_pel) return n_pel.status();
    std::set<StreamId> pel_ids;
    for (uint64_t p = 0; p < *n_pel; ++p) {
      size_t at = r.offset();
      StreamPendingEntry pe;
      auto id = ReadRawId(r);
      if (!id) return id.status();
      pe.id = *id;
      auto t = r.MillisecondTime();
      if (!t) return t.status();
      pe.delivery_time_ms = *t;
      auto c = r.Len();
      if (!c) return c.status();
      pe.delivery_count = *c;
      if (!pel_ids.insert(pe.id).second) return r.ErrorAt("duplicated global PEL entry", at);
      group.pel.push_back(pe);
    }
    auto n_consumers = r.Len();
    if (!n_consumers) return n_consumers.status();
    for (uint64_t c = 0; c < *n_consumers; ++c) {
      StreamConsumer consumer;
      auto cname = r.String();
      if (!cname) return cname.status();
      consumer.name = std::move(*cname);
      auto seen = r.MillisecondTime();
      if (!seen) return seen.status();
      consumer.seen_time_ms = *seen;
      auto n_pending = r.Len();
      if (!n_pending) return n_pending.status();
      for (uint64_t p = 0; p < *n_pending; ++p) {
        size_t at = r.offset();
        auto id = ReadRawId(r);
        if (!id) return id.status();
        if (!pel_ids.count(*id)) return r.ErrorAt("consumer PEL entry not in group PEL", at);
        consumer.pending.push_back(*id);
      }
      group.consumers.push_back(std::move(consumer));
    }
    s.groups.push_back(std::move(group));
  }
  return s;
}

}  // namespace node::persist
