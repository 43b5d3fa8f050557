// node/commands/lists.cc
//
// List commands, including the blocking ones. Registered in table_lists.inc;
// arity, auth and slot ownership were checked by the dispatcher. A blocking
// command that finds nothing calls ctx.BlockOn() and is executed again from
// scratch when one of its keys is written (command.h). Engine thread only.
//
// Served blocking pops are propagated as their non-blocking forms (BLPOP ->
// LPOP key, BLMOVE -> LMOVE, BRPOPLPUSH -> RPOPLPUSH, [B]LMPOP -> LPOP/RPOP
// key count), as Redis 7.0 does.

#include <algorithm>
#include <cmath>
#include <limits>

#include "node/base/clock.h"
#include "node/commands/helpers.h"
#include "node/commands/lists_handlers.h"
#include "node/db/list_value.h"

namespace node::commands {

namespace {

constexpr const char* kErrMustBePositive = "ERR value is out of range, must be positive";
constexpr const char* kErrTimeoutFloat = "ERR timeout is not a float or out of range";
constexpr const char* kErrIndexRange = "ERR index out of range";

db::ListValue* ListOf(db::Entry* e) { return e->as<db::ListValue>(); }

// Redis 7.0's timeout in seconds (a long double, rounded up to ms). Returns
// the relative timeout in ms (0 = forever) or nullopt after replying.
std::optional<int64_t> TimeoutArg(CommandContext& ctx, size_t i) {
  auto v = base::ParseLongDouble(ctx.arg(i));
  if (!v) {
    ctx.reply().Error(kErrTimeoutFloat);
    return std::nullopt;
  }
  long double ms = std::ceil(*v * 1000.0L);
  // Out of the long long range (including inf) converts to LLONG_MIN on the
  // platforms Redis runs on: reported as negative.
  if (!(ms < 9223372036854775807.0L) || ms < -9223372036854775807.0L || ms < 0) {
    ctx.reply().Error(kErrTimeoutNeg);
    return std::nullopt;
  }
  auto t = static_cast<int64_t>(ms);
  // Deadlines past the end of time never fire in Redis either.
  if (t > std::numeric_limits<int64_t>::max() - base::UnixMs()) t = 0;
  return t;
}

// LEFT / RIGHT; replies a syntax error otherwise.
std::optional<bool> WhereArg(CommandContext& ctx, size_t i) {
  if (Is(ctx.arg(i), "left")) return true;
  if (Is(ctx.arg(i), "right")) return false;
  ctx.reply().Error(kErrSyntax);
  return std::nullopt;
}

std::string Pop(db::ListValue* l, bool left) { return left ? l->PopFront() : l->PopBack(); }

void Push(db::ListValue* l, bool left, std::string_view v) {
  left ? l->PushFront(v) : l->PushBack(v);
}

void PushGeneric(CommandContext& ctx, bool left, bool only_existing) {
  auto& db = Db(ctx);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong, true);
  if (wrong) return;
  db::ListValue* l;
  if (e) {
    l = ListOf(e);
  } else {
    if (only_existing) return ctx.reply().Integer(0);
    auto v = std::make_unique<db::ListValue>();
    l = v.get();
    db.AddValue(ctx.arg(1), db::ObjType::kList, std::move(v));
  }
  for (size_t i = 2; i < ctx.argc(); i++) Push(l, left, ctx.arg(i));
  ctx.SetDirty(static_cast<long long>(ctx.argc() - 2));
  ctx.reply().Integer(static_cast<int64_t>(l->size()));
}

void PopGeneric(CommandContext& ctx, bool left) {
  if (ctx.argc() > 3) return ctx.ArityError();
  bool has_count = ctx.argc() == 3;
  int64_t count = 0;
  if (has_count) {
    auto v = base::ParseInt64(ctx.arg(2));
    if (!v || *v < 0) return ctx.reply().Error(kErrMustBePositive);
    count = *v;
  }
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong, true);
  if (wrong) return;
  auto& r = ctx.reply();
  if (!e) return has_count ? r.NullArray() : r.Null();
  if (has_count && count == 0) return r.ArrayHeader(0);
  db::ListValue* l = ListOf(e);
  if (!has_count) {
    r.Bulk(Pop(l, left));
  } else {
    size_t n = std::min(static_cast<size_t>(count), l->size());
    r.ArrayHeader(n);
    for (size_t i = 0; i < n; i++) r.Bulk(Pop(l, left));
  }
  if (l->empty()) Db(ctx).DeleteEntry(e);
  ctx.SetDirty();
}

