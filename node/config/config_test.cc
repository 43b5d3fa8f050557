// Tests for node/config/config.h: the table, Set, CONFIG GET/SET, Validate,
// Rewrite. Expected CONFIG GET texts and error messages were observed on
// Debian's redis-server 7.0.15 (started on a loopback port in a private
// network namespace, `CONFIG GET *` and CONFIG SET probes) and are hard-coded
// here.

#include "node/config/config.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "node/config/config_text.h"

using node::config::Config;
using node::config::Def;
using node::config::Source;
using Args = std::vector<std::string>;

namespace {

std::string GetValue(const Config& c, std::string_view name) {
  auto v = c.Get(name);
  REQUIRE(v.size() == 1);
  return v[0].second;
}

}  // namespace

TEST_SUITE("config/config") {
  TEST_CASE("every row has a unique lower-case name and a default that parses") {
    std::set<std::string> seen;
    const Config defaults;
    for (const Def& d : Config::Table()) {
      CAPTURE(d.name);
      CHECK(static_cast<bool>(d.parse));
      CHECK(static_cast<bool>(d.format));
      CHECK(seen.insert(std::string(d.name)).second);
      if (!d.alias.empty()) CHECK(seen.insert(std::string(d.alias)).second);
      for (char ch : d.name) CHECK_FALSE((ch >= 'A' && ch <= 'Z'));
      // Setting the default text explicitly changes nothing (so Settings{}
      // and the table agree).
      Config c;
      auto args = node::config::SplitArgs(d.default_text);
      REQUIRE(args.has_value());
      if (args->empty()) args->push_back("");
      CHECK(c.Set(d.name, *args, Source::kFile));
      CHECK(c.GetOne(d.name) == defaults.GetOne(d.name));
      CHECK(d.EnvName().starts_with("SHOAL_"));
    }
  }

  TEST_CASE("Settings{} holds the same values as the table's defaults") {
    Config c;
    node::config::Settings fresh;
    Config other;
    other.s = fresh;
    for (const Def& d : Config::Table()) {
      CAPTURE(d.name);
      CHECK(other.GetOne(d.name) == c.GetOne(d.name));
    }
  }

  TEST_CASE("every directive of Debian's redis.conf 7.0 is known") {
    // Directive names found in /etc/redis/redis.conf (commented or not).
    for (const char* n : {"acl-pubsub-default",
                          "aclfile",
                          "acllog-max-len",
                          "active-defrag-cycle-max",
                          "active-defrag-cycle-min",
                          "active-defrag-ignore-bytes",
                          "active-defrag-max-scan-fields",
                          "active-defrag-threshold-lower",
                          "active-defrag-threshold-upper",
                          "active-expire-effort",
                          "activedefrag",
                          "activerehashing",
                          "always-show-logo",
                          "aof-load-truncated",
                          "aof-rewrite-incremental-fsync",
                          "aof-timestamp-enabled",
                          "aof-use-rdb-preamble",
                          "appenddirname",
                          "appendfilename",
                          "appendfsync",
                          "appendonly",
                          "auto-aof-rewrite-min-size",
                          "auto-aof-rewrite-percentage",
                          "bind",
                          "bind-source-addr",
                          "busy-reply-threshold",
                          "client-output-buffer-limit",
                          "client-query-buffer-limit",
                          "cluster-allow-pubsubshard-when-down",
                          "cluster-allow-reads-when-down",
                          "cluster-allow-replica-migration",
                          "cluster-announce-bus-port",
                          "cluster-announce-hostname",
                          "cluster-announce-ip",
                          "cluster-announce-port",
                          "cluster-announce-tls-port",
                          "cluster-config-file",
                          "cluster-enabled",
                          "cluster-link-sendbuf-limit",
                          "cluster-migration-barrier",
                          "cluster-node-timeout",
                          "cluster-port",
                          "cluster-preferred-endpoint-type",
                          "cluster-replica-no-failover",
                          "cluster-replica-validity-factor",
                          "cluster-require-full-coverage",
                          "crash-log-enabled",
                          "crash-memcheck-enabled",
                          "daemonize",
                          "databases",
                          "dbfilename",
                          "dir",
                          "disable-thp",
                          "dynamic-hz",
                          "enable-debug-command",
                          "enable-module-command",
                          "enable-protected-configs",
                          "hash-max-listpack-entries",
                          "hash-max-listpack-value",
                          "hll-sparse-max-bytes",
                          "hz",
                          "ignore-warnings",
                          "io-threads",
                          "io-threads-do-reads",
                          "jemalloc-bg-thread",
                          "latency-monitor-threshold",
                          "latency-tracking",
                          "latency-tracking-info-percentiles",
                          "lazyfree-lazy-eviction",
                          "lazyfree-lazy-expire",
                          "lazyfree-lazy-server-del",
                          "lazyfree-lazy-user-del",
                          "lazyfree-lazy-user-flush",
                          "lfu-decay-time",
                          "lfu-log-factor",
                          "list-compress-depth",
                          "list-max-listpack-size",
                          "loadmodule",
                          "logfile",
                          "loglevel",
                          "lua-time-limit",
                          "masterauth",
                          "masteruser",
                          "maxclients",
                          "maxmemory",
                          "maxmemory-clients",
                          "maxmemory-eviction-tenacity",
                          "maxmemory-policy",
                          "maxmemory-samples",
                          "min-replicas-max-lag",
                          "min-replicas-to-write",
                          "no-appendfsync-on-rewrite",
                          "notify-keyspace-events",
                          "oom-score-adj",
                          "oom-score-adj-values",
                          "pidfile",
                          "port",
                          "proc-title-template",
                          "propagation-error-behavior",
                          "protected-mode",
                          "proto-max-bulk-len",
                          "rdb-del-sync-files",
                          "rdb-save-incremental-fsync",
                          "rdbchecksum",
                          "rdbcompression",
                          "rename-command",
                          "repl-backlog-size",
                          "repl-backlog-ttl",
                          "repl-disable-tcp-nodelay",
                          "repl-diskless-load",
                          "repl-diskless-sync",
                          "repl-diskless-sync-delay",
                          "repl-diskless-sync-max-replicas",
                          "repl-ping-replica-period",
                          "repl-timeout",
                          "replica-announce-ip",
                          "replica-announce-port",
                          "replica-announced",
                          "replica-ignore-disk-write-errors",
                          "replica-ignore-maxmemory",
                          "replica-lazy-flush",
                          "replica-priority",
                          "replica-read-only",
                          "replica-serve-stale-data",
                          "replicaof",
                          "requirepass",
                          "sanitize-dump-payload",
                          "save",
                          "set-max-intset-entries",
                          "set-proc-title",
                          "shutdown-on-sigint",
                          "shutdown-on-sigterm",
                          "shutdown-timeout",
                          "slowlog-log-slower-than",
                          "slowlog-max-len",
                          "socket-mark-id",
                          "stop-writes-on-bgsave-error",
                          "stream-node-max-bytes",
                          "stream-node-max-entries",
                          "supervised",
                          "syslog-enabled",
                          "syslog-facility",
                          "syslog-ident",
                          "tcp-backlog",
                          "tcp-keepalive",
                          "timeout",
                          "tls-auth-clients",
                          "tls-ca-cert-dir",
                          "tls-ca-cert-file",
                          "tls-cert-file",
                          "tls-ciphers",
                          "tls-ciphersuites",
                          "tls-client-cert-file",
                          "tls-client-key-file",
                          "tls-client-key-file-pass",
                          "tls-cluster",
                          "tls-dh-params-file",
                          "tls-key-file",
                          "tls-key-file-pass",
                          "tls-port",
                          "tls-prefer-server-ciphers",
                          "tls-protocols",
                          "tls-replication",
                          "tls-session-cache-size",
                          "tls-session-cache-timeout",
                          "tls-session-caching",
                          "tracking-table-max-keys",
                          "unixsocket",
                          "unixsocketperm",
                          "user",
                          "zset-max-listpack-entries",
                          "zset-max-listpack-value",
                          "slaveof",
                          "server_cpulist",
                          "bio_cpulist",
                          "aof_rewrite_cpulist",
                          "bgsave_cpulist"}) {
      CAPTURE(n);
      CHECK(Config::FindDef(n) != nullptr);
    }
  }

  TEST_CASE("names and aliases are found case-insensitively") {
    CHECK(Config::FindDef("PORT")->name == "port");
    CHECK(Config::FindDef("slaveof")->name == "replicaof");
    CHECK(Config::FindDef("Lua-Time-Limit")->name == "busy-reply-threshold");
    CHECK(Config::FindDef("hash-max-ziplist-entries")->name == "hash-max-listpack-entries");
    CHECK(Config::FindDef("foo") == nullptr);
  }

  TEST_CASE("env names and flags come from the directive name") {
    CHECK(Config::FindDef("cluster-node-timeout")->EnvName() == "SHOAL_CLUSTER_NODE_TIMEOUT");
    CHECK(Config::FindDef("cluster-node-timeout")->FlagName() == "--cluster-node-timeout");
    CHECK(Config::FindDef("shoal-discovery")->EnvName() == "SHOAL_DISCOVERY");
    CHECK(Config::FindDef("shoal-announce-ip")->EnvName() == "SHOAL_ANNOUNCE_IP");
    CHECK(Config::FindDef("server_cpulist")->EnvName() == "SHOAL_SERVER_CPULIST");
  }

  TEST_CASE("CONFIG GET of defaults matches redis-server 7.0.15") {
    // Values observed with `redis-cli CONFIG GET <name>` on a default
    // redis-server 7.0.15 (no config file).
    Config c;
    const std::pair<const char*, const char*> kObserved[] = {
        {"save", "3600 1 300 100 60 10000"},
        {"bind", "* -::*"},
        {"client-output-buffer-limit",
         "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
        {"proto-max-bulk-len", "536870912"},
        {"client-query-buffer-limit", "1073741824"},
        {"repl-backlog-size", "1048576"},
        {"auto-aof-rewrite-min-size", "67108864"},
        {"active-defrag-ignore-bytes", "104857600"},
        {"maxmemory", "0"},
        {"maxmemory-policy", "noeviction"},
        {"maxmemory-clients", "0"},
        {"appendfsync", "everysec"},
        {"appendonly", "no"},
        {"appendfilename", "appendonly.aof"},
        {"appenddirname", "appendonlydir"},
        {"cluster-node-timeout", "15000"},
        {"cluster-config-file", "nodes.conf"},
        {"cluster-preferred-endpoint-type", "ip"},
        {"latency-tracking-info-percentiles", "50 99 99.9"},
        {"oom-score-adj-values", "0 200 800"},
        {"notify-keyspace-events", ""},
        {"shutdown-on-sigterm", "default"},
        {"unixsocketperm", "0"},
        {"replicaof", ""},
        {"slaveof", ""},
        {"loglevel", "notice"},
        {"list-max-listpack-size", "-2"},
        {"list-max-ziplist-size", "-2"},
        {"slowlog-log-slower-than", "10000"},
        {"hz", "10"},
        {"maxclients", "10000"},
        {"databases", "16"},
        {"dbfilename", "dump.rdb"},
        {"requirepass", ""},
        {"repl-diskless-load", "disabled"},
        {"acl-pubsub-default", "resetchannels"},
        {"proc-title-template", "{title} {listen-addr} {server-mode}"},
        {"syslog-facility", "local0"},
        {"tls-auth-clients", "yes"},
        {"busy-reply-threshold", "5000"},
        {"lua-time-limit", "5000"},
        {"port", "6379"},
    };
    for (const auto& observed : kObserved) {  // no structured binding: CAPTURE
      const auto& name = observed.first;      // captures it in a lambda
      const auto& value = observed.second;
      CAPTURE(name);
      CHECK(GetValue(c, name) == value);
    }
  }

  TEST_CASE("CONFIG GET * lists exactly redis-server 7.0.15's names with its defaults") {
    // `redis-cli CONFIG GET *` on redis-server 7.0.15 (dir left out: it is the
    // working directory). protected-mode differs on purpose (see
    // config_table.cc). shoal-* rows are shoal's own.
    const std::string kObserved = R"(acl-pubsub-default	resetchannels
aclfile	
acllog-max-len	128
active-defrag-cycle-max	25
active-defrag-cycle-min	1
active-defrag-ignore-bytes	104857600
active-defrag-max-scan-fields	1000
active-defrag-threshold-lower	10
active-defrag-threshold-upper	100
active-expire-effort	1
activedefrag	no
activerehashing	yes
always-show-logo	no
aof-disable-auto-gc	no
aof-load-truncated	yes
aof-rewrite-incremental-fsync	yes
aof-timestamp-enabled	no
aof-use-rdb-preamble	yes
aof_rewrite_cpulist	
appenddirname	appendonlydir
appendfilename	appendonly.aof
appendfsync	everysec
appendonly	no
auto-aof-rewrite-min-size	67108864
auto-aof-rewrite-percentage	100
bgsave_cpulist	
bind	* -::*
bind-source-addr	
bio_cpulist	
busy-reply-threshold	5000
client-output-buffer-limit	normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60
client-query-buffer-limit	1073741824
cluster-allow-pubsubshard-when-down	yes
cluster-allow-reads-when-down	no
cluster-allow-replica-migration	yes
cluster-announce-bus-port	0
cluster-announce-hostname	
cluster-announce-ip	
cluster-announce-port	0
cluster-announce-tls-port	0
cluster-config-file	nodes.conf
cluster-enabled	no
cluster-link-sendbuf-limit	0
cluster-migration-barrier	1
cluster-node-timeout	15000
cluster-port	0
cluster-preferred-endpoint-type	ip
cluster-replica-no-failover	no
cluster-replica-validity-factor	10
cluster-require-full-coverage	yes
cluster-slave-no-failover	no
cluster-slave-validity-factor	10
crash-log-enabled	yes
crash-memcheck-enabled	yes
daemonize	no
databases	16
dbfilename	dump.rdb
disable-thp	yes
dynamic-hz	yes
enable-debug-command	no
enable-module-command	no
enable-protected-configs	no
hash-max-listpack-entries	512
hash-max-listpack-value	64
hash-max-ziplist-entries	512
hash-max-ziplist-value	64
hll-sparse-max-bytes	3000
hz	10
ignore-warnings	
io-threads	1
io-threads-do-reads	no
jemalloc-bg-thread	yes
latency-monitor-threshold	0
latency-tracking	yes
latency-tracking-info-percentiles	50 99 99.9
lazyfree-lazy-eviction	no
lazyfree-lazy-expire	no
lazyfree-lazy-server-del	no
lazyfree-lazy-user-del	no
lazyfree-lazy-user-flush	no
lfu-decay-time	1
lfu-log-factor	10
list-compress-depth	0
list-max-listpack-size	-2
list-max-ziplist-size	-2
logfile	
loglevel	notice
lua-time-limit	5000
masterauth	
masteruser	
maxclients	10000
maxmemory	0
maxmemory-clients	0
maxmemory-eviction-tenacity	10
maxmemory-policy	noeviction
maxmemory-samples	5
min-replicas-max-lag	10
min-replicas-to-write	0
min-slaves-max-lag	10
min-slaves-to-write	0
no-appendfsync-on-rewrite	no
notify-keyspace-events	
oom-score-adj	no
oom-score-adj-values	0 200 800
pidfile	
port	6379
proc-title-template	{title} {listen-addr} {server-mode}
propagation-error-behavior	ignore
protected-mode	no  # shoal deviation (Redis: yes)
proto-max-bulk-len	536870912
rdb-del-sync-files	no
rdb-save-incremental-fsync	yes
rdbchecksum	yes
rdbcompression	yes
repl-backlog-size	1048576
repl-backlog-ttl	3600
repl-disable-tcp-nodelay	no
repl-diskless-load	disabled
repl-diskless-sync	yes
repl-diskless-sync-delay	5
repl-diskless-sync-max-replicas	0
repl-ping-replica-period	10
repl-ping-slave-period	10
repl-timeout	60
replica-announce-ip	
replica-announce-port	0
replica-announced	yes
replica-ignore-disk-write-errors	no
replica-ignore-maxmemory	yes
replica-lazy-flush	no
replica-priority	100
replica-read-only	yes
replica-serve-stale-data	yes
replicaof	
requirepass	
sanitize-dump-payload	no
save	3600 1 300 100 60 10000
server_cpulist	
set-max-intset-entries	512
set-proc-title	yes
shutdown-on-sigint	default
shutdown-on-sigterm	default
shutdown-timeout	10
slave-announce-ip	
slave-announce-port	0
slave-ignore-maxmemory	yes
slave-lazy-flush	no
slave-priority	100
slave-read-only	yes
slave-serve-stale-data	yes
slaveof	
slowlog-log-slower-than	10000
slowlog-max-len	128
socket-mark-id	0
stop-writes-on-bgsave-error	yes
stream-node-max-bytes	4096
stream-node-max-entries	100
supervised	no
syslog-enabled	no
syslog-facility	local0
syslog-ident	redis
tcp-backlog	511
tcp-keepalive	300
timeout	0
tls-auth-clients	yes
tls-ca-cert-dir	
tls-ca-cert-file	
tls-cert-file	
tls-ciphers	
tls-ciphersuites	
tls-client-cert-file	
tls-client-key-file	
tls-client-key-file-pass	
tls-cluster	no
tls-dh-params-file	
tls-key-file	
tls-key-file-pass	
tls-port	0
tls-prefer-server-ciphers	no
tls-protocols	
tls-replication	no
tls-session-cache-size	20480
tls-session-cache-timeout	300
tls-session-caching	yes
tracking-table-max-keys	1000000
unixsocket	
unixsocketperm	0
zset-max-listpack-entries	128
zset-max-listpack-value	64
zset-max-ziplist-entries	128
zset-max-ziplist-value	64)";
    std::map<std::string, std::string> want;
    std::istringstream in(kObserved);
    std::string line;
    while (std::getline(in, line)) {
      size_t tab = line.find('\t');
      std::string v = line.substr(tab + 1);
      if (size_t hash = v.find("  #"); hash != std::string::npos) v = v.substr(0, hash);
      want[line.substr(0, tab)] = v;
    }
    Config c;
    std::map<std::string, std::string> got;
    for (auto& [n, v] : c.Get("*")) {
      if (n.starts_with("shoal-") || n == "dir") continue;
      got[n] = v;
    }
    CHECK(got.size() == want.size());
    for (const auto& wanted : want) {
      const auto& n = wanted.first;
      const auto& v = wanted.second;
      CAPTURE(n);
      REQUIRE(got.count(n));
      CHECK(got[n] == v);
    }
  }

  TEST_CASE("CONFIG GET after CONFIG SET formats like redis-server 7.0.15") {
    // Each pair (set value -> get value) was observed on redis-server 7.0.15.
    struct Case {
      const char* name;
      const char* set;
      const char* get;
    };
    const Case kCases[] = {
        {"maxmemory", "1gb", "1073741824"},
        {"maxmemory", "1k", "1000"},
        {"maxmemory", "1kb", "1024"},
        {"maxmemory", "1GB", "1073741824"},
        {"maxmemory", "10M", "10000000"},
        {"hz", "0", "1"},
        {"hz", "1000", "500"},
        {"save", "100 10 200 20", "100 10 200 20"},
        {"save", "", ""},
        {"client-output-buffer-limit", "normal 1mb 2mb 3",
         "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
        {"notify-keyspace-events", "KEA", "AKE"},
        {"notify-keyspace-events", "Ex", "xE"},
        {"oom-score-adj-values", "0 100 200", "0 100 200"},
        {"maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"},
        {"appendfsync", "ALWAYS", "always"},
        {"protected-mode", "YES", "yes"},
        {"latency-tracking-info-percentiles", "50 99.5", "50 99.5"},
        {"bind", "127.0.0.1 -::1", "127.0.0.1 -::1"},
        {"shutdown-on-sigterm", "nosave now", "nosave now"},
        {"lua-time-limit", "100", "100"},
        {"maxmemory-clients", "10%", "10%"},
        {"requirepass", "secret", "secret"},
    };
    for (const auto& k : kCases) {
      CAPTURE(k.name);
      CAPTURE(k.set);
      Config c;
      auto st = c.SetFromConfigCommand(k.name, k.set);
      REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.message()));
      CHECK(GetValue(c, k.name) == k.get);
    }
    Config c;
    REQUIRE(c.SetFromConfigCommand("lua-time-limit", "100"));
    CHECK(GetValue(c, "busy-reply-threshold") == "100");
    REQUIRE(c.SetFromConfigCommand("client-output-buffer-limit", "replica 1mb 2mb 3"));
    CHECK(GetValue(c, "client-output-buffer-limit") ==
          "normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60");
  }

  TEST_CASE("CONFIG SET errors read like redis-server 7.0.15") {
    // Error texts observed on redis-server 7.0.15.
    const std::pair<std::pair<const char*, const char*>, const char*> kErrors[] = {
        {{"maxmemory", "abc"},
         "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
         "memory value"},
        {{"maxmemory", "-1"},
         "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
         "memory value"},
        {{"maxmemory", "1.5gb"},
         "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
         "memory value"},
        {{"port", "70000"},
         "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between "
         "0 and 65535 inclusive"},
        {{"port", "abc"},
         "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be "
         "parsed into an integer"},
        {{"cluster-enabled", "yes"},
         "ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set "
         "immutable config"},
        {{"appendonly", "maybe"},
         "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be "
         "'yes' or 'no'"},
        {{"maxmemory-policy", "foo"},
         "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) "
         "must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
         "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
        {{"loglevel", "bogus"},
         "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be "
         "one of the following: debug, verbose, notice, warning"},
        {{"foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
        {{"databases", "3"},
         "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
         "config"},
        {{"save", "100"},
         "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
        {{"timeout", "-1"},
         "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be "
         "between 0 and 2147483647 inclusive"},
        {{"repl-backlog-size", "0"},
         "ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument "
         "must be between 1 and 9223372036854775807 inclusive"},
        {{"maxclients", "0"},
         "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be "
         "between 1 and 4294967295 inclusive"},
        {{"proto-max-bulk-len", "100"},
         "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
         "must be between 1048576 and 9223372036854775807 inclusive"},
        {{"slowlog-log-slower-than", "-5"},
         "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - "
         "argument must be between -1 and 9223372036854775807 inclusive"},
        {{"dir", "/nonexistent"},
         "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
         "config"},
        {{"replicaof", "127.0.0.1 1"},
         "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable "
         "config"},
        {{"cluster-announce-hostname", "bad name"},
         "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - "
         "Hostnames may only contain alphanumeric characters, hyphens or dots"},
        {{"proc-title-template", "{foo}"},
         "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template "
         "format is invalid or contains unknown variables"},
    };
    for (const auto& err : kErrors) {
      const auto& nv = err.first;
      const auto& want = err.second;
      CAPTURE(nv.first);
      Config c;
      auto st = c.SetFromConfigCommand(nv.first, nv.second);
      REQUIRE_FALSE(st.ok());
      CHECK(st.message() == want);
    }
  }

  TEST_CASE("enable-protected-configs local lets only a local client set protected configs") {
    // Observed on redis-server 7.0.15 from 127.0.0.1 and from 127.0.0.13.
    const std::string refused =
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config";
    for (const auto& row : {std::tuple{"no", false, false}, std::tuple{"local", true, false},
                            std::tuple{"yes", true, true}}) {
      // Not a structured binding: clang cannot capture one in CAPTURE's lambda.
      const char* mode = std::get<0>(row);
      bool local_ok = std::get<1>(row), remote_ok = std::get<2>(row);
      CAPTURE(mode);
      Config c;
      REQUIRE(c.Set("enable-protected-configs", {mode}, Source::kFile));
      auto remote = c.SetFromConfigCommand("dir", "/tmp", false);
      CHECK(remote.ok() == remote_ok);
      if (!remote_ok) CHECK(remote.message() == refused);
      auto local = c.SetFromConfigCommand("dir", "/tmp", true);
      CHECK(local.ok() == local_ok);
      if (!local_ok) CHECK(local.message() == refused);
    }
  }

  TEST_CASE("CONFIG SET of several pairs is all or nothing and refuses duplicates") {
    Config c;
    std::vector<std::string> ok = {"maxmemory", "0", "hz", "20"};
    CHECK(c.SetManyFromConfigCommand(ok));
    CHECK(c.s.hz == 20);
    std::vector<std::string> dup = {"maxmemory", "0", "hz", "20", "maxmemory", "1"};
    auto st = c.SetManyFromConfigCommand(dup);
    REQUIRE_FALSE(st.ok());
    // Observed on redis-server 7.0.15.
    CHECK(st.message() ==
          "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate "
          "parameter");
    std::vector<std::string> bad = {"hz", "30", "port", "abc"};
    CHECK_FALSE(c.SetManyFromConfigCommand(bad).ok());
    CHECK(c.s.hz == 20);  // rolled back
  }

  TEST_CASE("CONFIG SET runs OnApply hooks once and rolls back when one refuses") {
    Config c;
    int runs = 0;
    bool refuse = false;
    std::string_view names[] = {"tls-cert-file", "tls-key-file"};
    c.OnApply(names, [&] {
      ++runs;
      return refuse ? node::base::Status::Error(
                          "Unable to update TLS configuration. Check server logs.")
                    : node::base::Status::Ok();
    });
    std::vector<std::string> both = {"tls-cert-file", "/a.crt", "tls-key-file", "/a.key"};
    REQUIRE(c.SetManyFromConfigCommand(both).ok());
    CHECK(runs == 1);
    CHECK(c.s.tls_cert_file == "/a.crt");
    refuse = true;
    auto st = c.SetFromConfigCommand("tls-cert-file", "/b.crt");
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() ==
          "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to "
          "update TLS configuration. Check server logs.");
    CHECK(c.s.tls_cert_file == "/a.crt");
    CHECK(runs == 2);
  }

  TEST_CASE("typed values land in their Settings members") {
    Config c;
    CHECK(c.Set("port", {"7000"}, Source::kFile));
    CHECK(c.s.port == 7000);
    CHECK(c.Set("maxmemory", {"100mb"}, Source::kFile));
    CHECK(c.s.maxmemory == 100u * 1024 * 1024);
    CHECK(c.Set("maxmemory-policy", {"allkeys-lfu"}, Source::kFile));
    CHECK(c.s.maxmemory_policy == node::config::MaxmemoryPolicy::kAllkeysLfu);
    CHECK(c.Set("slave-read-only", {"no"}, Source::kFile));
    CHECK_FALSE(c.s.replica_read_only);
    CHECK(c.Set("replicaof", {"10.0.0.1", "6379"}, Source::kFile));
    CHECK(c.s.replicaof.host == "10.0.0.1");
    CHECK(c.s.replicaof.port == 6379);
    CHECK(GetValue(c, "slaveof") == "10.0.0.1 6379");
    CHECK(c.Set("client-output-buffer-limit", {"pubsub", "1kb", "2k", "5"}, Source::kFile));
    CHECK(c.s.client_output_buffer_limit_pubsub.hard == 1024);
    CHECK(c.s.client_output_buffer_limit_pubsub.soft == 2000);
    CHECK(c.s.client_output_buffer_limit_pubsub.soft_seconds == 5);
    CHECK(c.Set("shoal-announce-ip", {"10.1.2.3"}, Source::kEnv));
    CHECK(c.s.cluster_announce_ip == "10.1.2.3");
    CHECK(c.Set("unixsocketperm", {"700"}, Source::kFile));
    CHECK(c.s.unixsocketperm == 0700);
    CHECK(GetValue(c, "unixsocketperm") == "700");
  }

  TEST_CASE("bad values name what is allowed") {
    Config c;
    auto st = c.Set("cluster-node-timeout", {"abc"}, Source::kEnv);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "argument couldn't be parsed into an integer");
    st = c.Set("port", {"1", "2"}, Source::kFile);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "wrong number of arguments");
    st = c.Set("nope", {"1"}, Source::kFile);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message() == "unknown directive 'nope'");
    st = c.Set("shoal-discovery", {"dns:"}, Source::kEnv);
    CHECK_FALSE(st.ok());
    st = c.Set("shoal-discovery", {"static:a:1,b:x"}, Source::kEnv);
    CHECK_FALSE(st.ok());
    CHECK(c.Set("shoal-discovery", {"static:a:1,b:7000"}, Source::kEnv));
    CHECK(c.Set("shoal-discovery", {"dns:node"}, Source::kEnv));
    CHECK_FALSE(c.Set("shutdown-on-sigint", {"save", "nosave"}, Source::kFile).ok());
    CHECK_FALSE(
        c.Set("bind",
              {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"},
              Source::kFile)
            .ok());
  }

  TEST_CASE("save lines add up within a file and replace the defaults") {
    Config c;
    CHECK(c.Set("save", {"900", "1"}, Source::kFile));
    CHECK(c.Set("save", {"300", "10"}, Source::kFile));
    CHECK(GetValue(c, "save") == "900 1 300 10");
    CHECK(c.Set("save", {"60", "5"}, Source::kEnv));  // another source replaces
    CHECK(GetValue(c, "save") == "60 5");
    CHECK(c.Set("save", {""}, Source::kFlag));
    CHECK(c.s.save.empty());
  }

  TEST_CASE("CONFIG GET matches globs on names and aliases") {
    Config c;
    auto v = c.Get("*max-*-entries");
    std::set<std::string> names;
    for (auto& [n, val] : v) names.insert(n);
    CHECK(names.count("hash-max-listpack-entries"));
    CHECK(names.count("hash-max-ziplist-entries"));
    CHECK(names.count("zset-max-ziplist-entries"));
    CHECK(c.Get("rename-command").empty());  // file-only, like Redis
    CHECK(c.Get("nothing-like-this").empty());
    auto all = c.Get("*");
    CHECK(all.size() > 180);
  }

  TEST_CASE("Validate refuses features not built yet with one line") {
    Config c;
    CHECK(c.Validate());
    CHECK(c.Set("unixsocket", {"/tmp/shoal.sock"}, Source::kFile));
    auto st = c.Validate();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().starts_with("unixsocket /tmp/shoal.sock: "));

    Config t;
    CHECK(t.Set("tls-port", {"6380"}, Source::kFile));
    CHECK(t.Validate());  // TLS is built (node/net)

    Config d;
    CHECK(d.Set("daemonize", {"yes"}, Source::kFile));
    st = d.Validate();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().starts_with("daemonize yes: "));

    Config r;
    CHECK(r.Set("replicaof", {"h", "1"}, Source::kFile));
    CHECK(r.Validate());  // fine for a standalone node
    CHECK(r.Set("cluster-enabled", {"yes"}, Source::kFile));
    CHECK_FALSE(r.Validate().ok());  // not in cluster mode, like Redis

    Config z;
    CHECK(z.Set("shoal-cluster-size", {"1"}, Source::kEnv));
    CHECK_FALSE(z.Validate().ok());
    CHECK(z.Set("shoal-replicas", {"0"}, Source::kEnv));
    CHECK(z.Validate());
  }

  TEST_CASE("Dump redacts secrets only when asked and shows sources") {
    Config c;
    CHECK(c.Set("requirepass", {"hunter2"}, Source::kEnv));
    std::string redacted = c.Dump(true);
    CHECK(redacted.find("hunter2") == std::string::npos);
    CHECK(redacted.find("requirepass (redacted) (env)") != std::string::npos);
    CHECK(c.Dump(false).find("requirepass hunter2 (env)") != std::string::npos);
    CHECK(GetValue(c, "requirepass") == "hunter2");  // CONFIG GET shows it, as Redis does
    CHECK(c.Dump(true, true) == "requirepass (redacted) (env)\n");
  }

  TEST_CASE("change hooks run after a successful set") {
    Config c;
    int calls = 0;
    c.OnChange("maxmemory", [&] { ++calls; });
    CHECK(c.SetFromConfigCommand("maxmemory", "1mb"));
    CHECK_FALSE(c.SetFromConfigCommand("maxmemory", "x").ok());
    CHECK(calls == 1);
    c.OnChange("lua-time-limit", [&] { calls += 10; });  // alias resolves to the row
    CHECK(c.SetFromConfigCommand("busy-reply-threshold", "10"));
    CHECK(calls == 11);
  }

  TEST_CASE("Rewrite keeps comments and unknown lines and writes like redis-server 7.0") {
    // Shape observed from CONFIG REWRITE on redis-server 7.0.15: lines of set
    // options are replaced in place, aliases become the canonical name, new
    // options follow "# Generated by CONFIG REWRITE", strings are quoted.
    const std::string old =
        "# my comment\n"
        "port 27393\n"
        "bind 127.0.0.1\n"
        "save 900 1\n"
        "save 300 10\n"
        "maxmemory 1gb\n"
        "lua-time-limit 3000\n"
        "slave-read-only yes\n"
        "some-future-directive 1\n";
    Config c;
    for (auto& line : {"port 27393", "bind 127.0.0.1", "save 900 1", "save 300 10", "maxmemory 1gb",
                       "lua-time-limit 3000", "slave-read-only yes"}) {
      auto args = *node::config::SplitArgs(line);
      std::string name = args[0];
      args.erase(args.begin());
      REQUIRE(c.Set(name, args, Source::kFile));
    }
    REQUIRE(c.SetFromConfigCommand("maxmemory", "0"));
    REQUIRE(c.SetFromConfigCommand("requirepass", "sec ret\"x"));
    REQUIRE(c.SetFromConfigCommand("maxmemory-policy", "allkeys-lru"));
    REQUIRE(c.SetFromConfigCommand("client-output-buffer-limit", "normal 1mb 2mb 3"));
    REQUIRE(c.SetFromConfigCommand("notify-keyspace-events", "KEA"));
    REQUIRE(c.SetFromConfigCommand("lua-time-limit", "5000"));
    REQUIRE(c.SetFromConfigCommand("maxmemory-clients", "10%"));
    c.s.dir = "/tmp/cfgdir";
    std::string text = c.RewriteText(old);
    CHECK(
        text.starts_with("# my comment\n"
                         "port 27393\n"
                         "bind 127.0.0.1\n"
                         "save 900 1\n"
                         "save 300 10\n"
                         "maxmemory 0\n"
                         "busy-reply-threshold 5000\n"
                         "replica-read-only yes\n"
                         "some-future-directive 1\n"
                         "\n"
                         "# Generated by CONFIG REWRITE\n"));
    CHECK(text.find("\nclient-output-buffer-limit normal 1mb 2mb 3\n") != std::string::npos);
    CHECK(text.find("\nnotify-keyspace-events \"AKE\"\n") != std::string::npos);
    CHECK(text.find("\nmaxmemory-clients 10%\n") != std::string::npos);
    CHECK(text.find("\nmaxmemory-policy allkeys-lru\n") != std::string::npos);
    CHECK(text.find("\ndir \"/tmp/cfgdir\"\n") != std::string::npos);
    CHECK(text.find("\nrequirepass \"sec ret\\\"x\"\n") != std::string::npos);
    CHECK(text.find("shoal-announce-ip") == std::string::npos);

    // Round trip: reading the rewritten text back gives the same values.
    Config back;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      auto args = node::config::SplitArgs(line);
      REQUIRE(args.has_value());
      if (args->empty() || (*args)[0][0] == '#' || (*args)[0] == "some-future-directive") continue;
      std::string name = (*args)[0];
      args->erase(args->begin());
      auto st = back.Set(name, *args, Source::kFile);
      REQUIRE_MESSAGE(st.ok(), line);
    }
    for (const Def& d : Config::Table()) {
      CAPTURE(d.name);
      CHECK(back.GetOne(d.name) == c.GetOne(d.name));
    }
    // Rewriting again changes nothing.
    CHECK(back.RewriteText(text) == text);
  }

  TEST_CASE("Rewrite writes the file atomically and can read it back") {
    char tmpl[] = "/tmp/shoal_cfg_rewrite_XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    {
      std::ofstream f(tmpl);
      f << "# hello\nport 7001\n";
    }
    Config c;
    REQUIRE(c.Set("port", {"7001"}, Source::kFile));
    REQUIRE(c.SetFromConfigCommand("maxmemory", "2gb"));
    REQUIRE(c.Rewrite(tmpl));
    std::ifstream f(tmpl);
    std::stringstream ss;
    ss << f.rdbuf();
    CHECK(ss.str().starts_with("# hello\nport 7001\n\n# Generated by CONFIG REWRITE\n"));
    CHECK(ss.str().find("\nmaxmemory 2gb\n") != std::string::npos);
    std::remove(tmpl);
  }
}
