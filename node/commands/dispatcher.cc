// node/commands/dispatcher.cc -- see dispatcher.h. The order of checks is
// Redis 7.0's processCommand order (reference/resp.md §2).

#include "node/commands/dispatcher.h"

#include "node/acl/protected_mode.h"
#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/base/strings.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/command_table.h"
#include "node/commands/errors.h"
#include "node/commands/handlers.h"
#include "node/commands/latency.h"
#include "node/commands/scripting_handlers.h"
#include "node/commands/tracking.h"
#include "node/commands/transactions.h"
#include "node/config/config.h"
#include "node/repl/replication.h"

namespace node::commands {

namespace {

// Redis's allowProtectedAction: "yes", or "local" for a client on the
// loopback address (client.addr is "ip:port", IPv4-mapped already IPv4).
bool ProtectedCommandAllowed(const Client& c, config::EnableCommand mode) {
  return config::ProtectedActionAllowed(mode, acl::IsLocalPeerAddr(c.addr));
}

std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string a;
  for (size_t i = 1; i < args.size() && a.size() < 128; i++) {
    size_t room = 128 - a.size();
    a += '\'';
    a.append(args[i].substr(0, room));
    a += "' ";
  }
  std::string msg = "ERR unknown command '";
  msg.append(args[0].substr(0, 128));
  msg += "', with args beginning with: ";
  msg += a;
  return msg;
}

bool ArityOk(const CommandSpec& spec, size_t argc) {
  int a = spec.arity;
  return (a > 0 && static_cast<size_t>(a) == argc) || (a < 0 && argc >= static_cast<size_t>(-a));
}

void CountError(Engine& engine, std::string_view msg) {
  engine.stats.total_error_replies++;
  size_t sp = msg.find(' ');
  engine.stats.error_stats[std::string(msg.substr(0, sp))]++;
}

// CLIENT PAUSE (misc): under ALL every command waits, under WRITE those
// that may replicate (write / may_replicate flags, or an EXEC whose queue
// holds one), as Redis 7.0's processCommand. Replicas and our master's link
// are never paused; neither is what runs inside EXEC or a script.
bool ClientPaused(const Engine& engine, const Client& client, const CommandSpec& spec) {
  if (!engine.client_pause_type || client.is_replica || client.is_master_link || client.in_exec)
    return false;
  if (engine.client_pause_end_ms < base::UnixMs()) return false;  // the timer ends it
  if (engine.client_pause_type == 2) return true;
  if (spec.flags & (kWrite | kMayReplicate)) return true;
  if (spec.handler == &Exec) {
    for (auto& q : client.multi_queue) {
      if (q.spec->flags & (kWrite | kMayReplicate)) return true;
    }
  }
  return false;
}

// Commands are told apart by their handler, as Redis compares c->cmd->proc.
bool IsExec(const CommandSpec& spec) { return spec.handler == &Exec; }

// Redis 7.0's is_write_command for the -MISCONF check: a write command, or
// an EXEC whose queue holds one; PING too (processCommand refuses it so that
// monitoring which only pings a master learns it cannot persist).
bool RefusedOnDiskError(const Client& client, const CommandSpec& spec) {
  if (spec.flags & (kWrite | kDenyOom)) return true;
  if (spec.handler == &Ping) return true;
  if (IsExec(spec) && client.in_multi) {
    for (auto& q : client.multi_queue) {
      if (q.spec->flags & kWrite) return true;
    }
  }
  return false;
}

}  // namespace

std::string FullName(const CommandSpec& spec) {
  if (spec.parent) return std::string(spec.parent->name) + "|" + spec.name;
  return spec.name;
}

void RedactAllAfterName(std::span<const std::string_view> args, std::vector<bool>& secret) {
  for (size_t i = 1; i < args.size(); i++) secret[i] = true;
}

void RedactAllAfterSubcommand(std::span<const std::string_view> args, std::vector<bool>& secret) {
  for (size_t i = 2; i < args.size(); i++) secret[i] = true;
}

