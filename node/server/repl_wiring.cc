// node/server/repl_wiring.cc
//
// Replication in the composition root: builds Replication from the
// configuration, and connects it to client connections (sending the stream,
// closing replicas), snapshots (full sync), the dispatcher (applying the
// master's stream on a pseudo client), propagation, role changes and the
// cluster's master/offset hooks. Engine thread only.

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/command_table.h"
#include "node/persist/persistence.h"
#include "node/persist/snapshot.h"
#include "node/repl/replication.h"
#include "node/server/client_conn.h"
#include "node/server/server.h"

namespace node::server {

void Server::PropagateNow(int db, std::span<const std::string_view> args) {
  for (auto& sink : propagation_sinks_) sink(db, args);
  if (!applying_master_stream_) repl_->Feed(db, args);
}

repl::Settings Server::ReplSettings() const {
  auto& s = cfg_.s;
  repl::Settings r;
  r.backlog_size = static_cast<int64_t>(s.repl_backlog_size);
  r.backlog_ttl_s = s.repl_backlog_ttl;
  r.ping_period_s = s.repl_ping_replica_period;
  r.timeout_s = s.repl_timeout;
  r.masterauth = s.masterauth;
  r.masteruser = s.masteruser;
  // Redis 7.0 announces the TLS port when the replication link is TLS.
  int64_t own_port = s.tls_replication && s.tls_port ? s.tls_port : s.port;
  r.listening_port = static_cast<int>(s.replica_announce_port ? s.replica_announce_port : own_port);
  r.tls = s.tls_replication;
  r.announce_ip = s.replica_announce_ip;
  for (const std::string& b : s.bind) {
    std::string a = !b.empty() && b[0] == '-' ? b.substr(1) : b;
    if (a != "*" && a != "::*" && a != "0.0.0.0" && a != "::") r.bind_ip = a;
    break;
  }
  r.min_replicas_to_write = s.min_replicas_to_write;
  r.min_replicas_max_lag = s.min_replicas_max_lag;
  r.diskless_sync = s.repl_diskless_sync;
  return r;
}

void Server::StartReplication() {
  repl::Replication::Callbacks cb;
  cb.send_to_client = [this](uint64_t id, std::string_view bytes) {
    auto it = conns_.find(id);
    if (it != conns_.end()) it->second->Push(bytes);
  };
  cb.send_rdb_to_client = [this](uint64_t id, std::string_view bytes) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    it->second->ExemptFromLimit(bytes.size());
    it->second->Push(bytes);
  };
  cb.close_client = [this](uint64_t id) {
    auto it = conns_.find(id);
    if (it != conns_.end()) it->second->Close(false);
  };
  cb.make_rdb = [this](const std::string& replid, int64_t offset) {
    auto opt = persist::SnapshotOptionsFrom(cfg_.s);
    opt.has_repl_info = true;
    opt.repl_id = replid;
    opt.repl_offset = offset;
    opt.repl_stream_db = 0;
    return persist::SaveSnapshot(engine_, opt);
  };
  cb.load_rdb = [this](std::string_view rdb) -> base::Status {
    for (auto& d : engine_.dbs) {
      if (d) d->Flush();
    }
    master_client_.db = 0;
    auto r = persist::LoadSnapshot(engine_, rdb, persist::SnapshotLoadOptionsFrom(cfg_.s, true));
    if (!r.ok()) return r.status();
    LOG_INFO("MASTER <-> REPLICA sync: loaded {} keys", r->keys_loaded);
    // The AOF still describes the old dataset: rewrite it from the new one,
    // as Redis does after a sync (else a restart would load stale data).
    if (persistence_->aof_on()) {
      auto rw = persistence_->BgRewriteAof();
      LOG_INFO("MASTER <-> REPLICA sync: AOF rewrite after the sync: {}",
               rw.ok() ? *rw : rw.error());
    }
    return base::Status::Ok();
  };
  cb.apply = [this](std::span<const std::string_view> args) {
    applying_master_stream_ = true;
    std::string sink;
    resp::ReplyBuilder r(&sink);
    commands::ResolvedCommand cmd = commands::ResolveCommand(args);
    if (!cmd.unknown) {
      if (cmd.spec) {
        dispatcher_.Call(master_client_, *cmd.spec, args, r);
      } else {
        r.Error(cmd.error);  // wrong arity: refused as Redis's processCommand does
      }
      // Redis 7.0 logs every error its master's stream causes: the replica
      // may have diverged.
      if (!sink.empty() && sink[0] == '-') {
        LOG_WARN(
            "== CRITICAL == This replica is sending an error to its master: '{}' after "
            "processing the command '{}'",
            std::string_view(sink).substr(1, sink.find('\r') - 1), args[0]);
      }
    } else {
      LOG_WARN("Unknown command from master: {}", args[0]);
    }
    applying_master_stream_ = false;
  };
  cb.role_changed = [this](bool replica) {
    engine_.role_replica = replica;
    for (auto& d : engine_.dbs) {
      if (d) d->set_replica_mode(replica);
    }
    dispatcher_.set_read_only(replica && cfg_.s.replica_read_only);
  };
  cb.acks_changed = [this]() { SignalKeyReady(-1, std::string_view("\x00WAIT", 5)); };
  repl_ = std::make_unique<repl::Replication>(io_, ReplSettings(), std::move(cb));
  engine_.repl = repl_.get();
  // Continue the replication history of the RDB loaded at startup (clean
  // shutdown save): partial resyncs across restarts. Before any SetMaster.
  {
    std::string id;
    int64_t off = 0;
    if (persistence_->LoadedReplInfo(&id, &off)) repl_->RestoreFromRdbAux(id, off);
  }
  persistence_->set_repl_info_source(
      [this](std::string* id, int64_t* off) { return repl_->SaveInfo(id, off); });
  master_client_.is_master_link = true;
  master_client_.authenticated = true;
  master_client_.addr = "master";

