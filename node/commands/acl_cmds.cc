// node/commands/acl_cmds.cc
//
// The ACL command (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT,
// GENPASS, LOG, LOAD, SAVE, DRYRUN, HELP) and the glue between node/acl and
// the rest of the commands room: authentication state, the permission check
// with the command table's key specs and Redis's channel table, ACL LOG
// entries, disconnecting the clients of a deleted user or of a user whose
// channels were revoked, and argument redaction. Replies and error texts are
// redis-server 7.0.15's. Engine thread only.

#include <fstream>
#include <random>

#include "node/acl/registry.h"
#include "node/base/clock.h"
#include "node/base/strings.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/command_table.h"
#include "node/commands/helpers.h"
#include "node/commands/pubsub_handlers.h"
#include "node/config/config.h"
#include "node/pubsub/registry.h"

namespace node::commands {

// clang-format off
constexpr uint32_t kAclAdm = kAdmin | kNoScript | kLoading | kStale;
constexpr uint32_t kAclPlain = kNoScript | kLoading | kStale;
CommandSpec kAclSubcommands[kNumAclSubcommands] = {
  {"cat", -2, kAclPlain, {}, &AclCat},
  {"deluser", -3, kAclAdm, {}, &AclDelUser},
  {"dryrun", -4, kAclAdm, {}, &AclDryRun},
  {"genpass", -2, kAclPlain, {}, &AclGenPass},
  {"getuser", 3, kAclAdm, {}, &AclGetUser},
  {"help", 2, kLoading | kStale, {}, &AclHelp},
  {"list", 2, kAclAdm, {}, &AclList},
  {"load", 2, kAclAdm, {}, &AclLoad},
  {"log", -2, kAclAdm, {}, &AclLog},
  {"save", 2, kAclAdm, {}, &AclSave},
  {.name = "setuser", .arity = -3, .flags = kAclAdm, .keys = {}, .handler = &AclSetUser,
   .redact = &RedactAllAfterSubcommand},
  {"users", 2, kAclAdm, {}, &AclUsers},
  {"whoami", 2, kAclPlain, {}, &AclWhoAmI},
};
// clang-format on

acl::Registry& Engine::acl() {
  if (!acl_registry) acl_registry = std::make_shared<acl::Registry>(&AclCatalog());
  return *acl_registry;
}

namespace {

// Redis's getChannelsFromCommand table (db.c): which arguments of which
// commands are channels the ACL checks (unsubscribes are not checked).
struct ChannelFacts {
  const char* name;
  bool pattern;
  bool all;  // every argument from 1, else only argument 1
};
constexpr ChannelFacts kChannelFacts[] = {
    {"subscribe", false, true}, {"ssubscribe", false, true}, {"psubscribe", true, true},
    {"publish", false, false},  {"spublish", false, false},
};

const ChannelFacts* ChannelFactsOf(const CommandSpec& spec) {
  static std::vector<const ChannelFacts*> by_id;  // engine thread
  if (by_id.empty()) {
    by_id.assign(AclCatalog().size(), nullptr);
    for (auto& f : kChannelFacts) {
      int id = AclCatalog().Lookup(f.name);
      if (id >= 0) by_id[static_cast<size_t>(id)] = &f;
    }
  }
  if (spec.acl_id < 0 || static_cast<size_t>(spec.acl_id) >= by_id.size()) return nullptr;
  return by_id[static_cast<size_t>(spec.acl_id)];
}

std::string StripNewline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

void HelpLines(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply().ArrayHeader(lines.size());
  for (auto* l : lines) ctx.reply().Simple(l);
}

std::string SubcommandSyntaxError(CommandContext& ctx) {
  return "ERR unknown subcommand or wrong number of arguments for '" +
         std::string(ctx.arg(1).substr(0, 128)) + "'. Try ACL HELP.";
}

// Closes a client: at once, or after its reply when it runs the command.
void Disconnect(Engine& eng, Client& c) {
  if (&c == eng.current_client) {
    c.close_after_reply = true;
  } else if (c.kill) {
    c.kill();
  }
}

// Redis's ACLKillPubsubClientsIfNeeded: clients of `u` subscribed to a
// channel or pattern the new rules no longer allow are disconnected.
void KillPubsubClientsIfNeeded(Engine& eng, const acl::User& before, const acl::UserPtr& u) {
  for (auto& s : u->selectors) {
    if (s.allchannels) return;
  }
  std::vector<std::string> upcoming;
  for (auto& s : u->selectors)
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  bool match = true;
  for (auto& s : before.selectors) {
    if (s.allchannels) {
      match = false;
      break;
    }
    for (auto& ch : s.channels) {
      if (std::find(upcoming.begin(), upcoming.end(), ch) == upcoming.end()) match = false;
    }
  }
  if (match) return;
  pubsub::Registry* reg = PubSubOf(eng);
  if (!reg) return;
  acl::User probe;
  probe.selectors.resize(1);
  probe.selectors[0].channels = upcoming;
  std::vector<Client*> victims;
  for (auto& [id, c] : eng.clients) {
    if (c->acl_user != u || !reg->IsSubscribed(c->id)) continue;
    bool kill = false;
    for (auto& p : reg->NamesOf(pubsub::Kind::kPattern, c->id)) {
      if (!acl::ChannelAllowed(probe, p, true)) kill = true;
    }
    for (auto kind : {pubsub::Kind::kChannel, pubsub::Kind::kShard}) {
      for (auto& ch : reg->NamesOf(kind, c->id)) {
        if (!acl::ChannelAllowed(probe, ch, false)) kill = true;
      }
    }
    if (kill) victims.push_back(c);
  }
  for (Client* c : victims) Disconnect(eng, *c);
}

// The clients of users that are gone (DELUSER, ACL LOAD) are reset to the
// default user, unauthenticated, and disconnected (Redis 7.0).
void KillClientsOf(Engine& eng, const std::vector<acl::UserPtr>& gone) {
  std::vector<Client*> victims;
  for (auto& [id, c] : eng.clients) {
    for (auto& u : gone) {
      if (c->acl_user == u) victims.push_back(c);
    }
  }
  for (Client* c : victims) {
    c->acl_user = eng.acl().default_user();
    c->user = "default";
    c->authenticated = false;
    Disconnect(eng, *c);
  }
}

void ReplySelector(resp::ReplyBuilder& r, const acl::RuleEnv& env, const acl::Selector& s) {
  r.Bulk("commands");
  r.Bulk(acl::DescribeCommandRules(env, s));
  r.Bulk("keys");
  r.Bulk(acl::DescribeKeys(s));
  r.Bulk("channels");
  r.Bulk(acl::DescribeChannels(s));
}

}  // namespace

// --- Authentication ----------------------------------------------------------

void ClientSetDefaultAuth(Engine& eng, Client& c) {
  const acl::UserPtr& d = eng.acl().default_user();
  c.acl_user = d;
  c.user = "default";
  c.authenticated = d->nopass() && d->enabled();
}

bool AuthRequired(Engine& eng, const Client& c) {
  if (c.authenticated) return false;
  const acl::User& d = *eng.acl().default_user();
  return !d.nopass() || !d.enabled();
}

bool AclAuthenticate(Engine& eng, Client& c, std::string_view cmd_name, std::string_view user,
                     std::string_view pass) {
  acl::UserPtr u = eng.acl().Find(user);
  if (u && acl::CheckCredentials(*u, pass)) {
    c.authenticated = true;
    c.acl_user = u;
    c.user = u->name;
    return true;
  }
  acl::LogEntry e;
  e.reason = acl::LogReason::kAuth;
  e.context = (c.in_multi || c.in_exec) ? acl::LogContext::kMulti : acl::LogContext::kToplevel;
  e.object = std::string(cmd_name);
  e.username = std::string(user);
  e.ctime_ms = base::UnixMs();
  e.cinfo = StripNewline(ClientInfoLine(eng, c));
  eng.acl().AddLog(std::move(e));
  return false;
}

// --- Permission check ----------------------------------------------------------

acl::Denied AclCheck(Engine& eng, const Client& c, const CommandSpec& spec,
                     std::span<const std::string_view> args, int* pos) {
  (void)eng;
  const acl::User* u = c.acl_user.get();
  if (!u || spec.acl_id < 0) return acl::Denied::kOk;
  // The default user's common case: everything allowed, nothing to extract.
  const acl::Selector& root = u->selectors[0];
  if (root.allcommands && root.allkeys && root.allchannels) return acl::Denied::kOk;
  std::vector<acl::KeyRef> keys;
  std::vector<acl::ChannelRef> channels;
  if (acl::NeedsKeys(*u) && (spec.keys.first > 0 || spec.getkeys)) {
    for (int i : KeyIndexes(spec, args)) {
      if (i <= 0 || static_cast<size_t>(i) >= args.size()) continue;
      uint32_t f = KeySpecFlags(spec, args, i);
      int need = 0;
      if (f & 0x10u) need |= acl::kPermRead;
      if (f & (0x20u | 0x40u | 0x80u)) need |= acl::kPermWrite;
      keys.push_back({i, need});
    }
  }
  if (acl::NeedsChannels(*u)) {
    if (const ChannelFacts* f = ChannelFactsOf(spec)) {
      size_t last = f->all ? args.size() : std::min<size_t>(2, args.size());
      for (size_t i = 1; i < last; i++) channels.push_back({static_cast<int>(i), f->pattern});
    }
  }
  acl::CheckInput in;
  in.cmd = spec.acl_id;
  in.no_auth = (spec.flags & kNoAuth) != 0;
  in.subcommand = spec.parent != nullptr;
  in.args = args;
  in.keys = keys;
  in.channels = channels;
  return acl::CheckCommand(*u, in, pos);
}

void AclLogDenied(Engine& eng, const Client& c, acl::Denied d, acl::LogContext ctx, int pos,
                  const CommandSpec& spec, std::span<const std::string_view> args) {
  acl::LogEntry e;
  e.reason = static_cast<acl::LogReason>(static_cast<int>(d));
  e.context = ctx;
  if (d == acl::Denied::kCommand) {
    e.object = FullName(spec);
  } else if (pos >= 0 && static_cast<size_t>(pos) < args.size()) {
    e.object = std::string(args[static_cast<size_t>(pos)]);
  }
  e.username = c.acl_user ? c.acl_user->name : "default";
  e.ctime_ms = base::UnixMs();
  const Client* real = &c;
  if (ctx == acl::LogContext::kLua && eng.current_client) real = eng.current_client;
  e.cinfo = StripNewline(ClientInfoLine(eng, *real));
  eng.acl().AddLog(std::move(e));
}

std::string AclDeniedError(acl::Denied d, const CommandSpec& spec) {
  switch (d) {
    case acl::Denied::kCommand:
      return "NOPERM this user has no permissions to run the '" + FullName(spec) + "' command";
    case acl::Denied::kKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case acl::Denied::kChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    default:
      return "no permission";
  }
}

bool RedactArgs(const CommandSpec& spec, std::span<const std::string_view> args,
                std::vector<std::string_view>* out) {
  static const std::string_view kRedacted = "(redacted)";
  if (!spec.redact) return false;
  std::vector<bool> secret(args.size(), false);
  spec.redact(args, secret);
  if (std::find(secret.begin(), secret.end(), true) == secret.end()) return false;
  out->clear();
  for (size_t i = 0; i < args.size(); i++) out->push_back(secret[i] ? kRedacted : args[i]);
  return true;
}

std::string AclLoadAtStartup(Engine& eng, const std::string& aclfile) {
  if (aclfile.empty()) return "";
  std::vector<acl::UserPtr> dropped;
  std::string err = eng.acl().LoadFile(aclfile, &dropped);
  if (!err.empty()) return "Aborting startup because of ACL errors: " + err;
  return "";
}

void SyncConfigUsers(Engine& eng) {
  if (!eng.config || !eng.config->s.aclfile.empty()) return;
  auto& reg = eng.acl();
  std::vector<std::vector<std::string>> lines;
  for (auto& [name, u] : reg.users()) {
    std::vector<std::string> line{name};
    std::string d = acl::DescribeUser(reg.env(), *u);
    size_t i = 0;
    while (i < d.size()) {
      size_t j = d.find(' ', i);
      if (j == std::string::npos) j = d.size();
      if (j > i) line.push_back(d.substr(i, j - i));
      i = j + 1;
    }
    lines.push_back(std::move(line));
  }
  eng.config->s.user = std::move(lines);
}

// --- ACL subcommands -------------------------------------------------------------

// ACL SETUSER username [rule ...]
void AclSetUser(CommandContext& ctx) {
  std::string_view name = ctx.arg(2);
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0) {
      return ctx.reply().Error("ERR Usernames can't contain spaces or null characters");
    }
  }
  acl::User before;
  acl::UserPtr after;
  auto& reg = ctx.engine().acl();
  bool existed = reg.Find(name) != nullptr;
  std::string err = reg.SetUser(name, ctx.args().subspan(3), &before, &after);
  if (!err.empty()) return ctx.reply().Error("ERR " + err);
  if (existed) KillPubsubClientsIfNeeded(ctx.engine(), before, after);
  SyncConfigUsers(ctx.engine());
  ctx.reply().Ok();
}

