// Failover tests on the in-memory simulation (cluster_sim_test.h): replica
// elections after a master dies, manual failover (default / FORCE /
// TAKEOVER), the returning old master, data-age and no-failover guards, and
// replica migration. Every delivered batch checks that no slot has two owners
// with the same configEpoch and that no master votes twice in one epoch.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/cluster/cluster_sim_test.h"
#include "node/cluster/cluster_state.h"

namespace node::cluster {
namespace {

using sim::Range;
using sim::Sim;
using Mode = ClusterState::FailoverMode;

// Nodes 0..2 are masters (configEpochs 1..3, a third of the slots each);
// node 3+k replicates master masters_of[k]. All offsets start at 1000.
void FormShards(Sim& s, const std::vector<int>& masters_of) {
  REQUIRE(s.size() == 3 + int(masters_of.size()));
  sim::FormThreeMasters(s);
  for (int i = 0; i < s.size(); i++) s.offset[i] = 1000;
  for (size_t k = 0; k < masters_of.size(); k++)
    REQUIRE(s[3 + int(k)].Replicate(s[masters_of[k]].MyId()).ok());
  s.Run(3000);
  for (int i = 0; i < s.size(); i++) {
    REQUIRE(s[i].StateOk());
    for (size_t k = 0; k < masters_of.size(); k++) {
      const NodeInfo* r = s.View(i, 3 + int(k));
      REQUIRE(r->master != nullptr);
      REQUIRE(r->master->name == s[masters_of[k]].MyId());
    }
  }
}

bool OwnsAll(Sim& s, int i, int first, int last) {
  const NodeInfo& me = s[i].myself();
  if (!me.IsMaster()) return false;
  for (int j = first; j <= last; j++)
    if (!TestSlot(me.slots, j)) return false;
  return true;
}

uint64_t TotalWins(Sim& s) {
  uint64_t w = 0;
  for (int i = 0; i < s.size(); i++) w += s[i].failover_stats().failovers_won;
  return w;
}

// Every live node maps `slot` to `owner` and knows owner's configEpoch.
void CheckAgreement(Sim& s, int slot, int owner) {
  for (int i = 0; i < s.size(); i++) {
    if (!s.alive[i]) continue;
    CAPTURE(i);
    REQUIRE(s[i].SlotOwner(slot) != nullptr);
    CHECK(s[i].SlotOwner(slot)->name == s[owner].MyId());
    CHECK(s.View(i, owner)->config_epoch == s[owner].myself().config_epoch);
    CHECK(s[i].current_epoch() == s[owner].current_epoch());
    CHECK(s[i].StateOk());
  }
}

// Delivers a FAILOVER_AUTH_REQUEST "from" replica `from` (for its master
// `master`) to node `to`, over the simulated link between them.
void InjectAuthRequest(Sim& s, int from, int master, int to, uint64_t epoch, uint64_t config_epoch,
                       bool force_ack = false) {
  Message m;
  m.hdr.type = kMsgAuthRequest;
  m.hdr.sender = std::string(s[from].MyId());
  m.hdr.slaveof = std::string(s[master].MyId());
  m.hdr.myslots = s.View(to, master)->slots;
  m.hdr.flags = kNodeSlave | kNodeMyself;
  m.hdr.current_epoch = epoch;
  m.hdr.config_epoch = config_epoch;
  m.hdr.offset = s.offset[from];
  if (force_ack) m.hdr.mflags[0] = kMsgFlagForceAck;
  for (auto& [k, v] : s.peer) {
    if (k.first == from && v.first == to) {
      s[to].OnPacket(v.second, Encode(m), s.now);
      s.Pump();
      return;
    }
  }
  FAIL("no link from ", from, " to ", to);
}

bool IsReplicaOf(Sim& s, int viewer, int replica, int master) {
  const NodeInfo* r = s.View(viewer, replica);
  return r && r->IsReplica() && r->master && r->master->name == s[master].MyId();
}

}  // namespace

TEST_SUITE("cluster/failover") {
  TEST_CASE("a dead master is replaced by its replica and all nodes agree") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    const uint64_t epoch_before = s[3].current_epoch();
    s.Kill(0);
    REQUIRE(s.RunUntil(15000, [&] { return OwnsAll(s, 3, 0, 5460); }));
    const uint64_t epoch = s[3].failover_auth_epoch();
    CHECK(epoch == epoch_before + 1);
    CHECK(s[3].myself().config_epoch == epoch);
    CHECK(s[3].myself().num_slots == 5461);
    CHECK(s[3].failover_stats().elections_started == 1);
    CHECK(s[3].failover_stats().failovers_won == 1);
    REQUIRE_FALSE(s.master_changes[3].empty());
    CHECK(s.master_changes[3].back() == "");  // promoted: replication stops
    CHECK(s[1].failover_stats().votes_granted == 1);
    CHECK(s[2].failover_stats().votes_granted == 1);
    s.Run(3000);
    CheckAgreement(s, 0, 3);
    CheckAgreement(s, 5460, 3);
    CHECK(TotalWins(s) == 1);
    // The vote is persisted before the ACK goes out.
    CHECK(s.saved[1].find("lastVoteEpoch " + std::to_string(epoch) + "\n") != std::string::npos);
    CHECK(s[1].last_vote_epoch() == epoch);
    CHECK(s.violations == 0);
    CHECK(s.first_violation == "");

    SUBCASE("the old master comes back as a replica of the winner") {
      s.Revive(0);
      REQUIRE(s.RunUntil(10000, [&] { return s[0].myself().IsReplica(); }));
      CHECK(s[0].myself().num_slots == 0);
      REQUIRE_FALSE(s.master_changes[0].empty());
      CHECK(s.master_changes[0].back() == s[3].MyId());
      s.Run(5000);
      for (int i = 0; i < 6; i++) {
        CAPTURE(i);
        CHECK(IsReplicaOf(s, i, 0, 3));
        CHECK_FALSE(s.View(i, 0)->IsFailed());
      }
      CheckAgreement(s, 0, 3);
      CHECK(TotalWins(s) == 1);
      CHECK(s.violations == 0);
    }
  }

