// node/commands/hll_handlers.h
//
// Handlers of HyperLogLog (PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST), declared for the command table. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {}  // namespace node::commands
