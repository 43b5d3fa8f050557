// node/server/pubsub_wiring.cc
//
// Pub/Sub in the composition root: creates the engine's subscription
// registry, puts the pub/sub gate in front of every command (composed with
// cluster routing, which it then owns), and delivers PUBLISH / PUBLISHSHARD
// messages that arrive over the cluster bus. Called once from Server::Start,
// after StartCluster. Engine thread only.

#include "node/cluster/cluster_state.h"
#include "node/commands/pubsub_handlers.h"
#include "node/server/server.h"

namespace node::server {

void Server::StartPubSub() {
  pubsub_ = std::make_unique<commands::PubSubHub>(engine_);
  // PubSubRoute runs ClusterRoute itself in cluster mode (shard channels are
  // routed by their slot), then the RESP2 subscribed-mode rules.
  dispatcher_.set_route_check(
      [this](commands::Client& c, const commands::CommandSpec& spec,
             std::span<const std::string_view> args,
             resp::ReplyBuilder& r) { return commands::PubSubRoute(engine_, c, spec, args, r); });
  if (cluster_) {
    cluster_->hooks().on_publish = [this](bool shard, std::string_view channel,
                                          std::string_view message) {
      commands::DeliverPublished(engine_, shard, channel, message);
    };
    cluster_->hooks().slot_left_my_shard = [this](int slot) {
      commands::DropShardChannelsInSlot(engine_, slot);
    };
  }
}

}  // namespace node::server
