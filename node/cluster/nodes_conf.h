// node/cluster/nodes_conf.h
//
// nodes.conf and CLUSTER NODES lines in Redis 7.0's exact text format
// (reference/cluster-commands.md §3.2 and §5). Owns: the per-node line
// formatter (shared by CLUSTER NODES and nodes.conf), the file parser, and
// the crash-safe file writer. Called by ClusterState (text) and by the
// server's I/O layer (SaveFileAtomically) on the engine thread.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/base/result.h"

namespace node::cluster {

// One node line, as data.
struct NodeLine {
  std::string id;
  std::string ip;
  int port = 0;
  int cport = 0;
  std::string hostname;   // printed as ",hostname" only if non-empty
  uint16_t flags = 0;     // kNode* bits; MEET/MIGRATE_TO are not printed
  std::string master_id;  // "" prints "-"
  int64_t ping_sent = 0;
  int64_t pong_received = 0;
  uint64_t config_epoch = 0;
  bool connected = false;
  std::vector<std::pair<int, int>> slot_ranges;  // ascending, inclusive
  struct OpenSlot {
    int slot = 0;
    bool migrating = false;  // true: [slot->-id], false: [slot-<-id]
    std::string id;
  };
  std::vector<OpenSlot> open_slots;  // ascending by slot
};

struct NodesConf {
  std::vector<NodeLine> nodes;
  uint64_t current_epoch = 0;
  uint64_t last_vote_epoch = 0;
};

// "myself,master", "slave,fail", "noflags", ...
std::string FormatNodeFlags(uint16_t flags);
// One line without the trailing newline.
std::string FormatNodeLine(const NodeLine& n);
// Every node line + "\n", then "vars currentEpoch N lastVoteEpoch N\n".
std::string FormatNodesConf(const NodesConf& conf);

// Parses nodes.conf text per clusterLoadConfig. Errors name the 1-based line.
// Values are taken verbatim (ping/pong timestamps as written): the caller
// applies the "non-zero means now" and "replica's epoch is 0" rules.
base::Result<NodesConf> ParseNodesConf(std::string_view text);

// Valid node ID: exactly 40 bytes of [a-z0-9] (verifyClusterNodeId).
bool IsValidNodeId(std::string_view id);

// Writes `content` to `path` crash-safely: temp file in the same directory,
// fsync, rename over `path`, fsync the directory.
// `fsync` false skips both fsyncs (Redis does not fsync nodes.conf for most
// changes, e.g. SETSLOT); the write + rename still means a process crash
// never leaves the file empty or torn.
// On a full disk (ENOSPC/EDQUOT from the temp file) it falls back to
// RewriteFileInPlace, which needs no new blocks unless the file grows;
// `saved_in_place` (optional) tells the caller which path succeeded. An error
// means the file still holds an older (complete) configuration, except after
// a crash in the middle of an in-place write.
base::Status SaveFileAtomically(const std::string& path, std::string_view content,
                                bool do_fsync = true, bool* saved_in_place = nullptr);

// Redis 7.0's clusterSaveConfig way: open `path` (created if missing), pad a
// shorter `content` with newlines to the old length, write it over the old
// bytes, fsync, then ftruncate to the real length. A longer `content` first
// reserves its blocks (posix_fallocate), so a full disk fails before any byte
// changes. Not crash-atomic: a crash mid-write can leave a torn file.
base::Status RewriteFileInPlace(const std::string& path, std::string_view content,
                                bool do_fsync = true);

}  // namespace node::cluster
