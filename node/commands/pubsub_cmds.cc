// node/commands/pubsub_cmds.cc
//
// Pub/Sub: SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and their unsubscribes,
// PUBLISH / SPUBLISH, PUBSUB introspection, and the glue the server wires in
// (see pubsub_handlers.h). Subscriptions live in node/pubsub's Registry;
// this file turns them into RESP: confirmations go into the command's own
// reply (push type in RESP3, arrays in RESP2), messages reach other clients
// through Client::push. Reply shapes and texts are Redis 7.0.15's
// (reference/resp.md §5, checked byte for byte against redis-server).
//
// Cluster (reference/cluster-bus.md §10): PUBLISH is delivered locally and
// broadcast on the bus (PUBLISH message) to every node; SPUBLISH goes to the
// nodes of this shard (PUBLISHSHARD). Shard channels are routed like keys.
// Engine thread only.

#include <unordered_map>

#include "node/base/clock.h"
#include "node/base/crc16.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/cluster_handlers.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"
#include "node/commands/pubsub_handlers.h"
#include "node/config/config.h"
#include "node/pubsub/registry.h"
#include "node/repl/replication.h"

namespace node::commands {

using pubsub::Kind;
using pubsub::Registry;

namespace {

struct Attachment {
  Registry* registry = nullptr;
  // Client id -> when its output first went over the pubsub soft limit.
  std::unordered_map<uint64_t, int64_t> soft_since;
};

std::unordered_map<const Engine*, Attachment>& Attachments() {
  static std::unordered_map<const Engine*, Attachment> table;
  return table;
}

Attachment* AttachmentOf(Engine& eng) {
  auto& t = Attachments();
  auto it = t.find(&eng);
  return it == t.end() ? nullptr : &it->second;
}

// A registry that is always there: handlers of an engine without pub/sub
// wiring (unit tests) behave as a node with no other subscribers.
Registry& Reg(Engine& eng) {
  if (Registry* r = PubSubOf(eng)) return *r;
  static Registry empty_fallback;
  return empty_fallback;
}

const char* KindVerb(Kind kind, bool subscribe) {
  switch (kind) {
    case Kind::kChannel:
      return subscribe ? "subscribe" : "unsubscribe";
    case Kind::kPattern:
      return subscribe ? "psubscribe" : "punsubscribe";
    case Kind::kShard:
      return subscribe ? "ssubscribe" : "sunsubscribe";
  }
  return "";
}

// The count a (un)subscribe confirmation carries: shard channels are
// counted on their own, channels and patterns together.
size_t ConfirmCount(Registry& reg, Kind kind, uint64_t id) {
  return kind == Kind::kShard ? reg.CountOf(Kind::kShard, id) : reg.ChannelAndPatternCount(id);
}

void Confirm(resp::ReplyBuilder& r, Kind kind, bool subscribe, const std::string_view* name,
             size_t count) {
  r.PushHeader(3);
  r.Bulk(KindVerb(kind, subscribe));
  if (name) {
    r.Bulk(*name);
  } else {
    r.Null();
  }
  r.Integer(static_cast<int64_t>(count));
}

void SubscribeKind(CommandContext& ctx, Kind kind) {
  Registry& reg = Reg(ctx.engine());
  uint64_t id = ctx.client().id;
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string_view name = ctx.arg(i);
    reg.Subscribe(kind, id, name);
    Confirm(ctx.reply(), kind, true, &name, ConfirmCount(reg, kind, id));
  }
}

void UnsubscribeKind(CommandContext& ctx, Kind kind) {
  Registry& reg = Reg(ctx.engine());
  uint64_t id = ctx.client().id;
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); i++) {
      std::string_view name = ctx.arg(i);
      reg.Unsubscribe(kind, id, name);
      Confirm(ctx.reply(), kind, false, &name, ConfirmCount(reg, kind, id));
    }
    return;
  }
  std::vector<std::string> names = reg.NamesOf(kind, id);
  if (names.empty()) {
    Confirm(ctx.reply(), kind, false, nullptr, ConfirmCount(reg, kind, id));
    return;
  }
  for (const std::string& n : names) {
    reg.Unsubscribe(kind, id, n);
    std::string_view name = n;
    Confirm(ctx.reply(), kind, false, &name, ConfirmCount(reg, kind, id));
  }
}

