// node/commands/server_cmds.cc
//
// Server commands: INFO, CONFIG, TIME, LASTSAVE, DEBUG, SLOWLOG, MEMORY,
// SHUTDOWN, MONITOR. Registered in command_table.cc.

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "node/acl/protected_mode.h"
#include "node/base/clock.h"
#include "node/base/memory.h"
#include "node/base/strings.h"
#include "node/commands/command_table.h"
#include "node/commands/handlers.h"
#include "node/commands/helpers.h"
#include "node/commands/latency.h"
#include "node/commands/pubsub_handlers.h"
#include "node/commands/tracking.h"
#include "node/config/config.h"
#include "node/repl/replication.h"
#include "node/script/scripting.h"

namespace node::commands {

namespace {

void HelpReply(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply().ArrayHeader(lines.size());
  for (auto* l : lines) ctx.reply().Simple(l);
}

std::string HumanBytes(uint64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) {
    snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024ull * 1024) {
    snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < 1024ull * 1024 * 1024) {
    snprintf(buf, sizeof(buf), "%.2fM", d / (1024 * 1024));
  } else {
    snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  }
  return buf;
}

const char* PolicyName(db::EvictionPolicy p) {
  switch (p) {
    case db::EvictionPolicy::kNoEviction:
      return "noeviction";
    case db::EvictionPolicy::kAllKeysLru:
      return "allkeys-lru";
    case db::EvictionPolicy::kAllKeysLfu:
      return "allkeys-lfu";
    case db::EvictionPolicy::kAllKeysRandom:
      return "allkeys-random";
    case db::EvictionPolicy::kVolatileLru:
      return "volatile-lru";
    case db::EvictionPolicy::kVolatileLfu:
      return "volatile-lfu";
    case db::EvictionPolicy::kVolatileRandom:
      return "volatile-random";
    case db::EvictionPolicy::kVolatileTtl:
      return "volatile-ttl";
  }
  return "noeviction";
}

using Line = std::pair<std::string, std::string>;

std::string Section(const char* title, const std::vector<Line>& lines) {
  std::string s = "# ";
  s += title;
  s += "\r\n";
  for (auto& [k, v] : lines) s += k + ":" + v + "\r\n";
  return s;
}

std::string ServerSection(Engine& eng) {
  struct utsname u;
  uname(&u);
  int64_t up = (base::UnixMs() - eng.start_time_ms) / 1000;
  return Section("Server",
                 {{"redis_version", "7.0.15"},
                  {"redis_git_sha1", "00000000"},
                  {"redis_git_dirty", "0"},
                  {"redis_build_id", "shoal"},
                  {"redis_mode", eng.cluster_enabled ? "cluster" : "standalone"},
                  {"os", std::string(u.sysname) + " " + u.release + " " + u.machine},
                  {"arch_bits", "64"},
                  {"monotonic_clock", "POSIX clock_gettime"},
                  {"multiplexing_api", "epoll"},
                  {"atomicvar_api", "c11-builtin"},
                  {"gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) +
                                      "." + std::to_string(__GNUC_PATCHLEVEL__)},
                  {"process_id", std::to_string(getpid())},
                  {"process_supervised", "no"},
                  {"run_id", eng.run_id},
                  {"tcp_port", std::to_string(eng.tcp_port)},
                  {"server_time_usec", std::to_string(base::UnixUs())},
                  {"uptime_in_seconds", std::to_string(up)},
                  {"uptime_in_days", std::to_string(up / 86400)},
                  {"hz", "10"},
                  {"configured_hz", "10"},
                  {"lru_clock", std::to_string((base::UnixMs() / 1000) & 0xFFFFFF)},
                  {"executable", eng.executable},
                  {"config_file", eng.config_file},
                  {"io_threads_active", "0"},
                  {"shoal_version", SHOAL_VERSION}});
}

std::string ClientsSection(Engine& eng) {
  return Section("Clients",
                 {{"connected_clients", std::to_string(eng.clients.size())},
                  {"cluster_connections", "0"},
                  {"maxclients", std::to_string(eng.config ? eng.config->s.maxclients : 10000)},
                  {"client_recent_max_input_buffer", "0"},
                  {"client_recent_max_output_buffer", "0"},
                  {"blocked_clients", std::to_string(eng.blocked_clients)},
                  {"tracking_clients", std::to_string(TrackingClients(eng))},
                  {"clients_in_timeout_table", "0"}});
}

std::string MemorySection(Engine& eng) {
  size_t used = base::UsedMemory();
  base::UpdatePeakMemory();
  size_t peak = base::PeakMemory();
  size_t rss = base::ResidentMemory();
  size_t overhead = 0;
  for (auto& d : eng.dbs) {
    if (d) overhead += d->MemoryOverhead();
  }
  char frag[32];
  snprintf(frag, sizeof(frag), "%.2f",
           used ? static_cast<double>(rss) / static_cast<double>(used) : 0.0);
  char peakperc[32];
  snprintf(peakperc, sizeof(peakperc), "%.2f%%",
           peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 100.0);
  long pages = sysconf(_SC_PHYS_PAGES);
  uint64_t total = static_cast<uint64_t>(pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::vector<std::pair<std::string, std::string>> fields = {
      {"used_memory", std::to_string(used)},
      {"used_memory_human", HumanBytes(used)},
      {"used_memory_rss", std::to_string(rss)},
      {"used_memory_rss_human", HumanBytes(rss)},
      {"used_memory_peak", std::to_string(peak)},
      {"used_memory_peak_human", HumanBytes(peak)},
      {"used_memory_peak_perc", peakperc},
      {"used_memory_overhead", std::to_string(overhead)},
      {"used_memory_startup", "0"},
      {"used_memory_dataset", std::to_string(used > overhead ? used - overhead : 0)},
      {"total_system_memory", std::to_string(total)},
      {"total_system_memory_human", HumanBytes(total)}};
  // used_memory_lua ... used_memory_scripts_human, where Redis 7.0 puts them.
  if (eng.scripting) {
    for (auto& f : eng.scripting->InfoMemoryFields()) fields.push_back(std::move(f));
  }
  for (auto& f : std::vector<std::pair<std::string, std::string>>{
           {"maxmemory", std::to_string(eng.hot.maxmemory)},
           {"maxmemory_human", HumanBytes(eng.hot.maxmemory)},
           {"maxmemory_policy", PolicyName(eng.hot.maxmemory_policy)},
           {"mem_fragmentation_ratio", frag},
           {"mem_allocator", "libc"},
           {"lazyfree_pending_objects", "0"}}) {
    fields.push_back(std::move(f));
  }
  return Section("Memory", fields);
}

std::string StatsSection(Engine& eng) {
  auto& s = eng.stats;
  auto& ks = eng.keyspace_stats;
  return Section("Stats",
                 {{"total_connections_received", std::to_string(s.total_connections_received)},
                  {"total_commands_processed", std::to_string(s.total_commands_processed)},
                  {"instantaneous_ops_per_sec", "0"},
                  {"total_net_input_bytes", std::to_string(s.total_net_input_bytes)},
                  {"total_net_output_bytes", std::to_string(s.total_net_output_bytes)},
                  {"rejected_connections", std::to_string(s.rejected_connections)},
                  {"sync_full", std::to_string(eng.repl ? eng.repl->sync_full() : 0)},
                  {"sync_partial_ok", std::to_string(eng.repl ? eng.repl->sync_partial_ok() : 0)},
                  {"sync_partial_err", std::to_string(eng.repl ? eng.repl->sync_partial_err() : 0)},
                  {"expired_keys", std::to_string(ks.expired_keys)},
                  {"evicted_keys", std::to_string(ks.evicted_keys)},
                  {"keyspace_hits", std::to_string(ks.keyspace_hits)},
                  {"keyspace_misses", std::to_string(ks.keyspace_misses)},
                  {"pubsub_channels", std::to_string(PubSubNumChannels(eng))},
                  {"pubsub_patterns", std::to_string(PubSubNumPatterns(eng))},
                  {"tracking_total_keys", std::to_string(TrackingTotalKeys(eng))},
                  {"tracking_total_items", std::to_string(TrackingTotalItems(eng))},
                  {"tracking_total_prefixes", std::to_string(TrackingTotalPrefixes(eng))},
                  {"total_error_replies", std::to_string(s.total_error_replies)},
                  {"dump_payload_sanitizations", "0"},
                  {"total_reads_processed", std::to_string(s.total_commands_processed)},
                  {"total_writes_processed", "0"}});
}

std::string CpuSection() {
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto fmt = [](const timeval& t) {
    char b[64];
    snprintf(b, sizeof(b), "%ld.%06ld", static_cast<long>(t.tv_sec), static_cast<long>(t.tv_usec));
    return std::string(b);
  };
  return Section("CPU", {{"used_cpu_sys", fmt(self.ru_stime)},
                         {"used_cpu_user", fmt(self.ru_utime)},
                         {"used_cpu_sys_children", fmt(children.ru_stime)},
                         {"used_cpu_user_children", fmt(children.ru_utime)}});
}

std::string CommandStatsSection() {
  std::string s = "# Commandstats\r\n";
  ForEachCommandStats([&](const CommandSpec& spec, const CommandStats& st) {
    char per[64];
    snprintf(per, sizeof(per), "%.2f",
             st.calls ? static_cast<double>(st.usec) / static_cast<double>(st.calls) : 0.0);
    s += "cmdstat_" + FullName(spec) + ":calls=" + std::to_string(st.calls) +
         ",usec=" + std::to_string(st.usec) + ",usec_per_call=" + per +
         ",rejected_calls=" + std::to_string(st.rejected_calls) +
         ",failed_calls=" + std::to_string(st.failed_calls) + "\r\n";
  });
  return s;
}

std::string ErrorStatsSection(Engine& eng) {
  std::string s = "# Errorstats\r\n";
  for (auto& [code, n] : eng.stats.error_stats) {
    s += "errorstat_" + code + ":count=" + std::to_string(n) + "\r\n";
  }
  return s;
}

std::string KeyspaceSection(Engine& eng) {
  std::string s = "# Keyspace\r\n";
  for (size_t i = 0; i < eng.dbs.size(); i++) {
    auto& d = eng.dbs[i];
    if (!d || !d->size()) continue;
    s += "db" + std::to_string(i) + ":keys=" + std::to_string(d->size()) +
         ",expires=" + std::to_string(d->volatile_count()) + ",avg_ttl=0\r\n";
  }
  return s;
}

std::string FromHook(Engine& eng, const std::string& name, const char* fallback_title,
                     std::vector<Line> fallback) {
  auto it = eng.info_sections.find(name);
  if (it != eng.info_sections.end()) return it->second();
  return Section(fallback_title, fallback);
}

}  // namespace

// INFO [section ...]
void Info(CommandContext& ctx) {
  Engine& eng = ctx.engine();
  std::vector<std::string> wanted;
  for (size_t i = 1; i < ctx.argc(); i++) wanted.push_back(base::ToLower(ctx.arg(i)));
  bool all = false, everything = false, deflt = wanted.empty();
  for (auto& w : wanted) {
    if (w == "all") all = true;
    if (w == "everything") everything = true;
    if (w == "default") deflt = true;
  }
  auto want = [&](const char* name, bool in_default) {
    if (everything) return true;
    if (all && std::string(name) != "commandstats" && std::string(name) != "latencystats")
      return true;
    if (all && std::string(name) == "commandstats") return true;
    if (deflt && in_default) return true;
    return std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  std::string out;
  auto add = [&](const std::string& sec) {
    if (!out.empty()) out += "\r\n";
    out += sec;
  };
  if (want("server", true)) add(ServerSection(eng));
  if (want("clients", true)) add(ClientsSection(eng));
  if (want("memory", true)) add(MemorySection(eng));
  if (want("persistence", true)) {
    add(FromHook(eng, "persistence", "Persistence",
                 {{"loading", "0"},
                  {"async_loading", "0"},
                  {"current_cow_peak", "0"},
                  {"rdb_changes_since_last_save", std::to_string(eng.stats.dirty)},
                  {"rdb_bgsave_in_progress", "0"},
                  {"rdb_last_save_time", std::to_string(eng.stats.last_save_time)},
                  {"rdb_last_bgsave_status", "ok"},
                  {"aof_enabled", "0"},
                  {"aof_rewrite_in_progress", "0"},
                  {"aof_rewrite_scheduled", "0"},
                  {"aof_last_bgrewrite_status", "ok"},
                  {"aof_last_write_status", "ok"}}));
  }
  if (want("stats", true)) add(StatsSection(eng));
  if (want("replication", true)) {
    add(FromHook(eng, "replication", "Replication",
                 {{"role", "master"},
                  {"connected_slaves", "0"},
                  {"master_failover_state", "no-failover"},
                  {"master_replid", eng.run_id},
                  {"master_replid2", "0000000000000000000000000000000000000000"},
                  {"master_repl_offset", "0"},
                  {"second_repl_offset", "-1"},
                  {"repl_backlog_active", "0"},
                  {"repl_backlog_size", "1048576"},
                  {"repl_backlog_first_byte_offset", "0"},
                  {"repl_backlog_histlen", "0"}}));
  }
  if (want("cpu", true)) add(CpuSection());
  if (want("modules", true)) add("# Modules\r\n");
  if (want("commandstats", false)) add(CommandStatsSection());
  if (want("errorstats", true)) add(ErrorStatsSection(eng));
  if (want("latencystats", false) || all) add(LatencyStatsSection(eng));
  if (want("cluster", true)) {
    add(Section("Cluster", {{"cluster_enabled", eng.cluster_enabled ? "1" : "0"}}));
  }
  if (want("keyspace", true)) add(KeyspaceSection(eng));
  ctx.reply().Verbatim(out);
}

void ConfigGet(CommandContext& ctx) {
  auto* cfg = ctx.engine().config;
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string_view pat = ctx.arg(i);
    bool glob = pat.find_first_of("*?[") != std::string_view::npos;
    auto found = cfg->Get(pat);
    // Redis 7.0 answers an exact name with the name as the client spelled it.
    if (!glob && found.size() == 1) found[0].first = std::string(pat);
    for (auto& kv : found) {
      bool dup = false;
      for (auto& o : out) dup |= o.first == kv.first;
      if (!dup) out.push_back(kv);
    }
  }
  // Secret parameters (requirepass, masterauth, TLS key passwords) are not
  // shown to clients unless the operator started the node with
  // shoal-config-get-secrets yes (Redis 7.0 shows them to anyone allowed
  // CONFIG). An unset secret stays "" so clients can still tell.
  bool hide = !cfg->s.shoal_config_get_secrets;
  ctx.reply().MapHeader(out.size());
  for (auto& [k, v] : out) {
    const config::Def* d = hide && !v.empty() ? config::Config::FindDef(k) : nullptr;
    ctx.reply().Bulk(k);
    ctx.reply().Bulk(d && d->secret() ? std::string_view("(redacted)") : std::string_view(v));
  }
}

void RedactConfigSet(std::span<const std::string_view> args, std::vector<bool>& secret) {
  // Every parameter the config table marks secret (Redis's SENSITIVE_CONFIG:
  // requirepass, masterauth, the TLS key passwords).
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    const config::Def* d = config::Config::FindDef(args[i]);
    if (d && d->secret()) secret[i + 1] = true;
  }
}

