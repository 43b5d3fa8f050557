// node/config/config.h
//
// The configuration table (one row per directive: name, alias, type, default,
// CONFIG SET mutability, secrecy, env var, CLI flag, "feature not built yet"
// hook) and the live values (Settings, one typed member per directive, named
// after the directive with '-' -> '_').
//
// Who calls it: entrypoint/config fills a Config from defaults, a redis.conf
// file, SHOAL_* env and flags, then calls Validate() before the node starts.
// After start the engine thread owns the Config: it reads `s` directly and
// serves CONFIG GET/SET/REWRITE through Get/SetFromConfigCommand/Rewrite. Not
// thread-safe: the control plane reads the values it needs (shoal-*) before
// the engine starts, or asks the engine thread.
//
// Invariants:
//  - every row's default text parses, and Settings{} already holds it
//    (config_test.cc walks the table);
//  - names and aliases are unique, lower case; a value in `s` always passed
//    its row's parser (ranges, enums).

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/base/result.h"

namespace node::config {

// Where a value came from (precedence grows downwards; kConfigSet at runtime).
enum class Source { kDefault, kFile, kEnv, kFlag, kConfigSet };
std::string_view SourceName(Source src);

enum class Type { kBool, kInt, kMemory, kString, kEnum, kSpecial };

// --- Enumerated values (Redis's spellings, in Redis's order) ---------------
enum class MaxmemoryPolicy {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoeviction
};
enum class Appendfsync { kAlways, kEverysec, kNo };
enum class Loglevel { kDebug, kVerbose, kNotice, kWarning };
enum class ReplDisklessLoad { kDisabled, kOnEmptyDb, kSwapdb };
enum class Supervised { kUpstart, kSystemd, kAuto, kNo };
enum class OomScoreAdj { kNo, kYes, kRelative, kAbsolute };
enum class AclPubsubDefault { kAllchannels, kResetchannels };
enum class SanitizeDumpPayload { kNo, kYes, kClients };
enum class PropagationErrorBehavior { kIgnore, kPanic, kPanicOnReplicas };
enum class PreferredEndpointType { kIp, kHostname, kUnknownEndpoint };
enum class EnableCommand { kNo, kYes, kLocal };  // enable-debug-command & co.

// Redis's allowProtectedAction: "yes", or "local" and a client connected from
// the loopback address (127.0.0.1 or ::1; the caller decides, it knows the peer).
inline bool ProtectedActionAllowed(EnableCommand mode, bool local_client) {
  return mode == EnableCommand::kYes || (mode == EnableCommand::kLocal && local_client);
}
enum class TlsAuthClients { kNo, kYes, kOptional };
enum class SyslogFacility {
  kUser,
  kLocal0,
  kLocal1,
  kLocal2,
  kLocal3,
  kLocal4,
  kLocal5,
  kLocal6,
  kLocal7
};

// shutdown-on-sigint / shutdown-on-sigterm bits (0 = "default").
inline constexpr int kShutdownSave = 1, kShutdownNoSave = 2, kShutdownNow = 4, kShutdownForce = 8;

// notify-keyspace-events bits.
inline constexpr int64_t kNotifyKeyspace = 1 << 0, kNotifyKeyevent = 1 << 1,
                         kNotifyGeneric = 1 << 2, kNotifyString = 1 << 3, kNotifyList = 1 << 4,
                         kNotifySet = 1 << 5, kNotifyHash = 1 << 6, kNotifyZset = 1 << 7,
                         kNotifyExpired = 1 << 8, kNotifyEvicted = 1 << 9, kNotifyStream = 1 << 10,
                         kNotifyKeyMiss = 1 << 11, kNotifyModule = 1 << 12, kNotifyNew = 1 << 13;

struct SaveParam {
  int64_t seconds = 0;
  int64_t changes = 0;
  bool operator==(const SaveParam&) const = default;
};

struct ClientOutputBufferLimit {
  uint64_t hard = 0;
  uint64_t soft = 0;
  int64_t soft_seconds = 0;
  bool operator==(const ClientOutputBufferLimit&) const = default;
};

struct ReplicaOf {
  std::string host;  // empty: not a replica
  int64_t port = 0;
};

// The live values. Defaults are Redis 7.0's except where shoal must differ to
// need no configuration in a container (see kShoalDefaultDeviations in
// config_table.cc): protected-mode no. (cluster-enabled keeps Redis's "no";
// the entrypoint is expected to turn it on for a cluster node.)
struct Settings {
  // network
  int64_t port = 6379;
  std::vector<std::string> bind = {"*", "-::*"};
  std::string bind_source_addr;
  bool protected_mode = false;
  int64_t tcp_backlog = 511;
  int64_t tcp_keepalive = 300;
  int64_t timeout = 0;
  int64_t socket_mark_id = 0;
  std::string unixsocket;
  int64_t unixsocketperm = 0;  // octal in text
  int64_t maxclients = 10000;
  uint64_t proto_max_bulk_len = 512ull << 20;
  uint64_t client_query_buffer_limit = 1ull << 30;
  ClientOutputBufferLimit client_output_buffer_limit_normal{0, 0, 0};
  ClientOutputBufferLimit client_output_buffer_limit_replica{256ull << 20, 64ull << 20, 60};
  ClientOutputBufferLimit client_output_buffer_limit_pubsub{32ull << 20, 8ull << 20, 60};
  int64_t io_threads = 1;
  bool io_threads_do_reads = false;
  // tls (node/net builds the contexts; tls-port is the TLS client listener)
  int64_t tls_port = 0;
  std::string tls_cert_file, tls_key_file, tls_key_file_pass, tls_client_cert_file,
      tls_client_key_file, tls_client_key_file_pass, tls_dh_params_file, tls_ca_cert_file,
      tls_ca_cert_dir, tls_protocols, tls_ciphers, tls_ciphersuites;
  TlsAuthClients tls_auth_clients = TlsAuthClients::kYes;
  bool tls_replication = false;
  bool tls_cluster = false;
  bool tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  int64_t tls_session_cache_size = 20480;
  int64_t tls_session_cache_timeout = 300;
  // general
  bool daemonize = false;
  Supervised supervised = Supervised::kNo;
  std::string pidfile;
  Loglevel loglevel = Loglevel::kNotice;
  std::string logfile;
  bool syslog_enabled = false;
  std::string syslog_ident = "redis";
  SyslogFacility syslog_facility = SyslogFacility::kLocal0;
  bool crash_log_enabled = true;
  bool crash_memcheck_enabled = true;
  int64_t databases = 16;  // cluster mode only uses db 0
  bool always_show_logo = false;
  bool set_proc_title = true;
  std::string proc_title_template = "{title} {listen-addr} {server-mode}";
  std::string ignore_warnings;
  EnableCommand enable_protected_configs = EnableCommand::kNo;
  EnableCommand enable_debug_command = EnableCommand::kNo;
  EnableCommand enable_module_command = EnableCommand::kNo;
  std::string server_cpulist, bio_cpulist, aof_rewrite_cpulist, bgsave_cpulist;
  bool disable_thp = true;
  bool jemalloc_bg_thread = true;
  int64_t hz = 10;
  bool dynamic_hz = true;
  std::vector<std::vector<std::string>> rename_command;  // each {old, new}
  std::vector<std::vector<std::string>> loadmodule;      // each {path, args...}
  // snapshotting
  std::vector<SaveParam> save = {{3600, 1}, {300, 100}, {60, 10000}};
  bool stop_writes_on_bgsave_error = true;
  bool rdbcompression = true;
  bool rdbchecksum = true;
  SanitizeDumpPayload sanitize_dump_payload = SanitizeDumpPayload::kNo;
  std::string dbfilename = "dump.rdb";
  bool rdb_del_sync_files = false;
  std::string dir;  // empty = the working directory at start
  bool rdb_save_incremental_fsync = true;
  // replication
  ReplicaOf replicaof;
  std::string masterauth;
  std::string masteruser;
  bool replica_serve_stale_data = true;
  bool replica_read_only = true;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  int64_t repl_diskless_sync_max_replicas = 0;
  ReplDisklessLoad repl_diskless_load = ReplDisklessLoad::kDisabled;
  int64_t repl_ping_replica_period = 10;
  int64_t repl_timeout = 60;
  bool repl_disable_tcp_nodelay = false;
  uint64_t repl_backlog_size = 1ull << 20;
  int64_t repl_backlog_ttl = 3600;
  int64_t replica_priority = 100;
  bool replica_announced = true;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;
  bool replica_ignore_maxmemory = true;
  bool replica_lazy_flush = false;
  bool replica_ignore_disk_write_errors = false;
  PropagationErrorBehavior propagation_error_behavior = PropagationErrorBehavior::kIgnore;
  // security
  std::string requirepass;
  std::string aclfile;
  int64_t acllog_max_len = 128;
  AclPubsubDefault acl_pubsub_default = AclPubsubDefault::kResetchannels;
  std::vector<std::vector<std::string>> user;  // ACL "user" lines from a file
  // memory
  uint64_t maxmemory = 0;
  MaxmemoryPolicy maxmemory_policy = MaxmemoryPolicy::kNoeviction;
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t maxmemory_clients = 0;  // bytes; negative = percent of maxmemory
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  OomScoreAdj oom_score_adj = OomScoreAdj::kNo;
  std::vector<int64_t> oom_score_adj_values = {0, 200, 800};
  // append only file
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  Appendfsync appendfsync = Appendfsync::kEverysec;
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  uint64_t auto_aof_rewrite_min_size = 64ull << 20;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_rewrite_incremental_fsync = true;
  bool aof_disable_auto_gc = false;
  // shutdown, scripting
  int64_t shutdown_timeout = 10;
  int shutdown_on_sigint = 0;           // kShutdown* bits
  int shutdown_on_sigterm = 0;          // kShutdown* bits
  int64_t busy_reply_threshold = 5000;  // alias lua-time-limit
  // cluster
  bool cluster_enabled = false;
  std::string cluster_config_file = "nodes.conf";
  int64_t cluster_node_timeout = 15000;
  int64_t cluster_port = 0;
  int64_t cluster_replica_validity_factor = 10;
  int64_t cluster_migration_barrier = 1;
  bool cluster_allow_replica_migration = true;
  bool cluster_require_full_coverage = true;
  bool cluster_replica_no_failover = false;
  bool cluster_allow_reads_when_down = false;
  bool cluster_allow_pubsubshard_when_down = true;
  uint64_t cluster_link_sendbuf_limit = 0;
  std::string cluster_announce_hostname;
  PreferredEndpointType cluster_preferred_endpoint_type = PreferredEndpointType::kIp;
  std::string cluster_announce_ip;
  int64_t cluster_announce_port = 0;
  int64_t cluster_announce_tls_port = 0;
  int64_t cluster_announce_bus_port = 0;
  // logs, latency, events
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};
  int64_t notify_keyspace_events = 0;  // kNotify* bits
  // encodings
  int64_t hash_max_listpack_entries = 512;
  uint64_t hash_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  uint64_t zset_max_listpack_value = 64;
  uint64_t hll_sparse_max_bytes = 3000;
  uint64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  bool activerehashing = true;
  int64_t tracking_table_max_keys = 1000000;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  int64_t active_expire_effort = 1;
  // active defrag
  bool activedefrag = false;
  uint64_t active_defrag_ignore_bytes = 100ull << 20;
  int64_t active_defrag_threshold_lower = 10;
  int64_t active_defrag_threshold_upper = 100;
  int64_t active_defrag_cycle_min = 1;
  int64_t active_defrag_cycle_max = 25;
  int64_t active_defrag_max_scan_fields = 1000;
  // shoal's own (file/CONFIG names "shoal-*", env SHOAL_*)
  std::string shoal_discovery;  // "", "dns:NAME" or "static:host:port,..."
  int64_t shoal_cluster_size = 6;
  int64_t shoal_replicas = 1;
  int64_t shoal_http_port = 8080;
  int64_t shoal_shutdown_timeout = 8;     // seconds
  int64_t shoal_busy_poll_us = 50;        // engine loop's poll-before-sleep cap (busy_poll.h)
  int64_t shoal_forget_after = 3600;      // seconds failed before CLUSTER FORGET; 0 = never
  bool shoal_config_get_secrets = false;  // CONFIG GET shows kSecret values (Redis does)
  // shoal-announce-ip has no member: it writes cluster_announce_ip.
};

