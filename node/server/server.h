// node/server/server.h
//
// The composition root of the data plane: builds the keyspace, the engine
// and the dispatcher from the configuration, listens for clients, runs the
// cron (active expiry, client timeouts), and is the facade the control plane
// uses: Start, Run (on the engine thread), Post work onto the loop, and
// RequestShutdown. Everything here runs on the engine thread except Post and
// RequestShutdown, which are safe from any thread.

#pragma once

#include <asio.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/base/memory.h"
#include "node/base/result.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/dispatcher.h"
#include "node/commands/engine.h"
#include "node/commands/pubsub_handlers.h"
#include "node/config/config.h"
#include "node/db/keyspace.h"
#include "node/net/stream.h"
#include "node/net/tls_context.h"
#include "node/server/busy_poll.h"
#include "node/server/status.h"

namespace node::cluster {
class ClusterState;
class BusTransport;
}  // namespace node::cluster

namespace node::repl {
class Replication;
struct Settings;
}  // namespace node::repl

namespace node::script {
class Scripting;
}

namespace node::persist {
class Persistence;
}

namespace node::server {

class ClientConn;

class Server {
 public:
  // Queues conn's Flush for the end of the event loop's current batch
  // (ClientConn::FlushSoon): one posted handler flushes every queued
  // connection.
  void DeferFlush(std::shared_ptr<ClientConn> conn);
  explicit Server(config::Config& cfg);
  ~Server();

  // Binds the listeners. Errors name the address and the reason.
  base::Status Start();
  // Runs the event loop on the calling thread until shutdown.
  void Run();
  // Thread-safe: runs fn on the engine thread.
  void Post(std::function<void()> fn);
  // Thread-safe: stops accepting, closes clients and ends Run().
  void RequestShutdown();
  bool shutting_down() const { return shutting_down_; }
  // Thread-safe: a snapshot built on the engine thread. The future is never
  // fulfilled if the loop is stuck, so callers wait with a deadline (that is
  // what /livez measures).
  std::future<NodeStatus> GetStatus();
  // Engine thread only.
  NodeStatus BuildStatus();

  asio::io_context& io() { return io_; }
  cluster::ClusterState* cluster() { return cluster_.get(); }
  repl::Replication* replication() { return repl_.get(); }
  persist::Persistence& persistence() { return *persistence_; }
  // Adds a consumer of propagated writes (e.g. the AOF).
  void AddPropagationSink(std::function<void(int db, std::span<const std::string_view>)> f) {
    propagation_sinks_.push_back(std::move(f));
  }
  config::Config& config() { return cfg_; }
  commands::Engine& engine() { return engine_; }
  commands::Dispatcher& dispatcher() { return dispatcher_; }
  db::Keyspace& keyspace() { return *engine_.keyspace; }
  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  // TLS contexts in use (nullptr when no tls-* setting asks for TLS).
  const std::shared_ptr<const net::TlsContexts>& tls() const { return tls_; }

  // Blocked clients by key ("<db>\n<key>"), FIFO (engine thread).
  void AddBlocked(uint64_t client_id, const std::vector<std::string>& keys);
  void RemoveBlocked(uint64_t client_id, const std::vector<std::string>& keys);
  void SignalKeyReady(int db, std::string_view key);
  // Cluster config or state changed: every client blocked on a key runs its
  // command again through the routing checks, so one whose slot moved away
  // (or whose cluster went down) gets -MOVED / -CLUSTERDOWN at once, as
  // Redis's clusterRedirectBlockedClientIfNeeded; the others block again in
  // place with their deadline.
  void RecheckBlockedClients();

  // Manual failover: the master pauses client writes until its replica
  // caught up (writes wait, they are not refused).
  void SetWritesPaused(bool paused);

  // Connection registry (engine thread).
  void Unregister(uint64_t id);
  size_t client_count() const { return conns_.size(); }

  // Lets other rooms (cluster, replication) add their fields to snapshots.
  void set_status_hook(std::function<void(NodeStatus&)> f) { status_hook_ = std::move(f); }

  // Copies hot settings out of the config table (after CONFIG SET etc.).
  void ApplyConfig();
  void ApplyAclConfig();
  base::Status LoadAclUsers();

