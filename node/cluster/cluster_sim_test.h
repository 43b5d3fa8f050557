// node/cluster/cluster_sim_test.h
//
// Test-only: a deterministic in-memory simulation of several ClusterState
// nodes, shared by cluster_state_test.cc and failover_test.cc. kSend actions
// are delivered to the peer's OnPacket, connects succeed when the target is
// alive, and a fake clock drives Tick every 100 ms. Each node gets hooks
// backed by the Sim (replication offset, paused writes, master changes), and
// every tick checks the safety invariants of slot ownership and voting.
// Single-threaded.

#pragma once

#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "node/cluster/cluster_state.h"

namespace node::cluster::sim {

constexpr int64_t kStart = 1'700'000'000'000;

struct Sim {
  int64_t now = kStart;
  int64_t timeout;
  std::vector<std::unique_ptr<ClusterState>> nodes;
  std::vector<std::string> ips;
  std::vector<bool> alive;
  std::vector<std::string> saved;
  std::map<std::pair<int, LinkId>, std::pair<int, LinkId>> peer;
  std::set<std::pair<int, int>> cut;  // (a, b): no traffic between a and b

  // Per-node replication state seen through the hooks.
  std::vector<uint64_t> offset;                          // repl_offset() / master_repl_offset()
  std::vector<int64_t> data_age;                         // repl_data_age_ms()
  std::vector<bool> paused;                              // last pause_writes() call
  std::vector<std::vector<std::string>> master_changes;  // "" = became master

  // Safety checks, evaluated after every delivered batch.
  bool check_invariants = true;
  int violations = 0;
  std::string first_violation;
  std::map<std::pair<int, uint64_t>, int> acks;  // (voter, epoch) -> ACKs sent

  explicit Sim(int n, int64_t node_timeout = 1000) : timeout(node_timeout) {
    spdlog::set_level(getenv("SIM_LOG") ? spdlog::level::info : spdlog::level::warn);
    offset.assign(n, 0);
    data_age.assign(n, 0);
    paused.assign(n, false);
    master_changes.resize(n);
    for (int i = 0; i < n; i++) {
      ClusterState::Options o;
      o.port = 7000;
      o.node_timeout_ms = node_timeout;
      // SIM_SEED=<n> re-runs the same scenarios with other random choices.
      o.seed = uint64_t(i + 1) +
               (getenv("SIM_SEED") ? 1000 * std::strtoull(getenv("SIM_SEED"), nullptr, 10) : 0);
      nodes.push_back(std::make_unique<ClusterState>(o, "", now));
      ips.push_back("127.0.0." + std::to_string(11 + i));
      alive.push_back(true);
      saved.emplace_back();
      auto& h = nodes.back()->hooks();
      h.repl_offset = [this, i] { return offset[i]; };
      h.repl_data_age_ms = [this, i] { return data_age[i]; };
      h.pause_writes = [this, i](bool p) { paused[i] = p; };
      h.on_master_changed = [this, i](const NodeInfo* m) {
        master_changes[i].push_back(m ? m->name : "");
      };
    }
  }
  ClusterState& operator[](int i) { return *nodes[i]; }
  int size() const { return int(nodes.size()); }

  int FindByAddr(const std::string& ip, int bus_port) {
    for (size_t i = 0; i < ips.size(); i++)
      if (ips[i] == ip && bus_port == 17000) return int(i);
    return -1;
  }
  int IndexOf(std::string_view id) {
    for (int i = 0; i < size(); i++)
      if (nodes[i]->MyId() == id) return i;
    return -1;
  }

  void Drop(int i, LinkId l) {
    auto it = peer.find({i, l});
    if (it == peer.end()) return;
    auto [t, tl] = it->second;
    peer.erase(it);
    peer.erase({t, tl});
    if (alive[t]) nodes[t]->OnLinkClosed(tl);  // the peer sees EOF
  }

  void Observe(int from, const std::string& bytes) {
    if (bytes.size() < 14 || bytes[12] != 0 || bytes[13] != kMsgAuthAck) return;
    auto m = Decode(bytes);
    if (!m) return;
    acks[{from, m->hdr.current_epoch}]++;
  }

  void Pump() {
    for (int round = 0; round < 1000; round++) {
      bool any = false;
      for (size_t i = 0; i < nodes.size(); i++) {
        if (!alive[i]) continue;
        for (Action& a : nodes[i]->TakeActions()) {
          any = true;
          int self = int(i);
          switch (a.kind) {
            case Action::kConnect: {
              int t = FindByAddr(a.ip, a.bus_port);
              if (t < 0 || !alive[t] || cut.count({self, t})) {
                nodes[i]->OnLinkClosed(a.link);
                break;
              }
              LinkId tl = nodes[t]->OnInboundLink(ips[i], ips[t]);
              peer[{self, a.link}] = {t, tl};
              peer[{t, tl}] = {self, a.link};
              nodes[i]->OnOutboundConnected(a.link);
              break;
            }
            case Action::kSend: {
              Observe(self, a.bytes);
              auto it = peer.find({self, a.link});
              if (it != peer.end() && alive[it->second.first])
                nodes[it->second.first]->OnPacket(it->second.second, a.bytes, now);
              break;
            }
            case Action::kClose:
              Drop(self, a.link);
              break;
            case Action::kSaveConfig:
              saved[i] = a.bytes;
              break;
            case Action::kStateChanged:
              break;
          }
        }
      }
      if (check_invariants) CheckInvariants();
      if (!any) return;
    }
  }

