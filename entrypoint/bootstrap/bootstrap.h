// entrypoint/bootstrap/bootstrap.h
//
// Zero-touch cluster formation, growth and healing (DESIGN.md "Forming and
// healing"). A control-plane thread that, about once a second:
//
//  1. resolves the peers and asks each one (CLUSTER MYID / INFO / NODES)
//     whether it is fresh, part of an incomplete formation, or in a formed
//     cluster (all 16384 slots assigned);
//  2. fresh node + a formed cluster visible: MEET it through ourselves, then
//     become a replica of the master with the fewest replicas;
//  3. no formed cluster: once >= cluster_size participants (fresh nodes and
//     nodes of an interrupted formation) are visible, the one with the
//     lowest address coordinates: it claims every participant (SHOAL CLAIM,
//     so no other coordinator can act on them), then does what
//     redis-cli --cluster create does — slot ranges, config epochs, MEET,
//     REPLICATE — idempotently, so an interrupted run resumes to completion;
//  4. in a cluster: re-MEETs known node IDs found at new addresses (a full
//     restart with new IPs) and FORGETs nodes failed for longer than
//     forget_after whose slots are served elsewhere.
//
// It only ever talks RESP to nodes (itself included), never to engine state.

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "entrypoint/bootstrap/resp_client.h"

namespace entrypoint::bootstrap {

struct PeerAddr {
  std::string ip;
  int port = 0;
  bool operator<(const PeerAddr& o) const { return ip != o.ip ? ip < o.ip : port < o.port; }
  bool operator==(const PeerAddr& o) const { return ip == o.ip && port == o.port; }
  std::string str() const { return ip + ":" + std::to_string(port); }
};

struct Options {
  int cluster_size = 6;
  int replicas = 1;
  PeerAddr self;                  // how to reach this node locally
  Credentials auth;               // AUTH before commands (empty password: none)
  int64_t forget_after_s = 3600;  // shoal-forget-after
  int interval_ms = 1000;
  // A lone fresh node waits this long for others before joining a formed
  // cluster as a replica (replicas+1 fresh nodes together form a new shard).
  int join_grace_ms = 3000;
};

// One line of CLUSTER NODES.
struct NodeEntry {
  std::string id, ip, flags, master;
  int port = 0;
  bool connected = false;
  int slots = 0;
  std::vector<std::pair<int, int>> ranges;  // owned slot ranges
  bool is_master() const { return flags.find("master") != std::string::npos; }
  bool is_myself() const { return flags.find("myself") != std::string::npos; }
  bool failed() const;    // FAIL (not PFAIL)
  bool healthy() const {  // neither FAIL nor PFAIL, not in handshake
    return !failed() && flags.find("fail?") == std::string::npos && !handshake();
  }
  bool handshake() const { return flags.find("handshake") != std::string::npos; }
};
std::vector<NodeEntry> ParseClusterNodes(const std::string& text);

// What one peer said about itself.
struct PeerView {
  PeerAddr addr;
  std::string id;
  int known_nodes = 0;
  int slots_assigned = 0;
  bool state_ok = false;
  std::vector<NodeEntry> nodes;
  bool fresh() const { return known_nodes <= 1 && slots_assigned == 0; }
  bool formed() const { return slots_assigned == 16384; }
};

// The formation plan for a sorted participant list (exposed for tests).
struct Plan {
  struct Master {
    PeerAddr addr;
    int first = 0, last = 0;  // slot range
    uint64_t epoch = 0;
  };
  std::vector<Master> masters;
  std::vector<std::pair<PeerAddr, PeerAddr>> replicas;  // replica -> master
};
Plan MakePlan(std::vector<PeerAddr> participants, int replicas);

// Healthy (not failed, not PFAIL) replicas per slot-serving healthy master in
// one CLUSTER NODES view.
std::map<std::string, int> HealthyReplicaCounts(const std::vector<NodeEntry>& nodes);
// The master a slotless newcomer should replicate: the fewest healthy
// replicas, another host first, then the smaller id. "" when none.
std::string ChooseMasterToJoin(const std::vector<NodeEntry>& nodes);
// Rebalancing after a replica was lost and replaced elsewhere: when a master
// serving slots has no healthy replica and another has two or more, the
// replica with the smallest id among the best-served masters' replicas moves
// to it (Redis's replica migration, which skips a master whose last replica
// was forgotten). Returns the master id this node should replicate, "" to
// stay.
std::string ChooseReplicaMove(const std::vector<NodeEntry>& nodes);

class Bootstrap {
 public:
  Bootstrap(Options opts, std::function<std::vector<PeerAddr>()> resolve);
  ~Bootstrap();
  void Start();
  void Stop();
  // Thread-safe views for /healthz and /metrics.
  std::string phase() const;
  std::string last_error() const;
  double formation_seconds() const { return formation_seconds_.load(); }

  // One iteration (also used by tests).
  void Step();

 private:
  bool Query(const PeerAddr& a, PeerView* v);
  bool Cmd(const PeerAddr& a, std::vector<std::string> args, std::string* err = nullptr,
           std::string* out = nullptr);
  void SetPhase(std::string p);
  void SetError(std::string e);
  void Form(const std::vector<PeerView>& participants, const PeerView& me);
  // replicas+1 fresh nodes next to a formed cluster: a new shard, with slots
  // moved onto it by live migration (SETSLOT IMPORTING/MIGRATING, MIGRATE,
  // SETSLOT NODE), like redis-cli --cluster add-node + rebalance.
  void Grow(std::vector<PeerView> group, const PeerView& formed, const PeerView& me);
  void Join(const PeerView& me, const std::vector<PeerView>& views);
  void Heal(const PeerView& me, const std::vector<PeerView>& views);

  Options opts_;
  std::function<std::vector<PeerAddr>()> resolve_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  mutable std::mutex state_mu_;
  std::string phase_ = "starting";
  std::string last_error_;
  std::atomic<double> formation_seconds_{0};
  std::chrono::steady_clock::time_point started_;
  std::map<std::string, std::chrono::steady_clock::time_point> failed_since_;
  // Since when ChooseReplicaMove has named the same target (a move waits for
  // the view to be stable for kReplicaMoveDelay).
  std::string move_target_;
  std::chrono::steady_clock::time_point move_since_{};
  std::string last_peers_;
  std::chrono::steady_clock::time_point fresh_since_{};
};

}  // namespace entrypoint::bootstrap
