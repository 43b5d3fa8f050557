// node/cluster/cluster_bus.cc
//
// ClusterState's bus protocol: links, packet building and processing
// (PING/PONG/MEET, gossip, FAIL, UPDATE, PUBLISH), failure detection, slot
// ownership by configEpoch, epoch collisions and the 100 ms cron. Follows
// reference/cluster-bus.md §2-§12 (function names there are Redis's).
// Engine thread only.

#include <algorithm>
#include <unordered_set>

#include "node/base/log.h"
#include "node/cluster/cluster_state.h"

namespace node::cluster {

// --- Links ------------------------------------------------------------------------

LinkId ClusterState::OnInboundLink(std::string_view peer_ip, std::string_view local_ip) {
  Link l;
  l.id = next_link_id_++;
  l.inbound = true;
  l.ctime = now_;
  l.peer_ip = std::string(peer_ip);
  l.local_ip = std::string(local_ip);
  links_[l.id] = l;
  return l.id;
}

// clusterLinkConnectHandler: the first packet is MEET or PING.
void ClusterState::OnOutboundConnected(LinkId id) {
  auto it = links_.find(id);
  if (it == links_.end() || !it->second.node) return;
  NodeInfo* n = it->second.node;
  int64_t old_ping_sent = n->ping_sent;
  SendPing(id, (n->flags & kNodeMeet) ? kMsgMeet : kMsgPing);
  if (old_ping_sent) n->ping_sent = old_ping_sent;  // keep failure detection running
  n->flags &= ~kNodeMeet;
}

void ClusterState::OnLinkClosed(LinkId id) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  NodeInfo* n = it->second.node;
  if (n) {
    // Our outbound link to a known node broke (peer died, connect refused):
    // count it as a ping left unanswered from now on, so failure detection
    // starts at the loss instead of at the next scheduled ping (up to
    // node_timeout / 2 later).
    if (n->link == id && !it->second.inbound && n->ping_sent == 0 &&
        !(n->flags & (kNodeMyself | kNodeHandshake | kNodeMeet | kNodeNoAddr))) {
      n->ping_sent = now_;
    }
    if (n->link == id) n->link = 0;
    if (n->inbound_link == id) n->inbound_link = 0;
  }
  links_.erase(it);
}

void ClusterState::FreeLink(LinkId id) {
  if (!links_.count(id)) return;
  OnLinkClosed(id);
  Action a;
  a.kind = Action::kClose;
  a.link = id;
  actions_.push_back(std::move(a));
}

// setClusterNodeToInboundClusterLink
void ClusterState::BindInboundLink(NodeInfo* n, Link& link) {
  if (n->inbound_link && n->inbound_link != link.id) FreeLink(n->inbound_link);
  n->inbound_link = link.id;
  link.node = n;
}

// --- Sending ------------------------------------------------------------------------

void ClusterState::Send(LinkId id, uint16_t type, std::string bytes) {
  if (!id || !links_.count(id)) return;
  if (type < kMsgTypeCount) stats_sent_[type]++;
  Action a;
  a.kind = Action::kSend;
  a.link = id;
  a.bytes = std::move(bytes);
  actions_.push_back(std::move(a));
}

// clusterBuildMessageHdr
Message ClusterState::BuildHeader(uint16_t type) const {
  Message m;
  Header& h = m.hdr;
  const NodeInfo* master = (myself_->IsReplica() && myself_->master) ? myself_->master : myself_;
  h.type = type;
  h.sender = myself_->name;
  h.myip = opts_.announce_ip;
  h.myslots = master->slots;
  if (myself_->IsReplica() && myself_->master) h.slaveof = myself_->master->name;
  h.port = uint16_t(opts_.port);
  h.cport = uint16_t(opts_.bus_port);
  h.pport = uint16_t(opts_.pport);
  h.flags = myself_->flags;
  h.state = state_ok_ ? 0 : 1;
  h.current_epoch = current_epoch_;
  h.config_epoch = master->config_epoch;
  h.offset = MyReplOffset();
  if (myself_->IsMaster() && hooks_.master_repl_offset) h.offset = hooks_.master_repl_offset();
  // My clients are paused for a manual failover: `offset` is final (§1.3).
  if (myself_->IsMaster() && mf_end_) h.mflags[0] |= kMsgFlagPaused;
  return m;
}

