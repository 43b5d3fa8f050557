// node/db/stream_value.h
//
// The value of a stream key (XADD, XREADGROUP ...): entries grouped into
// nodes exactly where Redis 7.0 puts its listpack nodes, plus the stream
// counters and the consumer groups with their pending entries lists (PELs).
// Used by the stream commands (node/commands/streams.cc) and the RDB/DUMP
// codec (node/persist/keyspace_codec_stream.cc). Engine thread only.
//
// Why nodes: approximate trimming (MAXLEN ~ / MINID ~) removes whole nodes
// only, and XINFO STREAM reports the node count, so both need Redis's node
// boundaries. A node is filled by appends until its listpack would reach
// stream-node-max-bytes or it holds stream-node-max-entries entries (live +
// deleted); deleted entries stay in their node as tombstones, as in Redis,
// and a node goes away when its last live entry is deleted. Each node keeps
// the byte size its listpack would have, so no listpack is materialised.
//
// Memory: one record per entry (id, flags and one packed string holding the
// values, plus the field names when they differ from the node's master
// fields).
//
// Invariants:
//  - nodes are keyed by their master id, ascending; entries inside a node
//    ascend and are all below the next node's master id;
//  - length() is the number of live entries;
//  - every nack's consumer belongs to the same group and lists the nack's id
//    in its pel, and vice versa.

#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/db/entry.h"

namespace node::db {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  std::string ToString() const;
  // Successor / predecessor; false (and wraps) at the ends, like Redis.
  bool Incr();
  bool Decr();
};

inline constexpr StreamID kStreamMinID{0, 0};
inline constexpr StreamID kStreamMaxID{UINT64_MAX, UINT64_MAX};

// Node limits (stream-node-max-bytes / stream-node-max-entries).
struct StreamNodeLimits {
  size_t max_bytes = 4096;
  int64_t max_entries = 100;
};

using StreamFields = std::vector<std::pair<std::string_view, std::string_view>>;

struct StreamConsumer;

struct StreamNack {
  int64_t delivery_time = 0;
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;
  std::set<StreamID> pel;
};

struct StreamGroup {
  static constexpr int64_t kInvalidEntriesRead = -1;
  StreamID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamID, StreamNack> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>> consumers;

  StreamConsumer* FindConsumer(std::string_view name);
  // Creates a consumer; nullptr when it exists already.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // The consumer a reading or claiming command acts as: found (its seen
  // time refreshed) or created; *created says which.
  StreamConsumer* TouchConsumer(std::string_view name, int64_t now_ms, bool* created);
  // Deletes a consumer and its pending entries; returns how many it had.
  size_t DeleteConsumer(std::string_view name);
  // Removes a nack from the group and its consumer.
  void RemoveNack(std::map<StreamID, StreamNack>::iterator it);
};

enum class TrimStrategy { kNone, kMaxLen, kMinId };

struct StreamTrimArgs {
  TrimStrategy strategy = TrimStrategy::kNone;
  bool approx = false;
  int64_t limit = 0;  // 0 = unlimited
  uint64_t maxlen = 0;
  StreamID minid;
};

class StreamValue final : public Value {
 public:
  StreamValue() = default;

  // --- Entries ---------------------------------------------------------------
  uint64_t length() const { return length_; }
  const StreamID& last_id() const { return last_id_; }
  const StreamID& first_id() const { return first_id_; }
  const StreamID& max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(StreamID id) { last_id_ = id; }
  void set_first_id(StreamID id) { first_id_ = id; }
  void set_max_deleted_id(StreamID id) { max_deleted_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_length(uint64_t n) { length_ = n; }

  // Appends an entry with id > last_id() (the caller checks). fields holds
  // field, value pairs.
  void Append(StreamID id, std::span<const std::string_view> field_values,
              const StreamNodeLimits& lim);
  // Deletes one live entry; false when there is none with that id.
  bool Delete(StreamID id);
  // Trims as Redis's streamTrim does; returns the number of entries removed.
  int64_t Trim(const StreamTrimArgs& args);
  bool Exists(StreamID id) const;
  // First (or last) live id; false when empty.
  bool FirstLive(StreamID* id) const;
  bool LastLive(StreamID* id) const;
  // First id held in the nodes, tombstones included (kStreamMaxID when none).
  StreamID FirstIncludingTombstones() const;

  // Visits live entries with start <= id <= end, ascending (or descending
  // when rev), until fn returns false.
  void Range(StreamID start, StreamID end, bool rev,
             const std::function<bool(StreamID, const StreamFields&)>& fn) const;

  // --- Introspection ---------------------------------------------------------
  size_t NodeCount() const { return nodes_.size(); }
  // Nodes of Redis's radix tree holding the node keys (XINFO radix-tree-nodes).
  size_t RaxNodeCount() const;
  // Entries per node, tombstones included (tests).
  std::vector<std::pair<uint32_t, uint32_t>> NodeCounts() const;

  // --- Consumer groups -------------------------------------------------------
  std::map<std::string, std::unique_ptr<StreamGroup>>& groups() { return groups_; }
  const std::map<std::string, std::unique_ptr<StreamGroup>>& groups() const { return groups_; }
  StreamGroup* FindGroup(std::string_view name);
  StreamGroup* CreateGroup(std::string_view name, StreamID last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);

  // Redis's streamEstimateDistanceFromFirstEverEntry (-1 = unknown).
  int64_t EstimateDistance(StreamID id) const;
  bool RangeHasTombstones(const StreamID* start, const StreamID* end) const;
  // The group's lag, or false when it cannot be known (null reply).
  bool Lag(const StreamGroup& g, int64_t* lag) const;

  size_t MemoryUsage() const override;
  const char* EncodingName() const override { return "stream"; }
  std::unique_ptr<Value> Clone() const override;

 private:
  struct Item {
    StreamID id;
    bool deleted = false;
    bool same_fields = false;
    uint32_t n_fields = 0;
    // Packed: for each pair, [varint len][field] (only when !same_fields)
    // then [varint len][value].
    std::string data;
  };
  struct Node {
    std::vector<std::string> master_fields;
    std::vector<Item> items;
    uint32_t live = 0;
    uint32_t deleted = 0;
    size_t bytes_without_counts = 0;  // listpack bytes minus the two counters
    size_t LpBytes() const;
  };
  using NodeMap = std::map<StreamID, Node>;

  void Decode(const Node& n, const Item& it, StreamFields* out) const;
  // Walks entries as Redis's stream iterator does (see the .cc).
  void Scan(StreamID start, StreamID end, bool rev, bool skip_tombstones,
            const std::function<bool(const Node&, const Item&)>& fn) const;
  // Node holding id (or the one before), end() when none.
  NodeMap::const_iterator NodeFor(StreamID id) const;
  void RecomputeFirst();

  NodeMap nodes_;
  uint64_t length_ = 0;
  StreamID last_id_;
  StreamID first_id_;
  StreamID max_deleted_id_;
  uint64_t entries_added_ = 0;
  size_t data_bytes_ = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>> groups_;
};

// Parses a stream id as Redis does (<ms>[-<seq>], "-" and "+" unless
// strict). missing_seq fills an absent sequence. seq_given (may be null)
// enables the "<ms>-*" form and reports whether the sequence was given.
bool ParseStreamID(std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given);

}  // namespace node::db
