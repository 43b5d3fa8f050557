// node/commands/engine.h
//
// Engine: everything a command handler can reach, gathered in one place so
// that handlers never include node/server. The server (composition root)
// builds it, owns what it points to, and fills in the hooks for the features
// that live above this room. Engine thread only.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/commands/client.h"
#include "node/db/keyspace.h"
#include "node/resp/reply.h"

namespace node::acl {
class Registry;
}
namespace node::config {
class Config;
}
namespace node::cluster {
class ClusterState;
}
namespace node::repl {
class Replication;
}
namespace node::script {
class Scripting;
}

namespace node::commands {

struct SlowlogEntry {
  int64_t id;
  int64_t time_s;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string peer;
  std::string name;
};

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t dirty = 0;  // changes since the last save
  int64_t last_save_time = 0;
  std::map<std::string, uint64_t> error_stats;  // per error code, e.g. "ERR"
};

// Settings read on every command, copied out of the config table by the
// server whenever one of them changes (keeps the hot path off the table).
struct HotSettings {
  std::string requirepass;
  uint64_t maxmemory = 0;
  db::EvictionPolicy maxmemory_policy = db::EvictionPolicy::kNoEviction;
  int maxmemory_samples = 5;
  int64_t slowlog_log_slower_than = 10000;
  size_t slowlog_max_len = 128;
  uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
};

struct CommandSpec;
class TrackingTable;  // tracking.h
class LatencyState;   // latency.h

class Engine {
 public:
  HotSettings hot;
  // Databases by number, created on first use (cluster mode has only db 0).
  std::vector<std::unique_ptr<db::Keyspace>> dbs;
  db::KeyspaceStats keyspace_stats;  // shared by every database
  db::Keyspace* keyspace = nullptr;  // db 0
  // Called once for each database when it is created (wires its callbacks).
  std::function<void(db::Keyspace&, int)> init_db;
  int num_dbs() const { return static_cast<int>(dbs.size()); }
  db::Keyspace& GetDb(int i) {
    auto& d = dbs[static_cast<size_t>(i)];
    if (!d) {
      d = std::make_unique<db::Keyspace>();
      d->share_stats(&keyspace_stats);
      if (init_db) init_db(*d, i);
    }
    return *d;
  }
  // Evicts from every database until memory is under maxmemory; false when
  // it cannot get there (the caller replies -OOM to denyoom commands).
  bool EvictIfNeeded() {
    if (!hot.maxmemory) return true;
    // CLIENT PAUSE keeps the dataset still: no evictions meanwhile, as Redis
    // 7.0 (the pause timer clears client_pause_type when it ends; misc).
    if (client_pause_type) return true;
    for (auto& d : dbs) {
      if (d && d->EvictIfNeeded(hot.maxmemory, hot.maxmemory_policy, hot.maxmemory_samples))
        return true;
    }
    return false;
  }
  config::Config* config = nullptr;
  // ACL users and log (node/acl), created on first use (acl_cmds.cc).
  std::shared_ptr<acl::Registry> acl_registry;
  acl::Registry& acl();
  ServerStats stats;
  std::string run_id;  // 40 hex chars
  int64_t start_time_ms = 0;
  int tcp_port = 0;
  std::string executable;
  std::string config_file;
  bool cluster_enabled = false;
  // Cluster mode: the node's view of the cluster (owned by the server), and
  // a hook that runs its queued bus actions after a CLUSTER command.
  cluster::ClusterState* cluster = nullptr;
  std::function<void()> cluster_flush;
  // SAVECONFIG: writes nodes.conf now; returns "" or the error text.
  std::function<std::string()> cluster_save_config;
  // CLUSTER FAILOVER [FORCE|TAKEOVER] (mode 0/1/2); returns "" or the error.
  std::function<std::string(int mode)> cluster_failover;
  bool role_replica = false;          // kept by the replication room
  bool writes_paused = false;         // manual failover in progress on this master
  repl::Replication* repl = nullptr;  // owned by the server
  // CLIENT PAUSE (Redis 7.0, misc): 0 off, 1 WRITE, 2 ALL, until unix ms
  // client_pause_end_ms. The dispatcher parks paused commands on the
  // "\0PAUSE" pseudo key (as the failover pause does); the server's hook
  // re-arms its end timer and wakes the paused clients after a change.
  int client_pause_type = 0;
  int64_t client_pause_end_ms = 0;
  std::function<void()> client_pause_changed;
  // Client-side caching (tracking.cc): the tracking table, created when a
  // client first turns tracking on; the client whose top-level command runs
  // now (its own invalidations wait for its reply); `defer` runs a function
  // after the current event-loop batch (Redis's beforeSleep; set by the server).
  std::shared_ptr<TrackingTable> tracking;
  Client* current_client = nullptr;
  std::function<void(std::function<void()>)> defer;
  // LATENCY monitor events and per-command latency histograms (latency.cc,
  // misc), created on first use.
  std::shared_ptr<LatencyState> latency;
  // CLIENT UNBLOCK (misc): ends a blocked command as a timeout or with the
  // -UNBLOCKED error; returns false when `id` is not blocked. Set by the server.
  std::function<bool(uint64_t id, bool error)> unblock_client;
  uint64_t aof_last_write_errno = 0;

