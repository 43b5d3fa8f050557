// node/commands/zsets.cc
//
// Sorted-set commands (ZADD ... ZSCAN, ZMPOP, BZPOPMIN/BZPOPMAX/BZMPOP),
// Redis 7.0 semantics and reply shapes. Registered in table_zsets.inc; arity,
// auth and slot ownership were checked by the dispatcher before any of these
// run. Engine thread only.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "node/commands/helpers.h"
#include "node/commands/sets_handlers.h"
#include "node/commands/zsets_handlers.h"
#include "node/config/config.h"
#include "node/db/set_value.h"
#include "node/db/zset_value.h"

namespace node::commands {

namespace {

using db::ZSetValue;
using Pairs = std::vector<std::pair<std::string, double>>;

size_t MaxEntries(CommandContext& ctx) {
  auto* c = ctx.engine().config;
  int64_t v = c ? c->s.zset_max_listpack_entries : 128;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

size_t MaxValue(CommandContext& ctx) {
  auto* c = ctx.engine().config;
  return c ? static_cast<size_t>(c->s.zset_max_listpack_value) : 64;
}

ZSetValue* AsZ(db::Entry* e) { return e ? e->as<ZSetValue>() : nullptr; }

ZSetValue* GetZ(CommandContext& ctx, std::string_view key, bool* wrong, bool write = false) {
  return AsZ(LookupTyped(ctx, key, db::ObjType::kZSet, wrong, write));
}

// zslParseRange: strtod on the C string, "(" for exclusive, NaN refused.
bool ParseScoreBound(std::string_view arg, double* v, bool* ex) {
  std::string s(arg);
  const char* p = s.c_str();
  *ex = false;
  if (p[0] == '(') {
    *ex = true;
    p++;
  }
  char* end = nullptr;
  *v = strtod(p, &end);
  return end[0] == '\0' && !std::isnan(*v);
}

bool ParseScoreRange(std::string_view min, std::string_view max, db::ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

bool ParseLexItem(std::string_view s, std::string* out, bool* ex, bool* neg, bool* pos) {
  *neg = *pos = false;
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
      if (s.size() != 1) return false;
      *ex = true;
      *pos = true;
      return true;
    case '-':
      if (s.size() != 1) return false;
      *ex = true;
      *neg = true;
      return true;
    case '(':
      *ex = true;
      out->assign(s.substr(1));
      return true;
    case '[':
      *ex = false;
      out->assign(s.substr(1));
      return true;
    default:
      return false;
  }
}

bool ParseLexRange(std::string_view min, std::string_view max, db::LexRange* r) {
  return ParseLexItem(min, &r->min, &r->minex, &r->min_neg_inf, &r->min_pos_inf) &&
         ParseLexItem(max, &r->max, &r->maxex, &r->max_neg_inf, &r->max_pos_inf);
}

// Replies (member, score) pairs: RESP2 flat (scores as bulk doubles), RESP3
// [member, score] pairs when withscores.
template <typename List>
void ReplyPairs(CommandContext& ctx, const List& items, bool withscores) {
  auto& r = ctx.reply();
  bool nested = withscores && r.resp3();
  r.ArrayHeader(withscores && !nested ? items.size() * 2 : items.size());
  for (auto& [m, s] : items) {
    if (nested) r.ArrayHeader(2);
    r.Bulk(m);
    if (withscores) r.Double(s);
  }
}

// Stores a freshly built zset at dst like Redis's setKey, or deletes dst when
// empty; replies the cardinality.
void StoreZ(CommandContext& ctx, std::string_view dst, const Pairs& items) {
  auto& db = Db(ctx);
  if (items.empty()) {
    if (db.Delete(dst)) ctx.SetDirty();
    return ctx.reply().Integer(0);
  }
  auto z = ZSetValue::FromPairs(items, MaxEntries(ctx), MaxValue(ctx));
  size_t n = z->size();
  db.Delete(dst);
  db.AddValue(dst, db::ObjType::kZSet, std::move(z));
  ctx.SetDirty();
  ctx.reply().Integer(static_cast<int64_t>(n));
}

// ZADD / ZINCRBY (zaddGenericCommand).
void ZAddGeneric(CommandContext& ctx, int flags) {
  auto& r = ctx.reply();
  bool ch = false;
  size_t idx = 2;
  for (; idx < ctx.argc(); idx++) {
    std::string_view o = ctx.arg(idx);
    if (Is(o, "nx")) {
      flags |= ZSetValue::kNx;
    } else if (Is(o, "xx")) {
      flags |= ZSetValue::kXx;
    } else if (Is(o, "ch")) {
      ch = true;
    } else if (Is(o, "incr")) {
      flags |= ZSetValue::kIncr;
    } else if (Is(o, "gt")) {
      flags |= ZSetValue::kGt;
    } else if (Is(o, "lt")) {
      flags |= ZSetValue::kLt;
    } else {
      break;
    }
  }
  bool incr = flags & ZSetValue::kIncr, nx = flags & ZSetValue::kNx, xx = flags & ZSetValue::kXx,
       gt = flags & ZSetValue::kGt, lt = flags & ZSetValue::kLt;
  size_t elements = ctx.argc() - idx;
  if (elements % 2 || !elements) return r.Error(kErrSyntax);
  elements /= 2;
  if (nx && xx) return r.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return r.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && elements > 1) {
    return r.Error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; j++) {
    auto d = base::ParseDouble(ctx.arg(idx + j * 2));
    if (!d) return r.Error(kErrNotFloat);
    scores[j] = *d;
  }
  std::string_view key = ctx.arg(1);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, key, db::ObjType::kZSet, &wrong, true);
  if (wrong) return;
  size_t max_entries = MaxEntries(ctx), max_value = MaxValue(ctx);
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  if (!e) {
    if (xx) {
      if (incr) return r.Null();
      return r.Integer(0);
    }
    bool listpack = max_entries != 0 && max_value >= ctx.arg(idx + 1).size();
    e = Db(ctx).AddValue(key, db::ObjType::kZSet, std::make_unique<ZSetValue>(listpack));
  }
  auto* z = AsZ(e);
  for (size_t j = 0; j < elements; j++) {
    int out = 0;
    double newscore = 0;
    if (!z->Add(scores[j], ctx.arg(idx + 1 + j * 2), flags, &out, &newscore, max_entries,
                max_value)) {
      ctx.SetDirty(added + updated);
      return r.Error("ERR resulting score is not a number (NaN)");
    }
    if (out & ZSetValue::kOutAdded) added++;
    if (out & ZSetValue::kOutUpdated) updated++;
    if (!(out & ZSetValue::kOutNop)) processed++;
    score = newscore;
  }
  if (added + updated) ctx.SetDirty(added + updated);
  if (incr) {
    if (processed) return r.Double(score);
    return r.Null();
  }
  r.Integer(ch ? added + updated : added);
}

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// The shared body of ZRANGE, ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE ...
// (zrangeGenericCommand). Collects the result, then replies or stores.
void ZRangeGeneric(CommandContext& ctx, size_t argc_start, bool store, RangeType type,
                   Direction dir) {
  auto& r = ctx.reply();
  std::string_view key = ctx.arg(argc_start);
  size_t minidx = argc_start + 1, maxidx = argc_start + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = argc_start + 3; j < ctx.argc(); j++) {
    size_t left = ctx.argc() - j - 1;
    std::string_view o = ctx.arg(j);
    if (!store && Is(o, "withscores")) {
      withscores = true;
    } else if (Is(o, "limit") && left >= 2) {
      auto off = IntArg(ctx, j + 1);
      if (!off) return;
      auto lim = IntArg(ctx, j + 2);
      if (!lim) return;
      offset = *off;
      limit = *lim;
      j += 2;
    } else if (dir == Direction::kAuto && Is(o, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && Is(o, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && Is(o, "byscore")) {
      type = RangeType::kScore;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (limit != -1 && type == RangeType::kRank) {
    return r.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && type == RangeType::kLex) {
    return r.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  bool reverse = dir == Direction::kReverse;
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);
  int64_t start = 0, end = 0;
  db::ScoreRange srange;
  db::LexRange lrange;
  if (type == RangeType::kRank) {
    auto a = IntArg(ctx, minidx);
    if (!a) return;
    auto b = IntArg(ctx, maxidx);
    if (!b) return;
    start = *a;
    end = *b;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(ctx.arg(minidx), ctx.arg(maxidx), &srange)) {
      return r.Error("ERR min or max is not a float");
    }
  } else if (!ParseLexRange(ctx.arg(minidx), ctx.arg(maxidx), &lrange)) {
    return r.Error("ERR min or max not valid string range item");
  }
  db::Entry* e = Db(ctx).LookupRead(key);
  if (!e) {
    if (store) return StoreZ(ctx, ctx.arg(1), {});
    return r.ArrayHeader(0);
  }
  if (e->type != db::ObjType::kZSet) return r.Error(kErrWrongType);
  auto* z = AsZ(e);
  std::vector<std::pair<std::string_view, double>> out;
  int64_t llen = static_cast<int64_t>(z->size());
  if (type == RangeType::kRank) {
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (!(start > end || start >= llen)) {
      if (end >= llen) end = llen - 1;
      int64_t n = end - start + 1;
      const ZSetValue::Node* node =
          z->ByRank(static_cast<size_t>(reverse ? llen - 1 - start : start));
      for (; node && n > 0; n--) {
        out.emplace_back(node->member, node->score);
        node = reverse ? ZSetValue::Prev(node) : ZSetValue::Next(node);
      }
    }
  } else {
    bool by_score = type == RangeType::kScore;
    const ZSetValue::Node* node = nullptr;
    if (!(by_score && offset > 0 && offset >= llen) && offset >= 0) {
      if (by_score) {
        node = reverse ? z->LastInRange(srange) : z->FirstInRange(srange);
      } else {
        node = reverse ? z->LastInLexRange(lrange) : z->FirstInLexRange(lrange);
      }
      for (int64_t k = 0; node && k < offset; k++) {
        node = reverse ? ZSetValue::Prev(node) : ZSetValue::Next(node);
      }
    }
    while (node && limit != 0) {
      bool in;
      if (by_score) {
        in = reverse ? ZSetValue::ValueGteMin(node->score, srange)
                     : ZSetValue::ValueLteMax(node->score, srange);
      } else {
        in = reverse ? ZSetValue::LexGteMin(node->member, lrange)
                     : ZSetValue::LexLteMax(node->member, lrange);
      }
      if (!in) break;
      out.emplace_back(node->member, node->score);
      if (limit > 0) limit--;
      node = reverse ? ZSetValue::Prev(node) : ZSetValue::Next(node);
    }
  }
  if (store) {
    Pairs items;
    items.reserve(out.size());
    for (auto& [m, s] : out) items.emplace_back(std::string(m), s);
    return StoreZ(ctx, ctx.arg(1), items);
  }
  ReplyPairs(ctx, out, withscores);
}

enum class RemType { kRank, kScore, kLex };

void ZRemRangeGeneric(CommandContext& ctx, RemType type) {
  auto& r = ctx.reply();
  int64_t start = 0, end = 0;
  db::ScoreRange srange;
  db::LexRange lrange;
  if (type == RemType::kRank) {
    auto a = IntArg(ctx, 2);
    if (!a) return;
    auto b = IntArg(ctx, 3);
    if (!b) return;
    start = *a;
    end = *b;
  } else if (type == RemType::kScore) {
    if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &srange)) {
      return r.Error("ERR min or max is not a float");
    }
  } else if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &lrange)) {
    return r.Error("ERR min or max not valid string range item");
  }
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kZSet, &wrong, true);
  if (wrong) return;
  if (!e) return r.Integer(0);
  auto* z = AsZ(e);
  size_t deleted = 0;
  if (type == RemType::kRank) {
    int64_t llen = static_cast<int64_t>(z->size());
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return r.Integer(0);
    if (end >= llen) end = llen - 1;
    deleted = z->RemoveRangeByRank(static_cast<size_t>(start), static_cast<size_t>(end));
  } else if (type == RemType::kScore) {
    deleted = z->RemoveRangeByScore(srange);
  } else {
    deleted = z->RemoveRangeByLex(lrange);
  }
  if (z->empty()) Db(ctx).DeleteEntry(e);
  if (deleted) ctx.SetDirty(static_cast<long long>(deleted));
  r.Integer(static_cast<int64_t>(deleted));
}

