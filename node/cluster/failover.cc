// node/cluster/failover.cc
//
// ClusterState's failover logic (reference/cluster-bus.md §11): the replica
// election (rank, delayed FAILOVER_AUTH_REQUEST, counting ACKs, replacing the
// master), the master's vote, manual failover (CLUSTER FAILOVER default /
// FORCE / TAKEOVER, MFSTART, paused writes) and replica migration to orphaned
// masters. Driven by Tick (cron), OnPacket (AUTH_REQUEST / AUTH_ACK /
// MFSTART and the PAUSED header flag) and the Failover() command; deferred
// work ("before sleep" in Redis) runs at the end of each input. Engine thread
// only.
//
// Invariants:
//  - a master grants at most one vote per currentEpoch (last_vote_epoch_,
//    saved with fsync before the ACK is sent) and at most one per failed
//    master every 2 x node_timeout;
//  - mf_replica_ != nullptr only while I am a master with mf_end_ != 0, and
//    exactly then writes are paused through hooks_.pause_writes.

#include <algorithm>

#include "node/base/log.h"
#include "node/cluster/cluster_state.h"

namespace node::cluster {

namespace {

constexpr int64_t kManualFailoverTimeoutMs = 5000;  // CLUSTER_MF_TIMEOUT
constexpr int64_t kReplicaMigrationDelayMs = 5000;  // CLUSTER_SLAVE_MIGRATION_DELAY
constexpr int64_t kCantFailoverRelogMs = 300 * 1000;

constexpr std::string_view kReasonDataAge =
    "Disconnected from master for longer than allowed. Please check the "
    "'cluster-replica-validity-factor' configuration option.";
constexpr std::string_view kReasonWaitingDelay =
    "Waiting for the delay before I can start a new failover.";
constexpr std::string_view kReasonExpired = "Failover attempt expired.";
constexpr std::string_view kReasonWaitingVotes =
    "Waiting for votes, but majority still not reached.";

base::Status Err(std::string msg) { return base::Status::Error("ERR " + std::move(msg)); }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// clusterCountNonFailingSlaves: replicas not in FAIL (PFAIL still counts).
int CountNonFailingReplicas(const NodeInfo* n) {
  int ok = 0;
  for (const NodeInfo* r : n->replicas) {
    if (!r->IsFailed()) ok++;
  }
  return ok;
}

}  // namespace

// --- Small helpers --------------------------------------------------------------------

uint64_t ClusterState::MyReplOffset() const {
  return hooks_.repl_offset ? hooks_.repl_offset() : 0;
}

void ClusterState::SetTunables(const Options& o) {
  opts_.node_timeout_ms = o.node_timeout_ms;
  opts_.require_full_coverage = o.require_full_coverage;
  opts_.allow_replica_migration = o.allow_replica_migration;
  opts_.replica_validity_factor = o.replica_validity_factor;
  opts_.repl_ping_replica_period_s = o.repl_ping_replica_period_s;
  opts_.migration_barrier = o.migration_barrier;
  opts_.replica_no_failover = o.replica_no_failover;
}

void ClusterState::SetAnnounced(const Options& o) {
  bool ip_changed = o.announce_ip != opts_.announce_ip;
  opts_.announce_ip = o.announce_ip;
  opts_.port = o.port;
  opts_.pport = o.pport;
  opts_.bus_port = o.bus_port;
  opts_.announce_hostname = o.announce_hostname;
  if (ip_changed) myself_->ip = o.announce_ip;  // "" = learn it from the next MEET/PING
  myself_->port = o.port;
  myself_->pport = o.pport;
  myself_->cport = o.bus_port;
  myself_->hostname = o.announce_hostname;
  RequestSave(false);
}

base::Result<ClusterState::FailoverMode> ClusterState::ParseFailoverMode(std::string_view arg) {
  if (arg.empty()) return FailoverMode::kDefault;
  if (IEquals(arg, "force")) return FailoverMode::kForce;
  if (IEquals(arg, "takeover")) return FailoverMode::kTakeover;
  return base::Result<FailoverMode>(Err("syntax error"));
}

// clusterGetSlaveRank: other failover-capable replicas of my master that
// processed more of the stream than I did.
int ClusterState::ReplicaRank() const {
  const NodeInfo* master = myself_->master;
  if (!myself_->IsReplica() || !master) return 0;
  uint64_t my_offset = MyReplOffset();
  int rank = 0;
  for (const NodeInfo* r : master->replicas) {
    if (r != myself_ && !(r->flags & kNodeNoFailover) && r->repl_offset > my_offset) rank++;
  }
  return rank;
}

// clusterBroadcastPong(CLUSTER_BROADCAST_LOCAL_SLAVES): the replicas of my
// master (or mine) learn my offset, so they can compute their rank.
void ClusterState::BroadcastPongToLocalReplicas() {
  std::vector<LinkId> targets;
  for (auto& [name, n] : nodes_) {
    if (!n->link || n.get() == myself_ || n->InHandshake()) continue;
    bool local =
        n->IsReplica() && n->master && (n->master == myself_ || n->master == myself_->master);
    if (local) targets.push_back(n->link);
  }
  for (LinkId id : targets) SendPing(id, kMsgPong);
}

// clusterLogCantFailover: log a stalled replica, not one still in the normal
// election delay right after its master failed.
void ClusterState::LogCantFailover(std::string_view reason) {
  bool same = cant_failover_reason_ == reason;
  cant_failover_reason_ = std::string(reason);
  if (same && now_ - cant_failover_logged_ < kCantFailoverRelogMs) return;
  const NodeInfo* m = myself_->master;
  if (m && m->IsFailed() && now_ - m->fail_time < opts_.node_timeout_ms + 5000) return;
  cant_failover_logged_ = now_;
  LOG_INFO("Currently unable to failover: {}", reason);
}

// --- Packets --------------------------------------------------------------------------

// §5 step 4: a replica doing a manual failover records the offset its paused
// master announced.
void ClusterState::ProcessFailoverHeader(NodeInfo* sender, const Header& h) {
  if (mf_end_ && myself_->IsReplica() && myself_->master == sender &&
      (h.mflags[0] & kMsgFlagPaused) && mf_master_offset_ == -1) {
    mf_master_offset_ = int64_t(sender->repl_offset);
    todo_manual_failover_ = true;
    LOG_INFO("Received replication offset for paused master manual failover: {}",
             mf_master_offset_);
  }
}

// clusterSendFailoverAuthIfNeeded (§11.2)
void ClusterState::ProcessAuthRequest(NodeInfo* node, const Header& h) {
  if (myself_->IsReplica() || myself_->num_slots == 0) return;
  const bool force_ack = h.mflags[0] & kMsgFlagForceAck;
  if (h.current_epoch < current_epoch_) {
    LOG_INFO("Failover auth denied to {}: reqEpoch ({}) < curEpoch({})", node->name,
             h.current_epoch, current_epoch_);
    return;
  }
  if (last_vote_epoch_ == current_epoch_) {
    LOG_INFO("Failover auth denied to {}: already voted for epoch {}", node->name, current_epoch_);
    return;
  }
  if (config_save_failed_) {
    // A vote must be on disk before it leaves (Redis exits instead).
    LOG_WARN("Failover auth denied to {}: can't save the cluster config file", node->name);
    return;
  }
  NodeInfo* master = node->master;
  if (node->IsMaster() || !master || (!master->IsFailed() && !force_ack)) {
    if (node->IsMaster()) {
      LOG_INFO("Failover auth denied to {}: it is a master node", node->name);
    } else if (!master) {
      LOG_INFO("Failover auth denied to {}: I don't know its master", node->name);
    } else {
      LOG_INFO("Failover auth denied to {}: its master is up", node->name);
    }
    return;
  }
  // One replica of a given master per 2 x node_timeout: the others learn the
  // winner in the meantime and do not need to compete.
  if (now_ - master->voted_time < opts_.node_timeout_ms * 2) {
    LOG_INFO("Failover auth denied to {}: can't vote about this master before {} milliseconds",
             node->name, opts_.node_timeout_ms * 2 - (now_ - master->voted_time));
    return;
  }
  // The replica must not claim slots served by a newer configuration.
  for (int j = 0; j < kSlots; j++) {
    if (!TestSlot(h.myslots, j)) continue;
    const NodeInfo* owner = slots_[j];
    if (!owner || owner->config_epoch <= h.config_epoch) continue;
    LOG_INFO("Failover auth denied to {}: slot {} epoch ({}) > reqEpoch ({})", node->name, j,
             owner->config_epoch, h.config_epoch);
    return;
  }
  last_vote_epoch_ = current_epoch_;
  master->voted_time = now_;
  RequestSave(true);
  failover_stats_.votes_granted++;
  if (node->link) Send(node->link, kMsgAuthAck, Encode(BuildHeader(kMsgAuthAck)));
  LOG_INFO("Failover auth granted to {} for epoch {}", node->name, current_epoch_);
}

void ClusterState::ProcessAuthAck(NodeInfo* sender, const Header& h) {
  // Only masters serving slots vote, and only for the current election.
  if (sender->IsMaster() && sender->num_slots > 0 && h.current_epoch >= failover_auth_epoch_) {
    failover_auth_count_++;
    todo_failover_ = true;
  }
}

// The master side of a manual failover (§11.4 step 2).
void ClusterState::ProcessMfStart(Link& link, NodeInfo* sender) {
  if (sender->master != myself_ || !myself_->IsMaster()) return;
  ResetManualFailover();
  mf_end_ = now_ + kManualFailoverTimeoutMs;
  mf_replica_ = sender;
  if (hooks_.pause_writes) hooks_.pause_writes(true);
  LOG_INFO("Manual failover requested by replica {}.", sender->name);
  // The PING carries PAUSED and my final offset, so the replica can start.
  SendPing(link.id, kMsgPing);
}

// --- Manual failover --------------------------------------------------------------------

void ClusterState::ResetManualFailover() {
  if (mf_replica_ && hooks_.pause_writes) hooks_.pause_writes(false);
  mf_end_ = 0;
  mf_can_start_ = false;
  mf_replica_ = nullptr;
  mf_master_offset_ = -1;
}

void ClusterState::ManualFailoverCheckTimeout() {
  if (mf_end_ && mf_end_ < now_) {
    LOG_INFO("Manual failover timed out.");
    failover_stats_.manual_failovers_timed_out++;
    ResetManualFailover();
  }
}

// clusterHandleManualFailover: the replica may start once it processed the
// whole stream up to the paused master's offset.
void ClusterState::HandleManualFailover() {
  if (!mf_end_ || mf_can_start_ || mf_master_offset_ == -1) return;
  if (uint64_t(mf_master_offset_) == MyReplOffset()) {
    mf_can_start_ = true;
    todo_failover_ = true;
    LOG_INFO("All master replication stream processed, manual failover can start.");
  }
}

bool ClusterState::PingManualFailoverReplica(NodeInfo* n) {
  if (!mf_end_ || !myself_->IsMaster() || mf_replica_ != n || !n->link) return false;
  SendPing(n->link, kMsgPing);
  return true;
}

base::Status ClusterState::Failover(FailoverMode mode) {
  if (myself_->IsMaster()) return Err("You should send CLUSTER FAILOVER to a replica");
  NodeInfo* master = myself_->master;
  if (!master) return Err("I'm a replica but my master is unknown to me");
  if (mode == FailoverMode::kDefault && (master->IsFailed() || !master->link))
    return Err("Master is down or failed, please use CLUSTER FAILOVER FORCE");
  ResetManualFailover();
  mf_end_ = now_ + kManualFailoverTimeoutMs;
  failover_stats_.manual_failovers++;
  switch (mode) {
    case FailoverMode::kTakeover:
      // No election: a new configEpoch of my own, then take the slots.
      LOG_INFO("Taking over the master (user request).");
      BumpEpochWithoutConsensus();
      FailoverReplaceMyMaster();
      break;
    case FailoverMode::kForce:
      LOG_INFO("Forced failover user request accepted.");
      mf_can_start_ = true;
      break;
    case FailoverMode::kDefault:
      LOG_INFO("Manual failover user request accepted.");
      Send(master->link, kMsgMfStart, Encode(BuildHeader(kMsgMfStart)));
      break;
  }
  return base::Status::Ok();
}

// --- Election (replica side, §11.1) ---------------------------------------------------

// clusterFailoverReplaceYourMaster (§11.3)
void ClusterState::FailoverReplaceMyMaster() {
  NodeInfo* old_master = myself_->master;
  if (myself_->IsMaster() || !old_master) return;
  SetNodeAsMaster(myself_);
  if (hooks_.on_master_changed) hooks_.on_master_changed(nullptr);
  for (int j = 0; j < kSlots; j++) {
    if (TestSlot(old_master->slots, j)) {
      DelSlot(j);
      AddSlot(myself_, j);
    }
  }
  failover_stats_.failovers_won++;
  UpdateState();
  RequestSave(true);
  BroadcastPong();
  ResetManualFailover();
}

// clusterHandleSlaveFailover
void ClusterState::HandleReplicaFailover() {
  todo_failover_ = false;
  const int64_t timeout = opts_.node_timeout_ms;
  const int64_t auth_age = now_ - failover_auth_time_;
  const int needed_quorum = size_ / 2 + 1;
  const bool manual = mf_end_ != 0 && mf_can_start_;
  const int64_t auth_timeout = std::max<int64_t>(timeout * 2, 2000);
  const int64_t auth_retry_time = auth_timeout * 2;

  NodeInfo* master = myself_->master;
  if (myself_->IsMaster() || !master || (!master->IsFailed() && !manual) ||
      (opts_.replica_no_failover && !manual) || master->num_slots == 0) {
    cant_failover_reason_.clear();
    return;
  }

  // Data age: too old a copy must not win (unless the operator insists).
  int64_t data_age = hooks_.repl_data_age_ms ? hooks_.repl_data_age_ms() : 0;
  if (data_age > timeout) data_age -= timeout;
  if (opts_.replica_validity_factor && data_age > int64_t(opts_.repl_ping_replica_period_s) * 1000 +
                                                      timeout * opts_.replica_validity_factor) {
    if (!manual) {
      LogCantFailover(kReasonDataAge);
      return;
    }
  }

  // The previous attempt is old enough: schedule a new one.
  if (auth_age > auth_retry_time) {
    failover_auth_time_ = now_ + 500 + int64_t(rng_() % 500);
    failover_auth_count_ = 0;
    failover_auth_sent_ = false;
    failover_auth_rank_ = ReplicaRank();
    failover_auth_time_ += failover_auth_rank_ * 1000;
    if (mf_end_) {
      failover_auth_time_ = now_;
      failover_auth_rank_ = 0;
      todo_failover_ = true;
    }
    LOG_INFO("Start of election delayed for {} milliseconds (rank #{}, offset {}).",
             failover_auth_time_ - now_, failover_auth_rank_, MyReplOffset());
    BroadcastPongToLocalReplicas();
    return;
  }

  // Other replicas got ahead of me meanwhile: wait longer.
  if (!failover_auth_sent_ && !mf_end_) {
    int new_rank = ReplicaRank();
    if (new_rank > failover_auth_rank_) {
      int64_t added = int64_t(new_rank - failover_auth_rank_) * 1000;
      failover_auth_time_ += added;
      failover_auth_rank_ = new_rank;
      LOG_INFO("Replica rank updated to #{}, added {} milliseconds of delay.", new_rank, added);
    }
  }

  if (now_ < failover_auth_time_) {
    LogCantFailover(kReasonWaitingDelay);
    return;
  }
  if (auth_age > auth_timeout) {
    LogCantFailover(kReasonExpired);
    return;
  }

  if (!failover_auth_sent_) {
    current_epoch_++;
    failover_auth_epoch_ = current_epoch_;
    LOG_INFO("Starting a failover election for epoch {}.", current_epoch_);
    Message m = BuildHeader(kMsgAuthRequest);
    if (mf_end_) m.hdr.mflags[0] |= kMsgFlagForceAck;
    Broadcast(m);
    failover_auth_sent_ = true;
    failover_stats_.elections_started++;
    RequestSave(true);
    UpdateState();
    return;
  }

  if (failover_auth_count_ >= needed_quorum) {
    LOG_INFO("Failover election won: I'm the new master.");
    if (myself_->config_epoch < failover_auth_epoch_) {
      myself_->config_epoch = failover_auth_epoch_;
      LOG_INFO("configEpoch set to {} after successful failover", myself_->config_epoch);
    }
    FailoverReplaceMyMaster();
  } else {
    LogCantFailover(kReasonWaitingVotes);
  }
}

// clusterBeforeSleep's failover part.
void ClusterState::RunDeferredFailover() {
  if (todo_manual_failover_) {
    todo_manual_failover_ = false;
    if (myself_->IsReplica()) {
      bool failover_flagged = todo_failover_;
      HandleManualFailover();
      if (!failover_flagged) HandleReplicaFailover();
    }
  }
  // A flagged step may flag the next one (schedule -> send, ack -> win).
  for (int i = 0; i < 3 && todo_failover_; i++) HandleReplicaFailover();
}

// --- Replica migration (§11.5) ----------------------------------------------------------

// clusterHandleSlaveMigration
void ClusterState::HandleReplicaMigration(int max_replicas) {
  if (!state_ok_) return;
  NodeInfo* my_master = myself_->master;
  if (!my_master) return;
  int ok_replicas = 0;
  for (const NodeInfo* r : my_master->replicas) {
    if (!r->IsFailed() && !r->IsPfail()) ok_replicas++;
  }
  if (ok_replicas <= opts_.migration_barrier) return;

  // Among the replicas of the best-served masters, the smallest ID moves.
  const NodeInfo* candidate = myself_;
  NodeInfo* target = nullptr;
  for (auto& [name, up] : nodes_) {
    NodeInfo* n = up.get();
    int ok = 0;
    bool orphaned = n->IsMaster() && !n->IsFailed() && (n->flags & kNodeMigrateTo);
    if (n->IsMaster()) ok = CountNonFailingReplicas(n);
    if (ok > 0) orphaned = false;
    if (orphaned) {
      if (!target && n->num_slots > 0) target = n;
      if (!n->orphaned_time) n->orphaned_time = now_;
    } else {
      n->orphaned_time = 0;
    }
    if (ok == max_replicas) {
      for (const NodeInfo* r : n->replicas) {
        if (r->name < candidate->name) candidate = r;
      }
    }
  }
  if (target && candidate == myself_ && now_ - target->orphaned_time > kReplicaMigrationDelayMs) {
    LOG_INFO("Migrating to orphaned master {}", target->name);
    failover_stats_.replica_migrations++;
    SetMaster(target);
  }
}

// --- Cron -----------------------------------------------------------------------------------

// The failover part of clusterCron (§12 steps 4 and 6).
void ClusterState::FailoverCron() {
  // clusterUpdateMyselfFlags
  uint16_t old_flags = myself_->flags;
  myself_->flags = uint16_t((myself_->flags & ~kNodeNoFailover) |
                            (opts_.replica_no_failover ? kNodeNoFailover : 0));
  if (old_flags != myself_->flags) RequestSave(false);

  ManualFailoverCheckTimeout();
  if (!myself_->IsReplica()) return;

  int orphaned_masters = 0;
  int max_replicas = 0;
  int my_master_replicas = 0;
  for (auto& [name, up] : nodes_) {
    const NodeInfo* n = up.get();
    if (n->flags & (kNodeMyself | kNodeNoAddr | kNodeHandshake)) continue;
    if (!n->IsMaster() || n->IsFailed()) continue;
    int ok = CountNonFailingReplicas(n);
    // Orphaned: serves slots, has no working replica, but used to have one
    // (or took over from a master that had replicas).
    if (ok == 0 && n->num_slots > 0 && (n->flags & kNodeMigrateTo)) orphaned_masters++;
    max_replicas = std::max(max_replicas, ok);
    if (myself_->master == n) my_master_replicas = ok;
  }

  HandleManualFailover();
  HandleReplicaFailover();
  RunDeferredFailover();
  if (myself_->IsReplica() && orphaned_masters && max_replicas >= 2 &&
      my_master_replicas == max_replicas && opts_.allow_replica_migration) {
    HandleReplicaMigration(max_replicas);
  }
}

}  // namespace node::cluster
