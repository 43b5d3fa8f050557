// node/commands/tracking.h
//
// Server-assisted client-side caching, as Redis 7.0 does it (CLIENT
// TRACKING / CACHING / GETREDIR / TRACKINGINFO). The tracking table maps a
// key to the clients that read it while tracking; the first change of the
// key sends each of them one invalidation (RESP3 `>invalidate` push, or a
// RESP2 `message` on __redis__:invalidate to the client they redirect to)
// and forgets them. BCAST clients instead get, once per event-loop batch,
// every changed key under their prefixes. A flush invalidates everything
// with a null.
//
// Called by: the dispatcher (after each read-only command, and after each
// top-level command), the server (key changes, expiry/eviction deletions,
// disconnects), connection.cc (RESET). Engine thread only; the table lives in
// Engine::tracking and holds client ids, never pointers.

#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::commands {

// Client::tracking bits.
enum TrackingFlag : uint32_t {
  kTrackingOn = 1u << 0,
  kTrackingBcast = 1u << 1,
  kTrackingOptIn = 1u << 2,
  kTrackingOptOut = 1u << 3,
  kTrackingCaching = 1u << 4,  // CLIENT CACHING given for the next command
  kTrackingNoLoop = 1u << 5,
  kTrackingBrokenRedir = 1u << 6,
};

class TrackingTable {
 public:
  // Key -> ids of the clients that may cache it (each id once).
  std::unordered_map<std::string, std::vector<uint64_t>> keys;
  uint64_t total_items = 0;  // ids across `keys`
  struct Prefix {
    std::set<uint64_t> clients;
    // Keys changed in this batch -> id of the client that changed it last
    // (0: none, e.g. expiry), for NOLOOP.
    std::map<std::string, uint64_t> changed;
  };
  std::map<std::string, Prefix> prefixes;  // BCAST prefixes ("" = every key)
  int64_t tracking_clients = 0;
  // Invalidations for the client whose command is running: sent after its
  // reply (and after EXEC's whole reply).
  struct Pending {
    uint64_t client;
    bool flush;  // a null (FLUSHALL/FLUSHDB) instead of a key
    std::string key;
  };
  std::vector<Pending> pending;
  bool broadcast_scheduled = false;
  int limit_rounds = 0;  // tracking-table-max-keys: consecutive rounds over the limit
};

// CLIENT subcommands.
void ClientTracking(CommandContext& ctx);
void ClientCaching(CommandContext& ctx);
void ClientGetRedir(CommandContext& ctx);
void ClientTrackingInfo(CommandContext& ctx);

// After a read-only command ran for `c` (inner EXEC commands included):
// remembers its keys when `c` tracks them (OPTIN/OPTOUT rules applied).
void TrackingRememberKeys(Engine& eng, Client& c, const CommandSpec& spec,
                          std::span<const std::string_view> args);
// After a top-level command of `c`: ends a CLIENT CACHING window and sends
// the invalidations that waited for the reply.
void TrackingAfterCommand(Engine& eng, Client& c, const CommandSpec& spec);
// A key changed or was deleted (by a command, expiry or eviction); an empty
// key means the whole dataset was flushed.
void TrackingInvalidateKey(Engine& eng, std::string_view key);
// The same, BCAST prefixes only when `bcast` (tracking-table-max-keys
// evictions do not broadcast). Needs Engine::tracking.
void InvalidateTrackedKey(Engine& eng, std::string_view key, bool bcast);
// Tracking off (CLIENT TRACKING OFF, RESET, disconnect).
void TrackingDisable(Engine& eng, Client& c);
// Sends the BCAST invalidations collected since the last call.
void TrackingBroadcast(Engine& eng);

// INFO numbers.
int64_t TrackingClients(const Engine& eng);
uint64_t TrackingTotalKeys(const Engine& eng);
uint64_t TrackingTotalItems(const Engine& eng);
uint64_t TrackingTotalPrefixes(const Engine& eng);

}  // namespace node::commands
