// entrypoint/health/health_server.h
//
// The HTTP health endpoints on shoal-http-port (cpp-httplib), on their own
// threads — an accept thread plus a small worker pool — so a stuck engine
// loop never stops /livez from answering 503.
//
//   GET /livez    200 "ok" when the status provider answers within the
//                 deadline, else 503 "engine loop did not answer within N ms".
//   GET /readyz   200 "ok" when this node serves its part (CheckReady() in
//                 render.h), else 503 with the reason as the body.
//   GET /healthz  JSON: live, ready, reason, role, node_id, tcp_port,
//                 uptime_seconds, cluster{enabled,state,current_epoch,my_slots,
//                 slots_assigned,slots_ok,slots_pfail,slots_fail,known_nodes,
//                 size}, replication{role,master_host,master_port,
//                 master_link_up,connected_replicas,offset}, clients{...},
//                 memory{...}, bootstrap{phase,formation_seconds,failovers},
//                 last_error. 200 when live, else 503.
//   GET /metrics  Prometheus text 0.0.4 (redis_exporter names + shoal_*).
//
// The engine is reached only through the StatusProvider (for the real node:
// ServerStatusProvider() in server_status.h, which waits on
// Server::GetStatus()). Providers may be replaced at any time from any
// thread (the bootstrap sets its phase provider when it starts).

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "entrypoint/health/render.h"
#include "node/base/result.h"
#include "node/server/status.h"

namespace httplib {
class Server;
}

namespace entrypoint::health {

// Returns a snapshot, or nullopt when none arrived within the deadline.
using StatusProvider =
    std::function<std::optional<node::server::NodeStatus>(std::chrono::milliseconds deadline)>;

struct HealthOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0 = any free port (tests); see HealthServer::port()
  std::chrono::milliseconds status_deadline{2000};
  std::string redis_version = "7.0.15";  // the redis_version label of redis_instance_info
  int worker_threads = 4;
};

class HealthServer {
 public:
  HealthServer(HealthOptions opts, StatusProvider status);
  ~HealthServer();  // Stop()
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Binds host:port and starts serving on a new thread. The error names the
  // address ("can't bind the health port 0.0.0.0:8080: ...").
  node::base::Status Start();
  // Stops accepting, finishes in-flight requests, joins. Idempotent.
  void Stop();
  // The bound port (the real one when opts.port was 0); 0 before Start().
  int port() const { return port_.load(); }

  // Thread-safe setters for the extra providers; unset ones read as ""/0.
  void SetStatusProvider(StatusProvider p);
  void SetBootstrapPhaseProvider(std::function<std::string()> p);
  void SetFormationSecondsProvider(std::function<double()> p);
  void SetFailoversProvider(std::function<uint64_t()> p);
  void SetLastErrorProvider(std::function<std::string()> p);

 private:
  void Routes();
  std::optional<node::server::NodeStatus> Snapshot();
  Extras ReadExtras();

  HealthOptions opts_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::atomic<int> port_{0};
  bool started_ = false;

  std::mutex mu_;  // guards the providers
  StatusProvider status_;
  std::function<std::string()> bootstrap_phase_;
  std::function<double()> formation_seconds_;
  std::function<uint64_t()> failovers_;
  std::function<std::string()> last_error_;
};

}  // namespace entrypoint::health