// clusterSendPing: header + gossip about some nodes + all PFAIL nodes (§4.3).
void ClusterState::SendPing(LinkId id, uint16_t type) {
  auto it = links_.find(id);
  if (it == links_.end()) return;
  NodeInfo* target = it->second.node;
  if (target && type == kMsgPing) target->ping_sent = now_;
  Message m = BuildHeader(type);
  int known = int(nodes_.size());
  int freshnodes = known - 2;
  int wanted = std::max(3, known / 10);
  wanted = std::min(wanted, freshnodes);
  int pfail_wanted = pfail_nodes_;
  std::vector<NodeInfo*> all;
  all.reserve(nodes_.size());
  for (auto& [name, n] : nodes_) all.push_back(n.get());
  std::unordered_set<const NodeInfo*> added;
  auto add = [&](const NodeInfo* n) {
    GossipEntry g;
    g.node_name = n->name;
    g.ping_sent = uint32_t(n->ping_sent / 1000);
    g.pong_received = uint32_t(n->pong_received / 1000);
    g.ip = n->ip;
    g.port = uint16_t(n->port);
    g.cport = uint16_t(n->cport);
    g.flags = n->flags;
    g.pport = uint16_t(n->pport);
    m.gossip.push_back(std::move(g));
    added.insert(n);
  };
  int max_iterations = wanted * 3;
  while (freshnodes > 0 && int(m.gossip.size()) < wanted && max_iterations-- > 0) {
    NodeInfo* n = all[rng_() % all.size()];
    if (n == myself_ || n->IsPfail()) continue;  // PFAIL nodes are added below
    if ((n->flags & (kNodeHandshake | kNodeNoAddr)) || (n->link == 0 && n->num_slots == 0)) {
      freshnodes--;
      continue;
    }
    if (added.count(n)) continue;
    add(n);
    freshnodes--;
  }
  for (NodeInfo* n : all) {
    if (pfail_wanted <= 0) break;
    if ((n->flags & (kNodeHandshake | kNodeNoAddr)) || !n->IsPfail() || added.count(n)) continue;
    add(n);
    pfail_wanted--;
  }
  if (!opts_.announce_hostname.empty())
    m.extensions.push_back(HostnameExt(opts_.announce_hostname));
  Send(id, type, Encode(m));
}

// clusterBroadcastMessage: every node with an outbound link but myself and
// handshake nodes.
void ClusterState::Broadcast(const Message& msg) {
  std::string bytes = Encode(msg);
  for (auto& [name, n] : nodes_) {
    if (!n->link || n.get() == myself_ || n->InHandshake()) continue;
    Send(n->link, msg.hdr.type, bytes);
  }
}

void ClusterState::BroadcastPong() {
  std::vector<LinkId> targets;
  for (auto& [name, n] : nodes_) {
    if (!n->link || n.get() == myself_ || n->InHandshake()) continue;
    targets.push_back(n->link);
  }
  for (LinkId id : targets) SendPing(id, kMsgPong);
}

void ClusterState::SendFail(const NodeInfo& failing) {
  Message m = BuildHeader(kMsgFail);
  m.fail_node = failing.name;
  Broadcast(m);
}

// An UPDATE about `n` without the slots it no longer claims (§9.2).
void ClusterState::SendUpdate(LinkId id, const NodeInfo& n) {
  if (!id) return;
  Message m = BuildHeader(kMsgUpdate);
  m.update_node = n.name;
  m.update_config_epoch = n.config_epoch;
  m.update_slots = n.slots;
  for (size_t i = 0; i < kSlotBitmapBytes; i++) m.update_slots[i] &= ~owner_not_claiming_[i];
  Send(id, kMsgUpdate, Encode(m));
}

