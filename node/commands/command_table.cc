// node/commands/command_table.cc
//
// The command table: one row per command, the single source of truth for
// dispatch, COMMAND output, arity errors and key positions. Flags and ACL
// categories are Redis 7.0.15's (checked with COMMAND INFO against the real
// server); categories implied by flags (@write, @read, @fast, @slow, @admin,
// @dangerous, @pubsub, @blocking) are added at startup like Redis's
// setImplicitACLCategories, so rows only list the others.

#include "node/commands/command_table.h"

#include <unordered_map>

#include "node/base/strings.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/bitops_handlers.h"
#include "node/commands/cluster_handlers.h"
#include "node/commands/geo_handlers.h"
#include "node/commands/handlers.h"
#include "node/commands/hashes_handlers.h"
#include "node/commands/hll_handlers.h"
#include "node/commands/latency.h"
#include "node/commands/lists_handlers.h"
#include "node/commands/migrate_handlers.h"
#include "node/commands/persist_handlers.h"
#include "node/commands/pubsub_handlers.h"
#include "node/commands/repl_handlers.h"
#include "node/commands/scripting_handlers.h"
#include "node/commands/sets_handlers.h"
#include "node/commands/shoal_handlers.h"
#include "node/commands/sort_handlers.h"
#include "node/commands/streams_handlers.h"
#include "node/commands/tracking.h"
#include "node/commands/zsets_handlers.h"

