// node/commands/hashes_handlers.h
//
// Handlers of the hash commands (node/commands/hashes.cc), registered in
// table_hashes.inc. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {

void HSet(CommandContext&);
void HMSet(CommandContext&);
void HSetNx(CommandContext&);
void HGet(CommandContext&);
void HMGet(CommandContext&);
void HDel(CommandContext&);
void HLen(CommandContext&);
void HStrLen(CommandContext&);
void HExists(CommandContext&);
void HKeys(CommandContext&);
void HVals(CommandContext&);
void HGetAll(CommandContext&);
void HIncrBy(CommandContext&);
void HIncrByFloat(CommandContext&);
void HRandField(CommandContext&);
void HScan(CommandContext&);

}  // namespace node::commands