// Row flags.
inline constexpr uint32_t kImmutable = 1 << 0;   // CONFIG SET refuses
inline constexpr uint32_t kSecret = 1 << 1;      // redacted in logs (Dump(true))
inline constexpr uint32_t kProtected = 1 << 2;   // CONFIG SET refuses (enable-protected-configs)
inline constexpr uint32_t kMultiArg = 1 << 3;    // takes several arguments on a line
inline constexpr uint32_t kAccumulate = 1 << 4;  // repeated file lines add up (save, user...)
inline constexpr uint32_t kHidden = 1 << 5;      // not listed by CONFIG GET / rewrite (file only)
inline constexpr uint32_t kNoRewrite = 1 << 6;   // mirrors another row; never written back

struct Def;
// Parses args into s. `append` is true for the 2nd+ line of a kAccumulate
// directive in one file. Returns Redis's reason text on error.
using ParseFn = base::Status (*)(const Def& d, Settings& s, const std::vector<std::string>& args,
                                 bool append);
// CONFIG GET text.
using FormatFn = std::string (*)(const Def& d, const Settings& s);
// CONFIG REWRITE lines after the name (already quoted); empty = write nothing.
using RewriteFn = std::vector<std::string> (*)(const Def& d, const Settings& s);
// Returns "" when the current value needs nothing missing, else one line like
// "appendonly yes: the AOF is not built yet in this version of shoal".
using NotBuiltFn = std::string (*)(const Settings& s);
// Normalises after a successful parse (e.g. hz clamped to 1..500).
using FixupFn = void (*)(Settings& s);

