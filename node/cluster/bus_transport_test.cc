// Two ClusterStates talking over real loopback sockets through BusTransport.

#include "node/cluster/bus_transport.h"

#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include "node/base/clock.h"

namespace node::cluster {
namespace {

int FreePort(asio::io_context& io) {
  asio::ip::tcp::acceptor a(io);
  asio::error_code ec;
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  a.open(ep.protocol(), ec);
  a.bind(ep, ec);
  return ec ? 0 : a.local_endpoint(ec).port();
}

}  // namespace

TEST_SUITE("cluster/bus_transport") {
  TEST_CASE("two nodes on loopback complete the MEET handshake over real sockets" *
            doctest::timeout(20)) {
    spdlog::set_level(spdlog::level::warn);
    asio::io_context io;
    int bus[2] = {FreePort(io), FreePort(io)};
    REQUIRE(bus[0] > 0);
    REQUIRE(bus[1] > 0);
    std::vector<std::unique_ptr<ClusterState>> states;
    std::vector<std::unique_ptr<BusTransport>> transports;
    int saves = 0;
    for (int i = 0; i < 2; i++) {
      ClusterState::Options o;
      o.port = 30001 + i;
      o.bus_port = bus[i];
      o.node_timeout_ms = 2000;
      states.push_back(std::make_unique<ClusterState>(o, "", base::UnixMs()));
      transports.push_back(std::make_unique<BusTransport>(io, *states[i], "127.0.0.1", bus[i]));
      transports[i]->save_config = [&saves](const std::string&, bool) { saves++; };
      REQUIRE(transports[i]->Start().ok());
    }
    REQUIRE(states[0]->Meet("127.0.0.1", 30002, bus[1]).ok());
    transports[0]->Flush();
    auto done = [&]() {
      for (auto& s : states) {
        std::string t = s->NodesText();
        if (std::count(t.begin(), t.end(), '\n') != 2 || t.find("handshake") != std::string::npos ||
            t.find("disconnected") != std::string::npos)
          return false;
      }
      return true;
    };
    for (int i = 0; i < 100 && !done(); i++) io.run_for(std::chrono::milliseconds(100));
    CHECK(done());
    const NodeInfo* b = states[0]->Lookup(states[1]->MyId());
    REQUIRE(b != nullptr);
    CHECK(b->ip == "127.0.0.1");
    CHECK(b->cport == bus[1]);
    CHECK(states[1]->myself().ip == "127.0.0.1");
    CHECK(saves > 0);
    for (auto& t : transports) t->Stop();
  }
}

}  // namespace node::cluster
