// node/persist/keyspace_codec_stream.cc
//
// The RDB codec of stream values: db::StreamValue <-> persist::StreamData
// (entries, counters, consumer groups, PELs, consumers), registered by
// RegisterBuiltinValueCodecs (keyspace_codec_types.cc) through
// RegisterStreamValueCodec. Used by snapshots, the AOF base, DUMP/RESTORE,
// MIGRATE and full resyncs. Loading rebuilds the nodes as a run of XADDs
// would (the same grouping the RDB writer uses). Engine thread.

#include <utility>

#include "node/db/stream_value.h"
#include "node/persist/keyspace_codec.h"

namespace node::persist {

namespace {

StreamId ToP(db::StreamID id) { return {id.ms, id.seq}; }
db::StreamID ToD(StreamId id) { return {id.ms, id.seq}; }

base::Status StreamToRdb(const db::Value& v, RdbValue* out) {
  const auto& s = static_cast<const db::StreamValue&>(v);
  out->kind = RdbValue::Kind::kStream;
  StreamData& d = out->stream;
  d = StreamData{};
  d.entries.reserve(s.length());
  s.Range(db::kStreamMinID, db::kStreamMaxID, false,
          [&](db::StreamID id, const db::StreamFields& fields) {
            StreamEntry e;
            e.id = ToP(id);
            e.fields.reserve(fields.size());
            for (auto& [f, val] : fields) e.fields.emplace_back(std::string(f), std::string(val));
            d.entries.push_back(std::move(e));
            return true;
          });
  d.length = s.length();
  d.last_id = ToP(s.last_id());
  d.first_id = ToP(s.first_id());
  d.max_deleted_id = ToP(s.max_deleted_id());
  d.entries_added = s.entries_added();
  for (const auto& [name, g] : s.groups()) {
    StreamGroup pg;
    pg.name = name;
    pg.last_id = ToP(g->last_id);
    pg.entries_read = g->entries_read;
    for (const auto& [id, nack] : g->pel) {
      pg.pel.push_back({ToP(id), nack.delivery_time, nack.delivery_count});
    }
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer pc;
      pc.name = cname;
      pc.seen_time_ms = c->seen_time;
      for (const auto& id : c->pel) pc.pending.push_back(ToP(id));
      pg.consumers.push_back(std::move(pc));
    }
    d.groups.push_back(std::move(pg));
  }
  return base::Status::Ok();
}

base::Result<std::unique_ptr<db::Value>> StreamFromRdb(RdbValue&& v, const EncodeOptions& opt) {
  if (v.kind != RdbValue::Kind::kStream) return base::Status::Error("not a stream");
  StreamData& d = v.stream;
  auto s = std::make_unique<db::StreamValue>();
  db::StreamNodeLimits lim;
  lim.max_bytes = opt.stream_node_max_bytes;
  lim.max_entries = static_cast<int64_t>(opt.stream_node_max_entries);
  std::vector<std::string_view> fv;
  db::StreamID prev;
  bool any = false;
  for (const auto& e : d.entries) {
    if (any && !(ToD(e.id) > prev)) return base::Status::Error("stream entries out of order");
    fv.clear();
    for (const auto& [f, val] : e.fields) {
      fv.push_back(f);
      fv.push_back(val);
    }
    s->Append(ToD(e.id), fv, lim);
    prev = ToD(e.id);
    any = true;
  }
  if (d.length != d.entries.size()) return base::Status::Error("stream length mismatch");
  s->set_length(d.length);
  s->set_last_id(ToD(d.last_id));
  s->set_first_id(ToD(d.first_id));
  s->set_max_deleted_id(ToD(d.max_deleted_id));
  s->set_entries_added(d.entries_added);
  for (auto& pg : d.groups) {
    db::StreamGroup* g = s->CreateGroup(pg.name, ToD(pg.last_id), pg.entries_read);
    if (!g) return base::Status::Error("duplicated consumer group name");
    for (const auto& p : pg.pel) {
      db::StreamNack nack;
      nack.delivery_time = p.delivery_time_ms;
      nack.delivery_count = p.delivery_count;
      g->pel.emplace(ToD(p.id), nack);
    }
    for (const auto& pc : pg.consumers) {
      db::StreamConsumer* c = g->CreateConsumer(pc.name, pc.seen_time_ms);
      if (!c) return base::Status::Error("duplicated consumer name");
      for (const auto& id : pc.pending) {
        auto it = g->pel.find(ToD(id));
        if (it == g->pel.end() || it->second.consumer) {
          return base::Status::Error("consumer PEL entry not in group PEL");
        }
        it->second.consumer = c;
        c->pel.insert(ToD(id));
      }
    }
    for (const auto& [id, nack] : g->pel) {
      if (!nack.consumer) return base::Status::Error("group PEL entry without consumer");
    }
  }
  std::unique_ptr<db::Value> out = std::move(s);
  return out;
}

}  // namespace

void RegisterStreamValueCodec() {
  RegisterValueCodec(db::ObjType::kStream, {&StreamToRdb, &StreamFromRdb});
}

}  // namespace node::persist
