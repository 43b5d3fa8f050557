// node/commands/command_table.h
//
// The one command table: every command shoal knows is one row in
// command_table.cc. Dispatch, COMMAND, arity errors, key extraction for
// cluster routing and propagation all read it; nothing else knows command
// names.

#pragma once

#include <span>
#include <string_view>

#include "node/acl/user.h"
#include "node/commands/command.h"

namespace node::commands {

// All top-level commands.
std::span<const CommandSpec> CommandTable();

// Case-insensitive lookup of a top-level command; nullptr when unknown.
const CommandSpec* LookupCommand(std::string_view name);
// Case-insensitive lookup of a subcommand of a container command.
const CommandSpec* LookupSubcommand(const CommandSpec& parent, std::string_view name);
// The most specific row for an invocation: its subcommand when the command
// has one named args[1], else the command itself; nullptr when args[0] is
// unknown (or args is empty). No arity check (see ResolveCommand for that).
const CommandSpec* LookupInvocation(std::span<const std::string_view> args);

// Every command and subcommand for ACL rules (ids are CommandSpec::acl_id).
const acl::Catalog& AclCatalog();

inline CommandStats& StatsFor(const CommandSpec& spec) { return spec.stats; }
void ResetCommandStats();
// Visits every command and subcommand that has stats.
void ForEachCommandStats(const std::function<void(const CommandSpec&, const CommandStats&)>& fn);

}  // namespace node::commands
