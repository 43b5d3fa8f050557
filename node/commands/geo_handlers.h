// node/commands/geo_handlers.h
//
// Handlers of geo (GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS family), declared for the command table. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {}  // namespace node::commands