// genericZpopCommand: pops from the first existing key among keys. count -1
// means a single pop. Returns the key popped from ("" when none).
std::string ZPopGeneric(CommandContext& ctx, const std::vector<std::string_view>& keys, bool max,
                        bool emitkey, int64_t count, bool nested, bool nil_when_empty) {
  auto& r = ctx.reply();
  db::Entry* e = nullptr;
  std::string_view key;
  for (auto k : keys) {
    e = Db(ctx).LookupWrite(k);
    if (!e) continue;
    if (e->type != db::ObjType::kZSet) {
      r.Error(kErrWrongType);
      return "";
    }
    key = k;
    break;
  }
  if (!e) {
    if (nil_when_empty) {
      r.NullArray();
    } else {
      r.ArrayHeader(0);
    }
    return "";
  }
  if (count == 0) {
    r.ArrayHeader(0);
    return "";
  }
  if (count == -1) count = 1;
  auto* z = AsZ(e);
  int64_t llen = static_cast<int64_t>(z->size());
  int64_t n = count > llen ? llen : count;
  if (!nested && !emitkey) {
    r.ArrayHeader(static_cast<size_t>(n) * 2);
  } else if (nested && !emitkey) {
    r.ArrayHeader(static_cast<size_t>(n));
  } else if (!nested && emitkey) {
    r.ArrayHeader(static_cast<size_t>(n) * 2 + 1);
    r.Bulk(key);
  } else {
    r.ArrayHeader(2);
    r.Bulk(key);
    r.ArrayHeader(static_cast<size_t>(n));
  }
  for (int64_t i = 0; i < n; i++) {
    const ZSetValue::Node* node = max ? z->Last() : z->First();
    std::string m = node->member;
    double s = node->score;
    z->Remove(m);
    if (nested) r.ArrayHeader(2);
    r.Bulk(m);
    r.Double(s);
  }
  ctx.SetDirty(n);
  std::string popped_key(key);
  if (z->empty()) Db(ctx).DeleteEntry(e);
  return popped_key;
}

