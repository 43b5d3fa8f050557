// entrypoint/health/server_status.h
//
// Adapts the real node to the health server: a StatusProvider that asks the
// engine thread for a snapshot (Server::GetStatus()) and waits at most the
// deadline. Header-only so health_server.cc and its tests do not depend on
// the whole engine. Called on the health server's worker threads.

#pragma once

#include <chrono>
#include <future>
#include <optional>

#include "entrypoint/health/health_server.h"
#include "node/server/server.h"

namespace entrypoint::health {

// `server` must outlive the HealthServer using the provider (or the health
// server must be stopped before the Server is destroyed).
inline StatusProvider ServerStatusProvider(node::server::Server& server) {
  return [&server](std::chrono::milliseconds deadline) -> std::optional<node::server::NodeStatus> {
    std::future<node::server::NodeStatus> f = server.GetStatus();
    // A future from a promise does not block in its destructor, so giving
    // up on a stuck loop leaves nothing behind but the posted handler.
    if (f.wait_for(deadline) != std::future_status::ready) return std::nullopt;
    try {
      node::server::NodeStatus st = f.get();
      st.loop_alive = true;
      return st;
    } catch (const std::future_error&) {  // the loop was torn down: broken promise
      return std::nullopt;
    }
  };
}

}  // namespace entrypoint::health
