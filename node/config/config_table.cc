// node/config/config_table.cc
//
// The rows of the configuration table: every directive of Redis 7.0's
// redis.conf (commented or not) with Redis's name, alias, default, range and
// CONFIG SET mutability, plus shoal's own "shoal-*" settings. Ranges, defaults
// and error texts were checked against redis-server 7.0.15 (CONFIG GET * and
// CONFIG SET probes). Adding a setting = one Settings member + one row.
//
// kShoalDefaultDeviations: protected-mode defaults to no (clients reach a
// container from other containers, as with the official Redis image's
// --protected-mode no). cluster-enabled keeps Redis's default "no".
//
// Read-only after first use; any thread.

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <string>

#include "node/base/strings.h"
#include "node/config/config.h"
#include "node/config/config_text.h"

namespace node::config {
namespace {

using base::Status;
using Args = std::vector<std::string>;

constexpr int64_t kLL = LLONG_MAX;
constexpr int64_t kInt = INT_MAX;
constexpr int64_t kUInt = UINT_MAX;

// For messages: arguments as they would be written in redis.conf.
std::string Join(const Args& a) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out.push_back(' ');
    out += QuoteArgIfNeeded(a[i]);
  }
  return out;
}

Status OneArg(const Args& args) {
  if (args.size() != 1) return Status::Error("wrong number of arguments");
  return Status::Ok();
}

Status RangeError(const Def& d) {
  return Status::Error("argument must be between " + std::to_string(d.min) + " and " +
                       std::to_string(d.max) + " inclusive");
}

std::string EnumError(std::span<const std::string_view> values) {
  std::string out = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += values[i];
  }
  return out;
}

// --- Typed rows (templated on the Settings member) --------------------------

template <auto M>
Status ParseBool(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  auto v = ParseYesNo(args[0]);
  if (!v) return Status::Error("argument must be 'yes' or 'no'");
  s.*M = *v;
  return Status::Ok();
}
template <auto M>
std::string FormatBool(const Def&, const Settings& s) {
  return s.*M ? "yes" : "no";
}

template <auto M>
Status ParseInt(const Def& d, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  auto v = base::ParseInt64(args[0]);
  if (!v) return Status::Error("argument couldn't be parsed into an integer");
  if (*v < d.min || *v > d.max) return RangeError(d);
  s.*M = *v;
  return Status::Ok();
}
template <auto M>
std::string FormatInt(const Def&, const Settings& s) {
  return std::to_string(s.*M);
}

template <auto M>
Status ParseMem(const Def& d, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  auto v = ParseMemory(args[0]);
  if (!v || *v < 0) return Status::Error("argument must be a memory value");
  if (*v < d.min || *v > d.max) return RangeError(d);
  s.*M = static_cast<uint64_t>(*v);
  return Status::Ok();
}
template <auto M>
std::string FormatMem(const Def&, const Settings& s) {
  return std::to_string(s.*M);
}
template <auto M>
std::vector<std::string> RewriteMem(const Def&, const Settings& s) {
  return {FormatMemoryUnits(static_cast<int64_t>(s.*M))};
}

template <auto M>
Status ParseStr(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  s.*M = args[0];
  return Status::Ok();
}
template <auto M>
std::string FormatStr(const Def&, const Settings& s) {
  return s.*M;
}

template <auto M>
Status ParseEnum(const Def& d, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  for (size_t i = 0; i < d.values.size(); ++i) {
    if (base::EqualsIgnoreCase(args[0], d.values[i])) {
      s.*M = static_cast<std::remove_reference_t<decltype(s.*M)>>(i);
      return Status::Ok();
    }
  }
  return Status::Error(EnumError(d.values));
}
template <auto M>
std::string FormatEnum(const Def& d, const Settings& s) {
  size_t i = static_cast<size_t>(s.*M);
  return i < d.values.size() ? std::string(d.values[i]) : std::string();
}
// Rows whose text never holds a blank or quote inside one argument. An empty
// text is written as "" (latency-tracking-info-percentiles with no
// percentile): a bare "name" line would not load.
std::vector<std::string> RewriteUnquoted(const Def& d, const Settings& s) {
  std::string v = d.format(d, s);
  if (v.empty()) return {"\"\""};
  return {v};
}

template <auto M>
Def Bool(std::string_view name, std::string_view def) {
  Def d;
  d.name = name, d.type = Type::kBool, d.default_text = def;
  d.parse = &ParseBool<M>, d.format = &FormatBool<M>, d.rewrite = &RewriteUnquoted;
  return d;
}
template <auto M>
Def Int(std::string_view name, std::string_view def, int64_t min, int64_t max) {
  Def d;
  d.name = name, d.type = Type::kInt, d.default_text = def, d.min = min, d.max = max;
  d.parse = &ParseInt<M>, d.format = &FormatInt<M>, d.rewrite = &RewriteUnquoted;
  return d;
}
template <auto M>
Def Mem(std::string_view name, std::string_view def, int64_t min, int64_t max) {
  Def d;
  d.name = name, d.type = Type::kMemory, d.default_text = def, d.min = min, d.max = max;
  d.parse = &ParseMem<M>, d.format = &FormatMem<M>, d.rewrite = &RewriteMem<M>;
  return d;
}
template <auto M>
Def Str(std::string_view name, std::string_view def) {
  Def d;
  d.name = name, d.type = Type::kString, d.default_text = def;
  d.parse = &ParseStr<M>, d.format = &FormatStr<M>;
  return d;
}
template <auto M>
Def Enum(std::string_view name, std::string_view def, std::span<const std::string_view> values) {
  Def d;
  d.name = name, d.type = Type::kEnum, d.default_text = def, d.values = values;
  d.parse = &ParseEnum<M>, d.format = &FormatEnum<M>, d.rewrite = &RewriteUnquoted;
  return d;
}
Def Special(std::string_view name, std::string_view def, ParseFn parse, FormatFn format,
            RewriteFn rewrite = &RewriteUnquoted) {
  Def d;
  d.name = name, d.type = Type::kSpecial, d.default_text = def, d.flags = kMultiArg;
  d.parse = parse, d.format = format, d.rewrite = rewrite;
  return d;
}

