// entrypoint/health/render.cc
//
// Readiness rules, the /healthz JSON writer and the /metrics text writer.
// The JSON is hand-rolled (one flat writer, ~60 lines) rather than pulling in
// nlohmann-json: the documents are small, write-only and fixed in shape, and
// the only hard part — escaping, including invalid UTF-8 — is tested here.

#include "entrypoint/health/render.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <string>

namespace entrypoint::health {

using node::server::NodeStatus;

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 if invalid (overlongs,
// surrogates and code points past U+10FFFF are invalid).
size_t Utf8SeqLen(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; k++) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

// A flat JSON object writer: Key() then a value; nesting via Begin/End.
class JsonWriter {
 public:
  JsonWriter& Begin(std::string_view key = {}) {
    Key(key);
    out_ += '{';
    first_ = true;
    return *this;
  }
  JsonWriter& End() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  JsonWriter& Str(std::string_view key, std::string_view v) {
    Key(key);
    out_ += JsonQuote(v);
    return *this;
  }
  JsonWriter& Int(std::string_view key, int64_t v) {
    Key(key);
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& UInt(std::string_view key, uint64_t v) {
    Key(key);
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& Bool(std::string_view key, bool v) {
    Key(key);
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& Double(std::string_view key, double v) {
    Key(key);
    out_ += FormatDouble(v);
    return *this;
  }
  std::string Take() { return std::move(out_); }

  static std::string FormatDouble(double v) {
    if (!(v == v) || v > 1e300 || v < -1e300) return "0";  // NaN/Inf are not JSON
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string(buf, r.ptr);
  }

 private:
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    if (!key.empty()) {
      out_ += JsonQuote(key);
      out_ += ':';
    }
  }
  std::string out_;
  bool first_ = true;
};

// --- Prometheus ---------------------------------------------------------------

class PromWriter {
 public:
  // A metric family without labels.
  void Gauge(std::string_view name, std::string_view help, double v) {
    Family(name, "gauge", help);
    Sample(name, {}, v);
  }
  void Counter(std::string_view name, std::string_view help, double v) {
    Family(name, "counter", help);
    Sample(name, {}, v);
  }
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += PromHelpText(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void Sample(std::string_view name, const std::map<std::string, std::string>& labels, double v) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, val] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        out_ += PromLabelValue(val);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += JsonWriter::FormatDouble(v);
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

double D(uint64_t v) { return static_cast<double>(v); }
double D(int64_t v) { return static_cast<double>(v); }
double D(int v) { return static_cast<double>(v); }

void WriteRedisMetrics(PromWriter& w, const NodeStatus& s, std::string_view redis_version) {
  const bool replica = s.role != "master";
  w.Gauge("redis_uptime_in_seconds", "Seconds since the node started", D(s.uptime_s));
  w.Family("redis_instance_info", "gauge", "Information about the instance");
  w.Sample("redis_instance_info",
           {{"role", replica ? "slave" : "master"},
            {"redis_version", std::string(redis_version)},
            {"redis_mode", s.cluster_enabled ? "cluster" : "standalone"},
            {"tcp_port", std::to_string(s.tcp_port)},
            {"run_id", s.run_id}},
           1);
  w.Gauge("redis_connected_clients", "Connected clients", D(s.connected_clients));
  w.Gauge("redis_blocked_clients", "Clients blocked in a blocking command", D(s.blocked_clients));
  w.Gauge("redis_memory_used_bytes", "Memory used by the dataset and the node", D(s.used_memory));
  w.Gauge("redis_memory_used_rss_bytes", "Resident set size", D(s.used_memory_rss));
  w.Gauge("redis_memory_max_bytes", "The maxmemory setting (0 = no limit)", D(s.maxmemory));
  w.Counter("redis_commands_processed_total", "Commands processed", D(s.total_commands_processed));
  w.Counter("redis_connections_received_total", "Connections accepted",
            D(s.total_connections_received));
  w.Counter("redis_net_input_bytes_total", "Bytes read from clients", D(s.total_net_input_bytes));
  w.Counter("redis_net_output_bytes_total", "Bytes written to clients",
            D(s.total_net_output_bytes));
  w.Counter("redis_expired_keys_total", "Keys removed because their TTL passed", D(s.expired_keys));
  w.Counter("redis_evicted_keys_total", "Keys evicted by the maxmemory policy", D(s.evicted_keys));
  w.Counter("redis_keyspace_hits_total", "Successful key lookups", D(s.keyspace_hits));
  w.Counter("redis_keyspace_misses_total", "Failed key lookups", D(s.keyspace_misses));

  // db0 is always there (the only database in cluster mode).
  std::map<int, std::pair<uint64_t, uint64_t>> dbs{{0, {0, 0}}};
  for (const auto& [db, n] : s.db_keys) dbs[db].first = n;
  for (const auto& [db, n] : s.db_expires) dbs[db].second = n;
  w.Family("redis_db_keys", "gauge", "Keys in the database");
  for (const auto& [db, n] : dbs) {
    w.Sample("redis_db_keys", {{"db", "db" + std::to_string(db)}}, D(n.first));
  }
  w.Family("redis_db_keys_expiring", "gauge", "Keys with a TTL in the database");
  for (const auto& [db, n] : dbs) {
    w.Sample("redis_db_keys_expiring", {{"db", "db" + std::to_string(db)}}, D(n.second));
  }

  w.Gauge("redis_cluster_enabled", "1 when the node runs in cluster mode", s.cluster_enabled);
  if (s.cluster_enabled) {
    w.Gauge("redis_cluster_state", "1 when cluster_state is ok", s.cluster_state == "ok");
    w.Gauge("redis_cluster_slots_assigned", "Slots with an owner", D(s.slots_assigned));
    w.Gauge("redis_cluster_slots_ok", "Slots whose owner is not failing", D(s.slots_ok));
    w.Gauge("redis_cluster_slots_pfail", "Slots whose owner is PFAIL", D(s.slots_pfail));
    w.Gauge("redis_cluster_slots_fail", "Slots whose owner is FAIL", D(s.slots_fail));
    w.Gauge("redis_cluster_known_nodes", "Nodes in this node's table", D(s.known_nodes));
    w.Gauge("redis_cluster_size", "Masters serving at least one slot", D(s.cluster_size));
    w.Gauge("redis_cluster_current_epoch", "The cluster's current epoch", D(s.current_epoch));
  }
  if (replica) {
    w.Gauge("redis_master_link_up", "1 when the link to the master is up and synced",
            s.master_link_up);
  }
  w.Gauge("redis_connected_slaves", "Replicas connected to this node", D(s.connected_replicas));
  w.Gauge("redis_master_repl_offset", "The replication offset", D(s.repl_offset));
  w.Gauge("redis_rdb_last_save_timestamp_seconds", "Unix time of the last successful save",
          D(s.rdb_last_save_time));
  w.Gauge("redis_rdb_changes_since_last_save", "Writes since the last save",
          D(s.rdb_changes_since_last_save));
  w.Gauge("redis_aof_enabled", "1 when appendonly is on", s.aof_enabled);
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8SeqLen(s, i);
      if (n == 0) {
        out += "\\ufffd";
        i++;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    i++;
  }
  out += '"';
  return out;
}

std::string PromLabelValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PromHelpText(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Readiness CheckReady(const std::optional<NodeStatus>& st) {
  if (!st || !st->loop_alive) return {false, "engine loop is not answering"};
  if (!st->cluster_enabled) return {true, "ok"};
  if (st->cluster_state != "ok") return {false, "cluster_state " + st->cluster_state};
  if (st->role == "master") {
    if (st->my_slots <= 0) return {false, "master serves no slots"};
    return {true, "ok"};
  }
  if (!st->master_link_up) return {false, "replica link to master is down"};
  return {true, "ok"};
}

std::string RenderHealthJson(const std::optional<NodeStatus>& st, const Readiness& ready,
                             const Extras& extras) {
  JsonWriter w;
  w.Begin();
  w.Bool("live", st.has_value() && st->loop_alive);
  w.Bool("ready", ready.ready);
  w.Str("reason", ready.reason);
  if (st) {
    w.Str("role", st->role);
    w.Str("node_id", st->my_id);
    w.Int("tcp_port", st->tcp_port);
    w.Int("uptime_seconds", st->uptime_s);
    w.Begin("cluster")
        .Bool("enabled", st->cluster_enabled)
        .Str("state", st->cluster_state)
        .UInt("current_epoch", st->current_epoch)
        .Int("my_slots", st->my_slots)
        .Int("slots_assigned", st->slots_assigned)
        .Int("slots_ok", st->slots_ok)
        .Int("slots_pfail", st->slots_pfail)
        .Int("slots_fail", st->slots_fail)
        .Int("known_nodes", st->known_nodes)
        .Int("size", st->cluster_size)
        .End();
    w.Begin("replication")
        .Str("role", st->role)
        .Str("master_host", st->master_host)
        .Int("master_port", st->master_port)
        .Bool("master_link_up", st->master_link_up)
        .Int("connected_replicas", st->connected_replicas)
        .Int("offset", st->repl_offset)
        .End();
    w.Begin("clients")
        .Int("connected", st->connected_clients)
        .Int("blocked", st->blocked_clients)
        .End();
    w.Begin("memory").UInt("used", st->used_memory).UInt("max", st->maxmemory).End();
  }
  w.Begin("bootstrap")
      .Str("phase", extras.bootstrap_phase)
      .Double("formation_seconds", extras.formation_seconds)
      .UInt("failovers", extras.failovers_total)
      .End();
  w.Str("last_error", extras.last_error);
  w.End();
  return w.Take();
}

std::string RenderMetrics(const std::optional<NodeStatus>& st, const Extras& extras,
                          std::string_view redis_version) {
  PromWriter w;
  const bool up = st.has_value() && st->loop_alive;
  w.Gauge("redis_up", "1 when the engine loop answered the scrape in time", up);
  if (up) WriteRedisMetrics(w, *st, redis_version);
  w.Family("shoal_bootstrap_phase", "gauge", "The bootstrap's current phase (always 1)");
  w.Sample("shoal_bootstrap_phase",
           {{"phase", extras.bootstrap_phase.empty() ? "none" : extras.bootstrap_phase}}, 1);
  w.Gauge("shoal_formation_seconds", "Seconds the cluster formation took (0 until formed)",
          extras.formation_seconds);
  w.Counter("shoal_failovers_total", "Failovers this node took part in", D(extras.failovers_total));
  return w.Take();
}

}  // namespace entrypoint::health
