// node/commands/cluster_handlers.h
//
// Handlers of the CLUSTER family and ASKING/READONLY/READWRITE
// (cluster_cmds.cc), plus cluster routing for the dispatcher
// (cluster_routing.cc).

#pragma once

#include <span>
#include <string_view>

#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::commands {

void ClusterAddSlots(CommandContext&);
void ClusterAddSlotsRange(CommandContext&);
void ClusterBumpEpoch(CommandContext&);
void ClusterCountFailureReports(CommandContext&);
void ClusterCountKeysInSlot(CommandContext&);
void ClusterDelSlots(CommandContext&);
void ClusterDelSlotsRange(CommandContext&);
void ClusterFailover(CommandContext&);
void ClusterFlushSlots(CommandContext&);
void ClusterForget(CommandContext&);
void ClusterGetKeysInSlot(CommandContext&);
void ClusterHelp(CommandContext&);
void ClusterInfo(CommandContext&);
void ClusterKeySlot(CommandContext&);
void ClusterLinks(CommandContext&);
void ClusterMeet(CommandContext&);
void ClusterMyId(CommandContext&);
void ClusterNodes(CommandContext&);
void ClusterReplicas(CommandContext&);
void ClusterReplicate(CommandContext&);
void ClusterReset(CommandContext&);
void ClusterSaveConfig(CommandContext&);
void ClusterSetConfigEpoch(CommandContext&);
void ClusterSetSlot(CommandContext&);
void ClusterShards(CommandContext&);
void ClusterSlots(CommandContext&);
void Asking(CommandContext&);
void ReadOnly(CommandContext&);
void ReadWrite(CommandContext&);

// Dispatcher route check in cluster mode: true when the command is served
// here; otherwise the redirection error has been replied.
bool ClusterRoute(Engine& eng, Client& c, const CommandSpec& spec,
                  std::span<const std::string_view> args, resp::ReplyBuilder& r);

}  // namespace node::commands