struct Def {
  std::string_view name;
  std::string_view alias;  // "" when none
  Type type = Type::kString;
  std::string_view default_text;  // as written in redis.conf
  uint32_t flags = 0;
  int64_t min = 0, max = 0;                  // kInt / kMemory
  std::span<const std::string_view> values;  // kEnum (and multi-flag specials)
  ParseFn parse = nullptr;
  FormatFn format = nullptr;
  RewriteFn rewrite = nullptr;     // nullptr: one line with the quoted CONFIG GET text
  NotBuiltFn not_built = nullptr;  // the "feature not built yet" hook; drop it when it lands
  FixupFn fixup = nullptr;
  std::string_view help;

  bool is_mutable() const { return !(flags & (kImmutable | kProtected)); }
  bool secret() const { return flags & kSecret; }
  // SHOAL_ + upper-case name with '-' -> '_' ("shoal-" prefix dropped):
  // cluster-node-timeout -> SHOAL_CLUSTER_NODE_TIMEOUT, shoal-discovery -> SHOAL_DISCOVERY.
  std::string EnvName() const;
  // "--cluster-node-timeout".
  std::string FlagName() const;

  // Builder helpers used by the table.
  Def& Alias(std::string_view a) {
    alias = a;
    return *this;
  }
  Def& Flags(uint32_t f) {
    flags |= f;
    return *this;
  }
  Def& NotBuilt(NotBuiltFn f) {
    not_built = f;
    return *this;
  }
  Def& Fixup(FixupFn f) {
    fixup = f;
    return *this;
  }
  Def& Help(std::string_view h) {
    help = h;
    return *this;
  }
};

