// entrypoint/healthcheck/healthcheck.h
//
// `shoal healthcheck [--ready] [--port N] [--host H] [--timeout MS]`: probes
// this node's own health endpoint with libcurl (for Docker HEALTHCHECK in
// images without curl), prints ONE line on stdout saying why, and returns
// the exit code: 0 healthy, 1 not (also 1 for bad arguments).
//
//   ok: /livez 200
//   unhealthy: /readyz 503: cluster_state fail
//   unhealthy: /livez: Couldn't connect to server (http://127.0.0.1:8080/livez)
//
// The port is --port, else $SHOAL_HTTP_PORT, else 8080; the host is --host,
// else 127.0.0.1. Runs on the calling thread; never starts the node.

#pragma once

#include <string>

#include "node/base/result.h"

namespace entrypoint::healthcheck {

struct ProbeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  bool ready = false;  // /readyz instead of /livez
  long timeout_ms = 3000;
};

struct ProbeResult {
  bool healthy = false;
  std::string line;  // the one line to print
};

// Parses the options after the "healthcheck" word. `env_port` is the value of
// SHOAL_HTTP_PORT (nullptr when unset). Errors are one line.
node::base::Result<ProbeOptions> ParseHealthcheckArgs(int argc, char** argv, const char* env_port);

// One GET; 2xx is healthy. Never throws.
ProbeResult Probe(const ProbeOptions& opts);

// The subcommand. argv[0] is "healthcheck" (main passes argc-1, argv+1 after
// seeing argv[1] == "healthcheck"). Prints one line; returns 0 or 1.
int RunHealthcheck(int argc, char** argv);

}  // namespace entrypoint::healthcheck
