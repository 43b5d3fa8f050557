// node/cluster/cluster_state.h
//
// One node's view of the cluster, as a sans-I/O state machine: the node
// table, slot map, epochs, failure detection and the cluster bus protocol of
// Redis 7.0 (reference/cluster-bus.md). No sockets and no clocks inside:
//
//   inputs   OnInboundLink / OnOutboundConnected / OnLinkClosed / OnPacket /
//            Tick (every 100 ms, clusterCron) and the CLUSTER command
//            methods, each with the current unix time in ms (`now_ms`; the
//            commands use the time of the last input);
//   outputs  Actions queued inside and drained with TakeActions(): connect a
//            new outbound link, send bytes on a link, close a link, save
//            nodes.conf, report a cluster state change; plus the Hooks
//            (publish delivery, replication, key counts) called synchronously.
//
// Failover (replica elections, manual failover, replica migration; §11 of
// cluster-bus.md) lives in failover.cc and is driven by the same inputs.
//
// Threading: everything runs on the engine thread; no locks.
//
// Link protocol with the I/O layer:
//  - ClusterState allocates every LinkId. Inbound: the acceptor calls
//    OnInboundLink(peer_ip, local_ip) and keeps the returned id. Outbound:
//    a kConnect action carries a fresh id; the I/O layer connects to
//    ip:bus_port and calls OnOutboundConnected(id), or OnLinkClosed(id) on
//    failure. kSend may target a link whose connect is still in progress: the
//    I/O layer must queue the bytes until connected (Redis does the same).
//  - Any read/write error or EOF: OnLinkClosed(id). kClose: the I/O layer
//    closes the socket and must not call OnLinkClosed for it afterwards
//    (calling it anyway is harmless: unknown ids are ignored).
//  - Bytes are framed with PacketLength() (bus_message.h); a framing error
//    means close the link and call OnLinkClosed.
//
// Invariants:
//  - exactly one node has the MYSELF flag and it is myself();
//  - slot_owner(j) == n  <=>  TestSlot(n->slots, j);
//  - a replica's `master` lists it in `replicas`;
//  - every LinkId stored in a node exists in links_ and points back to it.

#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/base/result.h"
#include "node/cluster/bus_message.h"
#include "node/cluster/nodes_conf.h"

namespace node::cluster {

using LinkId = uint64_t;

struct Action {
  enum Kind { kConnect, kSend, kClose, kSaveConfig, kStateChanged };
  Kind kind = kSend;
  LinkId link = 0;
  std::string ip;         // kConnect: where to connect
  int bus_port = 0;       // kConnect
  std::string bytes;      // kSend: one packet; kSaveConfig: the nodes.conf text
  bool fsync = false;     // kSaveConfig: Redis would fsync this save
  bool state_ok = false;  // kStateChanged: the new state
};

struct NodeInfo;

struct FailReport {
  NodeInfo* reporter = nullptr;  // always a master
  int64_t time_ms = 0;
};

// One entry of the node table (clusterNode).
struct NodeInfo {
  std::string name;  // 40 bytes
  uint16_t flags = 0;
  int64_t ctime = 0;
  uint64_t config_epoch = 0;
  SlotBitmap slots{};
  int num_slots = 0;
  NodeInfo* master = nullptr;  // replicas: their master if known
  std::vector<NodeInfo*> replicas;
  int64_t ping_sent = 0;
  int64_t pong_received = 0;
  int64_t data_received = 0;
  int64_t fail_time = 0;
  int64_t voted_time = 0;
  int64_t repl_offset_time = 0;
  int64_t orphaned_time = 0;
  uint64_t repl_offset = 0;
  std::string ip;
  int port = 0;
  int cport = 0;
  int pport = 0;
  std::string hostname;
  LinkId link = 0;          // outbound link, 0 = none
  LinkId inbound_link = 0;  // inbound link, 0 = none
  std::vector<FailReport> fail_reports;

  bool IsMaster() const { return flags & kNodeMaster; }
  bool IsReplica() const { return flags & kNodeSlave; }
  bool InHandshake() const { return flags & kNodeHandshake; }
  bool IsFailed() const { return flags & kNodeFail; }
  bool IsPfail() const { return flags & kNodePfail; }
};

// Slot-level view for SLOTS/SHARDS/routing.
struct SlotRange {
  int start = 0;
  int end = 0;
  const NodeInfo* owner = nullptr;
};

class ClusterState {
 public:
  struct Options {
    std::string announce_ip;  // cluster-announce-ip; "" = learn it from MEETs
    int port = 6379;          // announced client port
    int bus_port = 0;         // announced bus port; 0 = port + 10000
    int pport = 0;            // plaintext port when the main port is TLS
    std::string announce_hostname;
    int64_t node_timeout_ms = 15000;
    bool require_full_coverage = true;
    bool allow_replica_migration = true;
    uint64_t seed = 0;  // RNG seed (node IDs, gossip sampling); 0 = random
    // Failover tunables (§11); SetTunables() changes them at runtime.
    int replica_validity_factor = 10;     // cluster-replica-validity-factor; 0 = any data age
    int repl_ping_replica_period_s = 10;  // repl-ping-replica-period
    int migration_barrier = 1;            // cluster-migration-barrier
    bool replica_no_failover = false;     // cluster-replica-no-failover
  };

