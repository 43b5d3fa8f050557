// entrypoint/supervisor/exit_codes.h
//
// The process exit codes of `shoal`, in one place so main(), the supervisor,
// the healthcheck subcommand and scripts agree on them. Docker, Kubernetes
// and systemd only see these numbers, so each one means one thing:
//
//   0  clean exit: a requested stop (SIGTERM/SIGINT shutdown, SHUTDOWN, a
//      second signal or SIGQUIT — see supervisor.h), --help, --version
//   1  bad configuration (one line on stderr names the setting)
//   2  the node could not start (port taken, data dir unusable, ...)
//   3  fatal runtime error after a successful start
//   4  the graceful shutdown did not finish within shoal-shutdown-timeout
//
// `shoal healthcheck` uses 0 (healthy) and 1 (unhealthy), as Docker's
// HEALTHCHECK expects.

#pragma once

namespace entrypoint::supervisor {

inline constexpr int kExitOk = 0;
inline constexpr int kExitConfig = 1;
inline constexpr int kExitStart = 2;
inline constexpr int kExitFatal = 3;
inline constexpr int kExitShutdownTimeout = 4;

}  // namespace entrypoint::supervisor
