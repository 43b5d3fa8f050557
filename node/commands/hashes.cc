// node/commands/hashes.cc
//
// Hash commands. Registered in table_hashes.inc; arity, auth and slot
// ownership were checked by the dispatcher. The listpack/hashtable thresholds
// come from the config table (hash-max-listpack-entries/value). Engine thread
// only.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <unordered_set>

#include "node/commands/hashes_handlers.h"
#include "node/commands/helpers.h"
#include "node/config/config.h"
#include "node/db/hash_value.h"

namespace node::commands {

namespace {

db::HashLimits Limits(CommandContext& ctx) {
  db::HashLimits l;
  if (auto* cfg = ctx.engine().config) {
    l.max_listpack_entries =
        static_cast<size_t>(std::max<int64_t>(0, cfg->s.hash_max_listpack_entries));
    l.max_listpack_value = static_cast<size_t>(cfg->s.hash_max_listpack_value);
  }
  return l;
}

std::mt19937_64& Rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

db::HashValue* HashOf(db::Entry* e) { return e->as<db::HashValue>(); }

// The hash at key for a write, created when missing; nullptr after a
// WRONGTYPE reply.
db::HashValue* HashForWrite(CommandContext& ctx, std::string_view key) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, key, db::ObjType::kHash, &wrong, true);
  if (wrong) return nullptr;
  if (e) return HashOf(e);
  auto v = std::make_unique<db::HashValue>();
  db::HashValue* h = v.get();
  Db(ctx).AddValue(key, db::ObjType::kHash, std::move(v));
  return h;
}

// Reads a hash key; *done is set when a reply (WRONGTYPE) was sent.
db::HashValue* HashForRead(CommandContext& ctx, std::string_view key, bool* done) {
  db::Entry* e = LookupTyped(ctx, key, db::ObjType::kHash, done);
  return e ? HashOf(e) : nullptr;
}

void SetPairs(CommandContext& ctx, bool reply_ok) {
  if (ctx.argc() % 2 != 0) return ctx.ArityError();
  db::HashValue* h = HashForWrite(ctx, ctx.arg(1));
  if (!h) return;
  auto limits = Limits(ctx);
  int64_t created = 0;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    if (h->Set(ctx.arg(i), ctx.arg(i + 1), limits)) created++;
  }
  ctx.SetDirty(static_cast<long long>((ctx.argc() - 2) / 2));
  reply_ok ? ctx.reply().Ok() : ctx.reply().Integer(created);
}

// Lists the fields and/or values (HKEYS, HVALS, HGETALL).
void GetAllGeneric(CommandContext& ctx, bool keys, bool values) {
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  auto& r = ctx.reply();
  size_t n = h ? h->size() : 0;
  if (keys && values) {
    r.MapHeader(n);
  } else {
    r.ArrayHeader(n);
  }
  if (!h) return;
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (keys) r.Bulk(f);
    if (values) r.Bulk(v);
  });
}

void ReplyPair(resp::ReplyBuilder& r, std::string_view f, std::string_view v, bool withvalues) {
  if (withvalues && r.resp3()) r.ArrayHeader(2);
  r.Bulk(f);
  if (withvalues) r.Bulk(v);
}

}  // namespace

// HSET key field value [field value ...]
void HSet(CommandContext& ctx) { SetPairs(ctx, false); }
// HMSET key field value [field value ...]
void HMSet(CommandContext& ctx) { SetPairs(ctx, true); }

// HSETNX key field value
void HSetNx(CommandContext& ctx) {
  db::HashValue* h = HashForWrite(ctx, ctx.arg(1));
  if (!h) return;
  if (h->Get(ctx.arg(2))) return ctx.reply().Integer(0);
  h->Set(ctx.arg(2), ctx.arg(3), Limits(ctx));
  ctx.SetDirty();
  ctx.reply().Integer(1);
}

