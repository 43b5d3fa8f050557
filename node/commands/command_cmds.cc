// node/commands/command_cmds.cc
//
// COMMAND and its subcommands, rendered from the command table (the only
// source of truth): COUNT, INFO, DOCS, GETKEYS, LIST. Cluster clients such as
// redis-py's RedisCluster read key positions from here.

#include "node/commands/command_table.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"

namespace node::commands {

namespace {

struct FlagName {
  uint32_t bit;
  const char* name;
};
constexpr FlagName kFlagNames[] = {
    {kWrite, "write"},
    {kReadOnly, "readonly"},
    {kDenyOom, "denyoom"},
    {kAdmin, "admin"},
    {kPubSub, "pubsub"},
    {kNoScript, "noscript"},
    {kBlocking, "blocking"},
    {kLoading, "loading"},
    {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"},
    {kAsking, "asking"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},
    {kMayReplicate, "may_replicate"},
    {kNoMandatoryKeys, "no_mandatory_keys"},
    {kProtected, "protected"},
    {kNoAsyncLoading, "no_async_loading"},
    {kNoMulti, "no_multi"},
    {kMovableKeys, "movablekeys"},
    {kAllowBusy, "allow_busy"},
};

constexpr const char* kAclNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

void ReplyKeySpecs(resp::ReplyBuilder& r, const CommandSpec& c) {
  if (c.keys.first <= 0) {
    r.SetHeader(0);
    return;
  }
  r.SetHeader(1);
  r.MapHeader(3);
  r.Bulk("flags");
  if (c.flags & kWrite) {
    r.SetHeader(2);
    r.Simple("RW");
    r.Simple("update");
  } else {
    r.SetHeader(2);
    r.Simple("RO");
    r.Simple("access");
  }
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk("index");
  r.Bulk("spec");
  r.MapHeader(1);
  r.Bulk("index");
  r.Integer(c.keys.first);
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk("range");
  r.Bulk("spec");
  r.MapHeader(3);
  r.Bulk("lastkey");
  r.Integer(c.keys.last < 0 ? c.keys.last : c.keys.last - c.keys.first);
  r.Bulk("keystep");
  r.Integer(c.keys.step);
  r.Bulk("limit");
  r.Integer(0);
}

void ReplyInfo(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.ArrayHeader(10);
  r.Bulk(FullName(c));
  r.Integer(c.arity);
  size_t nflags = 0;
  for (auto& f : kFlagNames) nflags += (c.flags & f.bit) ? 1 : 0;
  r.SetHeader(nflags);
  for (auto& f : kFlagNames) {
    if (c.flags & f.bit) r.Simple(f.name);
  }
  r.Integer(c.keys.first);
  r.Integer(c.keys.last);
  r.Integer(c.keys.step);
  size_t ncat = 0;
  for (size_t i = 0; i < std::size(kAclNames); i++) ncat += (c.acl >> i) & 1;
  r.SetHeader(ncat);
  for (size_t i = 0; i < std::size(kAclNames); i++) {
    if ((c.acl >> i) & 1) r.Simple(std::string("@") + kAclNames[i]);
  }
  r.SetHeader(0);  // tips
  ReplyKeySpecs(r, c);
  r.ArrayHeader(c.n_subcommands);
  for (size_t i = 0; i < c.n_subcommands; i++) ReplyInfo(r, c.subcommands[i]);
}

void ReplyDocs(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.MapHeader(c.n_subcommands ? 4 : 3);
  r.Bulk("summary");
  r.Bulk(c.summary);
  r.Bulk("since");
  r.Bulk(c.since);
  r.Bulk("group");
  r.Bulk(c.group);
  if (c.n_subcommands) {
    r.Bulk("subcommands");
    r.MapHeader(c.n_subcommands);
    for (size_t i = 0; i < c.n_subcommands; i++) {
      r.Bulk(FullName(c.subcommands[i]));
      ReplyDocs(r, c.subcommands[i]);
    }
  }
}

size_t CountAll() { return CommandTable().size(); }

}  // namespace

void Command(CommandContext& ctx) {
  if (ctx.argc() > 1) return ctx.UnknownSubcommand();
  auto table = CommandTable();
  ctx.reply().ArrayHeader(table.size());
  for (auto& c : table) ReplyInfo(ctx.reply(), c);
}

void CommandCount(CommandContext& ctx) { ctx.reply().Integer(static_cast<int64_t>(CountAll())); }

void CommandInfo(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() == 2) {
    auto table = CommandTable();
    r.ArrayHeader(table.size());
    for (auto& c : table) ReplyInfo(r, c);
    return;
  }
  r.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string_view name = ctx.arg(i);
    const CommandSpec* c = nullptr;
    size_t bar = name.find('|');
    if (bar != std::string_view::npos) {
      const CommandSpec* parent = LookupCommand(name.substr(0, bar));
      if (parent) c = LookupSubcommand(*parent, name.substr(bar + 1));
    } else {
      c = LookupCommand(name);
    }
    if (c) {
      ReplyInfo(r, *c);
    } else {
      r.NullArray();
    }
  }
}

