// node/commands/repl_cmds.cc
//
// Replication commands: PSYNC, SYNC, REPLCONF (the master side of a replica's
// handshake), REPLICAOF/SLAVEOF, ROLE and WAIT. The protocol state lives in
// node/repl/Replication (Engine::repl).

#include "node/commands/helpers.h"
#include "node/commands/repl_handlers.h"
#include "node/repl/replication.h"

namespace node::commands {

namespace {
repl::Replication* R(CommandContext& ctx) { return ctx.engine().repl; }

std::string PeerIp(const Client& c) {
  size_t colon = c.addr.rfind(':');
  return colon == std::string::npos ? c.addr : c.addr.substr(0, colon);
}
}  // namespace

// PSYNC replid offset
void Psync(CommandContext& ctx) {
  if (!R(ctx) || ctx.client().is_replica) return;
  auto off = base::ParseInt64(ctx.arg(2));
  if (!off) return ctx.reply().Error(kErrNotInteger);
  if (ctx.argc() > 3) {
    return ctx.reply().Error("ERR PSYNC FAILOVER can't be sent to a master.");
  }
  ctx.client().is_replica = true;
  std::string err = R(ctx)->Psync(ctx.client().id, PeerIp(ctx.client()), ctx.arg(1), *off, false);
  if (!err.empty()) {
    ctx.client().is_replica = false;
    ctx.reply().Error(err);
  }
}

void Sync(CommandContext& ctx) {
  if (!R(ctx) || ctx.client().is_replica) return;
  ctx.client().is_replica = true;
  std::string err = R(ctx)->Psync(ctx.client().id, PeerIp(ctx.client()), "?", -1, true);
  if (!err.empty()) {
    ctx.client().is_replica = false;
    ctx.reply().Error(err);
  }
}

void Replconf(CommandContext& ctx) {
  if (!R(ctx)) return ctx.reply().Ok();
  std::string r = R(ctx)->Replconf(ctx.client().id, ctx.args());
  if (r.empty()) return ctx.reply().Ok();
  if (r == "-") return;
  ctx.reply().Error(r);
}

// REPLICAOF host port | NO ONE
void ReplicaOf(CommandContext& ctx) {
  if (ctx.engine().cluster_enabled) {
    return ctx.reply().Error("ERR REPLICAOF not allowed in cluster mode.");
  }
  auto* r = R(ctx);
  if (Is(ctx.arg(1), "no") && Is(ctx.arg(2), "one")) {
    if (r->is_replica()) r->UnsetMaster();
    return ctx.reply().Ok();
  }
  auto port = base::ParseInt64(ctx.arg(2));
  if (!port) return ctx.reply().Error(kErrNotInteger);
  if (*port < 0 || *port > 65535) return ctx.reply().Error("ERR Invalid master port");
  if (r->is_replica() && r->master_host() == ctx.arg(1) && r->master_port() == *port) {
    return ctx.reply().Simple("OK Already connected to specified master");
  }
  r->SetMaster(std::string(ctx.arg(1)), static_cast<int>(*port));
  ctx.reply().Ok();
}

void Role(CommandContext& ctx) {
  auto* r = R(ctx);
  auto& out = ctx.reply();
  if (r && r->is_replica()) {
    out.ArrayHeader(5);
    out.Bulk("slave");
    out.Bulk(r->master_host());
    out.Integer(r->master_port());
    out.Bulk(repl::LinkStateName(r->link_state()));
    out.Integer(r->processed_offset());
    return;
  }
  out.ArrayHeader(3);
  out.Bulk("master");
  out.Integer(r ? r->master_repl_offset() : 0);
  size_t n = 0;
  if (r) {
    for (auto& [id, rc] : r->replicas()) n += rc.online ? 1 : 0;
  }
  out.ArrayHeader(n);
  if (!r) return;
  for (auto& [id, rc] : r->replicas()) {
    if (!rc.online) continue;
    out.ArrayHeader(3);
    out.Bulk(rc.ip);
    out.Bulk(std::to_string(rc.port));
    out.Bulk(std::to_string(rc.ack_off));
  }
}

// WAIT numreplicas timeout
void Wait(CommandContext& ctx) {
  auto* r = R(ctx);
  if (r && r->is_replica()) {
    return ctx.reply().Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to replicas "
        "are just local and are not propagated.");
  }
  auto num = IntArg(ctx, 1);
  if (!num) return;
  auto timeout = base::ParseInt64(ctx.arg(2));
  if (!timeout) return ctx.reply().Error("ERR timeout is not an integer or out of range");
  if (*timeout < 0) return ctx.reply().Error(kErrTimeoutNeg);
  int acked = r ? r->CountAcked(ctx.client().woff) : 0;
  if (acked >= *num || ctx.client().in_exec || ctx.client().block_timed_out || !r) {
    return ctx.reply().Integer(acked);
  }
  r->RequestAcks();
  if (!ctx.BlockOn({std::string("\x00WAIT", 5)}, *timeout)) ctx.reply().Integer(acked);
}

}  // namespace node::commands