std::vector<int> KeyIndexes(const CommandSpec& spec, std::span<const std::string_view> args) {
  if (spec.getkeys) return spec.getkeys(args);
  std::vector<int> out;
  ForEachKeyIndex(spec, args, [&out](int i, size_t) { out.push_back(i); });
  return out;
}

bool CommandContext::BlockOn(std::vector<std::string> keys, int64_t timeout_ms) {
  if (!may_block_ || client_.in_exec) return false;
  blocked_ = true;
  block_keys_ = std::move(keys);
  block_timeout_ms_ = timeout_ms;
  return true;
}

void CommandContext::ArityError() {
  reply_.Error("ERR wrong number of arguments for '" + FullName(spec_) + "' command");
}

void CommandContext::UnknownSubcommand() {
  reply_.Error("ERR unknown subcommand '" + std::string(args_[1].substr(0, 128)) + "'. Try " +
               base::ToUpper(args_[0]) + " HELP.");
}

void Dispatcher::FeedMonitors(Client& client, std::span<const std::string_view> args) {
  if (engine_.monitors.empty()) return;
  int64_t us = base::UnixUs();
  std::string line =
      "+" + std::to_string(us / 1000000) + "." + std::to_string(1000000 + us % 1000000).substr(1) +
      " [" + std::to_string(client.db) + " " + (client.addr.empty() ? "lua" : client.addr) + "]";
  for (auto a : args) {
    line += " \"";
    for (unsigned char c : a) {
      if (c == '\\' || c == '"') {
        line += '\\';
        line += static_cast<char>(c);
      } else if (c == '\n') {
        line += "\\n";
      } else if (c == '\r') {
        line += "\\r";
      } else if (c == '\t') {
        line += "\\t";
      } else if (c < 32 || c >= 127) {
        char buf[8];
        snprintf(buf, sizeof(buf), "\\x%02x", c);
        line += buf;
      } else {
        line += static_cast<char>(c);
      }
    }
    line += '"';
  }
  line += "\r\n";
  if (engine_.feed_monitors) engine_.feed_monitors(client, line);
}

bool Dispatcher::QueueInMulti(Client& client, const CommandSpec& spec,
                              std::span<const std::string_view> args, resp::ReplyBuilder& reply) {
  if (!client.in_multi || (spec.flags & kTxImmediate)) return false;
  if (spec.flags & kNoMulti) {
    reply.Error(kErrNotAllowedInMulti);
    client.multi_dirty = true;
    return true;
  }
  QueuedCommand q;
  q.spec = &spec;
  q.args.reserve(args.size());
  for (auto a : args) q.args.emplace_back(a);
  client.multi_queue.push_back(std::move(q));
  reply.Simple("QUEUED");
  return true;
}

