// node/commands/repl_handlers.h -- replication commands (repl_cmds.cc).

#pragma once

#include "node/commands/command.h"

namespace node::commands {

void Psync(CommandContext&);
void Sync(CommandContext&);
void Replconf(CommandContext&);
void ReplicaOf(CommandContext&);
void Role(CommandContext&);
void Wait(CommandContext&);

}  // namespace node::commands
