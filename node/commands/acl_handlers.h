// node/commands/acl_handlers.h
//
// The ACL command family and the ACL hooks the rest of node/commands uses
// (acl_cmds.cc): client authentication state, the per-command permission
// check of the dispatcher / EXEC / scripts, ACL LOG entries, and argument
// redaction for SLOWLOG and MONITOR. Engine thread only.

#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/acl/registry.h"
#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::commands {

void AclCat(CommandContext&);
void AclDelUser(CommandContext&);
void AclDryRun(CommandContext&);
void AclGenPass(CommandContext&);
void AclGetUser(CommandContext&);
void AclHelp(CommandContext&);
void AclList(CommandContext&);
void AclLoad(CommandContext&);
void AclLog(CommandContext&);
void AclSave(CommandContext&);
void AclSetUser(CommandContext&);
void AclUsers(CommandContext&);
void AclWhoAmI(CommandContext&);

inline constexpr size_t kNumAclSubcommands = 13;
extern CommandSpec kAclSubcommands[kNumAclSubcommands];

// CLIENT LIST line of a client (connection.cc).
std::string ClientInfoLine(const Engine& eng, const Client& c);

// A new connection (or RESET): the default user, authenticated when it is
// on and nopass (Redis's clientSetDefaultAuth).
void ClientSetDefaultAuth(Engine& eng, Client& c);
// NOAUTH: the default user needs a password (or is off) and the client
// has not authenticated.
bool AuthRequired(Engine& eng, const Client& c);
// AUTH / HELLO AUTH: checks the pair and switches the client's user; a
// failure is logged to ACL LOG (object = the command name as sent).
bool AclAuthenticate(Engine& eng, Client& c, std::string_view cmd_name, std::string_view user,
                     std::string_view pass);

// Checks `spec` with `args` against the client's user (nothing for
// internal clients). On a denial *pos is the argument it is about.
acl::Denied AclCheck(Engine& eng, const Client& c, const CommandSpec& spec,
                     std::span<const std::string_view> args, int* pos);
// Adds the ACL LOG entry of a denial. `c` is the client the command ran
// as (the Lua client inside scripts: the entry shows the caller).
void AclLogDenied(Engine& eng, const Client& c, acl::Denied d, acl::LogContext ctx, int pos,
                  const CommandSpec& spec, std::span<const std::string_view> args);
// The NOPERM reply text of a top-level denial (Redis's processCommand).
std::string AclDeniedError(acl::Denied d, const CommandSpec& spec);

// Arguments as SLOWLOG and MONITOR show them: passwords of AUTH, HELLO
// AUTH, ACL SETUSER, MIGRATE AUTH/AUTH2 and CONFIG SET of secret settings
// become "(redacted)". Returns false (and leaves *out empty) when nothing
// is redacted.
bool RedactArgs(const CommandSpec& spec, std::span<const std::string_view> args,
                std::vector<std::string_view>* out);

// Applies the aclfile setting at start-up ("" or the error that must stop
// the node) and the acllog-max-len / acl-pubsub-default settings.
std::string AclLoadAtStartup(Engine& eng, const std::string& aclfile);
// Without an aclfile, the config's `user` lines mirror the ACL users, so
// CONFIG REWRITE writes them as Redis does (`user <name> <description>`).
void SyncConfigUsers(Engine& eng);

}  // namespace node::commands
