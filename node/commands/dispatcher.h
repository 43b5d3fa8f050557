// node/commands/dispatcher.h
//
// Runs one command for one client: looks it up in the command table, checks
// arity, authentication, transactions, cluster routing, replica read-only and
// OOM, then calls the handler, accounts stats and slowlog, and propagates
// writes. Engine thread only.

#pragma once

#include <span>
#include <string_view>

#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::commands {

// Optional hook for cluster routing, set by the server in cluster mode.
// Returns true when the command may run here; otherwise it has replied the
// redirection (MOVED/ASK/CROSSSLOT/CLUSTERDOWN/TRYAGAIN) itself.
using RouteCheck = std::function<bool(Client&, const CommandSpec&,
                                      std::span<const std::string_view>, resp::ReplyBuilder&)>;

class Dispatcher {
 public:
  explicit Dispatcher(Engine& engine) : engine_(engine) {}

  void Execute(Client& client, std::span<const std::string_view> args, resp::ReplyBuilder& reply);

  void set_route_check(RouteCheck f) { route_check_ = std::move(f); }
  // Whether this node refuses writes from normal clients (read-only replica).
  void set_read_only(bool ro) { read_only_ = ro; }

  // Runs a command with no checks except arity (EXEC's queued commands, the
  // AOF loader and the replication stream).
  void Call(Client& client, const CommandSpec& spec, std::span<const std::string_view> args,
            resp::ReplyBuilder& reply);

 private:
  bool QueueInMulti(Client& client, const CommandSpec& spec, std::span<const std::string_view> args,
                    resp::ReplyBuilder& reply);
  void FeedMonitors(Client& client, std::span<const std::string_view> args);

  Engine& engine_;
  RouteCheck route_check_;
  bool read_only_ = false;
};

}  // namespace node::commands
