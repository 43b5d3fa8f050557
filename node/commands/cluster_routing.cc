// node/commands/cluster_routing.cc
//
// Cluster redirection for the dispatcher: decides whether a keyed command is
// served here or answered with MOVED / ASK / TRYAGAIN / CROSSSLOT /
// CLUSTERDOWN, following Redis 7.0's getNodeByQuery
// (reference/cluster-commands.md §2.2, §2.3). Engine thread only.

#include "node/base/crc16.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/cluster_handlers.h"
#include "node/commands/command_table.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"
#include "node/config/config.h"

namespace node::commands {

namespace {

std::string NodeAddr(Engine& eng, const cluster::NodeInfo& n) {
  using config::PreferredEndpointType;
  auto t = eng.config->s.cluster_preferred_endpoint_type;
  std::string ep;
  if (t == PreferredEndpointType::kHostname) {
    ep = n.hostname.empty() ? "?" : n.hostname;
  } else if (t == PreferredEndpointType::kIp) {
    ep = n.ip;
  }
  return ep + ":" + std::to_string(n.port);
}

struct KeyRef {
  const CommandSpec* spec;
  std::string_view key;
};

}  // namespace

bool ClusterRoute(Engine& eng, Client& c, const CommandSpec& spec,
                  std::span<const std::string_view> args, resp::ReplyBuilder& r) {
  cluster::ClusterState* st = eng.cluster;
  if (!st || c.is_master_link) return true;
  bool is_exec = spec.handler == &Exec;
  std::vector<KeyRef> keys;
  bool any_write = false;
  if (is_exec) {
    if (!c.in_multi) return true;  // EXEC without MULTI: let the handler reply
    for (auto& q : c.multi_queue) {
      std::vector<std::string_view> qa(q.args.begin(), q.args.end());
      const CommandSpec* qs = q.spec;
      if (qs->flags & kWrite) any_write = true;
      // Keys point into the queued strings, which outlive this call.
      for (int i : KeyIndexes(*qs, qa)) keys.push_back({qs, q.args[static_cast<size_t>(i)]});
    }
  } else {
    any_write = spec.flags & kWrite;
    for (int i : KeyIndexes(spec, args)) keys.push_back({&spec, args[static_cast<size_t>(i)]});
  }
  if (keys.empty()) return true;

  const cluster::NodeInfo* n = nullptr;
  int slot = -1;
  bool migrating = false, importing = false, multiple_keys = false;
  int existing = 0, missing = 0;
  std::string_view first_key;
  for (auto& k : keys) {
    int s = base::KeyHashSlot(k.key);
    if (slot < 0) {
      slot = s;
      first_key = k.key;
      n = st->SlotOwner(s);
      if (!n) {
        r.Error("CLUSTERDOWN Hash slot not served");
        return false;
      }
      if (st->IsMyself(n) && st->MigratingTo(s)) {
        migrating = true;
      } else if (st->ImportingFrom(s)) {
        importing = true;
      }
    } else if (s != slot) {
      r.Error("CROSSSLOT Keys in request don't hash to the same slot");
      return false;
    } else if (k.key != first_key) {
      multiple_keys = true;
    }
    if (migrating || importing) {
      if (eng.GetDb(0).Find(k.key)) {
        existing++;
      } else {
        missing++;
      }
    }
  }
  if (!st->StateOk()) {
    if (!eng.config->s.cluster_allow_reads_when_down) {
      r.Error("CLUSTERDOWN The cluster is down");
      return false;
    }
    if (any_write) {
      r.Error("CLUSTERDOWN The cluster is down and only accepts read commands");
      return false;
    }
  }
  if ((migrating || importing) && (spec.flags & kMovableKeys) && spec.keys.first == 3 && !is_exec &&
      spec.getkeys) {
    return true;  // MIGRATE on a migrating/importing slot is served locally
  }
  if (migrating && missing > 0) {
    if (existing > 0) {
      r.Error("TRYAGAIN Multiple keys request during rehashing of slot");
      return false;
    }
    const cluster::NodeInfo* target = st->MigratingTo(slot);
    r.Error("ASK " + std::to_string(slot) + " " + NodeAddr(eng, *target));
    return false;
  }
  if (importing && (c.asking || (spec.flags & kAsking))) {
    if (multiple_keys && missing > 0) {
      r.Error("TRYAGAIN Multiple keys request during rehashing of slot");
      return false;
    }
    return true;
  }
  if (c.readonly && !any_write && st->myself().IsReplica() && st->myself().master == n) {
    return true;
  }
  if (!st->IsMyself(n)) {
    r.Error("MOVED " + std::to_string(slot) + " " + NodeAddr(eng, *n));
    return false;
  }
  return true;
}

}  // namespace node::commands