void ConfigSet(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) return ctx.ArityError();
  std::vector<std::string> nv;
  for (size_t i = 2; i < ctx.argc(); i++) nv.emplace_back(ctx.arg(i));
  auto& cfg = *ctx.engine().config;
  bool aof_was_on = cfg.s.appendonly;
  // enable-protected-configs local: the peer's address decides, as for DEBUG.
  auto st = cfg.SetManyFromConfigCommand(nv, acl::IsLocalPeerAddr(ctx.client().addr));
  if (!st.ok()) return ctx.reply().Error(st.message());
  // appendonly yes whose AOF could not be created (read-only or full data
  // dir): the persistence hook put it back to no; Redis 7.0 says so.
  bool asked_aof_on = false;
  for (size_t i = 0; i + 1 < nv.size(); i += 2) {
    if (base::EqualsIgnoreCase(nv[i], "appendonly")) {
      asked_aof_on = base::EqualsIgnoreCase(nv[i + 1], "yes");
    }
  }
  if (asked_aof_on && !aof_was_on && !cfg.s.appendonly) {
    return ctx.reply().Error(
        "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on "
        "AOF. Check server logs.");
  }
  ctx.reply().Ok();
}

void ConfigResetStat(CommandContext& ctx) {
  auto& eng = ctx.engine();
  eng.stats = ServerStats{};
  eng.keyspace_stats = db::KeyspaceStats{};
  ResetCommandStats();
  LatencyResetHistograms(eng);
  ctx.reply().Ok();
}

