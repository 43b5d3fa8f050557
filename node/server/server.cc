// node/server/server.cc -- see server.h.

#include "node/server/server.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "node/acl/protected_mode.h"
#include "node/acl/registry.h"
#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/base/memory.h"
#include "node/cluster/bus_transport.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/command_table.h"
#include "node/commands/latency.h"
#include "node/commands/tracking.h"
#include "node/commands/transactions.h"
#include "node/persist/persistence.h"
#include "node/repl/replication.h"
#include "node/script/scripting.h"
#include "node/server/client_conn.h"

namespace node::server {

namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(base::UnixUs()));
  const char* hex = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = hex[rng() & 15];
  return s;
}

db::EvictionPolicy ToPolicy(config::MaxmemoryPolicy p) {
  switch (p) {
    case config::MaxmemoryPolicy::kVolatileLru:
      return db::EvictionPolicy::kVolatileLru;
    case config::MaxmemoryPolicy::kVolatileLfu:
      return db::EvictionPolicy::kVolatileLfu;
    case config::MaxmemoryPolicy::kVolatileRandom:
      return db::EvictionPolicy::kVolatileRandom;
    case config::MaxmemoryPolicy::kVolatileTtl:
      return db::EvictionPolicy::kVolatileTtl;
    case config::MaxmemoryPolicy::kAllkeysLru:
      return db::EvictionPolicy::kAllKeysLru;
    case config::MaxmemoryPolicy::kAllkeysLfu:
      return db::EvictionPolicy::kAllKeysLfu;
    case config::MaxmemoryPolicy::kAllkeysRandom:
      return db::EvictionPolicy::kAllKeysRandom;
    case config::MaxmemoryPolicy::kNoeviction:
      return db::EvictionPolicy::kNoEviction;
  }
  return db::EvictionPolicy::kNoEviction;
}

}  // namespace

Server::Server(config::Config& cfg)
    : cfg_(cfg), work_(asio::make_work_guard(io_)), cron_timer_(io_), dispatcher_(engine_) {
  engine_.config = &cfg_;
  engine_.run_id = RandomHex(40);
  engine_.start_time_ms = base::UnixMs();
  engine_.cluster_enabled = cfg_.s.cluster_enabled;
  WireEngineHooks();
  engine_.dbs.resize(cfg_.s.cluster_enabled ? 1 : static_cast<size_t>(cfg_.s.databases));
  engine_.keyspace = &engine_.GetDb(0);
  ApplyConfig();
  ApplyAclConfig();
  // requirepass is the default user's password (Redis 7.0).
  engine_.acl().SetDefaultPassword(cfg_.s.requirepass);
  // Scripting: the Lua engine, and the event loop served from inside a
  // script past busy-reply-threshold (other clients then get -BUSY).
  scripting_ = std::make_unique<script::Scripting>(engine_);
  engine_.scripting = scripting_.get();
  engine_.function_library_codes = [this] { return scripting_->LibraryCodes(); };
  engine_.load_function_libraries = [this](const std::vector<std::string>& codes) {
    return scripting_->RestoreLibraries(codes, 2);  // FLUSH policy: replace the set
  };
  engine_.process_events_while_busy = [this] {
    if (serving_busy_script_) return true;
    serving_busy_script_ = true;
    io_.poll();
    serving_busy_script_ = false;
    // A poll nested in a handler of a concurrency-hint-1 io_context can run
    // its work count down and stop it (asio's one-thread private queue);
    // undo that unless a shutdown really stopped it.
    if (io_.stopped() && !shutting_down_) io_.restart();
    if (!ready_keys_.empty() && !ready_posted_) {  // deferred above: run after the script
      ready_posted_ = true;
      asio::post(io_, [this] { HandleReadyKeys(); });
    }
    return !shutting_down_;
  };
  persistence_ = std::make_unique<persist::Persistence>(engine_, cfg_);
  AddPropagationSink(
      [this](int db, std::span<const std::string_view> a) { persistence_->Feed(db, a); });
  engine_.write_refusal = [this] { return persistence_->WriteRefusal(); };
}

Server::~Server() = default;

