// node/commands/dispatcher.h
//
// Runs one command for one client: looks it up in the command table, checks
// arity, authentication, transactions, cluster routing, replica read-only and
// OOM, then calls the handler, accounts stats and slowlog, and propagates
// writes. Engine thread only.

#pragma once

#include <span>
#include <string>
#include <string_view>

#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::commands {

// Optional hook for cluster routing, set by the server in cluster mode.
// Returns true when the command may run here; otherwise it has replied the
// redirection (MOVED/ASK/CROSSSLOT/CLUSTERDOWN/TRYAGAIN) itself.
using RouteCheck = std::function<bool(Client&, const CommandSpec&,
                                      std::span<const std::string_view>, resp::ReplyBuilder&)>;

// What ResolveCommand found for a command a file or a peer sent.
struct ResolvedCommand {
  const CommandSpec* spec = nullptr;  // set when the command may be Call()ed
  bool unknown = false;               // no such command
  std::string error;                  // when spec is null: Redis's error text
};

// Looks up the command `args` names (and its subcommand) and checks its
// arity, for the callers that hand Dispatcher::Call commands that never went
// through Execute: AOF replay and the master's stream. A "*1 SET" there must
// be an error, never a handler reading past its arguments.
ResolvedCommand ResolveCommand(std::span<const std::string_view> args);

class Dispatcher {
 public:
  explicit Dispatcher(Engine& engine) : engine_(engine) {}

  void Execute(Client& client, std::span<const std::string_view> args, resp::ReplyBuilder& reply);

  void set_route_check(RouteCheck f) { route_check_ = std::move(f); }
  // Whether this node refuses writes from normal clients (read-only replica).
  void set_read_only(bool ro) { read_only_ = ro; }

  // Runs a command with no checks: the caller has checked its arity already
  // (Execute; EXEC's queue at queue time; scripts; ResolveCommand for the AOF
  // loader and the replication stream). Handlers read arguments by position.
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