void ConfigRewrite(CommandContext& ctx) {
  if (ctx.engine().config_file.empty()) {
    return ctx.reply().Error("ERR The server is running without a config file");
  }
  auto st = ctx.engine().config->Rewrite(ctx.engine().config_file);
  if (!st.ok()) return ctx.reply().Error("ERR Rewriting config file: " + st.message());
  ctx.reply().Ok();
}

void ConfigHelp(CommandContext& ctx) {
  HelpReply(ctx,
            {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET <pattern>",
             "    Return parameters matching the glob-like <pattern> and their values.",
             "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
             "RESETSTAT", "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file.", "HELP", "    Prints this help."});
}

void Time(CommandContext& ctx) {
  int64_t us = base::UnixUs();
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(us / 1000000));
  ctx.reply().Bulk(std::to_string(us % 1000000));
}

void LastSave(CommandContext& ctx) { ctx.reply().Integer(ctx.engine().stats.last_save_time); }

// DEBUG SLEEP <seconds> | HELP. Redis reads the seconds with strtod and no
// check ("abc" sleeps 0 s), and answers any other word or count with one
// syntax error.
void Debug(CommandContext& ctx) {
  std::string_view sub = ctx.arg(1);
  if (base::EqualsIgnoreCase(sub, "help") && ctx.argc() == 2) {
    return HelpReply(
        ctx,
        {"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "SLEEP <seconds>",
         "    Stop the server for <seconds>. Decimals allowed.", "HELP", "    Prints this help."});
  }
  if (base::EqualsIgnoreCase(sub, "sleep") && ctx.argc() == 3) {
    std::string text(ctx.arg(2));
    double secs = strtod(text.c_str(), nullptr);
    if (ctx.engine().sleep && secs > 0) ctx.engine().sleep(secs);
    return ctx.reply().Ok();
  }
  ctx.reply().Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(sub.substr(0, 128)) + "'. Try DEBUG HELP.");
}

