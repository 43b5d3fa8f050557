// node/repl/replica.cc -- the replica side of Replication (see
// replication.h): the link to our master, handshake, RDB transfer and the
// command stream (reference/replication.md §2, §4, §5).

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/base/strings.h"
#include "node/net/tls_context.h"
#include "node/repl/replication.h"

namespace node::repl {

namespace {

std::string Command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

enum Step {
  kWaitPong = 1,
  kWaitHandshakeReplies = 2,
  kWaitPsyncReply = 3,
  kWaitBulkHeader = 4,
  kReadBulk = 5,
  kStreaming = 6,
};

}  // namespace

void Replication::SetMaster(const std::string& host, int port) {
  bool was_master = !is_replica();
  if (!was_master && host == master_host_ && port == master_port_) return;
  if (was_master) {
    // Demotion: continue from our own history (§7.3). Right after a restore
    // from an RDB with nothing written since, that history is the restored
    // ID's (replid2), which the new master may know; our own new ID it cannot
    // know, so asking with it would force a full resync.
    cached_replid_ = OnlyRestoredHistory() ? replid2_ : replid_;
    cached_offset_ = master_repl_offset_;
    if (cb_.role_changed) cb_.role_changed(true);
  } else {
    CloseLink("master changed");
  }
  master_host_ = host;
  master_port_ = port;
  link_state_ = LinkState::kConnect;
  connect_after_ms_ = 0;
  link_down_since_ms_ = base::MonoMs();
  LOG_INFO("Connecting to MASTER {}:{}", host, port);
  Connect();
}

void Replication::UnsetMaster() {
  if (!is_replica()) return;
  LOG_INFO("MASTER MODE enabled (user request from or failover)");
  CloseLink("promoted to master");
  master_host_.clear();
  master_port_ = 0;
  link_state_ = LinkState::kNone;
  cached_replid_.clear();
  cached_offset_ = -1;
  ShiftReplicationId();
  // Sub-replicas reconnect and continue with the old id as replid2.
  DisconnectReplicas();
  slaveseldb_ = -1;
  if (!backlog_active_) CreateBacklog();
  no_replicas_since_ms_ = base::MonoMs();
  if (cb_.role_changed) cb_.role_changed(false);
}

void Replication::CloseLink(const char* why) {
  if (link_state_ == LinkState::kConnected) {
    // Keep our place in the master's history for a partial resync.
    cached_replid_ = replid_;
    cached_offset_ = reploff_;
    LOG_INFO("Connection with master lost ({}).", why);
  }
  if (link_alive_) *link_alive_ = false;
  link_alive_.reset();
  if (sock_) {
    sock_->close();
    sock_.reset();
  }
  rbuf_.clear();
  parser_.Reset();  // a command cut by the close must not swallow the next link's bytes
  wbuf_.clear();
  wbuf_inflight_.clear();
  writing_ = false;
  rdb_.clear();
  if (is_replica()) {
    link_state_ = LinkState::kConnect;
    connect_after_ms_ = base::MonoMs() + 1000;
    link_down_since_ms_ = base::MonoMs();
  }
}

void Replication::Connect() {
  if (!is_replica() || sock_) return;
  link_state_ = LinkState::kConnecting;
  last_io_ms_ = base::MonoMs();
  std::shared_ptr<net::Stream> sock;
  if (s_.tls) {
    auto tls = net::ActiveTls();
    if (!tls) {
      LOG_WARN("tls-replication yes but TLS is not configured");
      link_state_ = LinkState::kConnect;
      connect_after_ms_ = base::MonoMs() + 1000;
      return;
    }
    sock = std::make_shared<net::Stream>(io_, tls->client);
  } else {
    sock = std::make_shared<net::Stream>(io_);
  }
  auto alive = std::make_shared<bool>(true);
  sock_ = sock;
  link_alive_ = alive;
  asio::error_code ec;
  auto addr = asio::ip::make_address(master_host_, ec);
  if (ec) {
    // A host name: resolve it synchronously (rare; cluster mode uses IPs).
    asio::ip::tcp::resolver res(io_);
    auto results = res.resolve(master_host_, std::to_string(master_port_), ec);
    if (ec || results.empty()) {
      LOG_WARN("Unable to resolve master {}: {}", master_host_, ec.message());
      CloseLink("resolve failed");
      return;
    }
    addr = results.begin()->endpoint().address();
  }
  asio::ip::tcp::endpoint ep(addr, static_cast<uint16_t>(master_port_));
  sock->socket().open(ep.protocol(), ec);
  if (!s_.bind_ip.empty()) {
    auto local = asio::ip::make_address(s_.bind_ip, ec);
    if (!ec && local.is_v4() == addr.is_v4()) {
      sock->socket().bind(asio::ip::tcp::endpoint(local, 0), ec);
    }
  }
  auto linked = [this, sock] {
    LOG_INFO("MASTER <-> REPLICA sync started");
    asio::error_code e;
    sock->socket().set_option(asio::ip::tcp::no_delay(true), e);
    link_state_ = LinkState::kHandshake;
    handshake_step_ = kWaitPong;
    last_io_ms_ = base::MonoMs();
    WriteLink(Command({"PING"}));
    ReadLink();
  };
  sock->socket().async_connect(ep, [this, alive, sock, linked](const asio::error_code& cec) {
    if (!*alive) return;
    if (cec) {
      LOG_WARN("Error condition on socket for SYNC: {}", cec.message());
      CloseLink("connect failed");
      return;
    }
    if (!sock->tls()) {
      linked();
      return;
    }
    sock->async_handshake(false, [this, alive, linked](const asio::error_code& hec) {
      if (!*alive) return;
      if (hec) {
        LOG_WARN("Error condition on socket for SYNC: TLS handshake: {}", hec.message());
        CloseLink("TLS handshake failed");
        return;
      }
      linked();
    });
  });
}

void Replication::WriteLink(std::string bytes) {
  wbuf_ += bytes;
  if (writing_ || !sock_) return;
  writing_ = true;
  wbuf_inflight_.swap(wbuf_);
  wbuf_.clear();
  auto alive = link_alive_;
  // The handler holds the stream: a TLS stream must outlive its pending
  // operations even when CloseLink drops the link meanwhile.
  auto sock = sock_;
  asio::async_write(*sock_, asio::buffer(wbuf_inflight_),
                    [this, alive, sock](const asio::error_code& ec, size_t) {
                      if (!*alive) return;
                      writing_ = false;
                      wbuf_inflight_.clear();
                      if (ec) {
                        CloseLink("write error");
                        return;
                      }
                      if (!wbuf_.empty()) WriteLink("");
                    });
}

void Replication::ReadLink() {
  if (!sock_) return;
  auto alive = link_alive_;
  auto buf = std::make_shared<std::array<char, 65536>>();
  auto sock = sock_;  // kept alive by the handler (see WriteLink)
  sock_->async_read_some(
      asio::buffer(*buf), [this, alive, buf, sock](const asio::error_code& ec, size_t n) {
        if (!*alive) return;
        if (ec) {
          CloseLink(ec == asio::error::eof ? "connection closed by master" : "read error");
          return;
        }
        last_io_ms_ = base::MonoMs();
        rbuf_.append(buf->data(), n);
        OnLinkData();
        if (*alive && sock_) ReadLink();
      });
}

bool Replication::ReadLine(std::string* line) {
  size_t nl = rbuf_.find('\n');
  if (nl == std::string::npos) return false;
  size_t end = nl;
  if (end > 0 && rbuf_[end - 1] == '\r') end--;
  line->assign(rbuf_, 0, end);
  rbuf_.erase(0, nl + 1);
  return true;
}

void Replication::StartPsync() {
  std::string id = "?", off = "-1";
  if (!cached_replid_.empty() && cached_offset_ >= 0) {
    id = cached_replid_;
    off = std::to_string(cached_offset_ + 1);
  }
  LOG_INFO("Trying a partial resynchronization (request {}:{}).", id, off);
  handshake_step_ = kWaitPsyncReply;
  WriteLink(Command({"PSYNC", id, off}));
}

void Replication::OnLinkData() {
  std::string line;
  while (sock_) {
    switch (handshake_step_) {
      case kWaitPong: {
        if (!ReadLine(&line)) return;
        if (!(line.starts_with("+") || line.starts_with("-NOAUTH") || line.starts_with("-NOPERM") ||
              line.starts_with("-ERR operation not permitted"))) {
          LOG_WARN("Error reply to PING from master: '{}'", line);
          CloseLink("bad PING reply");
          return;
        }
        std::string out;
        pending_replies_ = 0;
        if (!s_.masterauth.empty()) {
          out += s_.masteruser.empty() ? Command({"AUTH", s_.masterauth})
                                       : Command({"AUTH", s_.masteruser, s_.masterauth});
          pending_replies_++;
        }
        out += Command({"REPLCONF", "listening-port", std::to_string(s_.listening_port)});
        pending_replies_++;
        if (!s_.announce_ip.empty()) {
          out += Command({"REPLCONF", "ip-address", s_.announce_ip});
          pending_replies_++;
        }
        out += Command({"REPLCONF", "capa", "eof", "capa", "psync2"});
        pending_replies_++;
        handshake_step_ = kWaitHandshakeReplies;
        WriteLink(out);
        break;
      }
      case kWaitHandshakeReplies: {
        if (!ReadLine(&line)) return;
        if (line.empty()) break;
        bool first = pending_replies_ ==
                     (s_.masterauth.empty() ? 0 : 1) + 2 + (s_.announce_ip.empty() ? 0 : 1);
        if (first && !s_.masterauth.empty() && line.starts_with("-")) {
          LOG_WARN("Unable to AUTH to MASTER: {}", line);
          CloseLink("AUTH failed");
          return;
        }
        if (--pending_replies_ == 0) StartPsync();
        break;
      }
      case kWaitPsyncReply: {
        if (!ReadLine(&line)) return;
        if (line.empty()) break;  // keep-alive while the master prepares
        if (line.starts_with("+FULLRESYNC")) {
          auto parts = line.substr(12);
          size_t sp = parts.find(' ');
          fullresync_replid_ = parts.substr(0, sp);
          if (fullresync_replid_.size() != 40) fullresync_replid_.assign(40, '0');
          fullresync_offset_ =
              sp == std::string::npos ? 0 : base::ParseInt64(parts.substr(sp + 1)).value_or(0);
          LOG_INFO("Full resync from master: {}:{}", fullresync_replid_, fullresync_offset_);
          link_state_ = LinkState::kSync;
          handshake_step_ = kWaitBulkHeader;
          // A full sync: our sub-replicas must resync too.
          DisconnectReplicas();
        } else if (line.starts_with("+CONTINUE")) {
          std::string newid = line.size() > 10 ? line.substr(10) : "";
          LOG_INFO("Successful partial resynchronization with master.");
          if (newid.size() == 40 && newid != cached_replid_) {
            replid2_ = cached_replid_;
            second_replid_offset_ = cached_offset_ + 1;
            replid_ = newid;
            DisconnectReplicas();
          } else {
            replid_ = cached_replid_;
          }
          reploff_ = cached_offset_;
          master_repl_offset_ = reploff_;
          restored_history_ = false;
          if (!backlog_active_) CreateBacklog();
          link_state_ = LinkState::kConnected;
          ever_connected_ = true;
          parser_.Reset();
          handshake_step_ = kStreaming;
          if (cb_.role_changed) cb_.role_changed(true);
        } else if (line.starts_with("-NOMASTERLINK") || line.starts_with("-LOADING")) {
          LOG_INFO("Master is currently unable to PSYNC but should be in the future: {}", line);
          CloseLink("master not ready");
          return;
        } else {
          LOG_WARN("Unexpected reply to PSYNC from master: {}; trying SYNC", line);
          fullresync_replid_.assign(40, '0');
          fullresync_offset_ = -1;
          link_state_ = LinkState::kSync;
          handshake_step_ = kWaitBulkHeader;
          WriteLink("SYNC\r\n");
        }
        break;
      }
      case kWaitBulkHeader: {
        if (!ReadLine(&line)) return;
        if (line.empty()) break;  // keep-alive
        if (line[0] == '-') {
          LOG_WARN("MASTER aborted replication with an error: {}", line);
          CloseLink("master error");
          return;
        }
        if (line[0] != '$') {
          LOG_WARN("Bad protocol from MASTER, the first byte is not '$': {}", line);
          CloseLink("bad bulk header");
          return;
        }
        rdb_.clear();
        if (line.starts_with("$EOF:") && line.size() >= 45) {
          eof_mark_ = line.substr(5, 40);
          rdb_size_ = -1;
        } else {
          eof_mark_.clear();
          rdb_size_ = base::ParseInt64(std::string_view(line).substr(1)).value_or(-1);
          if (rdb_size_ < 0) {
            CloseLink("bad bulk length");
            return;
          }
        }
        handshake_step_ = kReadBulk;
        break;
      }
      case kReadBulk: {
        if (rdb_size_ >= 0) {
          size_t need = static_cast<size_t>(rdb_size_) - rdb_.size();
          size_t take = std::min(need, rbuf_.size());
          rdb_.append(rbuf_, 0, take);
          rbuf_.erase(0, take);
          if (rdb_.size() < static_cast<size_t>(rdb_size_)) return;
        } else {
          rdb_ += rbuf_;
          rbuf_.clear();
          if (rdb_.size() < 40 || rdb_.compare(rdb_.size() - 40, 40, eof_mark_) != 0) return;
          rdb_.resize(rdb_.size() - 40);
        }
        std::string rdb = std::move(rdb_);
        rdb_.clear();
        OnRdbLoaded(rdb);
        if (!sock_) return;
        break;
      }
      case kStreaming:
        ApplyStream();
        return;
      default:
        return;
    }
  }
}

void Replication::OnRdbLoaded(std::string_view rdb) {
  LOG_INFO("MASTER <-> REPLICA sync: Loading DB in memory ({} bytes)", rdb.size());
  auto st = cb_.load_rdb(rdb);
  if (!st.ok()) {
    LOG_WARN("Failed trying to load the MASTER synchronization DB from socket: {}", st.message());
    CloseLink("RDB load failed");
    return;
  }
  replid_ = fullresync_replid_;
  restored_history_ = false;
  master_repl_offset_ = fullresync_offset_ < 0 ? 0 : fullresync_offset_;
  reploff_ = master_repl_offset_;
  ClearReplicationId2();
  CreateBacklog();  // a new history
  cached_replid_.clear();
  cached_offset_ = -1;
  link_state_ = LinkState::kConnected;
  ever_connected_ = true;
  parser_.Reset();
  handshake_step_ = kStreaming;
  // sync_full counts full syncs served as a master (Redis's INFO stats), not
  // the ones received here.
  LOG_INFO("MASTER <-> REPLICA sync: Finished with success");
  if (cb_.role_changed) cb_.role_changed(true);
  SendAck();
  if (!rbuf_.empty()) ApplyStream();
}

void Replication::ApplyStream() {
  size_t pos = 0;
  while (pos < rbuf_.size()) {
    size_t used = 0;
    auto r = parser_.Parse(rbuf_.data() + pos, rbuf_.size() - pos, &used);
    if (r == resp::RequestParser::Result::kNeedMore) break;
    if (r == resp::RequestParser::Result::kError) {
      LOG_WARN("Protocol error in the replication stream: {}", parser_.error());
      rbuf_.clear();
      CloseLink("stream protocol error");
      return;
    }
    std::string_view raw(rbuf_.data() + pos, used);
    pos += used;
    if (r == resp::RequestParser::Result::kEmpty) continue;
    const auto& args = parser_.args();
    bool getack = args.size() >= 2 && base::EqualsIgnoreCase(args[0], "replconf") &&
                  base::EqualsIgnoreCase(args[1], "getack");
    // Proxy the bytes to our own backlog and replicas, then count them as
    // processed: the offset must include GETACK itself before the ACK.
    AppendBacklog(raw);
    SendToReplicas(raw);
    reploff_ += static_cast<int64_t>(used);
    if (getack) {
      SendAck();
    } else if (cb_.apply) {
      cb_.apply(args);
    }
    if (!sock_) return;
  }
  rbuf_.erase(0, pos);
}

int64_t Replication::data_age_ms() const {
  if (!ever_connected_) return INT64_MAX / 4;
  int64_t now = base::MonoMs();
  if (link_state_ == LinkState::kConnected) return now - last_io_ms_;
  return now - link_down_since_ms_;
}

void Replication::SendAck() {
  if (!sock_ || link_state_ != LinkState::kConnected) return;
  last_ack_ms_ = base::MonoMs();
  WriteLink(Command({"REPLCONF", "ACK", std::to_string(reploff_)}));
}

}  // namespace node::repl
