// entrypoint/main.cc
//
// shoal's main(): loads the configuration (defaults < file < SHOAL_* env <
// flags), starts the node's engine on this thread, and turns SIGTERM/SIGINT
// into a clean shutdown. Exit codes: 0 clean shutdown, 1 bad configuration,
// 2 the node could not start (e.g. the port is taken).

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "entrypoint/bootstrap/bootstrap.h"
#include "entrypoint/bootstrap/handoff.h"
#include "entrypoint/bootstrap/resp_client.h"
#include "entrypoint/config/load_config.h"
#include "entrypoint/discovery/discovery.h"
#include "entrypoint/health/health_server.h"
#include "entrypoint/health/server_status.h"
#include "entrypoint/healthcheck/healthcheck.h"
#include "entrypoint/supervisor/exit_codes.h"
#include "entrypoint/supervisor/lifetime_gate.h"
#include "entrypoint/supervisor/supervisor.h"
#include "node/base/log.h"
#include "node/persist/persistence.h"
#include "node/server/server.h"

extern char** environ;

namespace {

using entrypoint::supervisor::kExitConfig;
using entrypoint::supervisor::kExitOk;
using entrypoint::supervisor::kExitStart;

const char* LevelName(node::config::Loglevel l) {
  switch (l) {
    case node::config::Loglevel::kDebug:
      return "debug";
    case node::config::Loglevel::kVerbose:
      return "verbose";
    case node::config::Loglevel::kNotice:
      return "notice";
    case node::config::Loglevel::kWarning:
      return "warning";
  }
  return "notice";
}

}  // namespace