// HGET key field
void HGet(CommandContext& ctx) {
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  const std::string* v = h ? h->Get(ctx.arg(2)) : nullptr;
  v ? ctx.reply().Bulk(*v) : ctx.reply().Null();
}

// HMGET key field [field ...]
void HMGet(CommandContext& ctx) {
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  auto& r = ctx.reply();
  r.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    const std::string* v = h ? h->Get(ctx.arg(i)) : nullptr;
    v ? r.Bulk(*v) : r.Null();
  }
}

// HDEL key field [field ...]
void HDel(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kHash, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  db::HashValue* h = HashOf(e);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (h->Delete(ctx.arg(i))) {
      deleted++;
      if (h->empty()) break;
    }
  }
  if (deleted) {
    if (h->empty()) Db(ctx).DeleteEntry(e);
    ctx.SetDirty(deleted);
  }
  ctx.reply().Integer(deleted);
}

// HLEN key
void HLen(CommandContext& ctx) {
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  ctx.reply().Integer(h ? static_cast<int64_t>(h->size()) : 0);
}

// HSTRLEN key field
void HStrLen(CommandContext& ctx) {
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  const std::string* v = h ? h->Get(ctx.arg(2)) : nullptr;
  ctx.reply().Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

// HEXISTS key field
void HExists(CommandContext& ctx) {
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  ctx.reply().Integer(h && h->Get(ctx.arg(2)) ? 1 : 0);
}

void HKeys(CommandContext& ctx) { GetAllGeneric(ctx, true, false); }
void HVals(CommandContext& ctx) { GetAllGeneric(ctx, false, true); }
void HGetAll(CommandContext& ctx) { GetAllGeneric(ctx, true, true); }

// HINCRBY key field increment
void HIncrBy(CommandContext& ctx) {
  auto incr = IntArg(ctx, 3);
  if (!incr) return;
  db::HashValue* h = HashForWrite(ctx, ctx.arg(1));
  if (!h) return;
  int64_t cur = 0;
  if (const std::string* v = h->Get(ctx.arg(2))) {
    auto p = base::ParseInt64(*v);
    if (!p) return ctx.reply().Error("ERR hash value is not an integer");
    cur = *p;
  }
  if ((*incr < 0 && cur < 0 && *incr < std::numeric_limits<int64_t>::min() - cur) ||
      (*incr > 0 && cur > 0 && *incr > std::numeric_limits<int64_t>::max() - cur)) {
    return ctx.reply().Error(kErrOverflow);
  }
  cur += *incr;
  h->Set(ctx.arg(2), base::Int64ToString(cur), Limits(ctx));
  ctx.SetDirty();
  ctx.reply().Integer(cur);
}

// HINCRBYFLOAT key field increment (propagated as HSET key field result)
void HIncrByFloat(CommandContext& ctx) {
  auto incr = base::ParseLongDouble(ctx.arg(3));
  if (!incr) return ctx.reply().Error(kErrNotFloat);
  if (std::isnan(*incr) || std::isinf(*incr)) {
    return ctx.reply().Error("ERR value is NaN or Infinity");
  }
  db::HashValue* h = HashForWrite(ctx, ctx.arg(1));
  if (!h) return;
  long double cur = 0;
  if (const std::string* v = h->Get(ctx.arg(2))) {
    auto p = base::ParseLongDouble(*v);
    if (!p) return ctx.reply().Error("ERR hash value is not a float");
    cur = *p;
  }
  cur += *incr;
  if (std::isnan(cur) || std::isinf(cur)) return ctx.reply().Error(kErrIncrNanInf);
  std::string s = base::FormatLongDoubleHuman(cur);
  h->Set(ctx.arg(2), s, Limits(ctx));
  ctx.SetDirty();
  ctx.PropagateAs({"HSET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), s});
  ctx.reply().Bulk(s);
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandField(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() == 2) {
    bool done;
    db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
    if (done) return;
    if (!h) return r.Null();
    return r.Bulk(h->Random(Rng()).first);
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto l = base::ParseInt64(ctx.arg(2));
  if (!l) return r.Error(kErrNotInteger);
  if (*l < -kMax) {
    return r.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  bool withvalues = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !Is(ctx.arg(3), "withvalues"))) {
    return r.Error(kErrSyntax);
  }
  if (ctx.argc() == 4) {
    withvalues = true;
    if (*l < -kMax / 2 || *l > kMax / 2) return r.Error("ERR value is out of range");
  }
  bool uniq = *l >= 0;
  uint64_t count = uniq ? static_cast<uint64_t>(*l) : static_cast<uint64_t>(-*l);
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  if (!h || count == 0 || h->empty()) return r.ArrayHeader(0);
  size_t per = withvalues && !r.resp3() ? 2 : 1;
  auto& rng = Rng();
  if (!uniq) {
    // Redis replies every requested pick, however many.
    r.ArrayHeader(count * per);
    for (uint64_t i = 0; i < count; i++) {
      auto p = h->Random(rng);
      ReplyPair(r, p.first, p.second, withvalues);
    }
    return;
  }
  size_t size = h->size();
  if (count >= size) {
    r.ArrayHeader(size * per);
    h->ForEach([&](std::string_view f, std::string_view v) { ReplyPair(r, f, v, withvalues); });
    return;
  }
  r.ArrayHeader(count * per);
  if (count * 3 > size) {
    // Many picks: shuffle the first `count` of all pairs.
    auto pairs = h->Pairs();
    for (size_t i = 0; i < count; i++) {
      size_t j = i + rng() % (size - i);
      std::swap(pairs[i], pairs[j]);
      ReplyPair(r, pairs[i].first, pairs[i].second, withvalues);
    }
    return;
  }
  // Few picks: random draws until `count` distinct fields.
  std::unordered_set<std::string_view> seen;
  while (seen.size() < count) {
    auto p = h->Random(rng);
    if (seen.insert(p.first).second) ReplyPair(r, p.first, p.second, withvalues);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void HScan(CommandContext& ctx) {
  // strtoul rules, as Redis's parseScanCursorOrReply ("-1" wraps around).
  std::string cur_text(ctx.arg(2));
  char* eptr = nullptr;
  errno = 0;
  uint64_t cursor = strtoull(cur_text.c_str(), &eptr, 10);
  if (cur_text.empty() || isspace(static_cast<unsigned char>(cur_text[0])) || *eptr != '\0' ||
      errno == ERANGE) {
    return ctx.reply().Error("ERR invalid cursor");
  }
  bool done;
  db::HashValue* h = HashForRead(ctx, ctx.arg(1), &done);
  if (done) return;
  auto& r = ctx.reply();
  if (!h) {
    r.ArrayHeader(2);
    r.Bulk("0");
    return r.ArrayHeader(0);
  }
  std::string_view pattern;
  bool use_pattern = false;
  int64_t count = 10;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) return r.Error(kErrSyntax);
    std::string_view o = ctx.arg(i);
    if (Is(o, "count")) {
      auto c = IntArg(ctx, i + 1);
      if (!c) return;
      if (*c < 1) return r.Error(kErrSyntax);
      count = *c;
    } else if (Is(o, "match")) {
      pattern = ctx.arg(i + 1);
      use_pattern = pattern != "*";
    } else {
      return r.Error(kErrSyntax);
    }
  }
  std::vector<std::pair<std::string_view, std::string_view>> out;
  uint64_t next =
      h->Scan(cursor, static_cast<size_t>(count), [&](std::string_view f, std::string_view v) {
        if (use_pattern && !base::GlobMatch(pattern, f)) return;
        out.emplace_back(f, v);
      });
  r.ArrayHeader(2);
  r.Bulk(std::to_string(next));
  r.ArrayHeader(out.size() * 2);
  for (auto& [f, v] : out) {
    r.Bulk(f);
    r.Bulk(v);
  }
}

}  // namespace node::commands