// --- Enum spellings ----------------------------------------------------------

constexpr std::string_view kMaxmemoryPolicies[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
constexpr std::string_view kAppendfsync[] = {"always", "everysec", "no"};
constexpr std::string_view kLoglevels[] = {"debug", "verbose", "notice", "warning"};
constexpr std::string_view kDisklessLoad[] = {"disabled", "on-empty-db", "swapdb"};
constexpr std::string_view kSupervised[] = {"upstart", "systemd", "auto", "no"};
constexpr std::string_view kOomScoreAdj[] = {"no", "yes", "relative", "absolute"};
constexpr std::string_view kAclPubsub[] = {"allchannels", "resetchannels"};
constexpr std::string_view kSanitize[] = {"no", "yes", "clients"};
constexpr std::string_view kPropagation[] = {"ignore", "panic", "panic-on-replicas"};
constexpr std::string_view kEndpointType[] = {"ip", "hostname", "unknown-endpoint"};
constexpr std::string_view kEnableCommand[] = {"no", "yes", "local"};
constexpr std::string_view kTlsAuth[] = {"no", "yes", "optional"};
constexpr std::string_view kSyslogFacility[] = {"user",   "local0", "local1", "local2", "local3",
                                                "local4", "local5", "local6", "local7"};
constexpr std::string_view kShutdownFlags[] = {"default", "save", "nosave", "now", "force"};

// --- Special rows ------------------------------------------------------------

// save <seconds> <changes> [<seconds> <changes> ...] | save ""
Status ParseSave(const Def&, Settings& s, const Args& args, bool append) {
  bool clear =
      std::all_of(args.begin(), args.end(), [](const std::string& a) { return a.empty(); });
  if (clear) {
    s.save.clear();
    return Status::Ok();
  }
  if (args.size() % 2 != 0) return Status::Error("Invalid save parameters");
  std::vector<SaveParam> params;
  for (size_t i = 0; i < args.size(); i += 2) {
    auto secs = base::ParseInt64(args[i]);
    auto changes = base::ParseInt64(args[i + 1]);
    if (!secs || !changes || *secs < 1 || *changes < 0 || *secs > kInt || *changes > kInt) {
      return Status::Error("Invalid save parameters");
    }
    params.push_back({*secs, *changes});
  }
  if (!append) s.save.clear();
  s.save.insert(s.save.end(), params.begin(), params.end());
  return Status::Ok();
}
std::string FormatSave(const Def&, const Settings& s) {
  std::string out;
  for (const auto& p : s.save) {
    if (!out.empty()) out.push_back(' ');
    out += std::to_string(p.seconds) + " " + std::to_string(p.changes);
  }
  return out;
}
std::vector<std::string> RewriteSave(const Def&, const Settings& s) {
  // One line per pair; an explicit `save ""` so the defaults don't come back.
  if (s.save.empty()) return {"\"\""};
  std::vector<std::string> out;
  for (const auto& p : s.save) {
    out.push_back(std::to_string(p.seconds) + " " + std::to_string(p.changes));
  }
  return out;
}

// client-output-buffer-limit <class> <hard> <soft> <seconds> [...]
Status ParseCobl(const Def&, Settings& s, const Args& args, bool) {
  if (args.empty() || args.size() % 4 != 0) {
    return Status::Error("Wrong number of arguments in buffer limit configuration.");
  }
  Settings copy = s;
  for (size_t i = 0; i < args.size(); i += 4) {
    ClientOutputBufferLimit* c;
    const std::string& cls = args[i];
    if (base::EqualsIgnoreCase(cls, "normal")) {
      c = &copy.client_output_buffer_limit_normal;
    } else if (base::EqualsIgnoreCase(cls, "replica") || base::EqualsIgnoreCase(cls, "slave")) {
      c = &copy.client_output_buffer_limit_replica;
    } else if (base::EqualsIgnoreCase(cls, "pubsub")) {
      c = &copy.client_output_buffer_limit_pubsub;
    } else {
      return Status::Error("Invalid client class specified in buffer limit configuration.");
    }
    auto hard = ParseMemory(args[i + 1]);
    auto soft = ParseMemory(args[i + 2]);
    auto secs = base::ParseInt64(args[i + 3]);
    if (!hard || !soft || !secs || *hard < 0 || *soft < 0 || *secs < 0) {
      return Status::Error(
          "Error in hard, soft or soft_seconds setting in buffer limit "
          "configuration.");
    }
    *c = {static_cast<uint64_t>(*hard), static_cast<uint64_t>(*soft), *secs};
  }
  s.client_output_buffer_limit_normal = copy.client_output_buffer_limit_normal;
  s.client_output_buffer_limit_replica = copy.client_output_buffer_limit_replica;
  s.client_output_buffer_limit_pubsub = copy.client_output_buffer_limit_pubsub;
  return Status::Ok();
}
std::string FormatCobl(const Def&, const Settings& s) {
  auto one = [](std::string_view cls, const ClientOutputBufferLimit& c) {
    return std::string(cls) + " " + std::to_string(c.hard) + " " + std::to_string(c.soft) + " " +
           std::to_string(c.soft_seconds);
  };
  // Redis 7.0 prints the replica class as "slave".
  return one("normal", s.client_output_buffer_limit_normal) + " " +
         one("slave", s.client_output_buffer_limit_replica) + " " +
         one("pubsub", s.client_output_buffer_limit_pubsub);
}
std::vector<std::string> RewriteCobl(const Def&, const Settings& s) {
  const Settings defaults;
  std::vector<std::string> out;
  auto one = [&](std::string_view cls, const ClientOutputBufferLimit& c,
                 const ClientOutputBufferLimit& def) {
    if (c == def) return;
    out.push_back(std::string(cls) + " " + FormatMemoryUnits(static_cast<int64_t>(c.hard)) + " " +
                  FormatMemoryUnits(static_cast<int64_t>(c.soft)) + " " +
                  std::to_string(c.soft_seconds));
  };
  one("normal", s.client_output_buffer_limit_normal, defaults.client_output_buffer_limit_normal);
  one("replica", s.client_output_buffer_limit_replica, defaults.client_output_buffer_limit_replica);
  one("pubsub", s.client_output_buffer_limit_pubsub, defaults.client_output_buffer_limit_pubsub);
  return out;
}

// bind addr [addr ...] (at most 16, Redis's CONFIG_BINDADDR_MAX)
Status ParseBind(const Def&, Settings& s, const Args& args, bool) {
  if (args.empty()) return Status::Error("wrong number of arguments");
  if (args.size() > 16) return Status::Error("Too many bind addresses specified.");
  // `bind ""` (CONFIG SET bind "") means: listen on no TCP address.
  if (args.size() == 1 && args[0].empty()) {
    s.bind.clear();
    return Status::Ok();
  }
  s.bind = args;
  return Status::Ok();
}
std::string FormatBind(const Def&, const Settings& s) {
  std::string out;
  for (const auto& a : s.bind) {
    if (!out.empty()) out.push_back(' ');
    out += a;
  }
  return out;
}
// CONFIG REWRITE: each address quoted when it needs it (an address holding a
// blank, a quote or a control byte would otherwise split differently or not
// load at all), and `bind ""` for no address (a missing line would bring the
// default back on restart).
std::vector<std::string> RewriteBind(const Def&, const Settings& s) {
  if (s.bind.empty()) return {"\"\""};
  std::string out;
  for (const auto& a : s.bind) {
    if (!out.empty()) out.push_back(' ');
    out += QuoteArgIfNeeded(a);
  }
  return {out};
}

// replicaof <host> <port> | replicaof no one
Status ParseReplicaof(const Def&, Settings& s, const Args& args, bool) {
  if (args.size() == 1 && args[0].empty()) {  // "" = not a replica
    s.replicaof = {};
    return Status::Ok();
  }
  if (args.size() != 2) return Status::Error("wrong number of arguments");
  if (base::EqualsIgnoreCase(args[0], "no") && base::EqualsIgnoreCase(args[1], "one")) {
    s.replicaof = {};
    return Status::Ok();
  }
  auto port = base::ParseInt64(args[1]);
  if (!port || *port < 0 || *port > 65535) return Status::Error("Invalid master port");
  s.replicaof = {args[0], *port};
  return Status::Ok();
}
std::string FormatReplicaof(const Def&, const Settings& s) {
  if (s.replicaof.host.empty()) return "";
  return s.replicaof.host + " " + std::to_string(s.replicaof.port);
}
std::vector<std::string> RewriteReplicaof(const Def&, const Settings& s) {
  if (s.replicaof.host.empty()) return {};
  return {QuoteArgIfNeeded(s.replicaof.host) + " " + std::to_string(s.replicaof.port)};
}

// shutdown-on-sigint / shutdown-on-sigterm: default | [save|nosave] [now] [force]
template <int Settings::*M>
Status ParseShutdownFlags(const Def& d, Settings& s, const Args& args, bool) {
  if (args.empty()) return Status::Error(EnumError(d.values));
  int bits = 0;
  for (const auto& a : args) {
    size_t i = 0;
    while (i < d.values.size() && !base::EqualsIgnoreCase(a, d.values[i])) ++i;
    if (i == d.values.size()) return Status::Error(EnumError(d.values));
    if (i > 0) bits |= 1 << (i - 1);
  }
  if ((bits & kShutdownSave) && (bits & kShutdownNoSave)) {
    return Status::Error("shutdown can't have both save and nosave");
  }
  s.*M = bits;
  return Status::Ok();
}
template <int Settings::*M>
std::string FormatShutdownFlags(const Def& d, const Settings& s) {
  if (s.*M == 0) return "default";
  std::string out;
  for (size_t i = 1; i < d.values.size(); ++i) {
    if (s.*M & (1 << (i - 1))) {
      if (!out.empty()) out.push_back(' ');
      out += d.values[i];
    }
  }
  return out;
}

// notify-keyspace-events: class letters; "A" = g$lshzxetd.
constexpr std::pair<char, int64_t> kNotifyLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}};
constexpr int64_t kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet |
                               kNotifyHash | kNotifyZset | kNotifyExpired | kNotifyEvicted |
                               kNotifyStream | kNotifyModule;