  TEST_CASE("a master that can't save nodes.conf grants no failover vote until it can") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    s[1].SetConfigSaveFailed(true);
    s[2].SetConfigSaveFailed(true);
    s.Kill(0);
    // Without a vote from either remaining master nobody wins, however long.
    s.Run(15000);
    CHECK(s[1].failover_stats().votes_granted == 0);
    CHECK(s[2].failover_stats().votes_granted == 0);
    CHECK_FALSE(OwnsAll(s, 3, 0, 5460));
    CHECK(TotalWins(s) == 0);
    // The file is current again (the wiring clears the flag after a save).
    s[1].SetConfigSaveFailed(false);
    s[2].SetConfigSaveFailed(false);
    REQUIRE(s.RunUntil(30000, [&] { return OwnsAll(s, 3, 0, 5460); }));
    CHECK(TotalWins(s) == 1);
    CHECK(s.violations == 0);
  }

  TEST_CASE("the simulation's invariant check catches two owners with one configEpoch") {
    Sim s(2);
    REQUIRE(s[0].AddSlots({7}).ok());
    REQUIRE(s[1].AddSlots({7}).ok());
    s.Pump();
    CHECK(s.violations >= 1);
    CHECK(s.first_violation == "slot 7 claimed by nodes 0 and 1 with configEpoch 0");
  }

  TEST_CASE("a master votes once per epoch and once per failed master per 2 x node_timeout") {
    Sim s(7);
    FormShards(s, {0, 0, 1, 2});                // 3 and 4 replicate node 0
    s.data_age[3] = s.data_age[4] = 3'600'000;  // they never start an election themselves
    s.Kill(0);
    REQUIRE(
        s.RunUntil(10000, [&] { return s.View(1, 0)->IsFailed() && s.View(2, 0)->IsFailed(); }));
    const uint64_t e = s[1].current_epoch();
    const uint64_t cfg = s.View(1, 0)->config_epoch;
    InjectAuthRequest(s, 3, 0, 1, e + 1, cfg);
    CHECK(s.acks[{1, e + 1}] == 1);
    CHECK(s[1].last_vote_epoch() == e + 1);
    CHECK(s.saved[1].find("lastVoteEpoch " + std::to_string(e + 1) + "\n") != std::string::npos);
    // Same epoch, another replica: already voted.
    InjectAuthRequest(s, 4, 0, 1, e + 1, cfg);
    CHECK(s.acks[{1, e + 1}] == 1);
    // A new epoch, but the same failed master within 2 x node_timeout.
    InjectAuthRequest(s, 4, 0, 1, e + 2, cfg);
    CHECK(s.acks.count({1, e + 2}) == 0);
    // A stale epoch is refused (node 1 is at e + 2 now).
    InjectAuthRequest(s, 4, 0, 1, e + 1, cfg);
    CHECK(s.acks[{1, e + 1}] == 1);
    CHECK(s[1].current_epoch() == e + 2);
    s.Run(2 * s.timeout + 100);
    // Claiming slots with an older configEpoch than their owner's: refused.
    InjectAuthRequest(s, 4, 0, 1, e + 3, cfg - 1);
    CHECK(s.acks.count({1, e + 3}) == 0);
    InjectAuthRequest(s, 4, 0, 1, e + 4, cfg);
    CHECK(s.acks[{1, e + 4}] == 1);
    CHECK(s[1].failover_stats().votes_granted == 2);
    // Replicas do not vote; a live master's replica needs FORCEACK.
    InjectAuthRequest(s, 5, 1, 6, e + 5, s.View(6, 1)->config_epoch);
    CHECK(s.acks.count({6, e + 5}) == 0);
    InjectAuthRequest(s, 5, 1, 2, e + 6, s.View(2, 1)->config_epoch);
    CHECK(s.acks.count({2, e + 6}) == 0);
    InjectAuthRequest(s, 5, 1, 2, e + 7, s.View(2, 1)->config_epoch, /*force_ack=*/true);
    CHECK(s.acks[{2, e + 7}] == 1);
    CHECK(s.violations == 0);
  }

  TEST_CASE("a partitioned master keeps its old epoch and follows the winner after healing") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    s.Partition({0, 4});  // master 0 with a replica of node 1 on the minority side
    REQUIRE(s.RunUntil(15000, [&] { return OwnsAll(s, 3, 0, 5460); }));
    s.Run(3000);
    // Both claim slot 0 now, but with different configEpochs: the majority
    // side routes to the winner, the minority side is down.
    CHECK(OwnsAll(s, 0, 0, 5460));
    CHECK(s[0].myself().config_epoch < s[3].myself().config_epoch);
    CHECK_FALSE(s[0].StateOk());
    CHECK(s[1].StateOk());
    CHECK(s.View(1, 0)->IsFailed());
    s.Heal();
    REQUIRE(s.RunUntil(10000, [&] { return s[0].myself().IsReplica(); }));
    CHECK(s.master_changes[0].back() == s[3].MyId());
    s.Run(5000);
    for (int i = 0; i < 6; i++) {
      CAPTURE(i);
      CHECK(IsReplicaOf(s, i, 0, 3));
      CHECK(IsReplicaOf(s, i, 4, 1));
    }
    CheckAgreement(s, 0, 3);
    CHECK(TotalWins(s) == 1);
    CHECK(s.violations == 0);
  }

  TEST_CASE("of two replicas the one with the larger offset wins and the other follows") {
    Sim s(7);
    FormShards(s, {0, 0, 1, 2});  // nodes 3 and 4 replicate node 0
    s.offset[3] = 900;
    s.offset[4] = 1000;
    s.Run(2000);  // offsets travel in the bus headers
    s.Kill(0);
    REQUIRE(s.RunUntil(15000, [&] { return OwnsAll(s, 4, 0, 5460); }));
    s.Run(4000);
    CHECK(s[3].myself().IsReplica());
    CHECK(s[3].failover_stats().elections_started == 0);  // rank 1 waited
    for (int i = 1; i < 7; i++) {
      CAPTURE(i);
      CHECK(IsReplicaOf(s, i, 3, 4));
    }
    CHECK(s.master_changes[3].back() == s[4].MyId());
    CheckAgreement(s, 100, 4);
    CHECK(TotalWins(s) == 1);
    CHECK(s.violations == 0);
  }

  TEST_CASE("replicas with equal offsets: exactly one wins and no master votes twice") {
    for (int victim = 0; victim < 3; victim++) {
      CAPTURE(victim);
      Sim s(9);
      FormShards(s, {0, 0, 1, 1, 2, 2});
      s.Kill(victim);
      int a = 3 + 2 * victim, b = a + 1;
      int first = std::vector<int>{0, 5461, 10923}[victim];
      REQUIRE(s.RunUntil(
          20000, [&] { return OwnsAll(s, a, first, first) || OwnsAll(s, b, first, first); }));
      s.Run(5000);
      int winner = OwnsAll(s, a, first, first) ? a : b;
      int loser = winner == a ? b : a;
      CHECK(s[loser].myself().IsReplica());
      CHECK(IsReplicaOf(s, loser, loser, winner));
      CheckAgreement(s, first, winner);
      CHECK(TotalWins(s) == 1);
      CHECK(s.violations == 0);
      CHECK(s.first_violation == "");
    }
  }

  TEST_CASE("manual failover waits until the replica reached the paused master's offset") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    s.offset[3] = 900;  // lagging behind the master's 1000
    REQUIRE(s[3].Failover(Mode::kDefault).ok());
    s.Run(500);
    CHECK(s.paused[0]);
    CHECK(s[0].ManualFailoverInProgress());
    CHECK(s[3].ManualFailoverInProgress());
    CHECK(s[3].myself().IsReplica());
    CHECK(s[3].failover_stats().elections_started == 0);
    s.offset[3] = 1000;  // the replica processed the rest of the stream
    REQUIRE(s.RunUntil(1000, [&] { return OwnsAll(s, 3, 0, 5460); }));
    CHECK(s[3].failover_stats().failovers_won == 1);
    CHECK(s[3].failover_stats().manual_failovers == 1);
    CHECK_FALSE(s[3].ManualFailoverInProgress());
    s.Run(2000);
    // The old master was voting too (FORCEACK: its master is not failing).
    CHECK(s[0].myself().IsReplica());
    CHECK(s.master_changes[0].back() == s[3].MyId());
    CHECK_FALSE(s.paused[0]);
    CHECK_FALSE(s[0].ManualFailoverInProgress());
    for (int i = 0; i < 6; i++) CHECK(IsReplicaOf(s, i, 0, 3));
    CheckAgreement(s, 0, 3);
    CHECK(s.violations == 0);
  }

  TEST_CASE("manual failover times out and resumes writes if the replica never catches up") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    s.offset[3] = 900;
    REQUIRE(s[3].Failover(Mode::kDefault).ok());
    s.Run(1000);
    CHECK(s.paused[0]);
    s.Run(5000);
    CHECK_FALSE(s.paused[0]);
    CHECK_FALSE(s[0].ManualFailoverInProgress());
    CHECK_FALSE(s[3].ManualFailoverInProgress());
    CHECK(s[3].myself().IsReplica());
    CHECK(s[0].failover_stats().manual_failovers_timed_out == 1);
    CHECK(s[3].failover_stats().manual_failovers_timed_out == 1);
    CHECK(TotalWins(s) == 0);
    CheckAgreement(s, 0, 0);
  }

  TEST_CASE("FORCE fails over at once with the votes of the other masters") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    s.Kill(0);
    s.Pump();
    // Not FAIL yet, but the link is gone: the default mode refuses.
    CHECK_FALSE(s.View(3, 0)->IsFailed());
    CHECK(s[3].Failover(Mode::kDefault).message() ==
          "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
    REQUIRE(s[3].Failover(Mode::kForce).ok());
    REQUIRE(s.RunUntil(1000, [&] { return OwnsAll(s, 3, 0, 5460); }));
    CHECK_FALSE(s.View(1, 0)->IsFailed());  // faster than failure detection
    s.Run(3000);
    CheckAgreement(s, 0, 3);
    CHECK(TotalWins(s) == 1);
    CHECK(s.violations == 0);
  }

  TEST_CASE("TAKEOVER needs no majority and the old master follows") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    for (int i : {1, 2, 4, 5}) s.Kill(i);  // no majority reachable
    const uint64_t epoch_before = s[3].current_epoch();
    REQUIRE(s[3].Failover(Mode::kTakeover).ok());
    CHECK(OwnsAll(s, 3, 0, 5460));  // synchronous
    // Bumped unless my own configEpoch already was the unique maximum (an
    // ex-empty-master keeps the epoch its collisions gave it).
    const uint64_t mine = s[3].myself().config_epoch;
    CHECK(mine >= epoch_before);
    CHECK(s[3].current_epoch() == mine);
    for (int i : {0, 1, 2, 4, 5}) CHECK(s.View(3, i)->config_epoch < mine);
    CHECK(s[3].failover_stats().elections_started == 0);
    CHECK(s.master_changes[3].back() == "");
    REQUIRE(s.RunUntil(2000, [&] { return s[0].myself().IsReplica(); }));
    CHECK(s.master_changes[0].back() == s[3].MyId());
    CHECK(s.violations == 0);
  }

  TEST_CASE("CLUSTER FAILOVER errors and mode parsing use Redis's texts") {
    Sim s(4);
    FormShards(s, {0});
    CHECK(s[0].Failover(Mode::kDefault).message() ==
          "ERR You should send CLUSTER FAILOVER to a replica");
    CHECK(s[1].Failover(Mode::kForce).message() ==
          "ERR You should send CLUSTER FAILOVER to a replica");
    CHECK(*ClusterState::ParseFailoverMode("") == Mode::kDefault);
    CHECK(*ClusterState::ParseFailoverMode("FoRcE") == Mode::kForce);
    CHECK(*ClusterState::ParseFailoverMode("takeover") == Mode::kTakeover);
    CHECK(ClusterState::ParseFailoverMode("now").error() == "ERR syntax error");
    // A replica whose master is unknown (loaded from a nodes.conf naming it
    // as master of an unknown id is impossible; CLUSTER FORGET refuses too).
    CHECK(s[3].Forget(s[0].MyId()).message() == "ERR Can't forget my master!");
  }

  TEST_CASE("a replica with too old data does not fail over, but FORCE still does") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    // repl-ping-replica-period 10 s + node_timeout 1 s x factor 10 = 20 s.
    s.data_age[3] = 30000;
    s.Kill(0);
    s.Run(10000);
    CHECK(s[3].myself().IsReplica());
    CHECK(s[3].failover_stats().elections_started == 0);
    CHECK(s[3].CantFailoverReason().find("cluster-replica-validity-factor") != std::string::npos);
    CHECK(bool(s.View(1, 0)->flags & kNodeFail));
    REQUIRE(s[3].Failover(Mode::kForce).ok());
    REQUIRE(s.RunUntil(2000, [&] { return OwnsAll(s, 3, 0, 5460); }));
    s.Run(2000);
    CheckAgreement(s, 0, 3);
  }

  TEST_CASE("cluster-replica-validity-factor 0 lets an old replica fail over") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    s.data_age[3] = 3'600'000;
    ClusterState::Options o;
    o.node_timeout_ms = s.timeout;
    o.replica_validity_factor = 0;
    s[3].SetTunables(o);
    s.Kill(0);
    REQUIRE(s.RunUntil(15000, [&] { return OwnsAll(s, 3, 0, 5460); }));
  }

  TEST_CASE("cluster-replica-no-failover stops automatic failover only") {
    Sim s(6);
    FormShards(s, {0, 1, 2});
    ClusterState::Options o;
    o.node_timeout_ms = s.timeout;
    o.replica_no_failover = true;
    s[3].SetTunables(o);
    s.Run(2000);
    CHECK(bool(s.View(1, 3)->flags & kNodeNoFailover));
    CHECK(s[1].NodesText().find("slave,nofailover " + std::string(s[0].MyId())) !=
          std::string::npos);
    s.Kill(0);
    s.Run(10000);
    CHECK(s[3].myself().IsReplica());
    CHECK(s[3].failover_stats().elections_started == 0);
    REQUIRE(s[3].Failover(Mode::kForce).ok());
    REQUIRE(s.RunUntil(2000, [&] { return OwnsAll(s, 3, 0, 5460); }));
  }

  TEST_CASE("a replica migrates to an orphaned master above the migration barrier") {
    Sim s(7);
    FormShards(s, {0, 0, 1, 2});  // 3,4 -> 0; 5 -> 1; 6 -> 2
    int expected = std::string(s[3].MyId()) < std::string(s[4].MyId()) ? 3 : 4;
    int other = expected == 3 ? 4 : 3;

    SUBCASE("the replica with the smallest id moves after 5 s") {
      s.Kill(6);  // master 2 loses its only replica
      REQUIRE(s.RunUntil(20000, [&] { return IsReplicaOf(s, expected, expected, 2); }));
      CHECK(s[expected].failover_stats().replica_migrations == 1);
      CHECK(s.master_changes[expected].back() == s[2].MyId());
      s.Run(3000);
      CHECK(IsReplicaOf(s, other, other, 0));
      for (int i = 0; i < 6; i++) CHECK(IsReplicaOf(s, i, expected, 2));
      CHECK(s[other].failover_stats().replica_migrations == 0);
    }
    SUBCASE("nobody moves when the barrier is not exceeded") {
      ClusterState::Options o;
      o.node_timeout_ms = s.timeout;
      o.migration_barrier = 2;
      for (int i = 0; i < 7; i++) s[i].SetTunables(o);
      s.Kill(6);
      s.Run(15000);
      CHECK(IsReplicaOf(s, 3, 3, 0));
      CHECK(IsReplicaOf(s, 4, 4, 0));
    }
    SUBCASE("nobody moves when replica migration is disabled") {
      ClusterState::Options o;
      o.node_timeout_ms = s.timeout;
      o.allow_replica_migration = false;
      for (int i = 0; i < 7; i++) s[i].SetTunables(o);
      s.Kill(6);
      s.Run(15000);
      CHECK(IsReplicaOf(s, 3, 3, 0));
      CHECK(IsReplicaOf(s, 4, 4, 0));
    }
    CHECK(s.violations == 0);
  }

  TEST_CASE("a master paused for a manual failover flags its headers PAUSED") {
    Sim s(4);
    FormShards(s, {0});
    bool saw_paused = false;
    s.offset[3] = 900;  // keeps the failover waiting
    REQUIRE(s[3].Failover(Mode::kDefault).ok());
    s.Pump();
    for (int round = 0; round < 3 && !saw_paused; round++) {
      s.now += 100;
      s[0].Tick(s.now);
      for (Action& a : s[0].TakeActions()) {
        if (a.kind != Action::kSend) continue;
        auto m = Decode(a.bytes);
        REQUIRE(m.ok());
        if (m->hdr.mflags[0] & kMsgFlagPaused) saw_paused = true;
      }
    }
    CHECK(saw_paused);
  }
}

}  // namespace node::cluster