class Config {
 public:
  Config();  // every row at its default

  Settings s;  // live values, read by the engine thread

  static const std::vector<Def>& Table();
  // Name or alias, case-insensitive; nullptr when unknown.
  static const Def* FindDef(std::string_view name);
  const Def* Find(std::string_view name) const { return FindDef(name); }

  // Parses, checks and stores. Errors are Redis's reason texts ("argument
  // must be between 0 and 65535 inclusive"); an unknown name gives
  // "unknown directive '<name>'". Does not run the not-built hooks (Validate
  // does, once every source is in).
  base::Status Set(std::string_view name, const std::vector<std::string>& args, Source src);

  // CONFIG SET name value: the value is split into arguments for multi-arg
  // rows. Errors are complete RESP error texts, as Redis 7.0 words them:
  // "ERR CONFIG SET failed (possibly related to argument '<name>') - <reason>".
  // Values needing a feature not built yet are refused the same way.
  // Protected rows (dir, dbfilename, ...) follow enable-protected-configs;
  // under "local" only a `local_client` (one on the loopback address) may set them.
  base::Status SetFromConfigCommand(std::string_view name, std::string_view value,
                                    bool local_client = false);
  // CONFIG SET name value [name value ...]: all or nothing, like Redis 7.0.
  base::Status SetManyFromConfigCommand(std::span<const std::string> name_values,
                                        bool local_client = false);