// ACL GETUSER username
void AclGetUser(CommandContext& ctx) {
  auto& reg = ctx.engine().acl();
  acl::UserPtr u = reg.Find(ctx.arg(2));
  if (!u) return ctx.reply().Null();
  acl::RuleEnv env = reg.env();
  auto& r = ctx.reply();
  r.MapHeader(6);
  r.Bulk("flags");
  static const std::pair<uint32_t, const char*> kFlags[] = {
      {acl::kUserOn, "on"},
      {acl::kUserOff, "off"},
      {acl::kUserNoPass, "nopass"},
      {acl::kUserSkipSanitize, "skip-sanitize-payload"},
      {acl::kUserSanitize, "sanitize-payload"},
  };
  size_t n = 0;
  for (auto& [bit, name] : kFlags) n += (u->flags & bit) ? 1 : 0;
  r.SetHeader(n);
  for (auto& [bit, name] : kFlags) {
    if (u->flags & bit) r.Bulk(name);
  }
  r.Bulk("passwords");
  r.ArrayHeader(u->passwords.size());
  for (auto& p : u->passwords) r.Bulk(p);
  ReplySelector(r, env, u->selectors[0]);
  r.Bulk("selectors");
  r.ArrayHeader(u->selectors.size() - 1);
  for (size_t i = 1; i < u->selectors.size(); i++) {
    r.MapHeader(3);
    ReplySelector(r, env, u->selectors[i]);
  }
}

