// node/commands/client.h
//
// Per-connection state the commands read and change: protocol version,
// authentication, name, flags for MULTI / cluster READONLY / ASKING, reply
// mode. The connection object in node/server owns one Client and hands it to
// the dispatcher for every command. Engine thread only.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace node::acl {
struct User;
}

namespace node::commands {

enum class ReplyMode { kOn, kOff, kSkipNext, kSkip };

struct CommandSpec;

struct QueuedCommand {
  const CommandSpec* spec = nullptr;  // its row (the subcommand's), found when queued
  std::vector<std::string> args;
};

struct Client {
  uint64_t id = 0;
  int fd = -1;
  std::string name;
  std::string addr;   // ip:port of the peer
  std::string laddr;  // ip:port of our side
  int proto = 2;
  int db = 0;  // SELECTed database (always 0 in cluster mode)
  bool authenticated = false;
  std::string user = "default";
  // The ACL user (node/acl); null for internal clients (our master's link,
  // the AOF loader), which may run anything, as Redis's NULL user.
  std::shared_ptr<acl::User> acl_user;
  int64_t ctime_ms = 0;  // creation
  int64_t last_interaction_ms = 0;
  bool close_after_reply = false;
  bool close_asap = false;
  bool no_evict = false;
  bool readonly = false;  // cluster READONLY
  bool asking = false;    // one-shot ASKING flag
  bool monitor = false;
  bool is_master_link = false;  // the replication link from our master (set by repl)
  bool is_replica = false;      // a replica attached to us
  ReplyMode reply_mode = ReplyMode::kOn;
  // MULTI state
  bool in_multi = false;
  bool in_exec = false;
  bool blocked = false;
  bool block_timed_out = false;  // the retry of a kRetryOnTimeout command after its timeout
  int64_t woff =
      0;  // master_repl_offset after this client's previous command (WAIT)  // waiting in a
          // blocking command (BLPOP ...)  // running EXEC's queue (blocking commands do not block)
  bool multi_dirty = false;  // a queued command failed to queue -> EXECABORT
  std::vector<QueuedCommand> multi_queue;
  std::vector<std::string> watched_keys;
  bool watch_dirty = false;  // a watched key changed: EXEC fails
  // Introspection for CLIENT LIST / INFO
  const struct CommandSpec* last_cmd = nullptr;  // CLIENT LIST cmd= (name built on demand)
  size_t qbuf = 0, qbuf_free = 0;
  // Output: all pending bytes; bytes in the open block (CLIENT LIST obl);
  // sealed or in-flight blocks (oll).
  size_t obuf_bytes = 0, obuf_open = 0, obuf_blocks = 0;
  uint64_t tot_net_in = 0, tot_net_out = 0, tot_cmds = 0;
  // Client-side caching (CLIENT TRACKING, tracking.cc): kTracking* bits,
  // the client that receives our invalidations (0: ourselves) and, in BCAST
  // mode, our prefixes.
  uint32_t tracking = 0;
  uint64_t tracking_redirect = 0;
  std::vector<std::string> tracking_prefixes;
  // Set by the connection: close it (CLIENT KILL), or push bytes to it
  // out of band (MONITOR lines, pub/sub messages).
  std::function<void()> kill;
  std::function<void(std::string_view)> push;
};

}  // namespace node::commands
