// node/commands/scripting_handlers.h
//
// Handlers of scripting (EVAL family, SCRIPT, FUNCTION, FCALL), declared for the command table. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {}  // namespace node::commands
