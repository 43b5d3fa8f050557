// node/commands/sort_handlers.h
//
// Handlers of SORT and SORT_RO, declared for the command table. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {}  // namespace node::commands
