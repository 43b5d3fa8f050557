// node/db/geohash.h
//
// Geohash math of the GEO commands, as Redis 7.0 computes it (geohash.c,
// geohash_helper.c, the helpers of geo.c): 52-bit interleaved hashes used as
// sorted-set scores, the 9-box neighbour search that covers a radius or a box,
// the haversine distance, and the text forms replies use. Pure functions, no
// state; called by node/commands/geo.cc on the engine thread.
//
// Every formula follows Redis's operation order exactly, so results (hashes,
// distances, coordinates) are bit-identical to redis-server's on the same
// libm: the GEO differential tests compare them as strings.
//
// Layout of a hash: latitude bits in the even positions, longitude bits in the
// odd ones, `step` bits each (26 for stored scores: 52 bits). Latitudes span
// -85.05112878..85.05112878 (EPSG:900913), longitudes -180..180.

#pragma once

#include <cstdint>
#include <string>

namespace node::db::geo {

inline constexpr int kStepMax = 26;  // 26 * 2 = 52 bits
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLongMin = -180;
inline constexpr double kLongMax = 180;
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
};

struct Range {
  double min = 0;
  double max = 0;
};

struct Area {
  HashBits hash;
  Range longitude;
  Range latitude;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// The search shape of GEOSEARCH / GEORADIUS. Lengths are in `conversion`
// units (meters per unit).
struct Shape {
  enum Type { kCircle = 1, kRectangle = 2 };
  Type type = kCircle;
  double xy[2] = {0, 0};  // center: longitude, latitude
  double conversion = 1;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat
  double radius = 0;                // kCircle
  double width = 0, height = 0;     // kRectangle
};

// The center box plus its eight neighbours (zeroed when useless).
struct RadiusAreas {
  HashBits hash;
  Area area;
  Neighbors neighbors;
};

// Encodes (longitude, latitude) with `step` bits per coordinate inside the
// given ranges; false when out of the global limits or the ranges.
bool Encode(const Range& long_range, const Range& lat_range, double longitude, double latitude,
            uint8_t step, HashBits* hash);
// Encode over the standard limits above.
bool EncodeWgs84(double longitude, double latitude, uint8_t step, HashBits* hash);
bool Decode(const Range& long_range, const Range& lat_range, const HashBits& hash, Area* area);
// Center of the hash's box, clamped to the limits; xy = {lon, lat}.
bool DecodeToLongLat(const HashBits& hash, double* xy);
void GetNeighbors(const HashBits& hash, Neighbors* neighbors);

// A 52-bit hash left-aligned to 52 bits (the score of a stored point).
uint64_t Align52Bits(const HashBits& hash);
// The score a point gets (GEOADD).
uint64_t ScoreOf(double longitude, double latitude);
// What `(uint64_t)score` gives on x86-64 in Redis (the conversion is
// undefined in C for out-of-range values; this is what the hardware does:
// negative values wrap, values past 2^64 and infinities give 0, values below
// -2^63 give 2^63).
uint64_t ScoreToBits(double score);
// decodeGeohash: coordinates of a stored score (always succeeds).
bool DecodeScore(double score, double* xy);

uint8_t EstimateStepsByRadius(double range_meters, double lat);
void BoundingBox(Shape* shape, double* bounds);
// geohashCalculateAreasByShapeWGS84: fills shape->bounds too.
RadiusAreas AreasByShape(Shape* shape);

double LatDistance(double lat1d, double lat2d);
double Distance(double lon1d, double lat1d, double lon2d, double lat2d);
// True when (x2, y2) lies within radius meters of (x1, y1); *distance set.
bool DistanceIfInRadius(double x1, double y1, double x2, double y2, double radius,
                        double* distance);
// True when (x2, y2) lies in the width x height box centered at (x1, y1).
bool DistanceIfInRectangle(double width_m, double height_m, double x1, double y1, double x2,
                           double y2, double* distance);
// geoWithinShape: decodes `score` into xy and tests it against the shape.
bool WithinShape(const Shape& shape, double score, double* xy, double* distance);

// The 11-character GEOHASH string of a stored score (standard alphabet,
// re-encoded over latitude -90..90; the 11th character is always '0').
std::string GeohashString(double score);
// A distance as GEODIST/WITHDIST print it: exactly 4 decimals.
std::string FormatDistance(double d);
// A coordinate as GEOPOS/WITHCOORD print it: %.17f with trailing zeros (and
// a trailing dot) removed, "-0" printed as "0".
std::string FormatCoordinate(double v);

}  // namespace node::db::geo