void ClusterState::Publish(std::string_view channel, std::string_view message, bool shard) {
  Message m = BuildHeader(shard ? kMsgPublishShard : kMsgPublish);
  m.channel = std::string(channel);
  m.message = std::string(message);
  if (!shard) {
    Broadcast(m);
    return;
  }
  // SPUBLISH: only my shard (my master or me, and its replicas).
  NodeInfo* master = (myself_->IsReplica() && myself_->master) ? myself_->master : myself_;
  std::string bytes = Encode(m);
  std::vector<NodeInfo*> shard_nodes = master->replicas;
  shard_nodes.push_back(master);
  for (NodeInfo* n : shard_nodes) {
    if (n != myself_ && n->link) Send(n->link, m.hdr.type, bytes);
  }
}

// --- Receiving (§5) -------------------------------------------------------------------

void ClusterState::OnPacket(LinkId id, std::string_view packet, int64_t now_ms) {
  now_ = now_ms;
  auto it = links_.find(id);
  if (it == links_.end()) return;
  if (packet.size() >= 14) {
    uint16_t type = uint16_t((uint8_t(packet[12]) << 8) | uint8_t(packet[13]));
    if (type < kMsgTypeCount) stats_received_[type]++;
  }
  auto msg = Decode(packet);
  if (!msg) {
    LOG_DEBUG("Cluster bus: dropped packet: {}", msg.error());
    return;
  }
  ProcessMessage(it->second, *msg);
  RunDeferredFailover();  // clusterBeforeSleep's failover work
}

void ClusterState::ProcessMessage(Link& link, const Message& msg) {
  const Header& h = msg.hdr;
  const uint16_t type = h.type;
  if (type >= kMsgTypeCount) return;  // unknown types: counted nowhere, ignored
  NodeInfo* sender = nullptr;
  if (link.node && !link.node->InHandshake()) {
    sender = link.node;
  } else {
    sender = Find(h.sender);
    if (sender && !link.node && link.inbound) BindInboundLink(sender, link);
  }
  if (sender) sender->data_received = now_;
  if (sender && !sender->InHandshake()) {
    if (h.current_epoch > current_epoch_) current_epoch_ = h.current_epoch;
    if (h.config_epoch > sender->config_epoch) {
      sender->config_epoch = h.config_epoch;
      RequestSave(true);
    }
    sender->repl_offset = h.offset;
    sender->repl_offset_time = now_;
    ProcessFailoverHeader(sender, h);
  }

  switch (type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet:
      ProcessPingFamily(link, msg, sender);
      return;
    case kMsgFail: {
      if (!sender) return;
      NodeInfo* failing = Find(msg.fail_node);
      if (failing && !(failing->flags & (kNodeFail | kNodeMyself))) {
        LOG_INFO("FAIL message received from {} about {}", sender->name, failing->name);
        failing->flags |= kNodeFail;
        failing->fail_time = now_;
        failing->flags &= ~kNodePfail;
        UpdateState();
        RequestSave(false);
      }
      return;
    }
    case kMsgPublish:
    case kMsgPublishShard:
      if (sender && hooks_.on_publish)
        hooks_.on_publish(type == kMsgPublishShard, msg.channel, msg.message);
      return;
    case kMsgUpdate: {
      if (!sender) return;
      NodeInfo* n = Find(msg.update_node);
      if (!n || n->config_epoch >= msg.update_config_epoch) return;
      if (n->IsReplica()) SetNodeAsMaster(n);
      n->config_epoch = msg.update_config_epoch;
      RequestSave(true);
      UpdateSlotsConfigWith(n, msg.update_config_epoch, msg.update_slots);
      return;
    }
    case kMsgAuthRequest:
      if (sender) ProcessAuthRequest(sender, h);
      return;
    case kMsgAuthAck:
      if (sender) ProcessAuthAck(sender, h);
      return;
    case kMsgMfStart:
      if (sender) ProcessMfStart(link, sender);
      return;
    default:
      // MODULE: no module receivers; the packets are counted only.
      return;
  }
}

