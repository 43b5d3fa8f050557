// entrypoint/health/render.h
//
// Pure functions that turn a NodeStatus snapshot (or its absence: the engine
// loop did not answer in time) into the bodies of /readyz, /healthz and
// /metrics. No I/O, no clocks, so tests feed hand-made snapshots. Called by
// HealthServer on its HTTP worker threads; everything here is reentrant.
//
// Nothing rendered here ever contains a key, a value or a secret: only the
// fields of NodeStatus and the bootstrap's own words.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/server/status.h"

namespace entrypoint::health {

// What the bootstrap and the failover logic report, read at each request.
struct Extras {
  std::string bootstrap_phase;  // "" = unknown (no bootstrap wired)
  double formation_seconds = 0;
  uint64_t failovers_total = 0;
  std::string last_error;
};

struct Readiness {
  bool ready = false;
  std::string reason;  // "ok" or why not, one line
};

// /readyz: cluster mode: cluster_state ok AND (a master with slots, or a
// replica whose link to its master is up); standalone: the loop answers.
Readiness CheckReady(const std::optional<node::server::NodeStatus>& st);

// /healthz: one JSON object (see health_server.h for the fields).
std::string RenderHealthJson(const std::optional<node::server::NodeStatus>& st,
                             const Readiness& ready, const Extras& extras);

// /metrics: Prometheus text exposition format 0.0.4 with redis_exporter's
// metric names, plus shoal_* metrics. When `st` is empty only redis_up 0 and
// the shoal_* metrics are written.
std::string RenderMetrics(const std::optional<node::server::NodeStatus>& st, const Extras& extras,
                          std::string_view redis_version);

// --- Escaping (exposed for tests) -------------------------------------------

// A JSON string literal with quotes. Control characters become \uXXXX and
// invalid UTF-8 bytes become U+FFFD, so the output is always valid JSON.
std::string JsonQuote(std::string_view s);
// Prometheus label value body (no quotes): \\, \" and \n escaped.
std::string PromLabelValue(std::string_view s);
// Prometheus HELP text: \\ and \n escaped.
std::string PromHelpText(std::string_view s);

}  // namespace entrypoint::health