  // Connected clients by id (owned by their connections).
  std::map<uint64_t, Client*> clients;
  uint64_t next_client_id = 1;
  std::vector<Client*> monitors;

  // Bootstrap claim (SHOAL CLAIM): which coordinator may change this node's
  // cluster membership, until when (monotonic ms).
  std::string claim_owner;
  int64_t claim_until_ms = 0;

  // WATCH: key -> clients watching it.
  std::unordered_map<std::string, std::vector<Client*>> watched_keys;

  // Slow log.
  std::vector<SlowlogEntry> slowlog;  // newest last
  int64_t slowlog_next_id = 0;

  // --- Hooks filled by the server ------------------------------------------
  // Propagates a write to replicas and the AOF.
  std::function<void(int db, std::span<const std::string_view>)> propagate;
  // Requests a shutdown (SHUTDOWN command); returns an error text or "".
  std::function<std::string(bool save, bool nosave, bool now, bool force)> shutdown;
  // INFO sections provided by other rooms (replication, persistence, cluster).
  std::map<std::string, std::function<std::string()>> info_sections;
  // Blocks the engine thread (DEBUG SLEEP).
  std::function<void(double seconds)> sleep;
  // Runs a command as EXEC does (no checks: the caller looked spec up and
  // checked its arity, at queue time or in the script); set by the server.
  std::function<void(Client&, const CommandSpec&, std::span<const std::string_view>,
                     resp::ReplyBuilder&)>
      call_command;
  // Sends a MONITOR line to every monitor except `from`.
  std::function<void(Client& from, const std::string& line)> feed_monitors;
  // Parks a client whose command called BlockOn (see CommandContext);
  // set by the server.
  std::function<void(Client&, const CommandSpec&, std::span<const std::string_view> args,
                     const std::vector<std::string>& keys, int64_t timeout_ms)>
      block_client;
  int64_t blocked_clients = 0;
  // MISCONF text when writes must be refused after a failed save ("" = ok).
  std::function<std::string()> write_refusal;
  // Wakes clients blocked in WAIT (an ACK arrived); set by the server.
  std::function<void()> wake_waiters;
  // Unwatches everything a client watches (RESET, disconnect); set by
  // transactions.cc at startup.
  std::function<void(Client&)> unwatch_all;
  // Propagation of one top-level command (Redis 7.0's also_propagate): while
  // call_depth > 0 everything propagated (the command's own write, EXEC's
  // queued commands, a script's writes, lazy-expiry DELs) is held by the
  // server, and flush_propagation emits it when the outermost call returns,
  // wrapped in MULTI/EXEC when there is more than one (so replicas and the
  // AOF apply a transaction or a multi-effect command atomically).
  int call_depth = 0;
  std::function<void()> flush_propagation;
  // Called after every write command with its keys (WATCH, blocking ops).
  std::function<void(int db, std::string_view key)> key_modified;

  // --- Scripting (node/script; EVAL/FCALL/SCRIPT/FUNCTION handlers) --------
  // The Lua engine, owned by the server.
  script::Scripting* scripting = nullptr;
  // Non-zero while a script runs past busy-reply-threshold (1 EVAL, 2
  // FCALL): the dispatcher answers -BUSY to commands without kAllowBusy.
  int script_busy = 0;
  // Serves the event loop from inside a long script (Redis's
  // processEventsWhileBlocked); set by the server. Returns false when the
  // server is shutting down (SHUTDOWN NOSAVE): the script is then aborted.
  std::function<bool()> process_events_while_busy;
  // FUNCTION libraries in RDB files (persist never sees node/script): the
  // library codes to save before the keyspace, and a loader that replaces
  // the function set with those found in a loaded RDB (returns "" or the
  // error). Set by the server.
  std::function<std::vector<std::string>()> function_library_codes;
  std::function<std::string(const std::vector<std::string>&)> load_function_libraries;
};

}  // namespace node::commands