void SlowlogGet(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.argc() > 3) return ctx.ArityError();
  if (ctx.argc() == 3) {
    auto v = base::ParseInt64(ctx.arg(2));
    if (!v || *v < -1) {
      return ctx.reply().Error("ERR count should be greater than or equal to -1");
    }
    count = *v == -1 ? INT64_MAX : *v;
  }
  auto& log = ctx.engine().slowlog;
  size_t n = std::min<size_t>(log.size(), static_cast<size_t>(std::min<int64_t>(count, INT32_MAX)));
  auto& r = ctx.reply();
  r.ArrayHeader(n);
  for (size_t i = 0; i < n; i++) {
    auto& e = log[log.size() - 1 - i];
    r.ArrayHeader(6);
    r.Integer(e.id);
    r.Integer(e.time_s);
    r.Integer(e.duration_us);
    r.ArrayHeader(e.args.size());
    for (auto& a : e.args) r.Bulk(a);
    r.Bulk(e.peer);
    r.Bulk(e.name);
  }
}

void SlowlogLen(CommandContext& ctx) {
  ctx.reply().Integer(static_cast<int64_t>(ctx.engine().slowlog.size()));
}

void SlowlogReset(CommandContext& ctx) {
  ctx.engine().slowlog.clear();
  ctx.reply().Ok();
}