  void Violation(const std::string& what) {
    if (violations++ == 0) first_violation = what;
  }

  // No slot is claimed by two live masters with the same configEpoch (the
  // higher epoch always wins, so that would be two owners), and no master
  // votes twice in one epoch.
  void CheckInvariants() {
    std::vector<std::pair<uint64_t, int>> claim(kSlots, {0, -1});
    for (int i = 0; i < size(); i++) {
      if (!alive[i]) continue;
      const NodeInfo& me = nodes[i]->myself();
      if (!me.IsMaster() || me.num_slots == 0) continue;
      for (int j = 0; j < kSlots; j++) {
        if (!TestSlot(me.slots, j)) continue;
        if (claim[j].second >= 0 && claim[j].first == me.config_epoch) {
          Violation("slot " + std::to_string(j) + " claimed by nodes " +
                    std::to_string(claim[j].second) + " and " + std::to_string(i) +
                    " with configEpoch " + std::to_string(me.config_epoch));
          return;
        }
        if (claim[j].second < 0 || claim[j].first < me.config_epoch)
          claim[j] = {me.config_epoch, i};
      }
    }
    for (auto& [k, count] : acks) {
      if (count > 1) {
        Violation("node " + std::to_string(k.first) + " voted twice in epoch " +
                  std::to_string(k.second));
        count = 1;
      }
    }
  }

  void Run(int64_t ms) {
    for (int64_t t = 0; t < ms; t += 100) {
      now += 100;
      for (size_t i = 0; i < nodes.size(); i++)
        if (alive[i]) nodes[i]->Tick(now);
      Pump();
    }
  }

  // Runs until pred() holds or `ms` pass; returns whether it held.
  template <typename Pred>
  bool RunUntil(int64_t ms, Pred pred) {
    for (int64_t t = 0; t < ms; t += 100) {
      if (pred()) return true;
      Run(100);
    }
    return pred();
  }

  void Kill(int i) {
    alive[i] = false;
    std::vector<std::pair<int, LinkId>> mine;
    for (auto& [k, v] : peer)
      if (k.first == i) mine.push_back(k);
    for (auto& k : mine) Drop(k.first, k.second);
  }
  void Revive(int i) { alive[i] = true; }

  // Splits the nodes into `side` and the rest: links across are closed and
  // reconnects fail until Heal().
  void Partition(const std::vector<int>& side) {
    std::vector<bool> in(nodes.size(), false);
    for (int i : side) in[i] = true;
    for (int a = 0; a < size(); a++)
      for (int b = 0; b < size(); b++)
        if (in[a] != in[b]) cut.insert({a, b});
    std::vector<std::pair<int, LinkId>> across;
    for (auto& [k, v] : peer)
      if (cut.count({k.first, v.first})) across.push_back(k);
    for (auto& k : across) {
      if (!peer.count(k)) continue;
      Drop(k.first, k.second);  // both ends see the link close
      if (alive[k.first]) nodes[k.first]->OnLinkClosed(k.second);
    }
  }
  void Heal() { cut.clear(); }

  void MeetAll() {
    for (size_t i = 1; i < nodes.size(); i++) REQUIRE(nodes[0]->Meet(ips[i], 7000, 17000).ok());
    Pump();
  }

  const NodeInfo* View(int viewer, int subject) {
    return nodes[viewer]->Lookup(nodes[subject]->MyId());
  }
};

inline std::vector<int> Range(int a, int b) {
  std::vector<int> v;
  for (int i = a; i <= b; i++) v.push_back(i);
  return v;
}

// Nodes 0..2 become masters with configEpochs 1..3 and a third of the slots
// each; everyone meets everyone.
inline void FormThreeMasters(Sim& sim) {
  for (int i = 0; i < 3; i++) REQUIRE(sim[i].SetConfigEpoch(i + 1).ok());
  REQUIRE(sim[0].AddSlots(Range(0, 5460)).ok());
  REQUIRE(sim[1].AddSlots(Range(5461, 10922)).ok());
  REQUIRE(sim[2].AddSlots(Range(10923, 16383)).ok());
  sim.MeetAll();
  sim.Run(5000);
}

}  // namespace node::cluster::sim
