// entrypoint/main.cc
//
// shoal's main(): loads the configuration (defaults < file < SHOAL_* env <
// flags), starts the node's engine on this thread, and turns SIGTERM/SIGINT
// into a clean shutdown. Exit codes: 0 clean shutdown, 1 bad configuration,
// 2 the node could not start (e.g. the port is taken).

#include <signal.h>
#include <unistd.h>

#include <asio.hpp>
#include <cstdio>
#include <fstream>
#include <memory>

#include "entrypoint/bootstrap/bootstrap.h"
#include "entrypoint/config/load_config.h"
#include "entrypoint/discovery/discovery.h"
#include "node/base/log.h"
#include "node/server/server.h"

extern char** environ;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfig = 1;
constexpr int kExitStart = 2;

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

  // Discovery (shoal-discovery): the peers the bootstrap forms a cluster with.
  std::unique_ptr<entrypoint::discovery::Discovery> discovery;
  if (!cfg.s.shoal_discovery.empty()) {
    auto spec = entrypoint::discovery::ParseDiscovery(cfg.s.shoal_discovery,
                                                      static_cast<int>(cfg.s.port));
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
    discovery = std::make_unique<entrypoint::discovery::Discovery>(*spec,
                                                                   std::chrono::seconds(1));
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

  asio::signal_set signals(server->io(), SIGTERM, SIGINT);
  int signals_seen = 0;
  std::function<void(const asio::error_code&, int)> on_signal;
  on_signal = [&](const asio::error_code& ec, int sig) {
    if (ec) return;
    signals_seen++;
    if (signals_seen > 1) {
      LOG_WARN("Second signal received: exiting now");
      _exit(kExitOk);
    }
    LOG_INFO("Received {} scheduling shutdown...", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server->RequestShutdown();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<entrypoint::bootstrap::Bootstrap> bootstrap;
  if (discovery) {
    entrypoint::bootstrap::Options bo;
    bo.cluster_size = static_cast<int>(cfg.s.shoal_cluster_size);
    bo.replicas = static_cast<int>(cfg.s.shoal_replicas);
    bo.password = cfg.s.requirepass;
    bo.forget_after_s = cfg.s.shoal_forget_after;
    std::string self_ip = "127.0.0.1";
    for (const std::string& b : cfg.s.bind) {
      std::string a = !b.empty() && b[0] == '-' ? b.substr(1) : b;
      if (a != "*" && a != "::*" && a != "0.0.0.0" && a != "::") self_ip = a;
      break;
    }
    bo.self = {self_ip, static_cast<int>(cfg.s.port)};
    auto* disc = discovery.get();
    bootstrap = std::make_unique<entrypoint::bootstrap::Bootstrap>(bo, [disc] {
      std::vector<entrypoint::bootstrap::PeerAddr> out;
      for (auto& p : disc->peers()) out.push_back({p.host, p.port});
      return out;
    });
    bootstrap->Start();
  }

  LOG_INFO("Ready to accept connections");
  server->Run();
  if (bootstrap) bootstrap->Stop();
  if (discovery) discovery->Stop();
  if (!cfg.s.pidfile.empty()) unlink(cfg.s.pidfile.c_str());
  LOG_INFO("shoal is now ready to exit, bye bye...");
  return kExitOk;
}