void Server::ApplyConfig() {
  auto& s = cfg_.s;
  auto& h = engine_.hot;
  h.requirepass = s.requirepass;
  h.maxmemory = s.maxmemory;
  h.maxmemory_policy = ToPolicy(s.maxmemory_policy);
  h.maxmemory_samples = static_cast<int>(s.maxmemory_samples);
  h.slowlog_log_slower_than = s.slowlog_log_slower_than;
  h.slowlog_max_len = static_cast<size_t>(s.slowlog_max_len);
  h.proto_max_bulk_len = s.proto_max_bulk_len;
  for (auto& d : engine_.dbs) {
    if (d) ConfigureDb(*d);
  }
}

void Server::ApplyAclConfig() {
  auto& reg = engine_.acl();
  reg.set_log_max_len(static_cast<size_t>(std::max<int64_t>(0, cfg_.s.acllog_max_len)));
  reg.set_channels_default_all(cfg_.s.acl_pubsub_default == config::AclPubsubDefault::kAllchannels);
}

// Users from `user` lines of the config file, then the aclfile (Redis's
// ACLLoadUsersAtStartup: both at once is refused).
base::Status Server::LoadAclUsers() {
  const auto& s = cfg_.s;
  if (!s.aclfile.empty() && !s.user.empty()) {
    return base::Status::Error(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and security "
        "holes, please define either an ACL file or declare users directly in your redis.conf, "
        "but not both.");
  }
  auto& reg = engine_.acl();
  for (const auto& line : s.user) {
    if (line.empty()) continue;
    std::vector<std::string_view> rules(line.begin() + 1, line.end());
    if (line[0] == "default")
      reg.SetUser("default", std::vector<std::string_view>{"reset"}, nullptr, nullptr);
    std::string err = reg.SetUser(line[0], rules, nullptr, nullptr);
    if (!err.empty()) return base::Status::Error("user " + line[0] + ": " + err);
  }
  std::string err = commands::AclLoadAtStartup(engine_, s.aclfile);
  if (!err.empty()) return base::Status::Error(err);
  commands::SyncConfigUsers(engine_);
  return base::Status::Ok();
}

void Server::ConfigureDb(db::Keyspace& ks) {
  ks.set_cluster_slots(cfg_.s.cluster_enabled);
  auto& h = engine_.hot;
  bool lfu = h.maxmemory_policy == db::EvictionPolicy::kAllKeysLfu ||
             h.maxmemory_policy == db::EvictionPolicy::kVolatileLfu;
  ks.set_use_lfu(lfu);
  ks.set_lfu_params(static_cast<int>(cfg_.s.lfu_log_factor),
                    static_cast<int>(cfg_.s.lfu_decay_time));
}

