// node/commands/sets_handlers.h
//
// Handlers of the set family (sets.cc) and the small helpers the sorted-set
// family shares with it (SSCAN/ZSCAN parsing, Redis's ranged long parsing).
// Included by command_table.cc and zsets.cc. Engine thread only.

#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void SAdd(CommandContext&);
void SRem(CommandContext&);
void SMembers(CommandContext&);
void SIsMember(CommandContext&);
void SMIsMember(CommandContext&);
void SCard(CommandContext&);
void SPop(CommandContext&);
void SRandMember(CommandContext&);
void SMove(CommandContext&);
void SInter(CommandContext&);
void SInterCard(CommandContext&);
void SInterStore(CommandContext&);
void SUnion(CommandContext&);
void SUnionStore(CommandContext&);
void SDiff(CommandContext&);
void SDiffStore(CommandContext&);
void SScan(CommandContext&);

// Key extraction for SINTERCARD (numkeys at argument 1).
std::vector<int> SInterCardKeys(std::span<const std::string_view> args);

// --- shared with zsets.cc ---------------------------------------------------
// Redis's parseScanCursorOrReply (strtoul rules): replies "ERR invalid cursor".
std::optional<uint64_t> ScanCursorArg(CommandContext& ctx, size_t i);
// [MATCH pattern] [COUNT n] from argument `start` (scanGenericCommand for a
// key's value): replies the error and returns false on bad options.
struct ScanOptions {
  std::string_view pattern;
  bool use_pattern = false;
  int64_t count = 10;
};
bool ScanOptionsArg(CommandContext& ctx, size_t start, ScanOptions* out);
// getRangeLongFromObjectOrReply: msg (nullable, without "ERR ") replaces
// every error text, as in Redis.
std::optional<int64_t> RangeLongArg(CommandContext& ctx, size_t i, int64_t min, int64_t max,
                                    const char* msg);
// Engine-thread random source for SPOP/SRANDMEMBER/ZRANDMEMBER.
uint64_t RandomU64();

}  // namespace node::commands