Status ParseNotify(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  int64_t bits = 0;
  for (char c : args[0]) {
    int64_t bit = 0;
    if (c == 'A') bit = kNotifyAll;
    if (c == 'K') bit = kNotifyKeyspace;
    if (c == 'E') bit = kNotifyKeyevent;
    if (c == 'm') bit = kNotifyKeyMiss;
    if (c == 'n') bit = kNotifyNew;
    for (const auto& [letter, b] : kNotifyLetters) {
      if (c == letter) bit = b;
    }
    if (!bit) return Status::Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    bits |= bit;
  }
  s.notify_keyspace_events = bits;
  return Status::Ok();
}
std::string FormatNotify(const Def&, const Settings& s) {
  int64_t f = s.notify_keyspace_events;
  std::string out;
  if ((f & kNotifyAll) == kNotifyAll) {
    out += 'A';
  } else {
    for (const auto& [letter, b] : kNotifyLetters) {
      if (f & b) out += letter;
    }
  }
  if (f & kNotifyKeyspace) out += 'K';
  if (f & kNotifyKeyevent) out += 'E';
  if (f & kNotifyKeyMiss) out += 'm';
  if (f & kNotifyNew) out += 'n';
  return out;
}
std::vector<std::string> RewriteQuoted(const Def& d, const Settings& s) {
  return {QuoteArg(d.format(d, s))};
}