  // CLUSTER FAILOVER [FORCE|TAKEOVER].
  enum class FailoverMode { kDefault, kForce, kTakeover };

  // Counters for /metrics (monotonic since start).
  struct FailoverStats {
    uint64_t elections_started = 0;  // FAILOVER_AUTH_REQUESTs broadcast by me
    uint64_t failovers_won = 0;      // I replaced my master (election or TAKEOVER)
    uint64_t votes_granted = 0;      // FAILOVER_AUTH_ACKs I sent as a master
    uint64_t manual_failovers = 0;   // CLUSTER FAILOVER requests accepted
    uint64_t manual_failovers_timed_out = 0;
    uint64_t replica_migrations = 0;  // I migrated to an orphaned master
  };

  // Synchronous callbacks into other rooms; all optional.
  struct Hooks {
    // PUBLISH (shard=false) / PUBLISHSHARD (shard=true) received from a peer.
    std::function<void(bool shard, std::string_view channel, std::string_view message)> on_publish;
    // Replication offset sent in headers: master_repl_offset on a master,
    // processed offset on a replica.
    std::function<uint64_t()> repl_offset;
    // My master changed: replicate from `master`, or nullptr = I am a master now.
    std::function<void(const NodeInfo* master)> on_master_changed;
    // Keys in one slot / in the whole keyspace (guards of SETSLOT, REPLICATE...).
    std::function<uint64_t(int slot)> count_keys_in_slot;
    std::function<uint64_t()> key_count;
    // Delete the keys of a slot that another master took over.
    std::function<void(int slot)> delete_keys_in_slot;
    // A slot that this node's shard served lost its owner assignment
    // (clusterDelSlot): its shard channels are dropped.
    std::function<void(int slot)> slot_left_my_shard;
    // CLUSTER RESET on a replica flushes everything.
    std::function<void()> flush_all;
    // master_repl_offset, sent in headers while I am a master (and frozen
    // while writes are paused for a manual failover). Unset: repl_offset.
    std::function<uint64_t()> master_repl_offset;
    // Manual failover on a master: pause (true) / resume (false) client
    // writes. While paused the replication layer must not feed its periodic
    // PING into the stream, so the replica can reach the exact offset.
    std::function<void(bool paused)> pause_writes;
    // Replica only: ms since the last interaction with the master while the
    // replication link is up, else ms since the link went down (a replica
    // that never connected has an "infinite" age). Unset: 0 (always fresh).
    std::function<int64_t()> repl_data_age_ms;
  };

  ClusterState(Options opts, std::string node_id_or_empty, int64_t now_ms);
  ~ClusterState();
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  Hooks& hooks() { return hooks_; }

  // --- nodes.conf ----------------------------------------------------------
  // Replaces the whole table with the file's content (empty text = keep the
  // fresh node). Myself keeps the ports from Options.
  base::Status LoadConfig(std::string_view text);
  std::string SaveConfigText() const;

  // --- I/O layer callbacks -------------------------------------------------
  LinkId OnInboundLink(std::string_view peer_ip, std::string_view local_ip);
  void OnOutboundConnected(LinkId link);
  void OnLinkClosed(LinkId link);
  void OnPacket(LinkId link, std::string_view packet, int64_t now_ms);
  void Tick(int64_t now_ms);  // every 100 ms
  std::vector<Action> TakeActions();
  // Advances the clock commands use (the last input's time otherwise).
  void SetNow(int64_t now_ms) { now_ = now_ms; }