void Server::WireEngineHooks() {
  engine_.call_command = [this](commands::Client& c, const commands::CommandSpec& spec,
                                std::span<const std::string_view> args,
                                resp::ReplyBuilder& r) { dispatcher_.Call(c, spec, args, r); };
  engine_.key_modified = [this](int db, std::string_view key) {
    commands::TouchWatchedKey(engine_, db, key);
    if (engine_.tracking) commands::TrackingInvalidateKey(engine_, key);  // misc
    if (!blocked_on_.empty()) SignalKeyReady(db, key);
  };
  engine_.block_client = [this](commands::Client& c, const commands::CommandSpec& spec,
                                std::span<const std::string_view> args,
                                const std::vector<std::string>& keys, int64_t timeout_ms) {
    auto it = conns_.find(c.id);
    if (it == conns_.end()) return;
    it->second->Block(spec, args, keys, timeout_ms);
  };
  engine_.unwatch_all = [this](commands::Client& c) { commands::UnwatchAll(engine_, c); };
  // Client-side caching (misc): BCAST invalidations go out after the batch.
  engine_.defer = [this](std::function<void()> fn) { asio::post(io_, std::move(fn)); };
  // CLIENT PAUSE (misc): one timer ends the pause at its deadline; any change
  // (new pause, UNPAUSE, expiry) retries the parked clients in arrival order
  // (those still paused keep their place in the queue).
  auto pause_timer = std::make_shared<asio::steady_timer>(io_);
  engine_.client_pause_changed = [this, pause_timer] {
    pause_timer->cancel();
    if (engine_.client_pause_type) {
      int64_t left = engine_.client_pause_end_ms - base::UnixMs();
      pause_timer->expires_after(std::chrono::milliseconds(std::max<int64_t>(left + 1, 0)));
      pause_timer->async_wait([this](const asio::error_code& ec) {
        if (ec || shutting_down_) return;
        if (engine_.client_pause_type && engine_.client_pause_end_ms < base::UnixMs()) {
          engine_.client_pause_type = 0;
          engine_.client_pause_end_ms = 0;
          SignalKeyReady(-1, std::string_view("\x00PAUSE", 6));
        } else if (engine_.client_pause_changed) {
          engine_.client_pause_changed();  // woke early: wait again
        }
      });
    }
    SignalKeyReady(-1, std::string_view("\x00PAUSE", 6));
  };
  // CLIENT UNBLOCK (misc): a paused client stays parked (Redis re-runs its
  // command, which pauses it again); others end as on their timeout, or with
  // the -UNBLOCKED error.
  engine_.unblock_client = [this](uint64_t id, bool error) {
    auto it = conns_.find(id);
    if (it == conns_.end() || !it->second->client().blocked) return false;
    auto conn = it->second;
    for (auto& k : conn->blocked_keys()) {
      if (k == std::string("*\n\x00PAUSE", 8)) {
        if (error) conn->Push("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
        return true;
      }
    }
    asio::post(io_, [conn, error] {
      if (!conn->client().blocked) return;
      if (error) conn->Push("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
      conn->Unblock(!error);
    });
    return true;
  };
  engine_.feed_monitors = [this](commands::Client& from, const std::string& line) {
    for (commands::Client* m : engine_.monitors) {
      if (m != &from && m->push) m->push(line);
    }
  };
  engine_.sleep = [](double secs) {
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(secs * 1e6)));
  };
  engine_.shutdown = [this](bool save, bool nosave, bool, bool force) -> std::string {
    // During a busy script only SHUTDOWN NOSAVE may stop the server (a save
    // would write the script's half-done changes).
    if (engine_.script_busy && !nosave) {
      return engine_.script_busy == 2
                 ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                   "SHUTDOWN NOSAVE."
                 : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                   "SHUTDOWN NOSAVE.";
    }
    LOG_INFO("User requested shutdown...");
    auto st = persistence_->PrepareShutdown(save, nosave);
    if (!st.ok() && !force) return "ERR " + st.message();
    shutdown_prepared_ = true;
    RequestShutdown();
    return "";
  };
  engine_.init_db = [this](db::Keyspace& ks, int id) {
    ConfigureDb(ks);
    ks.set_on_deleted([this, id](std::string_view key, db::DeleteReason) {
      commands::TouchWatchedKey(engine_, id, key);
      if (engine_.tracking) commands::TrackingInvalidateKey(engine_, key);  // misc
      if (engine_.propagate) {
        std::string_view args[] = {"DEL", key};
        engine_.propagate(id, args);
      }
      // A key gone by expiry or eviction wakes its blocked clients, as
      // Redis's signalDeletedKeyAsReady does (XREADGROUP then answers
      // -UNBLOCKED; list/zset pops see no key and keep waiting).
      if (!blocked_on_.empty()) SignalKeyReady(id, key);
    });
  };
  cfg_.OnChange("maxmemory", [this] { ApplyConfig(); });
  cfg_.OnChange("maxmemory-policy", [this] { ApplyConfig(); });
  cfg_.OnChange("maxmemory-samples", [this] { ApplyConfig(); });
  cfg_.OnChange("requirepass", [this] {
    ApplyConfig();
    engine_.acl().SetDefaultPassword(cfg_.s.requirepass);
    commands::SyncConfigUsers(engine_);
  });
  cfg_.OnChange("acllog-max-len", [this] { ApplyAclConfig(); });
  cfg_.OnChange("acl-pubsub-default", [this] { ApplyAclConfig(); });
  cfg_.OnChange("slowlog-log-slower-than", [this] { ApplyConfig(); });
  cfg_.OnChange("slowlog-max-len", [this] { ApplyConfig(); });
  cfg_.OnChange("proto-max-bulk-len", [this] { ApplyConfig(); });
  cfg_.OnChange("lfu-log-factor", [this] { ApplyConfig(); });
  cfg_.OnChange("lfu-decay-time", [this] { ApplyConfig(); });
}

