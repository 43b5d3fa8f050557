// node/commands/transactions.h
//
// WATCH bookkeeping used by the server: key changes and disconnects.

#pragma once

#include <string_view>

#include "node/commands/engine.h"

namespace node::commands {

// Marks every client watching `key` (all watchers when key is empty).
void TouchWatchedKey(Engine& eng, int db, std::string_view key);
// Drops every WATCH of a client (UNWATCH, EXEC, DISCARD, RESET, disconnect).
void UnwatchAll(Engine& eng, Client& c);

}  // namespace node::commands