namespace node::commands {

namespace {

constexpr uint32_t kLS = kLoading | kStale;
constexpr uint32_t kConnCtl = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy;

// clang-format off
CommandSpec kObjectSubs[] = {
  {"encoding", 3, kReadOnly, {2, 2, 1}, &ObjectEncoding, kAclKeyspace},
  {"freq", 3, kReadOnly, {2, 2, 1}, &ObjectFreq, kAclKeyspace},
  {"help", 2, kLS, {}, &ObjectHelp, kAclKeyspace},
  {"idletime", 3, kReadOnly, {2, 2, 1}, &ObjectIdleTime, kAclKeyspace},
  {"refcount", 3, kReadOnly, {2, 2, 1}, &ObjectRefCount, kAclKeyspace},
};

constexpr uint32_t kClientFlags = kNoScript | kLoading | kStale;
CommandSpec kClientSubs[] = {
  {"caching", 3, kClientFlags, {}, &ClientCaching, kAclConnection},
  {"getname", 2, kClientFlags, {}, &ClientGetName, kAclConnection},
  {"getredir", 2, kClientFlags, {}, &ClientGetRedir, kAclConnection},
  {"help", 2, kLS, {}, &ClientHelp, kAclConnection},
  {"id", 2, kClientFlags, {}, &ClientId, kAclConnection},
  {"info", 2, kClientFlags, {}, &ClientInfo, kAclConnection},
  {"kill", -3, kAdmin | kClientFlags, {}, &ClientKill, kAclConnection},
  {"list", -2, kAdmin | kClientFlags, {}, &ClientList, kAclConnection},
  {"no-evict", 3, kAdmin | kClientFlags, {}, &ClientNoEvict, kAclConnection},
  {"pause", -3, kAdmin | kClientFlags, {}, &ClientPause, kAclConnection},
  {"reply", 3, kClientFlags, {}, &ClientReply, kAclConnection},
  {"setname", 3, kClientFlags, {}, &ClientSetName, kAclConnection},
  {"tracking", -3, kClientFlags, {}, &ClientTracking, kAclConnection},
  {"trackinginfo", 2, kClientFlags, {}, &ClientTrackingInfo, kAclConnection},
  {"unblock", -3, kAdmin | kClientFlags, {}, &ClientUnblock, kAclConnection},
  {"unpause", 2, kAdmin | kClientFlags, {}, &ClientUnpause, kAclConnection},
};

constexpr uint32_t kAdminLS = kAdmin | kNoScript | kLoading | kStale;
CommandSpec kConfigSubs[] = {
  {"get", -3, kAdminLS, {}, &ConfigGet},
  {"help", 2, kLS, {}, &ConfigHelp},
  {"resetstat", 2, kAdminLS, {}, &ConfigResetStat},
  {"rewrite", 2, kAdminLS, {}, &ConfigRewrite},
  {.name = "set", .arity = -4, .flags = kAdminLS, .keys = {}, .handler = &ConfigSet,
   .redact = &RedactConfigSet},
};

CommandSpec kSlowlogSubs[] = {
  {"get", -2, kAdmin | kLS, {}, &SlowlogGet},
  {"help", 2, kLS, {}, &SlowlogHelp},
  {"len", 2, kAdmin | kLS, {}, &SlowlogLen},
  {"reset", 2, kAdmin | kLS, {}, &SlowlogReset},
};

CommandSpec kMemorySubs[] = {
  {"doctor", 2, 0, {}, &MemoryDoctor},
  {"help", 2, kLS, {}, &MemoryHelp},
  {"malloc-stats", 2, 0, {}, &MemoryMallocStats},
  {"purge", 2, 0, {}, &MemoryPurge},
  {"stats", 2, 0, {}, &MemoryStats},
  {"usage", -3, kReadOnly, {2, 2, 1}, &MemoryUsage},
};

CommandSpec kLatencySubs[] = {
  {"doctor", 2, kAdminLS, {}, &LatencyDoctor},
  {"graph", 3, kAdminLS, {}, &LatencyGraph},
  {"help", 2, kLS, {}, &LatencyHelp},
  {"histogram", -2, kAdminLS, {}, &LatencyHistogramCmd},
  {"history", 3, kAdminLS, {}, &LatencyHistory},
  {"latest", 2, kAdminLS, {}, &LatencyLatest},
  {"reset", -2, kAdminLS, {}, &LatencyReset},
};

// kProtected: enable-module-command gates LOAD / LOADEX / UNLOAD in the
// dispatcher, as DEBUG (Redis 7.0's CMD_PROTECTED on these three).
constexpr uint32_t kModuleAdmin = kAdmin | kNoScript | kNoAsyncLoading | kProtected;
CommandSpec kModuleSubs[] = {
  {"help", 2, kLS, {}, &ModuleHelp},
  {"list", 2, kAdmin | kNoScript, {}, &ModuleList},
  {"load", -3, kModuleAdmin, {}, &ModuleLoad},
  {"loadex", -3, kModuleAdmin, {}, &ModuleLoad},
  {"unload", 3, kModuleAdmin, {}, &ModuleUnload},
};

constexpr uint32_t kClAdmin = kAdmin | kStale | kNoAsyncLoading;
CommandSpec kClusterSubs[] = {
  {"addslots", -3, kClAdmin, {}, &ClusterAddSlots},
  {"addslotsrange", -4, kClAdmin, {}, &ClusterAddSlotsRange},
  {"bumpepoch", 2, kClAdmin, {}, &ClusterBumpEpoch},
  {"count-failure-reports", 3, kAdmin | kStale, {}, &ClusterCountFailureReports},
  {"countkeysinslot", 3, kStale, {}, &ClusterCountKeysInSlot},
  {"delslots", -3, kClAdmin, {}, &ClusterDelSlots},
  {"delslotsrange", -4, kClAdmin, {}, &ClusterDelSlotsRange},
  {"failover", -2, kClAdmin, {}, &ClusterFailover},
  {"flushslots", 2, kClAdmin, {}, &ClusterFlushSlots},
  {"forget", 3, kClAdmin, {}, &ClusterForget},
  {"getkeysinslot", 4, kStale, {}, &ClusterGetKeysInSlot},
  {"help", 2, kLS, {}, &ClusterHelp},
  {"info", 2, kStale, {}, &ClusterInfo},
  {"keyslot", 3, kStale, {}, &ClusterKeySlot},
  {"links", 2, kStale, {}, &ClusterLinks},
  {"meet", -4, kClAdmin, {}, &ClusterMeet},
  {"myid", 2, kStale, {}, &ClusterMyId},
  {"nodes", 2, kStale, {}, &ClusterNodes},
  {"replicas", 3, kAdmin | kStale, {}, &ClusterReplicas},
  {"replicate", 3, kClAdmin, {}, &ClusterReplicate},
  {"reset", -2, kAdmin | kNoScript | kStale, {}, &ClusterReset},
  {"saveconfig", 2, kClAdmin, {}, &ClusterSaveConfig},
  {"set-config-epoch", 3, kClAdmin, {}, &ClusterSetConfigEpoch},
  {"setslot", -4, kClAdmin, {}, &ClusterSetSlot},
  {"shards", 2, kStale, {}, &ClusterShards},
  {"slaves", 3, kAdmin | kStale, {}, &ClusterReplicas},
  {"slots", 2, kStale, {}, &ClusterSlots},
};

CommandSpec kShoalSubs[] = {
  {"claim", 4, kAdmin | kStale | kLoading, {}, &ShoalClaim},
  {"claimed", 2, kAdmin | kStale | kLoading, {}, &ShoalClaimed},
  {"help", 2, kLS, {}, &ShoalHelp},
  {"release", 3, kAdmin | kStale | kLoading, {}, &ShoalRelease},
};

CommandSpec kCommandSubs[] = {
  {"count", 2, kLS, {}, &CommandCount, kAclConnection},
  {"docs", -2, kLS, {}, &CommandDocs, kAclConnection},
  {"getkeys", -4, kLS, {}, &CommandGetKeys, kAclConnection},
  {"getkeysandflags", -4, kLS, {}, &CommandGetKeysAndFlags, kAclConnection},
  {"help", 2, kLS, {}, &CommandHelp, kAclConnection},
  {"info", -2, kLS, {}, &CommandInfo, kAclConnection},
  {"list", -2, kLS, {}, &CommandList, kAclConnection},
};

#define SUBS(arr) arr, sizeof(arr) / sizeof(arr[0])

CommandSpec kCommands[] = {
  // --- strings
  {"append", 3, kWrite | kDenyOom | kFast, {1, 1, 1}, &Append, kAclString},
  {"decr", 2, kWrite | kDenyOom | kFast, {1, 1, 1}, &Decr, kAclString},
  {"decrby", 3, kWrite | kDenyOom | kFast, {1, 1, 1}, &DecrBy, kAclString},
  {"get", 2, kReadOnly | kFast, {1, 1, 1}, &Get, kAclString},
  {"getdel", 2, kWrite | kFast, {1, 1, 1}, &GetDel, kAclString},
  {"getex", -2, kWrite | kFast, {1, 1, 1}, &GetEx, kAclString},
  {"getset", 3, kWrite | kDenyOom | kFast, {1, 1, 1}, &GetSet, kAclString},
  {"getrange", 4, kReadOnly, {1, 1, 1}, &GetRange, kAclString},
  {"incr", 2, kWrite | kDenyOom | kFast, {1, 1, 1}, &Incr, kAclString},
  {"incrby", 3, kWrite | kDenyOom | kFast, {1, 1, 1}, &IncrBy, kAclString},
  {"incrbyfloat", 3, kWrite | kDenyOom | kFast, {1, 1, 1}, &IncrByFloat, kAclString},
  {"lcs", -3, kReadOnly, {1, 2, 1}, &Lcs, kAclString},
  {"mget", -2, kReadOnly | kFast, {1, -1, 1}, &MGet, kAclString},
  {"mset", -3, kWrite | kDenyOom, {1, -1, 2}, &MSet, kAclString},
  {"msetnx", -3, kWrite | kDenyOom, {1, -1, 2}, &MSetNx, kAclString},
  {"psetex", 4, kWrite | kDenyOom, {1, 1, 1}, &PSetEx, kAclString},
  {"set", -3, kWrite | kDenyOom, {1, 1, 1}, &Set, kAclString},
  {"setex", 4, kWrite | kDenyOom, {1, 1, 1}, &SetEx, kAclString},
  {"setnx", 3, kWrite | kDenyOom | kFast, {1, 1, 1}, &SetNx, kAclString},
  {"setrange", 4, kWrite | kDenyOom, {1, 1, 1}, &SetRange, kAclString},
  {"strlen", 2, kReadOnly | kFast, {1, 1, 1}, &StrLen, kAclString},
  {"substr", 4, kReadOnly, {1, 1, 1}, &GetRange, kAclString},
  // --- keys
  {"copy", -3, kWrite | kDenyOom, {1, 2, 1}, &Copy, kAclKeyspace},
  {"dbsize", 1, kReadOnly | kFast, {}, &DbSize, kAclKeyspace},
  {"del", -2, kWrite, {1, -1, 1}, &Del, kAclKeyspace},
  {"exists", -2, kReadOnly | kFast, {1, -1, 1}, &Exists, kAclKeyspace},
  {"expire", -3, kWrite | kFast, {1, 1, 1}, &Expire, kAclKeyspace},
  {"expireat", -3, kWrite | kFast, {1, 1, 1}, &ExpireAt, kAclKeyspace},
  {"expiretime", 2, kReadOnly | kFast, {1, 1, 1}, &ExpireTime, kAclKeyspace},
  {"flushall", -1, kWrite, {}, &FlushAll, kAclKeyspace | kAclDangerous},
  {"flushdb", -1, kWrite, {}, &FlushDb, kAclKeyspace | kAclDangerous},
  {"keys", 2, kReadOnly, {}, &Keys, kAclKeyspace | kAclDangerous},
  {"object", -2, 0, {}, nullptr, 0, SUBS(kObjectSubs)},
  {"move", 3, kWrite | kFast, {1, 1, 1}, &Move, kAclKeyspace},
  {"persist", 2, kWrite | kFast, {1, 1, 1}, &Persist, kAclKeyspace},
  {"pexpire", -3, kWrite | kFast, {1, 1, 1}, &PExpire, kAclKeyspace},
  {"pexpireat", -3, kWrite | kFast, {1, 1, 1}, &PExpireAt, kAclKeyspace},
  {"pexpiretime", 2, kReadOnly | kFast, {1, 1, 1}, &PExpireTime, kAclKeyspace},
  {"pttl", 2, kReadOnly | kFast, {1, 1, 1}, &PTtl, kAclKeyspace},
  {"randomkey", 1, kReadOnly, {}, &RandomKey, kAclKeyspace},
  {"rename", 3, kWrite, {1, 2, 1}, &Rename, kAclKeyspace},
  {"renamenx", 3, kWrite | kFast, {1, 2, 1}, &RenameNx, kAclKeyspace},
  {"scan", -2, kReadOnly, {}, &Scan, kAclKeyspace},
  {"swapdb", 3, kWrite | kFast, {}, &SwapDb, kAclKeyspace | kAclDangerous},
  {"touch", -2, kReadOnly | kFast, {1, -1, 1}, &Touch, kAclKeyspace},
  {"ttl", 2, kReadOnly | kFast, {1, 1, 1}, &Ttl, kAclKeyspace},
  {"type", 2, kReadOnly | kFast, {1, 1, 1}, &Type, kAclKeyspace},
  {"unlink", -2, kWrite | kFast, {1, -1, 1}, &Del, kAclKeyspace},
  // --- connection
  {.name = "auth", .arity = -2, .flags = kConnCtl, .keys = {}, .handler = &Auth,
   .acl = kAclConnection, .redact = &RedactAllAfterName},
  {"asking", 1, kFast | kKeepAsking, {}, &Asking, kAclConnection},
  {"client", -2, 0, {}, nullptr, 0, SUBS(kClientSubs)},
  {"cluster", -2, 0, {}, nullptr, 0, SUBS(kClusterSubs)},
  {"echo", 2, kLS | kFast, {}, &Echo, kAclConnection},
  {.name = "hello", .arity = -1, .flags = kConnCtl, .keys = {}, .handler = &Hello,
   .acl = kAclConnection, .redact = &RedactHello},
  {"ping", -1, kFast, {}, &Ping, kAclConnection},
  {"readonly", 1, kLS | kFast, {}, &ReadOnly, kAclConnection},
  {"readwrite", 1, kLS | kFast, {}, &ReadWrite, kAclConnection},
  {"quit", -1, kConnCtl | kTxImmediate, {}, &Quit, kAclConnection},
  {"reset", 1, kConnCtl | kTxImmediate, {}, &Reset, kAclConnection},
  {"select", 2, kLS | kFast, {}, &Select, kAclConnection},
  // --- server
  {"command", -1, kLS, {}, &Command, kAclConnection, SUBS(kCommandSubs)},
  {"config", -2, 0, {}, nullptr, 0, SUBS(kConfigSubs)},
  // One command, as in Redis (its words after DEBUG are not subcommands).
  {"debug", -2, kAdminLS | kProtected, {}, &Debug},
  {"failover", -1, kAdmin | kNoScript | kStale, {}, &Failover},
  {"info", -1, kLS, {}, &Info, kAclDangerous},
  {"latency", -2, 0, {}, nullptr, 0, SUBS(kLatencySubs)},
  {"lolwut", -1, kReadOnly | kFast, {}, &Lolwut},
  {"lastsave", 1, kLS | kFast, {}, &LastSave, kAclAdmin | kAclDangerous},
  {"memory", -2, 0, {}, nullptr, 0, SUBS(kMemorySubs)},
  {"monitor", 1, kAdminLS, {}, &Monitor},
  {"module", -2, 0, {}, nullptr, 0, SUBS(kModuleSubs)},
  // --- replication
  {"psync", -3, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, {}, &Psync},
  {"replconf", -1, kAdmin | kNoScript | kLS | kAllowBusy, {}, &Replconf},
  {"replicaof", 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, {}, &ReplicaOf},
  {"role", 1, kNoScript | kLS | kFast, {}, &Role, kAclAdmin | kAclDangerous},
  {"slaveof", 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, {}, &ReplicaOf},
  {"sync", 1, kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, {}, &Sync},
  {"wait", 3, kNoScript | kRetryOnTimeout, {}, &Wait, kAclConnection},
  {"shoal", -2, 0, {}, nullptr, 0, SUBS(kShoalSubs)},
  {"shutdown", -1, kAdminLS | kNoMulti | kAllowBusy, {}, &Shutdown},
  {"slowlog", -2, 0, {}, nullptr, 0, SUBS(kSlowlogSubs)},
  {"time", 1, kLS | kFast, {}, &Time},
  // --- data types (rows in their own include files)
#include "node/commands/table_lists.inc"
#include "node/commands/table_hashes.inc"
#include "node/commands/table_sets.inc"
#include "node/commands/table_zsets.inc"
#include "node/commands/table_persist.inc"
#include "node/commands/table_pubsub.inc"
#include "node/commands/table_migrate.inc"
#include "node/commands/table_bitops.inc"
#include "node/commands/table_hll.inc"
#include "node/commands/table_geo.inc"
#include "node/commands/table_sort.inc"
#include "node/commands/table_streams.inc"
#include "node/commands/table_scripting.inc"
#include "node/commands/table_acl.inc"
  // --- transactions
  {"discard", 1, kNoScript | kLS | kFast | kAllowBusy | kTxImmediate, {}, &Discard, kAclTransaction},
  {"exec", 1, kNoScript | kLS | kSkipSlowlog | kTxImmediate, {}, &Exec, kAclTransaction},
  {"multi", 1, kNoScript | kLS | kFast | kAllowBusy | kTxImmediate, {}, &Multi, kAclTransaction},
  {"unwatch", 1, kNoScript | kLS | kFast | kAllowBusy, {}, &Unwatch, kAclTransaction},
  {"watch", -2, kNoScript | kLS | kFast | kAllowBusy | kTxImmediate, {1, -1, 1}, &Watch, kAclTransaction},
};
// clang-format on

uint32_t ImpliedAcl(uint32_t flags, uint32_t acl) {
  if (flags & kWrite) acl |= kAclWrite;
  if ((flags & kReadOnly) && !(acl & kAclScripting)) acl |= kAclRead;
  if (flags & kAdmin) acl |= kAclAdmin | kAclDangerous;
  if (flags & kPubSub) acl |= kAclPubSub;
  if (flags & kFast) acl |= kAclFast;
  if (flags & kBlocking) acl |= kAclBlocking;
  if (!(acl & kAclFast)) acl |= kAclSlow;
  return acl;
}

struct Index {
  // Keys view the rows' static names: lookups need no allocation.
  std::unordered_map<std::string_view, const CommandSpec*> top;
  // The ACL catalog: every command and subcommand, ids in table order.
  acl::Catalog catalog;
  Index() {
    std::vector<acl::CatalogEntry> entries;
    for (auto& c : kCommands) {
      c.acl = ImpliedAcl(c.flags, c.acl);
      top[c.name] = &c;
      int pid = static_cast<int>(entries.size());
      c.acl_id = pid;
      entries.push_back({c.name, c.acl, -1, {}, (c.flags & kNoAuth) != 0});
      for (size_t i = 0; i < c.n_subcommands; i++) {
        auto& s = const_cast<CommandSpec&>(c.subcommands[i]);
        s.parent = &c;
        s.acl = ImpliedAcl(s.flags, s.acl);
        s.acl_id = static_cast<int>(entries.size());
        entries[static_cast<size_t>(pid)].subs.push_back(s.acl_id);
        entries.push_back(
            {std::string(c.name) + "|" + s.name, s.acl, pid, {}, (s.flags & kNoAuth) != 0});
      }
    }
    catalog = acl::Catalog(std::move(entries));
  }
};

Index& GetIndex() {
  static Index idx;
  return idx;
}

}  // namespace

const acl::Catalog& AclCatalog() { return GetIndex().catalog; }

std::span<const CommandSpec> CommandTable() {
  GetIndex();
  return {kCommands, sizeof(kCommands) / sizeof(kCommands[0])};
}

const CommandSpec* LookupCommand(std::string_view name) {
  if (name.size() > 64) return nullptr;
  char buf[64];
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  auto& idx = GetIndex();
  auto it = idx.top.find(std::string_view(buf, name.size()));
  return it == idx.top.end() ? nullptr : it->second;
}

const CommandSpec* LookupSubcommand(const CommandSpec& parent, std::string_view name) {
  for (size_t i = 0; i < parent.n_subcommands; i++) {
    if (base::EqualsIgnoreCase(parent.subcommands[i].name, name)) return &parent.subcommands[i];
  }
  return nullptr;
}

const CommandSpec* LookupInvocation(std::span<const std::string_view> args) {
  const CommandSpec* spec = args.empty() ? nullptr : LookupCommand(args[0]);
  if (spec && spec->subcommands && args.size() >= 2) {
    if (const CommandSpec* sub = LookupSubcommand(*spec, args[1])) spec = sub;
  }
  return spec;
}

void ResetCommandStats() {
  for (auto& c : kCommands) {
    c.stats = {};
    for (size_t i = 0; i < c.n_subcommands; i++) c.subcommands[i].stats = {};
  }
}

void ForEachCommandStats(const std::function<void(const CommandSpec&, const CommandStats&)>& fn) {
  for (auto& c : kCommands) {
    if (c.stats.calls || c.stats.rejected_calls || c.stats.failed_calls) fn(c, c.stats);
    for (size_t i = 0; i < c.n_subcommands; i++) {
      auto& s = c.subcommands[i];
      if (s.stats.calls || s.stats.rejected_calls || s.stats.failed_calls) fn(s, s.stats);
    }
  }
}

}  // namespace node::commands
