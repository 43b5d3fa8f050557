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

#include "entrypoint/config/load_config.h"
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

  LOG_INFO("Ready to accept connections");
  server->Run();
  if (!cfg.s.pidfile.empty()) unlink(cfg.s.pidfile.c_str());
  LOG_INFO("shoal is now ready to exit, bye bye...");
  return kExitOk;
}
