// node/commands/geo.cc
//
// Geo commands (GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE and the
// deprecated GEORADIUS family), Redis 7.0 semantics and reply shapes. A geo
// set is a sorted set whose scores are 52-bit geohashes (node/db/geohash.h);
// GEOADD is ZADD with computed scores and propagates as that ZADD, as Redis
// does. Registered in table_geo.inc; arity, auth and slot ownership were
// checked by the dispatcher. Engine thread only.

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "node/commands/geo_handlers.h"
#include "node/commands/helpers.h"
#include "node/commands/sort_handlers.h"
#include "node/commands/zsets_handlers.h"
#include "node/config/config.h"
#include "node/db/geohash.h"
#include "node/db/zset_value.h"

namespace node::commands {

namespace {

namespace geo = db::geo;
using db::ZSetValue;

constexpr const char* kErrUnit = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr const char* kErrDecodeMember = "ERR could not decode requested zset member";

// georadiusGeneric's variants.
constexpr int kRadiusCoords = 1 << 0;    // GEORADIUS: center from arguments
constexpr int kRadiusMember = 1 << 1;    // GEORADIUSBYMEMBER: center from a member
constexpr int kRadiusNoStore = 1 << 2;   // the _RO forms: no STORE / STOREDIST
constexpr int kGeoSearch = 1 << 3;       // GEOSEARCH syntax
constexpr int kGeoSearchStore = 1 << 4;  // GEOSEARCHSTORE: STOREDIST flag only

ZSetValue* GetZ(CommandContext& ctx, std::string_view key, bool* wrong) {
  db::Entry* e = LookupTyped(ctx, key, db::ObjType::kZSet, wrong);
  return e ? e->as<ZSetValue>() : nullptr;
}

// extractUnitOrReply: meters per unit, or a negative value after replying.
double UnitArg(CommandContext& ctx, std::string_view u) {
  if (Is(u, "m")) return 1;
  if (Is(u, "km")) return 1000;
  if (Is(u, "ft")) return 0.3048;
  if (Is(u, "mi")) return 1609.34;
  ctx.reply().Error(kErrUnit);
  return -1;
}

// extractLongLatOrReply: two floats at idx, idx+1 inside the geohash limits.
bool LongLatArg(CommandContext& ctx, size_t idx, double* xy) {
  for (size_t i = 0; i < 2; i++) {
    auto v = base::ParseDouble(ctx.arg(idx + i));
    if (!v) {
      ctx.reply().Error(kErrNotFloat);
      return false;
    }
    xy[i] = *v;
  }
  if (xy[0] < geo::kLongMin || xy[0] > geo::kLongMax || xy[1] < geo::kLatMin ||
      xy[1] > geo::kLatMax) {
    std::vector<char> buf(700);
    std::snprintf(buf.data(), buf.size(), "ERR invalid longitude,latitude pair %f,%f", xy[0],
                  xy[1]);
    ctx.reply().Error(buf.data());
    return false;
  }
  return true;
}

// extractDistanceOrReply: <radius> <unit>.
bool DistanceArg(CommandContext& ctx, size_t idx, double* conversion, double* radius) {
  auto d = base::ParseDouble(ctx.arg(idx));
  if (!d) {
    ctx.reply().Error("ERR need numeric radius");
    return false;
  }
  if (*d < 0) {
    ctx.reply().Error("ERR radius cannot be negative");
    return false;
  }
  *radius = *d;
  double to_meters = UnitArg(ctx, ctx.arg(idx + 1));
  if (to_meters < 0) return false;
  *conversion = to_meters;
  return true;
}

// extractBoxOrReply: <width> <height> <unit>.
bool BoxArg(CommandContext& ctx, size_t idx, double* conversion, double* width, double* height) {
  auto w = base::ParseDouble(ctx.arg(idx));
  if (!w) {
    ctx.reply().Error("ERR need numeric width");
    return false;
  }
  auto h = base::ParseDouble(ctx.arg(idx + 1));
  if (!h) {
    ctx.reply().Error("ERR need numeric height");
    return false;
  }
  if (*h < 0 || *w < 0) {
    ctx.reply().Error("ERR height or width cannot be negative");
    return false;
  }
  *height = *h;
  *width = *w;
  double to_meters = UnitArg(ctx, ctx.arg(idx + 2));
  if (to_meters < 0) return false;
  *conversion = to_meters;
  return true;
}

// longLatFromMember.
bool LongLatFromMember(const ZSetValue* z, std::string_view member, double* xy) {
  auto score = z->Score(member);
  if (!score) return false;
  return geo::DecodeScore(*score, xy);
}

struct GeoPoint {
  double longitude;
  double latitude;
  double dist;
  double score;
  std::string_view member;  // a view of the zset node (no writes meanwhile)
};

// geoGetPointsInRange: appends the points with scores in [min, max) that lie
// inside the shape; stops once `limit` points are collected (0: no limit).
void PointsInRange(const ZSetValue* z, double min, double max, const geo::Shape& shape,
                   std::vector<GeoPoint>* out, size_t limit) {
  db::ScoreRange range{min, max, false, true};
  for (const ZSetValue::Node* n = z->FirstInRange(range); n; n = ZSetValue::Next(n)) {
    if (!ZSetValue::ValueLteMax(n->score, range)) break;
    double xy[2], dist = 0;
    if (geo::WithinShape(shape, n->score, xy, &dist)) {
      out->push_back({xy[0], xy[1], dist, n->score, n->member});
    }
    if (!out->empty() && limit && out->size() >= limit) break;
  }
}

// membersOfAllNeighbors: the center box, then N S E W NE NW SE SW, skipping
// zeroed boxes and a box equal to the one searched just before.
void MembersOfAllNeighbors(const ZSetValue* z, const geo::RadiusAreas& areas,
                           const geo::Shape& shape, std::vector<GeoPoint>* out, size_t limit) {
  const geo::HashBits boxes[9] = {areas.hash,
                                  areas.neighbors.north,
                                  areas.neighbors.south,
                                  areas.neighbors.east,
                                  areas.neighbors.west,
                                  areas.neighbors.north_east,
                                  areas.neighbors.north_west,
                                  areas.neighbors.south_east,
                                  areas.neighbors.south_west};
  size_t last_processed = 0;
  for (size_t i = 0; i < 9; i++) {
    if (boxes[i].IsZero()) continue;
    // Huge radii can make adjacent neighbours the same box.
    if (last_processed && boxes[i].bits == boxes[last_processed].bits &&
        boxes[i].step == boxes[last_processed].step) {
      continue;
    }
    if (!out->empty() && limit && out->size() >= limit) break;
    // Every score with the box's prefix: [prefix << k, (prefix + 1) << k).
    geo::HashBits hi = boxes[i];
    uint64_t min = geo::Align52Bits(hi);
    hi.bits++;
    uint64_t max = geo::Align52Bits(hi);
    PointsInRange(z, static_cast<double>(min), static_cast<double>(max), shape, out, limit);
    last_processed = i;
  }
}

int CompareDistAsc(const GeoPoint& a, const GeoPoint& b) {
  if (a.dist > b.dist) return 1;
  if (a.dist == b.dist) return 0;
  return -1;
}

size_t MaxEntries(CommandContext& ctx) {
  auto* c = ctx.engine().config;
  int64_t v = c ? c->s.zset_max_listpack_entries : 128;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

size_t MaxValue(CommandContext& ctx) {
  auto* c = ctx.engine().config;
  return c ? static_cast<size_t>(c->s.zset_max_listpack_value) : 64;
}

// Deletes `key` for a STORE whose result is empty (dirty when it existed).
void DeleteStoreKey(CommandContext& ctx, std::string_view key) {
  if (Db(ctx).Delete(key)) ctx.SetDirty();
}

enum class SortOrder { kNone, kAsc, kDesc };

struct SearchOptions {
  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  bool any = false;
  bool storedist = false;
  SortOrder sort = SortOrder::kNone;
  long long count = 0;
  size_t storekey = 0;  // argument index of the destination, 0: none
};

// Parses the options after base_args (georadiusGeneric's loop). Replies and
// returns false on an error.
bool ParseSearchOptions(CommandContext& ctx, size_t base_args, int flags, const ZSetValue* z,
                        geo::Shape* shape, SearchOptions* o) {
  auto& r = ctx.reply();
  size_t argc = ctx.argc();
  if (argc <= base_args) return true;
  size_t remaining = argc - base_args;
  for (size_t i = 0; i < remaining; i++) {
    std::string_view arg = ctx.arg(base_args + i);
    bool search = flags & kGeoSearch;
    bool can_store = !(flags & kRadiusNoStore) && !search;
    if (Is(arg, "withdist")) {
      o->withdist = true;
    } else if (Is(arg, "withhash")) {
      o->withhash = true;
    } else if (Is(arg, "withcoord")) {
      o->withcoords = true;
    } else if (Is(arg, "any")) {
      o->any = true;
    } else if (Is(arg, "asc")) {
      o->sort = SortOrder::kAsc;
    } else if (Is(arg, "desc")) {
      o->sort = SortOrder::kDesc;
    } else if (Is(arg, "count") && i + 1 < remaining) {
      auto v = IntArg(ctx, base_args + i + 1);
      if (!v) return false;
      if (*v <= 0) {
        r.Error("ERR COUNT must be > 0");
        return false;
      }
      o->count = *v;
      i++;
    } else if (Is(arg, "store") && i + 1 < remaining && can_store) {
      o->storekey = base_args + i + 1;
      o->storedist = false;
      i++;
    } else if (Is(arg, "storedist") && i + 1 < remaining && can_store) {
      o->storekey = base_args + i + 1;
      o->storedist = true;
      i++;
    } else if (Is(arg, "storedist") && search && (flags & kGeoSearchStore)) {
      o->storedist = true;
    } else if (Is(arg, "frommember") && i + 1 < remaining && search && !o->fromloc) {
      // Without a source key parsing goes on; the empty reply comes later.
      if (z && !LongLatFromMember(z, ctx.arg(base_args + i + 1), shape->xy)) {
        r.Error(kErrDecodeMember);
        return false;
      }
      o->frommember = true;
      i++;
    } else if (Is(arg, "fromlonlat") && i + 2 < remaining && search && !o->frommember) {
      if (!LongLatArg(ctx, base_args + i + 1, shape->xy)) return false;
      o->fromloc = true;
      i += 2;
    } else if (Is(arg, "byradius") && i + 2 < remaining && search && !o->bybox) {
      if (!DistanceArg(ctx, base_args + i + 1, &shape->conversion, &shape->radius)) return false;
      shape->type = geo::Shape::kCircle;
      o->byradius = true;
      i += 2;
    } else if (Is(arg, "bybox") && i + 3 < remaining && search && !o->byradius) {
      if (!BoxArg(ctx, base_args + i + 1, &shape->conversion, &shape->width, &shape->height)) {
        return false;
      }
      shape->type = geo::Shape::kRectangle;
      o->bybox = true;
      i += 3;
    } else {
      r.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// Stores the results as a zset at `dst` (scores: hashes, or distances in the
// unit with STOREDIST) and replies their number.
void StoreResults(CommandContext& ctx, std::string_view dst, std::vector<GeoPoint>& points,
                  size_t returned, const geo::Shape& shape, bool storedist) {
  if (returned == 0) {
    DeleteStoreKey(ctx, dst);
    return ctx.reply().Integer(0);
  }
  std::vector<std::pair<std::string, double>> items;
  items.reserve(returned);
  for (size_t i = 0; i < returned; i++) {
    GeoPoint& gp = points[i];
    gp.dist /= shape.conversion;
    items.emplace_back(std::string(gp.member), storedist ? gp.dist : gp.score);
  }
  auto z = ZSetValue::FromPairs(items, MaxEntries(ctx), MaxValue(ctx));
  auto& db = Db(ctx);
  db.Delete(dst);
  db.AddValue(dst, db::ObjType::kZSet, std::move(z));
  ctx.SetDirty(static_cast<long long>(returned));
  ctx.reply().Integer(static_cast<int64_t>(returned));
}

void ReplyResults(CommandContext& ctx, std::vector<GeoPoint>& points, size_t returned,
                  const geo::Shape& shape, const SearchOptions& o) {
  auto& r = ctx.reply();
  size_t option_length = (o.withdist ? 1 : 0) + (o.withcoords ? 1 : 0) + (o.withhash ? 1 : 0);
  r.ArrayHeader(returned);
  for (size_t i = 0; i < returned; i++) {
    GeoPoint& gp = points[i];
    gp.dist /= shape.conversion;
    if (option_length) r.ArrayHeader(option_length + 1);
    r.Bulk(gp.member);
    if (o.withdist) r.Bulk(geo::FormatDistance(gp.dist));
    if (o.withhash) r.Integer(static_cast<int64_t>(gp.score));
    if (o.withcoords) {
      r.ArrayHeader(2);
      r.DoubleHuman(geo::FormatCoordinate(gp.longitude));
      r.DoubleHuman(geo::FormatCoordinate(gp.latitude));
    }
  }
}

// georadiusGeneric: every search command.
void GeoSearchGeneric(CommandContext& ctx, size_t src_index, int flags) {
  auto& r = ctx.reply();
  bool wrong;
  const ZSetValue* z = GetZ(ctx, ctx.arg(src_index), &wrong);
  if (wrong) return;

  size_t base_args = 0;
  geo::Shape shape;
  SearchOptions o;
  if (flags & kRadiusCoords) {
    base_args = 6;
    shape.type = geo::Shape::kCircle;
    if (!LongLatArg(ctx, 2, shape.xy)) return;
    if (!DistanceArg(ctx, base_args - 2, &shape.conversion, &shape.radius)) return;
  } else if ((flags & kRadiusMember) && !z) {
    base_args = 5;  // no source: parse the options to pick the reply
  } else if (flags & kRadiusMember) {
    base_args = 5;
    shape.type = geo::Shape::kCircle;
    if (!LongLatFromMember(z, ctx.arg(2), shape.xy)) return r.Error(kErrDecodeMember);
    if (!DistanceArg(ctx, base_args - 2, &shape.conversion, &shape.radius)) return;
  } else {
    base_args = 2;
    if (flags & kGeoSearchStore) {
      base_args = 3;
      o.storekey = 1;
    }
  }

  if (!ParseSearchOptions(ctx, base_args, flags, z, &shape, &o)) return;

  if (o.storekey && (o.withdist || o.withhash || o.withcoords)) {
    return r.Error(std::string("ERR ") +
                   ((flags & kGeoSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                   " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  if ((flags & kGeoSearch) && !(o.frommember || o.fromloc)) {
    return r.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                   std::string(ctx.arg(0)));
  }
  if ((flags & kGeoSearch) && !(o.byradius || o.bybox)) {
    return r.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                   std::string(ctx.arg(0)));
  }
  if (o.any && !o.count) return r.Error("ERR the ANY argument requires COUNT argument");

  if (!z) {
    if (o.storekey) {
      DeleteStoreKey(ctx, ctx.arg(o.storekey));
      return r.Integer(0);
    }
    return r.ArrayHeader(0);
  }

  // COUNT without an order means the nearest ones (not with ANY).
  if (o.count != 0 && o.sort == SortOrder::kNone && !o.any) o.sort = SortOrder::kAsc;

  geo::RadiusAreas areas = geo::AreasByShape(&shape);
  std::vector<GeoPoint> points;
  MembersOfAllNeighbors(z, areas, shape, &points, o.any ? static_cast<size_t>(o.count) : 0);

  if (points.empty() && !o.storekey) return r.ArrayHeader(0);

  size_t result_length = points.size();
  size_t returned = (o.count == 0 || result_length < static_cast<size_t>(o.count))
                        ? result_length
                        : static_cast<size_t>(o.count);
  if (o.sort != SortOrder::kNone) {
    bool desc = o.sort == SortOrder::kDesc;
    auto cmp = [desc](const GeoPoint& a, const GeoPoint& b) {
      int c = CompareDistAsc(a, b);
      return desc ? -c : c;
    };
    if (returned == result_length) {
      MergeSort(points, cmp);  // Redis: glibc's qsort
    } else {
      PartialQuickSort(points, 0, static_cast<int64_t>(returned) - 1, cmp);
    }
  }

  if (!o.storekey) return ReplyResults(ctx, points, returned, shape, o);
  std::string dst(ctx.arg(o.storekey));
  StoreResults(ctx, dst, points, returned, shape, o.storedist);
}

// georadiusGetKeys as Redis 7.0 really resolves it: through the key specs,
// i.e. the key, then the first STORE and the first STOREDIST found from
// `startfrom` (not as the last argument).
std::vector<int> RadiusKeys(std::span<const std::string_view> args, size_t startfrom) {
  std::vector<int> keys{1};
  for (std::string_view kw : {std::string_view("store"), std::string_view("storedist")}) {
    for (size_t i = startfrom; i + 1 < args.size(); i++) {
      if (Is(args[i], kw)) {
        keys.push_back(static_cast<int>(i + 1));
        break;
      }
    }
  }
  return keys;
}

}  // namespace

std::vector<int> GeoRadiusKeys(std::span<const std::string_view> args) {
  return RadiusKeys(args, 6);
}

std::vector<int> GeoRadiusByMemberKeys(std::span<const std::string_view> args) {
  return RadiusKeys(args, 5);
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]: runs ZADD with the
// computed scores, and propagates that ZADD (Redis rewrites the command).
void GeoAdd(CommandContext& ctx) {
  size_t longidx = 2;
  bool xx = false, nx = false;
  for (; longidx < ctx.argc(); longidx++) {
    std::string_view opt = ctx.arg(longidx);
    if (Is(opt, "nx")) {
      nx = true;
    } else if (Is(opt, "xx")) {
      xx = true;
    } else if (!Is(opt, "ch")) {
      break;
    }
  }
  if ((ctx.argc() - longidx) % 3 || (xx && nx)) return ctx.reply().Error(kErrSyntax);

  size_t elements = (ctx.argc() - longidx) / 3;
  std::vector<std::string> zargs;
  zargs.reserve(longidx + elements * 2);
  zargs.emplace_back("zadd");
  for (size_t i = 1; i < longidx; i++) zargs.emplace_back(ctx.arg(i));
  for (size_t i = 0; i < elements; i++) {
    double xy[2];
    if (!LongLatArg(ctx, longidx + i * 3, xy)) return;
    zargs.push_back(std::to_string(geo::ScoreOf(xy[0], xy[1])));
    zargs.emplace_back(ctx.arg(longidx + i * 3 + 2));
  }
  std::vector<std::string_view> views(zargs.begin(), zargs.end());
  CommandContext zctx(ctx.engine(), ctx.client(), ctx.spec(), views, ctx.reply());
  ZAdd(zctx);
  if (zctx.dirty()) {
    ctx.SetDirty(zctx.dirty());
    ctx.PropagateAs(std::move(zargs));
  }
}

// GEODIST key member1 member2 [unit]
void GeoDist(CommandContext& ctx) {
  auto& r = ctx.reply();
  double to_meter = 1;
  if (ctx.argc() == 5) {
    to_meter = UnitArg(ctx, ctx.arg(4));
    if (to_meter < 0) return;
  } else if (ctx.argc() > 5) {
    return r.Error(kErrSyntax);
  }
  bool wrong;
  const ZSetValue* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  if (!z) return r.Null();
  auto s1 = z->Score(ctx.arg(2));
  auto s2 = z->Score(ctx.arg(3));
  if (!s1 || !s2) return r.Null();
  double xyxy[4];
  if (!geo::DecodeScore(*s1, xyxy) || !geo::DecodeScore(*s2, xyxy + 2)) return r.Null();
  r.Bulk(geo::FormatDistance(geo::Distance(xyxy[0], xyxy[1], xyxy[2], xyxy[3]) / to_meter));
}

// GEOHASH key [member ...]
void GeoHash(CommandContext& ctx) {
  auto& r = ctx.reply();
  bool wrong;
  const ZSetValue* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  r.ArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); j++) {
    std::optional<double> score;
    if (z) score = z->Score(ctx.arg(j));
    if (!score) {
      r.Null();
      continue;
    }
    std::string h = geo::GeohashString(*score);
    if (h.empty()) {
      r.Null();
    } else {
      r.Bulk(h);
    }
  }
}

// GEOPOS key [member ...]
void GeoPos(CommandContext& ctx) {
  auto& r = ctx.reply();
  bool wrong;
  const ZSetValue* z = GetZ(ctx, ctx.arg(1), &wrong);
  if (wrong) return;
  r.ArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); j++) {
    std::optional<double> score;
    if (z) score = z->Score(ctx.arg(j));
    double xy[2];
    if (!score || !geo::DecodeScore(*score, xy)) {
      r.NullArray();
      continue;
    }
    r.ArrayHeader(2);
    r.DoubleHuman(geo::FormatCoordinate(xy[0]));
    r.DoubleHuman(geo::FormatCoordinate(xy[1]));
  }
}

void GeoRadius(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords); }
void GeoRadiusByMember(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusMember); }
void GeoRadiusRo(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords | kRadiusNoStore); }
void GeoRadiusByMemberRo(CommandContext& ctx) {
  GeoSearchGeneric(ctx, 1, kRadiusMember | kRadiusNoStore);
}
void GeoSearch(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kGeoSearch); }
void GeoSearchStore(CommandContext& ctx) { GeoSearchGeneric(ctx, 2, kGeoSearch | kGeoSearchStore); }

}  // namespace node::commands