void ClusterState::ProcessPingFamily(Link& link, const Message& msg, NodeInfo* sender) {
  const Header& h = msg.hdr;
  const uint16_t type = h.type;
  if (type == kMsgPing || type == kMsgMeet) {
    // Learn my own IP from the socket that a peer reached me on (§6.1).
    if ((type == kMsgMeet || myself_->ip.empty()) && opts_.announce_ip.empty() && link.inbound &&
        !link.local_ip.empty() && myself_->ip != link.local_ip) {
      myself_->ip = link.local_ip;
      LOG_INFO("IP address for this node updated to {}", myself_->ip);
      RequestSave(false);
    }
    if (!sender && type == kMsgMeet) {
      NodeInfo* n = CreateNode(RandomName(), kNodeHandshake);
      n->ip = h.myip.empty() ? link.peer_ip : h.myip;
      n->port = h.port;
      n->pport = h.pport;
      n->cport = h.cport;
      RequestSave(false);
      ProcessGossip(msg, nullptr);
    }
    SendPing(link.id, kMsgPong);  // always answer, even unknown senders
  }

  if (!link.inbound && link.node) {
    NodeInfo* ln = link.node;
    if (ln->InHandshake()) {
      if (sender) {
        // We already know this node under its real name: drop the handshake node.
        if (UpdateAddressIfNeeded(sender, link, h)) RequestSave(false);
        DelNode(ln);
        return;
      }
      RenameNode(ln, h.sender);
      ln->flags &= ~kNodeHandshake;
      ln->flags |= h.flags & (kNodeMaster | kNodeSlave);
      LOG_INFO("Handshake with node {} completed.", ln->name);
      RequestSave(false);
    } else if (ln->name != h.sender) {
      LOG_INFO("PONG contains mismatching sender ID: node {} is now NOADDR", ln->name);
      ln->flags |= kNodeNoAddr;
      ln->ip.clear();
      ln->port = ln->cport = ln->pport = 0;
      FreeLink(link.id);
      RequestSave(false);
      return;
    }
  }

  if (sender) {
    sender->flags = uint16_t((sender->flags & ~kNodeNoFailover) | (h.flags & kNodeNoFailover));
    if (type == kMsgPing && !sender->InHandshake() && UpdateAddressIfNeeded(sender, link, h)) {
      RequestSave(false);
      UpdateState();
    }
  }

  // A PONG on our outbound link: the node is alive.
  if (!link.inbound && type == kMsgPong && link.node) {
    NodeInfo* n = link.node;
    n->pong_received = now_;
    n->ping_sent = 0;
    if (n->IsPfail()) {
      n->flags &= ~kNodePfail;
      UpdateState();
    } else if (n->IsFailed()) {
      ClearNodeFailureIfNeeded(n);
    }
  }

  if (!sender) return;

  // Role (§6.2).
  if (h.slaveof.empty()) {
    SetNodeAsMaster(sender);
  } else {
    NodeInfo* master = Find(h.slaveof);
    if (sender->IsMaster()) {
      DelNodeSlots(sender);
      sender->flags &= ~(kNodeMaster | kNodeMigrateTo);
      sender->flags |= kNodeSlave;
      RequestSave(false);
      UpdateState();
    }
    if (master && sender->master != master && master != sender) {
      if (sender->master) RemoveReplica(sender->master, sender);
      AddReplica(master, sender);
      sender->master = master;
      RequestSave(false);
    }
  }

  // Slots (§6.2, §9.2).
  NodeInfo* sender_master = sender->IsMaster() ? sender : sender->master;
  bool dirty = sender_master && sender_master->slots != h.myslots;
  if (sender->IsMaster() && dirty) UpdateSlotsConfigWith(sender, h.config_epoch, h.myslots);
  if (dirty) {
    for (int j = 0; j < kSlots; j++) {
      if (!TestSlot(h.myslots, j)) continue;
      NodeInfo* owner = slots_[j];
      if (!owner || owner == sender || TestSlot(owner_not_claiming_, j)) continue;
      if (owner->config_epoch > h.config_epoch) {
        LOG_DEBUG("Node {} has old slots configuration, sending an UPDATE about {}", sender->name,
                  owner->name);
        SendUpdate(sender->link, *owner);
        break;
      }
    }
  }

  if (myself_->IsMaster() && sender->IsMaster() && h.config_epoch == myself_->config_epoch)
    HandleEpochCollision(sender);

  ProcessGossip(msg, sender);
  ProcessPingExt(msg, sender);
}

