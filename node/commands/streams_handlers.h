// node/commands/streams_handlers.h
//
// Handlers of streams (X* commands), declared for the command table. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {}  // namespace node::commands
