// entrypoint/discovery/discovery_test.cc
//
// Only "localhost" (from /etc/hosts) and numeric addresses are ever
// resolved here: no test touches the network or an outside name.

#include "entrypoint/discovery/discovery.h"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>

namespace entrypoint::discovery {
namespace {

using namespace std::chrono_literals;
using Kind = DiscoverySpec::Kind;

}  // namespace

TEST_SUITE("entrypoint/discovery") {
  TEST_CASE("dns: values take the node's port unless one is given") {
    auto s = ParseDiscovery("dns:shoal", 6379);
    REQUIRE(s.ok());
    CHECK(s->kind == Kind::kDns);
    CHECK(s->name == "shoal");
    CHECK(s->port == 6379);
    s = ParseDiscovery("dns:tasks.my_stack-redis.:7000", 6379);
    REQUIRE(s.ok());
    CHECK(s->name == "tasks.my_stack-redis.");
    CHECK(s->port == 7000);
    CHECK(ParseDiscovery("", 6379)->kind == Kind::kNone);
  }

  TEST_CASE("static: values list HOST:PORT entries, IPv6 in brackets") {
    auto s = ParseDiscovery("static:10.0.0.1:6379,redis-2:6380,[fd00::3]:6381", 6379);
    REQUIRE(s.ok());
    CHECK(s->kind == Kind::kStatic);
    REQUIRE(s->seeds.size() == 3);
    CHECK(s->seeds[0] == Peer{"10.0.0.1", 6379});
    CHECK(s->seeds[1] == Peer{"redis-2", 6380});
    CHECK(s->seeds[2] == Peer{"fd00::3", 6381});
    CHECK(s->seeds[2].ToString() == "[fd00::3]:6381");
  }

  TEST_CASE("Bad values fail with one line naming the setting, the value and the forms") {
    for (const char* bad :
         {"dns:", "dns:shoal:0", "dns:shoal:99999", "dns:sh oal", "dns:a..b", "dns:-x",
          "static:", "static:host", "static:host:", "static:h:1,,", "static:h:1,x:y",
          "static:[::1:6379", "static:bad host:1", "consul:shoal", "shoal"}) {
      auto s = ParseDiscovery(bad, 6379);
      CHECK_MESSAGE(!s.ok(), bad);
      if (s.ok()) continue;
      CHECK(s.error().find("shoal-discovery '" + std::string(bad) + "'") == 0);
      CHECK(s.error().find("expected dns:NAME[:PORT] or static:") != std::string::npos);
      CHECK(s.error().find('\n') == std::string::npos);
    }
  }

  TEST_CASE("Peers sort numerically, IPv4 first, without duplicates") {
    std::vector<Peer> p = {{"10.0.0.10", 1}, {"fd00::1", 1},  {"10.0.0.2", 1},
                           {"10.0.0.2", 1},  {"10.0.0.2", 0}, {"9.9.9.9", 1}};
    SortPeers(p);
    REQUIRE(p.size() == 5);
    CHECK(p[0] == Peer{"9.9.9.9", 1});
    CHECK(p[1] == Peer{"10.0.0.2", 0});
    CHECK(p[2] == Peer{"10.0.0.2", 1});
    CHECK(p[3] == Peer{"10.0.0.10", 1});
    CHECK(p[4] == Peer{"fd00::1", 1});
  }

  TEST_CASE("dns: resolves localhost through the system resolver (/etc/hosts)" *
            doctest::timeout(30)) {
    auto spec = ParseDiscovery("dns:localhost:7001", 6379);
    REQUIRE(spec.ok());
    Resolution r = Resolve(*spec);
    CHECK(r.reason == "");
    REQUIRE_FALSE(r.peers.empty());
    bool has_v4 = false;
    for (const auto& p : r.peers) {
      CHECK(p.port == 7001);
      if (p.host == "127.0.0.1") has_v4 = true;
    }
    CHECK(has_v4);
  }

  TEST_CASE("static: literals pass through and names are resolved" * doctest::timeout(30)) {
    auto spec = ParseDiscovery("static:127.0.0.3:1,localhost:2,127.0.0.3:1", 6379);
    REQUIRE(spec.ok());
    Resolution r = Resolve(*spec);
    CHECK(r.reason == "");
    REQUIRE(r.peers.size() >= 2);
    CHECK(r.peers[0] == Peer{"127.0.0.1", 2});
    CHECK(r.peers[1] == Peer{"127.0.0.3", 1});
  }

  TEST_CASE("Discovery re-resolves, keeps the latest list and reports changes" *
            doctest::timeout(30)) {
    // A scripted resolver: the name "appears" on the second resolution.
    std::atomic<int> calls{0};
    Resolver scripted = [&](const DiscoverySpec&) {
      int n = ++calls;
      Resolution r;
      if (n == 1) {
        r.reason = "'shoal' does not resolve yet";
      } else if (n == 2) {
        r.peers = {{"10.0.0.3", 6379}, {"10.0.0.1", 6379}};
      } else {
        r.peers = {{"10.0.0.1", 6379}, {"10.0.0.3", 6379}};  // same set, other order
      }
      return r;
    };
    auto spec = ParseDiscovery("dns:shoal", 6379);
    REQUIRE(spec.ok());
    Discovery d(*spec, std::chrono::hours(1), scripted);  // only ResolveNow() re-resolves
    std::mutex mu;
    std::vector<std::vector<Peer>> changes;
    d.SetOnChange([&](const std::vector<Peer>& p) {
      std::lock_guard<std::mutex> lk(mu);
      changes.push_back(p);
    });
    d.Start();
    REQUIRE(d.WaitForGeneration(1, 10s));
    CHECK(d.peers().empty());
    CHECK(d.reason() == "'shoal' does not resolve yet");

    d.ResolveNow();
    REQUIRE(d.WaitForPeers(2, 10s));
    CHECK(d.peers()[0] == Peer{"10.0.0.1", 6379});
    CHECK(d.reason() == "");

    d.ResolveNow();
    REQUIRE(d.WaitForGeneration(3, 10s));
    d.Stop();
    std::lock_guard<std::mutex> lk(mu);
    REQUIRE(changes.size() == 1);  // the reordered answer is not a change
    CHECK(changes[0].size() == 2);
  }

  TEST_CASE("Discovery on the real resolver finds localhost" * doctest::timeout(30)) {
    auto spec = ParseDiscovery("dns:localhost", 6379);
    REQUIRE(spec.ok());
    Discovery d(*spec, 10ms);
    d.Start();
    CHECK(d.WaitForPeers(1, 10s));
    CHECK(d.WaitForGeneration(3, 10s));  // keeps re-resolving
    d.Stop();
    d.Stop();
  }

  TEST_CASE("The route source towards loopback is a loopback address") {
    auto src = RouteSourceAddress("127.0.0.1", 6379);
    REQUIRE(src.ok());
    CHECK(*src == "127.0.0.1");
    CHECK_FALSE(RouteSourceAddress("not-an-ip", 1).ok());
  }

  TEST_CASE("The announce IP: configured, else hostname, else the route to the peer") {
    Peer peer{"127.0.0.1", 6379};
    AnnounceInputs in;
    in.configured = "10.1.2.3";
    in.first_peer = &peer;
    in.bind = {"127.0.0.12"};
    CHECK(DetectAnnounceIp(in).ip == "10.1.2.3");
    in.configured = "";
    AnnounceIp only_bind = DetectAnnounceIp(in);
    CHECK(only_bind.ip == "127.0.0.12");
    CHECK(only_bind.how == "the only bind address");
    in.bind = {"*", "-::*"};  // Redis's default: wildcards say nothing

    // The hostname's address is on the route to the peer: use it.
    in.hostname = "127.0.0.1";
    AnnounceIp a = DetectAnnounceIp(in);
    CHECK(a.ip == "127.0.0.1");
    CHECK(a.how.find("hostname") != std::string::npos);

    // The hostname resolves to an address (TEST-NET-2, numeric: no lookup)
    // that is not the route's source: a multi-network container. Use the
    // route's source.
    in.hostname = "198.51.100.7";
    a = DetectAnnounceIp(in);
    CHECK(a.ip == "127.0.0.1");
    CHECK(a.how.find("route to peer 127.0.0.1:6379") != std::string::npos);

    // No peer yet: the hostname's non-loopback address.
    in.first_peer = nullptr;
    CHECK(DetectAnnounceIp(in).ip == "198.51.100.7");
    // Only loopback: leave it to the peers.
    in.hostname = "localhost";
    a = DetectAnnounceIp(in);
    CHECK(a.ip == "");
    CHECK(a.how.find("loopback") != std::string::npos);
  }
}

}  // namespace entrypoint::discovery