  // CONFIG GET pattern: (name, value) for every row whose name or alias
  // matches (aliases listed under their own name), Redis formatting.
  std::vector<std::pair<std::string, std::string>> Get(std::string_view glob) const;
  // The CONFIG GET text of one row (name or alias); "" when unknown.
  std::string GetOne(std::string_view name) const;

  // Cross-field checks and "not built yet" hooks. One line, naming the
  // setting and the value.
  base::Status Validate() const;

  // CONFIG REWRITE: rewrites `path` keeping comments and unknown lines,
  // replacing the first line of each changed directive (aliases too), blanking
  // its other lines, appending new ones after "# Generated by CONFIG REWRITE".
  // Atomic (temp file + fsync + rename). The error is the bare reason
  // (strerror text); the command adds "ERR Rewriting config file: ".
  base::Status Rewrite(const std::string& path) const;
  // The text Rewrite would write, given the old file's content.
  std::string RewriteText(std::string_view old_content) const;

  // Effective configuration, one "name value (source)" per line, for the
  // startup log. Secrets print as "(redacted)" when asked.
  // only_set: just the rows some source set (shorter startup logs).
  std::string Dump(bool redact_secrets, bool only_set = false) const;

  // Apply hooks: called (on the caller's thread) after `name` changed through
  // Set/SetFromConfigCommand.
  void OnChange(std::string_view name, std::function<void()> cb);
  // Apply hooks that may refuse (like Redis's apply functions): after CONFIG
  // SET parsed every value, each distinct hook among the changed names runs
  // once; an error restores all values and is the reason CONFIG SET reports.
  // One hook shared by several names (the tls-* files) runs once per SET.
  void OnApply(std::span<const std::string_view> names, std::function<base::Status()> fn);

  Source source_of(std::string_view name) const;

 private:
  base::Status SetRow(const Def& d, const std::vector<std::string>& args, Source src);
  void Notify(const Def& d);

  std::vector<Source> sources_;  // per row, last source that set it
  std::map<std::string, std::vector<std::function<void()>>, std::less<>> hooks_;
  std::map<std::string, std::shared_ptr<std::function<base::Status()>>, std::less<>> appliers_;
};

}  // namespace node::config
