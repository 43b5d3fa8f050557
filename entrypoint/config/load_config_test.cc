// Tests for entrypoint/config/load_config.h: file syntax, env, flags,
// precedence and the one-line errors. Files go to a fresh temp directory.

#include "entrypoint/config/load_config.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using entrypoint::config::ApplyConfigFile;
using entrypoint::config::ApplyConfigText;
using entrypoint::config::ApplyEnv;
using entrypoint::config::LoadConfig;
using entrypoint::config::LoadedConfig;
using node::config::Config;

namespace {

// argv / envp built from strings, NULL-terminated as main() gets them.
struct Argv {
  explicit Argv(std::vector<std::string> a) : store(std::move(a)) {
    for (auto& s : store) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(ptrs.size()) - 1; }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> store;
  std::vector<char*> ptrs;
};

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/shoal_cfg_test_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string path;
};

node::base::Result<LoadedConfig> Load(std::vector<std::string> args,
                                      std::vector<std::string> env = {}) {
  args.insert(args.begin(), "shoal");
  Argv a(std::move(args));
  Argv e(std::move(env));
  return LoadConfig(a.argc(), a.argv(), e.argv());
}

}  // namespace

TEST_SUITE("entrypoint/config") {
  TEST_CASE("a redis.conf file with comments, quotes and multi-argument lines loads") {
    Config c;
    auto st = ApplyConfigText(
        "# comment\n"
        "   # indented comment\n"
        "\n"
        "port 7000\n"
        "bind 127.0.0.1 -::1\n"
        "requirepass \"p a\\\"ss\"\n"
        "masterauth 'it\\'s'\n"
        "save 900 1\n"
        "save 300 10\n"
        "client-output-buffer-limit replica 512mb 128mb 30\n"
        "maxmemory 1gb\n"
        "SLAVE-READ-ONLY no\n"
        "notify-keyspace-events \"\"\r\n"
        "cluster-node-timeout 5000",
        "/x.conf", c);
    REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.message()));
    CHECK(c.s.port == 7000);
    CHECK(c.s.bind == std::vector<std::string>{"127.0.0.1", "-::1"});
    CHECK(c.s.requirepass == "p a\"ss");
    CHECK(c.s.masterauth == "it's");
    CHECK(c.GetOne("save") == "900 1 300 10");
    CHECK(c.s.client_output_buffer_limit_replica.hard == 512u << 20);
    CHECK(c.s.maxmemory == 1u << 30);
    CHECK_FALSE(c.s.replica_read_only);
    CHECK(c.s.cluster_node_timeout == 5000);
  }

  TEST_CASE("file errors name the directive, the file and the line") {
    Config c;
    auto st = ApplyConfigText("port 7000\n\nfoo bar\n", "/etc/shoal.conf", c);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "shoal: unknown directive 'foo' at /etc/shoal.conf:3");
    st = ApplyConfigText("port abc\n", "/p.conf", c);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() ==
          "shoal: bad value 'abc' for port at /p.conf:1: argument couldn't be parsed into an "
          "integer");
    st = ApplyConfigText("requirepass \"abc\n", "/p.conf", c);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "shoal: unbalanced quotes in configuration line at /p.conf:1");
    st = ApplyConfigText("maxmemory-policy lru\n", "/p.conf", c);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() ==
          "shoal: bad value 'lru' for maxmemory-policy at /p.conf:1: argument(s) must be one of "
          "the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
          "allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
    st = ApplyConfigText("port\n", "/p.conf", c);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "shoal: missing value for port at /p.conf:1");
    CHECK_FALSE(ApplyConfigFile("/nonexistent/shoal.conf", c).ok());
  }

  TEST_CASE("include reads another file at that point, relative to the including file") {
    TempDir t;
    t.Write("inner.conf", "port 7001\nmaxmemory 10mb\n");
    std::string outer = t.Write("outer.conf", "port 7000\ninclude inner.conf\nmaxmemory 20mb\n");
    Config c;
    REQUIRE(ApplyConfigFile(outer, c));
    CHECK(c.s.port == 7001);
    CHECK(c.s.maxmemory == 20u << 20);
    std::filesystem::create_directory(t.path + "/frag");
    t.Write("frag/b.conf", "hz 30\n");
    t.Write("frag/a.conf", "hz 20\ntimeout 9\n");
    std::string globbed = t.Write("g.conf", "include frag/*.conf\ninclude nothing/*.conf\n");
    REQUIRE(ApplyConfigFile(globbed, c));
    CHECK(c.s.hz == 30);  // a.conf then b.conf
    CHECK(c.s.timeout == 9);
    std::string loop = t.Write("loop.conf", "include loop.conf\n");
    auto st = ApplyConfigFile(loop, c);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().find("nested too deeply") != std::string::npos);
  }

  TEST_CASE("environment variables map onto rows; bad values give one line") {
    Config c;
    std::vector<std::string> warnings;
    Argv env({"SHOAL_CLUSTER_NODE_TIMEOUT=5000", "SHOAL_DISCOVERY=dns:node", "SHOAL_SAVE=60 1000",
              "SHOAL_ANNOUNCE_IP=10.0.0.7", "SHOAL_NOT_A_THING=1", "HOME=/root",
              "SHOAL_CONFIG=/ignored-here"});
    REQUIRE(ApplyEnv(env.argv(), c, &warnings));
    CHECK(c.s.cluster_node_timeout == 5000);
    CHECK(c.s.shoal_discovery == "dns:node");
    CHECK(c.GetOne("save") == "60 1000");
    CHECK(c.s.cluster_announce_ip == "10.0.0.7");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "ignoring unknown environment variable SHOAL_NOT_A_THING");

    Argv bad({"SHOAL_CLUSTER_NODE_TIMEOUT=abc"});
    auto st = ApplyEnv(bad.argv(), c, nullptr);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() ==
          "shoal: bad value 'abc' for cluster-node-timeout (from SHOAL_CLUSTER_NODE_TIMEOUT): "
          "argument couldn't be parsed into an integer");
  }

  TEST_CASE("_FILE variables read secrets from files and trim the newline") {
    TempDir t;
    std::string secret = t.Write("pw", "s3cret\n");
    Config c;
    Argv env({"SHOAL_REQUIREPASS_FILE=" + secret});
    REQUIRE(ApplyEnv(env.argv(), c, nullptr));
    CHECK(c.s.requirepass == "s3cret");

    Argv both({"SHOAL_REQUIREPASS=x", "SHOAL_REQUIREPASS_FILE=" + secret});
    auto st = ApplyEnv(both.argv(), c, nullptr);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() ==
          "shoal: both SHOAL_REQUIREPASS and SHOAL_REQUIREPASS_FILE are set; use one");

    Argv missing({"SHOAL_MASTERAUTH_FILE=/nonexistent/x"});
    st = ApplyEnv(missing.argv(), c, nullptr);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().starts_with("shoal: can't read SHOAL_MASTERAUTH_FILE '/nonexistent/x'"));
  }

  TEST_CASE("precedence is defaults < file < environment < flags") {
    TempDir t;
    std::string file =
        t.Write("s.conf", "port 7000\nmaxmemory 1mb\nhz 20\ntimeout 5\ndir " + t.path + "\n");
    auto r = Load({"--config", file, "--port", "7002"}, {"SHOAL_PORT=7001", "SHOAL_MAXMEMORY=2mb"});
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
    const Config& c = r->config;
    CHECK(c.s.port == 7002);           // flag beats env and file
    CHECK(c.s.maxmemory == 2u << 20);  // env beats file
    CHECK(c.s.hz == 20);               // file beats default
    CHECK(c.s.timeout == 5);
    CHECK(c.s.cluster_node_timeout == 15000);  // default
    CHECK(c.source_of("port") == node::config::Source::kFlag);
    CHECK(c.source_of("maxmemory") == node::config::Source::kEnv);
    CHECK(c.source_of("hz") == node::config::Source::kFile);
    CHECK(r->config_file == file);
  }

  TEST_CASE("flags work redis-server style, with aliases and multi-argument values") {
    TempDir t;
    std::string file = t.Write("p.conf", "maxmemory 3mb\n");
    auto r = Load({file, "--port", "7000", "--save", "900", "1", "--slaveof-read-only-not", "x"});
    CHECK_FALSE(r.ok());  // unknown flag
    r = Load({file, "--port", "7000", "--save", "900 1 300 10", "--bind", "127.0.0.1", "-::1",
              "--slave-read-only", "no", "--slowlog-log-slower-than", "-1",
              "--client-output-buffer-limit", "pubsub 1mb 1mb 0", "--shoal-replicas=0", "--dir",
              t.path});
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
    const Config& c = r->config;
    CHECK(c.s.port == 7000);
    CHECK(c.s.maxmemory == 3u << 20);
    CHECK(c.GetOne("save") == "900 1 300 10");
    CHECK(c.GetOne("bind") == "127.0.0.1 -::1");
    CHECK_FALSE(c.s.replica_read_only);
    CHECK(c.s.slowlog_log_slower_than == -1);
    CHECK(c.s.client_output_buffer_limit_pubsub.hard == 1u << 20);
    CHECK(c.s.shoal_replicas == 0);
  }

  TEST_CASE("flag and validation errors are one line") {
    auto r = Load({"--cluster-node-timeout", "abc"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() ==
          "shoal: bad value 'abc' for cluster-node-timeout (from --cluster-node-timeout): "
          "argument couldn't be parsed into an integer");
    r = Load({"--tls-port", "6380"});
    CHECK(r.ok());  // TLS is built (node/net); certificates are checked at start
    r = Load({"--cluster-enabled", "yes", "--port", "0"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().starts_with("shoal: port 0: a cluster node needs a TCP port"));
    r = Load({}, {"SHOAL_DAEMONIZE=yes"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().starts_with("shoal: daemonize yes: "));
    r = Load({"--no-such-flag", "1"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("--no-such-flag") != std::string::npos);
    CHECK(r.error().find('\n') == std::string::npos);
    r = Load({"--dir", "/nonexistent/dir"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "shoal: bad value '/nonexistent/dir' for dir: not an existing directory");
    r = Load({"--requirepass", "a", "--config", "/nonexistent/shoal.conf"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().starts_with("shoal: can't open config file '/nonexistent/shoal.conf'"));
  }

  TEST_CASE("--help and --version ask the caller to print and exit") {
    auto r = Load({"--help"});
    REQUIRE(r.ok());
    CHECK(r->action == LoadedConfig::Action::kHelp);
    CHECK(r->text.find("--cluster-node-timeout") != std::string::npos);
    CHECK(r->text.find("SHOAL_CLUSTER_NODE_TIMEOUT") != std::string::npos);
    r = Load({"--version"});
    REQUIRE(r.ok());
    CHECK(r->action == LoadedConfig::Action::kVersion);
    CHECK(r->text.starts_with("shoal v="));
  }

  TEST_CASE("SHOAL_CONFIG names the file when no flag does") {
    TempDir t;
    std::string file = t.Write("e.conf", "port 7005\n");
    auto r = Load({}, {"SHOAL_CONFIG=" + file});
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
    CHECK(r->config.s.port == 7005);
    CHECK(r->config_file == file);
  }
}
