// Tests for nodes.conf / CLUSTER NODES text against the 7.0.15 samples in
// reference/cluster-commands.md §3.2 and §5.1.

#include "node/cluster/nodes_conf.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "node/cluster/bus_message.h"

namespace node::cluster {

namespace {
const char* kSample =
    "29afe1742e9930202fef16987cd951293ff37bea 127.0.0.1:21006@31006 myself,slave "
    "f0a9dd965c80c61b821a523cd1f4cf8572990479 0 1795300914129 7 connected\n"
    "a180cfc2dba814418a8c435c2939d4528d979e8d 127.0.0.1:21003@31003 master - 0 1795300914133 3 "
    "connected 10923-12181 12183-16383\n"
    "f0a9dd965c80c61b821a523cd1f4cf8572990479 127.0.0.1:21001@31001 master - 0 1795300914133 7 "
    "connected 0-5460 12182\n"
    "vars currentEpoch 7 lastVoteEpoch 0\n";
}  // namespace

TEST_SUITE("cluster/nodes_conf") {
  TEST_CASE("a real 7.0 nodes.conf parses and formats back byte for byte") {
    auto conf = ParseNodesConf(kSample);
    REQUIRE(conf.ok());
    REQUIRE(conf->nodes.size() == 3);
    CHECK(conf->current_epoch == 7);
    const NodeLine& me = conf->nodes[0];
    CHECK(me.flags == (kNodeMyself | kNodeSlave));
    CHECK(me.master_id == "f0a9dd965c80c61b821a523cd1f4cf8572990479");
    CHECK(me.port == 21006);
    CHECK(me.cport == 31006);
    CHECK(conf->nodes[1].slot_ranges.size() == 2);
    CHECK(conf->nodes[2].slot_ranges[1] == std::make_pair(12182, 12182));
    CHECK(FormatNodesConf(*conf) == kSample);
  }

  TEST_CASE("flags print in Redis's fixed order") {
    CHECK(FormatNodeFlags(kNodeMaster | kNodeMyself) == "myself,master");
    CHECK(FormatNodeFlags(kNodeSlave | kNodeFail) == "slave,fail");
    CHECK(FormatNodeFlags(kNodeMaster | kNodePfail | kNodeNoFailover) == "master,fail?,nofailover");
    CHECK(FormatNodeFlags(kNodeMeet | kNodeMigrateTo) == "noflags");
    CHECK(FormatNodeFlags(kNodeHandshake | kNodeNoAddr) == "handshake,noaddr");
  }

  TEST_CASE("hostnames, open slots and a fresh node format as Redis prints them") {
    NodeLine n;
    n.id = std::string(40, 'a');
    n.ip = "10.0.0.2";
    n.port = 6379;
    n.cport = 16379;
    n.hostname = "node-2";
    n.flags = kNodeMyself | kNodeMaster;
    n.config_epoch = 4;
    n.connected = true;
    n.slot_ranges = {{0, 0}, {5, 9}};
    n.open_slots = {{5, true, std::string(40, 'b')}, {100, false, std::string(40, 'c')}};
    std::string line = FormatNodeLine(n);
    CHECK(line == std::string(40, 'a') + " 10.0.0.2:6379@16379,node-2 myself,master - 0 0 4 " +
                      "connected 0 5-9 [5->-" + std::string(40, 'b') + "] [100-<-" +
                      std::string(40, 'c') + "]");
    auto conf = ParseNodesConf(line + "\nvars currentEpoch 1 lastVoteEpoch 0\n");
    REQUIRE(conf.ok());
    CHECK(conf->nodes[0].hostname == "node-2");
    CHECK(conf->nodes[0].open_slots.size() == 2);
    CHECK(conf->current_epoch == 4);  // raised to the max configEpoch
    CHECK(FormatNodeLine(conf->nodes[0]) == line);

    NodeLine fresh;
    fresh.id = std::string(40, '1');
    fresh.flags = kNodeMyself | kNodeMaster;
    fresh.connected = true;
    CHECK(FormatNodesConf({{fresh}, 0, 0}) == std::string(40, '1') +
                                                  " :0@0 myself,master - 0 0 0 connected\n"
                                                  "vars currentEpoch 0 lastVoteEpoch 0\n");
  }

  TEST_CASE("a missing @cport means port + 10000 and blank lines are skipped") {
    auto conf = ParseNodesConf("\n\n" + std::string(40, 'a') +
                               " 1.2.3.4:7000 myself,master - 0 0 0 connected\n\n\n");
    REQUIRE(conf.ok());
    CHECK(conf->nodes[0].cport == 17000);
  }

  TEST_CASE("corrupted files are rejected with the line number") {
    std::string id(40, 'a');
    auto bad = ParseNodesConf(id + " 1.2.3.4:7000@17000 myself,master - 0 0 0 connected\n" + id +
                              " 1.2.3.4:7000@17000 master,bogus - 0 0 0 connected\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("line 2") != std::string::npos);
    CHECK_FALSE(ParseNodesConf(id + " 1.2.3.4:7000 myself,master - 0 0\n").ok());
    CHECK_FALSE(ParseNodesConf("XYZ 1.2.3.4:7000 myself,master - 0 0 0 connected\n").ok());
    CHECK_FALSE(ParseNodesConf(id + " 1.2.3.4:7000 myself,master - 0 0 0 connected 16384\n").ok());
    CHECK_FALSE(ParseNodesConf(id + " 1.2.3.4:7000 myself,master - 0 0 0 connected 9-3\n").ok());
    CHECK_FALSE(ParseNodesConf(id + " 1.2.3.4:7000 master - 0 0 0 connected\n").ok());
    CHECK_FALSE(ParseNodesConf(id + " 1.2.3.4:7000 myself - 0 0 0 connected\nvars x\n").ok());
    CHECK(ParseNodesConf("").ok());
  }

  TEST_CASE("SaveFileAtomically replaces the file content") {
    char tmpl[] = "/tmp/shoal_nodes_conf_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    std::string path = std::string(tmpl) + "/nodes.conf";
    REQUIRE(SaveFileAtomically(path, "first version, long\n").ok());
    REQUIRE(SaveFileAtomically(path, "second\n").ok());
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "second\n");
    ::unlink(path.c_str());
    ::rmdir(tmpl);
    CHECK_FALSE(SaveFileAtomically("/nonexistent-dir/x/nodes.conf", "x").ok());
  }

  TEST_CASE("RewriteFileInPlace pads, overwrites and truncates like clusterSaveConfig") {
    char tmpl[] = "/tmp/shoal_nodes_conf_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    std::string path = std::string(tmpl) + "/nodes.conf";
    auto read = [&] {
      std::ifstream in(path);
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    };
    REQUIRE(RewriteFileInPlace(path, "created when missing\n").ok());
    CHECK(read() == "created when missing\n");
    REQUIRE(RewriteFileInPlace(path, "short\n").ok());
    CHECK(read() == "short\n");  // the newline padding is cut off
    REQUIRE(RewriteFileInPlace(path, "a longer configuration than before\n", false).ok());
    CHECK(read() == "a longer configuration than before\n");
    bool in_place = true;
    REQUIRE(SaveFileAtomically(path, "normal path\n", true, &in_place).ok());
    CHECK_FALSE(in_place);
    CHECK(read() == "normal path\n");
    ::unlink(path.c_str());
    ::rmdir(tmpl);
    CHECK_FALSE(RewriteFileInPlace("/nonexistent-dir/x/nodes.conf", "x").ok());
  }
}

}  // namespace node::cluster