// oom-score-adj-values <replica> <master> <bgchild>, each -2000..2000
Status ParseOomValues(const Def&, Settings& s, const Args& args, bool) {
  if (args.size() != 3) return Status::Error("Invalid oom-score-adj-values, expected 3 values");
  std::vector<int64_t> v;
  for (const auto& a : args) {
    auto x = base::ParseInt64(a);
    if (!x || *x < -2000 || *x > 2000) {
      return Status::Error(
          "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    }
    v.push_back(*x);
  }
  s.oom_score_adj_values = v;
  return Status::Ok();
}
std::string FormatOomValues(const Def&, const Settings& s) {
  std::string out;
  for (auto v : s.oom_score_adj_values) {
    if (!out.empty()) out.push_back(' ');
    out += std::to_string(v);
  }
  return out;
}

// latency-tracking-info-percentiles <p> ..., each 0..100
Status ParsePercentiles(const Def&, Settings& s, const Args& args, bool) {
  std::vector<double> v;
  for (const auto& a : args) {
    if (a.empty() && args.size() == 1) break;  // "" = none
    auto x = base::ParseDouble(a);
    if (!x || *x < 0 || *x > 100) {
      return Status::Error(
          "latency-tracking-info-percentiles should be a list of numbers "
          "between 0 and 100");
    }
    v.push_back(*x);
  }
  s.latency_tracking_info_percentiles = v;
  return Status::Ok();
}
std::string FormatPercentiles(const Def&, const Settings& s) {
  std::string out;
  for (double v : s.latency_tracking_info_percentiles) {
    if (!out.empty()) out.push_back(' ');
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);  // shortest form: 99.9, 50
    out.append(buf, r.ptr);
  }
  return out;
}

// maxmemory-clients: memory value or "N%" of maxmemory (stored negative).
Status ParseMaxmemoryClients(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  const std::string& a = args[0];
  if (!a.empty() && a.back() == '%') {
    auto p = base::ParseInt64(std::string_view(a).substr(0, a.size() - 1));
    if (!p || *p < 0 || *p > 100)
      return Status::Error("argument must be a memory or percent value");
    s.maxmemory_clients = -*p;
    return Status::Ok();
  }
  auto v = ParseMemory(a);
  if (!v || *v < 0) return Status::Error("argument must be a memory or percent value");
  s.maxmemory_clients = *v;
  return Status::Ok();
}
std::string FormatMaxmemoryClients(const Def&, const Settings& s) {
  if (s.maxmemory_clients < 0) return std::to_string(-s.maxmemory_clients) + "%";
  return std::to_string(s.maxmemory_clients);
}
std::vector<std::string> RewriteMaxmemoryClients(const Def& d, const Settings& s) {
  if (s.maxmemory_clients < 0) return {d.format(d, s)};
  return {FormatMemoryUnits(s.maxmemory_clients)};
}

// unixsocketperm: octal
Status ParseOctal(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  const std::string& a = args[0];
  if (a.empty() || a.size() > 4) return Status::Error("Invalid socket file permissions");
  int64_t v = 0;
  for (char c : a) {
    if (c < '0' || c > '7') return Status::Error("Invalid socket file permissions");
    v = v * 8 + (c - '0');
  }
  if (v > 0777) return Status::Error("Invalid socket file permissions");
  s.unixsocketperm = v;
  return Status::Ok();
}
std::string FormatOctal(const Def&, const Settings& s) {
  char buf[16];
  snprintf(buf, sizeof(buf), "%o", static_cast<unsigned>(s.unixsocketperm));
  return buf;
}

// File-only list directives: rename-command, loadmodule, user.
template <std::vector<std::vector<std::string>> Settings::*M, size_t kMin, size_t kMax>
Status ParseList(const Def&, Settings& s, const Args& args, bool append) {
  if (args.size() == 1 && args[0].empty()) {  // "" clears
    (s.*M).clear();
    return Status::Ok();
  }
  if (args.size() < kMin || args.size() > kMax) return Status::Error("wrong number of arguments");
  if (!append) (s.*M).clear();
  (s.*M).push_back(args);
  return Status::Ok();
}
template <std::vector<std::vector<std::string>> Settings::*M>
std::string FormatList(const Def&, const Settings& s) {
  std::string out;
  for (const auto& line : s.*M) {
    if (!out.empty()) out += "; ";
    out += Join(line);
  }
  return out;
}
template <std::vector<std::vector<std::string>> Settings::*M>
std::vector<std::string> RewriteList(const Def&, const Settings& s) {
  std::vector<std::string> out;
  for (const auto& line : s.*M) {
    std::string l;
    for (const auto& a : line) {
      if (!l.empty()) l.push_back(' ');
      l += QuoteArgIfNeeded(a);
    }
    out.push_back(l);
  }
  return out;
}

// shoal-announce-ip writes cluster-announce-ip.
Status ParseShoalAnnounceIp(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  s.cluster_announce_ip = args[0];
  return Status::Ok();
}
std::string FormatShoalAnnounceIp(const Def&, const Settings& s) { return s.cluster_announce_ip; }

// Strings with a shape.
Status ParseHostname(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  for (char c : args[0]) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      return Status::Error("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
  }
  s.cluster_announce_hostname = args[0];
  return Status::Ok();
}

Status ParseProcTitle(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  static constexpr std::string_view kVars[] = {"{title}",      "{listen-addr}", "{server-mode}",
                                               "{port}",       "{tls-port}",    "{unixsocket}",
                                               "{config-file}"};
  std::string_view t = args[0];
  bool ok = !t.empty() && t.find_first_not_of(' ') != std::string_view::npos;
  for (size_t i = 0; ok && i < t.size();) {
    if (t[i] == '}') ok = false;
    if (t[i] != '{') {
      ++i;
      continue;
    }
    size_t end = t.find('}', i);
    if (end == std::string_view::npos) {
      ok = false;
      break;
    }
    std::string_view var = t.substr(i, end - i + 1);
    ok = std::find(std::begin(kVars), std::end(kVars), var) != std::end(kVars);
    i = end + 1;
  }
  if (!ok) return Status::Error("template format is invalid or contains unknown variables");
  s.proc_title_template = args[0];
  return Status::Ok();
}

Status ParseDbfilename(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  if (args[0].find('/') != std::string::npos) {
    return Status::Error("dbfilename can't be a path, just a filename");
  }
  s.dbfilename = args[0];
  return Status::Ok();
}

Status ParseDiscovery(const Def&, Settings& s, const Args& args, bool) {
  if (auto st = OneArg(args); !st) return st;
  std::string_view v = args[0];
  const std::string kWhat = "expected '' or 'dns:NAME' or 'static:host:port,host:port,...'";
  if (v.starts_with("dns:")) {
    if (v.size() == 4) return Status::Error(kWhat);
  } else if (v.starts_with("static:")) {
    std::string_view list = v.substr(7);
    if (list.empty()) return Status::Error(kWhat);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view hp = list.substr(0, comma);
      size_t colon = hp.rfind(':');
      if (colon == std::string_view::npos || colon == 0) return Status::Error(kWhat);
      auto port = base::ParseInt64(hp.substr(colon + 1));
      if (!port || *port < 1 || *port > 65535) return Status::Error(kWhat);
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
    }
  } else if (!v.empty()) {
    return Status::Error(kWhat);
  }
  s.shoal_discovery = args[0];
  return Status::Ok();
}

