// node/commands/keys.cc
//
// Generic keyspace commands (DEL, EXISTS, EXPIRE family, RENAME, COPY, KEYS,
// SCAN, OBJECT, FLUSHALL ...). Registered in command_table.cc.

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "node/base/clock.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"

namespace node::commands {

namespace {

const char* TypeName(db::ObjType t) {
  switch (t) {
    case db::ObjType::kString:
      return "string";
    case db::ObjType::kList:
      return "list";
    case db::ObjType::kSet:
      return "set";
    case db::ObjType::kZSet:
      return "zset";
    case db::ObjType::kHash:
      return "hash";
    case db::ObjType::kStream:
      return "stream";
  }
  return "none";
}

constexpr int kExpNx = 1, kExpXx = 2, kExpGt = 4, kExpLt = 8;

// EXPIRE key when [NX|XX|GT|LT] and friends (expireGenericCommand).
void ExpireGeneric(CommandContext& ctx, bool absolute, int64_t unit_ms) {
  int flags = 0;
  for (size_t i = 3; i < ctx.argc(); i++) {
    std::string_view o = ctx.arg(i);
    if (Is(o, "nx")) {
      flags |= kExpNx;
    } else if (Is(o, "xx")) {
      flags |= kExpXx;
    } else if (Is(o, "gt")) {
      flags |= kExpGt;
    } else if (Is(o, "lt")) {
      flags |= kExpLt;
    } else {
      return ctx.reply().Error("ERR Unsupported option " + std::string(o));
    }
  }
  if ((flags & kExpNx) && (flags & (kExpXx | kExpGt | kExpLt))) {
    return ctx.reply().Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kExpGt) && (flags & kExpLt)) {
    return ctx.reply().Error("ERR GT and LT options at the same time are not compatible");
  }
  auto when = base::ParseInt64(ctx.arg(2));
  if (!when) return ctx.reply().Error(kErrNotInteger);
  int64_t ms = *when;
  auto invalid = [&]() {
    ctx.reply().Error("ERR invalid expire time in '" + FullName(ctx.spec()) + "' command");
  };
  if (unit_ms == 1000) {
    if (ms > std::numeric_limits<int64_t>::max() / 1000 ||
        ms < std::numeric_limits<int64_t>::min() / 1000)
      return invalid();
    ms *= 1000;
  }
  if (!absolute) {
    int64_t now = base::UnixMs();
    if ((ms > 0 && now > std::numeric_limits<int64_t>::max() - ms) ||
        (ms < 0 && now < std::numeric_limits<int64_t>::min() - ms))
      return invalid();
    ms += now;
  }
  auto& db = Db(ctx);
  db::Entry* e = db.LookupWrite(ctx.arg(1));
  if (!e) return ctx.reply().Integer(0);
  int64_t cur = e->expire_ms();
  if (flags) {
    if ((flags & kExpNx) && cur != -1) return ctx.reply().Integer(0);
    if ((flags & kExpXx) && cur == -1) return ctx.reply().Integer(0);
    if ((flags & kExpGt) && (ms <= cur || cur == -1)) return ctx.reply().Integer(0);
    if ((flags & kExpLt) && (ms >= cur && cur != -1)) return ctx.reply().Integer(0);
  }
  if (ms <= base::UnixMs()) {
    db.DeleteEntry(e);
    ctx.SetDirty();
    ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
    return ctx.reply().Integer(1);
  }
  db.SetExpire(e, ms);
  ctx.SetDirty();
  if (!(absolute && unit_ms == 1)) {
    ctx.PropagateAs({"PEXPIREAT", std::string(ctx.arg(1)), std::to_string(ms)});
  }
  ctx.reply().Integer(1);
}

void TtlGeneric(CommandContext& ctx, bool ms, bool abs) {
  db::Entry* e = Db(ctx).LookupRead(ctx.arg(1));
  if (!e) return ctx.reply().Integer(-2);
  int64_t exp = e->expire_ms();
  if (exp < 0) return ctx.reply().Integer(-1);
  if (abs) return ctx.reply().Integer(ms ? exp : exp / 1000);
  int64_t ttl = exp - base::UnixMs();
  if (ttl < 0) ttl = 0;
  ctx.reply().Integer(ms ? ttl : (ttl + 500) / 1000);
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  auto& db = Db(ctx);
  db::Entry* src = db.LookupWrite(ctx.arg(1));
  if (!src) return ctx.reply().Error(kErrNoSuchKey);
  if (ctx.arg(1) == ctx.arg(2)) {
    return nx ? ctx.reply().Integer(0) : ctx.reply().Ok();
  }
  if (db.LookupWrite(ctx.arg(2))) {
    if (nx) return ctx.reply().Integer(0);
    db.Delete(ctx.arg(2));
    src = db.Find(ctx.arg(1));
  }
  db.Rename(src, ctx.arg(2));
  ctx.SetDirty();
  if (ctx.engine().key_modified) ctx.engine().key_modified(ctx.client().db, ctx.arg(1));
  nx ? ctx.reply().Integer(1) : ctx.reply().Ok();
}

bool LfuPolicy(const Engine& eng) {
  auto p = eng.hot.maxmemory_policy;
  return p == db::EvictionPolicy::kAllKeysLfu || p == db::EvictionPolicy::kVolatileLfu;
}

}  // namespace

