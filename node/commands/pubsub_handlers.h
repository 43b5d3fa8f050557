// node/commands/pubsub_handlers.h
//
// The pub/sub family (pubsub_cmds.cc): handlers for the command table, and
// the entry points the server uses to wire pub/sub into the rest of the
// node -- the dispatcher gate for subscribed RESP2 clients, bus delivery,
// disconnect cleanup, INFO counts and the pubsub output-buffer class.
// Engine thread only.

#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::pubsub {
class Registry;
}

namespace node::commands {

// --- Handlers (rows in table_pubsub.inc) ---
void Subscribe(CommandContext&);
void Unsubscribe(CommandContext&);
void PSubscribe(CommandContext&);
void PUnsubscribe(CommandContext&);
void SSubscribe(CommandContext&);
void SUnsubscribe(CommandContext&);
void Publish(CommandContext&);
void SPublish(CommandContext&);
void PubSubChannels(CommandContext&);
void PubSubNumSub(CommandContext&);
void PubSubNumPat(CommandContext&);
void PubSubShardChannels(CommandContext&);
void PubSubShardNumSub(CommandContext&);
void PubSubHelp(CommandContext&);

// PUBSUB's subcommand rows, defined in pubsub_cmds.cc because the family's
// row file is included inside the main table's initializer.
inline constexpr size_t kNumPubSubSubcommands = 6;
extern CommandSpec kPubSubSubcommands[kNumPubSubSubcommands];

// --- Wiring (called by node/server) ---
// The pub/sub state of one engine: owns the registry and attaches it to the
// engine for its own lifetime (the server holds one). Until Engine has a
// `pubsub` member, the attachment is a side table keyed by engine.
class PubSubHub {
 public:
  explicit PubSubHub(Engine& eng);
  ~PubSubHub();
  PubSubHub(const PubSubHub&) = delete;
  PubSubHub& operator=(const PubSubHub&) = delete;
  pubsub::Registry& registry() { return *registry_; }

 private:
  Engine& eng_;
  std::unique_ptr<pubsub::Registry> registry_;
};
// The attached registry, or nullptr.
pubsub::Registry* PubSubOf(Engine& eng);

// Route check that composes cluster routing (ClusterRoute, or shard-channel
// routing for SSUBSCRIBE/SUNSUBSCRIBE/SPUBLISH) with the RESP2
// subscribed-mode rules: only (P|S)(UN)SUBSCRIBE / PING / QUIT / RESET run,
// PING answers ["pong", msg], RESET drops the subscriptions. Same contract
// as Dispatcher's RouteCheck: false when it has replied.
bool PubSubRoute(Engine& eng, Client& c, const CommandSpec& spec,
                 std::span<const std::string_view> args, resp::ReplyBuilder& r);

// Delivers a message to local subscribers (PUBLISH / PUBLISHSHARD received
// over the cluster bus); returns the number of deliveries.
size_t DeliverPublished(Engine& eng, bool shard, std::string_view channel,
                        std::string_view message);

// This node stopped serving `slot` (Redis 7.0's removeChannelsInSlot): every
// shard channel of the slot is dropped, and each of its subscribers gets an
// sunsubscribe message for it.
void DropShardChannelsInSlot(Engine& eng, int slot);

// Drops every subscription of a client, silently (disconnect).
void PubSubClientGone(Engine& eng, const Client& c);

// Whether the client is in the pubsub output-buffer class (any
// subscription), and whether `pending` bytes exceed that class's
// client-output-buffer-limit (hard, or soft for longer than its seconds).
bool IsPubSubClient(Engine& eng, const Client& c);
bool PubSubOutputOverLimit(Engine& eng, const Client& c, size_t pending);

// INFO stats: pubsub_channels, pubsub_patterns.
size_t PubSubNumChannels(Engine& eng);
size_t PubSubNumPatterns(Engine& eng);

}  // namespace node::commands