// nodeUpdateAddressIfNeeded (§6.3): only on a link that is not our outbound one.
bool ClusterState::UpdateAddressIfNeeded(NodeInfo* n, const Link& link, const Header& h) {
  if (n == myself_ || link.id == n->link) return false;
  std::string ip = h.myip.empty() ? link.peer_ip : h.myip;
  if (ip.empty()) return false;
  if (n->ip == ip && n->port == h.port && n->cport == h.cport && n->pport == h.pport) return false;
  n->ip = ip;
  n->port = h.port;
  n->cport = h.cport;
  n->pport = h.pport;
  if (n->link) FreeLink(n->link);
  n->flags &= ~kNodeNoAddr;
  LOG_INFO("Address updated for node {}, now {}:{}", n->name, n->ip, n->port);
  if (myself_->IsReplica() && myself_->master == n && hooks_.on_master_changed)
    hooks_.on_master_changed(n);
  return true;
}

// clusterProcessGossipSection (§7)
void ClusterState::ProcessGossip(const Message& msg, NodeInfo* sender) {
  for (const GossipEntry& g : msg.gossip) {
    NodeInfo* n = Find(g.node_name);
    if (n) {
      if (sender && sender->IsMaster() && n != myself_) {
        if (g.flags & (kNodeFail | kNodePfail)) {
          if (AddFailureReport(n, sender))
            LOG_DEBUG("Node {} reported node {} as not reachable.", sender->name, n->name);
          MarkNodeAsFailingIfNeeded(n);
        } else if (DelFailureReport(n, sender)) {
          LOG_DEBUG("Node {} reported node {} is back online.", sender->name, n->name);
        }
      }
      if (!(g.flags & (kNodeFail | kNodePfail)) && n->ping_sent == 0 && n->fail_reports.empty()) {
        int64_t pongtime = int64_t(g.pong_received) * 1000;
        if (pongtime <= now_ + 500 && pongtime > n->pong_received) n->pong_received = pongtime;
      }
      if ((n->flags & (kNodeFail | kNodePfail)) && !(g.flags & kNodeNoAddr) &&
          !(g.flags & (kNodeFail | kNodePfail)) &&
          (n->ip != g.ip || n->port != g.port || n->cport != g.cport)) {
        if (n->link) FreeLink(n->link);
        n->ip = g.ip;
        n->port = g.port;
        n->pport = g.pport;
        n->cport = g.cport;
        n->flags &= ~kNodeNoAddr;
      }
    } else if (sender && !(g.flags & kNodeNoAddr) && IsValidNodeId(g.node_name) &&
               !Blacklisted(g.node_name)) {
      NodeInfo* created = CreateNode(g.node_name, g.flags & ~(kNodeMyself | kNodeMeet));
      created->ip = g.ip;
      created->port = g.port;
      created->pport = g.pport;
      created->cport = g.cport;
      RequestSave(false);
    }
  }
}

// clusterProcessPingExt: the hostname is replaced (or cleared) on every packet.
void ClusterState::ProcessPingExt(const Message& msg, NodeInfo* sender) {
  std::string hostname;
  for (const PingExt& e : msg.extensions) {
    if (e.type == kExtHostname) hostname = ExtHostname(e);
  }
  if (hostname != sender->hostname) {
    sender->hostname = hostname;
    RequestSave(false);
  }
}

// --- Slot ownership and epochs (§9) ---------------------------------------------------

