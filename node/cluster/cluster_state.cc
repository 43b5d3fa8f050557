// node/cluster/cluster_state.cc
//
// ClusterState: the node table, slot map, epochs, cluster state computation,
// nodes.conf load/save and the CLUSTER NODES / INFO texts. The bus protocol
// is in cluster_bus.cc and the CLUSTER commands in cluster_commands.cc.
// Engine thread only.

#include "node/cluster/cluster_state.h"

#include <algorithm>

#include "node/base/log.h"
#include "node/base/strings.h"

namespace node::cluster {

ClusterState::ClusterState(Options opts, std::string node_id_or_empty, int64_t now_ms)
    : opts_(std::move(opts)), now_(now_ms) {
  if (opts_.bus_port == 0) opts_.bus_port = opts_.port + kPortIncr;
  rng_.seed(opts_.seed ? opts_.seed : std::random_device{}());
  std::string id = IsValidNodeId(node_id_or_empty) ? node_id_or_empty : RandomName();
  myself_ = CreateNode(id, kNodeMyself | kNodeMaster);
  myself_->ip = opts_.announce_ip;
  myself_->port = opts_.port;
  myself_->cport = opts_.bus_port;
  myself_->pport = opts_.pport;
  myself_->hostname = opts_.announce_hostname;
}

ClusterState::~ClusterState() = default;

// --- Node table ---------------------------------------------------------------

std::string ClusterState::RandomName() {
  static const char* kHex = "0123456789abcdef";
  std::string s(kNameLen, '0');
  for (char& c : s) c = kHex[rng_() & 15];
  return s;
}

NodeInfo* ClusterState::Find(std::string_view id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

const NodeInfo* ClusterState::Lookup(std::string_view id) const { return Find(id); }

std::vector<ClusterState::LinkView> ClusterState::Links() const {
  std::vector<LinkView> out;
  for (auto& [id, l] : links_) {
    if (!l.node || l.node->InHandshake()) continue;
    out.push_back({id, l.inbound, l.node->name, l.ctime});
  }
  std::sort(out.begin(), out.end(), [](const LinkView& a, const LinkView& b) {
    return a.node != b.node ? a.node < b.node : a.inbound < b.inbound;
  });
  return out;
}

std::vector<const NodeInfo*> ClusterState::Nodes() const {
  std::vector<const NodeInfo*> out;
  for (const auto& [name, n] : nodes_) out.push_back(n.get());
  return out;
}

NodeInfo* ClusterState::CreateNode(std::string name, uint16_t flags) {
  auto n = std::make_unique<NodeInfo>();
  n->name = std::move(name);
  n->flags = flags;
  n->ctime = now_;
  NodeInfo* raw = n.get();
  nodes_[raw->name] = std::move(n);
  return raw;
}

void ClusterState::DelNode(NodeInfo* n) {
  NODE_DCHECK(n != myself_);
  if (mf_replica_ == n) ResetManualFailover();
  for (int j = 0; j < kSlots; j++) {
    if (importing_from_[j] == n) importing_from_[j] = nullptr;
    if (migrating_to_[j] == n) migrating_to_[j] = nullptr;
    if (slots_[j] == n) DelSlot(j);
  }
  for (auto& [name, other] : nodes_) {
    auto& r = other->fail_reports;
    r.erase(
        std::remove_if(r.begin(), r.end(), [n](const FailReport& f) { return f.reporter == n; }),
        r.end());
  }
  if (n->master) RemoveReplica(n->master, n);
  for (NodeInfo* r : n->replicas) r->master = nullptr;
  n->replicas.clear();
  if (n->link) FreeLink(n->link);
  if (n->inbound_link) FreeLink(n->inbound_link);
  nodes_.erase(n->name);
}

void ClusterState::RenameNode(NodeInfo* n, std::string_view new_name) {
  LOG_DEBUG("Renaming node {} into {}", n->name, new_name);
  auto it = nodes_.find(n->name);
  std::unique_ptr<NodeInfo> owned = std::move(it->second);
  nodes_.erase(it);
  owned->name = std::string(new_name);
  nodes_[owned->name] = std::move(owned);
}

bool ClusterState::Blacklisted(std::string_view id) {
  for (auto it = blacklist_.begin(); it != blacklist_.end();) {
    it = it->second < now_ ? blacklist_.erase(it) : std::next(it);
  }
  return blacklist_.count(id) > 0;
}

uint64_t ClusterState::KeysInSlot(int slot) const {
  return hooks_.count_keys_in_slot ? hooks_.count_keys_in_slot(slot) : 0;
}

// --- Slots ------------------------------------------------------------------------

void ClusterState::AddSlot(NodeInfo* n, int slot) {
  if (slots_[slot] == n) return;
  if (slots_[slot]) DelSlot(slot);
  slots_[slot] = n;
  SetSlotBit(n->slots, slot);
  // A master's first slot makes it a replica-migration target, even without
  // replicas of its own, as soon as some master has replicas (§11.5).
  if (++n->num_slots == 1) {
    bool masters_have_replicas = false;
    for (const auto& [name, m] : nodes_) {
      if (m->IsMaster() && !m->replicas.empty()) masters_have_replicas = true;
    }
    if (masters_have_replicas) n->flags |= kNodeMigrateTo;
  }
}

void ClusterState::DelSlot(int slot) {
  NodeInfo* n = slots_[slot];
  if (!n) return;
  // The old owner's shard (it, its master, their replicas) included me.
  const NodeInfo* shard = n->IsMaster() || !n->master ? n : n->master;
  if ((shard == myself_ || myself_->master == shard) && hooks_.slot_left_my_shard)
    hooks_.slot_left_my_shard(slot);
  ClearSlotBit(n->slots, slot);
  n->num_slots--;
  slots_[slot] = nullptr;
  ClearSlotBit(owner_not_claiming_, slot);
}

void ClusterState::DelNodeSlots(NodeInfo* n) {
  for (int j = 0; j < kSlots && n->num_slots > 0; j++) {
    if (slots_[j] == n) DelSlot(j);
  }
}

void ClusterState::CloseAllSlots() {
  migrating_to_.fill(nullptr);
  importing_from_.fill(nullptr);
}

// --- Roles ------------------------------------------------------------------------

void ClusterState::AddReplica(NodeInfo* master, NodeInfo* r) {
  if (std::find(master->replicas.begin(), master->replicas.end(), r) != master->replicas.end())
    return;
  master->replicas.push_back(r);
  master->flags |= kNodeMigrateTo;
}

void ClusterState::RemoveReplica(NodeInfo* master, NodeInfo* r) {
  auto& v = master->replicas;
  v.erase(std::remove(v.begin(), v.end(), r), v.end());
  if (v.empty()) master->flags &= ~kNodeMigrateTo;
}

// clusterSetNodeAsMaster
void ClusterState::SetNodeAsMaster(NodeInfo* n) {
  if (n->IsMaster()) return;
  if (n->master) {
    RemoveReplica(n->master, n);
    if (n != myself_) n->flags |= kNodeMigrateTo;
  }
  n->flags &= ~kNodeSlave;
  n->flags |= kNodeMaster;
  n->master = nullptr;
  RequestSave(false);
  UpdateState();
}

// clusterSetMaster: make myself a replica of n.
void ClusterState::SetMaster(NodeInfo* n) {
  NODE_DCHECK(n != myself_);
  if (myself_->IsMaster()) {
    myself_->flags &= ~(kNodeMaster | kNodeMigrateTo);
    myself_->flags |= kNodeSlave;
    CloseAllSlots();
  } else if (myself_->master) {
    RemoveReplica(myself_->master, myself_);
  }
  myself_->master = n;
  AddReplica(n, myself_);
  ResetManualFailover();
  LOG_INFO("Cluster: now a replica of {}", n->name);
  if (hooks_.on_master_changed) hooks_.on_master_changed(n);
  RequestSave(false);
  UpdateState();
}

uint64_t ClusterState::MyMasterConfigEpoch() const {
  if (myself_->IsReplica() && myself_->master) return myself_->master->config_epoch;
  return myself_->config_epoch;
}

// clusterBumpConfigEpochWithoutConsensus (§9.4)
bool ClusterState::BumpEpochWithoutConsensus() {
  uint64_t max_epoch = current_epoch_;
  for (const auto& [name, n] : nodes_) max_epoch = std::max(max_epoch, n->config_epoch);
  if (myself_->config_epoch == 0 || myself_->config_epoch != max_epoch) {
    current_epoch_++;
    myself_->config_epoch = current_epoch_;
    RequestSave(true);
    LOG_INFO("New configEpoch set to {}", myself_->config_epoch);
    return true;
  }
  return false;
}

// --- Cluster state (§14) ---------------------------------------------------------

void ClusterState::UpdateState() {
  if (first_update_call_ < 0) first_update_call_ = now_;
  // A master that just started waits a bit so it can learn the configuration.
  if (myself_->IsMaster() && !state_ok_ && now_ - first_update_call_ < 2000) return;
  bool ok = true;
  if (opts_.require_full_coverage) {
    for (int j = 0; j < kSlots; j++) {
      if (!slots_[j] || slots_[j]->IsFailed()) {
        ok = false;
        break;
      }
    }
  }
  int size = 0;
  int reachable = 0;
  for (const auto& [name, n] : nodes_) {
    if (n->IsMaster() && n->num_slots > 0) {
      size++;
      if (!(n->flags & (kNodeFail | kNodePfail))) reachable++;
    }
  }
  size_ = size;
  if (reachable < size / 2 + 1) {
    ok = false;
    among_minority_time_ = now_;
  }
  if (ok == state_ok_) return;
  int64_t rejoin_delay = std::clamp<int64_t>(opts_.node_timeout_ms, 500, 5000);
  if (ok && myself_->IsMaster() && now_ - among_minority_time_ < rejoin_delay) return;
  state_ok_ = ok;
  LOG_INFO("Cluster state changed: {}", ok ? "ok" : "fail");
  Action a;
  a.kind = Action::kStateChanged;
  a.state_ok = ok;
  actions_.push_back(std::move(a));
}

void ClusterState::RequestSave(bool fsync) {
  save_pending_ = true;
  fsync_pending_ = fsync_pending_ || fsync;
}

std::vector<Action> ClusterState::TakeActions() {
  // Deferred work, as clusterBeforeSleep: one save for any number of changes.
  if (save_pending_) {
    Action a;
    a.kind = Action::kSaveConfig;
    a.bytes = SaveConfigText();
    a.fsync = fsync_pending_;
    actions_.push_back(std::move(a));
    save_pending_ = fsync_pending_ = false;
  }
  std::vector<Action> out;
  out.swap(actions_);
  return out;
}

// --- Text views -------------------------------------------------------------------

NodeLine ClusterState::MakeNodeLine(const NodeInfo& n) const {
  NodeLine l;
  l.id = n.name;
  l.ip = n.ip;
  l.port = n.port;
  l.cport = n.cport;
  l.hostname = n.hostname;
  l.flags = n.flags;
  if (n.IsReplica() && n.master) l.master_id = n.master->name;
  l.ping_sent = n.ping_sent;
  l.pong_received = n.pong_received;
  l.config_epoch = (n.IsReplica() && n.master) ? n.master->config_epoch : n.config_epoch;
  l.connected = n.link != 0 || &n == myself_;
  int start = -1;
  for (int j = 0; j <= kSlots; j++) {
    bool owned = j < kSlots && TestSlot(n.slots, j);
    if (owned && start < 0) start = j;
    if (!owned && start >= 0) {
      l.slot_ranges.emplace_back(start, j - 1);
      start = -1;
    }
  }
  if (&n == myself_) {
    for (int j = 0; j < kSlots; j++) {
      if (migrating_to_[j]) {
        l.open_slots.push_back({j, true, migrating_to_[j]->name});
      } else if (importing_from_[j]) {
        l.open_slots.push_back({j, false, importing_from_[j]->name});
      }
    }
  }
  return l;
}

std::string ClusterState::NodeLineText(const NodeInfo& n) const {
  return FormatNodeLine(MakeNodeLine(n));
}

std::string ClusterState::NodesText() const {
  std::string out;
  for (const auto& [name, n] : nodes_) {
    out += NodeLineText(*n);
    out += '\n';
  }
  return out;
}

std::string ClusterState::SaveConfigText() const {
  NodesConf conf;
  for (const auto& [name, n] : nodes_) {
    if (n->InHandshake()) continue;
    conf.nodes.push_back(MakeNodeLine(*n));
  }
  conf.current_epoch = current_epoch_;
  conf.last_vote_epoch = last_vote_epoch_;
  return FormatNodesConf(conf);
}

std::string ClusterState::InfoText() const {
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (int j = 0; j < kSlots; j++) {
    const NodeInfo* n = slots_[j];
    if (!n) continue;
    assigned++;
    if (n->IsFailed()) {
      fail++;
    } else if (n->IsPfail()) {
      pfail++;
    } else {
      ok++;
    }
  }
  std::string out;
  auto line = [&out](std::string_view k, auto v) {
    out += k;
    out += ':';
    if constexpr (std::is_convertible_v<decltype(v), std::string_view>) {
      out += v;
    } else {
      out += std::to_string(v);
    }
    out += "\r\n";
  };
  line("cluster_state", state_ok_ ? "ok" : "fail");
  line("cluster_slots_assigned", assigned);
  line("cluster_slots_ok", ok);
  line("cluster_slots_pfail", pfail);
  line("cluster_slots_fail", fail);
  line("cluster_known_nodes", nodes_.size());
  line("cluster_size", size_);
  line("cluster_current_epoch", current_epoch_);
  line("cluster_my_epoch", MyMasterConfigEpoch());
  for (int dir = 0; dir < 2; dir++) {
    const auto& stats = dir == 0 ? stats_sent_ : stats_received_;
    const char* suffix = dir == 0 ? "_sent" : "_received";
    uint64_t total = 0;
    for (int t = 0; t < kMsgTypeCount; t++) {
      if (!stats[t]) continue;
      total += stats[t];
      line("cluster_stats_messages_" + std::string(MsgTypeName(t)) + suffix, stats[t]);
    }
    line(std::string("cluster_stats_messages") + suffix, total);
  }
  line("total_cluster_links_buffer_limit_exceeded", 0);
  return out;
}

std::vector<SlotRange> ClusterState::SlotRanges() const {
  std::vector<SlotRange> out;
  for (int j = 0; j < kSlots; j++) {
    const NodeInfo* n = slots_[j];
    if (!n) continue;
    if (!out.empty() && out.back().owner == n && out.back().end == j - 1) {
      out.back().end = j;
    } else {
      out.push_back({j, j, n});
    }
  }
  return out;
}

// --- nodes.conf load (§5.2) ----------------------------------------------------------

base::Status ClusterState::LoadConfig(std::string_view text) {
  auto conf = ParseNodesConf(text);
  if (!conf) return conf.status();
  if (conf->nodes.empty()) return base::Status::Ok();
  // Drop the current table (links included), then rebuild it.
  ResetManualFailover();
  for (auto& [id, link] : links_) {
    Action a;
    a.kind = Action::kClose;
    a.link = id;
    actions_.push_back(std::move(a));
  }
  links_.clear();
  nodes_.clear();
  slots_.fill(nullptr);
  CloseAllSlots();
  owner_not_claiming_ = {};
  myself_ = nullptr;
  auto get = [this](const std::string& id) {
    NodeInfo* n = Find(id);
    return n ? n : CreateNode(id, 0);
  };
  for (const NodeLine& l : conf->nodes) {
    NodeInfo* n = get(l.id);
    n->ip = l.ip;
    n->port = l.port;
    n->cport = l.cport;
    n->hostname = l.hostname;
    n->flags = l.flags;
    if (n->flags & kNodeMyself) myself_ = n;
    if (n->IsFailed()) n->fail_time = now_;
    if (!l.master_id.empty()) {
      NodeInfo* m = get(l.master_id);
      n->master = m;
      AddReplica(m, n);
    }
    n->ping_sent = l.ping_sent ? now_ : 0;
    n->pong_received = l.pong_received ? now_ : 0;
    n->config_epoch = l.config_epoch;
    for (const auto& [a, b] : l.slot_ranges) {
      for (int j = a; j <= b; j++) AddSlot(n, j);
    }
    for (const auto& o : l.open_slots) {
      NodeInfo* other = get(o.id);
      (o.migrating ? migrating_to_ : importing_from_)[o.slot] = other;
    }
  }
  NODE_CHECK(myself_ != nullptr);  // ParseNodesConf guarantees one myself line
  current_epoch_ = conf->current_epoch;
  last_vote_epoch_ = conf->last_vote_epoch;
  if (!opts_.announce_ip.empty()) myself_->ip = opts_.announce_ip;
  myself_->port = opts_.port;
  myself_->cport = opts_.bus_port;
  myself_->pport = opts_.pport;
  myself_->hostname = opts_.announce_hostname;
  LOG_INFO("Node configuration loaded, I'm {}", myself_->name);
  UpdateState();
  return base::Status::Ok();
}

}  // namespace node::cluster
