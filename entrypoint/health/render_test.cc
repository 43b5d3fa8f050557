// entrypoint/health/render_test.cc

#include "entrypoint/health/render.h"

#include <doctest/doctest.h>

#include <string>

#include "entrypoint/health/prom_validator.h"

namespace entrypoint::health {
namespace {

using node::server::NodeStatus;
using testing::ValidatePromText;

NodeStatus ClusterMaster() {
  NodeStatus s;
  s.loop_alive = true;
  s.role = "master";
  s.run_id = "0123456789abcdef0123456789abcdef01234567";
  s.tcp_port = 6379;
  s.cluster_enabled = true;
  s.cluster_state = "ok";
  s.my_id = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca";
  s.slots_assigned = s.slots_ok = 16384;
  s.known_nodes = 6;
  s.cluster_size = 3;
  s.my_slots = 5461;
  s.db_keys[0] = 42;
  s.db_expires[0] = 7;
  return s;
}

}  // namespace

TEST_SUITE("entrypoint/health/render") {
  TEST_CASE("Readiness follows the role, the cluster state and the master link") {
    CHECK_FALSE(CheckReady(std::nullopt).ready);
    NodeStatus standalone;
    standalone.loop_alive = true;
    CHECK(CheckReady(standalone).ready);

    NodeStatus m = ClusterMaster();
    CHECK(CheckReady(m).ready);
    m.cluster_state = "fail";
    CHECK(CheckReady(m).reason == "cluster_state fail");
    m.cluster_state = "ok";
    m.my_slots = 0;
    CHECK(CheckReady(m).reason == "master serves no slots");

    NodeStatus r = ClusterMaster();
    r.role = "replica";
    r.my_slots = 0;
    CHECK(CheckReady(r).reason == "replica link to master is down");
    r.master_link_up = true;
    CHECK(CheckReady(r).ready);
  }

  TEST_CASE("JSON strings escape quotes, controls and invalid UTF-8") {
    CHECK(JsonQuote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(JsonQuote("l1\nl2\t\x01") == "\"l1\\nl2\\t\\u0001\"");
    CHECK(JsonQuote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
    CHECK(JsonQuote("\xff\xc3") == "\"\\ufffd\\ufffd\"");
    CHECK(JsonQuote("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
    CHECK(JsonQuote("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong '/'
  }

  TEST_CASE("/healthz JSON carries role, cluster, replication and bootstrap fields") {
    Extras e;
    e.bootstrap_phase = "formed";
    e.last_error = "peer 10.0.0.2:6379 said \"LOADING\"";
    e.failovers_total = 2;
    auto st = std::optional<NodeStatus>(ClusterMaster());
    std::string j = RenderHealthJson(st, CheckReady(st), e);
    CHECK(j.front() == '{');
    CHECK(j.back() == '}');
    CHECK(j.find("\"live\":true") != std::string::npos);
    CHECK(j.find("\"ready\":true") != std::string::npos);
    CHECK(j.find("\"role\":\"master\"") != std::string::npos);
    CHECK(j.find("\"state\":\"ok\"") != std::string::npos);
    CHECK(j.find("\"my_slots\":5461") != std::string::npos);
    CHECK(j.find("\"known_nodes\":6") != std::string::npos);
    CHECK(j.find("\"phase\":\"formed\"") != std::string::npos);
    CHECK(j.find("\"failovers\":2") != std::string::npos);
    CHECK(j.find("said \\\"LOADING\\\"") != std::string::npos);

    std::string dead = RenderHealthJson(std::nullopt, CheckReady(std::nullopt), e);
    CHECK(dead.find("\"live\":false") != std::string::npos);
    CHECK(dead.find("\"role\"") == std::string::npos);
  }

  TEST_CASE("Prometheus escaping of label values and help text") {
    CHECK(PromLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    CHECK(PromHelpText("x\\y\nz\"") == "x\\\\y\\nz\"");
  }

  TEST_CASE("/metrics is valid Prometheus text with redis_exporter names") {
    Extras e;
    e.bootstrap_phase = "we\"ird\nphase\\";
    e.formation_seconds = 2.5;
    NodeStatus s = ClusterMaster();
    s.db_keys[3] = 1;  // standalone-style extra db
    std::string m = RenderMetrics(s, e, "7.0.15");
    CHECK(ValidatePromText(m) == "");
    for (const char* want : {"redis_up 1\n",
                             "redis_uptime_in_seconds 0\n",
                             "redis_connected_clients 0\n",
                             "redis_blocked_clients 0\n",
                             "redis_memory_used_bytes ",
                             "redis_memory_max_bytes ",
                             "redis_commands_processed_total ",
                             "redis_connections_received_total ",
                             "redis_net_input_bytes_total ",
                             "redis_net_output_bytes_total ",
                             "redis_expired_keys_total ",
                             "redis_evicted_keys_total ",
                             "redis_keyspace_hits_total ",
                             "redis_keyspace_misses_total ",
                             "redis_db_keys{db=\"db0\"} 42\n",
                             "redis_db_keys{db=\"db3\"} 1\n",
                             "redis_db_keys_expiring{db=\"db0\"} 7\n",
                             "redis_cluster_enabled 1\n",
                             "redis_cluster_state 1\n",
                             "redis_cluster_slots_assigned 16384\n",
                             "redis_cluster_slots_ok 16384\n",
                             "redis_cluster_slots_pfail 0\n",
                             "redis_cluster_slots_fail 0\n",
                             "redis_cluster_known_nodes 6\n",
                             "redis_cluster_size 3\n",
                             "redis_connected_slaves 0\n",
                             "redis_master_repl_offset 0\n",
                             "role=\"master\"",
                             "redis_version=\"7.0.15\"",
                             "# TYPE redis_commands_processed_total counter\n",
                             "shoal_bootstrap_phase{phase=\"we\\\"ird\\nphase\\\\\"} 1\n",
                             "shoal_formation_seconds 2.5\n",
                             "shoal_failovers_total 0\n"}) {
      CHECK_MESSAGE(m.find(want) != std::string::npos, want);
    }
    // Masters do not export redis_master_link_up (as redis_exporter).
    CHECK(m.find("redis_master_link_up") == std::string::npos);
    s.role = "replica";
    s.master_link_up = true;
    m = RenderMetrics(s, e, "7.0.15");
    CHECK(m.find("redis_master_link_up 1\n") != std::string::npos);
    CHECK(m.find("role=\"slave\"") != std::string::npos);
    CHECK(ValidatePromText(m) == "");
  }

  TEST_CASE("/metrics without a snapshot says redis_up 0 and stays valid") {
    std::string m = RenderMetrics(std::nullopt, Extras{}, "7.0.15");
    CHECK(ValidatePromText(m) == "");
    CHECK(m.find("redis_up 0\n") != std::string::npos);
    CHECK(m.find("redis_connected_clients") == std::string::npos);
    CHECK(m.find("shoal_bootstrap_phase{phase=\"none\"} 1\n") != std::string::npos);
  }

  TEST_CASE("The validator rejects malformed exposition text") {
    CHECK(ValidatePromText("x 1") != "");                       // no final newline
    CHECK(ValidatePromText("9x 1\n") != "");                    // bad name
    CHECK(ValidatePromText("x{a=\"b} 1\n") != "");              // unterminated
    CHECK(ValidatePromText("x{a=\"\\q\"} 1\n") != "");          // bad escape
    CHECK(ValidatePromText("x one\n") != "");                   // bad value
    CHECK(ValidatePromText("x 1\nx 2\n") != "");                // duplicate
    CHECK(ValidatePromText("x 1\ny 1\nx{a=\"1\"} 1\n") != "");  // interleaved
    CHECK(ValidatePromText("# TYPE x gauge\n# TYPE x gauge\nx 1\n") != "");
    CHECK(ValidatePromText("# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"2\"} 2\n") == "");
  }
}

}  // namespace entrypoint::health
