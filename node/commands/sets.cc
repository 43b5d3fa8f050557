// node/commands/sets.cc
//
// Set commands (SADD ... SSCAN), Redis 7.0 semantics and reply shapes.
// Registered in table_sets.inc; arity, auth and slot ownership were checked
// by the dispatcher before any of these run. Engine thread only.

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <random>
#include <unordered_set>

#include "node/commands/helpers.h"
#include "node/commands/sets_handlers.h"
#include "node/config/config.h"
#include "node/db/set_value.h"

namespace node::commands {

uint64_t RandomU64() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng();
}

std::optional<uint64_t> ScanCursorArg(CommandContext& ctx, size_t i) {
  std::string text(ctx.arg(i));
  char* end = nullptr;
  errno = 0;
  uint64_t v = strtoull(text.c_str(), &end, 10);
  if (text.empty() || isspace(static_cast<unsigned char>(text[0])) || *end != '\0' ||
      errno == ERANGE) {
    ctx.reply().Error("ERR invalid cursor");
    return std::nullopt;
  }
  return v;
}

bool ScanOptionsArg(CommandContext& ctx, size_t start, ScanOptions* out) {
  for (size_t i = start; i < ctx.argc();) {
    size_t left = ctx.argc() - i;
    if (Is(ctx.arg(i), "count") && left >= 2) {
      auto c = IntArg(ctx, i + 1);
      if (!c) return false;
      if (*c < 1) {
        ctx.reply().Error(kErrSyntax);
        return false;
      }
      out->count = *c;
      i += 2;
    } else if (Is(ctx.arg(i), "match") && left >= 2) {
      out->pattern = ctx.arg(i + 1);
      out->use_pattern = out->pattern != "*";
      i += 2;
    } else {
      ctx.reply().Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

std::optional<int64_t> RangeLongArg(CommandContext& ctx, size_t i, int64_t min, int64_t max,
                                    const char* msg) {
  auto v = base::ParseInt64(ctx.arg(i));
  if (!v) {
    ctx.reply().Error(msg ? std::string("ERR ") + msg : std::string(kErrNotInteger));
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    ctx.reply().Error(msg ? std::string("ERR ") + msg
                          : "ERR value is out of range, value must between " + std::to_string(min) +
                                " and " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::vector<int> SInterCardKeys(std::span<const std::string_view> args) {
  std::vector<int> out;
  if (args.size() < 2) return out;
  auto n = base::ParseInt64(args[1]);
  if (!n || *n < 1 || *n > static_cast<int64_t>(args.size()) - 2) return out;
  for (int i = 0; i < *n; i++) out.push_back(2 + i);
  return out;
}

namespace {

size_t MaxIntset(CommandContext& ctx) {
  auto* c = ctx.engine().config;
  int64_t v = c ? c->s.set_max_intset_entries : 512;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

db::SetValue* AsSet(db::Entry* e) { return e ? e->as<db::SetValue>() : nullptr; }

// Looks up a set for reading/writing; *wrong set (and WRONGTYPE replied) when
// the key holds another type.
db::SetValue* GetSet(CommandContext& ctx, std::string_view key, bool* wrong, bool write = false) {
  return AsSet(LookupTyped(ctx, key, db::ObjType::kSet, wrong, write));
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string_view>& members, bool as_set) {
  if (as_set) {
    ctx.reply().SetHeader(members.size());
  } else {
    ctx.reply().ArrayHeader(members.size());
  }
  for (auto m : members) ctx.reply().Bulk(m);
}

// Stores `value` at dst as Redis's setKey (any old value and TTL replaced), or
// deletes dst when the result is empty. Replies the cardinality.
void StoreResult(CommandContext& ctx, std::string_view dst, std::unique_ptr<db::SetValue> value) {
  auto& db = Db(ctx);
  if (!value || value->empty()) {
    if (db.Delete(dst)) ctx.SetDirty();
    return ctx.reply().Integer(0);
  }
  size_t n = value->size();
  db.Delete(dst);
  db.AddValue(dst, db::ObjType::kSet, std::move(value));
  ctx.SetDirty();
  ctx.reply().Integer(static_cast<int64_t>(n));
}

// Reads the sets named by args[first, first+n); nullptr for a missing key.
// Returns false after replying WRONGTYPE.
bool ReadSets(CommandContext& ctx, size_t first, size_t n, std::vector<db::SetValue*>* out) {
  out->clear();
  for (size_t i = 0; i < n; i++) {
    db::Entry* e = Db(ctx).LookupRead(ctx.arg(first + i));
    if (e && e->type != db::ObjType::kSet) {
      ctx.reply().Error(kErrWrongType);
      return false;
    }
    out->push_back(AsSet(e));
  }
  return true;
}

// SINTER / SINTERSTORE / SINTERCARD core: members of the intersection (or
// just their count, stopping at limit when limit > 0).
std::vector<std::string_view> Intersect(const std::vector<db::SetValue*>& sets, bool count_only,
                                        uint64_t limit, uint64_t* count) {
  std::vector<std::string_view> out;
  *count = 0;
  for (auto* s : sets) {
    if (!s) return out;
  }
  std::vector<db::SetValue*> order(sets);
  std::stable_sort(order.begin(), order.end(),
                   [](db::SetValue* a, db::SetValue* b) { return a->size() < b->size(); });
  for (auto m : order[0]->Members()) {
    bool all = true;
    for (size_t j = 1; j < order.size() && all; j++) {
      if (order[j] != order[0] && !order[j]->Contains(m)) all = false;
    }
    if (!all) continue;
    ++*count;
    if (count_only) {
      if (limit && *count >= limit) break;
    } else {
      out.push_back(m);
    }
  }
  return out;
}

enum class SetOp { kUnion, kDiff };

std::unique_ptr<db::SetValue> UnionDiff(CommandContext& ctx, const std::vector<db::SetValue*>& sets,
                                        SetOp op) {
  auto dst = std::make_unique<db::SetValue>();
  size_t max = MaxIntset(ctx);
  if (op == SetOp::kUnion) {
    for (auto* s : sets) {
      if (!s) continue;
      for (auto m : s->Members()) dst->Add(m, max);
    }
    return dst;
  }
  if (sets.empty() || !sets[0]) return dst;
  for (auto m : sets[0]->Members()) {
    bool found = false;
    for (size_t j = 1; j < sets.size() && !found; j++) {
      if (sets[j] && (sets[j] == sets[0] || sets[j]->Contains(m))) found = true;
    }
    if (!found) dst->Add(m, max);
  }
  return dst;
}

void UnionDiffCommand(CommandContext& ctx, size_t first, const std::string_view* dst, SetOp op) {
  std::vector<db::SetValue*> sets;
  if (!ReadSets(ctx, first, ctx.argc() - first, &sets)) return;
  auto result = UnionDiff(ctx, sets, op);
  if (dst) return StoreResult(ctx, *dst, std::move(result));
  ReplyMembers(ctx, result->Members(), true);
}

void InterCommand(CommandContext& ctx, size_t first, const std::string_view* dst) {
  std::vector<db::SetValue*> sets;
  if (!ReadSets(ctx, first, ctx.argc() - first, &sets)) return;
  uint64_t n;
  auto members = Intersect(sets, false, 0, &n);
  if (!dst) return ReplyMembers(ctx, members, true);
  auto out = std::make_unique<db::SetValue>();
  size_t max = MaxIntset(ctx);
  for (auto m : members) out->Add(m, max);
  StoreResult(ctx, *dst, std::move(out));
}

}  // namespace

// SADD key member [member ...]
void SAdd(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kSet, &wrong, true);
  if (wrong) return;
  if (!e) {
    e = Db(ctx).AddValue(ctx.arg(1), db::ObjType::kSet, std::make_unique<db::SetValue>(ctx.arg(2)));
  }
  auto* s = AsSet(e);
  size_t max = MaxIntset(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i++) added += s->Add(ctx.arg(i), max) ? 1 : 0;
  if (added) ctx.SetDirty(added);
  ctx.reply().Integer(added);
}

// SREM key member [member ...]
void SRem(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kSet, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  auto* s = AsSet(e);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (s->Remove(ctx.arg(i))) {
      removed++;
      if (s->empty()) {
        Db(ctx).DeleteEntry(e);
        break;
      }
    }
  }
  if (removed) ctx.SetDirty(removed);
  ctx.reply().Integer(removed);
}

// SMEMBERS key (SINTER of one key, as in Redis 7.0)
void SMembers(CommandContext& ctx) { InterCommand(ctx, 1, nullptr); }

// SISMEMBER key member
void SIsMember(CommandContext& ctx) {
  bool wrong;
  auto* s = GetSet(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  ctx.reply().Integer(s && s->Contains(ctx.arg(2)) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void SMIsMember(CommandContext& ctx) {
  bool wrong;
  auto* s = GetSet(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) ctx.reply().Integer(s && s->Contains(ctx.arg(i)) ? 1 : 0);
}

// SCARD key
void SCard(CommandContext& ctx) {
  bool wrong;
  auto* s = GetSet(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  ctx.reply().Integer(s ? static_cast<int64_t>(s->size()) : 0);
}

// SPOP key [count]
void SPop(CommandContext& ctx) {
  auto& r = ctx.reply();
  std::string key(ctx.arg(1));
  if (ctx.argc() > 3) return r.Error(kErrSyntax);
  if (ctx.argc() == 2) {
    bool wrong;
    db::Entry* e = LookupTyped(ctx, key, db::ObjType::kSet, &wrong, true);
    if (wrong) return;
    if (!e) return r.Null();
    auto* s = AsSet(e);
    std::string m = s->At(RandomU64() % s->size());
    s->Remove(m);
    r.Bulk(m);
    if (s->empty()) Db(ctx).DeleteEntry(e);
    ctx.SetDirty();
    ctx.PropagateAs({"SREM", key, m});
    return;
  }
  auto count = RangeLongArg(ctx, 2, 0, INT64_MAX, "value is out of range, must be positive");
  if (!count) return;
  bool wrong;
  db::Entry* e = LookupTyped(ctx, key, db::ObjType::kSet, &wrong, true);
  if (wrong) return;
  if (!e || *count == 0) return r.SetHeader(0);
  auto* s = AsSet(e);
  uint64_t n = static_cast<uint64_t>(*count);
  if (n >= s->size()) {
    ReplyMembers(ctx, s->Members(), true);
    ctx.SetDirty(static_cast<long long>(s->size()));
    Db(ctx).DeleteEntry(e);
    ctx.PropagateAs({"DEL", key});
    return;
  }
  std::vector<std::string> popped;
  size_t remaining = s->size() - n;
  if (remaining * 5 > n) {
    while (popped.size() < n) {
      std::string m = s->At(RandomU64() % s->size());
      s->Remove(m);
      popped.push_back(std::move(m));
    }
  } else {
    // Redis moves the few survivors into a fresh set (which may be an intset
    // again) and replies with the rest.
    std::vector<std::string> keep;
    while (keep.size() < remaining) {
      std::string m = s->At(RandomU64() % s->size());
      s->Remove(m);
      keep.push_back(std::move(m));
    }
    for (auto m : s->Members()) popped.emplace_back(m);
    Db(ctx).DeleteEntry(e);
    Db(ctx).AddValue(key, db::ObjType::kSet, db::SetValue::FromMembers(keep, MaxIntset(ctx)));
  }
  r.SetHeader(popped.size());
  std::vector<std::string> prop = {"SREM", key};
  for (auto& m : popped) {
    r.Bulk(m);
    prop.push_back(m);
  }
  ctx.SetDirty(static_cast<long long>(popped.size()));
  ctx.PropagateAs(std::move(prop));
}

// SRANDMEMBER key [count]
void SRandMember(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() > 3) return r.Error(kErrSyntax);
  if (ctx.argc() == 2) {
    bool wrong;
    auto* s = GetSet(ctx, ctx.arg(1), &wrong);
    if (wrong) return;
    if (!s) return r.Null();
    return r.Bulk(s->At(RandomU64() % s->size()));
  }
  auto l = RangeLongArg(ctx, 2, -INT64_MAX, INT64_MAX, nullptr);
  if (!l) return;
  bool uniq = *l >= 0;
  uint64_t count = uniq ? static_cast<uint64_t>(*l) : static_cast<uint64_t>(-*l);
  bool wrong;
  auto* s = GetSet(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  if (!s || count == 0) return r.ArrayHeader(0);
  size_t size = s->size();
  if (!uniq || count == 1) {
    r.ArrayHeader(count);
    for (uint64_t i = 0; i < count; i++) r.Bulk(s->At(RandomU64() % size));
    return;
  }
  if (count >= size) return ReplyMembers(ctx, s->Members(), false);
  // Distinct random positions.
  std::vector<size_t> idx(size);
  for (size_t i = 0; i < size; i++) idx[i] = i;
  for (size_t i = 0; i < count; i++) {
    size_t j = i + RandomU64() % (size - i);
    std::swap(idx[i], idx[j]);
  }
  r.ArrayHeader(count);
  for (size_t i = 0; i < count; i++) r.Bulk(s->At(idx[i]));
}

// SMOVE source destination member
void SMove(CommandContext& ctx) {
  auto& db = Db(ctx);
  std::string_view src_key = ctx.arg(1), dst_key = ctx.arg(2), member = ctx.arg(3);
  db::Entry* src = db.LookupWrite(src_key);
  db::Entry* dst = db.LookupWrite(dst_key);
  if (!src) return ctx.reply().Integer(0);
  if (src->type != db::ObjType::kSet || (dst && dst->type != db::ObjType::kSet)) {
    return ctx.reply().Error(kErrWrongType);
  }
  auto* ss = AsSet(src);
  if (src == dst) return ctx.reply().Integer(ss->Contains(member) ? 1 : 0);
  if (!ss->Remove(member)) return ctx.reply().Integer(0);
  if (ss->empty()) db.DeleteEntry(src);
  dst = db.Find(dst_key);
  if (!dst) {
    dst = db.AddValue(dst_key, db::ObjType::kSet, std::make_unique<db::SetValue>(member));
  }
  ctx.SetDirty();
  if (AsSet(dst)->Add(member, MaxIntset(ctx))) ctx.SetDirty();
  ctx.reply().Integer(1);
}

// SINTER key [key ...]
void SInter(CommandContext& ctx) { InterCommand(ctx, 1, nullptr); }

// SINTERSTORE destination key [key ...]
void SInterStore(CommandContext& ctx) {
  std::string_view dst = ctx.arg(1);
  InterCommand(ctx, 2, &dst);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& ctx) {
  auto numkeys = RangeLongArg(ctx, 1, 1, INT64_MAX, "numkeys should be greater than 0");
  if (!numkeys) return;
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    return ctx.reply().Error("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(*numkeys); j < ctx.argc(); j++) {
    if (Is(ctx.arg(j), "limit") && j + 1 < ctx.argc()) {
      auto l = RangeLongArg(ctx, ++j, 0, INT64_MAX, "LIMIT can't be negative");
      if (!l) return;
      limit = *l;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  std::vector<db::SetValue*> sets;
  if (!ReadSets(ctx, 2, static_cast<size_t>(*numkeys), &sets)) return;
  uint64_t n;
  Intersect(sets, true, static_cast<uint64_t>(limit), &n);
  ctx.reply().Integer(static_cast<int64_t>(n));
}

void SUnion(CommandContext& ctx) { UnionDiffCommand(ctx, 1, nullptr, SetOp::kUnion); }

void SUnionStore(CommandContext& ctx) {
  std::string_view dst = ctx.arg(1);
  UnionDiffCommand(ctx, 2, &dst, SetOp::kUnion);
}

void SDiff(CommandContext& ctx) { UnionDiffCommand(ctx, 1, nullptr, SetOp::kDiff); }

void SDiffStore(CommandContext& ctx) {
  std::string_view dst = ctx.arg(1);
  UnionDiffCommand(ctx, 2, &dst, SetOp::kDiff);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScan(CommandContext& ctx) {
  auto cursor = ScanCursorArg(ctx, 2);
  if (!cursor) return;
  bool wrong;
  auto* s = GetSet(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  auto& r = ctx.reply();
  if (!s) {
    r.ArrayHeader(2);
    r.Bulk("0");
    return r.ArrayHeader(0);
  }
  ScanOptions opt;
  if (!ScanOptionsArg(ctx, 3, &opt)) return;
  std::vector<std::string_view> found;
  uint64_t next = s->Scan(*cursor, static_cast<size_t>(opt.count), &found);
  std::vector<std::string_view> out;
  for (auto m : found) {
    if (!opt.use_pattern || base::GlobMatch(opt.pattern, m)) out.push_back(m);
  }
  r.ArrayHeader(2);
  r.Bulk(std::to_string(next));
  ReplyMembers(ctx, out, false);
}

}  // namespace node::commands