base::Status Server::Start() {
  if (auto st = LoadAclUsers(); !st.ok()) return st;
  // Data first: a node never serves half a dataset.
  {
    commands::Client loader;
    loader.authenticated = true;
    loader.is_master_link = true;  // obeyed like the master's stream: no checks
    auto st = persistence_->LoadAtStartup(
        [this, &loader](int db, std::span<const std::string_view> args) -> base::Status {
          commands::ResolvedCommand cmd = commands::ResolveCommand(args);
          if (cmd.unknown) {
            return base::Status::Error("Unknown command '" + std::string(args[0]) +
                                       "' reading the append only file");
          }
          if (!cmd.spec) return base::Status::Ok();  // wrong arity: skipped, as its error reply
          loader.db = db;
          std::string sink;
          resp::ReplyBuilder r(&sink);
          dispatcher_.Call(loader, *cmd.spec, args, r);
          return base::Status::Ok();
        });
    if (!st.ok()) return st;
  }
  if (auto st = ConfigureTls(); !st.ok()) return st;
  port_ = static_cast<int>(cfg_.s.port);
  tls_port_ = static_cast<int>(cfg_.s.tls_port);
  // INFO's tcp_port: the TLS port when there is no plaintext one (Redis 7.0).
  engine_.tcp_port = port_ != 0 ? port_ : tls_port_;
  if (port_ != 0) {
    if (auto st = Listen(port_, false, &acceptors_); !st.ok()) return st;
  }
  if (tls_port_ != 0) {
    if (auto st = Listen(tls_port_, true, &tls_acceptors_); !st.ok()) return st;
  }
  if (cfg_.s.cluster_enabled) {
    auto st = StartCluster();
    if (!st.ok()) return st;
  }
  StartPubSub();  // after StartCluster: wraps its route check
  StartReplication();
  for (auto& a : acceptors_) Accept(*a, false);
  for (auto& a : tls_acceptors_) Accept(*a, true);
  started_ = true;
  ScheduleCron();
  return base::Status::Ok();
}

base::Status Server::Listen(int port, bool tls,
                            std::vector<std::unique_ptr<asio::ip::tcp::acceptor>>* out) {
  for (const std::string& b : cfg_.s.bind) {
    bool optional = !b.empty() && b[0] == '-';
    std::string addr = optional ? b.substr(1) : b;
    asio::ip::address ip;
    if (addr == "*") {
      ip = asio::ip::address_v4::any();
    } else if (addr == "::*") {
      ip = asio::ip::address_v6::any();
    } else {
      asio::error_code ec;
      ip = asio::ip::make_address(addr, ec);
      if (ec) {
        if (optional) continue;
        return base::Status::Error("bind: '" + addr + "' is not an IP address");
      }
    }
    auto acc = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint ep(ip, static_cast<uint16_t>(port));
    asio::error_code ec;
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acc->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(static_cast<int>(cfg_.s.tcp_backlog), ec);
    if (ec) {
      if (optional) continue;
      return base::Status::Error("Could not create server TCP listening socket " + addr + ":" +
                                 std::to_string(port) + ": " + ec.message());
    }
    LOG_INFO("Listening for {}clients on {}:{}", tls ? "TLS " : "", addr, port);
    out->push_back(std::move(acc));
  }
  if (out->empty()) return base::Status::Error("no address to listen on (bind)");
  return base::Status::Ok();
}

