// node/repl/master.cc -- the master side of Replication (see replication.h):
// stream, backlog, PSYNC/SYNC, REPLCONF, ACK bookkeeping.

#include <random>

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/base/strings.h"
#include "node/repl/replication.h"

namespace node::repl {

namespace {

std::string RandomReplId() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(base::UnixUs()));
  const char* hex = "0123456789abcdef";
  std::string s(40, '0');
  for (auto& c : s) c = hex[rng() & 15];
  return s;
}

void AppendCommand(std::string& out, std::span<const std::string_view> args) {
  out.push_back('*');
  base::AppendInt64(out, static_cast<int64_t>(args.size()));
  out.append("\r\n");
  for (auto a : args) {
    out.push_back('$');
    base::AppendInt64(out, static_cast<int64_t>(a.size()));
    out.append("\r\n");
    out.append(a);
    out.append("\r\n");
  }
}

}  // namespace

const char* LinkStateName(LinkState s) {
  switch (s) {
    case LinkState::kNone:
      return "none";
    case LinkState::kConnect:
      return "connect";
    case LinkState::kConnecting:
      return "connecting";
    case LinkState::kHandshake:
      return "handshake";
    case LinkState::kSync:
      return "sync";
    case LinkState::kConnected:
      return "connected";
  }
  return "none";
}

Replication::Replication(asio::io_context& io, Settings s, Callbacks cb)
    : io_(io), s_(std::move(s)), cb_(std::move(cb)) {
  replid_ = RandomReplId();
  ClearReplicationId2();
  no_replicas_since_ms_ = base::MonoMs();
}

Replication::~Replication() {
  if (link_alive_) *link_alive_ = false;
}

void Replication::ClearReplicationId2() {
  replid2_.assign(40, '0');
  second_replid_offset_ = -1;
}

void Replication::ChangeReplicationId() { replid_ = RandomReplId(); }

void Replication::ShiftReplicationId() {
  restored_history_ = false;
  replid2_ = replid_;
  second_replid_offset_ = master_repl_offset_ + 1;
  ChangeReplicationId();
  LOG_INFO(
      "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
      replid2_, second_replid_offset_, replid_);
}

bool Replication::RestoreFromRdbAux(std::string_view replid, int64_t offset) {
  if (replid.size() != 40 || offset < 0) return false;
  for (char c : replid) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  // As a master after a restart (§7.2): the saved history becomes replid2,
  // valid up to the saved offset, and a new ID starts there. A replica that
  // is not ahead of the file (the file was written at a clean shutdown, or it
  // lagged) continues with PSYNC <saved id> <its offset + 1>; one that is
  // ahead (kill -9 after an older save) has bytes we lost, and must not
  // continue: replid2 only covers offsets <= saved offset + 1.
  ChangeReplicationId();
  replid2_ = std::string(replid);
  second_replid_offset_ = offset + 1;
  master_repl_offset_ = offset;
  reploff_ = offset;
  restored_history_ = true;
  // An empty backlog positioned right after the saved offset.
  CreateBacklog();
  slaveseldb_ = -1;
  no_replicas_since_ms_ = base::MonoMs();
  if (is_replica()) {
    cached_replid_ = replid2_;
    cached_offset_ = offset;
  }
  LOG_INFO("Replication history {} up to offset {} restored from the RDB file; new ID {}", replid2_,
           offset, replid_);
  return true;
}

bool Replication::OnlyRestoredHistory() const {
  return restored_history_ && master_repl_offset_ + 1 == second_replid_offset_;
}

bool Replication::SaveInfo(std::string* replid, int64_t* offset) const {
  if (is_replica()) {
    if (link_state_ == LinkState::kConnected) {
      *replid = replid_;
      *offset = reploff_;
      return true;
    }
    if (!cached_replid_.empty() && cached_offset_ >= 0) {
      *replid = cached_replid_;
      *offset = cached_offset_;
      return true;
    }
    return false;
  }
  // Nothing written since the restore: our whole history is the restored
  // ID's, the one other nodes know it by.
  *replid = OnlyRestoredHistory() ? replid2_ : replid_;
  *offset = master_repl_offset_;
  return true;
}

// --- Backlog ---------------------------------------------------------------

void Replication::CreateBacklog() {
  backlog_.assign(static_cast<size_t>(std::max<int64_t>(s_.backlog_size, 16 * 1024)), '\0');
  backlog_idx_ = 0;
  backlog_histlen_ = 0;
  backlog_off_ = master_repl_offset_ + 1;
  backlog_active_ = true;
}