void ClusterState::UpdateSlotsConfigWith(NodeInfo* sender, uint64_t epoch,
                                         const SlotBitmap& slots) {
  if (sender == myself_) return;
  NodeInfo* curmaster = myself_->IsMaster() ? myself_ : myself_->master;
  NodeInfo* new_primary = nullptr;
  int sender_slots = 0;
  int migrated_our_slots = 0;
  std::vector<int> dirty_slots;
  for (int j = 0; j < kSlots; j++) {
    if (TestSlot(slots, j)) {
      sender_slots++;
      if (slots_[j] == sender) {
        ClearSlotBit(owner_not_claiming_, j);
        continue;
      }
      if (importing_from_[j]) continue;  // only SETSLOT may change it
      NodeInfo* owner = slots_[j];
      if (!owner || TestSlot(owner_not_claiming_, j) || owner->config_epoch < epoch) {
        if (owner == myself_ && KeysInSlot(j) > 0) dirty_slots.push_back(j);
        if (owner && owner == curmaster) {
          new_primary = sender;
          migrated_our_slots++;
        }
        DelSlot(j);
        AddSlot(sender, j);
        RequestSave(true);
        UpdateState();
      }
    } else if (slots_[j] == sender) {
      SetSlotBit(owner_not_claiming_, j);
    }
  }
  if (new_primary && curmaster && curmaster->num_slots == 0 &&
      (opts_.allow_replica_migration || sender_slots == migrated_our_slots)) {
    LOG_INFO("Configuration change detected. Reconfiguring myself as a replica of {}",
             sender->name);
    SetMaster(sender);
  } else if (myself_->master && myself_->master->master && myself_->master->master != myself_) {
    LOG_INFO("I'm a sub-replica! Reconfiguring myself as a replica of {}",
             myself_->master->master->name);
    SetMaster(myself_->master->master);
  } else {
    for (int j : dirty_slots) {
      if (hooks_.delete_keys_in_slot) hooks_.delete_keys_in_slot(j);
    }
  }
}

// clusterHandleConfigEpochCollision (§9.3): the smaller node ID moves.
void ClusterState::HandleEpochCollision(NodeInfo* sender) {
  if (sender->config_epoch != myself_->config_epoch || !sender->IsMaster() || !myself_->IsMaster())
    return;
  if (sender->name <= myself_->name) return;
  current_epoch_++;
  myself_->config_epoch = current_epoch_;
  RequestSave(true);
  LOG_INFO("WARNING: configEpoch collision with node {}. configEpoch set to {}", sender->name,
           current_epoch_);
}

// --- Failure detection (§8) --------------------------------------------------------------

bool ClusterState::AddFailureReport(NodeInfo* failing, NodeInfo* reporter) {
  for (FailReport& r : failing->fail_reports) {
    if (r.reporter == reporter) {
      r.time_ms = now_;
      return false;
    }
  }
  failing->fail_reports.push_back({reporter, now_});
  return true;
}

bool ClusterState::DelFailureReport(NodeInfo* failing, NodeInfo* reporter) {
  auto& v = failing->fail_reports;
  auto it =
      std::find_if(v.begin(), v.end(), [&](const FailReport& r) { return r.reporter == reporter; });
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

int ClusterState::CountValidFailureReports(NodeInfo* n) {
  int64_t max_age = opts_.node_timeout_ms * 2;
  auto& v = n->fail_reports;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [&](const FailReport& r) { return now_ - r.time_ms > max_age; }),
          v.end());
  return int(v.size());
}

void ClusterState::MarkNodeAsFailingIfNeeded(NodeInfo* n) {
  int needed_quorum = size_ / 2 + 1;
  if (!n->IsPfail() || n->IsFailed()) return;
  int failures = CountValidFailureReports(n);
  if (myself_->IsMaster()) failures++;
  if (failures < needed_quorum) return;
  LOG_INFO("Marking node {} as failing (quorum reached).", n->name);
  n->flags &= ~kNodePfail;
  n->flags |= kNodeFail;
  n->fail_time = now_;
  SendFail(*n);
  UpdateState();
  RequestSave(false);
}

void ClusterState::ClearNodeFailureIfNeeded(NodeInfo* n) {
  int64_t now = now_;
  if (n->IsReplica() || n->num_slots == 0) {
    LOG_INFO("Clear FAIL state for node {}: {} is reachable again.", n->name,
             n->IsReplica() ? "replica" : "master without slots");
    n->flags &= ~kNodeFail;
    UpdateState();
    RequestSave(false);
    return;
  }
  if (now - n->fail_time > 2 * opts_.node_timeout_ms) {
    LOG_INFO(
        "Clear FAIL state for node {}: is reachable again and nobody is serving its slots "
        "after some time.",
        n->name);
    n->flags &= ~kNodeFail;
    UpdateState();
    RequestSave(false);
  }
}

// --- Cron (§12) ------------------------------------------------------------------------

