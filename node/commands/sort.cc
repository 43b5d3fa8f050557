// node/commands/sort.cc
//
// SORT and SORT_RO on lists, sets and sorted sets, Redis 7.0 semantics: BY
// patterns (with hash fields `->`, or a constant pattern to skip sorting),
// LIMIT, GET patterns (`#` is the element itself), ASC/DESC, ALPHA, and STORE
// (the result becomes a list; an empty result deletes the destination). In
// cluster mode, as in Redis 7.0, BY with a real pattern and every GET are
// refused. Registered in table_sort.inc; arity, auth and slot ownership were
// checked by the dispatcher. Engine thread only.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "node/commands/helpers.h"
#include "node/commands/sort_handlers.h"
#include "node/db/hash_value.h"
#include "node/db/list_value.h"
#include "node/db/set_value.h"
#include "node/db/zset_value.h"

namespace node::commands {

namespace {

struct SortItem {
  std::string obj;
  double score = 0;
  std::optional<std::string> cmpobj;  // ALPHA with BY: the value sorted by
};

// The part of a pattern C string functions see (Redis uses strchr/strstr).
std::string_view CPart(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// lookupKeyByPattern: the first '*' of the pattern is replaced by `subst`;
// "key*->field" reads a hash field; "#" is `subst` itself. nullopt when the
// pattern has no '*', the key is missing or of the wrong type.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view subst) {
  std::string_view cpat = CPart(pattern);
  if (cpat == "#") return std::string(subst);
  size_t p = cpat.find('*');
  if (p == std::string_view::npos) return std::nullopt;
  size_t f = cpat.find("->", p + 1);
  size_t fieldlen = 0;
  std::string_view field;
  if (f != std::string_view::npos && f + 2 < cpat.size()) {
    fieldlen = pattern.size() - f - 2;
    field = pattern.substr(f + 2);
  }
  size_t postfixlen = pattern.size() - (p + 1) - (fieldlen ? fieldlen + 2 : 0);
  std::string key;
  key.reserve(p + subst.size() + postfixlen);
  key.append(pattern.substr(0, p));
  key.append(subst);
  key.append(pattern.substr(p + 1, postfixlen));

  db::Entry* e = Db(ctx).LookupRead(key);
  if (!e) return std::nullopt;
  if (fieldlen) {
    if (e->type != db::ObjType::kHash) return std::nullopt;
    const std::string* v = e->as<db::HashValue>()->Get(field);
    if (!v) return std::nullopt;
    return *v;
  }
  if (e->type != db::ObjType::kString) return std::nullopt;
  char buf[24];
  return std::string(StrVal(e, buf));
}

// compareStringObjects: bytes, then length.
int BinaryCompare(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c) return c;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// strcoll in the C locale (Redis's ALPHA order without STORE): C strings,
// so the first NUL ends the comparison.
int CollateCompare(const std::string& a, const std::string& b) {
  return std::strcmp(a.c_str(), b.c_str());
}

struct SortParams {
  bool desc = false, alpha = false, bypattern = false, store = false;
};

// sortCompare.
int CompareItems(const SortItem& a, const SortItem& b, const SortParams& p) {
  int cmp;
  if (!p.alpha) {
    if (a.score > b.score) {
      cmp = 1;
    } else if (a.score < b.score) {
      cmp = -1;
    } else {
      cmp = BinaryCompare(a.obj, b.obj);  // deterministic ties
    }
  } else if (p.bypattern) {
    if (!a.cmpobj || !b.cmpobj) {
      if (!a.cmpobj && !b.cmpobj) {
        cmp = 0;
      } else {
        cmp = !a.cmpobj ? -1 : 1;
      }
    } else {
      cmp = p.store ? BinaryCompare(*a.cmpobj, *b.cmpobj) : CollateCompare(*a.cmpobj, *b.cmpobj);
    }
  } else {
    cmp = p.store ? BinaryCompare(a.obj, b.obj) : CollateCompare(a.obj, b.obj);
  }
  return p.desc ? -cmp : cmp;
}

// The sort score of a value: strtod over the whole C string, as Redis.
bool ParseSortScore(const std::string& s, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return end[0] == '\0' && errno != ERANGE && !std::isnan(*out);
}

struct Options {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string_view> sortby;
  std::optional<std::string_view> storekey;
  std::vector<std::string_view> gets;
};

// The SQL-like option list. Replies and returns false on an error.
bool ParseOptions(CommandContext& ctx, bool readonly, Options* o) {
  auto& r = ctx.reply();
  bool cluster = ctx.engine().cluster_enabled;
  size_t argc = ctx.argc();
  for (size_t j = 2; j < argc; j++) {
    size_t leftargs = argc - j - 1;
    std::string_view a = ctx.arg(j);
    if (Is(a, "asc")) {
      o->desc = false;
    } else if (Is(a, "desc")) {
      o->desc = true;
    } else if (Is(a, "alpha")) {
      o->alpha = true;
    } else if (Is(a, "limit") && leftargs >= 2) {
      auto s = IntArg(ctx, j + 1);
      if (!s) return false;
      auto c = IntArg(ctx, j + 2);
      if (!c) return false;
      o->limit_start = *s;
      o->limit_count = *c;
      j += 2;
    } else if (!readonly && Is(a, "store") && leftargs >= 1) {
      o->storekey = ctx.arg(j + 1);
      j++;
    } else if (Is(a, "by") && leftargs >= 1) {
      o->sortby = ctx.arg(j + 1);
      // A pattern without '*' names no per-element key: nothing to sort by.
      if (CPart(ctx.arg(j + 1)).find('*') == std::string_view::npos) {
        o->dontsort = true;
      } else if (cluster) {
        r.Error("ERR BY option of SORT denied in Cluster mode.");
        return false;
      }
      j++;
    } else if (Is(a, "get") && leftargs >= 1) {
      if (cluster) {
        r.Error("ERR GET option of SORT denied in Cluster mode.");
        return false;
      }
      o->gets.push_back(ctx.arg(j + 1));
      j++;
    } else {
      r.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// Loads the elements to sort. For lists and sorted sets that need no sorting
// only the LIMIT range is loaded (in DESC order when asked) and start/end
// are rebased, as Redis does.
std::vector<SortItem> LoadItems(db::Entry* e, const Options& o, int64_t* start, int64_t* end) {
  std::vector<SortItem> v;
  if (!e) return v;
  int64_t len = 0;
  switch (e->type) {
    case db::ObjType::kList:
      len = static_cast<int64_t>(e->as<db::ListValue>()->size());
      break;
    case db::ObjType::kSet:
      len = static_cast<int64_t>(e->as<db::SetValue>()->size());
      break;
    default:
      len = static_cast<int64_t>(e->as<db::ZSetValue>()->size());
      break;
  }
  int64_t vectorlen = len;
  bool ranged = e->type != db::ObjType::kSet && o.dontsort;
  if (ranged && (*start != 0 || *end != len - 1)) vectorlen = *end - *start + 1;
  if (vectorlen < 0) vectorlen = 0;
  v.reserve(static_cast<size_t>(vectorlen));

  if (e->type == db::ObjType::kList) {
    const auto* l = e->as<db::ListValue>();
    if (o.dontsort) {
      if (*end >= *start) {
        int64_t idx = o.desc ? len - *start - 1 : *start;
        while (static_cast<int64_t>(v.size()) < vectorlen && idx >= 0 && idx < len) {
          v.push_back({l->at(static_cast<size_t>(idx)), 0, std::nullopt});
          idx += o.desc ? -1 : 1;
        }
        *end -= *start;
        *start = 0;
      }
    } else {
      l->ForEach([&](std::string_view s) { v.push_back({std::string(s), 0, std::nullopt}); });
    }
  } else if (e->type == db::ObjType::kSet) {
    e->as<db::SetValue>()->ForEach([&](std::string_view s) {
      v.push_back({std::string(s), 0, std::nullopt});
    });
  } else {
    const auto* z = e->as<db::ZSetValue>();
    if (o.dontsort) {
      const db::ZSetValue::Node* n;
      if (o.desc) {
        n = *start > 0 ? z->ByRank(static_cast<size_t>(len - *start - 1)) : z->Last();
      } else {
        n = *start > 0 ? z->ByRank(static_cast<size_t>(*start)) : z->First();
      }
      for (int64_t k = 0; k < vectorlen && n; k++) {
        v.push_back({n->member, 0, std::nullopt});
        n = o.desc ? db::ZSetValue::Prev(n) : db::ZSetValue::Next(n);
      }
      *end -= *start;
      *start = 0;
    } else {
      z->ForEach([&](std::string_view m, double) {
        v.push_back({std::string(m), 0, std::nullopt});
      });
    }
  }
  return v;
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  auto& r = ctx.reply();
  Options o;
  if (!ParseOptions(ctx, readonly, &o)) return;

  db::Entry* e = Db(ctx).LookupRead(ctx.arg(1));
  if (e && e->type != db::ObjType::kSet && e->type != db::ObjType::kList &&
      e->type != db::ObjType::kZSet) {
    return r.Error(kErrWrongType);
  }
  // Sets have no stable order: a stored result is sorted (ALPHA) so that it
  // replicates identically.
  if (o.dontsort && e && e->type == db::ObjType::kSet && o.storekey) {
    o.dontsort = false;
    o.alpha = true;
    o.sortby.reset();
  }
  // Redis converts a listpack-encoded sorted set for SORT, for good.
  if (e && e->type == db::ObjType::kZSet) e->as<db::ZSetValue>()->ConvertToSkiplist();

  int64_t len = 0;
  if (e) {
    if (e->type == db::ObjType::kList) len = static_cast<int64_t>(e->as<db::ListValue>()->size());
    if (e->type == db::ObjType::kSet) len = static_cast<int64_t>(e->as<db::SetValue>()->size());
    if (e->type == db::ObjType::kZSet) len = static_cast<int64_t>(e->as<db::ZSetValue>()->size());
  }
  int64_t start = std::min(std::max(o.limit_start, int64_t{0}), len);
  int64_t limit_count = std::min(std::max(o.limit_count, int64_t{-1}), len);
  int64_t end = limit_count < 0 ? len - 1 : start + limit_count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  std::vector<SortItem> v = LoadItems(e, o, &start, &end);
  int64_t vectorlen = static_cast<int64_t>(v.size());

  bool conversion_error = false;
  if (!o.dontsort) {
    for (auto& item : v) {
      std::optional<std::string> byval;
      const std::string* val = &item.obj;
      if (o.sortby) {
        byval = LookupByPattern(ctx, *o.sortby, item.obj);
        if (!byval) continue;
        val = &*byval;
      }
      if (o.alpha) {
        if (o.sortby) item.cmpobj = std::move(*byval);
      } else if (!ParseSortScore(*val, &item.score)) {
        conversion_error = true;
      }
    }
    SortParams p{o.desc, o.alpha, o.sortby.has_value(), o.storekey.has_value()};
    auto cmp = [&p](const SortItem& a, const SortItem& b) { return CompareItems(a, b, p); };
    if (o.sortby && (start != 0 || end != vectorlen - 1)) {
      PartialQuickSort(v, start, end, cmp);
    } else {
      MergeSort(v, cmp);  // Redis: glibc's qsort
    }
  }

  // Never past the loaded elements (the range arithmetic above keeps it so).
  if (end >= static_cast<int64_t>(v.size())) end = static_cast<int64_t>(v.size()) - 1;
  int64_t span = end - start + 1;
  if (span < 0) span = 0;
  size_t getop = o.gets.size();
  size_t outputlen = getop ? getop * static_cast<size_t>(span) : static_cast<size_t>(span);
  if (conversion_error) return r.Error("ERR One or more scores can't be converted into double");

  if (!o.storekey) {
    r.ArrayHeader(outputlen);
    for (int64_t j = start; j <= end; j++) {
      const std::string& obj = v[static_cast<size_t>(j)].obj;
      if (!getop) r.Bulk(obj);
      for (std::string_view pat : o.gets) {
        auto val = LookupByPattern(ctx, pat, obj);
        if (val) {
          r.Bulk(*val);
        } else {
          r.Null();
        }
      }
    }
    return;
  }

  std::vector<std::string> out;
  out.reserve(outputlen);
  for (int64_t j = start; j <= end; j++) {
    const std::string& obj = v[static_cast<size_t>(j)].obj;
    if (!getop) {
      out.push_back(obj);
      continue;
    }
    for (std::string_view pat : o.gets) {
      auto val = LookupByPattern(ctx, pat, obj);
      out.push_back(val ? std::move(*val) : std::string());
    }
  }
  auto& db = Db(ctx);
  if (outputlen) {
    db.Delete(*o.storekey);
    db.AddValue(*o.storekey, db::ObjType::kList, db::ListValue::FromItems(std::move(out)));
    ctx.SetDirty(static_cast<long long>(outputlen));
  } else if (db.Delete(*o.storekey)) {
    ctx.SetDirty();
  }
  r.Integer(static_cast<int64_t>(outputlen));
}

}  // namespace

// sortGetKeys: the key, and the destination of the last STORE (LIMIT, GET
// and BY skip their arguments, so a STORE in their place is not seen).
std::vector<int> SortKeys(std::span<const std::string_view> args) {
  std::vector<int> keys{1};
  int store = -1;
  int argc = static_cast<int>(args.size());
  for (int i = 2; i < argc; i++) {
    std::string_view a = args[static_cast<size_t>(i)];
    if (Is(a, "limit")) {
      i += 2;
    } else if (Is(a, "get") || Is(a, "by")) {
      i += 1;
    } else if (Is(a, "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store > 0) keys.push_back(store);
  return keys;
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
//      [ALPHA] [STORE destination]
void Sort(CommandContext& ctx) { SortGeneric(ctx, false); }

// SORT_RO: SORT without STORE.
void SortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace node::commands
