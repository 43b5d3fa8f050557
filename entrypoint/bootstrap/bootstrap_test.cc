// Unit tests for the formation plan and the CLUSTER NODES parser used by the
// bootstrap (no network).

#include "entrypoint/bootstrap/bootstrap.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

using entrypoint::bootstrap::ChooseMasterToJoin;
using entrypoint::bootstrap::ChooseReplicaMove;
using entrypoint::bootstrap::MakePlan;
using entrypoint::bootstrap::ParseClusterNodes;
using entrypoint::bootstrap::PeerAddr;

TEST_SUITE("entrypoint/bootstrap") {
  TEST_CASE("six nodes make 3 masters with redis-cli's slot ranges and one replica each") {
    std::vector<PeerAddr> p;
    for (int i = 6; i >= 1; i--) p.push_back({"10.0.0." + std::to_string(i), 6379});
    auto plan = MakePlan(p, 1);
    REQUIRE(plan.masters.size() == 3);
    CHECK(plan.masters[0].first == 0);
    CHECK(plan.masters[0].last == 5460);
    CHECK(plan.masters[1].first == 5461);
    CHECK(plan.masters[1].last == 10922);
    CHECK(plan.masters[2].first == 10923);
    CHECK(plan.masters[2].last == 16383);
    CHECK(plan.masters[0].epoch == 1);
    CHECK(plan.masters[2].epoch == 3);
    REQUIRE(plan.replicas.size() == 3);
    std::map<std::string, int> per_master;
    for (auto& [r, m] : plan.replicas) {
      per_master[m.str()]++;
      CHECK(r.ip != m.ip);
    }
    for (auto& [m, n] : per_master) CHECK(n == 1);
  }

  TEST_CASE("the plan does not depend on the order the peers were discovered in") {
    std::vector<PeerAddr> a = {{"10.0.0.3", 1}, {"10.0.0.1", 1}, {"10.0.0.2", 1},
                               {"10.0.0.6", 1}, {"10.0.0.5", 1}, {"10.0.0.4", 1}};
    std::vector<PeerAddr> b(a.rbegin(), a.rend());
    auto pa = MakePlan(a, 1), pb = MakePlan(b, 1);
    for (size_t i = 0; i < 3; i++) CHECK(pa.masters[i].addr == pb.masters[i].addr);
    for (size_t i = 0; i < 3; i++) CHECK(pa.replicas[i] == pb.replicas[i]);
  }

  TEST_CASE("nodes on one host still get a plan, masters spread over hosts when possible") {
    std::vector<PeerAddr> p = {{"10.0.0.1", 7000}, {"10.0.0.1", 7001}, {"10.0.0.1", 7002},
                               {"10.0.0.2", 7000}, {"10.0.0.2", 7001}, {"10.0.0.2", 7002}};
    auto plan = MakePlan(p, 1);
    std::set<std::string> master_hosts;
    for (auto& m : plan.masters) master_hosts.insert(m.addr.ip);
    CHECK(master_hosts.size() == 2);
    for (auto& [r, m] : plan.replicas) CHECK(r.ip != m.ip);
  }

  TEST_CASE("CLUSTER NODES lines are parsed with slots, flags and open-slot markers") {
    std::string text =
        "aaaa 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460 [5461-<-bbbb]\n"
        "bbbb 10.0.0.2:6379@16379,host-b master - 0 1 2 connected 5461-10922 16383\n"
        "cccc 10.0.0.3:6379@16379 slave,fail aaaa 0 1 1 disconnected\n";
    auto n = ParseClusterNodes(text);
    REQUIRE(n.size() == 3);
    CHECK(n[0].is_myself());
    CHECK(n[0].slots == 5461);
    CHECK(n[1].slots == 5463);
    CHECK(n[1].ranges.size() == 2);
    CHECK(n[1].ip == "10.0.0.2");
    CHECK(n[2].failed());
    CHECK_FALSE(n[2].is_master());
    CHECK(n[2].master == "aaaa");
    CHECK_FALSE(n[2].connected);
  }

  // Three masters a, b, c on .1-.3; b has replica r2, c's replica failed.
  std::string Topology(const std::string& extra) {
    return "aaaa 10.0.0.1:6379@16379 master - 0 0 1 connected 0-5460\n"
           "bbbb 10.0.0.2:6379@16379 master - 0 0 2 connected 5461-10922\n"
           "cccc 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16383\n"
           "r1r1 10.0.0.4:6379@16379 slave aaaa 0 0 1 connected\n"
           "r2r2 10.0.0.5:6379@16379 slave bbbb 0 0 2 connected\n" +
           extra;
  }

  TEST_CASE("a newcomer replicates the master without a healthy replica, not the failed one's") {
    // The failed replica of cccc must not count: cccc is the one to join.
    auto nodes =
        ParseClusterNodes(Topology("oldr 10.0.0.6:6379@16379 slave,fail cccc 0 0 3 disconnected\n"
                                   "newn 10.0.0.6:6379@16379 myself,master - 0 0 0 connected\n"));
    CHECK(ChooseMasterToJoin(nodes) == "cccc");
    auto pfail =
        ParseClusterNodes(Topology("oldr 10.0.0.6:6379@16379 slave,fail? cccc 0 0 3 disconnected\n"
                                   "newn 10.0.0.6:6379@16379 myself,master - 0 0 0 connected\n"));
    CHECK(ChooseMasterToJoin(pfail) == "cccc");
  }

  TEST_CASE("a replica moves to an orphaned master only from a master with two or more") {
    // r2r2 and r3r3 both replicate bbbb; cccc has none: the smaller id moves.
    std::string two = "r3r3 10.0.0.6:6379@16379 slave bbbb 0 0 2 connected\n";
    auto as_r2 = ParseClusterNodes(
        "aaaa 10.0.0.1:6379@16379 master - 0 0 1 connected 0-5460\n"
        "bbbb 10.0.0.2:6379@16379 master - 0 0 2 connected 5461-10922\n"
        "cccc 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16383\n"
        "r1r1 10.0.0.4:6379@16379 slave aaaa 0 0 1 connected\n"
        "r2r2 10.0.0.5:6379@16379 myself,slave bbbb 0 0 2 connected\n" +
        two);
    CHECK(ChooseReplicaMove(as_r2) == "cccc");
    auto as_r3 =
        ParseClusterNodes(Topology("r3r3 10.0.0.6:6379@16379 myself,slave bbbb 0 0 2 connected\n"));
    CHECK(ChooseReplicaMove(as_r3).empty());
    // The lone replica of aaaa never moves.
    auto as_r1 = ParseClusterNodes(
        "aaaa 10.0.0.1:6379@16379 master - 0 0 1 connected 0-5460\n"
        "bbbb 10.0.0.2:6379@16379 master - 0 0 2 connected 5461-10922\n"
        "cccc 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16383\n"
        "r1r1 10.0.0.4:6379@16379 myself,slave aaaa 0 0 1 connected\n"
        "r2r2 10.0.0.5:6379@16379 slave bbbb 0 0 2 connected\n" +
        two);
    CHECK(ChooseReplicaMove(as_r1).empty());
    // Balanced (one each): nobody moves.
    auto balanced = ParseClusterNodes(
        "aaaa 10.0.0.1:6379@16379 master - 0 0 1 connected 0-5460\n"
        "bbbb 10.0.0.2:6379@16379 master - 0 0 2 connected 5461-10922\n"
        "cccc 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16383\n"
        "r1r1 10.0.0.4:6379@16379 slave aaaa 0 0 1 connected\n"
        "r2r2 10.0.0.5:6379@16379 myself,slave bbbb 0 0 2 connected\n"
        "r3r3 10.0.0.6:6379@16379 slave cccc 0 0 3 connected\n");
    CHECK(ChooseReplicaMove(balanced).empty());
  }
}
