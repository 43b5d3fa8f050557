// node/commands/migrate_handlers.h
//
// Handlers of the key-migration family, declared for command_table.cc
// (rows in table_migrate.inc): MIGRATE (migrate.cc) and the minimal
// FUNCTION DUMP / FLUSH / HELP / LIST / RESTORE that `redis-cli --cluster
// add-node` needs while no scripting engine exists (functions_stub.cc).
// Engine thread.

#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key ...]
void Migrate(CommandContext&);
// Key positions of a MIGRATE invocation (Redis's migrateGetKeys rules): the
// key argument, or everything after KEYS (nothing when KEYS is used with a
// non-empty key argument).
std::vector<int> MigrateKeys(std::span<const std::string_view> args);

void FunctionDump(CommandContext&);
void FunctionFlush(CommandContext&);
void FunctionHelp(CommandContext&);
void FunctionList(CommandContext&);
void FunctionRestore(CommandContext&);

// The FUNCTION container's subcommand rows (defined in functions_stub.cc so
// the row file can point at them).
inline constexpr size_t kFunctionSubCount = 5;
extern CommandSpec kFunctionSubs[kFunctionSubCount];

}  // namespace node::commands