// ACL DELUSER username [username ...]
void AclDelUser(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (ctx.arg(i) == "default") {
      return ctx.reply().Error("ERR The 'default' user cannot be removed");
    }
  }
  auto& reg = ctx.engine().acl();
  std::vector<acl::UserPtr> gone;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (acl::UserPtr u = reg.Remove(ctx.arg(i))) gone.push_back(u);
  }
  KillClientsOf(ctx.engine(), gone);
  SyncConfigUsers(ctx.engine());
  ctx.reply().Integer(static_cast<int64_t>(gone.size()));
}

// ACL LIST
void AclList(CommandContext& ctx) {
  auto& reg = ctx.engine().acl();
  ctx.reply().ArrayHeader(reg.users().size());
  for (auto& [name, u] : reg.users()) {
    ctx.reply().Bulk("user " + name + " " + acl::DescribeUser(reg.env(), *u));
  }
}

// ACL USERS
void AclUsers(CommandContext& ctx) {
  auto& reg = ctx.engine().acl();
  ctx.reply().ArrayHeader(reg.users().size());
  for (auto& [name, u] : reg.users()) ctx.reply().Bulk(name);
}

// ACL WHOAMI
void AclWhoAmI(CommandContext& ctx) {
  const Client& c = ctx.client();
  if (!c.acl_user) return ctx.reply().Null();
  ctx.reply().Bulk(c.acl_user->name);
}

