// node/server/cluster_wiring.cc
//
// Cluster mode in the composition root: builds ClusterState from the
// configuration and nodes.conf, starts the bus transport on the engine's
// io_context, and connects the cluster's hooks to the keyspace and the
// command layer. Engine thread only.

#include <fstream>
#include <sstream>

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/cluster/bus_transport.h"
#include "node/cluster/cluster_state.h"
#include "node/cluster/nodes_conf.h"
#include "node/commands/cluster_handlers.h"
#include "node/server/server.h"

namespace node::server {

namespace {

// The address the node listens on when it is one specific address (used for
// the bus listener and as the source of outgoing bus and replication links).
std::string SpecificBindAddress(const config::Settings& s) {
  for (const std::string& b : s.bind) {
    std::string a = !b.empty() && b[0] == '-' ? b.substr(1) : b;
    if (a == "*" || a == "::*" || a == "0.0.0.0" || a == "::") return "";
    return a;
  }
  return "";
}

// My announced address and ports from the settings, as Redis 7.0's
// deriveAnnouncedPorts: with tls-cluster the client port is the TLS port
// (cluster-announce-tls-port overrides it) and pport the plaintext one. The
// bus port is the one the bus listens on (fixed at start) unless
// cluster-announce-bus-port says otherwise.
void DeriveAnnounced(const config::Settings& s, int listen_bus, cluster::ClusterState::Options* o) {
  o->announce_ip = s.cluster_announce_ip;
  if (s.tls_cluster && s.tls_port != 0) {
    o->port =
        static_cast<int>(s.cluster_announce_tls_port ? s.cluster_announce_tls_port : s.tls_port);
    o->pport = static_cast<int>(s.cluster_announce_port ? s.cluster_announce_port : s.port);
  } else {
    o->port = static_cast<int>(s.cluster_announce_port ? s.cluster_announce_port : s.port);
    o->pport = 0;
  }
  o->bus_port =
      static_cast<int>(s.cluster_announce_bus_port ? s.cluster_announce_bus_port : listen_bus);
  o->announce_hostname = s.cluster_announce_hostname;
}

}  // namespace

base::Status Server::StartCluster() {
  auto& s = cfg_.s;
  cluster::ClusterState::Options o;
  const int64_t main_port = s.tls_cluster && s.tls_port != 0 ? s.tls_port : s.port;
  listen_bus_port_ = static_cast<int>(s.cluster_port ? s.cluster_port : main_port + 10000);
  DeriveAnnounced(s, listen_bus_port_, &o);
  o.node_timeout_ms = s.cluster_node_timeout;
  o.require_full_coverage = s.cluster_require_full_coverage;
  o.allow_replica_migration = s.cluster_allow_replica_migration;
  o.replica_validity_factor = static_cast<int>(s.cluster_replica_validity_factor);
  o.repl_ping_replica_period_s = static_cast<int>(s.repl_ping_replica_period);
  o.migration_barrier = static_cast<int>(s.cluster_migration_barrier);
  o.replica_no_failover = s.cluster_replica_no_failover;
  cluster_ = std::make_unique<cluster::ClusterState>(o, "", base::UnixMs());
  cluster_options_ = o;

  nodes_conf_path_ = s.cluster_config_file;
  std::ifstream in(nodes_conf_path_);
  bool loaded = false;
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (!text.empty()) {
      auto st = cluster_->LoadConfig(text);
      if (!st.ok()) {
        return base::Status::Error("Unrecoverable error: corrupted cluster config file \"" +
                                   nodes_conf_path_ + "\": " + st.message());
      }
      loaded = true;
      LOG_INFO("Node configuration loaded, I'm {}", cluster_->MyId());
    }
  }
  if (!loaded) {
    LOG_INFO("No cluster configuration found, I'm {}", cluster_->MyId());
    auto st = cluster::SaveFileAtomically(nodes_conf_path_, cluster_->SaveConfigText());
    if (!st.ok()) {
      return base::Status::Error("can't write the cluster config file '" + nodes_conf_path_ +
                                 "': " + st.message());
    }
  }

  auto& hooks = cluster_->hooks();
  hooks.count_keys_in_slot = [this](int slot) {
    return static_cast<uint64_t>(engine_.GetDb(0).CountInSlot(slot));
  };
  hooks.key_count = [this]() { return static_cast<uint64_t>(engine_.GetDb(0).size()); };
  hooks.delete_keys_in_slot = [this](int slot) { engine_.GetDb(0).FlushSlot(slot); };
  hooks.flush_all = [this]() {
    for (auto& d : engine_.dbs) {
      if (d) d->Flush();
    }
  };
  if (!hooks.repl_offset) hooks.repl_offset = []() -> uint64_t { return 0; };

  bus_ = std::make_unique<cluster::BusTransport>(io_, *cluster_, SpecificBindAddress(s),
                                                 listen_bus_port_);
  bus_->save_config = [this](const std::string& text, bool fsync) {
    (void)SaveNodesConf(text, fsync);
    RecheckBlockedClients();  // a slot may have moved away
  };
  bus_->state_changed = [this](bool ok) {
    LOG_INFO("Cluster state changed: {}", ok ? "ok" : "fail");
    RecheckBlockedClients();
  };
  bus_->tls = s.tls_cluster;
  auto st = bus_->Start();
  if (!st.ok()) return st;
  LOG_INFO("Cluster bus listening on port {}", listen_bus_port_);

