// node/commands/strings.cc
//
// String commands. Registered in command_table.cc; arity, auth and slot
// ownership were checked by the dispatcher before any of these run.

#include <cmath>
#include <limits>
#include <vector>

#include "node/base/clock.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"

namespace node::commands {

std::optional<int64_t> ExpireArg(CommandContext& ctx, std::string_view value, int64_t unit_ms,
                                 bool absolute, bool allow_nonpositive) {
  auto v = base::ParseInt64(value);
  if (!v) {
    ctx.reply().Error(kErrNotInteger);
    return std::nullopt;
  }
  auto invalid = [&]() {
    ctx.reply().Error("ERR invalid expire time in '" + FullName(ctx.spec()) + "' command");
    return std::nullopt;
  };
  if (*v <= 0 && !allow_nonpositive) return invalid();
  int64_t ms = *v;
  if (unit_ms == 1000) {
    if (ms > std::numeric_limits<int64_t>::max() / 1000 ||
        ms < std::numeric_limits<int64_t>::min() / 1000)
      return invalid();
    ms *= 1000;
  }
  if (!absolute) {
    int64_t now = base::UnixMs();
    if (ms > std::numeric_limits<int64_t>::max() - now) return invalid();
    ms += now;
  }
  return ms;
}

namespace {

constexpr int kSetNx = 1, kSetXx = 2, kSetGet = 4, kSetKeepTtl = 8, kSetEx = 16, kSetPx = 32,
              kSetExat = 64, kSetPxat = 128, kSetPersist = 256;

// Parses SET/GETEX options from argument `start`. Returns false after
// replying an error. *expire_idx receives the index of the expire argument
// (0: none); ExpireFromOptions converts it, at the point where Redis does.
bool ParseSetOptions(CommandContext& ctx, size_t start, bool is_getex, int* flags,
                     size_t* expire_idx_out) {
  *flags = 0;
  *expire_idx_out = 0;
  const char* expire_arg = nullptr;
  size_t expire_idx = 0;
  // Each option excludes the others it conflicts with, but may repeat (the
  // last value wins), as in Redis 7.0's parseExtendedStringArgumentsOrReply.
  constexpr int kExpAll = kSetEx | kSetPx | kSetExat | kSetPxat;
  for (size_t i = start; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    auto expire_opt = [&](int self, const char* name) {
      if ((*flags & ((kExpAll & ~self) | kSetKeepTtl | kSetPersist)) || !has_next) return false;
      *flags |= self;
      expire_arg = name;
      expire_idx = ++i;
      return true;
    };
    bool ok;
    if (!is_getex && Is(a, "nx")) {
      ok = !(*flags & kSetXx);
      *flags |= kSetNx;
    } else if (!is_getex && Is(a, "xx")) {
      ok = !(*flags & kSetNx);
      *flags |= kSetXx;
    } else if (!is_getex && Is(a, "get")) {
      ok = true;
      *flags |= kSetGet;
    } else if (!is_getex && Is(a, "keepttl")) {
      ok = !(*flags & (kExpAll | kSetPersist));
      *flags |= kSetKeepTtl;
    } else if (is_getex && Is(a, "persist")) {
      ok = !(*flags & (kExpAll | kSetKeepTtl));
      *flags |= kSetPersist;
    } else if (Is(a, "ex")) {
      ok = expire_opt(kSetEx, "ex");
    } else if (Is(a, "px")) {
      ok = expire_opt(kSetPx, "px");
    } else if (Is(a, "exat")) {
      ok = expire_opt(kSetExat, "exat");
    } else if (Is(a, "pxat")) {
      ok = expire_opt(kSetPxat, "pxat");
    } else {
      ok = false;
    }
    if (!ok) {
      ctx.reply().Error(kErrSyntax);
      return false;
    }
  }
  (void)expire_arg;
  *expire_idx_out = expire_idx;
  return true;
}

// The absolute deadline of a parsed expire option, or -1 when there is none;
// nullopt after replying an error.
std::optional<int64_t> ExpireFromOptions(CommandContext& ctx, int flags, size_t idx) {
  if (!idx) return -1;
  int64_t unit = (flags & (kSetEx | kSetExat)) ? 1000 : 1;
  bool absolute = (flags & (kSetExat | kSetPxat)) != 0;
  return ExpireArg(ctx, ctx.arg(idx), unit, absolute);
}

// Shared by SET, SETNX, SETEX, PSETEX.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value, int flags,
                int64_t expire_ms, bool reply_int) {
  auto& db = Db(ctx);
  db::Entry* old = db.LookupWrite(key);
  if (flags & kSetGet) {
    if (old && old->type != db::ObjType::kString) {
      ctx.reply().Error(kErrWrongType);
      return;
    }
  }
  bool found = old != nullptr;
  if ((flags & kSetNx && found) || (flags & kSetXx && !found)) {
    if (flags & kSetGet) {
      if (old) {
        char buf[24];
        ctx.reply().Bulk(StrVal(old, buf));
      } else {
        ctx.reply().Null();
      }
    } else if (reply_int) {
      ctx.reply().Integer(0);
    } else {
      ctx.reply().Null();
    }
    return;
  }
  if (flags & kSetGet) {
    if (old) {
      char buf[24];
      ctx.reply().Bulk(StrVal(old, buf));
    } else {
      ctx.reply().Null();
    }
  }
  db.SetString(key, value, expire_ms, (flags & kSetKeepTtl) != 0);
  ctx.SetDirty();
  if (expire_ms >= 0 && !(flags & kSetPxat)) {
    // Propagate relative expires as absolute ones (replicas and the AOF must
    // not extend the TTL), as Redis 7.0 does.
    std::vector<std::string> p = {"SET", std::string(key), std::string(value), "PXAT",
                                  std::to_string(expire_ms)};
    if (flags & kSetNx) p.push_back("NX");
    if (flags & kSetXx) p.push_back("XX");
    ctx.PropagateAs(std::move(p));
  }
  if (flags & kSetGet) return;
  if (reply_int) {
    ctx.reply().Integer(1);
  } else {
    ctx.reply().Ok();
  }
}

void IncrDecr(CommandContext& ctx, int64_t delta) {
  auto& db = Db(ctx);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  int64_t cur = 0;
  if (e) {
    if (e->is_int()) {
      cur = e->int_value();
    } else {
      char buf[24];
      auto s = StrVal(e, buf);
      auto v = s.size() <= 20 ? base::ParseInt64(s) : std::nullopt;
      if (!v) return ctx.reply().Error(kErrNotInteger);
      cur = *v;
    }
  }
  if ((delta < 0 && cur < 0 && delta < std::numeric_limits<int64_t>::min() - cur) ||
      (delta > 0 && cur > 0 && delta > std::numeric_limits<int64_t>::max() - cur)) {
    return ctx.reply().Error(kErrOverflow);
  }
  int64_t v = cur + delta;
  if (e) {
    db.SetInt(e, v);
  } else {
    db.SetString(ctx.arg(1), base::Int64ToString(v));
  }
  ctx.SetDirty();
  ctx.reply().Integer(v);
}

}  // namespace

