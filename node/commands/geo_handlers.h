// node/commands/geo_handlers.h
//
// Handlers of the geo family (geo.cc): GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH
// GEOSEARCHSTORE and the GEORADIUS family, plus the key extractors of
// GEORADIUS / GEORADIUSBYMEMBER (STORE / STOREDIST make their keys movable).
// Declared for the command table. Engine thread only.

#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void GeoAdd(CommandContext&);
void GeoDist(CommandContext&);
void GeoHash(CommandContext&);
void GeoPos(CommandContext&);
void GeoSearch(CommandContext&);
void GeoSearchStore(CommandContext&);
void GeoRadius(CommandContext&);
void GeoRadiusRo(CommandContext&);
void GeoRadiusByMember(CommandContext&);
void GeoRadiusByMemberRo(CommandContext&);

std::vector<int> GeoRadiusKeys(std::span<const std::string_view> args);
std::vector<int> GeoRadiusByMemberKeys(std::span<const std::string_view> args);

}  // namespace node::commands