void Dispatcher::Execute(Client& client, std::span<const std::string_view> args,
                         resp::ReplyBuilder& reply) {
  client.last_interaction_ms = base::CachedMonoMs();
  const CommandSpec* spec = LookupCommand(args[0]);
  auto reject = [&](const std::string& msg) {
    if (spec && IsExec(*spec) && client.in_multi) {
      // Redis 7.0's execCommandAbort: an EXEC refused before it runs
      // discards the transaction.
      client.in_multi = false;
      client.multi_dirty = false;
      client.multi_queue.clear();
      UnwatchAll(engine_, client);
      std::string e = "EXECABORT Transaction discarded because of: " + msg;
      reply.Error(e);
      CountError(engine_, e);
      return;
    }
    reply.Error(msg);
    CountError(engine_, msg);
    if (client.in_multi) client.multi_dirty = true;
  };
  if (!spec) {
    reject(UnknownCommandError(args));
    return;
  }
  if (!ArityOk(*spec, args.size())) {
    reject("ERR wrong number of arguments for '" + FullName(*spec) + "' command");
    StatsFor(*spec).rejected_calls++;
    return;
  }
  if (spec->subcommands && args.size() >= 2) {
    const CommandSpec* sub = LookupSubcommand(*spec, args[1]);
    if (!sub && !spec->handler) {
      reject("ERR unknown subcommand '" + std::string(args[1].substr(0, 128)) + "'. Try " +
             base::ToUpper(args[0]) + " HELP.");
      return;
    }
    if (sub) spec = sub;
    if (sub && !ArityOk(*spec, args.size())) {
      reject("ERR wrong number of arguments for '" + FullName(*spec) + "' command");
      StatsFor(*spec).rejected_calls++;
      return;
    }
  }
  client.last_cmd = spec;
  // DEBUG and MODULE only where enable-debug-command / enable-module-command
  // allow them (Redis 7.0's CMD_PROTECTED check, before authentication).
  if (spec->flags & kProtected) {
    const CommandSpec& top = spec->parent ? *spec->parent : *spec;
    bool debug = top.handler == &Debug;
    auto mode = !engine_.config ? config::EnableCommand::kNo
                : debug         ? engine_.config->s.enable_debug_command
                                : engine_.config->s.enable_module_command;
    if (!ProtectedCommandAllowed(client, mode)) {
      reject(std::string("ERR ") + (debug ? "DEBUG" : "MODULE") + " command not allowed. If the " +
             (debug ? "enable-debug-command" : "enable-module-command") +
             " option is set to \"local\", you can run it from a local connection, otherwise you "
             "need to set this option in the configuration file, and then restart the server.");
      return;
    }
  }
  if (!client.authenticated && !(spec->flags & kNoAuth) && AuthRequired(engine_, client)) {
    reject(kErrNoAuth);
    StatsFor(*spec).rejected_calls++;
    return;
  }
  // ACL (node/acl): the command, its keys and its channels, for the
  // client's user; inside MULTI at queue time, like Redis.
  if (client.acl_user) {
    int pos = 0;
    acl::Denied d = AclCheck(engine_, client, *spec, args, &pos);
    if (d != acl::Denied::kOk) {
      AclLogDenied(engine_, client, d,
                   client.in_multi ? acl::LogContext::kMulti : acl::LogContext::kToplevel, pos,
                   *spec, args);
      reject(AclDeniedError(d, *spec));
      StatsFor(*spec).rejected_calls++;
      return;
    }
  }
  // A script running past busy-reply-threshold: only kAllowBusy commands
  // (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE ...) are served.
  if (engine_.script_busy && !(spec->flags & kAllowBusy)) {
    reject(engine_.script_busy == 2
               ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE."
               : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                 "SHUTDOWN NOSAVE.");
    StatsFor(*spec).rejected_calls++;
    return;
  }
  if (engine_.client_pause_type && engine_.block_client && ClientPaused(engine_, client, *spec)) {
    // CLIENT PAUSE (misc): parked until the pause ends, then run from scratch.
    engine_.block_client(client, *spec, args, {std::string("\x00PAUSE", 6)}, 0);
    return;
  }
  if (client.in_multi && (spec->flags & kTxImmediate) == 0 && engine_.write_refusal &&
      !client.is_master_link && RefusedOnDiskError(client, *spec)) {
    // Refused at queue time, as Redis 7.0 (EXEC then aborts).
    std::string misconf = engine_.write_refusal();
    if (!misconf.empty()) {
      reject(misconf);
      StatsFor(*spec).rejected_calls++;
      return;
    }
  }
  if (client.in_multi && (spec->flags & kTxImmediate) == 0) {
    // Cluster routing is still checked at queue time, like Redis.
    if (route_check_ && !route_check_(client, *spec, args, reply)) {
      client.multi_dirty = true;
      return;
    }
    QueueInMulti(client, *spec, args, reply);
    return;
  }
  if (route_check_ && !route_check_(client, *spec, args, reply)) {
    StatsFor(*spec).rejected_calls++;
    return;
  }
  if (engine_.hot.maxmemory) {
    bool ok = engine_.EvictIfNeeded();
    if (!ok && (spec->flags & kDenyOom)) {
      reject(kErrOom);
      StatsFor(*spec).rejected_calls++;
      return;
    }
  }
  if (engine_.write_refusal && !client.is_master_link && RefusedOnDiskError(client, *spec)) {
    std::string misconf = engine_.write_refusal();
    if (!misconf.empty()) {
      reject(misconf);
      StatsFor(*spec).rejected_calls++;
      return;
    }
  }
  if ((spec->flags & kWrite) && engine_.repl && !client.is_master_link &&
      engine_.repl->NotEnoughGoodReplicas()) {
    reject("NOREPLICAS Not enough good replicas to write.");
    StatsFor(*spec).rejected_calls++;
    return;
  }
  if (read_only_ && (spec->flags & kWrite) && !client.is_master_link) {
    reject(kErrReadOnly);
    StatsFor(*spec).rejected_calls++;
    return;
  }
  if (engine_.writes_paused && (spec->flags & kWrite) && !client.is_master_link &&
      !client.in_exec && engine_.block_client) {
    // Manual failover: the write waits until the pause ends, then runs.
    engine_.block_client(client, *spec, args, {std::string("\x00PAUSE", 6)}, 0);
    return;
  }
  if (!(spec->flags & (kSkipMonitor | kAdmin)) && !engine_.monitors.empty()) {
    std::vector<std::string_view> redacted;
    FeedMonitors(client, RedactArgs(*spec, args, &redacted)
                             ? std::span<const std::string_view>(redacted)
                             : args);
  }
  // Client-side caching (misc): the running client's own invalidations
  // wait for its reply (tracking.cc).
  Client* prev_current = engine_.current_client;
  engine_.current_client = &client;
  Call(client, *spec, args, reply);
  engine_.current_client = prev_current;
  if (engine_.tracking) TrackingAfterCommand(engine_, client, *spec);
  // ASKING lasts for one command (or until EXEC/DISCARD inside MULTI).
  if (!(spec->flags & kKeepAsking) && !client.in_multi) client.asking = false;
}

