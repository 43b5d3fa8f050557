// node/commands/command_cmds.cc
//
// COMMAND and its subcommands, rendered from the command table (the only
// source of truth): COUNT, INFO, DOCS, GETKEYS, LIST. Cluster clients such as
// redis-py's RedisCluster read key positions from here.

#include <algorithm>
#include <unordered_map>

#include "node/commands/command_docs.h"
#include "node/commands/command_table.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"

namespace node::commands {

namespace {

struct FlagName {
  uint32_t bit;
  const char* name;
};
constexpr FlagName kFlagNames[] = {
    {kWrite, "write"},
    {kReadOnly, "readonly"},
    {kDenyOom, "denyoom"},
    {kAdmin, "admin"},
    {kPubSub, "pubsub"},
    {kNoScript, "noscript"},
    {kBlocking, "blocking"},
    {kLoading, "loading"},
    {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"},
    {kAsking, "asking"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},
    // may_replicate and protected: hidden by Redis 7.0's COMMAND INFO.
    {kNoMandatoryKeys, "no_mandatory_keys"},
    {kNoAsyncLoading, "no_async_loading"},
    {kNoMulti, "no_multi"},
    {kMovableKeys, "movablekeys"},
    {kAllowBusy, "allow_busy"},
};

constexpr const char* kAclNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

// Tips and key specs of COMMAND INFO: Redis's facts where the command has
// them (defined below the fact tables), else derived from the row.
void ReplyTipsAndKeySpecs(resp::ReplyBuilder& r, const CommandSpec& c);

void ReplyKeySpecs(resp::ReplyBuilder& r, const CommandSpec& c) {
  if (c.keys.first <= 0) {
    r.SetHeader(0);
    return;
  }
  r.SetHeader(1);
  r.MapHeader(3);
  r.Bulk("flags");
  if (c.flags & kWrite) {
    r.SetHeader(2);
    r.Simple("RW");
    r.Simple("update");
  } else {
    r.SetHeader(2);
    r.Simple("RO");
    r.Simple("access");
  }
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk("index");
  r.Bulk("spec");
  r.MapHeader(1);
  r.Bulk("index");
  r.Integer(c.keys.first);
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk("range");
  r.Bulk("spec");
  r.MapHeader(3);
  r.Bulk("lastkey");
  r.Integer(c.keys.last < 0 ? c.keys.last : c.keys.last - c.keys.first);
  r.Bulk("keystep");
  r.Integer(c.keys.step);
  r.Bulk("limit");
  r.Integer(0);
}

void ReplyInfo(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.ArrayHeader(10);
  r.Bulk(FullName(c));
  r.Integer(c.arity);
  size_t nflags = 0;
  for (auto& f : kFlagNames) nflags += (c.flags & f.bit) ? 1 : 0;
  r.SetHeader(nflags);
  for (auto& f : kFlagNames) {
    if (c.flags & f.bit) r.Simple(f.name);
  }
  r.Integer(c.keys.first);
  r.Integer(c.keys.last);
  r.Integer(c.keys.step);
  size_t ncat = 0;
  for (size_t i = 0; i < std::size(kAclNames); i++) ncat += (c.acl >> i) & 1;
  r.SetHeader(ncat);
  for (size_t i = 0; i < std::size(kAclNames); i++) {
    if ((c.acl >> i) & 1) r.Simple(std::string("@") + kAclNames[i]);
  }
  ReplyTipsAndKeySpecs(r, c);
  r.ArrayHeader(c.n_subcommands);
  for (size_t i = 0; i < c.n_subcommands; i++) ReplyInfo(r, c.subcommands[i]);
}

// Redis 7.0.15's key specs (flags, how each begins its search and finds its
// keys) and command tips, facts from its command reference, sorted by full
// name. COMMAND INFO renders them (Redis's per-spec notes are not carried);
// COMMAND GETKEYSANDFLAGS gives each key the flags of the spec that covers
// its position.
enum BeginSearch : uint8_t { kBsIndex, kBsKeyword, kBsUnknown };
enum FindKeys : uint8_t { kFkRange, kFkKeyNum, kFkUnknown };
struct KeySpecFacts {
  uint32_t flags;  // bits in kKeyFlagNames order
  BeginSearch bs;
  int index;            // kBsIndex
  const char* keyword;  // kBsKeyword
  int startfrom;        // kBsKeyword
  FindKeys fk;
  int a, b, c;  // range: lastkey keystep limit; keynum: keynumidx firstkey keystep
};
struct KeyFacts {
  const char* name;
  int n;
  KeySpecFacts specs[3];
};
constexpr const char* kKeyFlagNames[] = {
    "RO",     "RW",     "OW",      "RM",         "access",        "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags"};
// clang-format off
constexpr KeyFacts kKeyFacts[] = {
    {"append", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"bitcount", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"bitfield", 1, {{0x432, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"bitfield_ro", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"bitop", 2, {{0x24, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 3, "", 0, kFkRange, -1, 1, 0}}},
    {"bitpos", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"blmove", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"blmpop", 1, {{0x92, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"blpop", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, -2, 1, 0}}},
    {"brpop", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, -2, 1, 0}}},
    {"brpoplpush", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"bzmpop", 1, {{0x92, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"bzpopmax", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, -2, 1, 0}}},
    {"bzpopmin", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, -2, 1, 0}}},
    {"copy", 2, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x24, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"decr", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"decrby", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"del", 1, {{0x88, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"dump", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"eval", 1, {{0x32, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"eval_ro", 1, {{0x11, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"evalsha", 1, {{0x32, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"evalsha_ro", 1, {{0x11, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"exists", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"expire", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"expireat", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"expiretime", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"fcall", 1, {{0x32, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"fcall_ro", 1, {{0x11, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"geoadd", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"geodist", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"geohash", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"geopos", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"georadius", 3, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x24, kBsKeyword, 0, "STORE", 6, kFkRange, 0, 1, 0}, {0x24, kBsKeyword, 0, "STOREDIST", 6, kFkRange, 0, 1, 0}}},
    {"georadius_ro", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"georadiusbymember", 3, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x24, kBsKeyword, 0, "STORE", 5, kFkRange, 0, 1, 0}, {0x24, kBsKeyword, 0, "STOREDIST", 5, kFkRange, 0, 1, 0}}},
    {"georadiusbymember_ro", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"geosearch", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"geosearchstore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"get", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"getbit", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"getdel", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"getex", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"getrange", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"getset", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hdel", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hexists", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hget", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hgetall", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hincrby", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hincrbyfloat", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hkeys", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hlen", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hmget", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hmset", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hrandfield", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hscan", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hset", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hsetnx", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hstrlen", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"hvals", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"incr", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"incrby", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"incrbyfloat", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lcs", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 1, 1, 0}}},
    {"lindex", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"linsert", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"llen", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lmove", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"lmpop", 1, {{0x92, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"lpop", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lpos", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lpush", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lpushx", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lrange", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lrem", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"lset", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"ltrim", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"memory|usage", 1, {{0x1, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"mget", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"migrate", 2, {{0x92, kBsIndex, 3, "", 0, kFkRange, 0, 1, 0}, {0x292, kBsKeyword, 0, "KEYS", -2, kFkRange, -1, 1, 0}}},
    {"move", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"mset", 1, {{0x24, kBsIndex, 1, "", 0, kFkRange, -1, 2, 0}}},
    {"msetnx", 1, {{0x44, kBsIndex, 1, "", 0, kFkRange, -1, 2, 0}}},
    {"object|encoding", 1, {{0x1, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"object|freq", 1, {{0x1, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"object|idletime", 1, {{0x1, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"object|refcount", 1, {{0x1, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"persist", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"pexpire", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"pexpireat", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"pexpiretime", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"pfadd", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"pfcount", 1, {{0x12, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"pfdebug", 1, {{0x12, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"pfmerge", 2, {{0x52, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkRange, -1, 1, 0}}},
    {"psetex", 1, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"pttl", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"rename", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x24, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"renamenx", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x44, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"restore", 1, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"restore-asking", 1, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"rpop", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"rpoplpush", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"rpush", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"rpushx", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"sadd", 1, {{0x42, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"scard", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"sdiff", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"sdiffstore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkRange, -1, 1, 0}}},
    {"set", 1, {{0x432, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"setbit", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"setex", 1, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"setnx", 1, {{0x44, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"setrange", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"sinter", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"sintercard", 1, {{0x11, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"sinterstore", 2, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkRange, -1, 1, 0}}},
    {"sismember", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"smembers", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"smismember", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"smove", 2, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"sort", 3, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsUnknown, 0, "", 0, kFkUnknown, 0, 0, 0}, {0x24, kBsUnknown, 0, "", 0, kFkUnknown, 0, 0, 0}}},
    {"sort_ro", 2, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsUnknown, 0, "", 0, kFkUnknown, 0, 0, 0}}},
    {"spop", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"spublish", 1, {{0x100, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"srandmember", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"srem", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"sscan", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"ssubscribe", 1, {{0x100, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"strlen", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"substr", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"sunion", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"sunionstore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkRange, -1, 1, 0}}},
    {"sunsubscribe", 1, {{0x100, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"touch", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"ttl", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"type", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"unlink", 1, {{0x88, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"watch", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, -1, 1, 0}}},
    {"xack", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xadd", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xautoclaim", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xclaim", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xdel", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xgroup|create", 1, {{0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xgroup|createconsumer", 1, {{0x42, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xgroup|delconsumer", 1, {{0x82, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xgroup|destroy", 1, {{0x82, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xgroup|setid", 1, {{0x22, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xinfo|consumers", 1, {{0x11, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xinfo|groups", 1, {{0x11, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xinfo|stream", 1, {{0x11, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"xlen", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xpending", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xrange", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xread", 1, {{0x11, kBsKeyword, 0, "STREAMS", 1, kFkRange, -1, 1, 2}}},
    {"xreadgroup", 1, {{0x11, kBsKeyword, 0, "STREAMS", 4, kFkRange, -1, 1, 2}}},
    {"xrevrange", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xsetid", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"xtrim", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zadd", 1, {{0x22, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zcard", 1, {{0x1, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zcount", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zdiff", 1, {{0x11, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zdiffstore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zincrby", 1, {{0x32, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zinter", 1, {{0x11, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zintercard", 1, {{0x11, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zinterstore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zlexcount", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zmpop", 1, {{0x92, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zmscore", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zpopmax", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zpopmin", 1, {{0x92, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrandmember", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrange", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrangebylex", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrangebyscore", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrangestore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkRange, 0, 1, 0}}},
    {"zrank", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrem", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zremrangebylex", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zremrangebyrank", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zremrangebyscore", 1, {{0x82, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrevrange", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrevrangebylex", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrevrangebyscore", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zrevrank", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zscan", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zscore", 1, {{0x11, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}}},
    {"zunion", 1, {{0x11, kBsIndex, 1, "", 0, kFkKeyNum, 0, 1, 1}}},
    {"zunionstore", 2, {{0x24, kBsIndex, 1, "", 0, kFkRange, 0, 1, 0}, {0x11, kBsIndex, 2, "", 0, kFkKeyNum, 0, 1, 1}}},
};

// The "notes" of a key spec (COMMAND INFO shows them first in the spec's
// map), for the specs Redis 7.0.15 annotates.
struct KeySpecNote {
  const char* name;
  int spec;
  const char* notes;
};
constexpr KeySpecNote kKeySpecNotes[] = {
    {"bitfield", 0, "This command allows both access and modification of the key"},
    {"eval", 0, "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"},
    {"eval_ro", 0, "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"},
    {"fcall", 0, "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"},
    {"fcall_ro", 0, "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"},
    {"getex", 0, "RW and UPDATE because it changes the TTL"},
    {"pfcount", 0, "RW because it may change the internal representation of the key, and propagate to replicas"},
    {"set", 0, "RW and ACCESS due to the optional `GET` argument"},
    {"sort", 1, "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"},
    {"sort", 2, "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"},
    {"sort_ro", 1, "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"},
    {"xadd", 0, "UPDATE instead of INSERT because of the optional trimming feature"},
};

const char* KeySpecNotes(const char* name, int spec) {
  for (const auto& n : kKeySpecNotes) {
    if (n.spec == spec && std::string_view(n.name) == name) return n.notes;
  }
  return nullptr;
}

struct TipFacts {
  const char* name;
  const char* tips;  // space-separated
};
constexpr TipFacts kTipFacts[] = {
    {"client|info", "nondeterministic_output"},
    {"client|list", "nondeterministic_output"},
    {"cluster|bumpepoch", "nondeterministic_output"},
    {"cluster|count-failure-reports", "nondeterministic_output"},
    {"cluster|getkeysinslot", "nondeterministic_output"},
    {"cluster|info", "nondeterministic_output"},
    {"cluster|links", "nondeterministic_output"},
    {"cluster|nodes", "nondeterministic_output"},
    {"cluster|replicas", "nondeterministic_output"},
    {"cluster|shards", "nondeterministic_output"},
    {"cluster|slaves", "nondeterministic_output"},
    {"cluster|slots", "nondeterministic_output"},
    {"command", "nondeterministic_output_order"},
    {"command|docs", "nondeterministic_output_order"},
    {"command|info", "nondeterministic_output_order"},
    {"command|list", "nondeterministic_output_order"},
    {"config|set", "request_policy:all_nodes response_policy:all_succeeded"},
    {"dbsize", "request_policy:all_shards response_policy:agg_sum"},
    {"del", "request_policy:multi_shard response_policy:agg_sum"},
    {"dump", "nondeterministic_output"},
    {"exists", "request_policy:multi_shard response_policy:agg_sum"},
    {"flushall", "request_policy:all_shards response_policy:all_succeeded"},
    {"flushdb", "request_policy:all_shards response_policy:all_succeeded"},
    {"function|delete", "request_policy:all_shards response_policy:all_succeeded"},
    {"function|flush", "request_policy:all_shards response_policy:all_succeeded"},
    {"function|kill", "request_policy:all_shards response_policy:one_succeeded"},
    {"function|list", "nondeterministic_output_order"},
    {"function|load", "request_policy:all_shards response_policy:all_succeeded"},
    {"function|restore", "request_policy:all_shards response_policy:all_succeeded"},
    {"function|stats", "nondeterministic_output request_policy:all_shards response_policy:special"},
    {"hgetall", "nondeterministic_output_order"},
    {"hkeys", "nondeterministic_output_order"},
    {"hrandfield", "nondeterministic_output"},
    {"hscan", "nondeterministic_output"},
    {"hvals", "nondeterministic_output_order"},
    {"info", "nondeterministic_output request_policy:all_shards response_policy:special"},
    {"keys", "request_policy:all_shards nondeterministic_output_order"},
    {"lastsave", "nondeterministic_output"},
    {"latency|doctor", "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {"latency|graph", "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {"latency|histogram", "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {"latency|history", "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {"latency|latest", "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {"latency|reset", "request_policy:all_nodes response_policy:all_succeeded"},
    {"memory|doctor", "nondeterministic_output request_policy:all_shards response_policy:special"},
    {"memory|malloc-stats", "nondeterministic_output request_policy:all_shards response_policy:special"},
    {"memory|purge", "request_policy:all_shards response_policy:all_succeeded"},
    {"memory|stats", "nondeterministic_output request_policy:all_shards response_policy:special"},
    {"mget", "request_policy:multi_shard"},
    {"migrate", "nondeterministic_output"},
    {"module|list", "nondeterministic_output_order"},
    {"mset", "request_policy:multi_shard response_policy:all_succeeded"},
    {"msetnx", "request_policy:multi_shard response_policy:agg_min"},
    {"object|encoding", "nondeterministic_output"},
    {"object|freq", "nondeterministic_output"},
    {"object|idletime", "nondeterministic_output"},
    {"object|refcount", "nondeterministic_output"},
    {"ping", "request_policy:all_shards response_policy:all_succeeded"},
    {"pttl", "nondeterministic_output"},
    {"randomkey", "request_policy:all_shards nondeterministic_output"},
    {"scan", "nondeterministic_output request_policy:special"},
    {"script|exists", "request_policy:all_shards response_policy:agg_logical_and"},
    {"script|flush", "request_policy:all_nodes response_policy:all_succeeded"},
    {"script|kill", "request_policy:all_shards response_policy:one_succeeded"},
    {"script|load", "request_policy:all_nodes response_policy:all_succeeded"},
    {"sdiff", "nondeterministic_output_order"},
    {"sinter", "nondeterministic_output_order"},
    {"slowlog|get", "request_policy:all_nodes nondeterministic_output"},
    {"slowlog|len", "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"},
    {"slowlog|reset", "request_policy:all_nodes response_policy:all_succeeded"},
    {"smembers", "nondeterministic_output_order"},
    {"spop", "nondeterministic_output"},
    {"srandmember", "nondeterministic_output"},
    {"sscan", "nondeterministic_output"},
    {"sunion", "nondeterministic_output_order"},
    {"time", "nondeterministic_output"},
    {"touch", "request_policy:multi_shard response_policy:agg_sum"},
    {"ttl", "nondeterministic_output"},
    {"unlink", "request_policy:multi_shard response_policy:agg_sum"},
    {"wait", "request_policy:all_shards response_policy:agg_min"},
    {"xadd", "nondeterministic_output"},
    {"xautoclaim", "nondeterministic_output"},
    {"xclaim", "nondeterministic_output"},
    {"xinfo|consumers", "nondeterministic_output"},
    {"xpending", "nondeterministic_output"},
    {"xtrim", "nondeterministic_output"},
    {"zrandmember", "nondeterministic_output"},
    {"zscan", "nondeterministic_output"},
};
// clang-format on

std::vector<std::string_view> FindTips(const std::string& full) {
  std::vector<std::string_view> out;
  auto* end = kTipFacts + std::size(kTipFacts);
  auto* it = std::lower_bound(kTipFacts, end, full, [](const TipFacts& d, const std::string& n) {
    return std::string_view(d.name) < n;
  });
  if (it == end || full != it->name) return out;
  std::string_view t = it->tips;
  while (!t.empty()) {
    size_t sp = t.find(' ');
    out.push_back(t.substr(0, sp));
    if (sp == std::string_view::npos) break;
    t.remove_prefix(sp + 1);
  }
  return out;
}

const KeyFacts* FindKeyFacts(const std::string& full) {
  auto* end = kKeyFacts + std::size(kKeyFacts);
  auto* it = std::lower_bound(kKeyFacts, end, full, [](const KeyFacts& d, const std::string& n) {
    return std::string_view(d.name) < n;
  });
  return (it != end && full == it->name) ? it : nullptr;
}

// Flags of the key at argument position `pos` (argc arguments in all).
uint32_t KeyFlagsAt(const KeyFacts& f, int pos, int argc) {
  for (int i = 0; i < f.n; i++) {
    const auto& s = f.specs[i];
    if (s.bs != kBsIndex || s.fk != kFkRange) continue;
    int last = s.a >= 0 ? s.index + s.a : argc + s.a;
    int step = s.b > 0 ? s.b : 1;
    if (pos >= s.index && pos <= last && (pos - s.index) % step == 0) return s.flags;
  }
  for (int i = 0; i < f.n; i++) {
    if (f.specs[i].bs == kBsIndex && f.specs[i].fk == kFkKeyNum && pos > f.specs[i].index) {
      return f.specs[i].flags;
    }
  }
  for (int i = 0; i < f.n; i++) {
    if (f.specs[i].bs != kBsIndex) return f.specs[i].flags;
  }
  return f.n ? f.specs[0].flags : 0;
}

void ReplyKeyFlags(resp::ReplyBuilder& r, uint32_t flags) {
  size_t n = 0;
  for (size_t b = 0; b < std::size(kKeyFlagNames); b++) n += (flags >> b) & 1;
  r.SetHeader(n);
  for (size_t b = 0; b < std::size(kKeyFlagNames); b++) {
    if ((flags >> b) & 1) r.Simple(kKeyFlagNames[b]);
  }
}

// COMMAND INFO key specs from the facts, as addReplyCommandKeySpecs.
void ReplyFactKeySpecs(resp::ReplyBuilder& r, const KeyFacts& f) {
  r.SetHeader(static_cast<size_t>(f.n));
  for (int i = 0; i < f.n; i++) {
    const auto& s = f.specs[i];
    const char* notes = KeySpecNotes(f.name, i);
    r.MapHeader(notes ? 4 : 3);
    if (notes) {
      r.Bulk("notes");
      r.Bulk(notes);
    }
    r.Bulk("flags");
    ReplyKeyFlags(r, s.flags);
    r.Bulk("begin_search");
    r.MapHeader(2);
    r.Bulk("type");
    if (s.bs == kBsIndex) {
      r.Bulk("index");
      r.Bulk("spec");
      r.MapHeader(1);
      r.Bulk("index");
      r.Integer(s.index);
    } else if (s.bs == kBsKeyword) {
      r.Bulk("keyword");
      r.Bulk("spec");
      r.MapHeader(2);
      r.Bulk("keyword");
      r.Bulk(s.keyword);
      r.Bulk("startfrom");
      r.Integer(s.startfrom);
    } else {
      r.Bulk("unknown");
      r.Bulk("spec");
      r.MapHeader(0);
    }
    r.Bulk("find_keys");
    r.MapHeader(2);
    r.Bulk("type");
    if (s.fk == kFkRange) {
      r.Bulk("range");
      r.Bulk("spec");
      r.MapHeader(3);
      r.Bulk("lastkey");
      r.Integer(s.a);
      r.Bulk("keystep");
      r.Integer(s.b);
      r.Bulk("limit");
      r.Integer(s.c);
    } else if (s.fk == kFkKeyNum) {
      r.Bulk("keynum");
      r.Bulk("spec");
      r.MapHeader(3);
      r.Bulk("keynumidx");
      r.Integer(s.a);
      r.Bulk("firstkey");
      r.Integer(s.b);
      r.Bulk("keystep");
      r.Integer(s.c);
    } else {
      r.Bulk("unknown");
      r.Bulk("spec");
      r.MapHeader(0);
    }
  }
}

void ReplyTipsAndKeySpecs(resp::ReplyBuilder& r, const CommandSpec& c) {
  std::string full = FullName(c);
  auto tips = FindTips(full);
  r.SetHeader(tips.size());
  for (auto t : tips) r.Bulk(t);
  if (const KeyFacts* f = FindKeyFacts(full)) return ReplyFactKeySpecs(r, *f);
  ReplyKeySpecs(r, c);  // shoal's own commands: one spec from the row
}

size_t CountAll() { return CommandTable().size(); }

}  // namespace

void Command(CommandContext& ctx) {
  if (ctx.argc() > 1) return ctx.UnknownSubcommand();
  auto table = CommandTable();
  ctx.reply().ArrayHeader(table.size());
  for (auto& c : table) ReplyInfo(ctx.reply(), c);
}

void CommandCount(CommandContext& ctx) { ctx.reply().Integer(static_cast<int64_t>(CountAll())); }

void CommandInfo(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() == 2) {
    auto table = CommandTable();
    r.ArrayHeader(table.size());
    for (auto& c : table) ReplyInfo(r, c);
    return;
  }
  r.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string_view name = ctx.arg(i);
    const CommandSpec* c = nullptr;
    size_t bar = name.find('|');
    if (bar != std::string_view::npos) {
      const CommandSpec* parent = LookupCommand(name.substr(0, bar));
      if (parent) c = LookupSubcommand(*parent, name.substr(bar + 1));
    } else {
      c = LookupCommand(name);
    }
    if (c) {
      ReplyInfo(r, *c);
    } else {
      r.NullArray();
    }
  }
}

void CommandDocs(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (ctx.argc() == 2) {
    auto table = CommandTable();
    r.MapHeader(table.size());
    for (auto& c : table) {
      r.Bulk(c.name);
      ReplyCommandDocs(r, c);
    }
    return;
  }
  std::vector<const CommandSpec*> found;
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string_view name = ctx.arg(i);
    const CommandSpec* c = nullptr;
    size_t bar = name.find('|');
    if (bar != std::string_view::npos) {
      const CommandSpec* parent = LookupCommand(name.substr(0, bar));
      if (parent) c = LookupSubcommand(*parent, name.substr(bar + 1));
    } else {
      c = LookupCommand(name);
    }
    if (c) found.push_back(c);
  }
  r.MapHeader(found.size());
  for (auto* c : found) {
    r.Bulk(FullName(*c));
    ReplyCommandDocs(r, *c);
  }
}

namespace {

// Commands whose key flags depend on their arguments (Redis's getkeys
// procs for SET, BITFIELD, SORT / SORT_RO): the flags of key `pos`.
uint32_t VariableKeyFlags(const CommandSpec& c, std::span<const std::string_view> args, int pos,
                          uint32_t flags) {
  constexpr uint32_t kRO = 1u << 0, kRW = 1u << 1, kOW = 1u << 2, kAccess = 1u << 4,
                     kUpdate = 1u << 5;
  std::string_view name = c.parent ? "" : c.name;
  if (name == "set") {
    for (size_t i = 3; i < args.size(); i++) {
      if (Is(args[i], "get")) return kRW | kAccess | kUpdate;
    }
    return kOW | kUpdate;
  }
  if (name == "bitfield") {
    bool readonly = true;
    for (size_t i = 2; i < args.size(); i++) {
      size_t rem = args.size() - i - 1;
      if (Is(args[i], "get") && rem >= 2) {
        i += 2;
      } else if ((Is(args[i], "set") || Is(args[i], "incrby")) && rem >= 3) {
        readonly = false;
        break;
      } else if (Is(args[i], "overflow") && rem >= 1) {
        i += 1;
      } else {
        readonly = false;
        break;
      }
    }
    return readonly ? kRO | kAccess : kRW | kAccess | kUpdate;
  }
  if (name == "sort" || name == "sort_ro") return pos == 1 ? kRO | kAccess : kOW | kUpdate;
  return flags;
}

// COMMAND GETKEYS / GETKEYSANDFLAGS <full-command>
void GetKeysImpl(CommandContext& ctx, bool with_flags) {
  auto args = ctx.args().subspan(2);
  const CommandSpec* c = LookupInvocation(args);
  if (!c) return ctx.reply().Error("ERR Invalid command specified");
  int a = c->arity;
  if ((a > 0 && static_cast<size_t>(a) != args.size()) ||
      (a < 0 && args.size() < static_cast<size_t>(-a))) {
    return ctx.reply().Error("ERR Invalid number of arguments specified for command");
  }
  auto idx = KeyIndexes(*c, args);
  if (idx.empty()) return ctx.reply().Error("ERR The command has no key arguments");
  auto& r = ctx.reply();
  r.ArrayHeader(idx.size());
  const KeyFacts* facts = with_flags ? FindKeyFacts(FullName(*c)) : nullptr;
  for (int i : idx) {
    if (!with_flags) {
      r.Bulk(args[static_cast<size_t>(i)]);
      continue;
    }
    r.ArrayHeader(2);
    r.Bulk(args[static_cast<size_t>(i)]);
    uint32_t flags = facts ? KeyFlagsAt(*facts, i, static_cast<int>(args.size()))
                           : ((c->flags & kWrite) ? 0x2u | 0x20u : 0x1u | 0x10u);
    flags = VariableKeyFlags(*c, args, i, flags);
    size_t n = 0;
    for (size_t b = 0; b < std::size(kKeyFlagNames); b++) n += (flags >> b) & 1;
    r.SetHeader(n);
    for (size_t b = 0; b < std::size(kKeyFlagNames); b++) {
      if ((flags >> b) & 1) r.Simple(kKeyFlagNames[b]);
    }
  }
}

}  // namespace

void CommandGetKeys(CommandContext& ctx) { GetKeysImpl(ctx, false); }

void CommandGetKeysAndFlags(CommandContext& ctx) { GetKeysImpl(ctx, true); }

bool KeyOnlyRead(const CommandSpec& c, std::span<const std::string_view> args, int pos) {
  static std::unordered_map<const CommandSpec*, const KeyFacts*> cache;  // engine thread
  auto [it, fresh] = cache.try_emplace(&c, nullptr);
  if (fresh) it->second = FindKeyFacts(FullName(c));
  if (!it->second) return false;
  uint32_t f = KeyFlagsAt(*it->second, pos, static_cast<int>(args.size()));
  f = VariableKeyFlags(c, args, pos, f);
  return (f & 0x1u) && !(f & (0x2u | 0x4u | 0x8u));  // RO, not RW/OW/RM
}

uint32_t KeySpecFlags(const CommandSpec& c, std::span<const std::string_view> args, int pos) {
  static std::unordered_map<const CommandSpec*, const KeyFacts*> cache;  // engine thread
  auto [it, fresh] = cache.try_emplace(&c, nullptr);
  if (fresh) it->second = FindKeyFacts(FullName(c));
  uint32_t f = it->second ? KeyFlagsAt(*it->second, pos, static_cast<int>(args.size()))
                          : ((c.flags & kWrite) ? 0x2u | 0x20u : 0x1u | 0x10u);
  return VariableKeyFlags(c, args, pos, f);
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern]
void CommandList(CommandContext& ctx) {
  std::string_view kind, value;
  if (ctx.argc() == 5 && Is(ctx.arg(2), "filterby")) {
    kind = ctx.arg(3);
    value = ctx.arg(4);
    if (!Is(kind, "module") && !Is(kind, "aclcat") && !Is(kind, "pattern")) {
      return ctx.reply().Error(kErrSyntax);
    }
  } else if (ctx.argc() != 2) {
    return ctx.reply().Error(kErrSyntax);
  }
  std::vector<std::string> names;
  auto consider = [&](const CommandSpec& c) {
    std::string n = FullName(c);
    if (Is(kind, "module")) return;
    if (Is(kind, "pattern") && !base::GlobMatch(value, n, true)) return;
    if (Is(kind, "aclcat")) {
      bool ok = false;
      for (size_t i = 0; i < std::size(kAclNames); i++) {
        if (((c.acl >> i) & 1) && Is(value, kAclNames[i])) ok = true;
      }
      if (!ok) return;
    }
    names.push_back(n);
  };
  for (auto& c : CommandTable()) {
    consider(c);
    for (size_t i = 0; i < c.n_subcommands; i++) consider(c.subcommands[i]);
  }
  ctx.reply().ArrayHeader(names.size());
  for (auto& n : names) ctx.reply().Bulk(n);
}

void CommandHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (auto* l : kLines) ctx.reply().Simple(l);
}

}  // namespace node::commands
