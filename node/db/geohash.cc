// node/db/geohash.cc
//
// Geohash math of the GEO commands (see geohash.h). The operation order of
// every formula is Redis 7.0's, so doubles come out bit-identical.

#include "node/db/geohash.h"

#include <cmath>
#include <cstdio>

namespace node::db::geo {

namespace {

// Redis's D_R: degrees to radians as M_PI / 180.0 (not the longer literal it
// also declares but does not use).
constexpr double kDegToRad = M_PI / 180.0;
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRad; }
double RadDeg(double ang) { return ang / kDegToRad; }

// Spreads the 32 bits of v over the even bit positions of a 64-bit word.
uint64_t SpreadBits(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Inverse of SpreadBits: gathers the even bits of x into 32 bits.
uint32_t GatherBits(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

bool RangeIsZero(const Range& r) { return r.max == 0 && r.min == 0; }

// Moves a hash one box east (d > 0) or west (d < 0): the longitude bits are
// the odd ones; the even (latitude) bits are kept.
void MoveX(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  int shift = 64 - hash->step * 2;
  uint64_t filler = 0x5555555555555555ULL >> shift;
  if (d > 0) {
    x = x + (filler + 1);
  } else {
    x = x | filler;
    x = x - (filler + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> shift);
  hash->bits = x | y;
}

// Moves a hash one box north (d > 0) or south (d < 0).
void MoveY(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  int shift = 64 - hash->step * 2;
  uint64_t filler = 0xaaaaaaaaaaaaaaaaULL >> shift;
  if (d > 0) {
    y = y + (filler + 1);
  } else {
    y = y | filler;
    y = y - (filler + 1);
  }
  y &= (0x5555555555555555ULL >> shift);
  hash->bits = x | y;
}

void Zero(HashBits* h) { *h = HashBits{}; }

constexpr Range kLongRange{kLongMin, kLongMax};
constexpr Range kLatRange{kLatMin, kLatMax};

}  // namespace

bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude,
            uint8_t step, HashBits* hash) {
  if (!hash || step > 32 || step == 0 || RangeIsZero(lat_range) || RangeIsZero(long_range)) {
    return false;
  }
  if (longitude > kLongMax || longitude < kLongMin || latitude > kLatMax || latitude < kLatMin) {
    return false;
  }
  hash->bits = 0;
  hash->step = step;
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min ||
      longitude > long_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
  // Fixed point with `step` bits; an offset of exactly 1.0 gives 2^step (one
  // bit past the hash, as in Redis).
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  hash->bits = SpreadBits(static_cast<uint32_t>(lat_offset)) |
               (SpreadBits(static_cast<uint32_t>(long_offset)) << 1);
  return true;
}

bool EncodeWgs84(double longitude, double latitude, uint8_t step, HashBits* hash) {
  return Encode(kLongRange, kLatRange, longitude, latitude, step, hash);
}

bool Decode(const Range& long_range, const Range& lat_range, const HashBits& hash, Area* area) {
  if (hash.IsZero() || !area || RangeIsZero(lat_range) || RangeIsZero(long_range)) return false;
  if (hash.step > 32) return false;
  area->hash = hash;
  uint8_t step = hash.step;
  uint32_t ilato = GatherBits(hash.bits);
  uint32_t ilono = GatherBits(hash.bits >> 1);
  double lat_scale = lat_range.max - lat_range.min;
  double long_scale = long_range.max - long_range.min;
  double div = static_cast<double>(1ULL << step);
  // ilato + 1 wraps in 32 bits like Redis's unsigned arithmetic.
  uint32_t ilato1 = ilato + 1u, ilono1 = ilono + 1u;
  area->latitude.min = lat_range.min + (ilato * 1.0 / div) * lat_scale;
  area->latitude.max = lat_range.min + (ilato1 * 1.0 / div) * lat_scale;
  area->longitude.min = long_range.min + (ilono * 1.0 / div) * long_scale;
  area->longitude.max = long_range.min + (ilono1 * 1.0 / div) * long_scale;
  return true;
}

bool DecodeToLongLat(const HashBits& hash, double* xy) {
  Area area;
  if (!xy || !Decode(kLongRange, kLatRange, hash, &area)) return false;
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLongMax) xy[0] = kLongMax;
  if (xy[0] < kLongMin) xy[0] = kLongMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

void GetNeighbors(const HashBits& hash, Neighbors* n) {
  n->east = n->west = n->north = n->south = hash;
  n->south_east = n->south_west = n->north_east = n->north_west = hash;
  MoveX(&n->east, 1);
  MoveX(&n->west, -1);
  MoveY(&n->south, -1);
  MoveY(&n->north, 1);
  MoveX(&n->north_west, -1);
  MoveY(&n->north_west, 1);
  MoveX(&n->north_east, 1);
  MoveY(&n->north_east, 1);
  MoveX(&n->south_east, 1);
  MoveY(&n->south_east, -1);
  MoveX(&n->south_west, -1);
  MoveY(&n->south_west, -1);
}

uint64_t Align52Bits(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

uint64_t ScoreOf(double longitude, double latitude) {
  HashBits hash;
  EncodeWgs84(longitude, latitude, kStepMax, &hash);
  return Align52Bits(hash);
}

uint64_t ScoreToBits(double score) {
  constexpr double k2p63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 0x8000000000000000ULL;
  if (!(score >= k2p63)) {
    if (score >= -k2p63) return static_cast<uint64_t>(static_cast<int64_t>(score));
    return kIndefinite;  // below -2^63 (or NaN)
  }
  double rest = score - k2p63;
  if (rest < k2p63) return static_cast<uint64_t>(static_cast<int64_t>(rest)) ^ kIndefinite;
  return 0;  // 2^64 and past, +inf
}

bool DecodeScore(double score, double* xy) {
  HashBits hash{ScoreToBits(score), kStepMax};
  return DecodeToLongLat(hash, xy);
}

uint8_t EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // make sure the range is included in most of the base cases
  // Boxes are narrower towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

void BoundingBox(Shape* shape, double* bounds) {
  double longitude = shape->xy[0];
  double latitude = shape->xy[1];
  bool circle = shape->type == Shape::kCircle;
  double height = shape->conversion * (circle ? shape->radius : shape->height / 2);
  double width = shape->conversion * (circle ? shape->radius : shape->width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double long_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude + lat_delta)));
  const double long_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(latitude - lat_delta)));
  // The box is wider on the side nearer the equator.
  bool southern = latitude < 0;
  bounds[0] = southern ? longitude - long_delta_bottom : longitude - long_delta_top;
  bounds[2] = southern ? longitude + long_delta_bottom : longitude + long_delta_top;
  bounds[1] = latitude - lat_delta;
  bounds[3] = latitude + lat_delta;
}

