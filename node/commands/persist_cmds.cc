// node/commands/persist_cmds.cc
//
// Persistence commands: SAVE, BGSAVE [SCHEDULE], BGREWRITEAOF (delegating to
// the engine's persist::Persistence), DUMP and RESTORE / RESTORE-ASKING
// (payloads from node/persist/dump_payload). Registered in
// table_persist.inc; arity, slot ownership and OOM were checked by the
// dispatcher. Engine thread.

#include <string>
#include <vector>

#include "node/base/clock.h"
#include "node/commands/helpers.h"
#include "node/commands/persist_handlers.h"
#include "node/config/config.h"
#include "node/persist/dump_payload.h"
#include "node/persist/keyspace_codec.h"
#include "node/persist/persistence.h"
#include "node/persist/snapshot.h"

namespace node::commands {

namespace {

constexpr const char* kErrNoPersistence = "ERR persistence is not available on this node";

persist::EncodeOptions EncodeOpts(Engine& eng) {
  if (!eng.config) return {};
  return persist::SnapshotOptionsFrom(eng.config->s).enc;
}

}  // namespace

// SAVE
void Save(CommandContext& ctx) {
  auto* p = persist::Persistence::Of(ctx.engine());
  if (!p) return ctx.reply().Error(kErrNoPersistence);
  base::Status st = p->Save();
  if (!st.ok()) return ctx.reply().Error(st.message());
  ctx.reply().Ok();
}

// BGSAVE [SCHEDULE]
void BgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && Is(ctx.arg(1), "schedule")) {
      schedule = true;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  auto* p = persist::Persistence::Of(ctx.engine());
  if (!p) return ctx.reply().Error(kErrNoPersistence);
  auto r = p->BgSave(schedule);
  if (!r) return ctx.reply().Error(r.error());
  ctx.reply().Simple(*r);
}

// BGREWRITEAOF
void BgRewriteAof(CommandContext& ctx) {
  auto* p = persist::Persistence::Of(ctx.engine());
  if (!p) return ctx.reply().Error(kErrNoPersistence);
  auto r = p->BgRewriteAof();
  if (!r) return ctx.reply().Error(r.error());
  ctx.reply().Simple(*r);
}

// DUMP key
void Dump(CommandContext& ctx) {
  db::Entry* e = Db(ctx).LookupRead(ctx.arg(1));
  if (!e) return ctx.reply().Null();
  persist::RdbValue v;
  base::Status st = persist::EntryToRdbValue(e, &v);
  if (!st.ok()) return ctx.reply().Error("ERR " + st.message());
  ctx.reply().Bulk(persist::CreateDumpPayload(v, EncodeOpts(ctx.engine())));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
// (also RESTORE-ASKING). The checks run in Redis's order: options, BUSYKEY,
// TTL, payload.
void Restore(CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t lru_idle = -1, lfu_freq = -1;
  for (size_t j = 4; j < ctx.argc(); j++) {
    bool more = j + 1 < ctx.argc();
    if (Is(ctx.arg(j), "replace")) {
      replace = true;
    } else if (Is(ctx.arg(j), "absttl")) {
      absttl = true;
    } else if (Is(ctx.arg(j), "idletime") && more && lfu_freq == -1) {
      auto v = IntArg(ctx, ++j);
      if (!v) return;
      if (*v < 0) return ctx.reply().Error("ERR Invalid IDLETIME value, must be >= 0");
      lru_idle = *v;
    } else if (Is(ctx.arg(j), "freq") && more && lru_idle == -1) {
      auto v = IntArg(ctx, ++j);
      if (!v) return;
      if (*v < 0 || *v > 255) {
        return ctx.reply().Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
      lfu_freq = *v;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  db::Keyspace& ks = Db(ctx);
  std::string_view key = ctx.arg(1);
  if (!replace && ks.LookupWrite(key)) return ctx.reply().Error(kErrBusyKey);
  auto ttl = IntArg(ctx, 2);
  if (!ttl) return;
  if (*ttl < 0) return ctx.reply().Error("ERR Invalid TTL value, must be >= 0");
  bool skip_checksum = false;
  auto v = persist::DecodeDumpPayload(ctx.arg(3), skip_checksum);
  if (!v) return ctx.reply().Error(v.error());
  db::ObjType type;
  if (!persist::ObjTypeOf(v->kind, &type) ||
      (type != db::ObjType::kString && !persist::FindValueCodec(type))) {
    return ctx.reply().Error(persist::kErrBadDataFormat);
  }
  bool deleted = replace && ks.Delete(key);
  int64_t expire = *ttl;
  if (expire && !absttl) expire += base::UnixMs();
  if (expire && expire <= base::UnixMs() && !ctx.engine().role_replica) {
    // Already expired: nothing is created (an old key was still replaced).
    if (deleted) {
      ctx.PropagateAs({"DEL", std::string(key)});
      ctx.SetDirty();
    } else {
      ctx.NoPropagate();
    }
    return ctx.reply().Ok();
  }
  persist::KeyMeta meta;
  meta.expire_ms = expire ? expire : -1;
  // Like objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME otherwise.
  auto pol = ctx.engine().hot.maxmemory_policy;
  if (pol == db::EvictionPolicy::kAllKeysLfu || pol == db::EvictionPolicy::kVolatileLfu) {
    meta.lfu_freq = static_cast<int>(lfu_freq);
  } else {
    meta.lru_idle = lru_idle;
  }
  base::Status st = persist::InsertRdbValue(ks, key, std::move(*v), meta, EncodeOpts(ctx.engine()));
  if (!st.ok()) return ctx.reply().Error(persist::kErrBadDataFormat);
  if (expire && !absttl) {
    // Propagate the TTL as an absolute time so replicas and the AOF agree.
    std::vector<std::string> args;
    for (size_t i = 0; i < ctx.argc(); i++) args.emplace_back(ctx.arg(i));
    args[2] = std::to_string(expire);
    args.emplace_back("ABSTTL");
    ctx.PropagateAs(std::move(args));
  }
  ctx.SetDirty();
  ctx.reply().Ok();
}

}  // namespace node::commands
