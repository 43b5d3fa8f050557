// ClusterState tests on the in-memory simulation (cluster_sim_test.h):
// handshake, gossip, failure detection, epochs, UPDATE, commands, nodes.conf.

#include "node/cluster/cluster_state.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "node/cluster/cluster_sim_test.h"

namespace node::cluster {
namespace {

using sim::Range;
using sim::Sim;

int Lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

// Replaces the ping-sent and pong-received fields so texts taken at
// different times compare equal.
std::string WithoutTimes(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::string> f;
    std::string w;
    while (ls >> w) f.push_back(w);
    if (f.size() >= 8 && f[0] != "vars") f[4] = f[5] = f[7] = "T";
    for (size_t i = 0; i < f.size(); i++) out += (i ? " " : "") + f[i];
    out += "\n";
  }
  return out;
}

using sim::FormThreeMasters;

}  // namespace

TEST_SUITE("cluster/state") {
  TEST_CASE("a fresh node is a lone master with a valid id and cluster_state fail") {
    Sim sim(1);
    CHECK(IsValidNodeId(sim[0].MyId()));
    CHECK(sim[0].NodesText() ==
          std::string(sim[0].MyId()) + " :7000@17000 myself,master - 0 0 0 connected\n");
    CHECK(sim[0].InfoText().rfind("cluster_state:fail\r\ncluster_slots_assigned:0\r\n", 0) == 0);
    CHECK(sim[0].SaveConfigText().find("vars currentEpoch 0 lastVoteEpoch 0\n") !=
          std::string::npos);
  }

  TEST_CASE("three nodes meet and all know each other") {
    Sim sim(3);
    sim.MeetAll();
    // A has two handshake nodes right after MEET.
    sim.Run(3000);
    for (int i = 0; i < 3; i++) {
      CAPTURE(i);
      std::string nodes = sim[i].NodesText();
      CAPTURE(nodes);
      CHECK(Lines(nodes) == 3);
      CHECK(nodes.find("handshake") == std::string::npos);
      CHECK(nodes.find("disconnected") == std::string::npos);
      CHECK(sim[i].myself().ip == sim.ips[i]);  // learned from the MEET/PING socket
      for (int j = 0; j < 3; j++) {
        const NodeInfo* n = sim.View(i, j);
        REQUIRE(n != nullptr);
        CHECK(n->ip == sim.ips[j]);
        CHECK(n->port == 7000);
        CHECK(n->cport == 17000);
      }
    }
  }

  TEST_CASE("an unanswered MEET is dropped after the handshake timeout") {
    Sim sim(1);
    REQUIRE(sim[0].Meet("127.0.0.99", 7000, 17000).ok());
    REQUIRE(sim[0].Meet("127.0.0.99", 7000, 17000).ok());  // same handshake: no duplicate
    sim.Pump();
    CHECK(Lines(sim[0].NodesText()) == 2);
    CHECK(sim[0].NodesText().find("handshake") != std::string::npos);
    sim.Run(1500);
    CHECK(Lines(sim[0].NodesText()) == 1);
    CHECK_FALSE(sim[0].Meet("not-an-ip", 7000, 17000).ok());
    CHECK(sim[0].Meet("::1", 7000, 17000).ok());
  }

  TEST_CASE("slots assigned on each node propagate and the cluster becomes ok") {
    Sim sim(3);
    FormThreeMasters(sim);
    for (int i = 0; i < 3; i++) {
      CAPTURE(i);
      CHECK(sim[i].StateOk());
      CHECK(sim[i].SlotOwner(0) == sim.View(i, 0));
      CHECK(sim[i].SlotOwner(5461) == sim.View(i, 1));
      CHECK(sim[i].SlotOwner(16383) == sim.View(i, 2));
      std::string info = sim[i].InfoText();
      CHECK(info.find("cluster_state:ok\r\n") != std::string::npos);
      CHECK(info.find("cluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n") !=
            std::string::npos);
      CHECK(info.find("cluster_known_nodes:3\r\ncluster_size:3\r\n") != std::string::npos);
      CHECK(info.find("cluster_current_epoch:3\r\n") != std::string::npos);
      CHECK(info.find("cluster_stats_messages_ping_sent:") != std::string::npos);
      auto ranges = sim[i].SlotRanges();
      REQUIRE(ranges.size() == 3);
      CHECK(ranges[1].start == 5461);
      CHECK(ranges[1].end == 10922);
    }
    std::string nodes = sim[1].NodesText();
    CHECK(nodes.find(std::string(sim[1].MyId()) + " 127.0.0.12:7000@17000 myself,master - 0 ") !=
          std::string::npos);
    CHECK(nodes.find(" 2 connected 5461-10922\n") != std::string::npos);
  }

  TEST_CASE("a dead master becomes PFAIL after node_timeout and then FAIL by agreement") {
    Sim sim(3);
    FormThreeMasters(sim);
    int64_t died = sim.now;
    sim.Kill(2);
    sim.Run(sim.timeout * 4 / 10);
    CHECK_FALSE(bool(sim.View(0, 2)->flags & (kNodePfail | kNodeFail)));
    int64_t fail_at = 0;
    while (sim.now - died < 10 * sim.timeout && !fail_at) {
      sim.Run(100);
      if (sim.View(0, 2)->flags & kNodeFail) fail_at = sim.now;
    }
    REQUIRE(fail_at != 0);
    INFO("FAIL after ", fail_at - died, " ms, node_timeout ", sim.timeout);
    CHECK(fail_at - died > sim.timeout);
    CHECK(fail_at - died <= 2 * sim.timeout);  // PFAIL spreads at once, no ping wait
    sim.Run(500);                              // the FAIL broadcast reaches B
    CHECK(bool(sim.View(1, 2)->flags & kNodeFail));
    CHECK_FALSE(sim[0].StateOk());
    CHECK(sim[0].NodesText().find("master,fail - ") != std::string::npos);
    CHECK(sim[0].InfoText().find("cluster_slots_fail:5461\r\n") != std::string::npos);
    CHECK(sim[0].MessagesSent(kMsgFail) + sim[1].MessagesSent(kMsgFail) >= 1);

    SUBCASE("a master that comes back has FAIL cleared after 2 x node_timeout") {
      sim.alive[2] = true;
      sim.Run(400);
      CHECK(bool(sim.View(0, 2)->flags & kNodeFail));  // too early for a master with slots
      sim.Run(3 * sim.timeout);
      CHECK_FALSE(bool(sim.View(0, 2)->flags & kNodeFail));
      sim.Run(3000);
      CHECK(sim[0].StateOk());
    }
  }

  TEST_CASE("masters that share a configEpoch end with distinct epochs") {
    Sim sim(3);
    REQUIRE(sim[0].AddSlots(Range(0, 5460)).ok());
    REQUIRE(sim[1].AddSlots(Range(5461, 10922)).ok());
    REQUIRE(sim[2].AddSlots(Range(10923, 16383)).ok());
    sim.MeetAll();
    sim.Run(8000);
    std::set<uint64_t> epochs;
    for (int i = 0; i < 3; i++) epochs.insert(sim[i].myself().config_epoch);
    CHECK(epochs.size() == 3);
    for (int i = 0; i < 3; i++) {
      CAPTURE(i);
      CHECK(sim[i].StateOk());
      for (int j = 0; j < 3; j++)
        CHECK(sim.View(i, j)->config_epoch == sim[j].myself().config_epoch);
    }
  }

  TEST_CASE("a node claiming slots with a stale epoch gets an UPDATE and gives them up") {
    Sim sim(3);
    FormThreeMasters(sim);
    sim.Kill(2);  // partitioned while node 0 takes over slot 16383
    REQUIRE(sim[0].SetSlotImporting(16383, sim[2].MyId()).ok());
    REQUIRE(sim[0].SetSlotNode(16383, sim[0].MyId()).ok());
    CHECK(sim[0].myself().config_epoch == 4);  // bumped without consensus
    sim.Run(300);
    CHECK(sim[1].SlotOwner(16383) == sim.View(1, 0));
    sim.alive[2] = true;  // comes back still claiming 16383 with epoch 3
    sim.Run(3000);
    for (int i = 0; i < 3; i++) CHECK(sim[i].SlotOwner(16383) == sim.View(i, 0));
    CHECK(sim[2].myself().num_slots == 5460);
    CHECK(sim[2].MessagesReceived(kMsgUpdate) >= 1);
    CHECK(sim[0].myself().num_slots == 5462);
  }

  TEST_CASE("PUBLISH reaches the other nodes through the publish hook") {
    Sim sim(3);
    FormThreeMasters(sim);
    std::vector<std::string> got;
    for (int i = 1; i < 3; i++) {
      sim[i].hooks().on_publish = [&got](bool shard, std::string_view c, std::string_view m) {
        got.push_back(std::string(shard ? "s:" : "") + std::string(c) + "=" + std::string(m));
      };
    }
    sim[0].Publish("news", "hello", false);
    sim.Pump();
    CHECK(got == std::vector<std::string>{"news=hello", "news=hello"});
  }

  TEST_CASE("REPLICATE makes a replica that others see with its master") {
    Sim sim(4);
    FormThreeMasters(sim);
    REQUIRE(sim[0].Meet(sim.ips[3], 7000, 17000).ok());
    sim.Run(3000);
    CHECK(sim[3].Replicate(sim[3].MyId()).message() == "ERR Can't replicate myself");
    REQUIRE(sim[3].Replicate(sim[0].MyId()).ok());
    sim.Run(3000);
    for (int i = 0; i < 4; i++) {
      CAPTURE(i);
      const NodeInfo* r = sim.View(i, 3);
      CHECK(r->IsReplica());
      REQUIRE(r->master != nullptr);
      CHECK(r->master->name == sim[0].MyId());
    }
    auto lines = sim[1].ReplicaLines(sim[0].MyId());
    REQUIRE(lines.ok());
    REQUIRE(lines->size() == 1);
    CHECK((*lines)[0].find(" slave " + std::string(sim[0].MyId()) + " ") != std::string::npos);
    CHECK(sim[1].Replicate(sim[3].MyId()).message() ==
          "ERR I can only replicate a master, not a replica.");
  }

  TEST_CASE("nodes.conf written by one instance loads into an identical table") {
    Sim sim(3);
    FormThreeMasters(sim);
    REQUIRE(sim[0].SetSlotMigrating(5, sim[1].MyId()).ok());
    REQUIRE(sim[0].SetSlotImporting(6000, sim[1].MyId()).ok());
    sim.Pump();
    std::string text = sim[0].SaveConfigText();
    CHECK(sim.saved[0] == text);  // the last kSaveConfig carried the same text
    CHECK(text.find("[5->-" + std::string(sim[1].MyId()) + "]") != std::string::npos);
    CHECK(text.find("[6000-<-" + std::string(sim[1].MyId()) + "]") != std::string::npos);
    ClusterState::Options o;
    o.port = 7000;
    ClusterState copy(o, "", sim.now);
    REQUIRE(copy.LoadConfig(text).ok());
    CHECK(copy.MyId() == sim[0].MyId());
    CHECK(WithoutTimes(copy.SaveConfigText()) == WithoutTimes(text));
    CHECK(copy.SlotOwner(16383)->name == sim[2].MyId());
    CHECK(copy.current_epoch() == 3);
    CHECK_FALSE(copy.LoadConfig("garbage line\n").ok());
  }

  TEST_CASE("command errors use Redis's texts") {
    Sim sim(2);
    REQUIRE(sim[0].AddSlots({1, 2}).ok());
    CHECK(sim[0].AddSlots({1}).message() == "ERR Slot 1 is already busy");
    CHECK(sim[0].AddSlots({3, 3}).message() == "ERR Slot 3 specified multiple times");
    CHECK(sim[0].DelSlots({4}).message() == "ERR Slot 4 is already unassigned");
    CHECK(sim[0].AddSlots({16384}).message() == "ERR Invalid or out of range slot");
    CHECK(sim[0].SetSlotMigrating(9, sim[0].MyId()).message() ==
          "ERR I'm not the owner of hash slot 9");
    CHECK(sim[0].SetSlotImporting(1, sim[0].MyId()).message() ==
          "ERR I'm already the owner of hash slot 1");
    CHECK(sim[0].Forget(sim[0].MyId()).message() ==
          "ERR I tried hard but I can't forget myself...");
    CHECK(sim[0].Forget(std::string(40, 'x')).message() ==
          "ERR Unknown node " + std::string(40, 'x'));
    CHECK(*sim[0].BumpEpoch() == "BUMPED 1");
    CHECK(*sim[0].BumpEpoch() == "STILL 1");
    CHECK(sim[0].SetConfigEpoch(5).message() == "ERR Node config epoch is already non-zero");
    CHECK(sim[1].SetConfigEpoch(-1).message() == "ERR Invalid config epoch specified: -1");
    REQUIRE(sim[0].DelSlots({1, 2}).ok());
    CHECK(sim[0].myself().num_slots == 0);
    std::string old_id(sim[0].MyId());
    REQUIRE(sim[0].Reset(true).ok());
    CHECK(sim[0].MyId() != old_id);
    CHECK(sim[0].myself().config_epoch == 0);
  }

  TEST_CASE("FORGET removes a node and blacklists it against gossip") {
    Sim sim(3);
    FormThreeMasters(sim);
    std::string c(sim[2].MyId());
    REQUIRE(sim[0].Forget(c).ok());
    CHECK(sim[0].Lookup(c) == nullptr);
    CHECK(sim[0].SlotOwner(16383) == nullptr);
    sim.Run(2000);  // B gossips about C, C pings A: not re-added while blacklisted
    CHECK(sim[0].Lookup(c) == nullptr);
  }
}

}  // namespace node::cluster