void SlowlogHelp(CommandContext& ctx) {
  HelpReply(ctx,
            {"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET [<count>]",
             "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
             "    Entries are made of:",
             "    id, timestamp, time in microseconds, arguments array, client IP and port,",
             "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
             "    Reset the slowlog.", "HELP", "    Prints this help."});
}

// MEMORY USAGE key [SAMPLES count]
void MemoryUsage(CommandContext& ctx) {
  for (size_t i = 3; i < ctx.argc(); i++) {
    if (Is(ctx.arg(i), "samples") && i + 1 < ctx.argc()) {
      auto v = IntArg(ctx, ++i);
      if (!v) return;
      if (*v < 0) return ctx.reply().Error(kErrSyntax);
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  db::Entry* e = Db(ctx).Find(ctx.arg(2));
  if (!e) return ctx.reply().Null();
  ctx.reply().Integer(static_cast<int64_t>(db::EntryMemoryUsage(e)));
}

void MemoryHelp(CommandContext& ctx) {
  HelpReply(ctx, {"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "DOCTOR",
                  "    Return memory problems reports.", "MALLOC-STATS",
                  "    Return internal statistics report from the memory allocator.", "PURGE",
                  "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
                  "    Return information about the memory usage of the server.",
                  "USAGE <key> [SAMPLES <count>]",
                  "    Return memory in bytes used by <key> and its value. Nested values are",
                  "    sampled up to <count> times (default: 5, 0 means sample all).", "HELP",
                  "    Prints this help."});
}

namespace {

// What MEMORY STATS and MEMORY DOCTOR report, from shoal's own accounting
// (the libc allocator: allocated = used memory, resident = RSS).
struct MemoryFigures {
  uint64_t used = 0, peak = 0, rss = 0, overhead = 0, keys = 0, clients = 0, replicas = 0;
};

MemoryFigures GetMemoryFigures(Engine& eng) {
  MemoryFigures m;
  base::UpdatePeakMemory();
  m.used = base::UsedMemory();
  m.peak = base::PeakMemory();
  m.rss = base::ResidentMemory();
  for (auto& d : eng.dbs) {
    if (!d) continue;
    m.overhead += d->MemoryOverhead();
    m.keys += d->size();
  }
  for (auto& [id, c] : eng.clients) {
    uint64_t mem = c->qbuf + c->qbuf_free + c->obuf_bytes + 1024;
    if (c->is_replica) {
      m.replicas += mem;
    } else {
      m.clients += mem;
    }
  }
  return m;
}

double Ratio(uint64_t a, uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0;
}

}  // namespace

// MEMORY STATS: Redis 7.0's fields and order.
void MemoryStats(CommandContext& ctx) {
  auto& eng = ctx.engine();
  MemoryFigures m = GetMemoryFigures(eng);
  uint64_t overhead = m.overhead + m.clients + m.replicas;
  uint64_t dataset = m.used > overhead ? m.used - overhead : 0;
  std::vector<std::pair<int, size_t>> dbs;  // (db, keys) with keys
  for (size_t i = 0; i < eng.dbs.size(); i++) {
    if (eng.dbs[i] && eng.dbs[i]->size()) dbs.emplace_back(static_cast<int>(i), eng.dbs[i]->size());
  }
  auto& r = ctx.reply();
  r.MapHeader(27 + dbs.size());
  auto num = [&](const char* k, uint64_t v) {
    r.Bulk(k);
    r.Integer(static_cast<int64_t>(v));
  };
  auto dbl = [&](const char* k, double v) {
    r.Bulk(k);
    r.Double(v);
  };
  num("peak.allocated", m.peak);
  num("total.allocated", m.used);
  num("startup.allocated", 0);
  num("replication.backlog", 0);
  num("clients.slaves", m.replicas);
  num("clients.normal", m.clients);
  num("cluster.links", 0);
  num("aof.buffer", 0);
  num("lua.caches", 0);
  num("functions.caches", 0);
  for (auto& [id, keys] : dbs) {
    r.Bulk("db." + std::to_string(id));
    r.MapHeader(2);
    num("overhead.hashtable.main", eng.dbs[static_cast<size_t>(id)]->MemoryOverhead());
    num("overhead.hashtable.expires", 0);
  }
  num("overhead.total", overhead);
  num("keys.count", m.keys);
  num("keys.bytes-per-key", m.keys ? dataset / m.keys : 0);
  num("dataset.bytes", dataset);
  dbl("dataset.percentage", 100.0 * Ratio(dataset, m.used));
  dbl("peak.percentage", 100.0 * Ratio(m.used, m.peak));
  num("allocator.allocated", m.used);
  num("allocator.active", m.used);
  num("allocator.resident", m.rss);
  dbl("allocator-fragmentation.ratio", 1.0);
  num("allocator-fragmentation.bytes", 0);
  dbl("allocator-rss.ratio", Ratio(m.rss, m.used));
  num("allocator-rss.bytes", m.rss > m.used ? m.rss - m.used : 0);
  dbl("rss-overhead.ratio", 1.0);
  num("rss-overhead.bytes", 0);
  dbl("fragmentation", Ratio(m.rss, m.used));
  num("fragmentation.bytes", m.rss > m.used ? m.rss - m.used : 0);
}

// MEMORY DOCTOR: shoal's own short report.
void MemoryDoctor(CommandContext& ctx) {
  auto& eng = ctx.engine();
  MemoryFigures m = GetMemoryFigures(eng);
  std::string out;
  if (m.used < 5 * 1024 * 1024) {
    out =
        "This node holds too little data for a memory diagnosis (under 5 MB allocated). Come back "
        "once it stores a real dataset.\n";
  } else {
    std::vector<std::string> issues;
    if (m.peak > m.used + m.used / 2) {
      issues.push_back(
          "Peak memory: the peak allocation is more than 150% of what is allocated now; the "
          "resident size may stay high until the allocator returns memory (MEMORY PURGE).");
    }
    if (m.rss > m.used + m.used / 2 && m.rss - m.used > 10 * 1024 * 1024) {
      issues.push_back("High fragmentation: the resident size is " +
                       std::to_string(static_cast<int>(Ratio(m.rss, m.used) * 100)) +
                       "% of the allocated memory.");
    }
    if (m.clients > m.used / 5) {
      issues.push_back(
          "Client buffers: normal clients use more than 20% of the memory (large pipelines or "
          "slow readers).");
    }
    if (m.replicas > 10 * 1024 * 1024) {
      issues.push_back("Replica buffers: replicas use more than 10 MB of output buffers.");
    }
    if (issues.empty()) {
      out = "No memory problems found: allocation, fragmentation and buffers look normal.\n";
    } else {
      out = "Memory issues found:\n\n";
      for (auto& i : issues) out += " * " + i + "\n";
    }
  }
  ctx.reply().Verbatim(out);
}

// shoal uses the libc allocator: Redis's answer for allocators without stats.
void MemoryMallocStats(CommandContext& ctx) {
  ctx.reply().Verbatim("Stats not supported for the current allocator");
}

void MemoryPurge(CommandContext& ctx) { ctx.reply().Ok(); }

// LOLWUT [VERSION v] [args]: a small drawing of shoal's own, then the
// version line as Redis ends its output.
void Lolwut(CommandContext& ctx) {
  int64_t ver = 7;
  if (ctx.argc() >= 3 && Is(ctx.arg(1), "version")) {
    auto v = base::ParseInt64(ctx.arg(2));
    if (!v) return ctx.reply().Error(kErrNotInteger);
    ver = *v;
  }
  std::string out;
  if (ver == 5 || ver == 6) {
    for (size_t i = 3; i < ctx.argc() && i < 6; i++) {
      if (!base::ParseInt64(ctx.arg(i))) return ctx.reply().Error(kErrNotInteger);
    }
    // A shoal of fish, drawn row by row.
    static const char* kArt[] = {
        "      ><>         ><>",
        "  ><>      ><>          ><>",
        "     ><>        ><>  ><>",
        "         ><>  ><>",
        "",
    };
    for (auto* line : kArt) out += std::string(line) + "\n";
    out += "A shoal, drawn for LOLWUT version " + std::to_string(ver) + ". ";
  }
  out += "Redis ver. 7.0.15\n";
  ctx.reply().Verbatim(out);
}

// shoal loads no modules: LIST is empty, LOAD/LOADEX fail as a module that
// does not load, UNLOAD finds no such module.
void ModuleList(CommandContext& ctx) { ctx.reply().ArrayHeader(0); }

// enable-module-command was checked by the dispatcher (kProtected rows).
void ModuleLoad(CommandContext& ctx) {
  ctx.reply().Error("ERR Error loading the extension. Please check the server logs.");
}

void ModuleUnload(CommandContext& ctx) {
  ctx.reply().Error("ERR Error unloading module: no such module with that name");
}

void ModuleHelp(CommandContext& ctx) {
  HelpReply(ctx, {"MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "LIST",
                  "    Return a list of loaded modules.", "LOAD <path> [<arg> ...]",
                  "    Load a module library from <path>, passing to it any optional arguments.",
                  "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
                  "    Load a module library from <path>, while passing it module configurations "
                  "and optional arguments.",
                  "UNLOAD <name>", "    Unload a module.", "HELP", "    Prints this help."});
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: Redis 7.0's checks
// and errors. shoal does not run the coordinated standalone failover: with
// replicas attached it says so (cluster mode has CLUSTER FAILOVER).
void Failover(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (eng.cluster_enabled) {
    return ctx.reply().Error(
        "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
  }
  if (ctx.argc() == 2 && Is(ctx.arg(1), "abort")) {
    return ctx.reply().Error("ERR No failover in progress.");
  }
  int64_t timeout = 0;
  bool force = false, to = false;
  for (size_t j = 1; j < ctx.argc(); j++) {
    if (Is(ctx.arg(j), "timeout") && j + 1 < ctx.argc() && timeout == 0) {
      auto v = base::ParseInt64(ctx.arg(j + 1));
      if (!v) return ctx.reply().Error(kErrNotInteger);
      if (*v <= 0) return ctx.reply().Error("ERR FAILOVER timeout must be greater than 0");
      timeout = *v;
      j++;
    } else if (Is(ctx.arg(j), "to") && j + 2 < ctx.argc() && !to) {
      if (!base::ParseInt64(ctx.arg(j + 2))) return ctx.reply().Error(kErrNotInteger);
      to = true;
      j += 2;
    } else if (Is(ctx.arg(j), "force") && !force) {
      force = true;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  if (eng.role_replica) {
    return ctx.reply().Error("ERR FAILOVER is not valid when server is a replica.");
  }
  bool replicas = false;
  for (auto& [id, c] : eng.clients) replicas = replicas || c->is_replica;
  if (!replicas) return ctx.reply().Error("ERR FAILOVER requires connected replicas.");
  if (force && (!timeout || !to)) {
    return ctx.reply().Error(
        "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  }
  ctx.reply().Error("ERR FAILOVER is not supported by shoal; use REPLICAOF on the replica.");
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void Shutdown(CommandContext& ctx) {
  bool save = false, nosave = false, now = false, force = false;
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string_view o = ctx.arg(i);
    if (Is(o, "nosave")) {
      nosave = true;
    } else if (Is(o, "save")) {
      save = true;
    } else if (Is(o, "now")) {
      now = true;
    } else if (Is(o, "force")) {
      force = true;
    } else if (Is(o, "abort")) {
      return ctx.reply().Error("ERR No shutdown in progress.");
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
  }
  if (save && nosave) return ctx.reply().Error(kErrSyntax);
  if (!ctx.engine().shutdown)
    return ctx.reply().Error("ERR Errors trying to SHUTDOWN. Check logs.");
  std::string err = ctx.engine().shutdown(save, nosave, now, force);
  if (!err.empty()) return ctx.reply().Error(err);
  // On success the connection is closed without a reply, as in Redis.
  ctx.client().close_asap = true;
}

void Monitor(CommandContext& ctx) {
  Client& c = ctx.client();
  if (c.monitor) return ctx.reply().Ok();
  c.monitor = true;
  ctx.engine().monitors.push_back(&c);
  ctx.reply().Ok();
}

}  // namespace node::commands
