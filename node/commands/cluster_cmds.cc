// node/commands/cluster_cmds.cc
//
// The CLUSTER command family and ASKING / READONLY / READWRITE: argument
// parsing and reply rendering (reference/cluster-commands.md §3). The state
// changes themselves live in node/cluster/ClusterState; after every command
// that may have queued bus actions we run them (Engine::cluster_flush).

#include <set>

#include "node/base/crc16.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/cluster_handlers.h"
#include "node/commands/helpers.h"
#include "node/config/config.h"

namespace node::commands {

namespace {

constexpr const char* kErrClusterDisabled = "ERR This instance has cluster support disabled";

cluster::ClusterState* State(CommandContext& ctx) { return ctx.engine().cluster; }

// Replies OK or the error, then runs the queued bus actions.
void Done(CommandContext& ctx, const base::Status& st) {
  if (!st.ok()) {
    ctx.reply().Error(st.message());
  } else {
    ctx.reply().Ok();
  }
  if (ctx.engine().cluster_flush) ctx.engine().cluster_flush();
}

std::optional<int> SlotArg(CommandContext& ctx, std::string_view a) {
  auto v = base::ParseInt64(a);
  if (!v || *v < 0 || *v >= base::kClusterSlots) {
    ctx.reply().Error("ERR Invalid or out of range slot");
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

bool CheckEnabled(CommandContext& ctx) {
  if (State(ctx)) return true;
  ctx.reply().Error(kErrClusterDisabled);
  return false;
}

std::string Endpoint(CommandContext& ctx, const cluster::NodeInfo& n) {
  using config::PreferredEndpointType;
  auto t = ctx.engine().config ? ctx.engine().config->s.cluster_preferred_endpoint_type
                               : PreferredEndpointType::kIp;
  if (t == PreferredEndpointType::kHostname) return n.hostname.empty() ? "?" : n.hostname;
  if (t == PreferredEndpointType::kUnknownEndpoint) return "";
  return n.ip;
}

void ReplySlotsNode(CommandContext& ctx, const cluster::NodeInfo& n) {
  auto& r = ctx.reply();
  using config::PreferredEndpointType;
  auto t = ctx.engine().config->s.cluster_preferred_endpoint_type;
  r.ArrayHeader(4);
  if (t == PreferredEndpointType::kUnknownEndpoint) {
    r.Null();
  } else {
    r.Bulk(Endpoint(ctx, n));
  }
  r.Integer(n.port);
  r.Bulk(n.name);
  size_t extra = 0;
  bool ip_extra = t != PreferredEndpointType::kIp && !n.ip.empty();
  bool host_extra = t != PreferredEndpointType::kHostname && !n.hostname.empty();
  extra = (ip_extra ? 1 : 0) + (host_extra ? 1 : 0);
  r.MapHeader(extra);
  if (ip_extra) {
    r.Bulk("ip");
    r.Bulk(n.ip);
  }
  if (host_extra) {
    r.Bulk("hostname");
    r.Bulk(n.hostname);
  }
}

bool ReplicaAvailable(const cluster::ClusterState& st, const cluster::NodeInfo& n) {
  if (n.IsFailed()) return false;
  if (st.IsMyself(&n)) return true;
  return n.repl_offset != 0;
}

}  // namespace

void ClusterHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ADDSLOTS <slot> [<slot> ...]",
      "    Assign slots to current node.",
      "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Assign slots which are between <start-slot> and <end-slot> to current node.",
      "BUMPEPOCH",
      "    Advance the cluster config epoch.",
      "COUNT-FAILURE-REPORTS <node-id>",
      "    Return number of failure reports for <node-id>.",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "DELSLOTS <slot> [<slot> ...]",
      "    Delete slots information from current node.",
      "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Delete slots information which are between <start-slot> and <end-slot>.",
      "FAILOVER [FORCE|TAKEOVER]",
      "    Promote current replica node to being a master.",
      "FORGET <node-id>",
      "    Remove a node from the cluster.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "FLUSHSLOTS",
      "    Delete current node own slots information.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "LINKS",
      "    Return information about all network links between this node and its peers.",
      ("    Output format is an array where each array element is a map containing attributes "
       "of a link"),
      "MEET <ip> <port> [<bus-port>]",
      "    Connect nodes into a working cluster.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "REPLICATE <node-id>",
      "    Configure current node as replica to <node-id>.",
      "RESET [HARD|SOFT]",
      "    Reset current node (default: soft).",
      "SET-CONFIG-EPOCH <epoch>",
      "    Set config epoch of current node.",
      "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    Set slot state.",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "SAVECONFIG",
      "    Force saving cluster configuration on disk.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (auto* l : kLines) ctx.reply().Simple(l);
}

void ClusterInfo(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  ctx.reply().Verbatim(State(ctx)->InfoText());
}

void ClusterNodes(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  ctx.reply().Verbatim(State(ctx)->NodesText());
}

void ClusterMyId(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  ctx.reply().Bulk(State(ctx)->MyId());
}

void ClusterMeet(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  if (ctx.argc() != 4 && ctx.argc() != 5) {
    return ctx.reply().Error(
        "ERR unknown subcommand or wrong number of arguments for 'meet'. Try CLUSTER HELP.");
  }
  auto port = base::ParseInt64(ctx.arg(3));
  if (!port) {
    return ctx.reply().Error("ERR Invalid TCP base port specified: " + std::string(ctx.arg(3)));
  }
  int64_t bus = *port + 10000;
  if (ctx.argc() == 5) {
    auto b = base::ParseInt64(ctx.arg(4));
    if (!b) {
      return ctx.reply().Error("ERR Invalid TCP bus port specified: " + std::string(ctx.arg(4)));
    }
    bus = *b;
  }
  Done(ctx, State(ctx)->Meet(ctx.arg(2), static_cast<int>(*port), static_cast<int>(bus)));
}

namespace {
void SlotsGeneric(CommandContext& ctx, bool add, bool range) {
  if (!CheckEnabled(ctx)) return;
  std::vector<int> slots;
  if (range) {
    if ((ctx.argc() - 2) % 2 != 0) return ctx.ArityError();
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      auto a = SlotArg(ctx, ctx.arg(i));
      if (!a) return;
      auto b = SlotArg(ctx, ctx.arg(i + 1));
      if (!b) return;
      if (*a > *b) {
        return ctx.reply().Error("ERR start slot number " + std::to_string(*a) +
                                 " is greater than end slot number " + std::to_string(*b));
      }
      for (int s = *a; s <= *b; s++) slots.push_back(s);
    }
  } else {
    for (size_t i = 2; i < ctx.argc(); i++) {
      auto a = SlotArg(ctx, ctx.arg(i));
      if (!a) return;
      slots.push_back(*a);
    }
  }
  Done(ctx, add ? State(ctx)->AddSlots(slots) : State(ctx)->DelSlots(slots));
}
}  // namespace

void ClusterAddSlots(CommandContext& ctx) { SlotsGeneric(ctx, true, false); }
void ClusterAddSlotsRange(CommandContext& ctx) { SlotsGeneric(ctx, true, true); }
void ClusterDelSlots(CommandContext& ctx) { SlotsGeneric(ctx, false, false); }
void ClusterDelSlotsRange(CommandContext& ctx) { SlotsGeneric(ctx, false, true); }

void ClusterFlushSlots(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  if (ctx.engine().keyspace->size() != 0) {
    return ctx.reply().Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
  }
  Done(ctx, State(ctx)->FlushSlots());
}

void ClusterSetSlot(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto* st = State(ctx);
  if (st->myself().IsReplica())
    return ctx.reply().Error("ERR Please use SETSLOT only with masters.");
  auto slot = SlotArg(ctx, ctx.arg(2));
  if (!slot) return;
  std::string_view action = ctx.arg(3);
  if (Is(action, "migrating") && ctx.argc() == 5) {
    return Done(ctx, st->SetSlotMigrating(*slot, ctx.arg(4)));
  }
  if (Is(action, "importing") && ctx.argc() == 5) {
    return Done(ctx, st->SetSlotImporting(*slot, ctx.arg(4)));
  }
  if (Is(action, "stable") && ctx.argc() == 4) return Done(ctx, st->SetSlotStable(*slot));
  if (Is(action, "node") && ctx.argc() == 5) return Done(ctx, st->SetSlotNode(*slot, ctx.arg(4)));
  ctx.reply().Error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
}

void ClusterBumpEpoch(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto r = State(ctx)->BumpEpoch();
  if (!r.ok()) return ctx.reply().Error(r.error());
  ctx.reply().Simple(*r);
  if (ctx.engine().cluster_flush) ctx.engine().cluster_flush();
}

void ClusterSaveConfig(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  std::string err = ctx.engine().cluster_save_config ? ctx.engine().cluster_save_config() : "";
  if (!err.empty()) return ctx.reply().Error("ERR error saving the cluster node config: " + err);
  ctx.reply().Ok();
}

void ClusterKeySlot(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  ctx.reply().Integer(base::KeyHashSlot(ctx.arg(2)));
}

void ClusterCountKeysInSlot(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto v = IntArg(ctx, 2);
  if (!v) return;
  if (*v < 0 || *v >= base::kClusterSlots) return ctx.reply().Error("ERR Invalid slot");
  ctx.reply().Integer(
      static_cast<int64_t>(ctx.engine().keyspace->CountInSlot(static_cast<int>(*v))));
}

void ClusterGetKeysInSlot(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto slot = IntArg(ctx, 2);
  if (!slot) return;
  auto count = IntArg(ctx, 3);
  if (!count) return;
  if (*slot < 0 || *slot >= base::kClusterSlots || *count < 0) {
    return ctx.reply().Error("ERR Invalid slot or number of keys");
  }
  auto keys =
      ctx.engine().keyspace->KeysInSlot(static_cast<int>(*slot), static_cast<size_t>(*count));
  ctx.reply().ArrayHeader(keys.size());
  for (auto& k : keys) ctx.reply().Bulk(k);
}

void ClusterForget(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  Done(ctx, State(ctx)->Forget(ctx.arg(2)));
}

void ClusterReplicate(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  Done(ctx, State(ctx)->Replicate(ctx.arg(2)));
}

void ClusterReplicas(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto lines = State(ctx)->ReplicaLines(ctx.arg(2));
  if (!lines.ok()) return ctx.reply().Error(lines.error());
  ctx.reply().ArrayHeader(lines->size());
  for (auto& l : *lines) ctx.reply().Bulk(l);
}

void ClusterCountFailureReports(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto n = State(ctx)->CountFailureReports(ctx.arg(2));
  if (!n.ok()) return ctx.reply().Error(n.error());
  ctx.reply().Integer(*n);
}

void ClusterSetConfigEpoch(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto v = IntArg(ctx, 2);
  if (!v) return;
  if (*v < 0) {
    return ctx.reply().Error("ERR Invalid config epoch specified: " + std::to_string(*v));
  }
  Done(ctx, State(ctx)->SetConfigEpoch(*v));
}

void ClusterReset(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  bool hard = false;
  if (ctx.argc() == 3) {
    if (Is(ctx.arg(2), "hard")) {
      hard = true;
    } else if (!Is(ctx.arg(2), "soft")) {
      return ctx.reply().Error(kErrSyntax);
    }
  } else if (ctx.argc() > 3) {
    return ctx.reply().Error(kErrSyntax);
  }
  auto* st = State(ctx);
  if (st->myself().IsMaster() && ctx.engine().keyspace->size() != 0) {
    return ctx.reply().Error("ERR CLUSTER RESET can't be called with master nodes containing keys");
  }
  Done(ctx, st->Reset(hard));
}

void ClusterFailover(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  int mode = 0;  // 0 default, 1 force, 2 takeover
  if (ctx.argc() == 3) {
    if (Is(ctx.arg(2), "force")) {
      mode = 1;
    } else if (Is(ctx.arg(2), "takeover")) {
      mode = 2;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  } else if (ctx.argc() > 3) {
    return ctx.reply().Error(kErrSyntax);
  }
  if (!ctx.engine().cluster_failover) {
    return ctx.reply().Error("ERR CLUSTER FAILOVER is not supported by this node yet");
  }
  std::string err = ctx.engine().cluster_failover(mode);
  if (!err.empty()) return ctx.reply().Error(err);
  ctx.reply().Ok();
  if (ctx.engine().cluster_flush) ctx.engine().cluster_flush();
}

void ClusterSlots(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto* st = State(ctx);
  auto ranges = st->SlotRanges();
  auto& r = ctx.reply();
  size_t n = 0;
  for (auto& rg : ranges) n += rg.owner ? 1 : 0;
  r.ArrayHeader(n);
  for (auto& rg : ranges) {
    if (!rg.owner) continue;
    std::vector<const cluster::NodeInfo*> reps;
    for (auto* rep : rg.owner->replicas) {
      if (ReplicaAvailable(*st, *rep)) reps.push_back(rep);
    }
    r.ArrayHeader(3 + reps.size());
    r.Integer(rg.start);
    r.Integer(rg.end);
    ReplySlotsNode(ctx, *rg.owner);
    for (auto* rep : reps) ReplySlotsNode(ctx, *rep);
  }
}

namespace {
void ShardNode(CommandContext& ctx, cluster::ClusterState& st, const cluster::NodeInfo& n) {
  auto& r = ctx.reply();
  bool has_host = !n.hostname.empty();
  size_t fields = 6 + (n.port ? 1 : 0) + (has_host ? 1 : 0);
  r.MapHeader(fields);
  r.Bulk("id");
  r.Bulk(n.name);
  if (n.port) {
    r.Bulk("port");
    r.Integer(n.port);
  }
  r.Bulk("ip");
  r.Bulk(n.ip);
  r.Bulk("endpoint");
  r.Bulk(Endpoint(ctx, n));
  if (has_host) {
    r.Bulk("hostname");
    r.Bulk(n.hostname);
  }
  r.Bulk("role");
  r.Bulk(n.IsMaster() ? "master" : "replica");
  uint64_t off =
      st.IsMyself(&n) && st.hooks().repl_offset ? st.hooks().repl_offset() : n.repl_offset;
  r.Bulk("replication-offset");
  r.Integer(static_cast<int64_t>(off));
  r.Bulk("health");
  if (n.IsFailed()) {
    r.Bulk("fail");
  } else if (n.IsReplica() && off == 0) {
    r.Bulk("loading");
  } else {
    r.Bulk("online");
  }
}
}  // namespace

void ClusterShards(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto* st = State(ctx);
  std::vector<const cluster::NodeInfo*> masters;
  for (auto* n : st->Nodes()) {
    if (n->IsMaster() && !n->InHandshake()) masters.push_back(n);
  }
  auto ranges = st->SlotRanges();
  auto& r = ctx.reply();
  r.ArrayHeader(masters.size());
  for (auto* m : masters) {
    r.MapHeader(2);
    r.Bulk("slots");
    std::vector<int> flat;
    for (auto& rg : ranges) {
      if (rg.owner == m) {
        flat.push_back(rg.start);
        flat.push_back(rg.end);
      }
    }
    r.ArrayHeader(flat.size());
    for (int v : flat) r.Integer(v);
    r.Bulk("nodes");
    r.ArrayHeader(1 + m->replicas.size());
    ShardNode(ctx, *st, *m);
    for (auto* rep : m->replicas) ShardNode(ctx, *st, *rep);
  }
}

// CLUSTER LINKS: one map per link (reference §3.7). The bus transport keeps
// no per-link buffer statistics yet: idle links are reported as Redis shows
// them (events "r", nothing queued).
void ClusterLinks(CommandContext& ctx) {
  if (!CheckEnabled(ctx)) return;
  auto links = State(ctx)->Links();
  auto& r = ctx.reply();
  r.ArrayHeader(links.size());
  for (auto& l : links) {
    r.MapHeader(6);
    r.Bulk("direction");
    r.Bulk(l.inbound ? "from" : "to");
    r.Bulk("node");
    r.Bulk(l.node);
    r.Bulk("create-time");
    r.Integer(l.ctime_ms);
    r.Bulk("events");
    r.Bulk("r");
    r.Bulk("send-buffer-allocated");
    r.Integer(0);
    r.Bulk("send-buffer-used");
    r.Integer(0);
  }
}

void Asking(CommandContext& ctx) {
  if (!ctx.engine().cluster) return ctx.reply().Error(kErrClusterDisabled);
  ctx.client().asking = true;
  ctx.reply().Ok();
}

void ReadOnly(CommandContext& ctx) {
  if (!ctx.engine().cluster) return ctx.reply().Error(kErrClusterDisabled);
  ctx.client().readonly = true;
  ctx.reply().Ok();
}

void ReadWrite(CommandContext& ctx) {
  if (!ctx.engine().cluster) return ctx.reply().Error(kErrClusterDisabled);
  ctx.client().readonly = false;
  ctx.reply().Ok();
}

}  // namespace node::commands