void ZPopMinMax(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.reply().Error(kErrSyntax);
  int64_t count = -1;
  if (ctx.argc() == 3) {
    auto c = RangeLongArg(ctx, 2, 0, INT64_MAX, "value is out of range, must be positive");
    if (!c) return;
    count = *c;
  }
  bool nested = ctx.reply().resp3() && count != -1;
  ZPopGeneric(ctx, {ctx.arg(1)}, max, false, count, nested, false);
}

// getTimeoutFromObjectOrReply(UNIT_SECONDS): relative ms, 0 = forever.
std::optional<int64_t> TimeoutArg(CommandContext& ctx, size_t i) {
  auto v = base::ParseLongDouble(ctx.arg(i));
  if (!v) {
    ctx.reply().Error("ERR timeout is not a float or out of range");
    return std::nullopt;
  }
  long double ms = ceill(*v * 1000.0L);
  if (ms < 0) {
    ctx.reply().Error(kErrTimeoutNeg);
    return std::nullopt;
  }
  if (ms > 9.2e18L) ms = 9.2e18L;
  return static_cast<int64_t>(ms);
}

// blockingGenericZpopCommand.
void BlockingZPop(CommandContext& ctx, const std::vector<std::string_view>& keys, bool max,
                  size_t timeout_idx, int64_t count, bool nested, bool nil_when_empty) {
  auto timeout = TimeoutArg(ctx, timeout_idx);
  if (!timeout) return;
  for (auto k : keys) {
    db::Entry* e = Db(ctx).LookupWrite(k);
    if (!e) continue;
    if (e->type != db::ObjType::kZSet) return ctx.reply().Error(kErrWrongType);
    int64_t llen = static_cast<int64_t>(AsZ(e)->size());
    std::string popped = ZPopGeneric(ctx, {k}, max, true, count, nested, nil_when_empty);
    std::vector<std::string> prop = {max ? "ZPOPMAX" : "ZPOPMIN", popped};
    if (count != -1) prop.push_back(std::to_string(count > llen ? llen : count));
    ctx.PropagateAs(std::move(prop));
    return;
  }
  std::vector<std::string> watch(keys.begin(), keys.end());
  if (!ctx.BlockOn(std::move(watch), *timeout)) ctx.reply().NullArray();
}