void CommandDocs(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() == 2) {
    auto table = CommandTable();
    r.MapHeader(table.size());
    for (auto& c : table) {
      r.Bulk(c.name);
      ReplyDocs(r, c);
    }
    return;
  }
  std::vector<const CommandSpec*> found;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (auto* c = LookupCommand(ctx.arg(i))) found.push_back(c);
  }
  r.MapHeader(found.size());
  for (auto* c : found) {
    r.Bulk(c->name);
    ReplyDocs(r, *c);
  }
}

void CommandGetKeys(CommandContext& ctx) {
  auto args = ctx.args().subspan(2);
  const CommandSpec* c = LookupCommand(args[0]);
  if (!c) return ctx.reply().Error("ERR Invalid command specified");
  if (c->subcommands && args.size() >= 2) {
    if (auto* s = LookupSubcommand(*c, args[1])) c = s;
  }
  int a = c->arity;
  if ((a > 0 && static_cast<size_t>(a) != args.size()) ||
      (a < 0 && args.size() < static_cast<size_t>(-a))) {
    return ctx.reply().Error("ERR Invalid number of arguments specified for command");
  }
  auto idx = KeyIndexes(*c, args);
  if (idx.empty()) return ctx.reply().Error("ERR The command has no key arguments");
  ctx.reply().ArrayHeader(idx.size());
  for (int i : idx) ctx.reply().Bulk(args[static_cast<size_t>(i)]);
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern]
void CommandList(CommandContext& ctx) {
  std::string_view kind, value;
  if (ctx.argc() == 5 && Is(ctx.arg(2), "filterby")) {
    kind = ctx.arg(3);
    value = ctx.arg(4);
    if (!Is(kind, "module") && !Is(kind, "aclcat") && !Is(kind, "pattern")) {
      return ctx.reply().Error(kErrSyntax);
    }
  } else if (ctx.argc() != 2) {
    return ctx.reply().Error(kErrSyntax);
  }
  std::vector<std::string> names;
  auto consider = [&](const CommandSpec& c) {
    std::string n = FullName(c);
    if (Is(kind, "module")) return;
    if (Is(kind, "pattern") && !base::GlobMatch(value, n, true)) return;
    if (Is(kind, "aclcat")) {
      bool ok = false;
      for (size_t i = 0; i < std::size(kAclNames); i++) {
        if (((c.acl >> i) & 1) && Is(value, kAclNames[i])) ok = true;
      }
      if (!ok) return;
    }
    names.push_back(n);
  };
  for (auto& c : CommandTable()) {
    consider(c);
    for (size_t i = 0; i < c.n_subcommands; i++) consider(c.subcommands[i]);
  }
  ctx.reply().ArrayHeader(names.size());
  for (auto& n : names) ctx.reply().Bulk(n);
}

void CommandHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (auto* l : kLines) ctx.reply().Simple(l);
}

}  // namespace node::commands