// GET key
void Get(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Null();
  char buf[24];
  ctx.reply().Bulk(StrVal(e, buf));
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]
void Set(CommandContext& ctx) {
  int flags;
  size_t idx;
  if (!ParseSetOptions(ctx, 3, false, &flags, &idx)) return;
  auto expire_ms = ExpireFromOptions(ctx, flags, idx);
  if (!expire_ms) return;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), flags, *expire_ms, false);
}

void SetNx(CommandContext& ctx) { SetGeneric(ctx, ctx.arg(1), ctx.arg(2), kSetNx, -1, true); }

void SetEx(CommandContext& ctx) {
  auto ms = ExpireArg(ctx, ctx.arg(2), 1000, false);
  if (!ms) return;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(3), kSetEx, *ms, false);
}

void PSetEx(CommandContext& ctx) {
  auto ms = ExpireArg(ctx, ctx.arg(2), 1, false);
  if (!ms) return;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(3), kSetPx, *ms, false);
}

// GETEX key [EX|PX|EXAT|PXAT|PERSIST]
void GetEx(CommandContext& ctx) {
  int flags;
  size_t idx;
  if (!ParseSetOptions(ctx, 2, true, &flags, &idx)) return;
  auto& db = Db(ctx);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Null();
  auto exp = ExpireFromOptions(ctx, flags, idx);
  if (!exp) return;
  int64_t expire_ms = *exp;
  char buf[24];
  ctx.reply().Bulk(StrVal(e, buf));
  if (expire_ms >= 0) {
    if (expire_ms <= base::UnixMs()) {
      db.DeleteEntry(e);
      ctx.SetDirty();
      ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
    } else {
      db.SetExpire(e, expire_ms);
      ctx.SetDirty();
      ctx.PropagateAs({"PEXPIREAT", std::string(ctx.arg(1)), std::to_string(expire_ms)});
    }
  } else if ((flags & kSetPersist) && e->has_expire()) {
    db.SetExpire(e, -1);
    ctx.SetDirty();
    ctx.PropagateAs({"PERSIST", std::string(ctx.arg(1))});
  }
}