// One message frame per protocol, built once per publish and shared.
struct Frames {
  std::string_view channel, message;
  std::string bytes[2][3];  // [proto 2/3][kind]
  std::unordered_map<std::string, std::string> pattern_bytes[2];

  const std::string& For(int proto, Kind kind, std::string_view pattern) {
    int p = proto == 3 ? 1 : 0;
    std::string* out = kind == Kind::kPattern ? &pattern_bytes[p][std::string(pattern)]
                                              : &bytes[p][static_cast<size_t>(kind)];
    if (!out->empty()) return *out;
    resp::ReplyBuilder b(out);
    b.set_protocol(proto == 3 ? 3 : 2);
    if (kind == Kind::kPattern) {
      b.PushHeader(4);
      b.Bulk("pmessage");
      b.Bulk(pattern);
    } else {
      b.PushHeader(3);
      b.Bulk(kind == Kind::kShard ? "smessage" : "message");
    }
    b.Bulk(channel);
    b.Bulk(message);
    return *out;
  }
};

size_t DeliverLocal(Engine& eng, Kind kind, std::string_view channel, std::string_view message) {
  Frames frames{channel, message, {}, {}};
  return Reg(eng).Publish(kind, channel, [&](uint64_t id, Kind k, std::string_view pattern) {
    auto it = eng.clients.find(id);
    if (it == eng.clients.end() || !it->second->push) return;
    Client* c = it->second;
    c->push(frames.For(c->proto, k, pattern));
  });
}

bool IsShardCommand(const CommandSpec& spec) {
  return spec.handler == &SSubscribe || spec.handler == &SUnsubscribe || spec.handler == &SPublish;
}

bool AllowedWhileSubscribed(const CommandSpec& spec) {
  Handler h = spec.handler;
  return h == &Ping || h == &Subscribe || h == &SSubscribe || h == &Unsubscribe ||
         h == &SUnsubscribe || h == &PSubscribe || h == &PUnsubscribe || h == &Quit || h == &Reset;
}

std::string NodeAddr(Engine& eng, const cluster::NodeInfo& n) {
  using config::PreferredEndpointType;
  auto t = eng.config ? eng.config->s.cluster_preferred_endpoint_type : PreferredEndpointType::kIp;
  std::string ep;
  if (t == PreferredEndpointType::kHostname) {
    ep = n.hostname.empty() ? "?" : n.hostname;
  } else if (t == PreferredEndpointType::kIp) {
    ep = n.ip;
  }
  return ep + ":" + std::to_string(n.port);
}

// Redis 7.0's getNodeByQuery for shard channels: the channel is the key, but
// it never "exists", so a migrating slot keeps serving it here until the
// owner changes, and replicas of the owner serve it without READONLY.
bool ShardRoute(Engine& eng, Client& c, const CommandSpec& spec,
                std::span<const std::string_view> args, resp::ReplyBuilder& r) {
  cluster::ClusterState* st = eng.cluster;
  if (!st || c.is_master_link) return true;
  std::vector<int> keys = KeyIndexes(spec, args);
  if (keys.empty()) return true;
  int slot = -1;
  const cluster::NodeInfo* n = nullptr;
  for (int i : keys) {
    int s = base::KeyHashSlot(args[static_cast<size_t>(i)]);
    if (slot < 0) {
      slot = s;
      n = st->SlotOwner(s);
      if (!n) {
        r.Error("CLUSTERDOWN Hash slot not served");
        return false;
      }
    } else if (s != slot) {
      r.Error("CROSSSLOT Keys in request don't hash to the same slot");
      return false;
    }
  }
  if (!st->StateOk() && eng.config && !eng.config->s.cluster_allow_pubsubshard_when_down) {
    r.Error("CLUSTERDOWN The cluster is down");
    return false;
  }
  if (!st->IsMyself(n) && st->ImportingFrom(slot) && (c.asking || (spec.flags & kAsking))) {
    return true;
  }
  if (st->myself().IsReplica() && st->myself().master == n) return true;
  if (!st->IsMyself(n)) {
    r.Error("MOVED " + std::to_string(slot) + " " + NodeAddr(eng, *n));
    return false;
  }
  return true;
}

}  // namespace

// --- Wiring ---------------------------------------------------------------

PubSubHub::PubSubHub(Engine& eng) : eng_(eng), registry_(std::make_unique<Registry>()) {
  Attachments()[&eng_] = Attachment{registry_.get(), {}};
}