base::Status Server::ConfigureTls() {
  // CONFIG SET of any of these rebuilds the contexts for new connections; a
  // bad file makes CONFIG SET fail and keeps the old ones (Redis 7.0).
  static constexpr std::string_view kTlsRows[] = {"tls-cert-file",
                                                  "tls-key-file",
                                                  "tls-key-file-pass",
                                                  "tls-client-cert-file",
                                                  "tls-client-key-file",
                                                  "tls-client-key-file-pass",
                                                  "tls-dh-params-file",
                                                  "tls-ca-cert-file",
                                                  "tls-ca-cert-dir",
                                                  "tls-protocols",
                                                  "tls-ciphers",
                                                  "tls-ciphersuites",
                                                  "tls-prefer-server-ciphers",
                                                  "tls-session-caching",
                                                  "tls-session-cache-size",
                                                  "tls-session-cache-timeout",
                                                  "tls-auth-clients",
                                                  "tls-replication",
                                                  "tls-cluster"};
  cfg_.OnApply(kTlsRows, [this]() -> base::Status {
    if (!net::TlsWanted(cfg_.s)) return base::Status::Ok();
    auto built = net::BuildTlsContexts(cfg_.s);
    if (!built) {
      LOG_WARN("TLS configuration failed: {}", built.error());
      return base::Status::Error("Unable to update TLS configuration. Check server logs.");
    }
    tls_ = *built;
    net::SetActiveTls(tls_);
    LOG_INFO("TLS configuration reloaded");
    return base::Status::Ok();
  });
  // CONFIG SET tls-port moves the TLS listener (0 closes it), as Redis 7.0.
  static constexpr std::string_view kTlsPort[] = {"tls-port"};
  cfg_.OnApply(kTlsPort, [this]() -> base::Status {
    int port = static_cast<int>(cfg_.s.tls_port);
    if (port == tls_port_ || !started_) return base::Status::Ok();
    std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> fresh;
    if (port != 0) {
      if (!tls_) {
        auto built = net::BuildTlsContexts(cfg_.s);
        if (!built) {
          LOG_WARN("TLS configuration failed: {}", built.error());
          return base::Status::Error("Unable to update TLS configuration. Check server logs.");
        }
        tls_ = *built;
        net::SetActiveTls(tls_);
      }
      if (auto st = Listen(port, true, &fresh); !st.ok()) {
        LOG_WARN("{}", st.message());
        return base::Status::Error("Unable to listen on this port. Check server logs.");
      }
    }
    asio::error_code ec;
    for (auto& a : tls_acceptors_) a->close(ec);
    tls_acceptors_ = std::move(fresh);
    for (auto& a : tls_acceptors_) Accept(*a, true);
    tls_port_ = port;
    if (port_ == 0) engine_.tcp_port = tls_port_;
    return base::Status::Ok();
  });
  if (!net::TlsWanted(cfg_.s)) return base::Status::Ok();
  auto built = net::BuildTlsContexts(cfg_.s);
  if (!built) return base::Status::Error("Failed to configure TLS: " + built.error());
  tls_ = *built;
  net::SetActiveTls(tls_);
  return base::Status::Ok();
}

void Server::Accept(asio::ip::tcp::acceptor& acc, bool tls) {
  acc.async_accept([this, &acc, tls](const asio::error_code& ec, asio::ip::tcp::socket sock) {
    OnAccept(acc, tls, ec, std::move(sock));
  });
}

