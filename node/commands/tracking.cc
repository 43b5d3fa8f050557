// node/commands/tracking.cc -- see tracking.h. Reply texts and message
// shapes are Redis 7.0.15's (CLIENT TRACKING options and errors, the
// `invalidate` push, `tracking-redir-broken`, the __redis__:invalidate
// channel for RESP2 redirection).

#include "node/commands/tracking.h"

#include <algorithm>

#include "node/commands/helpers.h"
#include "node/commands/pubsub_handlers.h"
#include "node/config/config.h"

namespace node::commands {

namespace {

TrackingTable& Table(Engine& eng) {
  if (!eng.tracking) eng.tracking = std::make_shared<TrackingTable>();
  return *eng.tracking;
}

Client* FindClient(Engine& eng, uint64_t id) {
  auto it = eng.clients.find(id);
  return it == eng.clients.end() ? nullptr : it->second;
}

std::string KeysArray(const std::vector<std::string_view>& keys) {
  std::string out = "*" + std::to_string(keys.size()) + "\r\n";
  for (auto k : keys) {
    out += "$" + std::to_string(k.size()) + "\r\n";
    out.append(k);
    out += "\r\n";
  }
  return out;
}

// Sends one invalidation whose value part is `payload` (RESP bytes) on
// behalf of tracking client `c`: to c itself in RESP3, or to the client it
// redirects to (RESP3 push, or RESP2 pub/sub message when subscribed).
void Send(Engine& eng, Client& c, const std::string& payload) {
  Client* target = &c;
  bool redirected = false;
  if (c.tracking_redirect) {
    target = FindClient(eng, c.tracking_redirect);
    if (!target) {
      c.tracking |= kTrackingBrokenRedir;
      if (c.proto > 2 && c.push) {
        c.push(">2\r\n$21\r\ntracking-redir-broken\r\n:" + std::to_string(c.tracking_redirect) +
               "\r\n");
      }
      return;
    }
    redirected = true;
  }
  std::string msg;
  if (target->proto > 2) {
    msg = ">2\r\n$10\r\ninvalidate\r\n";
  } else if (redirected && IsPubSubClient(eng, *target)) {
    msg = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  } else {
    return;  // RESP2 without redirection: nowhere to send it
  }
  msg += payload;
  if (target->push) target->push(msg);
}

std::string NullFor(const Client& c) { return c.proto > 2 ? "_\r\n" : "$-1\r\n"; }

// Whether two prefixes overlap (one starts with the other).
bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

void EnableBcastPrefix(TrackingTable& t, Client& c, const std::string& prefix) {
  auto& p = t.prefixes[prefix];
  if (p.clients.insert(c.id).second) {
    auto& v = c.tracking_prefixes;
    auto it = std::lower_bound(v.begin(), v.end(), prefix);
    if (it == v.end() || *it != prefix) v.insert(it, prefix);
  }
}

}  // namespace

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN]
// [OPTOUT] [NOLOOP]
void ClientTracking(CommandContext& ctx) {
  auto& eng = ctx.engine();
  Client& c = ctx.client();
  int64_t redir = 0;
  uint32_t options = 0;
  std::vector<std::string> prefixes;
  for (size_t j = 3; j < ctx.argc(); j++) {
    bool more = j + 1 < ctx.argc();
    std::string_view a = ctx.arg(j);
    if (Is(a, "redirect") && more) {
      j++;
      if (redir != 0) {
        return ctx.reply().Error("ERR A client can only redirect to a single other client");
      }
      auto v = base::ParseInt64(ctx.arg(j));
      if (!v) return ctx.reply().Error(kErrNotInteger);
      redir = *v;
      if (redir <= 0 || !FindClient(eng, static_cast<uint64_t>(redir))) {
        return ctx.reply().Error("ERR The client ID you want redirect to does not exist");
      }
    } else if (Is(a, "bcast")) {
      options |= kTrackingBcast;
    } else if (Is(a, "optin")) {
      options |= kTrackingOptIn;
    } else if (Is(a, "optout")) {
      options |= kTrackingOptOut;
    } else if (Is(a, "noloop")) {
      options |= kTrackingNoLoop;
    } else if (Is(a, "prefix") && more) {
      prefixes.emplace_back(ctx.arg(++j));
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  if (Is(ctx.arg(2), "on")) {
    if (!(options & kTrackingBcast) && !prefixes.empty()) {
      return ctx.reply().Error("ERR PREFIX option requires BCAST mode to be enabled");
    }
    if ((c.tracking & kTrackingOn) &&
        ((c.tracking & kTrackingBcast) != 0) != ((options & kTrackingBcast) != 0)) {
      return ctx.reply().Error(
          "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
    }
    if ((options & kTrackingBcast) && (options & (kTrackingOptIn | kTrackingOptOut))) {
      return ctx.reply().Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    }
    if ((options & kTrackingOptIn) && (options & kTrackingOptOut)) {
      return ctx.reply().Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    }
    if (((options & kTrackingOptIn) && (c.tracking & kTrackingOptOut)) ||
        ((options & kTrackingOptOut) && (c.tracking & kTrackingOptIn))) {
      return ctx.reply().Error(
          "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
    }
    if (options & kTrackingBcast) {
      for (size_t i = 0; i < prefixes.size(); i++) {
        for (auto& have : c.tracking_prefixes) {
          if (Overlap(have, prefixes[i])) {
            return ctx.reply().Error("ERR Prefix '" + prefixes[i] +
                                     "' overlaps with an existing prefix '" + have +
                                     "'. Prefixes for a single client must not overlap.");
          }
        }
        for (size_t j = i + 1; j < prefixes.size(); j++) {
          if (Overlap(prefixes[i], prefixes[j])) {
            return ctx.reply().Error("ERR Prefix '" + prefixes[i] +
                                     "' overlaps with another provided prefix '" + prefixes[j] +
                                     "'. Prefixes for a single client must not overlap.");
          }
        }
      }
    }
    auto& t = Table(eng);
    if (!(c.tracking & kTrackingOn)) t.tracking_clients++;
    c.tracking = (c.tracking & kTrackingCaching) | kTrackingOn;
    c.tracking_redirect = static_cast<uint64_t>(redir);
    if (options & kTrackingBcast) {
      c.tracking |= kTrackingBcast;
      if (prefixes.empty()) EnableBcastPrefix(t, c, "");
      for (auto& p : prefixes) EnableBcastPrefix(t, c, p);
    }
    c.tracking |= options & (kTrackingOptIn | kTrackingOptOut | kTrackingNoLoop);
  } else if (Is(ctx.arg(2), "off")) {
    TrackingDisable(eng, c);
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  ctx.reply().Ok();
}

// CLIENT CACHING YES|NO
void ClientCaching(CommandContext& ctx) {
  Client& c = ctx.client();
  if (!(c.tracking & kTrackingOn)) {
    return ctx.reply().Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
  }
  if (Is(ctx.arg(2), "yes")) {
    if (!(c.tracking & kTrackingOptIn)) {
      return ctx.reply().Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (Is(ctx.arg(2), "no")) {
    if (!(c.tracking & kTrackingOptOut)) {
      return ctx.reply().Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  c.tracking |= kTrackingCaching;
  ctx.reply().Ok();
}

void ClientGetRedir(CommandContext& ctx) {
  const Client& c = ctx.client();
  ctx.reply().Integer((c.tracking & kTrackingOn) ? static_cast<int64_t>(c.tracking_redirect) : -1);
}

void ClientTrackingInfo(CommandContext& ctx) {
  const Client& c = ctx.client();
  auto& r = ctx.reply();
  std::vector<const char*> flags;
  flags.push_back((c.tracking & kTrackingOn) ? "on" : "off");
  if (c.tracking & kTrackingBcast) flags.push_back("bcast");
  if (c.tracking & kTrackingOptIn) {
    flags.push_back("optin");
    if (c.tracking & kTrackingCaching) flags.push_back("caching-yes");
  }
  if (c.tracking & kTrackingOptOut) {
    flags.push_back("optout");
    if (c.tracking & kTrackingCaching) flags.push_back("caching-no");
  }
  if (c.tracking & kTrackingNoLoop) flags.push_back("noloop");
  if (c.tracking & kTrackingBrokenRedir) flags.push_back("broken_redirect");
  r.MapHeader(3);
  r.Bulk("flags");
  r.SetHeader(flags.size());
  for (auto* f : flags) r.Bulk(f);
  r.Bulk("redirect");
  r.Integer((c.tracking & kTrackingOn) ? static_cast<int64_t>(c.tracking_redirect) : -1);
  r.Bulk("prefixes");
  r.ArrayHeader(c.tracking_prefixes.size());
  for (auto& p : c.tracking_prefixes) r.Bulk(p);
}

void TrackingRememberKeys(Engine& eng, Client& c, const CommandSpec& spec,
                          std::span<const std::string_view> args) {
  uint32_t f = c.tracking;
  if (!(f & kTrackingOn) || (f & kTrackingBcast)) return;
  bool caching = (f & kTrackingCaching) != 0;
  if (((f & kTrackingOptIn) && !caching) || ((f & kTrackingOptOut) && caching)) return;
  if (spec.flags & kPubSub) return;  // shard channels are not keys to cache
  auto& t = Table(eng);
  for (int i : KeyIndexes(spec, args)) {
    if (i <= 0 || static_cast<size_t>(i) >= args.size()) continue;
    auto& ids = t.keys[std::string(args[static_cast<size_t>(i)])];
    if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) {
      ids.push_back(c.id);
      t.total_items++;
    }
  }
}

namespace {

// tracking-table-max-keys: over the limit, keys are invalidated (as if
// changed, without BCAST) until it is met again, with an effort that grows
// while the table stays over it (Redis's trackingLimitUsedSlots).
void LimitTrackedKeys(Engine& eng) {
  auto& t = *eng.tracking;
  uint64_t max = eng.config ? static_cast<uint64_t>(eng.config->s.tracking_table_max_keys) : 0;
  if (max == 0 || t.keys.size() <= max) {
    t.limit_rounds = 0;
    return;
  }
  int effort = 100 * (t.limit_rounds + 1);
  while (effort-- > 0 && t.keys.size() > max) {
    std::string key = t.keys.begin()->first;
    InvalidateTrackedKey(eng, key, false);
  }
  if (t.keys.size() > max) {
    t.limit_rounds++;
  } else {
    t.limit_rounds = 0;
  }
}

}  // namespace

void TrackingAfterCommand(Engine& eng, Client& c, const CommandSpec& spec) {
  // A CLIENT CACHING window covers the next command (a whole MULTI block);
  // CLIENT subcommands keep it open.
  bool client_cmd = spec.parent && std::string_view(spec.parent->name) == "client";
  if (!c.in_multi && !client_cmd) c.tracking &= ~kTrackingCaching;
  if (!eng.tracking) return;
  auto& t = *eng.tracking;
  if (!t.keys.empty()) LimitTrackedKeys(eng);
  if (t.pending.empty()) return;
  std::vector<TrackingTable::Pending> mine;
  auto it =
      std::stable_partition(t.pending.begin(), t.pending.end(),
                            [&](const TrackingTable::Pending& p) { return p.client != c.id; });
  mine.assign(std::make_move_iterator(it), std::make_move_iterator(t.pending.end()));
  t.pending.erase(it, t.pending.end());
  for (auto& p : mine) {
    Send(eng, c, p.flush ? NullFor(c) : KeysArray({p.key}));
  }
}

void TrackingInvalidateKey(Engine& eng, std::string_view key) {
  if (!eng.tracking) return;
  InvalidateTrackedKey(eng, key, true);
}

void InvalidateTrackedKey(Engine& eng, std::string_view key, bool bcast) {
  auto& t = *eng.tracking;
  Client* current = eng.current_client;
  if (key.empty()) {  // FLUSHALL / FLUSHDB
    if (t.tracking_clients) {
      for (auto& [id, c] : eng.clients) {
        if (!(c->tracking & kTrackingOn)) continue;
        if (c == current) {
          t.pending.push_back({id, true, {}});
        } else {
          Send(eng, *c, NullFor(*c));
        }
      }
    }
    t.keys.clear();
    t.total_items = 0;
    return;
  }
  if (bcast && !t.prefixes.empty()) {
    bool any = false;
    for (auto& [prefix, p] : t.prefixes) {
      if (key.substr(0, prefix.size()) != prefix) continue;
      p.changed[std::string(key)] = current ? current->id : 0;
      any = true;
    }
    if (any && !t.broadcast_scheduled && eng.defer) {
      t.broadcast_scheduled = true;
      std::weak_ptr<TrackingTable> weak = eng.tracking;
      eng.defer([&eng, weak] {
        if (auto tt = weak.lock()) {
          tt->broadcast_scheduled = false;
          TrackingBroadcast(eng);
        }
      });
    }
  }
  auto it = t.keys.find(std::string(key));
  if (it == t.keys.end()) return;
  std::vector<uint64_t> ids = std::move(it->second);
  t.keys.erase(it);
  t.total_items -= std::min<uint64_t>(t.total_items, ids.size());
  std::string payload;
  for (uint64_t id : ids) {
    Client* target = FindClient(eng, id);
    if (!target || !(target->tracking & kTrackingOn) || (target->tracking & kTrackingBcast)) {
      continue;
    }
    if ((target->tracking & kTrackingNoLoop) && target == current) continue;
    if (target == current) {
      t.pending.push_back({id, false, std::string(key)});
      continue;
    }
    if (payload.empty()) payload = KeysArray({key});
    Send(eng, *target, payload);
  }
}

void TrackingDisable(Engine& eng, Client& c) {
  if (eng.tracking && (c.tracking & kTrackingBcast)) {
    auto& t = *eng.tracking;
    for (auto& prefix : c.tracking_prefixes) {
      auto it = t.prefixes.find(prefix);
      if (it == t.prefixes.end()) continue;
      it->second.clients.erase(c.id);
      if (it->second.clients.empty()) t.prefixes.erase(it);
    }
  }
  c.tracking_prefixes.clear();
  if (c.tracking & kTrackingOn) {
    if (eng.tracking) eng.tracking->tracking_clients--;
    c.tracking = 0;
  }
}

void TrackingBroadcast(Engine& eng) {
  if (!eng.tracking) return;
  auto& t = *eng.tracking;
  for (auto& [prefix, p] : t.prefixes) {
    if (p.changed.empty()) continue;
    std::vector<std::string_view> all;
    for (auto& [k, who] : p.changed) all.push_back(k);
    std::string common = KeysArray(all);
    std::vector<uint64_t> ids(p.clients.begin(), p.clients.end());
    for (uint64_t id : ids) {
      Client* c = FindClient(eng, id);
      if (!c) continue;
      if (c->tracking & kTrackingNoLoop) {
        std::vector<std::string_view> some;
        for (auto& [k, who] : p.changed) {
          if (who != id) some.push_back(k);
        }
        if (!some.empty()) Send(eng, *c, KeysArray(some));
      } else {
        Send(eng, *c, common);
      }
    }
    p.changed.clear();
  }
}

int64_t TrackingClients(const Engine& eng) {
  return eng.tracking ? eng.tracking->tracking_clients : 0;
}
uint64_t TrackingTotalKeys(const Engine& eng) {
  return eng.tracking ? eng.tracking->keys.size() : 0;
}
uint64_t TrackingTotalItems(const Engine& eng) {
  return eng.tracking ? eng.tracking->total_items : 0;
}
uint64_t TrackingTotalPrefixes(const Engine& eng) {
  return eng.tracking ? eng.tracking->prefixes.size() : 0;
}

}  // namespace node::commands