PubSubHub::~PubSubHub() {
  auto& t = Attachments();
  auto it = t.find(&eng_);
  if (it != t.end() && it->second.registry == registry_.get()) t.erase(it);
}

Registry* PubSubOf(Engine& eng) {
  Attachment* a = AttachmentOf(eng);
  return a ? a->registry : nullptr;
}

bool PubSubRoute(Engine& eng, Client& c, const CommandSpec& spec,
                 std::span<const std::string_view> args, resp::ReplyBuilder& r) {
  if (eng.cluster) {
    bool ok = IsShardCommand(spec) ? ShardRoute(eng, c, spec, args, r)
                                   : ClusterRoute(eng, c, spec, args, r);
    if (!ok) return false;
  }
  Registry* reg = PubSubOf(eng);
  if (!reg || !reg->IsSubscribed(c.id)) return true;
  if (spec.handler == &Reset) {
    // RESET leaves subscribed mode without unsubscribe notifications.
    reg->RemoveAll(c.id);
    return true;
  }
  if (c.proto != 2) return true;
  if (!AllowedWhileSubscribed(spec)) {
    r.Error("ERR Can't execute '" + FullName(spec) +
            "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
            "context");
    return false;
  }
  if (spec.handler == &Ping && args.size() <= 2) {
    // A subscribed RESP2 client gets PING's answer in the message shape.
    r.PushHeader(2);
    r.Bulk("pong");
    r.Bulk(args.size() == 2 ? args[1] : std::string_view());
    return false;
  }
  return true;
}

size_t DeliverPublished(Engine& eng, bool shard, std::string_view channel,
                        std::string_view message) {
  return DeliverLocal(eng, shard ? Kind::kShard : Kind::kChannel, channel, message);
}

void DropShardChannelsInSlot(Engine& eng, int slot) {
  Registry* reg = PubSubOf(eng);
  if (!reg) return;
  auto names =
      reg->ShardNamesWhere([slot](std::string_view n) { return base::KeyHashSlot(n) == slot; });
  for (const std::string& name : names) {
    for (uint64_t id : reg->SubscribersOf(Kind::kShard, name)) {
      reg->Unsubscribe(Kind::kShard, id, name);
      auto it = eng.clients.find(id);
      if (it == eng.clients.end() || !it->second->push) continue;
      std::string frame;
      resp::ReplyBuilder b(&frame);
      b.set_protocol(it->second->proto == 3 ? 3 : 2);
      std::string_view n = name;
      Confirm(b, Kind::kShard, false, &n, reg->CountOf(Kind::kShard, id));
      it->second->push(frame);
    }
  }
}

void PubSubClientGone(Engine& eng, const Client& c) {
  if (Attachment* a = AttachmentOf(eng)) {
    a->soft_since.erase(c.id);
    if (a->registry) a->registry->RemoveAll(c.id);
  }
}

bool IsPubSubClient(Engine& eng, const Client& c) {
  Registry* reg = PubSubOf(eng);
  return reg && reg->IsSubscribed(c.id);
}

bool PubSubOutputOverLimit(Engine& eng, const Client& c, size_t pending) {
  Attachment* a = AttachmentOf(eng);
  if (!a || !eng.config) return false;
  const auto& lim = eng.config->s.client_output_buffer_limit_pubsub;
  if (lim.hard && pending >= lim.hard) return true;
  if (!lim.soft || pending < lim.soft) {
    a->soft_since.erase(c.id);
    return false;
  }
  int64_t now = base::MonoMs();
  auto [it, fresh] = a->soft_since.emplace(c.id, now);
  return !fresh && now - it->second > lim.soft_seconds * 1000;
}

size_t PubSubNumChannels(Engine& eng) { return Reg(eng).NumNames(Kind::kChannel); }
size_t PubSubNumPatterns(Engine& eng) { return Reg(eng).NumNames(Kind::kPattern); }

// --- Handlers -------------------------------------------------------------

// clang-format off
CommandSpec kPubSubSubcommands[kNumPubSubSubcommands] = {
  {"channels", -2, kPubSub | kLoading | kStale, {}, &PubSubChannels},
  {"help", 2, kLoading | kStale, {}, &PubSubHelp},
  {"numpat", 2, kPubSub | kLoading | kStale, {}, &PubSubNumPat},
  {"numsub", -2, kPubSub | kLoading | kStale, {}, &PubSubNumSub},
  {"shardchannels", -2, kPubSub | kLoading | kStale, {}, &PubSubShardChannels},
  {"shardnumsub", -2, kPubSub | kLoading | kStale, {}, &PubSubShardNumSub},
};
// clang-format on