// ZMPOP / BZMPOP argument parsing (zmpopGenericCommand).
void ZMPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool block) {
  auto& r = ctx.reply();
  auto numkeys = RangeLongArg(ctx, numkeys_idx, 1, INT64_MAX, "numkeys should be greater than 0");
  if (!numkeys) return;
  if (*numkeys > static_cast<int64_t>(ctx.argc())) return r.Error(kErrSyntax);
  size_t where_idx = numkeys_idx + static_cast<size_t>(*numkeys) + 1;
  if (where_idx >= ctx.argc()) return r.Error(kErrSyntax);
  bool max;
  if (Is(ctx.arg(where_idx), "min")) {
    max = false;
  } else if (Is(ctx.arg(where_idx), "max")) {
    max = true;
  } else {
    return r.Error(kErrSyntax);
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); j++) {
    if (count == -1 && Is(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto c = RangeLongArg(ctx, ++j, 1, INT64_MAX, "count should be greater than 0");
      if (!c) return;
      count = *c;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  if (count == -1) count = 1;
  std::vector<std::string_view> keys;
  for (int64_t i = 0; i < *numkeys; i++)
    keys.push_back(ctx.arg(numkeys_idx + 1 + static_cast<size_t>(i)));
  if (block) return BlockingZPop(ctx, keys, max, 1, count, true, true);
  // Find the length first for the propagated count.
  int64_t llen = 0;
  for (auto k : keys) {
    db::Entry* e = Db(ctx).Find(k);
    if (e && e->type == db::ObjType::kZSet) {
      llen = static_cast<int64_t>(AsZ(e)->size());
      break;
    }
    if (e) break;
  }
  std::string popped = ZPopGeneric(ctx, keys, max, true, count, true, true);
  if (!popped.empty()) {
    ctx.PropagateAs(
        {max ? "ZPOPMAX" : "ZPOPMIN", popped, std::to_string(count > llen ? llen : count)});
  }
}

enum class ZOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

void AggregateInto(double* target, double val, Aggregate a) {
  if (a == Aggregate::kSum) {
    *target = *target + val;
    if (std::isnan(*target)) *target = 0.0;
  } else if (a == Aggregate::kMin) {
    *target = val < *target ? val : *target;
  } else {
    *target = val > *target ? val : *target;
  }
}

// One input of ZUNION & co: a zset, a plain set (scores 1), or nothing.
struct Source {
  db::Entry* entry = nullptr;
  ZSetValue* z = nullptr;
  db::SetValue* s = nullptr;
  double weight = 1.0;
  size_t size() const { return z ? z->size() : (s ? s->size() : 0); }
  std::optional<double> Find(std::string_view m) const {
    if (z) return z->Score(m);
    if (s && s->Contains(m)) return 1.0;
    return std::nullopt;
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (z) {
      z->ForEach(fn);
    } else if (s) {
      for (auto m : s->Members()) fn(m, 1.0);
    }
  }
};

// zunionInterDiffGenericCommand.
void ZSetOpGeneric(CommandContext& ctx, bool has_dst, size_t numkeys_idx, ZOp op,
                   bool cardinality_only) {
  auto& r = ctx.reply();
  auto setnum = IntArg(ctx, numkeys_idx);
  if (!setnum) return;
  if (*setnum < 1) {
    return r.Error("ERR at least 1 input key is needed for '" + FullName(ctx.spec()) + "' command");
  }
  if (*setnum > static_cast<int64_t>(ctx.argc() - (numkeys_idx + 1))) return r.Error(kErrSyntax);
  size_t n = static_cast<size_t>(*setnum);
  std::vector<Source> src(n);
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < n; i++, j++) {
    db::Entry* e = Db(ctx).LookupRead(ctx.arg(j));
    if (!e) continue;
    if (e->type == db::ObjType::kZSet) {
      src[i].z = AsZ(e);
    } else if (e->type == db::ObjType::kSet) {
      src[i].s = e->as<db::SetValue>();
    } else {
      return r.Error(kErrWrongType);
    }
    src[i].entry = e;
  }
  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    size_t remaining = ctx.argc() - j;
    if (op != ZOp::kDiff && !cardinality_only && remaining >= n + 1 && Is(ctx.arg(j), "weights")) {
      j++;
      for (size_t i = 0; i < n; i++, j++) {
        auto w = base::ParseDouble(ctx.arg(j));
        if (!w) return r.Error("ERR weight value is not a float");
        src[i].weight = *w;
      }
    } else if (op != ZOp::kDiff && !cardinality_only && remaining >= 2 &&
               Is(ctx.arg(j), "aggregate")) {
      j++;
      if (Is(ctx.arg(j), "sum")) {
        agg = Aggregate::kSum;
      } else if (Is(ctx.arg(j), "min")) {
        agg = Aggregate::kMin;
      } else if (Is(ctx.arg(j), "max")) {
        agg = Aggregate::kMax;
      } else {
        return r.Error(kErrSyntax);
      }
      j++;
    } else if (!has_dst && !cardinality_only && Is(ctx.arg(j), "withscores")) {
      j++;
      withscores = true;
    } else if (cardinality_only && remaining >= 2 && Is(ctx.arg(j), "limit")) {
      j++;
      auto l = RangeLongArg(ctx, j, 0, INT64_MAX, "LIMIT can't be negative");
      if (!l) return;
      limit = *l;
      j++;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  if (op != ZOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  Pairs result;
  uint64_t cardinality = 0;
  if (op == ZOp::kInter) {
    if (src[0].size() > 0) {
      bool stop = false;
      src[0].ForEach([&](std::string_view m, double s0) {
        if (stop) return;
        double score = src[0].weight * s0;
        if (std::isnan(score)) score = 0;
        size_t k = 1;
        for (; k < n; k++) {
          double value;
          if (src[k].entry == src[0].entry) {
            value = s0 * src[k].weight;
          } else if (auto f = src[k].Find(m)) {
            value = *f * src[k].weight;
          } else {
            break;
          }
          AggregateInto(&score, value, agg);
        }
        if (k != n) return;
        if (cardinality_only) {
          cardinality++;
          if (limit && cardinality >= static_cast<uint64_t>(limit)) stop = true;
        } else {
          result.emplace_back(std::string(m), score);
        }
      });
    }
  } else if (op == ZOp::kUnion) {
    std::unordered_map<std::string, size_t> pos;
    for (auto& s : src) {
      s.ForEach([&](std::string_view m, double v) {
        double score = s.weight * v;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = pos.try_emplace(std::string(m), result.size());
        if (fresh) {
          result.emplace_back(std::string(m), score);
        } else {
          AggregateInto(&result[it->second].second, score, agg);
        }
      });
    }
  } else {
    if (src[0].size() > 0) {
      src[0].ForEach([&](std::string_view m, double s0) {
        for (size_t k = 1; k < n; k++) {
          if (src[k].entry == src[0].entry || src[k].Find(m)) return;
        }
        result.emplace_back(std::string(m), s0);
      });
    }
  }
  if (has_dst) return StoreZ(ctx, ctx.arg(1), result);
  if (cardinality_only) return r.Integer(static_cast<int64_t>(cardinality));
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  ReplyPairs(ctx, result, withscores);
}

std::vector<int> NumKeysAt(std::span<const std::string_view> args, size_t idx, size_t first) {
  std::vector<int> out;
  if (args.size() <= idx) return out;
  auto n = base::ParseInt64(args[idx]);
  if (!n || *n < 1 || *n > static_cast<int64_t>(args.size() - first)) return out;
  for (int64_t i = 0; i < *n; i++) out.push_back(static_cast<int>(first + static_cast<size_t>(i)));
  return out;
}

}  // namespace

std::vector<int> ZNumKeysAt1(std::span<const std::string_view> args) {
  return NumKeysAt(args, 1, 2);
}

std::vector<int> ZStoreKeys(std::span<const std::string_view> args) {
  auto keys = NumKeysAt(args, 2, 3);
  keys.insert(keys.begin(), 1);
  return keys;
}

std::vector<int> BZMPopKeys(std::span<const std::string_view> args) {
  return NumKeysAt(args, 2, 3);
}

void ZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }
void ZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, ZSetValue::kIncr); }