 private:
  void Accept(asio::ip::tcp::acceptor& acc, bool tls);
  void OnAccept(asio::ip::tcp::acceptor& acc, bool tls, const asio::error_code& ec,
                asio::ip::tcp::socket sock);
  void StartConn(net::Stream stream);
  // Opens one listener per bind address on port.
  base::Status Listen(int port, bool tls,
                      std::vector<std::unique_ptr<asio::ip::tcp::acceptor>>* out);
  // Builds the TLS contexts at start-up and on CONFIG SET of tls-* settings.
  base::Status ConfigureTls();
  void ScheduleCron();
  void TrimHeapIfWorthIt();
  void Cron();
  void WireEngineHooks();
  base::Status StartCluster();  // cluster_wiring.cc
  void FillClusterStatus(NodeStatus& st);
  // Writes nodes.conf (temp + rename; in place on a full disk) and tells the
  // cluster state whether the file is current (cluster_wiring.cc).
  base::Status SaveNodesConf(const std::string& text, bool fsync);
  void StartReplication();  // repl_wiring.cc
  repl::Settings ReplSettings() const;
  void FillReplStatus(NodeStatus& st);
  void StartPubSub();  // pubsub_wiring.cc
  void ConfigureDb(db::Keyspace& ks);

  config::Config& cfg_;
  // Sockets are started, performed and closed only on the engine thread;
  // other threads only post() to it. So the reactor's per-socket locks are
  // off, and the scheduler and timer/registration locks stay on.
  asio::io_context io_{ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> tls_acceptors_;
  std::shared_ptr<const net::TlsContexts> tls_;
  int tls_port_ = 0;
  bool started_ = false;  // listeners open (CONFIG SET tls-port moves them)
  asio::steady_timer cron_timer_;
  commands::Engine engine_;
  commands::Dispatcher dispatcher_;
  std::map<uint64_t, std::shared_ptr<ClientConn>> conns_;
  std::atomic<bool> shutting_down_{false};
  int port_ = 0;
  std::function<void(NodeStatus&)> status_hook_;
  std::unique_ptr<cluster::ClusterState> cluster_;
  std::unique_ptr<cluster::BusTransport> bus_;
  std::string nodes_conf_path_;
  int64_t nodes_conf_warned_ms_ = 0;           // last "can't update nodes.conf" warning
  int64_t nodes_conf_in_place_warned_ms_ = 0;  // last "saved in place" warning
  cluster::ClusterState::Options cluster_options_;
  int listen_bus_port_ = 0;  // the bus listener's port (fixed at start)
  bool writes_paused_ = false;
  std::unique_ptr<repl::Replication> repl_;
  std::unique_ptr<persist::Persistence> persistence_;
  bool shutdown_prepared_ = false;
  void PrepareShutdownOnce();
  commands::Client master_client_;  // runs the commands our master streams to us
  bool applying_master_stream_ = false;
  // Where propagated writes go besides the replication stream (the AOF).
  std::vector<std::function<void(int db, std::span<const std::string_view>)>> propagation_sinks_;
  // Writes propagated during the current top-level command (see
  // Engine::flush_propagation), and the direct path to the sinks/replicas.
  std::vector<std::pair<int, std::vector<std::string>>> pending_propagation_;
  void PropagateNow(int db, std::span<const std::string_view> args);
  std::unordered_map<std::string, std::deque<uint64_t>> blocked_on_;
  std::vector<std::string> ready_keys_;
  bool ready_posted_ = false;
  void HandleReadyKeys();
  std::unique_ptr<commands::PubSubHub> pubsub_;  // pubsub_wiring.cc
  // Lua scripting (EVAL/FUNCTION); serving_busy_script_ is set while the
  // event loop is polled from inside a long script (the cron then waits).
  std::unique_ptr<script::Scripting> scripting_;
  bool serving_busy_script_ = false;
  std::vector<std::shared_ptr<ClientConn>> deferred_flush_;
  bool flush_posted_ = false;
  BusyPollGovernor busy_poll_;
  base::HeapTrimPolicy heap_trim_;
  int64_t last_trim_check_ms_ = 0;  // Run's poll-before-sleep window
};

}  // namespace node::server