// ACL CAT [category]
void AclCat(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply().Error(SubcommandSyntaxError(ctx));
  if (ctx.argc() == 2) {
    ctx.reply().ArrayHeader(acl::kNumCategories);
    for (auto* n : acl::kCategoryNames) ctx.reply().Bulk(n);
    return;
  }
  uint32_t flag = acl::CategoryFlag(ctx.arg(2));
  if (!flag) {
    return ctx.reply().Error("ERR Unknown category '" + std::string(ctx.arg(2).substr(0, 128)) +
                             "'");
  }
  const acl::Catalog& cat = AclCatalog();
  std::vector<const std::string*> names;
  for (size_t i = 0; i < cat.size(); i++) {
    if (cat.at(static_cast<int>(i)).categories & flag) {
      names.push_back(&cat.at(static_cast<int>(i)).fullname);
    }
  }
  ctx.reply().ArrayHeader(names.size());
  for (auto* n : names) ctx.reply().Bulk(*n);
}

// ACL GENPASS [bits]
void AclGenPass(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply().Error(SubcommandSyntaxError(ctx));
  int64_t bits = 256;
  if (ctx.argc() == 3) {
    auto v = base::ParseInt64(ctx.arg(2));
    if (!v) return ctx.reply().Error(kErrNotInteger);
    bits = *v;
  }
  if (bits <= 0 || bits > 4096) {
    return ctx.reply().Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
  }
  size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string out(chars, '0');
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < chars; i++) out[i] = kHex[rd() & 15];
  ctx.reply().Bulk(out);
}