// ZREM key member [member ...]
void ZRem(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kZSet, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  auto* z = AsZ(e);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (z->Remove(ctx.arg(i))) deleted++;
    if (z->empty()) {
      Db(ctx).DeleteEntry(e);
      break;
    }
  }
  if (deleted) ctx.SetDirty(deleted);
  ctx.reply().Integer(deleted);
}

void ZCard(CommandContext& ctx) {
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  ctx.reply().Integer(z ? static_cast<int64_t>(z->size()) : 0);
}

void ZScore(CommandContext& ctx) {
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  auto s = z ? z->Score(ctx.arg(2)) : std::nullopt;
  if (!s) return ctx.reply().Null();
  ctx.reply().Double(*s);
}

void ZMScore(CommandContext& ctx) {
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    auto s = z ? z->Score(ctx.arg(i)) : std::nullopt;
    if (s) {
      ctx.reply().Double(*s);
    } else {
      ctx.reply().Null();
    }
  }
}

static void ZRankGeneric(CommandContext& ctx, bool reverse) {
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  int64_t rank = z ? z->Rank(ctx.arg(2), reverse) : -1;
  if (rank < 0) return ctx.reply().Null();
  ctx.reply().Integer(rank);
}

void ZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ZCOUNT key min max
void ZCount(CommandContext& ctx) {
  db::ScoreRange range;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &range)) {
    return ctx.reply().Error("ERR min or max is not a float");
  }
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  int64_t count = 0;
  if (z) {
    const auto* first = z->FirstInRange(range);
    if (first) {
      const auto* last = z->LastInRange(range);
      count = z->Rank(last->member, false) - z->Rank(first->member, false) + 1;
    }
  }
  ctx.reply().Integer(count);
}