// Pops up to `count` elements of a non-empty list and replies [key, [elements]]
// (LMPOP); propagated as LPOP/RPOP key count.
void PopRangeWithKey(CommandContext& ctx, db::Entry* e, std::string_view key, bool left,
                     int64_t count) {
  db::ListValue* l = ListOf(e);
  size_t n = std::min(static_cast<size_t>(count), l->size());
  auto& r = ctx.reply();
  r.ArrayHeader(2);
  r.Bulk(key);
  r.ArrayHeader(n);
  for (size_t i = 0; i < n; i++) r.Bulk(Pop(l, left));
  std::string k(key);
  if (l->empty()) Db(ctx).DeleteEntry(e);
  ctx.SetDirty();
  ctx.PropagateAs({left ? "LPOP" : "RPOP", k, std::to_string(n)});
}

enum class MoveResult { kDone, kSourceEmpty };

// LMOVE's work: replies the moved element or an error; kSourceEmpty (no
// reply) when the source does not exist.
MoveResult MoveGeneric(CommandContext& ctx, bool from_left, bool to_left) {
  auto& db = Db(ctx);
  std::string_view src_key = ctx.arg(1), dst_key = ctx.arg(2);
  bool wrong;
  db::Entry* src = LookupTyped(ctx, src_key, db::ObjType::kList, &wrong, true);
  if (wrong) return MoveResult::kDone;
  if (!src) return MoveResult::kSourceEmpty;
  db::Entry* dst = LookupTyped(ctx, dst_key, db::ObjType::kList, &wrong, true);
  if (wrong) return MoveResult::kDone;
  db::ListValue* sl = ListOf(src);
  std::string v = Pop(sl, from_left);
  if (dst) {
    Push(ListOf(dst), to_left, v);
  } else {
    auto nl = std::make_unique<db::ListValue>();
    nl->PushBack(v);
    db.AddValue(dst_key, db::ObjType::kList, std::move(nl));
  }
  if (sl->empty()) db.Delete(src_key);  // by name: AddValue may have moved entries
  ctx.SetDirty();
  ctx.reply().Bulk(v);
  return MoveResult::kDone;
}

// BLPOP / BRPOP key [key ...] timeout
void BlockingPop(CommandContext& ctx, bool left) {
  auto timeout = TimeoutArg(ctx, ctx.argc() - 1);
  if (!timeout) return;
  for (size_t i = 1; i + 1 < ctx.argc(); i++) {
    bool wrong;
    db::Entry* e = LookupTyped(ctx, ctx.arg(i), db::ObjType::kList, &wrong, true);
    if (wrong) return;
    if (!e) continue;
    db::ListValue* l = ListOf(e);
    std::string v = Pop(l, left);
    std::string key(ctx.arg(i));
    auto& r = ctx.reply();
    r.ArrayHeader(2);
    r.Bulk(key);
    r.Bulk(v);
    if (l->empty()) Db(ctx).DeleteEntry(e);
    ctx.SetDirty();
    ctx.PropagateAs({left ? "LPOP" : "RPOP", key});
    return;
  }
  std::vector<std::string> keys;
  for (size_t i = 1; i + 1 < ctx.argc(); i++) keys.emplace_back(ctx.arg(i));
  if (!ctx.BlockOn(std::move(keys), *timeout)) ctx.reply().NullArray();
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] (numkeys at index 1),
// BLMPOP timeout numkeys ... (numkeys at index 2).
void MPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool blocking) {
  auto numkeys = base::ParseInt64(ctx.arg(numkeys_idx));
  if (!numkeys || *numkeys < 1) return ctx.reply().Error("ERR numkeys should be greater than 0");
  if (static_cast<uint64_t>(*numkeys) >= ctx.argc() - numkeys_idx - 1) {
    return ctx.reply().Error(kErrSyntax);
  }
  size_t where_idx = numkeys_idx + static_cast<size_t>(*numkeys) + 1;
  auto left = WhereArg(ctx, where_idx);
  if (!left) return;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); j++) {
    bool more = j + 1 < ctx.argc();
    if (count == -1 && Is(ctx.arg(j), "count") && more) {
      auto c = base::ParseInt64(ctx.arg(++j));
      if (!c || *c < 1) return ctx.reply().Error("ERR count should be greater than 0");
      count = *c;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  if (count == -1) count = 1;
  std::optional<int64_t> timeout = 0;
  if (blocking) {
    timeout = TimeoutArg(ctx, 1);
    if (!timeout) return;
  }
  for (size_t i = numkeys_idx + 1; i < where_idx; i++) {
    bool wrong;
    db::Entry* e = LookupTyped(ctx, ctx.arg(i), db::ObjType::kList, &wrong, true);
    if (wrong) return;
    if (e) return PopRangeWithKey(ctx, e, ctx.arg(i), *left, count);
  }
  if (!blocking) return ctx.reply().NullArray();
  std::vector<std::string> keys;
  for (size_t i = numkeys_idx + 1; i < where_idx; i++) keys.emplace_back(ctx.arg(i));
  if (!ctx.BlockOn(std::move(keys), *timeout)) ctx.reply().NullArray();
}

std::vector<int> MPopKeys(std::span<const std::string_view> args, size_t numkeys_idx) {
  std::vector<int> out;
  if (args.size() <= numkeys_idx) return out;
  auto n = base::ParseInt64(args[numkeys_idx]);
  if (!n || *n < 1 || static_cast<uint64_t>(*n) > args.size() - numkeys_idx - 1) return out;
  for (int64_t i = 0; i < *n; i++) out.push_back(static_cast<int>(numkeys_idx + 1 + i));
  return out;
}

// Normalises LRANGE/LTRIM-style bounds; false when the range is empty.
bool Range(int64_t start, int64_t end, size_t len, size_t* from, size_t* n) {
  auto llen = static_cast<int64_t>(len);
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return false;
  if (end >= llen) end = llen - 1;
  *from = static_cast<size_t>(start);
  *n = static_cast<size_t>(end - start + 1);
  return true;
}

}  // namespace

