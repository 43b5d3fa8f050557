// node/commands/bitops_handlers.h
//
// Handlers of bitmaps (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO), declared for the command table. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {}  // namespace node::commands