void Server::OnAccept(asio::ip::tcp::acceptor& acc, bool tls, const asio::error_code& ec,
                      asio::ip::tcp::socket sock) {
  if (shutting_down_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    LOG_WARN("Accepting client connection: {}", ec.message());
    Accept(acc, tls);
    return;
  }
  if (cfg_.s.protected_mode) {
    asio::error_code pec;
    auto peer = sock.remote_endpoint(pec);
    if (!pec) {
      auto a = peer.address();
      std::string ip = a.is_v6() && a.to_v6().is_v4_mapped()
                           ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string()
                           : a.to_string();
      if (acl::ProtectedModeDenies(true, *engine_.acl().default_user(), ip)) {
        engine_.stats.rejected_connections++;
        asio::error_code wec;
        // Plain connections read why; a TLS peer (no handshake yet) is closed.
        if (!tls)
          asio::write(
              sock,
              asio::buffer(acl::kProtectedModeDenied.data(), acl::kProtectedModeDenied.size()),
              wec);
        sock.close(wec);
        Accept(acc, tls);
        return;
      }
    }
  }
  engine_.stats.total_connections_received++;
  if (static_cast<int64_t>(conns_.size()) >= cfg_.s.maxclients) {
    engine_.stats.rejected_connections++;
    const char* msg = cfg_.s.cluster_enabled
                          ? "-ERR max number of clients + cluster connections reached\r\n"
                          : "-ERR max number of clients reached\r\n";
    asio::error_code wec;
    if (!tls) asio::write(sock, asio::buffer(msg, strlen(msg)), wec);
    sock.close(wec);
    Accept(acc, tls);
    return;
  }
  if (!tls || !tls_) {
    StartConn(net::Stream(std::move(sock)));
    Accept(acc, tls);
    return;
  }
  // TLS: the handshake first (bounded in time), then a client like any other.
  auto stream = std::make_shared<net::Stream>(std::move(sock), tls_->server);
  auto timer = std::make_shared<asio::steady_timer>(io_);
  timer->expires_after(std::chrono::seconds(10));
  timer->async_wait([stream](const asio::error_code& tec) {
    if (!tec) stream->close();
  });
  stream->async_handshake(true, [this, stream, timer](const asio::error_code& hec) {
    timer->cancel();
    if (shutting_down_) return;
    if (hec) {
      asio::error_code pec;
      auto peer = stream->socket().remote_endpoint(pec);
      LOG_DEBUG("Error accepting a client connection: {} (addr={})", hec.message(),
                pec ? std::string("?") : peer.address().to_string());
      stream->close();
      return;
    }
    StartConn(std::move(*stream));
  });
  Accept(acc, tls);
}

void Server::StartConn(net::Stream stream) {
  uint64_t id = engine_.next_client_id++;
  auto conn = std::make_shared<ClientConn>(*this, std::move(stream), id);
  conns_[id] = conn;
  conn->Start();
}

void Server::Unregister(uint64_t id) { conns_.erase(id); }

void Server::SetWritesPaused(bool paused) {
  if (paused == writes_paused_) return;
  writes_paused_ = paused;
  engine_.writes_paused = paused;
  if (repl_) repl_->set_paused(paused);
  LOG_INFO("Manual failover: client writes {}", paused ? "paused" : "resumed");
  if (!paused) SignalKeyReady(-1, std::string_view("\x00PAUSE", 6));
}

void Server::AddBlocked(uint64_t id, const std::vector<std::string>& keys) {
  for (auto& k : keys) blocked_on_[k].push_back(id);
}

void Server::RemoveBlocked(uint64_t id, const std::vector<std::string>& keys) {
  for (auto& k : keys) {
    auto it = blocked_on_.find(k);
    if (it == blocked_on_.end()) continue;
    auto& q = it->second;
    q.erase(std::remove(q.begin(), q.end(), id), q.end());
    if (q.empty()) blocked_on_.erase(it);
  }
}

void Server::SignalKeyReady(int db, std::string_view key) {
  // Pseudo keys ("\0WAIT", "\0PAUSE") are not per database.
  std::string k = (!key.empty() && key[0] == '\0') ? "*\n" : std::to_string(db) + "\n";
  k.append(key);
  if (key.empty()) {
    // Whole database changed (FLUSHDB / SWAPDB): every key of it.
    for (auto& [name, q] : blocked_on_) {
      if (name.compare(0, k.size(), k) == 0) ready_keys_.push_back(name);
    }
  } else if (blocked_on_.count(k)) {
    ready_keys_.push_back(std::move(k));
  }
  if (!ready_keys_.empty() && !ready_posted_) {
    ready_posted_ = true;
    // Served after the current command (and its pipeline batch) finished.
    asio::post(io_, [this] { HandleReadyKeys(); });
  }
}

void Server::RecheckBlockedClients() {
  bool any = false;
  for (auto& [name, q] : blocked_on_) {
    if (name.compare(0, 2, "*\n") == 0) continue;  // WAIT / PAUSE pseudo keys
    ready_keys_.push_back(name);
    any = true;
  }
  if (any && !ready_posted_) {
    ready_posted_ = true;
    asio::post(io_, [this] { HandleReadyKeys(); });
  }
}