std::vector<int> LMPopKeys(std::span<const std::string_view> args) { return MPopKeys(args, 1); }
std::vector<int> BLMPopKeys(std::span<const std::string_view> args) { return MPopKeys(args, 2); }

void LPush(CommandContext& ctx) { PushGeneric(ctx, true, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, false, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, true, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, false, true); }
void LPop(CommandContext& ctx) { PopGeneric(ctx, true); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, false); }

void LLen(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong);
  if (wrong) return;
  ctx.reply().Integer(e ? static_cast<int64_t>(ListOf(e)->size()) : 0);
}

// LRANGE key start stop
void LRange(CommandContext& ctx) {
  auto start = IntArg(ctx, 2);
  if (!start) return;
  auto end = IntArg(ctx, 3);
  if (!end) return;
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong);
  if (wrong) return;
  auto& r = ctx.reply();
  if (!e) return r.ArrayHeader(0);
  db::ListValue* l = ListOf(e);
  size_t from, n;
  if (!Range(*start, *end, l->size(), &from, &n)) return r.ArrayHeader(0);
  r.ArrayHeader(n);
  for (size_t i = 0; i < n; i++) r.Bulk(l->at(from + i));
}

// LINDEX key index
void LIndex(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Null();
  auto idx = IntArg(ctx, 2);
  if (!idx) return;
  db::ListValue* l = ListOf(e);
  int64_t i = *idx < 0 ? *idx + static_cast<int64_t>(l->size()) : *idx;
  if (i < 0 || i >= static_cast<int64_t>(l->size())) return ctx.reply().Null();
  ctx.reply().Bulk(l->at(static_cast<size_t>(i)));
}

// LSET key index element
void LSet(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Error(kErrNoSuchKey);
  auto idx = IntArg(ctx, 2);
  if (!idx) return;
  db::ListValue* l = ListOf(e);
  int64_t i = *idx < 0 ? *idx + static_cast<int64_t>(l->size()) : *idx;
  if (i < 0 || i >= static_cast<int64_t>(l->size())) return ctx.reply().Error(kErrIndexRange);
  l->Set(static_cast<size_t>(i), ctx.arg(3));
  ctx.SetDirty();
  ctx.reply().Ok();
}