// ACL LOG [count | RESET]
void AclLog(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply().Error(SubcommandSyntaxError(ctx));
  auto& reg = ctx.engine().acl();
  int64_t count = 10;
  if (ctx.argc() == 3) {
    if (Is(ctx.arg(2), "reset")) {
      reg.ResetLog();
      return ctx.reply().Ok();
    }
    auto v = base::ParseInt64(ctx.arg(2));
    if (!v) return ctx.reply().Error(kErrNotInteger);
    count = *v < 0 ? 0 : *v;
  }
  const auto& log = reg.log();
  size_t n = std::min<size_t>(static_cast<size_t>(count), log.size());
  auto& r = ctx.reply();
  r.ArrayHeader(n);
  int64_t now = base::UnixMs();
  static const char* kReasons[] = {"unknown", "command", "key", "channel", "auth"};
  static const char* kContexts[] = {"toplevel", "multi", "lua"};
  for (size_t i = 0; i < n; i++) {
    const acl::LogEntry& e = log[i];
    r.MapHeader(7);
    r.Bulk("count");
    r.Integer(static_cast<int64_t>(e.count));
    r.Bulk("reason");
    r.Bulk(kReasons[static_cast<int>(e.reason)]);
    r.Bulk("context");
    r.Bulk(kContexts[static_cast<int>(e.context)]);
    r.Bulk("object");
    r.Bulk(e.object);
    r.Bulk("username");
    r.Bulk(e.username);
    r.Bulk("age-seconds");
    r.Double(static_cast<double>(now - e.ctime_ms) / 1000);
    r.Bulk("client-info");
    r.Bulk(e.cinfo);
  }
}