  // --- CLUSTER commands (errors are RESP error texts, "ERR ...") ----------
  base::Status Meet(std::string_view ip, int port, int bus_port);
  base::Status AddSlots(const std::vector<int>& slots);
  base::Status DelSlots(const std::vector<int>& slots);
  base::Status SetSlotMigrating(int slot, std::string_view node_id);
  base::Status SetSlotImporting(int slot, std::string_view node_id);
  base::Status SetSlotStable(int slot);
  base::Status SetSlotNode(int slot, std::string_view node_id);
  base::Status FlushSlots();
  base::Status Forget(std::string_view node_id);
  base::Status Replicate(std::string_view master_id);
  base::Result<std::string> BumpEpoch();  // "BUMPED <n>" / "STILL <n>"
  base::Status SetConfigEpoch(int64_t epoch);
  base::Status Reset(bool hard);
  base::Result<int64_t> CountFailureReports(std::string_view node_id);
  // CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica (failover.cc). +OK at
  // once; the failover proceeds in Tick/OnPacket.
  base::Status Failover(FailoverMode mode);
  // "" -> kDefault, FORCE / TAKEOVER (any case); else "ERR syntax error".
  static base::Result<FailoverMode> ParseFailoverMode(std::string_view arg);
  // Runtime CONFIG SET of node_timeout_ms, require_full_coverage,
  // allow_replica_migration and the failover tunables (ports/ids ignored).
  void SetTunables(const Options& o);
  // CONFIG SET of port, tls-port or cluster-announce-*: my announced address,
  // ports and hostname change at once (CLUSTER NODES, the next gossip), as
  // Redis 7.0's clusterUpdateMyself{Ip,AnnouncedPorts,Hostname}. Clearing
  // announce_ip makes me learn my address from peers again.
  void SetAnnounced(const Options& o);
  // Replies of CLUSTER REPLICAS: one NODES line per replica, no newline.
  base::Result<std::vector<std::string>> ReplicaLines(std::string_view node_id) const;
  // PUBLISH / SPUBLISH fan-out to the other nodes.
  void Publish(std::string_view channel, std::string_view message, bool shard);

  // --- Views ---------------------------------------------------------------
  std::string NodesText() const;  // CLUSTER NODES
  std::string InfoText() const;   // CLUSTER INFO
  std::string NodeLineText(const NodeInfo& n) const;
  std::vector<SlotRange> SlotRanges() const;  // maximal runs with one owner
  std::vector<const NodeInfo*> Nodes() const;
  // CLUSTER LINKS: every link bound to a known node (outbound "to", inbound
  // "from"), with its creation time.
  struct LinkView {
    LinkId id = 0;
    bool inbound = false;
    std::string node;  // 40-char id
    int64_t ctime_ms = 0;
  };
  std::vector<LinkView> Links() const;
  const NodeInfo* Lookup(std::string_view id) const;
  const NodeInfo* SlotOwner(int slot) const { return slots_[slot]; }
  const NodeInfo* MigratingTo(int slot) const { return migrating_to_[slot]; }
  const NodeInfo* ImportingFrom(int slot) const { return importing_from_[slot]; }
  bool IsMyself(const NodeInfo* n) const { return n == myself_; }
  const NodeInfo& myself() const { return *myself_; }
  std::string_view MyId() const { return myself_->name; }
  bool StateOk() const { return state_ok_; }
  uint64_t current_epoch() const { return current_epoch_; }
  uint64_t last_vote_epoch() const { return last_vote_epoch_; }

  // The I/O layer's verdict on the last nodes.conf save (a full disk where
  // even the in-place rewrite failed). While the file lags behind memory the
  // node grants no failover votes: a restart would forget lastVoteEpoch and
  // could vote twice in one epoch (two winners, two owners of a slot). Tick
  // asks for the save again once a second until it succeeds.
  void SetConfigSaveFailed(bool failed) { config_save_failed_ = failed; }
  bool config_save_failed() const { return config_save_failed_; }
  int cluster_size() const { return size_; }
  uint64_t MessagesSent(int type) const { return stats_sent_[type]; }
  uint64_t MessagesReceived(int type) const { return stats_received_[type]; }
  const FailoverStats& failover_stats() const { return failover_stats_; }
  // A manual failover is running (replica: requested; master: writes paused).
  bool ManualFailoverInProgress() const { return mf_end_ != 0; }
  // Why the last election attempt could not proceed ("" = none).
  std::string_view CantFailoverReason() const { return cant_failover_reason_; }
  // Epoch of my last FAILOVER_AUTH_REQUEST (0 = never).
  uint64_t failover_auth_epoch() const { return failover_auth_epoch_; }

 private:
  struct Link {
    LinkId id = 0;
    bool inbound = false;
    NodeInfo* node = nullptr;
    int64_t ctime = 0;
    std::string peer_ip;
    std::string local_ip;
  };

  // Node table (cluster_state.cc).
  NodeInfo* Find(std::string_view id) const;
  NodeInfo* CreateNode(std::string name, uint16_t flags);
  void DelNode(NodeInfo* n);
  void RenameNode(NodeInfo* n, std::string_view new_name);
  std::string RandomName();
  void AddSlot(NodeInfo* n, int slot);
  void DelSlot(int slot);
  void DelNodeSlots(NodeInfo* n);
  void CloseAllSlots();
  void SetNodeAsMaster(NodeInfo* n);
  void SetMaster(NodeInfo* n);
  void AddReplica(NodeInfo* master, NodeInfo* r);
  void RemoveReplica(NodeInfo* master, NodeInfo* r);
  uint64_t MyMasterConfigEpoch() const;
  bool BumpEpochWithoutConsensus();
  void UpdateState();
  void RequestSave(bool fsync);
  NodeLine MakeNodeLine(const NodeInfo& n) const;
  bool Blacklisted(std::string_view id);
  uint64_t KeysInSlot(int slot) const;