// LINSERT key BEFORE|AFTER pivot element
void LInsert(CommandContext& ctx) {
  bool after;
  if (Is(ctx.arg(2), "after")) {
    after = true;
  } else if (Is(ctx.arg(2), "before")) {
    after = false;
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  db::ListValue* l = ListOf(e);
  for (size_t i = 0; i < l->size(); i++) {
    if (l->at(i) == ctx.arg(3)) {
      l->Insert(after ? i + 1 : i, ctx.arg(4));
      ctx.SetDirty();
      return ctx.reply().Integer(static_cast<int64_t>(l->size()));
    }
  }
  ctx.reply().Integer(-1);
}

// LREM key count element
void LRem(CommandContext& ctx) {
  auto count = IntArg(ctx, 2);
  if (!count) return;
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  db::ListValue* l = ListOf(e);
  size_t removed = l->Remove(ctx.arg(3), *count);
  if (removed) {
    if (l->empty()) Db(ctx).DeleteEntry(e);
    ctx.SetDirty(static_cast<long long>(removed));
  }
  ctx.reply().Integer(static_cast<int64_t>(removed));
}

// LTRIM key start stop
void LTrim(CommandContext& ctx) {
  auto start = IntArg(ctx, 2);
  if (!start) return;
  auto end = IntArg(ctx, 3);
  if (!end) return;
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Ok();
  db::ListValue* l = ListOf(e);
  size_t before = l->size(), from = 0, n = 0;
  if (Range(*start, *end, before, &from, &n)) {
    l->Keep(from, n);
  } else {
    l->Keep(0, 0);
  }
  if (l->size() != before) ctx.SetDirty(static_cast<long long>(before - l->size()));
  if (l->empty()) Db(ctx).DeleteEntry(e);
  ctx.reply().Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < ctx.argc(); j++) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    if (Is(opt, "rank") && more) {
      auto v = IntArg(ctx, ++j);
      if (!v) return;
      if (*v == 0) {
        return ctx.reply().Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      rank = *v;
    } else if (Is(opt, "count") && more) {
      auto v = base::ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) return ctx.reply().Error("ERR COUNT can't be negative");
      count = *v;
    } else if (Is(opt, "maxlen") && more) {
      auto v = base::ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) return ctx.reply().Error("ERR MAXLEN can't be negative");
      maxlen = *v;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kList, &wrong);
  if (wrong) return;
  auto& r = ctx.reply();
  if (!e) return count != -1 ? r.ArrayHeader(0) : r.Null();
  db::ListValue* l = ListOf(e);
  bool from_tail = rank < 0;
  // Negating INT64_MIN leaves it negative; Redis then matches from the first
  // hit ("matches >= rank"), which the signed comparison below reproduces.
  if (from_tail) rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
  std::string_view ele = ctx.arg(2);
  size_t len = l->size();
  int64_t matches = 0;
  std::vector<int64_t> found;
  for (size_t k = 0; k < len && (maxlen == 0 || static_cast<int64_t>(k) < maxlen); k++) {
    size_t i = from_tail ? len - 1 - k : k;
    if (l->at(i) != ele) continue;
    matches++;
    if (matches >= rank) {
      found.push_back(static_cast<int64_t>(i));
      if (count == -1) break;
      // Redis counts "matches - rank + 1" in wrapping arithmetic: with rank
      // INT64_MIN it never reaches COUNT and every match is returned.
      auto got =
          static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1u);
      if (count != 0 && got >= count) break;
    }
  }
  if (count != -1) {
    r.ArrayHeader(found.size());
    for (auto i : found) r.Integer(i);
  } else if (found.empty()) {
    r.Null();
  } else {
    r.Integer(found[0]);
  }
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LMove(CommandContext& ctx) {
  auto from = WhereArg(ctx, 3);
  if (!from) return;
  auto to = WhereArg(ctx, 4);
  if (!to) return;
  if (MoveGeneric(ctx, *from, *to) == MoveResult::kSourceEmpty) ctx.reply().Null();
}

// RPOPLPUSH source destination
void RPopLPush(CommandContext& ctx) {
  if (MoveGeneric(ctx, false, true) == MoveResult::kSourceEmpty) ctx.reply().Null();
}

void LMPop(CommandContext& ctx) { MPopGeneric(ctx, 1, false); }
void BLMPop(CommandContext& ctx) { MPopGeneric(ctx, 2, true); }
void BLPop(CommandContext& ctx) { BlockingPop(ctx, true); }
void BRPop(CommandContext& ctx) { BlockingPop(ctx, false); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BLMove(CommandContext& ctx) {
  auto from = WhereArg(ctx, 3);
  if (!from) return;
  auto to = WhereArg(ctx, 4);
  if (!to) return;
  auto timeout = TimeoutArg(ctx, 5);
  if (!timeout) return;
  if (MoveGeneric(ctx, *from, *to) == MoveResult::kDone) {
    if (ctx.dirty()) {
      ctx.PropagateAs({"LMOVE", std::string(ctx.arg(1)), std::string(ctx.arg(2)),
                       *from ? "LEFT" : "RIGHT", *to ? "LEFT" : "RIGHT"});
    }
    return;
  }
  // Inside MULTI or a script the empty source answers a null bulk (Redis's
  // blmoveGenericCommand), unlike the null array of a timeout.
  if (!ctx.BlockOn({std::string(ctx.arg(1))}, *timeout)) ctx.reply().Null();
}

// BRPOPLPUSH source destination timeout
void BRPopLPush(CommandContext& ctx) {
  auto timeout = TimeoutArg(ctx, 3);
  if (!timeout) return;
  if (MoveGeneric(ctx, false, true) == MoveResult::kDone) {
    if (ctx.dirty()) {
      ctx.PropagateAs({"RPOPLPUSH", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
    }
    return;
  }
  if (!ctx.BlockOn({std::string(ctx.arg(1))}, *timeout)) ctx.reply().Null();
}

}  // namespace node::commands
