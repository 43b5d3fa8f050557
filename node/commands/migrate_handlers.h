// node/commands/migrate_handlers.h
//
// Handlers of the key-migration family, declared for command_table.cc
// (rows in table_migrate.inc): MIGRATE (migrate.cc). Engine thread.

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
// MIGRATE ... AUTH <pass> / AUTH2 <user> <pass>: hidden (CommandSpec::redact).
void RedactMigrate(std::span<const std::string_view> args, std::vector<bool>& secret);
// Key positions of a MIGRATE invocation (Redis's migrateGetKeys rules): the
// key argument, or everything after KEYS (nothing when KEYS is used with a
// non-empty key argument).
std::vector<int> MigrateKeys(std::span<const std::string_view> args);

}  // namespace node::commands
