// node/commands/persist_handlers.h
//
// Handlers of the persistence commands (persist_cmds.cc), declared for
// command_table.cc only: SAVE, BGSAVE, BGREWRITEAOF, DUMP, RESTORE and
// RESTORE-ASKING (LASTSAVE lives in server_cmds.cc).

#pragma once

#include "node/commands/command.h"

namespace node::commands {

void Save(CommandContext&);
void BgSave(CommandContext&);
void BgRewriteAof(CommandContext&);
void Dump(CommandContext&);
void Restore(CommandContext&);

}  // namespace node::commands