void Replication::AppendBacklog(std::string_view bytes) {
  master_repl_offset_ += static_cast<int64_t>(bytes.size());
  size_t cap = backlog_.size();
  // Only the last `cap` bytes can survive.
  if (bytes.size() > cap) bytes = bytes.substr(bytes.size() - cap);
  size_t n = bytes.size();
  size_t first = std::min(n, cap - backlog_idx_);
  memcpy(&backlog_[backlog_idx_], bytes.data(), first);
  if (first < n) memcpy(&backlog_[0], bytes.data() + first, n - first);
  backlog_idx_ = (backlog_idx_ + n) % cap;
  backlog_histlen_ =
      std::min<int64_t>(backlog_histlen_ + static_cast<int64_t>(n), static_cast<int64_t>(cap));
  backlog_off_ = master_repl_offset_ - backlog_histlen_ + 1;
}

bool Replication::BacklogCovers(int64_t offset) const {
  return backlog_active_ && offset >= backlog_off_ && offset <= backlog_off_ + backlog_histlen_;
}

std::string Replication::BacklogFrom(int64_t offset) const {
  int64_t skip = offset - backlog_off_;
  int64_t len = backlog_histlen_ - skip;
  std::string out;
  if (len <= 0) return out;
  size_t cap = backlog_.size();
  // Oldest byte is at (idx - histlen) mod cap.
  size_t start =
      (backlog_idx_ + cap - static_cast<size_t>(backlog_histlen_) + static_cast<size_t>(skip)) %
      cap;
  out.resize(static_cast<size_t>(len));
  size_t first = std::min(static_cast<size_t>(len), cap - start);
  memcpy(out.data(), &backlog_[start], first);
  if (first < out.size()) memcpy(out.data() + first, &backlog_[0], out.size() - first);
  return out;
}

// --- Stream ------------------------------------------------------------------

void Replication::SendToReplicas(std::string_view bytes) {
  for (auto& [id, r] : replicas_) {
    if (!r.online || !cb_.send_to_client) continue;
    if (r.stream_on_ack) {
      r.held.append(bytes);
    } else {
      cb_.send_to_client(id, bytes);
    }
  }
}

void Replication::Feed(int db, std::span<const std::string_view> args) {
  if (!backlog_active_) return;
  // A replica never generates its own stream: it proxies its master's.
  if (is_replica()) return;
  std::string out;
  if (db >= 0 && db != slaveseldb_) {
    std::string dbs = std::to_string(db);
    std::string_view sel[] = {"SELECT", dbs};
    AppendCommand(out, sel);
    slaveseldb_ = db;
  }
  AppendCommand(out, args);
  AppendBacklog(out);
  SendToReplicas(out);
}

void Replication::FeedRaw(std::string_view bytes) {
  if (!backlog_active_) CreateBacklog();
  AppendBacklog(bytes);
  SendToReplicas(bytes);
}

void Replication::RequestAcks() {
  if (getack_pending_ || replicas_.empty()) return;
  getack_pending_ = true;
  asio::post(io_, [this] {
    getack_pending_ = false;
    std::string_view a[] = {"REPLCONF", "GETACK", "*"};
    Feed(slaveseldb_, a);
  });
}

// --- PSYNC / SYNC --------------------------------------------------------------

std::string Replication::Psync(uint64_t client_id, const std::string& peer_ip,
                               std::string_view req_replid, int64_t offset, bool legacy) {
  if (is_replica() && link_state_ != LinkState::kConnected) {
    return "NOMASTERLINK Can't SYNC while not connected with my master";
  }
  ReplicaClient& r = replicas_[client_id];
  r.client_id = client_id;
  if (r.ip.empty()) r.ip = peer_ip;
  r.ack_time_ms = base::MonoMs();
  // Partial resynchronisation (§6).
  if (!legacy && req_replid != "?") {
    bool id_ok =
        req_replid == replid_ || (req_replid == replid2_ && offset <= second_replid_offset_);
    if (id_ok && BacklogCovers(offset)) {
      std::string head = r.capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : "+CONTINUE\r\n";
      cb_.send_to_client(client_id, head);
      std::string tail = BacklogFrom(offset);
      if (!tail.empty()) cb_.send_to_client(client_id, tail);
      r.online = true;
      r.stream_on_ack = false;
      r.held.clear();
      stat_sync_partial_ok_++;
      LOG_INFO(
          "Partial resynchronization request from {} accepted. Sending {} bytes of backlog "
          "starting from offset {}.",
          r.ip, tail.size(), offset);
      return "";
    }
    stat_sync_partial_err_++;
    LOG_INFO("Partial resynchronization not accepted for {} (replid {} offset {}), full resync",
             r.ip, req_replid, offset);
  }
  // Full resynchronisation (§3.2 step 8): the RDB is built synchronously on
  // the engine thread, so it describes exactly master_repl_offset.
  if (!backlog_active_) {
    if (!is_replica()) {
      ChangeReplicationId();
      ClearReplicationId2();
    }
    CreateBacklog();
  }
  slaveseldb_ = -1;  // the next propagated command starts with SELECT
  stat_sync_full_++;
  std::string rdb = cb_.make_rdb(replid_, master_repl_offset_);
  std::string head;
  if (!legacy) head = "+FULLRESYNC " + replid_ + " " + std::to_string(master_repl_offset_) + "\r\n";
  std::string mark;
  if (s_.diskless_sync && r.capa_eof) {
    mark = RandomReplId();  // 40 random hex characters, as Redis uses
    head += "$EOF:" + mark + "\r\n";
  } else {
    head += "$" + std::to_string(rdb.size()) + "\r\n";
  }
  cb_.send_to_client(client_id, head);
  if (cb_.send_rdb_to_client) {
    cb_.send_rdb_to_client(client_id, rdb);
  } else {
    cb_.send_to_client(client_id, rdb);
  }
  if (!mark.empty()) cb_.send_to_client(client_id, mark);
  r.online = true;
  r.stream_on_ack = !mark.empty();
  r.held.clear();
  LOG_INFO("Synchronization with replica {}:{} started: full resync of {} bytes at offset {}", r.ip,
           r.port, rdb.size(), master_repl_offset_);
  return "";
}

