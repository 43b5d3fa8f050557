// entrypoint/health/health_server_test.cc
//
// The real HTTP server on 127.0.0.1, port 0, probed with httplib's client.
// The engine is a stub StatusProvider.

#include "entrypoint/health/health_server.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <mutex>

#include "entrypoint/health/prom_validator.h"

namespace entrypoint::health {
namespace {

using namespace std::chrono_literals;
using node::server::NodeStatus;

// A stub engine: a snapshot the test edits, or "stuck" (never answers: the
// provider waits out its deadline like ServerStatusProvider does).
struct FakeEngine {
  std::mutex mu;
  NodeStatus status;
  std::atomic<bool> stuck{false};
  StatusProvider Provider() {
    return [this](std::chrono::milliseconds deadline) -> std::optional<NodeStatus> {
      if (stuck) {
        std::promise<NodeStatus> never;
        auto f = never.get_future();
        f.wait_for(deadline);
        return std::nullopt;
      }
      std::lock_guard<std::mutex> lk(mu);
      return status;
    };
  }
};

HealthOptions TestOptions() {
  HealthOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.status_deadline = 50ms;
  return o;
}

}  // namespace

TEST_SUITE("entrypoint/health/server") {
  TEST_CASE("The endpoints answer by phase: not live, live but not ready, ready" *
            doctest::timeout(30)) {
    FakeEngine engine;
    HealthServer hs(TestOptions(), engine.Provider());
    REQUIRE(hs.Start().ok());
    REQUIRE(hs.port() > 0);
    httplib::Client cli("127.0.0.1", hs.port());
    cli.set_connection_timeout(5s);
    cli.set_read_timeout(5s);

    engine.stuck = true;
    auto r = cli.Get("/livez");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->body.find("did not answer within 50 ms") != std::string::npos);
    r = cli.Get("/metrics");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find("redis_up 0\n") != std::string::npos);

    // Live, cluster mode, not formed yet.
    engine.stuck = false;
    {
      std::lock_guard<std::mutex> lk(engine.mu);
      engine.status.cluster_enabled = true;
      engine.status.cluster_state = "fail";
    }
    hs.SetBootstrapPhaseProvider([] { return std::string("waiting-for-peers"); });
    r = cli.Get("/livez");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "ok\n");
    r = cli.Get("/readyz");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->body == "cluster_state fail\n");
    r = cli.Get("/healthz");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "application/json");
    CHECK(r->body.find("\"phase\":\"waiting-for-peers\"") != std::string::npos);
    CHECK(r->body.find("\"ready\":false") != std::string::npos);

    // Formed: a master with slots.
    {
      std::lock_guard<std::mutex> lk(engine.mu);
      engine.status.cluster_state = "ok";
      engine.status.my_slots = 5461;
    }
    r = cli.Get("/readyz");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "ok\n");
    r = cli.Get("/metrics");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
    CHECK(testing::ValidatePromText(r->body) == "");
    CHECK(r->body.find("redis_cluster_state 1\n") != std::string::npos);
    CHECK(r->body.find("shoal_bootstrap_phase{phase=\"waiting-for-peers\"} 1") !=
          std::string::npos);

    r = cli.Get("/nope");
    REQUIRE(r);
    CHECK(r->status == 404);
    hs.Stop();
    CHECK_FALSE(cli.Get("/livez"));
  }

  TEST_CASE("A taken port fails Start() with a line naming the address" * doctest::timeout(30)) {
    FakeEngine engine;
    HealthServer first(TestOptions(), engine.Provider());
    REQUIRE(first.Start().ok());
    HealthOptions o = TestOptions();
    o.port = first.port();
    HealthServer second(o, engine.Provider());
    auto st = second.Start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().find("127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
    CHECK(st.message().find("shoal-http-port") != std::string::npos);
  }

  TEST_CASE("Stop() right after Start() returns" * doctest::timeout(30)) {
    FakeEngine engine;
    for (int i = 0; i < 5; i++) {
      HealthServer hs(TestOptions(), engine.Provider());
      REQUIRE(hs.Start().ok());
      hs.Stop();
    }
  }
}

}  // namespace entrypoint::health
