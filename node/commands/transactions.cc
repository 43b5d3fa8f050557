// node/commands/transactions.cc
//
// MULTI / EXEC / DISCARD / WATCH / UNWATCH. Queueing itself happens in the
// dispatcher (a command rejected at queue time flags the transaction, so EXEC
// replies EXECABORT). WATCH is optimistic locking: any change to a watched
// key (see TouchWatchedKey, called through Engine::key_modified) makes the
// next EXEC fail with a null reply.

#include "node/commands/transactions.h"

#include <algorithm>

#include "node/commands/acl_handlers.h"
#include "node/commands/command_table.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"

namespace node::commands {

// Watched keys are stored as "<db>\n<key>" so one map serves every database.
std::string WatchName(int db, std::string_view key) {
  std::string s = std::to_string(db);
  s += '\n';
  s.append(key);
  return s;
}

void TouchWatchedKey(Engine& eng, int db, std::string_view key) {
  if (eng.watched_keys.empty()) return;
  if (key.empty()) {  // FLUSHALL / FLUSHDB (db < 0: every database)
    std::string prefix = db < 0 ? "" : std::to_string(db) + "\n";
    for (auto& [k, clients] : eng.watched_keys) {
      if (k.compare(0, prefix.size(), prefix) != 0) continue;
      for (Client* c : clients) c->watch_dirty = true;
    }
    return;
  }
  auto it = eng.watched_keys.find(WatchName(db, key));
  if (it == eng.watched_keys.end()) return;
  for (Client* c : it->second) c->watch_dirty = true;
}

void UnwatchAll(Engine& eng, Client& c) {
  for (auto& k : c.watched_keys) {
    auto it = eng.watched_keys.find(k);
    if (it == eng.watched_keys.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), &c), v.end());
    if (v.empty()) eng.watched_keys.erase(it);
  }
  c.watched_keys.clear();
  c.watch_dirty = false;
}

namespace {
void ClearMulti(Client& c) {
  c.in_multi = false;
  c.multi_dirty = false;
  c.multi_queue.clear();
}
}  // namespace

void Multi(CommandContext& ctx) {
  if (ctx.client().in_multi) return ctx.reply().Error("ERR MULTI calls can not be nested");
  ctx.client().in_multi = true;
  ctx.client().multi_dirty = false;
  ctx.reply().Ok();
}

void Discard(CommandContext& ctx) {
  if (!ctx.client().in_multi) return ctx.reply().Error("ERR DISCARD without MULTI");
  ClearMulti(ctx.client());
  UnwatchAll(ctx.engine(), ctx.client());
  ctx.reply().Ok();
}

namespace {

bool ExecAclDenied(Engine& eng, Client& c, const CommandSpec& spec,
                   std::span<const std::string_view> args, resp::ReplyBuilder& reply) {
  int pos = 0;
  acl::Denied d = AclCheck(eng, c, spec, args, &pos);
  if (d == acl::Denied::kOk) return false;
  const char* reason =
      d == acl::Denied::kCommand ? "no permission to execute the command or subcommand"
      : d == acl::Denied::kKey   ? "no permission to touch the specified keys"
                                 : "no permission to access one of the channels used as arguments";
  AclLogDenied(eng, c, d, acl::LogContext::kMulti, pos, spec, args);
  reply.Error(std::string("NOPERM ACLs rules changed between the moment the transaction was "
                          "accumulated and the EXEC call. This command is no longer allowed for "
                          "the following reason: ") +
              reason);
  return true;
}

}  // namespace

void Exec(CommandContext& ctx) {
  Client& c = ctx.client();
  Engine& eng = ctx.engine();
  if (!c.in_multi) return ctx.reply().Error("ERR EXEC without MULTI");
  if (c.multi_dirty) {
    ClearMulti(c);
    UnwatchAll(eng, c);
    return ctx.reply().Error(kErrExecAbort);
  }
  if (c.watch_dirty) {
    ClearMulti(c);
    UnwatchAll(eng, c);
    return ctx.reply().NullArray();
  }
  std::vector<QueuedCommand> queue = std::move(c.multi_queue);
  ClearMulti(c);
  UnwatchAll(eng, c);
  ctx.reply().ArrayHeader(queue.size());
  c.in_exec = true;
  for (auto& q : queue) {
    std::vector<std::string_view> args(q.args.begin(), q.args.end());
    // ACL rules may have changed since the command was queued (Redis
    // checks again at EXEC time).
    if (c.acl_user && ExecAclDenied(eng, c, *q.spec, args, ctx.reply())) continue;
    eng.call_command(c, *q.spec, args, ctx.reply());
  }
  c.in_exec = false;
}

void Watch(CommandContext& ctx) {
  Client& c = ctx.client();
  if (c.in_multi) return ctx.reply().Error("ERR WATCH inside MULTI is not allowed");
  Engine& eng = ctx.engine();
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string key = WatchName(c.db, ctx.arg(i));
    if (std::find(c.watched_keys.begin(), c.watched_keys.end(), key) != c.watched_keys.end())
      continue;
    c.watched_keys.push_back(key);
    eng.watched_keys[key].push_back(&c);
  }
  ctx.reply().Ok();
}

void Unwatch(CommandContext& ctx) {
  UnwatchAll(ctx.engine(), ctx.client());
  ctx.reply().Ok();
}

}  // namespace node::commands