// SUBSCRIBE channel [channel ...]
void Subscribe(CommandContext& ctx) { SubscribeKind(ctx, Kind::kChannel); }
// UNSUBSCRIBE [channel ...]
void Unsubscribe(CommandContext& ctx) { UnsubscribeKind(ctx, Kind::kChannel); }
// PSUBSCRIBE pattern [pattern ...]
void PSubscribe(CommandContext& ctx) { SubscribeKind(ctx, Kind::kPattern); }
// PUNSUBSCRIBE [pattern ...]
void PUnsubscribe(CommandContext& ctx) { UnsubscribeKind(ctx, Kind::kPattern); }

// SSUBSCRIBE shardchannel [shardchannel ...]
void SSubscribe(CommandContext& ctx) {
  // Redis refuses it for clients that may not block, and EXEC's commands
  // may not (unlike SUBSCRIBE, there is no exception for MULTI).
  if (ctx.client().in_exec) {
    return ctx.reply().Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  }
  SubscribeKind(ctx, Kind::kShard);
}

// SUNSUBSCRIBE [shardchannel ...]
void SUnsubscribe(CommandContext& ctx) { UnsubscribeKind(ctx, Kind::kShard); }

namespace {

void PublishKind(CommandContext& ctx, Kind kind) {
  Engine& eng = ctx.engine();
  size_t receivers = DeliverLocal(eng, kind, ctx.arg(1), ctx.arg(2));
  if (eng.cluster) {
    // The bus carries it to the other nodes (cluster-bus.md §10).
    eng.cluster->Publish(ctx.arg(1), ctx.arg(2), kind == Kind::kShard);
    if (eng.cluster_flush) eng.cluster_flush();
  } else if (eng.repl && !eng.role_replica && !ctx.client().is_master_link) {
    // Standalone: replicas see it in the replication stream (not the AOF,
    // not the dirty counter), as Redis's forceCommandPropagation(REPL).
    eng.repl->Feed(ctx.client().db, ctx.args());
  }
  ctx.reply().Integer(static_cast<int64_t>(receivers));
}

void ReplyNames(CommandContext& ctx, Kind kind) {
  if (ctx.argc() > 3) {
    return ctx.reply().Error("ERR unknown subcommand or wrong number of arguments for '" +
                             std::string(ctx.arg(1)) + "'. Try PUBSUB HELP.");
  }
  std::string_view glob = ctx.argc() == 3 ? ctx.arg(2) : std::string_view();
  std::vector<std::string> names = Reg(ctx.engine()).Names(kind, glob);
  ctx.reply().ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply().Bulk(n);
}

void ReplyNumSub(CommandContext& ctx, Kind kind) {
  Registry& reg = Reg(ctx.engine());
  ctx.reply().ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    ctx.reply().Bulk(ctx.arg(i));
    ctx.reply().Integer(static_cast<int64_t>(reg.NumSubscribers(kind, ctx.arg(i))));
  }
}

}  // namespace

// PUBLISH channel message
void Publish(CommandContext& ctx) { PublishKind(ctx, Kind::kChannel); }
// SPUBLISH shardchannel message
void SPublish(CommandContext& ctx) { PublishKind(ctx, Kind::kShard); }

// PUBSUB CHANNELS [pattern]
void PubSubChannels(CommandContext& ctx) { ReplyNames(ctx, Kind::kChannel); }
// PUBSUB SHARDCHANNELS [pattern]
void PubSubShardChannels(CommandContext& ctx) { ReplyNames(ctx, Kind::kShard); }
// PUBSUB NUMSUB [channel ...]
void PubSubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, Kind::kChannel); }
// PUBSUB SHARDNUMSUB [shardchannel ...]
void PubSubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, Kind::kShard); }

// PUBSUB NUMPAT
void PubSubNumPat(CommandContext& ctx) {
  ctx.reply().Integer(static_cast<int64_t>(Reg(ctx.engine()).NumNames(Kind::kPattern)));
}

// PUBSUB HELP
void PubSubHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply().Simple(l);
}

}  // namespace node::commands