void Server::HandleReadyKeys() {
  ready_posted_ = false;
  // Inside a busy script's event polling blocked clients are not served
  // (the script is still changing the data); process_events_while_busy
  // posts this again after each poll.
  if (serving_busy_script_) return;
  size_t guard = 0;
  while (!ready_keys_.empty() && guard++ < 100000) {
    std::string key = std::move(ready_keys_.front());
    ready_keys_.erase(ready_keys_.begin());
    auto it = blocked_on_.find(key);
    if (it == blocked_on_.end()) continue;
    std::deque<uint64_t> waiting = it->second;  // retries may change the queue
    for (uint64_t id : waiting) {
      auto c = conns_.find(id);
      if (c == conns_.end()) continue;
      auto conn = c->second;
      conn->RetryBlocked();
    }
  }
}

void Server::ScheduleCron() {
  int64_t hz = cfg_.s.hz > 0 ? cfg_.s.hz : 10;
  cron_timer_.expires_after(std::chrono::milliseconds(1000 / hz));
  cron_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || shutting_down_) return;
    Cron();
    ScheduleCron();
  });
}

void Server::Cron() {
  if (serving_busy_script_) return;  // a script is running: only serve clients
  base::UpdateCachedClock();
  int64_t hz = cfg_.s.hz > 0 ? cfg_.s.hz : 10;
  // Active expiry: at most 25% of the cron period, as Redis's slow cycle.
  int64_t budget = 250000 / hz;
  int64_t expire_start_ms = base::MonoMs();
  // CLIENT PAUSE keeps the dataset still: no active expiry meanwhile (misc).
  bool paused = engine_.client_pause_type && engine_.client_pause_end_ms >= base::UnixMs();
  for (auto& d : engine_.dbs) {
    if (d && d->size() && !paused) d->ActiveExpireCycle(budget / engine_.num_dbs() + 100);
  }
  // The latency monitor's "expire-cycle" event (misc).
  commands::LatencyAddSampleIfNeeded(engine_, "expire-cycle", base::MonoMs() - expire_start_ms);
  base::UpdatePeakMemory();
  TrimHeapIfWorthIt();
  if (repl_) repl_->Cron(base::UnixMs());
  persistence_->Cron();
  if (cfg_.s.timeout > 0) {
    int64_t now = base::MonoMs();
    std::vector<std::shared_ptr<ClientConn>> idle;
    for (auto& [id, c] : conns_) {
      auto& cl = c->client();
      if (cl.is_replica || cl.is_master_link || cl.monitor) continue;
      if (now - c->last_activity_ms() > cfg_.s.timeout * 1000) idle.push_back(c);
    }
    for (auto& c : idle) {
      LOG_DEBUG("Closing idle client id={}", c->client().id);
      c->Close(false);
    }
  }
}

// Once a second: give glibc's free pages back when RSS is well above what
// is in use (base::HeapTrimPolicy). A slow trim shows in LATENCY as
// "heap-trim".
void Server::TrimHeapIfWorthIt() {
  int64_t now = base::MonoMs();
  if (now - last_trim_check_ms_ < 1000) return;
  last_trim_check_ms_ = now;
  size_t rss = base::ResidentMemory(), used = base::UsedMemory();
  if (!heap_trim_.ShouldTrim(now, rss, used)) return;
  int64_t us = base::TrimHeap();
  size_t after = base::ResidentMemory();
  heap_trim_.Trimmed(now, rss, after, used);
  commands::LatencyAddSampleIfNeeded(engine_, "heap-trim", us / 1000);
  LOG_DEBUG("Heap trim: RSS {} -> {} bytes ({} in use) in {} us; next check in >= {} ms", rss,
            after, used, us, heap_trim_.interval_ms());
}

void Server::DeferFlush(std::shared_ptr<ClientConn> conn) {
  deferred_flush_.push_back(std::move(conn));
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] {
    flush_posted_ = false;
    std::vector<std::shared_ptr<ClientConn>> batch;
    batch.swap(deferred_flush_);
    for (auto& c : batch) c->DeferredFlush();
    batch.clear();
    if (deferred_flush_.empty()) deferred_flush_.swap(batch);  // keep the capacity
  });
}

namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// The engine loop: run what is ready; when nothing is, poll for the
// governor's window before blocking (busy_poll.h). With
// shoal-busy-poll-us 0 this is io_.run().
void Server::Run() {
  while (!io_.stopped()) {
    int64_t max_ns = cfg_.s.shoal_busy_poll_us * 1000;
    if (max_ns <= 0) {
      busy_poll_.OnBlocked(0, 0);
      io_.run_one();
      continue;
    }
    int64_t t0 = NowNs();
    size_t ran = io_.poll();
    int64_t t1 = NowNs();
    if (ran > 0) {
      busy_poll_.AddWork(t1 - t0);
      continue;
    }
    int64_t window = busy_poll_.Window(max_ns, t1);
    bool found = false;
    int64_t t = t1;
    while (window > 0 && t - t1 < window && !io_.stopped()) {
      size_t n = io_.poll_one();
      int64_t t2 = NowNs();
      if (n > 0) {
        busy_poll_.AddWork(t2 - t);
        found = true;
        break;
      }
      t = t2;
    }
    busy_poll_.AddPolled(t - t1);
    if (found) continue;
    t1 = t;
    if (io_.stopped()) break;
    io_.run_one();
    busy_poll_.OnBlocked(NowNs() - t1, max_ns);
  }
}

std::future<NodeStatus> Server::GetStatus() {
  auto p = std::make_shared<std::promise<NodeStatus>>();
  auto f = p->get_future();
  Post([this, p] { p->set_value(BuildStatus()); });
  return f;
}

NodeStatus Server::BuildStatus() {
  NodeStatus st;
  st.loop_alive = true;
  st.role = engine_.role_replica ? "replica" : "master";
  st.run_id = engine_.run_id;
  st.uptime_s = (base::UnixMs() - engine_.start_time_ms) / 1000;
  st.tcp_port = engine_.tcp_port;
  st.cluster_enabled = engine_.cluster_enabled;
  st.connected_clients = static_cast<int64_t>(conns_.size());
  st.used_memory = base::UsedMemory();
  st.used_memory_rss = base::ResidentMemory();
  st.maxmemory = engine_.hot.maxmemory;
  st.total_commands_processed = engine_.stats.total_commands_processed;
  st.total_connections_received = engine_.stats.total_connections_received;
  st.total_net_input_bytes = engine_.stats.total_net_input_bytes;
  st.total_net_output_bytes = engine_.stats.total_net_output_bytes;
  auto& ks = engine_.keyspace_stats;
  st.expired_keys = ks.expired_keys;
  st.evicted_keys = ks.evicted_keys;
  st.keyspace_hits = ks.keyspace_hits;
  st.keyspace_misses = ks.keyspace_misses;
  for (size_t i = 0; i < engine_.dbs.size(); i++) {
    auto& d = engine_.dbs[i];
    if (!d || !d->size()) continue;
    st.db_keys[static_cast<int>(i)] = d->size();
    st.db_expires[static_cast<int>(i)] = d->volatile_count();
  }
  st.rdb_last_save_time = engine_.stats.last_save_time;
  st.rdb_changes_since_last_save = engine_.stats.dirty;
  st.aof_enabled = cfg_.s.appendonly;
  FillClusterStatus(st);
  FillReplStatus(st);
  if (status_hook_) status_hook_(st);
  return st;
}

void Server::Post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

void Server::PrepareShutdownOnce() {
  if (shutdown_prepared_) return;
  shutdown_prepared_ = true;
  auto st = persistence_->PrepareShutdown(false, false);
  if (!st.ok()) LOG_WARN("Shutdown: {}", st.message());
}

void Server::RequestShutdown() {
  asio::post(io_, [this] {
    if (shutting_down_.exchange(true)) return;
    PrepareShutdownOnce();
    asio::error_code ec;
    for (auto& a : acceptors_) a->close(ec);
    for (auto& a : tls_acceptors_) a->close(ec);
    cron_timer_.cancel();
    if (bus_) bus_->Stop();
    auto conns = conns_;
    for (auto& [id, c] : conns) c->Close(false);
    work_.reset();
    io_.stop();
  });
}

}  // namespace node::server