template <auto ParseFnV, auto M>
Def StrWith(std::string_view name, std::string_view def) {
  Def d = Str<M>(name, def);
  d.parse = ParseFnV;
  return d;
}

// --- Not built yet (drop the hook from the row when the feature lands) --------

std::string NotBuiltUnixsocket(const Settings& s) {
  return s.unixsocket.empty() ? ""
                              : "unixsocket " + s.unixsocket +
                                    ": unix sockets are not built yet in this version of shoal";
}
std::string NotBuiltRename(const Settings& s) {
  return s.rename_command.empty()
             ? ""
             : "rename-command " + Join(s.rename_command[0]) +
                   ": renaming commands is not built yet in this version of shoal";
}
std::string NotBuiltModules(const Settings& s) {
  return s.loadmodule.empty()
             ? ""
             : "loadmodule " + Join(s.loadmodule[0]) + ": modules are not supported by shoal";
}
std::string NotBuiltDaemonize(const Settings& s) {
  // Not a missing feature: a container entrypoint never daemonizes.
  return s.daemonize ? "daemonize yes: shoal always runs in the foreground (it is the "
                       "container's entrypoint); only 'daemonize no' is accepted"
                     : "";
}

void ClampHz(Settings& s) { s.hz = std::clamp<int64_t>(s.hz, 1, 500); }

