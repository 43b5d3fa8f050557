// node/commands/lists_handlers.h
//
// Handlers of the list commands (node/commands/lists.cc), registered in
// table_lists.inc. Engine thread only.

#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void LPush(CommandContext&);
void RPush(CommandContext&);
void LPushX(CommandContext&);
void RPushX(CommandContext&);
void LPop(CommandContext&);
void RPop(CommandContext&);
void LLen(CommandContext&);
void LRange(CommandContext&);
void LIndex(CommandContext&);
void LSet(CommandContext&);
void LInsert(CommandContext&);
void LRem(CommandContext&);
void LTrim(CommandContext&);
void LPos(CommandContext&);
void LMove(CommandContext&);
void RPopLPush(CommandContext&);
void LMPop(CommandContext&);
void BLPop(CommandContext&);
void BRPop(CommandContext&);
void BLMove(CommandContext&);
void BRPopLPush(CommandContext&);
void BLMPop(CommandContext&);

// Key positions of LMPOP / BLMPOP (numkeys-driven, like Redis's lmpopGetKeys).
std::vector<int> LMPopKeys(std::span<const std::string_view> args);
std::vector<int> BLMPopKeys(std::span<const std::string_view> args);

}  // namespace node::commands
