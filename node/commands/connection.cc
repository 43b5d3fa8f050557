// node/commands/connection.cc
//
// Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET and the
// CLIENT family. Registered in command_table.cc.

#include <algorithm>

#include "node/acl/registry.h"
#include "node/base/clock.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"
#include "node/commands/tracking.h"

namespace node::commands {

namespace {

void HelpReply(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply().ArrayHeader(lines.size());
  for (auto* l : lines) ctx.reply().Simple(l);
}

// "unknown subcommand or wrong number of arguments" for CLIENT subcommands
// that take a fixed range of arguments.
std::string SubcommandSyntaxError(CommandContext& ctx) {
  return "ERR unknown subcommand or wrong number of arguments for '" +
         std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + base::ToUpper(ctx.arg(0)) + " HELP.";
}

}  // namespace

std::string ClientInfoLine(const Engine& eng, const Client& c) {
  int64_t now = base::MonoMs();
  std::string flags;
  // Redis 7.0's order (catClientInfoString).
  if (c.monitor) {
    flags += 'O';
  } else if (c.is_replica) {
    flags += 'S';
  }
  if (c.is_master_link) flags += 'M';
  if (c.in_multi) flags += 'x';
  if (c.blocked) flags += 'b';
  if (c.tracking & kTrackingOn) flags += 't';
  if (c.tracking & kTrackingBrokenRedir) flags += 'R';
  if (c.tracking & kTrackingBcast) flags += 'B';
  if (c.watch_dirty) flags += 'd';
  if (c.close_after_reply) flags += 'c';
  if (c.close_asap) flags += 'A';
  if (c.readonly) flags += 'r';
  if (c.no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  (void)eng;
  std::string s;
  s += "id=" + std::to_string(c.id);
  s += " addr=" + c.addr;
  s += " laddr=" + c.laddr;
  s += " fd=" + std::to_string(c.fd);
  s += " name=" + c.name;
  s += " age=" + std::to_string((now - c.ctime_ms) / 1000);
  s += " idle=" + std::to_string((now - c.last_interaction_ms) / 1000);
  s += " flags=" + flags;
  s += " db=" + std::to_string(c.db) + " sub=0 psub=0 ssub=0";
  s += " multi=" + std::to_string(c.in_multi ? static_cast<int64_t>(c.multi_queue.size()) : -1);
  s += " qbuf=" + std::to_string(c.qbuf);
  s += " qbuf-free=" + std::to_string(c.qbuf_free);
  s += " argv-mem=0 multi-mem=0 rbs=" + std::to_string(c.qbuf + c.qbuf_free) + " rbp=0";
  s += " obl=" + std::to_string(c.obuf_open) + " oll=" + std::to_string(c.obuf_blocks) +
       " omem=" + std::to_string(c.obuf_bytes - c.obuf_open);
  s += " tot-mem=" + std::to_string(c.qbuf + c.qbuf_free + c.obuf_bytes + 1024);
  s += " events=r cmd=" + (c.last_cmd ? FullName(*c.last_cmd) : std::string("NULL"));
  s += " user=" + c.user;
  s += " redir=" +
       std::to_string((c.tracking & kTrackingOn) ? static_cast<int64_t>(c.tracking_redirect) : -1);
  s += " resp=" + std::to_string(c.proto) + "\n";
  return s;
}

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) return ctx.ArityError();
  if (ctx.argc() == 2) return ctx.reply().Bulk(ctx.arg(1));
  ctx.reply().Simple("PONG");
}

void Echo(CommandContext& ctx) { ctx.reply().Bulk(ctx.arg(1)); }

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void RedactHello(std::span<const std::string_view> args, std::vector<bool>& secret) {
  for (size_t i = 2; i + 2 < args.size(); i++) {
    if (base::EqualsIgnoreCase(args[i], "auth")) {
      secret[i + 1] = secret[i + 2] = true;
      i += 2;
    }
  }
}