std::string Replication::Replconf(uint64_t client_id, std::span<const std::string_view> args) {
  if ((args.size() - 1) % 2 != 0) return "ERR syntax error";
  bool reply = true;
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    std::string opt = base::ToLower(args[i]);
    std::string_view val = args[i + 1];
    if (opt == "listening-port") {
      auto p = base::ParseInt64(val);
      if (!p) return "ERR value is not an integer or out of range";
      replicas_[client_id].port = static_cast<int>(*p);
      replicas_[client_id].client_id = client_id;
    } else if (opt == "ip-address") {
      if (val.size() >= 256) {
        return "ERR REPLCONF ip-address provided by replica instance is too long: " +
               std::to_string(val.size()) + " bytes";
      }
      replicas_[client_id].ip = std::string(val);
      replicas_[client_id].client_id = client_id;
    } else if (opt == "capa") {
      auto& r = replicas_[client_id];
      r.client_id = client_id;
      if (base::EqualsIgnoreCase(val, "eof")) r.capa_eof = true;
      if (base::EqualsIgnoreCase(val, "psync2")) r.capa_psync2 = true;
    } else if (opt == "ack") {
      reply = false;
      auto it = replicas_.find(client_id);
      auto off = base::ParseInt64(val);
      if (it != replicas_.end() && it->second.online && off) {
        if (it->second.stream_on_ack) {  // the replica has the whole RDB
          it->second.stream_on_ack = false;
          std::string held = std::move(it->second.held);
          it->second.held.clear();
          if (!held.empty() && cb_.send_to_client) cb_.send_to_client(client_id, held);
        }
        it->second.ack_off = std::max(it->second.ack_off, *off);
        it->second.ack_time_ms = base::MonoMs();
        if (cb_.acks_changed) cb_.acks_changed();
      }
    } else if (opt == "getack") {
      reply = false;
      if (is_replica() && link_up()) SendAck();
    } else if (opt == "rdb-only" || opt == "rdb-filter-only") {
      // accepted; shoal always sends the whole dataset and stream
    } else {
      return "ERR Unrecognized REPLCONF option: " + std::string(args[i]);
    }
  }
  return reply ? "" : "-";
}

void Replication::OnClientClosed(uint64_t client_id) {
  auto it = replicas_.find(client_id);
  if (it == replicas_.end()) return;
  if (it->second.online)
    LOG_INFO("Connection with replica {}:{} lost.", it->second.ip, it->second.port);
  replicas_.erase(it);
  if (replicas_.empty()) no_replicas_since_ms_ = base::MonoMs();
}

void Replication::DisconnectReplicas() {
  auto copy = replicas_;
  for (auto& [id, r] : copy) {
    if (cb_.close_client) cb_.close_client(id);
  }
  replicas_.clear();
}

int Replication::CountAcked(int64_t offset) const {
  int n = 0;
  for (auto& [id, r] : replicas_) {
    if (r.online && r.ack_off >= offset) n++;
  }
  return n;
}

int Replication::GoodReplicas() const {
  int64_t now = base::MonoMs();
  int n = 0;
  for (auto& [id, r] : replicas_) {
    if (r.online && now - r.ack_time_ms <= s_.min_replicas_max_lag * 1000) n++;
  }
  return n;
}

bool Replication::NotEnoughGoodReplicas() const {
  if (is_replica() || s_.min_replicas_to_write <= 0 || s_.min_replicas_max_lag <= 0) return false;
  return GoodReplicas() < s_.min_replicas_to_write;
}

