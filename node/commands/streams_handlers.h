// node/commands/streams_handlers.h
//
// Handlers of streams (X* commands), declared for the command table, and the
// XGROUP / XINFO subcommand rows (referenced from table_streams.inc). Engine
// thread only.

#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void XAdd(CommandContext& ctx);
void XRange(CommandContext& ctx);
void XRevRange(CommandContext& ctx);
void XLen(CommandContext& ctx);
void XDel(CommandContext& ctx);
void XTrim(CommandContext& ctx);
void XRead(CommandContext& ctx);
void XReadGroup(CommandContext& ctx);
void XAck(CommandContext& ctx);
void XPending(CommandContext& ctx);
void XClaim(CommandContext& ctx);
void XAutoClaim(CommandContext& ctx);
void XSetId(CommandContext& ctx);
void XGroupCmd(CommandContext& ctx);  // every XGROUP subcommand
void XGroupHelp(CommandContext& ctx);
void XInfoConsumers(CommandContext& ctx);
void XInfoGroups(CommandContext& ctx);
void XInfoStream(CommandContext& ctx);
void XInfoHelp(CommandContext& ctx);
// Key positions of XREAD / XREADGROUP (after STREAMS).
std::vector<int> XReadKeys(std::span<const std::string_view> args);

// clang-format off
inline CommandSpec kXGroupSubs[] = {
  {"create", -5, kWrite | kDenyOom, {2, 2, 1}, &XGroupCmd, kAclStream},
  {"createconsumer", 5, kWrite | kDenyOom, {2, 2, 1}, &XGroupCmd, kAclStream},
  {"delconsumer", 5, kWrite, {2, 2, 1}, &XGroupCmd, kAclStream},
  {"destroy", 4, kWrite, {2, 2, 1}, &XGroupCmd, kAclStream},
  {"help", 2, kLoading | kStale, {}, &XGroupHelp, kAclStream},
  {"setid", -5, kWrite, {2, 2, 1}, &XGroupCmd, kAclStream},
};
inline CommandSpec kXInfoSubs[] = {
  {"consumers", 4, kReadOnly, {2, 2, 1}, &XInfoConsumers, kAclStream},
  {"groups", 3, kReadOnly, {2, 2, 1}, &XInfoGroups, kAclStream},
  {"help", 2, kLoading | kStale, {}, &XInfoHelp, kAclStream},
  {"stream", -3, kReadOnly, {2, 2, 1}, &XInfoStream, kAclStream},
};
// clang-format on

}  // namespace node::commands