// GETSET key value: SET ... GET without options (clears the TTL). Redis 7.0
// propagates it as SET key value.
void GetSet(CommandContext& ctx) {
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), kSetGet, -1, false);
  if (ctx.dirty() > 0) ctx.PropagateAs({"SET", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
}

void GetDel(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Null();
  char buf[24];
  ctx.reply().Bulk(StrVal(e, buf));
  Db(ctx).DeleteEntry(e);
  ctx.SetDirty();
  ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
}

void MGet(CommandContext& ctx) {
  ctx.reply().ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); i++) {
    db::Entry* e = Db(ctx).LookupRead(ctx.arg(i));
    if (!e || e->type != db::ObjType::kString) {
      ctx.reply().Null();
    } else {
      char buf[24];
      ctx.reply().Bulk(StrVal(e, buf));
    }
  }
}

namespace {
void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) return ctx.ArityError();
  auto& db = Db(ctx);
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (db.Find(ctx.arg(i))) return ctx.reply().Integer(0);
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) db.SetString(ctx.arg(i), ctx.arg(i + 1));
  ctx.SetDirty(static_cast<long long>(ctx.argc() / 2));
  if (nx) {
    ctx.reply().Integer(1);
  } else {
    ctx.reply().Ok();
  }
}
}  // namespace

void MSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

void Incr(CommandContext& ctx) { IncrDecr(ctx, 1); }
void Decr(CommandContext& ctx) { IncrDecr(ctx, -1); }
void IncrBy(CommandContext& ctx) {
  auto d = IntArg(ctx, 2);
  if (!d) return;
  IncrDecr(ctx, *d);
}
void DecrBy(CommandContext& ctx) {
  auto d = IntArg(ctx, 2);
  if (!d) return;
  if (*d == std::numeric_limits<int64_t>::min())
    return ctx.reply().Error("ERR decrement would overflow");
  IncrDecr(ctx, -*d);
}

void IncrByFloat(CommandContext& ctx) {
  auto& db = Db(ctx);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  long double cur = 0;
  if (e) {
    char buf[24];
    auto v = base::ParseLongDouble(StrVal(e, buf));
    if (!v) return ctx.reply().Error(kErrNotFloat);
    cur = *v;
  }
  auto incr = base::ParseLongDouble(ctx.arg(2));
  if (!incr) return ctx.reply().Error(kErrNotFloat);
  long double v = cur + *incr;
  if (std::isnan(v) || std::isinf(v)) return ctx.reply().Error(kErrIncrNanInf);
  std::string s = base::FormatLongDoubleHuman(v);
  if (e) {
    db.ReplaceString(e, s, db::StrEnc::kEmbStr);
  } else {
    db.SetString(ctx.arg(1), s, -1, false, db::StrEnc::kEmbStr);
  }
  ctx.SetDirty();
  ctx.PropagateAs({"SET", std::string(ctx.arg(1)), s, "KEEPTTL"});
  ctx.reply().Bulk(s);
}

void Append(CommandContext& ctx) {
  auto& db = Db(ctx);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  if (!e) {
    db.SetString(ctx.arg(1), ctx.arg(2));
    ctx.SetDirty();
    return ctx.reply().Integer(static_cast<int64_t>(ctx.arg(2).size()));
  }
  char buf[24];
  auto cur = StrVal(e, buf);
  if (cur.size() + ctx.arg(2).size() > ctx.engine().hot.proto_max_bulk_len)
    return ctx.reply().Error(kErrStringTooLong);
  size_t total = cur.size() + ctx.arg(2).size();
  if (e->storage == db::Storage::kPtr) {
    static_cast<db::StringValue*>(e->ptr())->str().append(ctx.arg(2));
  } else {
    std::string s(cur);
    s.append(ctx.arg(2));
    db.ReplaceString(e, s, db::StrEnc::kRaw);
  }
  ctx.SetDirty();
  ctx.reply().Integer(static_cast<int64_t>(total));
}

void StrLen(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  char buf[24];
  ctx.reply().Integer(static_cast<int64_t>(StrVal(e, buf).size()));
}

void GetRange(CommandContext& ctx) {
  auto start = IntArg(ctx, 2);
  if (!start) return;
  auto end = IntArg(ctx, 3);
  if (!end) return;
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Bulk("");
  char buf[24];
  auto s = StrVal(e, buf);
  int64_t len = static_cast<int64_t>(s.size());
  int64_t a = *start, b = *end;
  if (a < 0 && b < 0 && a > b) return ctx.reply().Bulk("");
  if (a < 0) a = len + a;
  if (b < 0) b = len + b;
  if (a < 0) a = 0;
  if (b < 0) b = 0;
  if (b >= len) b = len - 1;
  if (a > b || len == 0) return ctx.reply().Bulk("");
  ctx.reply().Bulk(s.substr(static_cast<size_t>(a), static_cast<size_t>(b - a + 1)));
}

