// node/cluster/nodes_conf_regress_test.cc -- regression tests for what
// nodes_conf_fuzz (issue 9) found, each input kept as bytes.

#include <doctest/doctest.h>

#include <string>

#include "node/cluster/cluster_state.h"
#include "node/cluster/nodes_conf.h"

namespace node::cluster {
namespace {

// nodes_conf_fuzz crash-63a7d9bc (reduced by hand): the id 5a16... is both
// "myself,master" and, on a later line, a replica. Loading let the second line
// overwrite the flags, so myself lost its flag and the node saved a nodes.conf
// without a myself line, which it then refused at the next start.
const char* kDuplicatedMyself =
    "5a161128a2788fe423085ac76c6a700076b0e2a6 127.0.0.1:39102@49102 myself,master - 0 "
    "1795316827000 2 connected 5462-10922\n"
    "0fe6579c05118062bdf05c33d34777fb81ffb77c 127.0.0.1:39103@49103 master - 0 1795316827181 3 "
    "connected 10923-16383\n"
    "5a161128a2788fe423085ac76c6a700076b0e2a6 127.0.0.1:39104@49104 slave "
    "409e3deb07dee381b4e162ff678256ae21b4f676 0 1795316827596 1 connected\n"
    "409e3deb07dee381b4e162ff678256ae22b4f676 127.0.0.1:39101@49101 master - 0 1795316827384 1 "
    "connected 0-5460\n"
    "vars currentEpoch 6 lastVoteEpoch 0\n";

TEST_SUITE("cluster/nodes_conf_regress") {
  TEST_CASE("a nodes.conf listing one node id twice is refused as corrupt") {
    auto conf = ParseNodesConf(kDuplicatedMyself);
    REQUIRE_FALSE(conf.ok());
    CHECK(conf.error().find("at line 3") != std::string::npos);
    CHECK(conf.error().find("listed twice") != std::string::npos);

    ClusterState::Options o;
    o.seed = 1;
    ClusterState st(o, "", 1700000000000);
    std::string fresh = st.SaveConfigText();
    CHECK_FALSE(st.LoadConfig(kDuplicatedMyself).ok());
    CHECK(st.SaveConfigText() == fresh);  // the refused file changed nothing
  }
}

}  // namespace
}  // namespace node::cluster
