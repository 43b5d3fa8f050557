// node/cluster/cluster_commands.cc
//
// The state side of the CLUSTER subcommands (reference/cluster-commands.md
// §3): argument checks that need the node table, the mutations, and Redis's
// exact error texts. Parsing of integers and RESP rendering stay in
// node/commands. Engine thread only.

#include <arpa/inet.h>

#include <algorithm>

#include "node/base/log.h"
#include "node/cluster/cluster_state.h"

namespace node::cluster {

namespace {
base::Status Err(std::string msg) { return base::Status::Error("ERR " + std::move(msg)); }
bool ValidSlot(int s) { return s >= 0 && s < kSlots; }
base::Status BadSlot() { return Err("Invalid or out of range slot"); }
}  // namespace

// CLUSTER MEET ip port [bus-port]: start a handshake (§3.1).
base::Status ClusterState::Meet(std::string_view ip, int port, int bus_port) {
  std::string ip_str(ip);
  char norm[INET6_ADDRSTRLEN] = {0};
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, ip_str.c_str(), buf) == 1) {
    inet_ntop(AF_INET, buf, norm, sizeof(norm));
  } else if (inet_pton(AF_INET6, ip_str.c_str(), buf) == 1) {
    inet_ntop(AF_INET6, buf, norm, sizeof(norm));
  } else {
    return Err("Invalid node address specified: " + ip_str + ":" + std::to_string(port));
  }
  if (port <= 0 || port > 65535 || bus_port <= 0 || bus_port > 65535)
    return Err("Invalid node address specified: " + ip_str + ":" + std::to_string(port));
  for (auto& [name, n] : nodes_) {
    if (n->InHandshake() && n->ip == norm && n->port == port && n->cport == bus_port)
      return base::Status::Ok();
  }
  NodeInfo* n = CreateNode(RandomName(), kNodeHandshake | kNodeMeet);
  n->ip = norm;
  n->port = port;
  n->cport = bus_port;
  return base::Status::Ok();
}