void SetRange(CommandContext& ctx) {
  auto off = IntArg(ctx, 2);
  if (!off) return;
  if (*off < 0) return ctx.reply().Error(kErrOffsetRange);
  auto& db = Db(ctx);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  std::string_view val = ctx.arg(3);
  char buf[24];
  if (!e) {
    if (val.empty()) return ctx.reply().Integer(0);
  } else if (val.empty()) {
    return ctx.reply().Integer(static_cast<int64_t>(StrVal(e, buf).size()));
  }
  if (static_cast<uint64_t>(*off) + val.size() > ctx.engine().hot.proto_max_bulk_len)
    return ctx.reply().Error(kErrStringTooLong);
  std::string s = e ? std::string(StrVal(e, buf)) : std::string();
  size_t need = static_cast<size_t>(*off) + val.size();
  if (s.size() < need) s.resize(need, '\0');
  s.replace(static_cast<size_t>(*off), val.size(), val);
  if (e) {
    db.ReplaceString(e, s, db::StrEnc::kRaw);
  } else {
    db.SetString(ctx.arg(1), s, -1, false, db::StrEnc::kRaw);
  }
  ctx.SetDirty();
  ctx.reply().Integer(static_cast<int64_t>(s.size()));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
void Lcs(CommandContext& ctx) {
  std::string a, b;
  for (int k = 0; k < 2; k++) {
    db::Entry* e = Db(ctx).LookupRead(ctx.arg(1 + static_cast<size_t>(k)));
    if (e && e->type != db::ObjType::kString) {
      return ctx.reply().Error("ERR The specified keys must contain string values");
    }
    if (e) {
      char buf[24];
      (k == 0 ? a : b).assign(StrVal(e, buf));
    }
  }
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t i = 3; i < ctx.argc(); i++) {
    std::string_view o = ctx.arg(i);
    if (Is(o, "idx")) {
      getidx = true;
    } else if (Is(o, "len")) {
      getlen = true;
    } else if (Is(o, "withmatchlen")) {
      withmatchlen = true;
    } else if (Is(o, "minmatchlen") && i + 1 < ctx.argc()) {
      auto v = IntArg(ctx, ++i);
      if (!v) return;
      minmatchlen = *v < 0 ? 0 : *v;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  if (getidx && getlen) {
    return ctx.reply().Error("ERR If you want both the length and indexes, please just use IDX.");
  }
  uint64_t alen = a.size(), blen = b.size();
  uint64_t cells = (alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > ctx.engine().hot.proto_max_bulk_len ||
      cells / (blen + 1) != alen + 1) {
    return ctx.reply().Error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  std::vector<uint32_t> dp(cells, 0);
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return dp[j * (alen + 1) + i]; };
  for (uint64_t i = 1; i <= alen; i++) {
    for (uint64_t j = 1; j <= blen; j++) {
      if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  uint32_t total = at(alen, blen);
  if (getlen) return ctx.reply().Integer(total);
  std::string result(total, '\0');
  auto& r = ctx.reply();
  size_t matches_at = 0;
  size_t nmatches = 0;
  if (getidx) {
    r.MapHeader(2);
    r.Bulk("matches");
    matches_at = r.Deferred();
  }
  uint64_t i = alen, j = blen, idx = total;
  uint64_t as = alen, ae = 0, bs = 0, be = 0;  // current range; as == alen: none
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (as == alen) {
        as = ae = i - 1;
        bs = be = j - 1;
      } else if (as == i && bs == j) {
        as--;
        bs--;
      } else {
        emit = true;
      }
      if (as == 0 || bs == 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (as != alen) emit = true;
    }
    if (emit) {
      uint64_t mlen = ae - as + 1;
      if (getidx && (minmatchlen == 0 || mlen >= static_cast<uint64_t>(minmatchlen))) {
        r.ArrayHeader(withmatchlen ? 3 : 2);
        r.ArrayHeader(2);
        r.Integer(static_cast<int64_t>(as));
        r.Integer(static_cast<int64_t>(ae));
        r.ArrayHeader(2);
        r.Integer(static_cast<int64_t>(bs));
        r.Integer(static_cast<int64_t>(be));
        if (withmatchlen) r.Integer(static_cast<int64_t>(mlen));
        nmatches++;
      }
      as = alen;
    }
  }
  if (getidx) {
    r.SetDeferredArray(matches_at, nmatches);
    r.Bulk("len");
    r.Integer(total);
  } else {
    r.Bulk(result);
  }
}

}  // namespace node::commands