void Hello(CommandContext& ctx) {
  int64_t ver = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    auto v = base::ParseInt64(ctx.arg(1));
    if (!v) return ctx.reply().Error(kErrProtoVersion);
    ver = *v;
    next = 2;
    if (ver < 2 || ver > 3) return ctx.reply().Error(kErrNoProto);
  }
  std::string_view setname;
  bool has_setname = false;
  for (size_t i = next; i < ctx.argc(); i++) {
    bool more = ctx.argc() - i - 1;
    if (Is(ctx.arg(i), "auth") && ctx.argc() - i - 1 >= 2) {
      if (!AclAuthenticate(ctx.engine(), ctx.client(), ctx.arg(0), ctx.arg(i + 1),
                           ctx.arg(i + 2))) {
        return ctx.reply().Error(kErrWrongPass);
      }
      i += 2;
    } else if (Is(ctx.arg(i), "setname") && more) {
      setname = ctx.arg(++i);
      has_setname = true;
      for (char c : setname) {
        if (c < '!' || c > '~') {
          return ctx.reply().Error(
              "ERR Client names cannot contain spaces, newlines or special characters.");
        }
      }
    } else {
      return ctx.reply().Error("ERR Syntax error in HELLO option '" + std::string(ctx.arg(i)) +
                               "'");
    }
  }
  if (AuthRequired(ctx.engine(), ctx.client())) {
    return ctx.reply().Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time");
  }
  if (has_setname) ctx.client().name = std::string(setname);
  if (ver) {
    ctx.client().proto = static_cast<int>(ver);
    ctx.reply().set_protocol(static_cast<int>(ver));
  }
  auto& r = ctx.reply();
  r.MapHeader(7);
  r.Bulk("server");
  r.Bulk("redis");
  r.Bulk("version");
  r.Bulk("7.0.15");
  r.Bulk("proto");
  r.Integer(ctx.client().proto);
  r.Bulk("id");
  r.Integer(static_cast<int64_t>(ctx.client().id));
  r.Bulk("mode");
  r.Bulk(ctx.engine().cluster_enabled ? "cluster" : "standalone");
  r.Bulk("role");
  r.Bulk(ctx.engine().role_replica ? "replica" : "master");
  r.Bulk("modules");
  r.ArrayHeader(0);
}

void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply().Error(kErrSyntax);
  std::string_view user = "default";
  std::string_view pass = ctx.arg(1);
  if (ctx.argc() == 3) {
    user = ctx.arg(1);
    pass = ctx.arg(2);
  } else if (ctx.engine().acl().default_user()->nopass()) {
    return ctx.reply().Error(kErrAuthNoPassword);
  }
  if (!AclAuthenticate(ctx.engine(), ctx.client(), ctx.arg(0), user, pass)) {
    return ctx.reply().Error(kErrWrongPass);
  }
  ctx.reply().Ok();
}

void Select(CommandContext& ctx) {
  auto id = base::ParseInt64(ctx.arg(1));
  if (!id || *id < INT32_MIN || *id > INT32_MAX) return ctx.reply().Error(kErrNotInteger);
  if (ctx.engine().cluster_enabled && *id != 0) return ctx.reply().Error(kErrSelectCluster);
  if (*id < 0 || *id >= ctx.engine().num_dbs()) return ctx.reply().Error(kErrDbIndex);
  ctx.client().db = static_cast<int>(*id);
  ctx.reply().Ok();
}

void Quit(CommandContext& ctx) {
  ctx.reply().Ok();
  ctx.client().close_after_reply = true;
}

void Reset(CommandContext& ctx) {
  Client& c = ctx.client();
  c.in_multi = false;
  c.multi_dirty = false;
  c.multi_queue.clear();
  if (ctx.engine().unwatch_all) ctx.engine().unwatch_all(c);
  c.proto = 2;
  c.db = 0;
  ctx.reply().set_protocol(2);
  c.name.clear();
  c.readonly = false;
  c.asking = false;
  c.reply_mode = ReplyMode::kOn;
  if (c.monitor) {
    auto& m = ctx.engine().monitors;
    m.erase(std::remove(m.begin(), m.end(), &c), m.end());
    c.monitor = false;
  }
  TrackingDisable(ctx.engine(), c);
  c.tracking_redirect = 0;
  ClientSetDefaultAuth(ctx.engine(), c);
  ctx.reply().Simple("RESET");
}