RadiusAreas AreasByShape(Shape* shape) {
  BoundingBox(shape, shape->bounds);
  double min_lon = shape->bounds[0];
  double min_lat = shape->bounds[1];
  double max_lon = shape->bounds[2];
  double max_lat = shape->bounds[3];
  double longitude = shape->xy[0];
  double latitude = shape->xy[1];
  // A box is searched like the circle through its corners.
  double radius_meters = shape->type == Shape::kCircle
                             ? shape->radius
                             : std::sqrt((shape->width / 2) * (shape->width / 2) +
                                         (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;

  int steps = EstimateStepsByRadius(radius_meters, latitude);
  HashBits hash;
  Neighbors neighbors;
  Area area;
  Encode(kLongRange, kLatRange, longitude, latitude, static_cast<uint8_t>(steps), &hash);
  GetNeighbors(hash, &neighbors);
  Decode(kLongRange, kLatRange, hash, &area);

  // Near the edge of the center box one neighbour may not reach far enough:
  // then use boxes twice as large.
  bool decrease_step = false;
  {
    Area north, south, east, west;
    Decode(kLongRange, kLatRange, neighbors.north, &north);
    Decode(kLongRange, kLatRange, neighbors.south, &south);
    Decode(kLongRange, kLatRange, neighbors.east, &east);
    Decode(kLongRange, kLatRange, neighbors.west, &west);
    if (north.latitude.max < max_lat) decrease_step = true;
    if (south.latitude.min > min_lat) decrease_step = true;
    if (east.longitude.max < max_lon) decrease_step = true;
    if (west.longitude.min > min_lon) decrease_step = true;
  }
  if (steps > 1 && decrease_step) {
    steps--;
    Encode(kLongRange, kLatRange, longitude, latitude, static_cast<uint8_t>(steps), &hash);
    GetNeighbors(hash, &neighbors);
    Decode(kLongRange, kLatRange, hash, &area);
  }

  // Drop the neighbours the search area cannot reach.
  if (steps >= 2) {
    if (area.latitude.min < min_lat) {
      Zero(&neighbors.south);
      Zero(&neighbors.south_west);
      Zero(&neighbors.south_east);
    }
    if (area.latitude.max > max_lat) {
      Zero(&neighbors.north);
      Zero(&neighbors.north_east);
      Zero(&neighbors.north_west);
    }
    if (area.longitude.min < min_lon) {
      Zero(&neighbors.west);
      Zero(&neighbors.south_west);
      Zero(&neighbors.north_west);
    }
    if (area.longitude.max > max_lon) {
      Zero(&neighbors.east);
      Zero(&neighbors.south_east);
      Zero(&neighbors.north_east);
    }
  }
  RadiusAreas out;
  out.hash = hash;
  out.neighbors = neighbors;
  out.area = area;
  return out;
}

double LatDistance(double lat1d, double lat2d) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2d) - DegRad(lat1d));
}