// ZLEXCOUNT key min max
void ZLexCount(CommandContext& ctx) {
  db::LexRange range;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &range)) {
    return ctx.reply().Error("ERR min or max not valid string range item");
  }
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  int64_t count = 0;
  if (z) {
    const auto* first = z->FirstInLexRange(range);
    if (first && z->is_listpack()) {
      for (; first && ZSetValue::LexLteMax(first->member, range); first = ZSetValue::Next(first)) {
        count++;
      }
    } else if (first) {
      const auto* last = z->LastInLexRange(range);
      if (last) count = z->Rank(last->member, false) - z->Rank(first->member, false) + 1;
    }
  }
  ctx.reply().Integer(count);
}

void ZRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}
void ZRevRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

void ZRemRangeByRank(CommandContext& ctx) { ZRemRangeGeneric(ctx, RemType::kRank); }
void ZRemRangeByScore(CommandContext& ctx) { ZRemRangeGeneric(ctx, RemType::kScore); }
void ZRemRangeByLex(CommandContext& ctx) { ZRemRangeGeneric(ctx, RemType::kLex); }

void ZPopMin(CommandContext& ctx) { ZPopMinMax(ctx, false); }
void ZPopMax(CommandContext& ctx) { ZPopMinMax(ctx, true); }

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() == 2) {
    bool wrong;
    auto* z = GetZ(ctx, ctx.arg(1), &wrong);
    if (wrong) return;
    if (!z) return r.Null();
    return r.Bulk(z->ByRank(RandomU64() % z->size())->member);
  }
  auto l = RangeLongArg(ctx, 2, -INT64_MAX, INT64_MAX, nullptr);
  if (!l) return;
  bool withscores = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !Is(ctx.arg(3), "withscores"))) {
    return r.Error(kErrSyntax);
  }
  if (ctx.argc() == 4) {
    withscores = true;
    if (*l < -INT64_MAX / 2 || *l > INT64_MAX / 2) return r.Error("ERR value is out of range");
  }
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  if (!z) return r.ArrayHeader(0);
  bool uniq = *l >= 0;
  uint64_t count = uniq ? static_cast<uint64_t>(*l) : static_cast<uint64_t>(-*l);
  if (count == 0) return r.ArrayHeader(0);
  size_t size = z->size();
  bool nested = withscores && r.resp3();
  auto emit = [&](const ZSetValue::Node* node) {
    if (nested) r.ArrayHeader(2);
    r.Bulk(node->member);
    if (withscores) r.Double(node->score);
  };
  if (!uniq || count == 1) {
    r.ArrayHeader(withscores && !nested ? count * 2 : count);
    for (uint64_t i = 0; i < count; i++) emit(z->ByRank(RandomU64() % size));
    return;
  }
  size_t n = count < size ? static_cast<size_t>(count) : size;
  r.ArrayHeader(withscores && !nested ? n * 2 : n);
  if (count >= size) {
    for (const auto* node = z->First(); node; node = ZSetValue::Next(node)) emit(node);
    return;
  }
  std::vector<size_t> idx(size);
  for (size_t i = 0; i < size; i++) idx[i] = i;
  for (size_t i = 0; i < n; i++) {
    size_t k = i + RandomU64() % (size - i);
    std::swap(idx[i], idx[k]);
  }
  for (size_t i = 0; i < n; i++) emit(z->ByRank(idx[i]));
}