  for (auto name :
       {"port", "tls-port", "cluster-announce-ip", "cluster-announce-port",
        "cluster-announce-tls-port", "cluster-announce-bus-port", "cluster-announce-hostname"}) {
    cfg_.OnChange(name, [this] {
      auto a = cluster_options_;
      DeriveAnnounced(cfg_.s, listen_bus_port_, &a);
      cluster_options_ = a;
      cluster_->SetAnnounced(a);
    });
  }
  for (auto name :
       {"cluster-node-timeout", "cluster-replica-validity-factor", "repl-ping-replica-period",
        "cluster-migration-barrier", "cluster-replica-no-failover",
        "cluster-allow-replica-migration", "cluster-require-full-coverage"}) {
    cfg_.OnChange(name, [this] {
      auto& cs = cfg_.s;
      auto t = cluster_options_;
      t.node_timeout_ms = cs.cluster_node_timeout;
      t.replica_validity_factor = static_cast<int>(cs.cluster_replica_validity_factor);
      t.repl_ping_replica_period_s = static_cast<int>(cs.repl_ping_replica_period);
      t.migration_barrier = static_cast<int>(cs.cluster_migration_barrier);
      t.replica_no_failover = cs.cluster_replica_no_failover;
      t.allow_replica_migration = cs.cluster_allow_replica_migration;
      t.require_full_coverage = cs.cluster_require_full_coverage;
      cluster_options_ = t;
      cluster_->SetTunables(t);
    });
  }
  engine_.cluster_failover = [this](int mode) -> std::string {
    cluster_->SetNow(base::UnixMs());
    auto m = mode == 1   ? cluster::ClusterState::FailoverMode::kForce
             : mode == 2 ? cluster::ClusterState::FailoverMode::kTakeover
                         : cluster::ClusterState::FailoverMode::kDefault;
    auto fst = cluster_->Failover(m);
    return fst.ok() ? "" : fst.message();
  };
  hooks.pause_writes = [this](bool paused) { SetWritesPaused(paused); };
  engine_.cluster = cluster_.get();
  engine_.cluster_flush = [this]() { bus_->Flush(); };
  engine_.cluster_save_config = [this]() -> std::string {
    auto r = SaveNodesConf(cluster_->SaveConfigText(), true);
    return r.ok() ? "" : r.message();
  };
  dispatcher_.set_route_check(
      [this](commands::Client& c, const commands::CommandSpec& spec,
             std::span<const std::string_view> args,
             resp::ReplyBuilder& r) { return commands::ClusterRoute(engine_, c, spec, args, r); });
  engine_.info_sections["cluster"] = [] {
    return std::string("# Cluster\r\ncluster_enabled:1\r\n");
  };
  return base::Status::Ok();
}

// A nodes.conf save that fails even in place (the disk is full and the file
// must grow) does not stop the node, unlike Redis 7.0 ("Fatal: can't update
// cluster config file", exit 1). Exiting cannot un-send anything, and the
// restart a supervisor then does loads the older file: the very state (a
// forgotten configEpoch or lastVoteEpoch) the save exists to prevent, plus
// the loss of whatever the node held in memory. Staying up keeps the current
// configuration in memory and on the bus, where the cluster's epoch rules
// correct a stale node; the one promise a restart could break, a failover
// vote, is refused until the file is current again (ClusterState::
// SetConfigSaveFailed), and the save is retried every second.
base::Status Server::SaveNodesConf(const std::string& text, bool fsync) {
  bool in_place = false;
  auto st = cluster::SaveFileAtomically(nodes_conf_path_, text, fsync, &in_place);
  const bool was_failing = cluster_->config_save_failed();
  const int64_t now = base::UnixMs();
  if (st.ok()) {
    if (in_place && now - nodes_conf_in_place_warned_ms_ >= 60000) {
      nodes_conf_in_place_warned_ms_ = now;  // at most once a minute
      LOG_WARN("Disk full: saved the cluster config file {} in place", nodes_conf_path_);
    }
    if (was_failing) LOG_INFO("The cluster config file {} is saved again", nodes_conf_path_);
    cluster_->SetConfigSaveFailed(false);
    return st;
  }
  if (!was_failing || now - nodes_conf_warned_ms_ >= 60000) {
    nodes_conf_warned_ms_ = now;
    LOG_WARN(
        "Can't update the cluster config file: {}. Running on the configuration in memory, "
        "granting no failover votes, retrying every second",
        st.message());
  }
  cluster_->SetConfigSaveFailed(true);
  return st;
}

void Server::FillClusterStatus(NodeStatus& st) {
  if (!cluster_) return;
  st.cluster_enabled = true;
  st.cluster_state = cluster_->StateOk() ? "ok" : "fail";
  st.my_id = std::string(cluster_->MyId());
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (int i = 0; i < base::kClusterSlots; i++) {
    const cluster::NodeInfo* n = cluster_->SlotOwner(i);
    if (!n) continue;
    assigned++;
    if (n->IsFailed()) {
      fail++;
    } else if (n->IsPfail()) {
      pfail++;
    } else {
      ok++;
    }
  }
  st.slots_assigned = assigned;
  st.slots_ok = ok;
  st.slots_pfail = pfail;
  st.slots_fail = fail;
  st.known_nodes = static_cast<int>(cluster_->Nodes().size());
  st.cluster_size = cluster_->cluster_size();
  st.my_slots = cluster_->myself().num_slots;
  st.current_epoch = cluster_->current_epoch();
  st.failovers_won = cluster_->failover_stats().failovers_won;
  st.elections_started = cluster_->failover_stats().elections_started;
  if (cluster_->myself().IsReplica()) st.role = "replica";
}

}  // namespace node::server