// --- INFO ----------------------------------------------------------------------

std::string Replication::InfoSection(bool replica_read_only, int64_t replica_priority) const {
  std::string s = "# Replication\r\n";
  auto line = [&](const std::string& k, const std::string& v) { s += k + ":" + v + "\r\n"; };
  int64_t now = base::MonoMs();
  if (is_replica()) {
    line("role", "slave");
    line("master_host", master_host_);
    line("master_port", std::to_string(master_port_));
    line("master_link_status", link_up() ? "up" : "down");
    line("master_last_io_seconds_ago",
         link_up() ? std::to_string((now - last_io_ms_) / 1000) : std::string("-1"));
    line("master_sync_in_progress", link_state_ == LinkState::kSync ? "1" : "0");
    line("slave_read_repl_offset", std::to_string(reploff_));
    line("slave_repl_offset", std::to_string(reploff_));
    if (!link_up()) {
      line("master_link_down_since_seconds",
           link_down_since_ms_ ? std::to_string((now - link_down_since_ms_) / 1000) : "-1");
    }
    line("slave_priority", std::to_string(replica_priority));
    line("slave_read_only", replica_read_only ? "1" : "0");
    line("replica_announced", "1");
  } else {
    line("role", "master");
  }
  int online = 0;
  for (auto& [id, r] : replicas_) online += r.online ? 1 : 0;
  line("connected_slaves", std::to_string(online));
  if (s_.min_replicas_to_write > 0 && s_.min_replicas_max_lag > 0) {
    line("min_slaves_good_slaves", std::to_string(GoodReplicas()));
  }
  int i = 0;
  for (auto& [id, r] : replicas_) {
    if (!r.online) continue;
    line("slave" + std::to_string(i++), "ip=" + r.ip + ",port=" + std::to_string(r.port) +
                                            ",state=online,offset=" + std::to_string(r.ack_off) +
                                            ",lag=" + std::to_string((now - r.ack_time_ms) / 1000));
  }
  line("master_failover_state", "no-failover");
  line("master_replid", replid_);
  line("master_replid2", replid2_);
  line("master_repl_offset", std::to_string(master_repl_offset_));
  line("second_repl_offset", std::to_string(second_replid_offset_));
  line("repl_backlog_active", backlog_active_ ? "1" : "0");
  line("repl_backlog_size", std::to_string(s_.backlog_size));
  line("repl_backlog_first_byte_offset", std::to_string(backlog_active_ ? backlog_off_ : 0));
  line("repl_backlog_histlen", std::to_string(backlog_histlen_));
  return s;
}

// --- Cron ------------------------------------------------------------------------

void Replication::Cron(int64_t now_ms) {
  (void)now_ms;
  int64_t now = base::MonoMs();
  // Master: periodic PING into the stream while replicas are attached.
  if (!is_replica() && !replicas_.empty() && !paused_ &&
      now - last_ping_ms_ >= s_.ping_period_s * 1000) {
    last_ping_ms_ = now;
    std::string_view ping[] = {"ping"};
    Feed(slaveseldb_, ping);
  }
  // Master: drop replicas that went silent for repl-timeout.
  std::vector<uint64_t> dead;
  for (auto& [id, r] : replicas_) {
    if (r.online && now - r.ack_time_ms > s_.timeout_s * 1000) dead.push_back(id);
  }
  for (uint64_t id : dead) {
    LOG_WARN("Disconnecting timedout replica (streaming sync): {}", replicas_[id].ip);
    if (cb_.close_client) cb_.close_client(id);
    OnClientClosed(id);
  }
  // Master: free the backlog after repl-backlog-ttl without replicas.
  if (!is_replica() && backlog_active_ && replicas_.empty() && s_.backlog_ttl_s > 0 &&
      now - no_replicas_since_ms_ > s_.backlog_ttl_s * 1000) {
    ChangeReplicationId();
    ClearReplicationId2();
    backlog_active_ = false;
    backlog_.clear();
    backlog_histlen_ = 0;
    LOG_INFO("Replication backlog freed after {} seconds without connected replicas.",
             s_.backlog_ttl_s);
  }
  // Replica: connect, ACK every second, timeouts.
  if (is_replica()) {
    if (link_state_ == LinkState::kConnect && now >= connect_after_ms_) Connect();
    if (link_state_ == LinkState::kConnected && now - last_ack_ms_ >= 1000) SendAck();
    if (link_state_ != LinkState::kNone && link_state_ != LinkState::kConnect &&
        now - last_io_ms_ > s_.timeout_s * 1000) {
      CloseLink("timeout with the master");
    }
  }
}

}  // namespace node::repl