void ZInter(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, ZOp::kInter, false); }
void ZUnion(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, ZOp::kUnion, false); }
void ZDiff(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, ZOp::kDiff, false); }
void ZInterStore(CommandContext& ctx) { ZSetOpGeneric(ctx, true, 2, ZOp::kInter, false); }
void ZUnionStore(CommandContext& ctx) { ZSetOpGeneric(ctx, true, 2, ZOp::kUnion, false); }
void ZDiffStore(CommandContext& ctx) { ZSetOpGeneric(ctx, true, 2, ZOp::kDiff, false); }
void ZInterCard(CommandContext& ctx) { ZSetOpGeneric(ctx, false, 1, ZOp::kInter, true); }

void ZMPop(CommandContext& ctx) { ZMPopGeneric(ctx, 1, false); }
void BZMPop(CommandContext& ctx) { ZMPopGeneric(ctx, 2, true); }

// BZPOPMIN key [key ...] timeout
void BZPopMin(CommandContext& ctx) {
  std::vector<std::string_view> keys(ctx.args().begin() + 1, ctx.args().end() - 1);
  BlockingZPop(ctx, keys, false, ctx.argc() - 1, -1, false, false);
}

void BZPopMax(CommandContext& ctx) {
  std::vector<std::string_view> keys(ctx.args().begin() + 1, ctx.args().end() - 1);
  BlockingZPop(ctx, keys, true, ctx.argc() - 1, -1, false, false);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void ZScan(CommandContext& ctx) {
  auto cursor = ScanCursorArg(ctx, 2);
  if (!cursor) return;
  bool wrong;
  auto* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  auto& r = ctx.reply();
  if (!z) {
    r.ArrayHeader(2);
    r.Bulk("0");
    return r.ArrayHeader(0);
  }
  ScanOptions opt;
  if (!ScanOptionsArg(ctx, 3, &opt)) return;
  std::vector<std::pair<std::string_view, double>> found;
  uint64_t next = z->Scan(*cursor, static_cast<size_t>(opt.count), &found);
  std::vector<std::pair<std::string_view, std::string>> out;
  for (auto& [m, s] : found) {
    if (!opt.use_pattern || base::GlobMatch(opt.pattern, m)) {
      out.emplace_back(m, base::FormatDouble(s));
    }
  }
  r.ArrayHeader(2);
  r.Bulk(std::to_string(next));
  r.ArrayHeader(out.size() * 2);
  for (auto& [m, s] : out) {
    r.Bulk(m);
    r.Bulk(s);
  }
}

}  // namespace node::commands