namespace {

const std::string& AclFile(Engine& eng) {
  static const std::string kEmpty;
  return eng.config ? eng.config->s.aclfile : kEmpty;
}

constexpr const char* kErrNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

}  // namespace

// ACL LOAD
void AclLoad(CommandContext& ctx) {
  const std::string& file = AclFile(ctx.engine());
  if (file.empty()) return ctx.reply().Error(kErrNoAclFile);
  std::vector<acl::UserPtr> dropped;
  std::string err = ctx.engine().acl().LoadFile(file, &dropped);
  if (!err.empty()) return ctx.reply().Error("ERR " + err);
  KillClientsOf(ctx.engine(), dropped);
  ctx.reply().Ok();
}

// ACL SAVE
void AclSave(CommandContext& ctx) {
  const std::string& file = AclFile(ctx.engine());
  if (file.empty()) return ctx.reply().Error(kErrNoAclFile);
  if (!ctx.engine().acl().SaveFile(file)) {
    return ctx.reply().Error(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more "
        "information");
  }
  ctx.reply().Ok();
}

// ACL DRYRUN username command [arg ...]
void AclDryRun(CommandContext& ctx) {
  acl::UserPtr u = ctx.engine().acl().Find(ctx.arg(2));
  if (!u) return ctx.reply().Error("ERR User '" + std::string(ctx.arg(2)) + "' not found");
  auto args = ctx.args().subspan(3);
  const CommandSpec* spec = LookupCommand(args[0]);
  if (spec && spec->subcommands && args.size() >= 2) {
    spec = LookupSubcommand(*spec, args[1]);
  }
  if (!spec) return ctx.reply().Error("ERR Command '" + std::string(args[0]) + "' not found");
  int a = spec->arity;
  if ((a > 0 && static_cast<size_t>(a) != args.size()) ||
      (a < 0 && args.size() < static_cast<size_t>(-a))) {
    return ctx.reply().Error("ERR wrong number of arguments for '" + FullName(*spec) + "' command");
  }
  Client probe;
  probe.acl_user = u;
  int pos = 0;
  acl::Denied d = AclCheck(ctx.engine(), probe, *spec, args, &pos);
  switch (d) {
    case acl::Denied::kOk:
      return ctx.reply().Ok();
    case acl::Denied::kCommand:
      return ctx.reply().Bulk("This user has no permissions to run the '" + FullName(*spec) +
                              "' command");
    case acl::Denied::kKey:
      return ctx.reply().Bulk("This user has no permissions to access the '" +
                              std::string(args[static_cast<size_t>(pos)]) + "' key");
    case acl::Denied::kChannel:
      return ctx.reply().Bulk("This user has no permissions to access the '" +
                              std::string(args[static_cast<size_t>(pos)]) + "' channel");
  }
}

void AclHelp(CommandContext& ctx) {
  HelpLines(ctx,
            {"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             "CAT [<category>]",
             "    List all commands that belong to <category>, or all command categories",
             "    when no category is specified.",
             "DELUSER <username> [<username> ...]",
             "    Delete a list of users.",
             "DRYRUN <username> <command> [<arg> ...]",
             "    Returns whether the user can execute the given command without executing the "
             "command.",
             "GETUSER <username>",
             "    Get the user's details.",
             "GENPASS [<bits>]",
             "    Generate a secure 256-bit user password. The optional `bits` argument can",
             "    be used to specify a different size.",
             "LIST",
             "    Show users details in config file format.",
             "LOAD",
             "    Reload users from the ACL file.",
             "LOG [<count> | RESET]",
             "    Show the ACL log entries.",
             "SAVE",
             "    Save the current config to the ACL file.",
             "SETUSER <username> <attribute> [<attribute> ...]",
             "    Create or modify a user with the specified attributes.",
             "USERS",
             "    List all the registered usernames.",
             "WHOAMI",
             "    Return the current connection username.",
             "HELP",
             "    Prints this help."});
}

}  // namespace node::commands