int main(int argc, char** argv) {
  // `shoal healthcheck [--ready] [--port N] [--host H] [--timeout MS]`: Docker's
  // HEALTHCHECK; never starts the node.
  if (argc >= 2 && std::string_view(argv[1]) == "healthcheck") {
    return entrypoint::healthcheck::RunHealthcheck(argc - 1, argv + 1);
  }
  auto loaded = entrypoint::config::LoadConfig(argc, argv, environ);
  if (!loaded.ok()) {
    fprintf(stderr, "%s\n", loaded.error().c_str());
    return kExitConfig;
  }
  auto& lc = *loaded;
  if (lc.action != entrypoint::config::LoadedConfig::Action::kRun) {
    fputs(lc.text.c_str(), stdout);
    return kExitOk;
  }
  node::config::Config& cfg = lc.config;

  node::base::InitLogging();
  node::base::SetLogLevel(LevelName(cfg.s.loglevel));
  if (!cfg.s.logfile.empty() && !node::base::SetLogFile(cfg.s.logfile)) {
    fprintf(stderr, "shoal: can't open the log file '%s'\n", cfg.s.logfile.c_str());
    return kExitConfig;
  }
  if (!cfg.s.dir.empty() && chdir(cfg.s.dir.c_str()) != 0) {
    fprintf(stderr, "shoal: can't chdir to '%s' (dir): %s\n", cfg.s.dir.c_str(), strerror(errno));
    return kExitConfig;
  }
  for (auto& w : lc.warnings) LOG_WARN("{}", w);
  LOG_INFO("shoal {} starting, pid={}", SHOAL_VERSION, getpid());
  LOG_INFO("Effective configuration: {}", cfg.Dump(true));

  if (!cfg.s.pidfile.empty()) {
    std::ofstream pf(cfg.s.pidfile);
    pf << getpid() << "\n";
  }

  // PID 1 duties. Started before ANY other thread (discovery, bootstrap,
  // health, asio), so they all inherit the blocked signal mask and only the
  // supervisor's thread ever takes SIGTERM/SIGINT/SIGQUIT/SIGCHLD/SIGHUP.
  // The other threads reach the Server only through this gate: open from
  // Start() until Run() returns, closed before the Server is destroyed.
  using ServerGate = entrypoint::supervisor::LifetimeGate<node::server::Server>;
  auto server_gate = std::make_shared<ServerGate>();
  // The node's own address for the control plane's RESP calls.
  std::string self_ip = "127.0.0.1";
  for (const std::string& b : cfg.s.bind) {
    std::string a = !b.empty() && b[0] == '-' ? b.substr(1) : b;
    if (a != "*" && a != "::*" && a != "0.0.0.0" && a != "::") self_ip = a;
    break;
  }
  // The client port the control plane uses: the TLS port when the node takes
  // clients only over TLS (port 0) or the cluster announces it (tls-cluster).
  const bool tls_clients =
      cfg.s.tls_port != 0 && (cfg.s.port == 0 || (cfg.s.tls_cluster && cfg.s.cluster_enabled));
  const int client_port = static_cast<int>(tls_clients ? cfg.s.tls_port : cfg.s.port);
  entrypoint::bootstrap::SetRespClientTls(tls_clients);
  entrypoint::bootstrap::PeerAddr self_addr{self_ip, client_port};
  entrypoint::supervisor::SupervisorOptions so;
  so.shutdown_timeout = std::chrono::seconds(cfg.s.shoal_shutdown_timeout);
  const bool cluster_mode = cfg.s.cluster_enabled;
  // The control plane (bootstrap, handoff) authenticates as masteruser with
  // masterauth when a masteruser is set (that user needs the CLUSTER, MIGRATE
  // and key-moving commands), else as the default user with requirepass.
  entrypoint::bootstrap::Credentials credentials;
  if (!cfg.s.masteruser.empty()) {
    credentials = {cfg.s.masteruser, cfg.s.masterauth};
  } else {
    credentials = {"", cfg.s.requirepass};
  }
  const int64_t shutdown_timeout_s = cfg.s.shoal_shutdown_timeout;
  so.on_shutdown = [server_gate, self_addr, cluster_mode, credentials, shutdown_timeout_s](int) {
    auto state = server_gate->With([](node::server::Server&) {});
    if (state == ServerGate::State::kNotOpen) _exit(kExitOk);  // nothing started: nothing to save
    if (state == ServerGate::State::kClosed) return;           // Run() returned: main() is exiting
    if (!cluster_mode) {
      server_gate->With([](node::server::Server& s) { s.RequestShutdown(); });
      return;
    }
    // The handoff blocks for up to seconds: not on the signal thread, which
    // must stay free to reap children and to see a second signal.
    std::thread([server_gate, self_addr, credentials, shutdown_timeout_s] {
      // A master hands its slots to a replica first (normally 0.1-0.7 s).
      // At most 3 s: when the whole cluster stops at once no election can
      // complete, and the AOF flush and exit must still fit the timeout.
      auto budget = std::chrono::milliseconds(
          std::clamp<int64_t>(shutdown_timeout_s * 1000 - 2000, 500, 3000));
      auto r = entrypoint::bootstrap::HandOffSlots(self_addr, credentials, budget);
      if (r.attempted) {
        LOG_INFO("Shutdown handoff: {} ({:.2f}s)", r.detail, r.seconds);
      } else {
        LOG_INFO("Shutdown handoff skipped: {}", r.detail);
      }
      server_gate->With([](node::server::Server& s) { s.RequestShutdown(); });
    }).detach();
  };
  entrypoint::supervisor::Supervisor supervisor(so);
  if (auto sst = supervisor.Start(); !sst.ok()) {
    fprintf(stderr, "shoal: %s\n", sst.message().c_str());
    return kExitStart;
  }

  // Discovery (shoal-discovery): the peers the bootstrap forms a cluster with.
  std::unique_ptr<entrypoint::discovery::Discovery> discovery;
  if (!cfg.s.shoal_discovery.empty()) {
    auto spec = entrypoint::discovery::ParseDiscovery(cfg.s.shoal_discovery, client_port);
    if (!spec.ok()) {
      fprintf(stderr, "%s\n", spec.error().c_str());
      return kExitConfig;
    }
    if (!cfg.s.cluster_enabled) {
      fprintf(stderr,
              "shoal: shoal-discovery '%s' needs cluster-enabled yes (the bootstrap forms a "
              "Redis Cluster)\n",
              cfg.s.shoal_discovery.c_str());
      return kExitConfig;
    }
    discovery = std::make_unique<entrypoint::discovery::Discovery>(*spec, std::chrono::seconds(1));
    discovery->Start();
    // The announce IP may depend on the route to the first peer: give DNS a
    // moment (it may simply not be ready yet, which is normal).
    discovery->WaitForPeers(1, std::chrono::seconds(3));
    auto peers = discovery->peers();
    entrypoint::discovery::AnnounceInputs in;
    in.configured = cfg.s.cluster_announce_ip;
    in.bind = cfg.s.bind;
    if (!peers.empty()) in.first_peer = &peers[0];
    auto ann = entrypoint::discovery::DetectAnnounceIp(in);
    if (!ann.ip.empty()) {
      cfg.s.cluster_announce_ip = ann.ip;
      LOG_INFO("Announce IP {} ({})", ann.ip, ann.how);
    }
  }

  auto server = std::make_unique<node::server::Server>(cfg);
  server->engine().executable = argv[0];
  server->engine().config_file = lc.config_file;
  auto st = server->Start();
  if (!st.ok()) {
    LOG_ERROR("{}", st.message());
    fprintf(stderr, "shoal: %s\n", st.message().c_str());
    return kExitStart;
  }

  server_gate->Open(server.get());
  // BGSAVE/BGREWRITEAOF children: forked through the supervisor so its
  // reaping never steals their exit status (see Persistence::ChildHooks).
  {
    node::persist::Persistence::ChildHooks hooks;
    hooks.fork = [&supervisor](std::function<void(int)> on_exit) {
      return supervisor.ForkOwned(std::move(on_exit));
    };
    hooks.disown = [&supervisor](pid_t pid) { return supervisor.DisownChild(pid); };
    // The supervisor's thread reports a child's exit; after Run() returned
    // the report is dropped (shutdown already stopped and waited for it).
    hooks.post = [server_gate](std::function<void()> fn) {
      server_gate->With([&fn](node::server::Server& s) { s.Post(std::move(fn)); });
    };
    server->persistence().set_child_hooks(std::move(hooks));
  }
  signal(SIGPIPE, SIG_IGN);

  // Health endpoints (shoal-http-port; 0 = off).
  std::unique_ptr<entrypoint::health::HealthServer> health;
  if (cfg.s.shoal_http_port > 0) {
    entrypoint::health::HealthOptions ho;
    ho.port = static_cast<int>(cfg.s.shoal_http_port);
    // Listen where the node listens: nodes on 127.0.0.11..16 of one host
    // (like containers on a bridge) can then all use the same HTTP port.
    for (const std::string& b : cfg.s.bind) {
      std::string a = !b.empty() && b[0] == '-' ? b.substr(1) : b;
      if (a != "*" && a != "::*" && a != "0.0.0.0" && a != "::") ho.host = a;
      break;
    }
    health = std::make_unique<entrypoint::health::HealthServer>(
        ho, entrypoint::health::ServerStatusProvider(*server));
    if (auto hst = health->Start(); !hst.ok()) {
      LOG_ERROR("{}", hst.message());
      fprintf(stderr, "shoal: %s\n", hst.message().c_str());
      return kExitStart;
    }
  }

  std::unique_ptr<entrypoint::bootstrap::Bootstrap> bootstrap;
  if (discovery) {
    entrypoint::bootstrap::Options bo;
    bo.cluster_size = static_cast<int>(cfg.s.shoal_cluster_size);
    bo.replicas = static_cast<int>(cfg.s.shoal_replicas);
    bo.auth = credentials;
    bo.forget_after_s = cfg.s.shoal_forget_after;
    bo.self = self_addr;
    auto* disc = discovery.get();
    bootstrap = std::make_unique<entrypoint::bootstrap::Bootstrap>(bo, [disc] {
      std::vector<entrypoint::bootstrap::PeerAddr> out;
      for (auto& p : disc->peers()) out.push_back({p.host, p.port});
      return out;
    });
    bootstrap->Start();
    if (health) {
      auto* boot = bootstrap.get();
      health->SetBootstrapPhaseProvider([boot] { return boot->phase(); });
      health->SetLastErrorProvider([boot] { return boot->last_error(); });
      health->SetFormationSecondsProvider([boot] { return boot->formation_seconds(); });
    }
  }

  LOG_INFO("Ready to accept connections");
  server->Run();
  server_gate->Close();        // no other thread touches *server from here on
  if (health) health->Stop();  // its status provider refers to *server
  if (bootstrap) bootstrap->Stop();
  if (discovery) discovery->Stop();
  if (!cfg.s.pidfile.empty()) unlink(cfg.s.pidfile.c_str());
  LOG_INFO("shoal is now ready to exit, bye bye...");
  return kExitOk;
}
