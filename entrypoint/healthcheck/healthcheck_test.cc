// entrypoint/healthcheck/healthcheck_test.cc
//
// `shoal healthcheck` against a real HealthServer on 127.0.0.1, port 0.

#include "entrypoint/healthcheck/healthcheck.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <vector>

#include "entrypoint/health/health_server.h"

namespace entrypoint::healthcheck {
namespace {

using namespace std::chrono_literals;

struct Argv {
  std::vector<std::string> store;
  std::vector<char*> ptrs;
  explicit Argv(std::vector<std::string> a) : store(std::move(a)) {
    for (auto& s : store) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(store.size()); }
  char** argv() { return ptrs.data(); }
};

}  // namespace

TEST_SUITE("entrypoint/healthcheck") {
  TEST_CASE("Arguments: port from flag over SHOAL_HTTP_PORT over 8080, and clear errors") {
    Argv none({"healthcheck"});
    auto o = ParseHealthcheckArgs(none.argc(), none.argv(), nullptr);
    REQUIRE(o.ok());
    CHECK(o->port == 8080);
    CHECK(o->host == "127.0.0.1");
    CHECK_FALSE(o->ready);

    o = ParseHealthcheckArgs(none.argc(), none.argv(), "9000");
    REQUIRE(o.ok());
    CHECK(o->port == 9000);

    Argv all({"healthcheck", "--ready", "--port", "7000", "--host=::1", "--timeout", "250"});
    o = ParseHealthcheckArgs(all.argc(), all.argv(), "9000");
    REQUIRE(o.ok());
    CHECK(o->ready);
    CHECK(o->port == 7000);
    CHECK(o->host == "::1");
    CHECK(o->timeout_ms == 250);

    auto bad_env = ParseHealthcheckArgs(none.argc(), none.argv(), "http");
    REQUIRE_FALSE(bad_env.ok());
    CHECK(bad_env.error().find("SHOAL_HTTP_PORT") != std::string::npos);
    Argv bad_port({"healthcheck", "--port", "70000"});
    CHECK_FALSE(ParseHealthcheckArgs(bad_port.argc(), bad_port.argv(), nullptr).ok());
    Argv missing({"healthcheck", "--port"});
    CHECK_FALSE(ParseHealthcheckArgs(missing.argc(), missing.argv(), nullptr).ok());
    Argv unknown({"healthcheck", "--verbose"});
    auto u = ParseHealthcheckArgs(unknown.argc(), unknown.argv(), nullptr);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().find("'--verbose'") != std::string::npos);
  }

  TEST_CASE("Probes say ok or unhealthy with the reason, in one line" * doctest::timeout(30)) {
    std::atomic<bool> formed{false};
    health::HealthOptions ho;
    ho.host = "127.0.0.1";
    ho.port = 0;
    ho.status_deadline = 50ms;
    health::HealthServer hs(ho, [&](std::chrono::milliseconds) {
      node::server::NodeStatus st;
      st.cluster_enabled = true;
      st.cluster_state = formed ? "ok" : "fail";
      st.my_slots = formed ? 100 : 0;
      return std::optional<node::server::NodeStatus>(st);
    });
    REQUIRE(hs.Start().ok());

    ProbeOptions po;
    po.port = hs.port();
    po.timeout_ms = 5000;
    ProbeResult r = Probe(po);
    CHECK(r.healthy);
    CHECK(r.line == "ok: /livez 200");

    po.ready = true;
    r = Probe(po);
    CHECK_FALSE(r.healthy);
    CHECK(r.line == "unhealthy: /readyz 503: cluster_state fail");

    formed = true;
    r = Probe(po);
    CHECK(r.healthy);
    CHECK(r.line == "ok: /readyz 200");

    Argv args({"healthcheck", "--ready", "--port", std::to_string(hs.port())});
    CHECK(RunHealthcheck(args.argc(), args.argv()) == 0);

    int port = hs.port();
    hs.Stop();
    po.port = port;
    r = Probe(po);
    CHECK_FALSE(r.healthy);
    CHECK(r.line.find("unhealthy: /readyz: ") == 0);
    CHECK(r.line.find("http://127.0.0.1:" + std::to_string(port) + "/readyz") != std::string::npos);
    CHECK(r.line.find('\n') == std::string::npos);
    Argv down({"healthcheck", "--port", std::to_string(port)});
    CHECK(RunHealthcheck(down.argc(), down.argv()) == 1);
  }
}

}  // namespace entrypoint::healthcheck