void ClusterState::Tick(int64_t now_ms) {
  now_ = now_ms;
  cron_iteration_++;
  if (config_save_failed_ && now_ - config_save_retry_ >= 1000) {
    config_save_retry_ = now_;
    RequestSave(true);
  }
  const int64_t timeout = opts_.node_timeout_ms;
  const int64_t handshake_timeout = std::max<int64_t>(timeout, 1000);
  myself_->hostname = opts_.announce_hostname;
  pfail_nodes_ = 0;

  std::vector<NodeInfo*> all;
  for (auto& [name, n] : nodes_) all.push_back(n.get());
  for (NodeInfo* n : all) {
    if (n->IsPfail()) pfail_nodes_++;
    if (n == myself_ || (n->flags & kNodeNoAddr)) continue;
    if (n->InHandshake() && now_ - n->ctime > handshake_timeout) {
      DelNode(n);
      continue;
    }
    if (!n->link && !n->ip.empty() && n->cport > 0) {
      Link l;
      l.id = next_link_id_++;
      l.inbound = false;
      l.node = n;
      l.ctime = now_;
      l.peer_ip = n->ip;
      links_[l.id] = l;
      n->link = l.id;
      Action a;
      a.kind = Action::kConnect;
      a.link = l.id;
      a.ip = n->ip;
      a.bus_port = n->cport;
      actions_.push_back(std::move(a));
    }
  }
  all.clear();
  for (auto& [name, n] : nodes_) all.push_back(n.get());

  // About once per second, ping the sampled node with the oldest PONG.
  if (cron_iteration_ % 10 == 0 && !all.empty()) {
    NodeInfo* min_pong_node = nullptr;
    for (int i = 0; i < 5; i++) {
      NodeInfo* n = all[rng_() % all.size()];
      if (!n->link || n->ping_sent != 0 || (n->flags & (kNodeMyself | kNodeHandshake))) continue;
      if (!min_pong_node || min_pong_node->pong_received > n->pong_received) min_pong_node = n;
    }
    if (min_pong_node) SendPing(min_pong_node->link, kMsgPing);
  }

  bool update = false;
  std::vector<NodeInfo*> new_pfail;
  for (NodeInfo* n : all) {
    if (n->flags & (kNodeMyself | kNodeNoAddr | kNodeHandshake)) continue;
    int64_t ping_delay = now_ - n->ping_sent;
    int64_t data_delay = now_ - n->data_received;
    // Link recycling: a connected link that is silent although we pinged.
    if (n->link && now_ - links_[n->link].ctime > timeout && n->ping_sent &&
        ping_delay > timeout / 2 && data_delay > timeout / 2) {
      FreeLink(n->link);
    }
    if (n->link && n->ping_sent == 0 && now_ - n->pong_received > timeout / 2) {
      SendPing(n->link, kMsgPing);
      continue;
    }
    if (PingManualFailoverReplica(n)) continue;
    if (n->ping_sent == 0) continue;
    int64_t node_delay = std::min(ping_delay, data_delay);
    if (node_delay > timeout && !(n->flags & (kNodePfail | kNodeFail))) {
      LOG_DEBUG("*** NODE {} possibly failing", n->name);
      n->flags |= kNodePfail;
      update = true;
      new_pfail.push_back(n);
    }
  }
  if (!new_pfail.empty()) {
    // Spread the news now instead of in the next random ping (about once a
    // second): every ping's gossip carries the PFAIL nodes, so the masters
    // reach the FAIL quorum within a round trip of each other's detection.
    // Reports that arrived before this node's own detection count at once.
    pfail_nodes_ += int(new_pfail.size());
    for (NodeInfo* n : new_pfail) MarkNodeAsFailingIfNeeded(n);
    for (NodeInfo* peer : all) {
      if (!peer->link || !peer->IsMaster() || (peer->flags & (kNodeMyself | kNodeHandshake)) ||
          peer->IsPfail() || peer->IsFailed())
        continue;
      int64_t outstanding = peer->ping_sent;  // keep the peer's own failure clock
      SendPing(peer->link, kMsgPing);
      if (outstanding) peer->ping_sent = outstanding;
    }
  }
  FailoverCron();
  if (update || !state_ok_) UpdateState();
}

}  // namespace node::cluster