  engine_.propagate = [this](int db, std::span<const std::string_view> args) {
    bool to_repl = !applying_master_stream_ && repl_->feeding();
    if (!to_repl && !persistence_->aof_on() && propagation_sinks_.size() <= 1) return;
    if (engine_.call_depth > 0) {  // held until the top-level command returns
      pending_propagation_.emplace_back(db, std::vector<std::string>(args.begin(), args.end()));
      return;
    }
    PropagateNow(db, args);
  };
  engine_.flush_propagation = [this] {
    if (pending_propagation_.empty()) return;
    auto ops = std::move(pending_propagation_);
    pending_propagation_.clear();
    // More than one effect: one transaction for replicas and the AOF, as
    // Redis 7.0's propagatePendingCommands (MULTI takes the first effect's
    // database, so a SELECT goes before it; EXEC none: db -1).
    bool wrap = ops.size() > 1;
    if (wrap) {
      std::string_view multi[] = {"MULTI"};
      PropagateNow(ops.front().first, multi);
    }
    for (auto& [db, args] : ops) {
      std::vector<std::string_view> v(args.begin(), args.end());
      PropagateNow(db, v);
    }
    if (wrap) {
      std::string_view exec[] = {"EXEC"};
      PropagateNow(-1, exec);
    }
  };
  engine_.info_sections["replication"] = [this] {
    return repl_->InfoSection(cfg_.s.replica_read_only, cfg_.s.replica_priority);
  };
  for (auto name :
       {"masterauth", "masteruser", "repl-backlog-size", "repl-timeout", "repl-ping-replica-period",
        "min-replicas-to-write", "min-replicas-max-lag", "replica-announce-ip",
        "replica-announce-port", "repl-diskless-sync", "tls-replication", "tls-port"}) {
    cfg_.OnChange(name, [this] { repl_->set_settings(ReplSettings()); });
  }
  cfg_.OnChange("replica-read-only", [this] {
    dispatcher_.set_read_only(engine_.role_replica && cfg_.s.replica_read_only);
  });

  if (cluster_) {
    auto& hooks = cluster_->hooks();
    hooks.repl_offset = [this]() -> uint64_t {
      return static_cast<uint64_t>(repl_->master_repl_offset());
    };
    hooks.repl_data_age_ms = [this]() -> int64_t { return repl_->data_age_ms(); };
    hooks.on_master_changed = [this](const cluster::NodeInfo* master) {
      if (master) {
        LOG_INFO("Cluster: replicating from {} at {}:{}", master->name, master->ip, master->port);
        repl_->SetMaster(master->ip, master->port);
      } else {
        repl_->UnsetMaster();
      }
    };
    // A replica in nodes.conf (restart) starts replicating at once.
    const auto& me = cluster_->myself();
    if (me.IsReplica() && me.master && !me.master->ip.empty()) {
      repl_->SetMaster(me.master->ip, me.master->port);
    }
  } else if (!cfg_.s.replicaof.host.empty()) {
    repl_->SetMaster(cfg_.s.replicaof.host, static_cast<int>(cfg_.s.replicaof.port));
  }
}

void Server::FillReplStatus(NodeStatus& st) {
  if (!repl_) return;
  st.repl_offset = repl_->master_repl_offset();
  if (repl_->is_replica()) {
    st.role = "replica";
    st.master_host = repl_->master_host();
    st.master_port = repl_->master_port();
    st.master_link_up = repl_->link_up();
  }
  int n = 0;
  for (auto& [id, r] : repl_->replicas()) n += r.online ? 1 : 0;
  st.connected_replicas = n;
}

}  // namespace node::server