  // Links and sending (cluster_bus.cc).
  void FreeLink(LinkId id);
  void BindInboundLink(NodeInfo* n, Link& link);
  void Send(LinkId id, uint16_t type, std::string bytes);
  Message BuildHeader(uint16_t type) const;
  void SendPing(LinkId id, uint16_t type);
  void Broadcast(const Message& msg);
  void BroadcastPong();
  void SendFail(const NodeInfo& failing);
  void SendUpdate(LinkId id, const NodeInfo& n);

  // Protocol (cluster_bus.cc).
  void ProcessMessage(Link& link, const Message& msg);
  void ProcessPingFamily(Link& link, const Message& msg, NodeInfo* sender);
  void ProcessGossip(const Message& msg, NodeInfo* sender);
  void ProcessPingExt(const Message& msg, NodeInfo* sender);
  bool UpdateAddressIfNeeded(NodeInfo* n, const Link& link, const Header& h);
  void UpdateSlotsConfigWith(NodeInfo* sender, uint64_t epoch, const SlotBitmap& slots);
  void HandleEpochCollision(NodeInfo* sender);
  bool AddFailureReport(NodeInfo* failing, NodeInfo* reporter);
  bool DelFailureReport(NodeInfo* failing, NodeInfo* reporter);
  int CountValidFailureReports(NodeInfo* n);
  void MarkNodeAsFailingIfNeeded(NodeInfo* n);
  void ClearNodeFailureIfNeeded(NodeInfo* n);

  // Failover (failover.cc).
  void ProcessFailoverHeader(NodeInfo* sender, const Header& h);
  void ProcessAuthRequest(NodeInfo* sender, const Header& h);
  void ProcessAuthAck(NodeInfo* sender, const Header& h);
  void ProcessMfStart(Link& link, NodeInfo* sender);
  void FailoverCron();
  bool PingManualFailoverReplica(NodeInfo* n);
  void RunDeferredFailover();
  void HandleManualFailover();
  void HandleReplicaFailover();
  void HandleReplicaMigration(int max_replicas);
  void FailoverReplaceMyMaster();
  void ResetManualFailover();
  void ManualFailoverCheckTimeout();
  int ReplicaRank() const;
  uint64_t MyReplOffset() const;
  void BroadcastPongToLocalReplicas();
  void LogCantFailover(std::string_view reason);

  Options opts_;
  Hooks hooks_;
  std::mt19937_64 rng_;
  int64_t now_ = 0;

  std::map<std::string, std::unique_ptr<NodeInfo>, std::less<>> nodes_;
  NodeInfo* myself_ = nullptr;
  std::array<NodeInfo*, kSlots> slots_{};
  std::array<NodeInfo*, kSlots> migrating_to_{};
  std::array<NodeInfo*, kSlots> importing_from_{};
  SlotBitmap owner_not_claiming_{};
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  std::map<std::string, int64_t, std::less<>> blacklist_;  // id -> expiry

  bool state_ok_ = false;  // Redis starts in FAIL
  int size_ = 1;
  int64_t among_minority_time_ = 0;
  int64_t first_update_call_ = -1;
  int pfail_nodes_ = 0;
  uint64_t cron_iteration_ = 0;

  std::unordered_map<LinkId, Link> links_;
  LinkId next_link_id_ = 1;

  std::array<uint64_t, kMsgTypeCount> stats_sent_{};
  std::array<uint64_t, kMsgTypeCount> stats_received_{};

  // Election (replica side) and manual failover state (clusterState's
  // failover_auth_* and mf_* fields).
  int64_t failover_auth_time_ = 0;
  int failover_auth_count_ = 0;
  bool failover_auth_sent_ = false;
  int failover_auth_rank_ = 0;
  uint64_t failover_auth_epoch_ = 0;
  int64_t mf_end_ = 0;              // 0 = no manual failover
  NodeInfo* mf_replica_ = nullptr;  // master side: the requesting replica
  int64_t mf_master_offset_ = -1;   // replica side: master's paused offset
  bool mf_can_start_ = false;
  bool todo_failover_ = false;         // before-sleep: HANDLE_FAILOVER
  bool todo_manual_failover_ = false;  // before-sleep: HANDLE_MANUALFAILOVER
  std::string cant_failover_reason_;
  int64_t cant_failover_logged_ = 0;
  FailoverStats failover_stats_;

  std::vector<Action> actions_;
  bool save_pending_ = false;
  bool fsync_pending_ = false;
  bool config_save_failed_ = false;
  int64_t config_save_retry_ = 0;  // when Tick last asked to retry the save
};

}  // namespace node::cluster