void Del(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (Db(ctx).Delete(ctx.arg(i))) {
      n++;
      ctx.SetDirty();
    }
  }
  ctx.reply().Integer(n);
}

void Exists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (Db(ctx).LookupRead(ctx.arg(i))) n++;
  }
  ctx.reply().Integer(n);
}

void Type(CommandContext& ctx) {
  db::Entry* e = Db(ctx).Find(ctx.arg(1));
  ctx.reply().Simple(e ? TypeName(e->type) : "none");
}

void Expire(CommandContext& ctx) { ExpireGeneric(ctx, false, 1000); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, false, 1); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, 1000); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, 1); }
void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void Persist(CommandContext& ctx) {
  auto& db = Db(ctx);
  db::Entry* e = db.LookupWrite(ctx.arg(1));
  if (!e || !e->has_expire()) return ctx.reply().Integer(0);
  db.SetExpire(e, -1);
  ctx.SetDirty();
  ctx.reply().Integer(1);
}

void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// COPY source destination [DB destination-db] [REPLACE]
void Copy(CommandContext& ctx) {
  bool replace = false;
  int dst_db = ctx.client().db;
  for (size_t i = 3; i < ctx.argc(); i++) {
    if (Is(ctx.arg(i), "replace")) {
      replace = true;
    } else if (Is(ctx.arg(i), "db") && i + 1 < ctx.argc()) {
      auto dbid = base::ParseInt64(ctx.arg(++i));
      if (!dbid || *dbid < INT32_MIN || *dbid > INT32_MAX) {
        return ctx.reply().Error(kErrNotInteger);
      }
      if (ctx.engine().cluster_enabled && *dbid != 0) {
        return ctx.reply().Error("ERR Copying to another database is not allowed in cluster mode");
      }
      if (*dbid < 0 || *dbid >= ctx.engine().num_dbs()) return ctx.reply().Error(kErrDbIndex);
      dst_db = static_cast<int>(*dbid);
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  if (dst_db == ctx.client().db && ctx.arg(1) == ctx.arg(2)) {
    return ctx.reply().Error("ERR source and destination objects are the same");
  }
  auto& db = Db(ctx);
  auto& dst = ctx.engine().GetDb(dst_db);
  db::Entry* src = db.LookupRead(ctx.arg(1));
  if (!src) return ctx.reply().Integer(0);
  if (dst.LookupWrite(ctx.arg(2))) {
    if (!replace) return ctx.reply().Integer(0);
    dst.Delete(ctx.arg(2));
    src = db.Find(ctx.arg(1));
  }
  std::unique_ptr<db::Value> copy;
  if (src->type != db::ObjType::kString) copy = src->ptr()->Clone();
  dst.CopyTo(src, ctx.arg(2), std::move(copy));
  if (ctx.engine().key_modified) ctx.engine().key_modified(dst_db, ctx.arg(2));
  ctx.SetDirty();
  ctx.reply().Integer(1);
}

void Keys(CommandContext& ctx) {
  std::string_view pat = ctx.arg(1);
  bool all = pat == "*";
  auto& r = ctx.reply();
  size_t at = r.Deferred();
  size_t n = 0;
  Db(ctx).ForEachLive([&](db::Entry* e) {
    if (all || base::GlobMatch(pat, e->key())) {
      r.Bulk(e->key());
      n++;
    }
  });
  r.SetDeferredArray(at, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Scan(CommandContext& ctx) {
  // strtoul rules, as Redis's parseScanCursorOrReply ("-1" wraps around).
  std::string cur_text(ctx.arg(1));
  char* eptr = nullptr;
  errno = 0;
  uint64_t cursor_value = strtoull(cur_text.c_str(), &eptr, 10);
  if (cur_text.empty() || isspace(static_cast<unsigned char>(cur_text[0])) || *eptr != '\0' ||
      errno == ERANGE) {
    return ctx.reply().Error("ERR invalid cursor");
  }
  const uint64_t* cursor = &cursor_value;
  std::string_view pattern;
  bool use_pattern = false;
  int64_t count = 10;
  std::string_view type;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) return ctx.reply().Error(kErrSyntax);
    std::string_view o = ctx.arg(i);
    if (Is(o, "count")) {
      auto c = IntArg(ctx, i + 1);
      if (!c) return;
      if (*c < 1) return ctx.reply().Error(kErrSyntax);
      count = *c;
    } else if (Is(o, "match")) {
      pattern = ctx.arg(i + 1);
      use_pattern = !(pattern == "*");
    } else if (Is(o, "type")) {
      type = ctx.arg(i + 1);
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  std::vector<std::string> keys;
  auto& db = Db(ctx);
  int64_t now = base::UnixMs();
  uint64_t next = db.Scan(*cursor, static_cast<size_t>(count), [&](db::Entry* e) {
    if (e->has_expire() && e->expire_ms() <= now) return;
    if (use_pattern && !base::GlobMatch(pattern, e->key())) return;
    if (!type.empty() && !base::EqualsIgnoreCase(type, TypeName(e->type))) return;
    keys.emplace_back(e->key());
  });
  auto& r = ctx.reply();
  r.ArrayHeader(2);
  r.Bulk(std::to_string(next));
  r.ArrayHeader(keys.size());
  for (auto& k : keys) r.Bulk(k);
}

void RandomKey(CommandContext& ctx) {
  db::Entry* e = Db(ctx).RandomKey();
  if (!e) return ctx.reply().Null();
  ctx.reply().Bulk(e->key());
}

void Touch(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (Db(ctx).LookupWrite(ctx.arg(i))) n++;
  }
  ctx.reply().Integer(n);
}

void ObjectEncoding(CommandContext& ctx) {
  db::Entry* e = Db(ctx).Find(ctx.arg(2));
  if (!e) return ctx.reply().Null();
  if (e->type == db::ObjType::kString) {
    if (e->is_int()) return ctx.reply().Bulk("int");
    if (e->flags & db::Entry::kRawEncoding) return ctx.reply().Bulk("raw");
    return ctx.reply().Bulk("embstr");
  }
  ctx.reply().Bulk(e->ptr()->EncodingName());
}

void ObjectFreq(CommandContext& ctx) {
  db::Entry* e = Db(ctx).Find(ctx.arg(2));
  if (!e) return ctx.reply().Null();
  if (!LfuPolicy(ctx.engine())) {
    return ctx.reply().Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
  }
  ctx.reply().Integer(Db(ctx).LfuCount(e));
}

void ObjectIdleTime(CommandContext& ctx) {
  db::Entry* e = Db(ctx).Find(ctx.arg(2));
  if (!e) return ctx.reply().Null();
  if (LfuPolicy(ctx.engine())) {
    return ctx.reply().Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  }
  ctx.reply().Integer(Db(ctx).IdleSeconds(e));
}

void ObjectRefCount(CommandContext& ctx) {
  db::Entry* e = Db(ctx).Find(ctx.arg(2));
  if (!e) return ctx.reply().Null();
  auto p = ctx.engine().hot.maxmemory_policy;
  bool no_shared = ctx.engine().hot.maxmemory &&
                   (p == db::EvictionPolicy::kAllKeysLru || p == db::EvictionPolicy::kVolatileLru ||
                    LfuPolicy(ctx.engine()));
  if (e->is_int() && e->int_value() >= 0 && e->int_value() < 10000 && !no_shared) {
    return ctx.reply().Integer(2147483647);
  }
  ctx.reply().Integer(1);
}

void ObjectHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (auto* l : kLines) ctx.reply().Simple(l);
}

void DbSize(CommandContext& ctx) { ctx.reply().Integer(static_cast<int64_t>(Db(ctx).size())); }

namespace {
void FlushGeneric(CommandContext& ctx, bool all) {
  if (ctx.argc() > 2) return ctx.reply().Error(kErrSyntax);
  if (ctx.argc() == 2 && !Is(ctx.arg(1), "async") && !Is(ctx.arg(1), "sync")) {
    return ctx.reply().Error(kErrSyntax);
  }
  auto& eng = ctx.engine();
  if (all) {
    for (auto& d : eng.dbs) {
      if (d) d->Flush();
    }
  } else {
    Db(ctx).Flush();
  }
  ctx.SetDirty();
  // "" = every key of the database (-1: of every database)
  if (eng.key_modified) eng.key_modified(all ? -1 : ctx.client().db, "");
  ctx.reply().Ok();
}
}  // namespace

void FlushAll(CommandContext& ctx) { FlushGeneric(ctx, true); }
void FlushDb(CommandContext& ctx) { FlushGeneric(ctx, false); }

// MOVE key db
void Move(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (eng.cluster_enabled) return ctx.reply().Error("ERR MOVE is not allowed in cluster mode");
  auto id = base::ParseInt64(ctx.arg(2));
  if (!id || *id < INT32_MIN || *id > INT32_MAX) return ctx.reply().Error(kErrNotInteger);
  if (*id < 0 || *id >= eng.num_dbs()) return ctx.reply().Error(kErrDbIndex);
  int dst_id = static_cast<int>(*id);
  if (dst_id == ctx.client().db) {
    return ctx.reply().Error("ERR source and destination objects are the same");
  }
  auto& src = Db(ctx);
  db::Entry* e = src.LookupWrite(ctx.arg(1));
  if (!e) return ctx.reply().Integer(0);
  auto& dst = eng.GetDb(dst_id);
  if (dst.Find(ctx.arg(1))) return ctx.reply().Integer(0);
  std::unique_ptr<db::Value> copy;
  if (e->type != db::ObjType::kString) copy = e->ptr()->Clone();
  dst.CopyTo(e, ctx.arg(1), std::move(copy));
  src.DeleteEntry(e);
  ctx.SetDirty();
  if (eng.key_modified) eng.key_modified(dst_id, ctx.arg(1));
  ctx.reply().Integer(1);
}

// SWAPDB index1 index2
void SwapDb(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (eng.cluster_enabled) return ctx.reply().Error("ERR SWAPDB is not allowed in cluster mode");
  auto a = base::ParseInt64(ctx.arg(1));
  if (!a || *a < INT32_MIN || *a > INT32_MAX)
    return ctx.reply().Error("ERR invalid first DB index");
  auto b = base::ParseInt64(ctx.arg(2));
  if (!b || *b < INT32_MIN || *b > INT32_MAX) {
    return ctx.reply().Error("ERR invalid second DB index");
  }
  if (*a < 0 || *a >= eng.num_dbs() || *b < 0 || *b >= eng.num_dbs()) {
    return ctx.reply().Error(kErrDbIndex);
  }
  int i = static_cast<int>(*a), j = static_cast<int>(*b);
  if (i != j) {
    eng.GetDb(i);
    eng.GetDb(j);
    std::swap(eng.dbs[static_cast<size_t>(i)], eng.dbs[static_cast<size_t>(j)]);
    eng.keyspace = eng.dbs[0].get();
    if (eng.init_db) {
      eng.init_db(*eng.dbs[static_cast<size_t>(i)], i);
      eng.init_db(*eng.dbs[static_cast<size_t>(j)], j);
    }
    if (eng.key_modified) {
      eng.key_modified(i, "");
      eng.key_modified(j, "");
    }
    ctx.SetDirty();
  }
  ctx.reply().Ok();
}

}  // namespace node::commands