ResolvedCommand ResolveCommand(std::span<const std::string_view> args) {
  ResolvedCommand r;
  const CommandSpec* spec = args.empty() ? nullptr : LookupCommand(args[0]);
  if (!spec) {
    r.unknown = true;
    if (!args.empty()) r.error = UnknownCommandError(args);
    return r;
  }
  if (spec->subcommands && args.size() >= 2) {
    const CommandSpec* sub = LookupSubcommand(*spec, args[1]);
    if (!sub && !spec->handler) {  // Execute's text
      r.error = "ERR unknown subcommand '" + std::string(args[1].substr(0, 128)) + "'. Try " +
                base::ToUpper(args[0]) + " HELP.";
      return r;
    }
    if (sub) spec = sub;
  }
  if (!ArityOk(*spec, args.size()) || (spec->parent && !ArityOk(*spec->parent, args.size())) ||
      !spec->handler) {
    r.error = "ERR wrong number of arguments for '" + FullName(*spec) + "' command";
    return r;
  }
  r.spec = spec;
  return r;
}

void Dispatcher::Call(Client& client, const CommandSpec& spec,
                      std::span<const std::string_view> args, resp::ReplyBuilder& reply) {
  NODE_DCHECK(spec.handler && ArityOk(spec, args.size()));  // see dispatcher.h
  uint64_t errors_before = reply.errors();
  int64_t start = base::MonoUs();
  CommandContext ctx(engine_, client, spec, args, reply);
  ctx.set_may_block(!client.in_exec);
  ctx.set_retry(client.blocked);
  ++engine_.call_depth;  // see Engine::flush_propagation
  spec.handler(ctx);
  int64_t dur = base::MonoUs() - start;
  if (ctx.blocked()) {
    if (--engine_.call_depth == 0 && engine_.flush_propagation) engine_.flush_propagation();
    if (engine_.block_client) {
      engine_.block_client(client, spec, args, ctx.block_keys(), ctx.block_timeout_ms());
    } else {
      reply.NullArray();
    }
    return;
  }
  // Client-side caching (misc): keys read by a tracking client; a script's
  // reads count for the client that runs the script (its EVAL_RO /
  // EVALSHA_RO / FCALL_RO declared keys do not, as Redis 7.0).
  if (engine_.tracking && (spec.flags & kReadOnly)) {
    Client* reader = &client;
    if (client.addr.empty() && !client.is_master_link && engine_.current_client) {
      reader = engine_.current_client;  // the Lua client: its caller reads
    }
    bool script_ro =
        spec.handler == &EvalRo || spec.handler == &EvalShaRo || spec.handler == &FcallRo;
    if (reader->tracking && !script_ro) TrackingRememberKeys(engine_, *reader, spec, args);
  }
  auto& st = StatsFor(spec);
  st.calls++;
  st.usec += static_cast<uint64_t>(dur);
  LatencyRecordCommand(engine_, spec, dur);  // LATENCY / latencystats (misc)
  if (reply.errors() != errors_before) {
    st.failed_calls++;
    engine_.stats.total_error_replies++;
  }
  engine_.stats.total_commands_processed++;
  client.tot_cmds++;
  if (ctx.dirty() > 0) {
    engine_.stats.dirty += static_cast<uint64_t>(ctx.dirty());
    if (!ctx.no_propagate() && engine_.propagate) {
      if (!ctx.rewritten().empty()) {
        std::vector<std::string_view> v(ctx.rewritten().begin(), ctx.rewritten().end());
        engine_.propagate(client.db, v);
      } else {
        engine_.propagate(client.db, args);
      }
      for (auto& extra : ctx.also()) {
        std::vector<std::string_view> v(extra.begin(), extra.end());
        engine_.propagate(client.db, v);
      }
    }
    if (engine_.key_modified) {
      ForEachKeyIndex(spec, args, [&](int i, size_t count) {
        if (count > 1 && KeyOnlyRead(spec, args, i)) return;  // a source, not written
        engine_.key_modified(client.db, args[static_cast<size_t>(i)]);
      });
    }
  }
  // The client's write offset for WAIT: taken after this command's own
  // propagation, so WAIT counts only replicas that acknowledged the write
  // itself (taken before it, a replica that had acked everything up to the
  // write satisfied WAIT without ever receiving it; found by tests/chaos).
  if (--engine_.call_depth == 0 && engine_.flush_propagation) engine_.flush_propagation();
  if (engine_.repl) client.woff = engine_.repl->master_repl_offset();
  if (dur >= engine_.hot.slowlog_log_slower_than && engine_.hot.slowlog_log_slower_than >= 0 &&
      !(spec.flags & kSkipSlowlog)) {
    std::vector<std::string_view> redacted;
    if (RedactArgs(spec, args, &redacted)) args = redacted;
    SlowlogEntry e;
    e.id = engine_.slowlog_next_id++;
    e.time_s = base::UnixMs() / 1000;
    e.duration_us = dur;
    size_t n = std::min<size_t>(args.size(), 32);
    for (size_t i = 0; i < n; i++) {
      if (i == 31 && args.size() > 32) {
        e.args.push_back("... (" + std::to_string(args.size() - 31) + " more arguments)");
        break;
      }
      std::string a(args[i].substr(0, 128));
      if (args[i].size() > 128)
        a += "... (" + std::to_string(args[i].size() - 128) + " more bytes)";
      e.args.push_back(std::move(a));
    }
    e.peer = client.addr;
    e.name = client.name;
    engine_.slowlog.push_back(std::move(e));
    while (engine_.slowlog.size() > engine_.hot.slowlog_max_len) {
      engine_.slowlog.erase(engine_.slowlog.begin());
    }
  }
}

}  // namespace node::commands