double Distance(double lon1d, double lat1d, double lon2d, double lat2d) {
  double lon1r = DegRad(lon1d);
  double lon2r = DegRad(lon2d);
  double v = std::sin((lon2r - lon1r) / 2);
  // Same meridian: the haversine reduces to the latitude difference.
  if (v == 0.0) return LatDistance(lat1d, lat2d);
  double lat1r = DegRad(lat1d);
  double lat2r = DegRad(lat2d);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool DistanceIfInRadius(double x1, double y1, double x2, double y2, double radius,
                        double* distance) {
  *distance = Distance(x1, y1, x2, y2);
  return !(*distance > radius);
}

bool DistanceIfInRectangle(double width_m, double height_m, double x1, double y1, double x2,
                           double y2, double* distance) {
  // The latitude distance is cheaper: test it first.
  double lat_distance = LatDistance(y2, y1);
  if (lat_distance > height_m / 2) return false;
  double lon_distance = Distance(x2, y2, x1, y2);
  if (lon_distance > width_m / 2) return false;
  *distance = Distance(x1, y1, x2, y2);
  return true;
}

bool WithinShape(const Shape& shape, double score, double* xy, double* distance) {
  if (!DecodeScore(score, xy)) return false;
  if (shape.type == Shape::kCircle) {
    return DistanceIfInRadius(shape.xy[0], shape.xy[1], xy[0], xy[1],
                              shape.radius * shape.conversion, distance);
  }
  return DistanceIfInRectangle(shape.width * shape.conversion, shape.height * shape.conversion,
                               shape.xy[0], shape.xy[1], xy[0], xy[1], distance);
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!DecodeScore(score, xy)) return {};
  // Stored hashes use latitudes -85..85; the standard geohash uses -90..90.
  Range lon{-180, 180}, lat{-90, 90};
  HashBits hash;
  Encode(lon, lat, xy[0], xy[1], 26, &hash);
  std::string out(11, '0');
  for (int i = 0; i < 10; i++) {
    out[static_cast<size_t>(i)] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  }
  return out;  // the 11th character stands for bits a 52-bit hash lacks: '0'
}

std::string FormatDistance(double d) {
  if (d == 0) return "0.0000";
  long long scaled = std::llrint(d * 10000.0);
  unsigned long long mag;
  std::string out;
  if (scaled < 0) {
    out.push_back('-');
    mag = 0ULL - static_cast<unsigned long long>(scaled);
  } else {
    mag = static_cast<unsigned long long>(scaled);
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%llu.%04llu", mag / 10000, mag % 10000);
  out += buf;
  return out;
}

std::string FormatCoordinate(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), "%.17f", v);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "0";
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace node::db::geo