base::Status ClusterState::AddSlots(const std::vector<int>& slots) {
  std::vector<uint8_t> seen(kSlots, 0);
  for (int s : slots) {
    if (!ValidSlot(s)) return BadSlot();
    if (slots_[s]) return Err("Slot " + std::to_string(s) + " is already busy");
    if (seen[s]++) return Err("Slot " + std::to_string(s) + " specified multiple times");
  }
  for (int s : slots) {
    importing_from_[s] = nullptr;
    AddSlot(myself_, s);
  }
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::DelSlots(const std::vector<int>& slots) {
  std::vector<uint8_t> seen(kSlots, 0);
  for (int s : slots) {
    if (!ValidSlot(s)) return BadSlot();
    if (!slots_[s]) return Err("Slot " + std::to_string(s) + " is already unassigned");
    if (seen[s]++) return Err("Slot " + std::to_string(s) + " specified multiple times");
  }
  for (int s : slots) {
    importing_from_[s] = nullptr;
    DelSlot(s);
  }
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::SetSlotMigrating(int slot, std::string_view node_id) {
  if (myself_->IsReplica()) return Err("Please use SETSLOT only with masters.");
  if (!ValidSlot(slot)) return BadSlot();
  if (slots_[slot] != myself_) return Err("I'm not the owner of hash slot " + std::to_string(slot));
  NodeInfo* n = Find(node_id);
  if (!n) return Err("I don't know about node " + std::string(node_id));
  if (n->IsReplica()) return Err("Target node is not a master");
  migrating_to_[slot] = n;
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::SetSlotImporting(int slot, std::string_view node_id) {
  if (myself_->IsReplica()) return Err("Please use SETSLOT only with masters.");
  if (!ValidSlot(slot)) return BadSlot();
  if (slots_[slot] == myself_)
    return Err("I'm already the owner of hash slot " + std::to_string(slot));
  NodeInfo* n = Find(node_id);
  if (!n) return Err("I don't know about node " + std::string(node_id));
  if (n->IsReplica()) return Err("Target node is not a master");
  importing_from_[slot] = n;
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::SetSlotStable(int slot) {
  if (myself_->IsReplica()) return Err("Please use SETSLOT only with masters.");
  if (!ValidSlot(slot)) return BadSlot();
  migrating_to_[slot] = nullptr;
  importing_from_[slot] = nullptr;
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::SetSlotNode(int slot, std::string_view node_id) {
  if (myself_->IsReplica()) return Err("Please use SETSLOT only with masters.");
  if (!ValidSlot(slot)) return BadSlot();
  NodeInfo* n = Find(node_id);
  if (!n) return Err("Unknown node " + std::string(node_id));
  if (n->IsReplica()) return Err("Target node is not a master");
  uint64_t keys = KeysInSlot(slot);
  if (slots_[slot] == myself_ && n != myself_ && keys > 0) {
    return Err("Can't assign hashslot " + std::to_string(slot) +
               " to a different node while I still hold keys for this hash slot.");
  }
  if (keys == 0 && migrating_to_[slot]) migrating_to_[slot] = nullptr;
  bool slot_was_mine = slots_[slot] == myself_;
  DelSlot(slot);
  AddSlot(n, slot);
  if (slot_was_mine && n != myself_ && myself_->num_slots == 0 && opts_.allow_replica_migration) {
    LOG_INFO("Configuration change detected. Reconfiguring myself as a replica of {}", n->name);
    SetMaster(n);
  }
  if (n == myself_ && importing_from_[slot]) {
    // Closing an import: make the new ownership win everywhere right away.
    if (BumpEpochWithoutConsensus()) LOG_INFO("configEpoch updated after importing slot {}", slot);
    importing_from_[slot] = nullptr;
    BroadcastPong();
  }
  UpdateState();
  RequestSave(true);
  return base::Status::Ok();
}

base::Status ClusterState::FlushSlots() {
  if (hooks_.key_count && hooks_.key_count() != 0)
    return Err("DB must be empty to perform CLUSTER FLUSHSLOTS.");
  DelNodeSlots(myself_);
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::Forget(std::string_view node_id) {
  NodeInfo* n = Find(node_id);
  if (!n) return Err("Unknown node " + std::string(node_id));
  if (n == myself_) return Err("I tried hard but I can't forget myself...");
  if (myself_->IsReplica() && myself_->master == n) return Err("Can't forget my master!");
  blacklist_[n->name] = now_ + 60000;
  DelNode(n);
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::Replicate(std::string_view master_id) {
  NodeInfo* n = Find(master_id);
  if (!n) return Err("Unknown node " + std::string(master_id));
  if (n == myself_) return Err("Can't replicate myself");
  if (n->IsReplica()) return Err("I can only replicate a master, not a replica.");
  if (myself_->IsMaster() &&
      (myself_->num_slots != 0 || (hooks_.key_count && hooks_.key_count() != 0)))
    return Err("To set a master the node must be empty and without assigned slots.");
  SetMaster(n);
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Result<std::string> ClusterState::BumpEpoch() {
  bool bumped = BumpEpochWithoutConsensus();
  return std::string(bumped ? "BUMPED " : "STILL ") + std::to_string(myself_->config_epoch);
}

base::Status ClusterState::SetConfigEpoch(int64_t epoch) {
  if (epoch < 0) return Err("Invalid config epoch specified: " + std::to_string(epoch));
  if (nodes_.size() > 1)
    return Err(
        "The user can assign a config epoch only when the node does not know any other node.");
  if (myself_->config_epoch != 0) return Err("Node config epoch is already non-zero");
  myself_->config_epoch = uint64_t(epoch);
  LOG_INFO("configEpoch set to {} via CLUSTER SET-CONFIG-EPOCH", epoch);
  current_epoch_ = std::max(current_epoch_, uint64_t(epoch));
  UpdateState();
  RequestSave(false);
  return base::Status::Ok();
}

base::Status ClusterState::Reset(bool hard) {
  if (myself_->IsMaster() && hooks_.key_count && hooks_.key_count() != 0)
    return Err("CLUSTER RESET can't be called with master nodes containing keys");
  if (myself_->IsReplica()) {
    SetNodeAsMaster(myself_);
    if (hooks_.on_master_changed) hooks_.on_master_changed(nullptr);
    if (hooks_.flush_all) hooks_.flush_all();
  }
  CloseAllSlots();
  ResetManualFailover();
  for (int j = 0; j < kSlots; j++) DelSlot(j);
  std::vector<NodeInfo*> others;
  for (auto& [name, n] : nodes_) {
    if (n.get() != myself_) others.push_back(n.get());
  }
  for (NodeInfo* n : others) DelNode(n);
  if (hard) {
    current_epoch_ = 0;
    last_vote_epoch_ = 0;
    myself_->config_epoch = 0;
    RenameNode(myself_, RandomName());
    LOG_INFO("Node hard reset, now I'm {}", myself_->name);
  }
  RequestSave(true);
  UpdateState();
  return base::Status::Ok();
}

base::Result<int64_t> ClusterState::CountFailureReports(std::string_view node_id) {
  NodeInfo* n = Find(node_id);
  if (!n) return base::Result<int64_t>(Err("Unknown node " + std::string(node_id)));
  return int64_t(CountValidFailureReports(n));
}

base::Result<std::vector<std::string>> ClusterState::ReplicaLines(std::string_view node_id) const {
  using R = base::Result<std::vector<std::string>>;
  NodeInfo* n = Find(node_id);
  if (!n) return R(Err("Unknown node " + std::string(node_id)));
  if (n->IsReplica()) return R(Err("The specified node is not a master"));
  std::vector<std::string> out;
  for (const NodeInfo* r : n->replicas) out.push_back(NodeLineText(*r));
  return out;
}

}  // namespace node::cluster
