// node/cluster/nodes_conf_fuzz.cc
//
// libFuzzer target for nodes.conf (issue 9: the file is read at startup
// from a volume that a crash, a full disk or an operator may have damaged).
// The input is a nodes.conf; it goes through ParseNodesConf and, when it
// parses, into a fresh ClusterState exactly as at startup (LoadConfig).
//
// Invariants checked for a file that loads: the CLUSTER NODES / CLUSTER INFO
// views render; the text the node would save loads into another fresh node
// with the same nodes; forgetting every other node and running the cron
// afterwards never touches a node that was deleted (ASan would report it).
// Build: scripts/fuzz.sh.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "node/base/log.h"
#include "node/cluster/cluster_state.h"
#include "node/cluster/nodes_conf.h"

namespace {

using node::cluster::ClusterState;

constexpr int64_t kNowMs = 1700000000000;

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "nodes.conf fuzz: %s\n", what);
  abort();
}

// The node ids of a saved file, in order.
std::vector<std::string> IdsOf(std::string_view text) {
  std::vector<std::string> ids;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    ids.emplace_back(text.substr(pos, std::min<size_t>(40, nl - pos)));
    pos = nl + 1;
  }
  return ids;
}

ClusterState::Options Opts() {
  ClusterState::Options o;
  o.port = 7000;
  o.bus_port = 17000;
  o.seed = 1;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = [] {
    node::base::SetLogLevel("warning");
    return true;
  }();
  (void)quiet;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto conf = node::cluster::ParseNodesConf(text);
  if (!conf.ok()) return 0;
  std::string formatted = node::cluster::FormatNodesConf(*conf);
  auto conf2 = node::cluster::ParseNodesConf(formatted);
  if (!conf2.ok()) Fail("a formatted nodes.conf does not parse");
  if (node::cluster::FormatNodesConf(*conf2) != formatted) Fail("formatting is not stable");

  ClusterState a(Opts(), "", kNowMs);
  if (!a.LoadConfig(text).ok()) return 0;
  (void)a.NodesText();
  (void)a.InfoText();
  std::string saved = a.SaveConfigText();

  ClusterState b(Opts(), "", kNowMs);
  auto st = b.LoadConfig(saved);
  if (!st.ok()) {
    fprintf(stderr, "%s\n", st.message().c_str());
    Fail("the saved nodes.conf does not load");
  }
  // The same nodes come back. (The text itself may still change: a replica
  // prints its master's epoch, and in a chain of replicas a hostile file can
  // hold, each save moves that value one link further.)
  if (IdsOf(b.SaveConfigText()) != IdsOf(saved)) {
    fprintf(stderr, "saved:\n%s\nsaved again:\n%s\n", saved.c_str(), b.SaveConfigText().c_str());
    Fail("save + load + save changed the nodes");
  }

  // Forget every other node, then let the cron run: dangling pointers left by
  // odd files (a node listed twice, a replica of itself ...) show up here.
  std::vector<std::string> ids;
  for (const auto* n : a.Nodes()) ids.push_back(n->name);
  for (const auto& id : ids) {
    (void)a.Forget(id);
    (void)a.NodesText();
  }
  for (int i = 1; i <= 3; ++i) a.Tick(kNowMs + i * 20000);
  (void)a.TakeActions();
  (void)a.NodesText();
  (void)a.InfoText();
  return 0;
}