std::vector<Def> BuildTable() {
  using S = Settings;
  std::vector<Def> t;
  auto add = [&](Def d) -> Def& { return t.emplace_back(d); };

  // --- network ---
  add(Special("bind", "* -::*", &ParseBind, &FormatBind, &RewriteBind));
  add(Str<&S::bind_source_addr>("bind-source-addr", ""));
  add(Bool<&S::protected_mode>("protected-mode", "no"));
  add(Int<&S::port>("port", "6379", 0, 65535));
  add(Int<&S::tcp_backlog>("tcp-backlog", "511", 0, kInt)).Flags(kImmutable);
  add(Str<&S::unixsocket>("unixsocket", "")).Flags(kImmutable).NotBuilt(&NotBuiltUnixsocket);
  add(Special("unixsocketperm", "0", &ParseOctal, &FormatOctal)).flags = kImmutable;
  add(Int<&S::timeout>("timeout", "0", 0, kInt));
  add(Int<&S::tcp_keepalive>("tcp-keepalive", "300", 0, kInt));
  add(Int<&S::socket_mark_id>("socket-mark-id", "0", 0, kUInt)).Flags(kImmutable);
  add(Int<&S::maxclients>("maxclients", "10000", 1, kUInt));
  add(Mem<&S::proto_max_bulk_len>("proto-max-bulk-len", "512mb", 1 << 20, kLL));
  add(Mem<&S::client_query_buffer_limit>("client-query-buffer-limit", "1gb", 1 << 20, kLL));
  add(Special("client-output-buffer-limit", "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60",
              &ParseCobl, &FormatCobl, &RewriteCobl))
      .Flags(kAccumulate);
  add(Int<&S::io_threads>("io-threads", "1", 1, 128)).Flags(kImmutable);
  add(Bool<&S::io_threads_do_reads>("io-threads-do-reads", "no")).Flags(kImmutable);
  // --- tls ---
  add(Int<&S::tls_port>("tls-port", "0", 0, 65535));
  add(Str<&S::tls_cert_file>("tls-cert-file", ""));
  add(Str<&S::tls_key_file>("tls-key-file", ""));
  add(Str<&S::tls_key_file_pass>("tls-key-file-pass", "")).Flags(kSecret);
  add(Str<&S::tls_client_cert_file>("tls-client-cert-file", ""));
  add(Str<&S::tls_client_key_file>("tls-client-key-file", ""));
  add(Str<&S::tls_client_key_file_pass>("tls-client-key-file-pass", "")).Flags(kSecret);
  add(Str<&S::tls_dh_params_file>("tls-dh-params-file", ""));
  add(Str<&S::tls_ca_cert_file>("tls-ca-cert-file", ""));
  add(Str<&S::tls_ca_cert_dir>("tls-ca-cert-dir", ""));
  add(Enum<&S::tls_auth_clients>("tls-auth-clients", "yes", kTlsAuth));
  add(Bool<&S::tls_replication>("tls-replication", "no"));
  add(Bool<&S::tls_cluster>("tls-cluster", "no"));
  add(Str<&S::tls_protocols>("tls-protocols", ""));
  add(Str<&S::tls_ciphers>("tls-ciphers", ""));
  add(Str<&S::tls_ciphersuites>("tls-ciphersuites", ""));
  add(Bool<&S::tls_prefer_server_ciphers>("tls-prefer-server-ciphers", "no"));
  add(Bool<&S::tls_session_caching>("tls-session-caching", "yes"));
  add(Int<&S::tls_session_cache_size>("tls-session-cache-size", "20480", 0, kInt));
  add(Int<&S::tls_session_cache_timeout>("tls-session-cache-timeout", "300", 0, kInt));
  // --- general ---
  add(Bool<&S::daemonize>("daemonize", "no")).Flags(kImmutable).NotBuilt(&NotBuiltDaemonize);
  add(Enum<&S::supervised>("supervised", "no", kSupervised)).Flags(kImmutable);
  add(Str<&S::pidfile>("pidfile", "")).Flags(kImmutable);
  add(Enum<&S::loglevel>("loglevel", "notice", kLoglevels));
  add(Str<&S::logfile>("logfile", "")).Flags(kImmutable);
  add(Bool<&S::syslog_enabled>("syslog-enabled", "no")).Flags(kImmutable);
  add(Str<&S::syslog_ident>("syslog-ident", "redis")).Flags(kImmutable);
  add(Enum<&S::syslog_facility>("syslog-facility", "local0", kSyslogFacility)).Flags(kImmutable);
  add(Bool<&S::crash_log_enabled>("crash-log-enabled", "yes"));
  add(Bool<&S::crash_memcheck_enabled>("crash-memcheck-enabled", "yes"));
  add(Int<&S::databases>("databases", "16", 1, kInt)).Flags(kImmutable);
  add(Bool<&S::always_show_logo>("always-show-logo", "no")).Flags(kImmutable);
  add(Bool<&S::set_proc_title>("set-proc-title", "yes")).Flags(kImmutable);
  add(StrWith<&ParseProcTitle, &S::proc_title_template>("proc-title-template",
                                                        "\"{title} {listen-addr} {server-mode}\""));
  add(Str<&S::ignore_warnings>("ignore-warnings", ""));
  add(Enum<&S::enable_protected_configs>("enable-protected-configs", "no", kEnableCommand))
      .Flags(kImmutable);
  add(Enum<&S::enable_debug_command>("enable-debug-command", "no", kEnableCommand))
      .Flags(kImmutable);
  add(Enum<&S::enable_module_command>("enable-module-command", "no", kEnableCommand))
      .Flags(kImmutable);
  add(Str<&S::server_cpulist>("server_cpulist", "")).Flags(kImmutable);
  add(Str<&S::bio_cpulist>("bio_cpulist", "")).Flags(kImmutable);
  add(Str<&S::aof_rewrite_cpulist>("aof_rewrite_cpulist", "")).Flags(kImmutable);
  add(Str<&S::bgsave_cpulist>("bgsave_cpulist", "")).Flags(kImmutable);
  add(Bool<&S::disable_thp>("disable-thp", "yes")).Flags(kImmutable);
  add(Bool<&S::jemalloc_bg_thread>("jemalloc-bg-thread", "yes"));
  add(Int<&S::hz>("hz", "10", 0, kInt)).Fixup(&ClampHz);
  add(Bool<&S::dynamic_hz>("dynamic-hz", "yes"));
  add(Special("rename-command", "", &ParseList<&S::rename_command, 2, 2>,
              &FormatList<&S::rename_command>, &RewriteList<&S::rename_command>))
      .Flags(kImmutable | kHidden | kAccumulate)
      .NotBuilt(&NotBuiltRename);
  add(Special("loadmodule", "", &ParseList<&S::loadmodule, 1, 1024>, &FormatList<&S::loadmodule>,
              &RewriteList<&S::loadmodule>))
      .Flags(kImmutable | kHidden | kAccumulate)
      .NotBuilt(&NotBuiltModules);
  // --- snapshotting ---
  add(Special("save", "3600 1 300 100 60 10000", &ParseSave, &FormatSave, &RewriteSave))
      .Flags(kAccumulate);
  add(Bool<&S::stop_writes_on_bgsave_error>("stop-writes-on-bgsave-error", "yes"));
  add(Bool<&S::rdbcompression>("rdbcompression", "yes"));
  add(Bool<&S::rdbchecksum>("rdbchecksum", "yes")).Flags(kImmutable);
  add(Enum<&S::sanitize_dump_payload>("sanitize-dump-payload", "no", kSanitize));
  add(StrWith<&ParseDbfilename, &S::dbfilename>("dbfilename", "dump.rdb")).Flags(kProtected);
  add(Bool<&S::rdb_del_sync_files>("rdb-del-sync-files", "no"));
  add(Str<&S::dir>("dir", "")).Flags(kProtected);
  add(Bool<&S::rdb_save_incremental_fsync>("rdb-save-incremental-fsync", "yes"));
  // --- replication ---
  add(Special("replicaof", "", &ParseReplicaof, &FormatReplicaof, &RewriteReplicaof))
      .Alias("slaveof")
      .Flags(kImmutable);
  add(Str<&S::masterauth>("masterauth", "")).Flags(kSecret);
  add(Str<&S::masteruser>("masteruser", ""));
  add(Bool<&S::replica_serve_stale_data>("replica-serve-stale-data", "yes"))
      .Alias("slave-serve-stale-data");
  add(Bool<&S::replica_read_only>("replica-read-only", "yes")).Alias("slave-read-only");
  add(Bool<&S::repl_diskless_sync>("repl-diskless-sync", "yes"));
  add(Int<&S::repl_diskless_sync_delay>("repl-diskless-sync-delay", "5", 0, kInt));
  add(Int<&S::repl_diskless_sync_max_replicas>("repl-diskless-sync-max-replicas", "0", 0, kInt));
  add(Enum<&S::repl_diskless_load>("repl-diskless-load", "disabled", kDisklessLoad));
  add(Int<&S::repl_ping_replica_period>("repl-ping-replica-period", "10", 1, kInt))
      .Alias("repl-ping-slave-period");
  add(Int<&S::repl_timeout>("repl-timeout", "60", 1, kInt));
  add(Bool<&S::repl_disable_tcp_nodelay>("repl-disable-tcp-nodelay", "no"));
  add(Mem<&S::repl_backlog_size>("repl-backlog-size", "1mb", 1, kLL));
  add(Int<&S::repl_backlog_ttl>("repl-backlog-ttl", "3600", 0, kLL));
  add(Int<&S::replica_priority>("replica-priority", "100", 0, kInt)).Alias("slave-priority");
  add(Bool<&S::replica_announced>("replica-announced", "yes"));
  add(Int<&S::min_replicas_to_write>("min-replicas-to-write", "0", 0, kInt))
      .Alias("min-slaves-to-write");
  add(Int<&S::min_replicas_max_lag>("min-replicas-max-lag", "10", 0, kInt))
      .Alias("min-slaves-max-lag");
  add(Str<&S::replica_announce_ip>("replica-announce-ip", "")).Alias("slave-announce-ip");
  add(Int<&S::replica_announce_port>("replica-announce-port", "0", 0, 65535))
      .Alias("slave-announce-port");
  add(Bool<&S::replica_ignore_maxmemory>("replica-ignore-maxmemory", "yes"))
      .Alias("slave-ignore-maxmemory");
  add(Bool<&S::replica_lazy_flush>("replica-lazy-flush", "no")).Alias("slave-lazy-flush");
  add(Bool<&S::replica_ignore_disk_write_errors>("replica-ignore-disk-write-errors", "no"));
  add(Enum<&S::propagation_error_behavior>("propagation-error-behavior", "ignore", kPropagation));
  // --- security ---
  add(Str<&S::requirepass>("requirepass", "")).Flags(kSecret);
  add(Str<&S::aclfile>("aclfile", "")).Flags(kImmutable);
  add(Int<&S::acllog_max_len>("acllog-max-len", "128", 0, kLL));
  add(Enum<&S::acl_pubsub_default>("acl-pubsub-default", "resetchannels", kAclPubsub));
  add(Special("user", "", &ParseList<&S::user, 1, 1024>, &FormatList<&S::user>,
              &RewriteList<&S::user>))
      .Flags(kImmutable | kHidden | kAccumulate | kSecret);
  // --- memory ---
  add(Mem<&S::maxmemory>("maxmemory", "0", 0, kLL));
  add(Enum<&S::maxmemory_policy>("maxmemory-policy", "noeviction", kMaxmemoryPolicies));
  add(Int<&S::maxmemory_samples>("maxmemory-samples", "5", 1, kInt));
  add(Int<&S::maxmemory_eviction_tenacity>("maxmemory-eviction-tenacity", "10", 0, 100));
  add(Special("maxmemory-clients", "0", &ParseMaxmemoryClients, &FormatMaxmemoryClients,
              &RewriteMaxmemoryClients))
      .flags = 0;
  add(Bool<&S::lazyfree_lazy_eviction>("lazyfree-lazy-eviction", "no"));
  add(Bool<&S::lazyfree_lazy_expire>("lazyfree-lazy-expire", "no"));
  add(Bool<&S::lazyfree_lazy_server_del>("lazyfree-lazy-server-del", "no"));
  add(Bool<&S::lazyfree_lazy_user_del>("lazyfree-lazy-user-del", "no"));
  add(Bool<&S::lazyfree_lazy_user_flush>("lazyfree-lazy-user-flush", "no"));
  add(Enum<&S::oom_score_adj>("oom-score-adj", "no", kOomScoreAdj));
  add(Special("oom-score-adj-values", "0 200 800", &ParseOomValues, &FormatOomValues));
  // --- append only file ---
  add(Bool<&S::appendonly>("appendonly", "no"));
  add(Str<&S::appendfilename>("appendfilename", "appendonly.aof")).Flags(kImmutable);
  add(Str<&S::appenddirname>("appenddirname", "appendonlydir")).Flags(kImmutable);
  add(Enum<&S::appendfsync>("appendfsync", "everysec", kAppendfsync));
  add(Bool<&S::no_appendfsync_on_rewrite>("no-appendfsync-on-rewrite", "no"));
  add(Int<&S::auto_aof_rewrite_percentage>("auto-aof-rewrite-percentage", "100", 0, kInt));
  add(Mem<&S::auto_aof_rewrite_min_size>("auto-aof-rewrite-min-size", "64mb", 0, kLL));
  add(Bool<&S::aof_load_truncated>("aof-load-truncated", "yes"));
  add(Bool<&S::aof_use_rdb_preamble>("aof-use-rdb-preamble", "yes"));
  add(Bool<&S::aof_timestamp_enabled>("aof-timestamp-enabled", "no"));
  add(Bool<&S::aof_rewrite_incremental_fsync>("aof-rewrite-incremental-fsync", "yes"));
  add(Bool<&S::aof_disable_auto_gc>("aof-disable-auto-gc", "no"));
  // --- shutdown, scripting ---
  add(Int<&S::shutdown_timeout>("shutdown-timeout", "10", 0, kInt));
  add(Special("shutdown-on-sigint", "default", &ParseShutdownFlags<&S::shutdown_on_sigint>,
              &FormatShutdownFlags<&S::shutdown_on_sigint>))
      .values = kShutdownFlags;
  add(Special("shutdown-on-sigterm", "default", &ParseShutdownFlags<&S::shutdown_on_sigterm>,
              &FormatShutdownFlags<&S::shutdown_on_sigterm>))
      .values = kShutdownFlags;
  add(Int<&S::busy_reply_threshold>("busy-reply-threshold", "5000", 0, kLL))
      .Alias("lua-time-limit");
  // --- cluster ---
  add(Bool<&S::cluster_enabled>("cluster-enabled", "no")).Flags(kImmutable);
  add(Str<&S::cluster_config_file>("cluster-config-file", "nodes.conf")).Flags(kImmutable);
  add(Int<&S::cluster_node_timeout>("cluster-node-timeout", "15000", 0, kLL));
  add(Int<&S::cluster_port>("cluster-port", "0", 0, 65535)).Flags(kImmutable);
  add(Int<&S::cluster_replica_validity_factor>("cluster-replica-validity-factor", "10", 0, kInt))
      .Alias("cluster-slave-validity-factor");
  add(Int<&S::cluster_migration_barrier>("cluster-migration-barrier", "1", 0, kInt));
  add(Bool<&S::cluster_allow_replica_migration>("cluster-allow-replica-migration", "yes"));
  add(Bool<&S::cluster_require_full_coverage>("cluster-require-full-coverage", "yes"));
  add(Bool<&S::cluster_replica_no_failover>("cluster-replica-no-failover", "no"))
      .Alias("cluster-slave-no-failover");
  add(Bool<&S::cluster_allow_reads_when_down>("cluster-allow-reads-when-down", "no"));
  add(Bool<&S::cluster_allow_pubsubshard_when_down>("cluster-allow-pubsubshard-when-down", "yes"));
  add(Mem<&S::cluster_link_sendbuf_limit>("cluster-link-sendbuf-limit", "0", 0, kLL));
  add(StrWith<&ParseHostname, &S::cluster_announce_hostname>("cluster-announce-hostname", ""));
  add(Enum<&S::cluster_preferred_endpoint_type>("cluster-preferred-endpoint-type", "ip",
                                                kEndpointType));
  add(Str<&S::cluster_announce_ip>("cluster-announce-ip", ""));
  add(Int<&S::cluster_announce_port>("cluster-announce-port", "0", 0, 65535));
  add(Int<&S::cluster_announce_tls_port>("cluster-announce-tls-port", "0", 0, 65535));
  add(Int<&S::cluster_announce_bus_port>("cluster-announce-bus-port", "0", 0, 65535));
  // --- slow log, latency, events ---
  add(Int<&S::slowlog_log_slower_than>("slowlog-log-slower-than", "10000", -1, kLL));
  add(Int<&S::slowlog_max_len>("slowlog-max-len", "128", 0, kLL));
  add(Int<&S::latency_monitor_threshold>("latency-monitor-threshold", "0", 0, kLL));
  add(Bool<&S::latency_tracking>("latency-tracking", "yes"));
  add(Special("latency-tracking-info-percentiles", "50 99 99.9", &ParsePercentiles,
              &FormatPercentiles));
  add(Special("notify-keyspace-events", "", &ParseNotify, &FormatNotify, &RewriteQuoted)).flags = 0;
  // --- encodings, data structures ---
  add(Int<&S::hash_max_listpack_entries>("hash-max-listpack-entries", "512", 0, kLL))
      .Alias("hash-max-ziplist-entries");
  add(Mem<&S::hash_max_listpack_value>("hash-max-listpack-value", "64", 0, kLL))
      .Alias("hash-max-ziplist-value");
  add(Int<&S::list_max_listpack_size>("list-max-listpack-size", "-2", INT_MIN, kInt))
      .Alias("list-max-ziplist-size");
  add(Int<&S::list_compress_depth>("list-compress-depth", "0", 0, kInt));
  add(Int<&S::set_max_intset_entries>("set-max-intset-entries", "512", 0, kLL));
  add(Int<&S::zset_max_listpack_entries>("zset-max-listpack-entries", "128", 0, kLL))
      .Alias("zset-max-ziplist-entries");
  add(Mem<&S::zset_max_listpack_value>("zset-max-listpack-value", "64", 0, kLL))
      .Alias("zset-max-ziplist-value");
  add(Mem<&S::hll_sparse_max_bytes>("hll-sparse-max-bytes", "3000", 0, kLL));
  add(Mem<&S::stream_node_max_bytes>("stream-node-max-bytes", "4096", 0, kLL));
  add(Int<&S::stream_node_max_entries>("stream-node-max-entries", "100", 0, kLL));
  add(Bool<&S::activerehashing>("activerehashing", "yes"));
  add(Int<&S::tracking_table_max_keys>("tracking-table-max-keys", "1000000", 0, kLL));
  add(Int<&S::lfu_log_factor>("lfu-log-factor", "10", 0, kInt));
  add(Int<&S::lfu_decay_time>("lfu-decay-time", "1", 0, kInt));
  add(Int<&S::active_expire_effort>("active-expire-effort", "1", 1, 10));
  // --- active defragmentation ---
  add(Bool<&S::activedefrag>("activedefrag", "no"));
  add(Mem<&S::active_defrag_ignore_bytes>("active-defrag-ignore-bytes", "100mb", 1, kLL));
  add(Int<&S::active_defrag_threshold_lower>("active-defrag-threshold-lower", "10", 0, 1000));
  add(Int<&S::active_defrag_threshold_upper>("active-defrag-threshold-upper", "100", 0, 1000));
  add(Int<&S::active_defrag_cycle_min>("active-defrag-cycle-min", "1", 1, 99));
  add(Int<&S::active_defrag_cycle_max>("active-defrag-cycle-max", "25", 1, 99));
  add(Int<&S::active_defrag_max_scan_fields>("active-defrag-max-scan-fields", "1000", 1, kLL));
  // --- shoal's own ---
  add(StrWith<&ParseDiscovery, &S::shoal_discovery>("shoal-discovery", ""))
      .Flags(kImmutable)
      .Help("peers: dns:NAME or static:host:port,...");
  add(Int<&S::shoal_cluster_size>("shoal-cluster-size", "6", 1, 1000))
      .Flags(kImmutable)
      .Help("fresh nodes to wait for before forming a cluster");
  add(Int<&S::shoal_replicas>("shoal-replicas", "1", 0, 100))
      .Flags(kImmutable)
      .Help("replicas per master when forming");
  add(Int<&S::shoal_http_port>("shoal-http-port", "8080", 0, 65535))
      .Flags(kImmutable)
      .Help("HTTP health/metrics port (0 = off)");
  add(Int<&S::shoal_shutdown_timeout>("shoal-shutdown-timeout", "8", 0, kInt))
      .Flags(kImmutable)
      .Help("seconds allowed for a graceful shutdown");
  add(Special("shoal-announce-ip", "", &ParseShoalAnnounceIp, &FormatShoalAnnounceIp))
      .Help("address announced to peers (sets cluster-announce-ip)")
      .flags = kImmutable | kNoRewrite;
  add(Int<&S::shoal_forget_after>("shoal-forget-after", "3600", 0, kInt))
      .Flags(kImmutable)
      .Help("seconds a node stays failed before it is forgotten (0 = never)");
  add(Int<&S::shoal_busy_poll_us>("shoal-busy-poll-us", "50", 0, 1000))
      .Help("microseconds the engine may poll before sleeping, adaptively (0 = never)");
  // Immutable: a client allowed CONFIG SET must not be able to turn it on
  // and then read the secrets.
  add(Bool<&S::shoal_config_get_secrets>("shoal-config-get-secrets", "no"))
      .Flags(kImmutable)
      .Help("CONFIG GET shows passwords as Redis does (no: \"(redacted)\")");
  return t;
}

}  // namespace

const std::vector<Def>& Config::Table() {
  static const std::vector<Def> table = BuildTable();
  return table;
}

}  // namespace node::config
