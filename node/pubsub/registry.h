// node/pubsub/registry.h
//
// Who is subscribed to what: channels (SUBSCRIBE), glob patterns
// (PSUBSCRIBE) and shard channels (SSUBSCRIBE), indexed both ways -- by name
// for PUBLISH fan-out and PUBSUB introspection, and by subscriber for the
// confirmation counts, UNSUBSCRIBE-all, RESET and disconnects.
//
// A pure data structure: subscribers are opaque ids (the client id), and
// delivery is a callback, so this room knows nothing about connections or
// RESP. Owned by the server, used by node/commands/pubsub_cmds.cc. Engine
// thread only (no locks).
//
// Invariants:
//  - a subscriber appears at most once in a name's subscriber list, and a
//    name is listed for a subscriber iff the subscriber is in its list;
//  - a name with no subscribers is not stored (PUBSUB CHANNELS / NUMPAT
//    count only live names, like Redis).

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace node::pubsub {

using SubscriberId = uint64_t;

enum class Kind { kChannel = 0, kPattern = 1, kShard = 2 };

class Registry {
 public:
  // Adds a subscription; false when the subscriber already had it.
  bool Subscribe(Kind kind, SubscriberId id, std::string_view name);
  // Removes a subscription; false when the subscriber did not have it.
  bool Unsubscribe(Kind kind, SubscriberId id, std::string_view name);
  // The subscriber's names of one kind, oldest first.
  std::vector<std::string> NamesOf(Kind kind, SubscriberId id) const;
  // How many names of one kind the subscriber has.
  size_t CountOf(Kind kind, SubscriberId id) const;
  // Channels + patterns: the count SUBSCRIBE/PSUBSCRIBE and their
  // unsubscribes confirm (shard channels are counted apart).
  size_t ChannelAndPatternCount(SubscriberId id) const {
    return CountOf(Kind::kChannel, id) + CountOf(Kind::kPattern, id);
  }
  // Any subscription of any kind: the client is in "subscribed mode".
  bool IsSubscribed(SubscriberId id) const { return subscribers_.count(id) != 0; }
  // Drops every subscription of the subscriber (RESET, disconnect).
  void RemoveAll(SubscriberId id);

  // Fan-out of one message. For Kind::kChannel / kShard `channel` is matched
  // exactly; a kChannel publish also goes to every matching pattern, with
  // `pattern` set. Returns the number of deliveries (a subscriber matched by
  // a channel and two patterns counts three times, like Redis).
  using Deliver = std::function<void(SubscriberId id, Kind kind, std::string_view pattern)>;
  size_t Publish(Kind kind, std::string_view channel, const Deliver& deliver) const;

  // --- Introspection (PUBSUB, INFO) ---
  // Live channel names of kChannel or kShard matching a glob ("" = all).
  std::vector<std::string> Names(Kind kind, std::string_view glob) const;
  // Subscribers of an exact channel name (kChannel / kShard).
  size_t NumSubscribers(Kind kind, std::string_view name) const;
  // Number of distinct live names of a kind (INFO pubsub_channels,
  // pubsub_patterns, PUBSUB NUMPAT).
  size_t NumNames(Kind kind) const { return by_name_[Index(kind)].size(); }
  // Shard channels whose slot satisfies `pred` (slot migration cleanup).
  std::vector<std::string> ShardNamesWhere(const std::function<bool(std::string_view)>& pred) const;
  // Subscribers of a name (kShard / kChannel / kPattern), oldest first.
  std::vector<SubscriberId> SubscribersOf(Kind kind, std::string_view name) const;

 private:
  static size_t Index(Kind k) { return static_cast<size_t>(k); }

  // Per subscriber, per kind: names in subscription order with O(1) lookup.
  struct NameSet {
    std::list<std::string> order;
    std::unordered_map<std::string_view, std::list<std::string>::iterator> index;
  };
  struct Subscriber {
    NameSet kinds[3];
    bool empty() const {
      return kinds[0].order.empty() && kinds[1].order.empty() && kinds[2].order.empty();
    }
  };

  std::unordered_map<std::string, std::vector<SubscriberId>> by_name_[3];
  std::unordered_map<SubscriberId, Subscriber> subscribers_;
};

}  // namespace node::pubsub
