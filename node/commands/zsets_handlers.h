// node/commands/zsets_handlers.h
//
// Handlers of the sorted-set family (zsets.cc) and the key extractors of its
// movable-key commands. Included by command_table.cc. Engine thread only.

#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void ZAdd(CommandContext&);
void ZIncrBy(CommandContext&);
void ZRem(CommandContext&);
void ZCard(CommandContext&);
void ZScore(CommandContext&);
void ZMScore(CommandContext&);
void ZRank(CommandContext&);
void ZRevRank(CommandContext&);
void ZCount(CommandContext&);
void ZLexCount(CommandContext&);
void ZRange(CommandContext&);
void ZRangeStore(CommandContext&);
void ZRangeByScore(CommandContext&);
void ZRevRangeByScore(CommandContext&);
void ZRangeByLex(CommandContext&);
void ZRevRangeByLex(CommandContext&);
void ZRevRange(CommandContext&);
void ZRemRangeByRank(CommandContext&);
void ZRemRangeByScore(CommandContext&);
void ZRemRangeByLex(CommandContext&);
void ZPopMin(CommandContext&);
void ZPopMax(CommandContext&);
void ZRandMember(CommandContext&);
void ZInter(CommandContext&);
void ZUnion(CommandContext&);
void ZDiff(CommandContext&);
void ZInterStore(CommandContext&);
void ZUnionStore(CommandContext&);
void ZDiffStore(CommandContext&);
void ZInterCard(CommandContext&);
void ZMPop(CommandContext&);
void ZScan(CommandContext&);
void BZPopMin(CommandContext&);
void BZPopMax(CommandContext&);
void BZMPop(CommandContext&);

// numkeys at 1, keys from 2 (ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP).
std::vector<int> ZNumKeysAt1(std::span<const std::string_view> args);
// destination at 1, numkeys at 2, keys from 3 (Z*STORE).
std::vector<int> ZStoreKeys(std::span<const std::string_view> args);
// timeout at 1, numkeys at 2, keys from 3 (BZMPOP).
std::vector<int> BZMPopKeys(std::span<const std::string_view> args);

}  // namespace node::commands