void ClientId(CommandContext& ctx) { ctx.reply().Integer(static_cast<int64_t>(ctx.client().id)); }

void ClientSetName(CommandContext& ctx) {
  for (char c : ctx.arg(2)) {
    if (c < '!' || c > '~') {
      return ctx.reply().Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
  }
  ctx.client().name = std::string(ctx.arg(2));
  ctx.reply().Ok();
}

void ClientGetName(CommandContext& ctx) {
  if (ctx.client().name.empty()) return ctx.reply().Null();
  ctx.reply().Bulk(ctx.client().name);
}

void ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  bool filter_ids = false;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (Is(ctx.arg(i), "type") && i + 1 < ctx.argc()) {
      std::string_view t = ctx.arg(++i);
      if (!Is(t, "normal") && !Is(t, "master") && !Is(t, "replica") && !Is(t, "slave") &&
          !Is(t, "pubsub")) {
        return ctx.reply().Error("ERR Unknown client type '" + std::string(t) + "'");
      }
      // Every client here is "normal" for now.
      if (!Is(t, "normal")) {
        filter_ids = true;
      }
    } else if (Is(ctx.arg(i), "id") && i + 1 < ctx.argc()) {
      filter_ids = true;
      for (i++; i < ctx.argc(); i++) {
        auto v = base::ParseInt64(ctx.arg(i));
        if (!v || *v <= 0) return ctx.reply().Error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(*v));
      }
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  std::string out;
  for (auto& [id, c] : ctx.engine().clients) {
    if (filter_ids && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    out += ClientInfoLine(ctx.engine(), *c);
  }
  ctx.reply().Verbatim(out);
}

void ClientInfo(CommandContext& ctx) {
  ctx.reply().Verbatim(ClientInfoLine(ctx.engine(), ctx.client()));
}

// CLIENT KILL addr | CLIENT KILL <filter> <value> ...
void ClientKill(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (ctx.argc() == 3) {
    for (auto& [id, c] : eng.clients) {
      if (c->addr == ctx.arg(2)) {
        if (c == &ctx.client()) {
          c->close_after_reply = true;
        } else if (c->kill) {
          c->kill();
        }
        return ctx.reply().Ok();
      }
    }
    return ctx.reply().Error("ERR No such client");
  }
  if ((ctx.argc() - 2) % 2 != 0) return ctx.reply().Error(kErrSyntax);
  std::string addr, laddr, user;
  int64_t want_id = 0;
  bool skipme = true;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::string_view o = ctx.arg(i), v = ctx.arg(i + 1);
    if (Is(o, "id")) {
      auto id = base::ParseInt64(v);
      if (!id || *id <= 0) return ctx.reply().Error("ERR client-id should be greater than 0");
      want_id = *id;
    } else if (Is(o, "addr")) {
      addr = v;
    } else if (Is(o, "laddr")) {
      laddr = v;
    } else if (Is(o, "user")) {
      if (!ctx.engine().acl().Find(v)) {
        return ctx.reply().Error("ERR No such user '" + std::string(v) + "'");
      }
      user = v;
    } else if (Is(o, "skipme")) {
      if (Is(v, "yes")) {
        skipme = true;
      } else if (Is(v, "no")) {
        skipme = false;
      } else {
        return ctx.reply().Error(kErrSyntax);
      }
    } else if (Is(o, "type")) {
      // accepted; every client is normal for now
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  int64_t killed = 0;
  std::vector<Client*> victims;
  for (auto& [id, c] : eng.clients) {
    if (want_id && c->id != static_cast<uint64_t>(want_id)) continue;
    if (!addr.empty() && c->addr != addr) continue;
    if (!laddr.empty() && c->laddr != laddr) continue;
    if (!user.empty() && c->user != user) continue;
    if (c == &ctx.client() && skipme) continue;
    victims.push_back(c);
  }
  for (Client* c : victims) {
    if (c == &ctx.client()) {
      c->close_after_reply = true;
    } else if (c->kill) {
      c->kill();
    }
    killed++;
  }
  ctx.reply().Integer(killed);
}

void ClientNoEvict(CommandContext& ctx) {
  if (Is(ctx.arg(2), "on")) {
    ctx.client().no_evict = true;
  } else if (Is(ctx.arg(2), "off")) {
    ctx.client().no_evict = false;
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  ctx.reply().Ok();
}

void ClientReply(CommandContext& ctx) {
  if (Is(ctx.arg(2), "on")) {
    ctx.client().reply_mode = ReplyMode::kOn;
    ctx.reply().Ok();
  } else if (Is(ctx.arg(2), "off")) {
    ctx.client().reply_mode = ReplyMode::kOff;
  } else if (Is(ctx.arg(2), "skip")) {
    ctx.client().reply_mode = ReplyMode::kSkipNext;
  } else {
    ctx.reply().Error(kErrSyntax);
  }
}

// CLIENT PAUSE timeout [WRITE|ALL]: a pause in force keeps the longer end
// time and the stricter type (Redis 7.0's pauseClients per purpose).
void ClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) return ctx.reply().Error(SubcommandSyntaxError(ctx));
  int type = 2;
  if (ctx.argc() == 4) {
    if (Is(ctx.arg(3), "write")) {
      type = 1;
    } else if (!Is(ctx.arg(3), "all")) {
      return ctx.reply().Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  auto ms = base::ParseInt64(ctx.arg(2));
  if (!ms) return ctx.reply().Error(kErrTimeout);
  if (*ms < 0) return ctx.reply().Error(kErrTimeoutNeg);
  int64_t now = base::UnixMs();
  int64_t end = 0;
  if (*ms > 0) end = *ms > INT64_MAX - now ? INT64_MAX : now + *ms;
  auto& eng = ctx.engine();
  if (eng.client_pause_type && eng.client_pause_end_ms >= now) {
    eng.client_pause_type = std::max(eng.client_pause_type, type);
    eng.client_pause_end_ms = std::max(eng.client_pause_end_ms, end);
  } else {
    eng.client_pause_type = end >= now ? type : 0;
    eng.client_pause_end_ms = end;
  }
  if (eng.client_pause_changed) eng.client_pause_changed();
  ctx.reply().Ok();
}

void ClientUnpause(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (eng.client_pause_type) {
    eng.client_pause_type = 0;
    eng.client_pause_end_ms = 0;
    if (eng.client_pause_changed) eng.client_pause_changed();
  }
  ctx.reply().Ok();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]
void ClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) return ctx.reply().Error(SubcommandSyntaxError(ctx));
  bool error = false;
  if (ctx.argc() == 4) {
    if (Is(ctx.arg(3), "error")) {
      error = true;
    } else if (!Is(ctx.arg(3), "timeout")) {
      return ctx.reply().Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  auto id = base::ParseInt64(ctx.arg(2));
  if (!id) return ctx.reply().Error(kErrNotInteger);
  auto& eng = ctx.engine();
  bool done =
      *id > 0 && eng.unblock_client && eng.unblock_client(static_cast<uint64_t>(*id), error);
  ctx.reply().Integer(done ? 1 : 0);
}

void ClientHelp(CommandContext& ctx) {
  HelpReply(ctx,
            {
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CACHING (YES|NO)",
                "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
                "GETREDIR",
                "    Return the client ID we are redirecting to when tracking is enabled.",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are:",
                "    * ADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made from the specified address",
                "    * LADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made to specified local address",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Kill connections by type.",
                "    * USER <username>",
                "      Kill connections authenticated by <username>.",
                "    * SKIPME (YES|NO)",
                "      Skip killing current connection (default: yes).",
                "LIST [options ...]",
                "    Return information about client connections. Options:",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Return clients of specified type.",
                "UNPAUSE",
                "    Stop the current client pause, resuming traffic.",
                "PAUSE <timeout> [WRITE|ALL]",
                "    Suspend all, or just write, clients for <timeout> milliseconds.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
                "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
                "         [OPTIN] [OPTOUT] [NOLOOP]",
                "    Control server assisted client side caching.",
                "TRACKINGINFO",
                "    Report tracking status for the current connection.",
                "NO-EVICT (ON|OFF)",
                "    Protect current client connection from eviction.",
                "HELP",
                "    Prints this help.",
            });
}

}  // namespace node::commands
