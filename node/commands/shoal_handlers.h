// node/commands/shoal_handlers.h -- SHOAL subcommands (shoal_cmds.cc).

#pragma once

#include "node/commands/command.h"

namespace node::commands {

void ShoalClaim(CommandContext&);
void ShoalClaimed(CommandContext&);
void ShoalHelp(CommandContext&);
void ShoalRelease(CommandContext&);

}  // namespace node::commands
