// node/server/client_conn.cc -- see client_conn.h.

#include "node/server/client_conn.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstring>

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/base/strings.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/tracking.h"
#include "node/commands/transactions.h"
#include "node/persist/persistence.h"
#include "node/repl/replication.h"
#include "node/server/server.h"

namespace node::server {

namespace {
constexpr size_t kInitialReadBuffer = 16 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
// How far a big bulk's buffer may run ahead of the bytes received.
constexpr size_t kBigBulkStep = 4 * 1024 * 1024;
// An open output block is sealed once it holds this much (Redis's static
// reply buffer, PROTO_REPLY_CHUNK_BYTES, is the same size).
constexpr size_t kBlockBytes = 16 * 1024;
// A written block's buffer is kept for reuse up to this capacity.
constexpr size_t kSpareMax = 64 * 1024;
// Bytes handed to one sendmsg (asio's own default is 64 KB): a big output
// goes out in fewer syscalls, and the write still yields to the event loop
// between calls, so one reader cannot starve the others.
constexpr size_t kMaxWriteCall = 256 * 1024;

size_t WriteCallLimit(const asio::error_code& ec, size_t /*written*/) {
  return ec ? 0 : kMaxWriteCall;
}

std::string EndpointText(const asio::ip::tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string a = addr.is_v6() && addr.to_v6().is_v4_mapped()
                      ? asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).to_string()
                      : addr.to_string();
  return a + ":" + std::to_string(ep.port());
}
}  // namespace

ClientConn::ClientConn(Server& server, net::Stream stream, uint64_t id)
    : server_(server), stream_(std::move(stream)), reply_(&out_), block_timer_(server.io()) {
  client_.id = id;
  asio::error_code ec;
  auto& sock = stream_.socket();
  auto remote = sock.remote_endpoint(ec);
  if (!ec) client_.addr = EndpointText(remote);
  auto local = sock.local_endpoint(ec);
  if (!ec) client_.laddr = EndpointText(local);
  client_.fd = sock.native_handle();
  client_.ctime_ms = base::MonoMs();
  client_.last_interaction_ms = client_.ctime_ms;
  sock.set_option(asio::ip::tcp::no_delay(true), ec);
  rcap_ = kInitialReadBuffer;
  rbuf_.reset(new char[rcap_]);
}

ClientConn::~ClientConn() = default;

void ClientConn::Start() {
  auto& eng = server_.engine();
  commands::ClientSetDefaultAuth(eng, client_);
  std::weak_ptr<ClientConn> weak = shared_from_this();
  client_.kill = [weak]() {
    if (auto self = weak.lock()) self->Close(false);
  };
  client_.push = [weak](std::string_view bytes) {
    if (auto self = weak.lock()) self->Push(bytes);
  };
  eng.clients[client_.id] = &client_;
  ReadMore();
}

void ClientConn::ReadMore() {
  if (closing_ || closed_ || read_in_flight_) return;
  if (rcap_ - rend_ < 1024) {
    // Compact first, then grow when a single frame needs more room.
    if (rstart_ > 0) {
      memmove(rbuf_.get(), rbuf_.get() + rstart_, rend_ - rstart_);
      rend_ -= rstart_;
      rstart_ = 0;
    }
    if (rcap_ - rend_ < 1024) {
      size_t ncap = rcap_ * 2;
      std::unique_ptr<char[]> nb(new char[ncap]);
      memcpy(nb.get(), rbuf_.get(), rend_);
      rbuf_ = std::move(nb);
      rcap_ = ncap;
    }
  }
  read_in_flight_ = true;
  stream_.async_read_some(
      asio::buffer(rbuf_.get() + rend_, rcap_ - rend_),
      [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->OnRead(ec, n); });
}

void ClientConn::OnRead(const asio::error_code& ec, size_t n) {
  read_in_flight_ = false;
  if (ec) {
    Teardown();
    return;
  }
  rend_ += n;
  base::UpdateCachedClock();
  client_.tot_net_in += n;
  server_.engine().stats.total_net_input_bytes += n;
  ProcessInput();
  if (closed_) return;
  FlushSoon();
  uint64_t limit = server_.config().s.client_query_buffer_limit;
  if (rend_ - rstart_ > limit) {
    LOG_WARN("Closing client that reached max query buffer length: id={} addr={} qbuf={}",
             client_.id, client_.addr, rend_ - rstart_);
    Close(false);
    return;
  }
  if (!closing_) ReadMore();
}

void ClientConn::ProcessInput() {
  processing_ = true;
  auto& eng = server_.engine();
  while (!closing_ && !client_.blocked && rstart_ < rend_) {
    resp::RequestParser::Limits limits;
    limits.max_bulk_len = client_.is_master_link ? UINT64_MAX : eng.hot.proto_max_bulk_len;
    limits.unauthenticated = !client_.authenticated;
    parser_.set_limits(limits);
    size_t used = 0;
    auto r = parser_.Parse(rbuf_.get() + rstart_, rend_ - rstart_, &used);
    if (r == resp::RequestParser::Result::kNeedMore) {
      size_t want = parser_.bytes_wanted();
      if (want > rcap_ - rstart_ && (rstart_ > 0 || rcap_ - rend_ < kReadChunk)) {
        // One big bulk: grow toward the whole frame (its length was checked
        // against proto-max-bulk-len), doubling, but never more than
        // kBigBulkStep past the bytes that actually arrived: a bare header
        // declaring 512 MB must not make the node reserve 512 MB (dozens of
        // such clients would, and ASan builds then stall on the mappings).
        size_t pending = rend_ - rstart_;
        size_t ncap = std::min(want + kReadChunk, std::max(rcap_ * 2, pending + kBigBulkStep));
        std::unique_ptr<char[]> nb(new char[ncap]);
        memcpy(nb.get(), rbuf_.get() + rstart_, pending);
        rbuf_ = std::move(nb);
        rcap_ = ncap;
        rstart_ = 0;
        rend_ = pending;
      }
      break;
    }
    if (r == resp::RequestParser::Result::kError) {
      reply_.Error(parser_.error());
      LOG_DEBUG("Protocol error ({}) from client id={} addr={}", parser_.error(), client_.id,
                client_.addr);
      closing_ = true;
      break;
    }
    if (r == resp::RequestParser::Result::kEmpty) {
      rstart_ += used;
      continue;
    }
    // Cross-protocol guard: an HTTP request is closed without a reply.
    const auto& args = parser_.args();
    if (base::EqualsIgnoreCase(args[0], "post") || base::EqualsIgnoreCase(args[0], "host:")) {
      LOG_WARN(
          "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
          "Host: commands to Redis. Connection from {} aborted.",
          client_.addr);
      processing_ = false;
      Close(false);
      return;
    }
    RunCommand();
    rstart_ += used;
    if (client_.close_after_reply || client_.close_asap) {
      closing_ = true;
      break;
    }
  }
  if (rstart_ == rend_) rstart_ = rend_ = 0;
  client_.qbuf = rend_ - rstart_;
  client_.qbuf_free = rcap_ - rend_;
  processing_ = false;
}

void ClientConn::RunCommand() {
  auto mode = client_.reply_mode;
  size_t mark = out_.size();
  reply_.set_protocol(client_.proto);
  in_command_ = true;
  server_.dispatcher().Execute(client_, parser_.args(), reply_);
  in_command_ = false;
  if (mode == commands::ReplyMode::kOff || mode == commands::ReplyMode::kSkip) {
    out_.resize(mark);
  }
  if (mode == commands::ReplyMode::kSkip && client_.reply_mode == commands::ReplyMode::kSkip) {
    client_.reply_mode = commands::ReplyMode::kOn;
  }
  if (client_.reply_mode == commands::ReplyMode::kSkipNext) {
    client_.reply_mode = commands::ReplyMode::kSkip;
  }
  SealIfFull();
}

void ClientConn::SealIfFull() {
  if (in_command_ || out_.size() < kBlockBytes) return;
  sealed_bytes_ += out_.size();
  sealed_.push_back(std::move(out_));
  out_.clear();
  out_.swap(spare_);  // a recycled buffer, or none yet
  if (out_.capacity() < kBlockBytes) out_.reserve(kBlockBytes);
}

void ClientConn::UpdateOutputStats() {
  client_.obuf_open = out_.size();
  client_.obuf_blocks = sealed_.size() + writing_.size();
  client_.obuf_bytes = out_.size() + sealed_bytes_ + writing_bytes_;
}

bool ClientConn::OutputOverLimit() {
  size_t pending = out_.size() + sealed_bytes_ + writing_bytes_;
  if (commands::IsPubSubClient(server_.engine(), client_) && !client_.is_replica) {
    return commands::PubSubOutputOverLimit(server_.engine(), client_, pending);
  }
  // Redis's classes: replicas use "replica"; monitors and everyone else
  // "normal" (checkClientOutputBufferLimits). Hard: at once; soft: when
  // exceeded continuously for longer than its seconds.
  const auto& s = server_.config().s;
  const auto& lim = client_.is_replica ? s.client_output_buffer_limit_replica
                                       : s.client_output_buffer_limit_normal;
  pending -= std::min(pending, exempt_);
  if (lim.hard && pending >= lim.hard) return true;
  if (!lim.soft || pending < lim.soft) {
    soft_since_ms_ = -1;
    return false;
  }
  int64_t now = base::MonoMs();
  if (soft_since_ms_ < 0) {
    soft_since_ms_ = now;
    return false;
  }
  return now - soft_since_ms_ > lim.soft_seconds * 1000;
}

void ClientConn::Push(std::string_view bytes) {
  if (closed_ || limit_closing_) return;
  out_.append(bytes);
  if (!processing_) {
    SealIfFull();
    Flush();
  }
}

// The replies of a read go out at the end of the event loop's current batch
// (Server::DeferFlush), as Redis writes in beforeSleep: replies to many
// clients then reach the network together, so a client serving many
// connections (redis-benchmark, a proxy) finds them ready in one epoll_wait
// instead of waking once per reply. A full block goes out at once.
void ClientConn::FlushSoon() {
  // Anything but a small reply on an idle socket goes through Flush now: it
  // also applies the output limits (a stalled reader's later commands must
  // still run that check).
  if (!sealed_.empty() || out_.size() >= kBlockBytes || closing_ || write_in_flight_ ||
      limit_closing_)
    return Flush();
  if (flush_deferred_ || out_.empty()) return;
  flush_deferred_ = true;
  server_.DeferFlush(shared_from_this());
}

void ClientConn::DeferredFlush() {
  flush_deferred_ = false;
  // Inside this connection's own commands (a busy script runs the loop): the
  // flush after ProcessInput writes it, with every reply complete.
  if (processing_) return;
  Flush();
}

void ClientConn::Flush() {
  if (closed_) return;
  // appendfsync always: the AOF reaches the disk before any reply does.
  server_.persistence().FlushBeforeReplies();
  if (limit_closing_) return;
  if (OutputOverLimit()) {
    // Closed from the event loop, never from inside this call: Push runs
    // inside loops over clients (replica feed, PUBLISH) that the teardown
    // would change under them (Redis's freeClientAsync).
    LOG_WARN(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer "
        "limits.",
        client_.id, client_.addr);
    limit_closing_ = true;
    closing_ = true;  // read no more commands
    out_.clear();
    sealed_.clear();
    sealed_bytes_ = 0;
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(false); });
    return;
  }
  if (write_in_flight_) return;
  if (out_.empty() && sealed_.empty()) {
    if (closing_) Close(false);
    return;
  }
  // Everything pending goes out in one gather write: the sealed blocks in
  // order, then the open block (whose buffer is replaced by the spare).
  for (auto& b : sealed_) writing_.push_back(std::move(b));
  sealed_.clear();
  writing_bytes_ = sealed_bytes_;
  sealed_bytes_ = 0;
  if (!out_.empty()) {
    writing_bytes_ += out_.size();
    writing_.push_back(std::move(out_));
    out_.clear();
    out_.swap(spare_);
  }
  UpdateOutputStats();
  iov_.clear();
  for (const auto& b : writing_) iov_.emplace_back(b.data(), b.size());
  // Plain TCP: write now, as Redis does, with one non-blocking sendmsg. The
  // socket nearly always takes it all, and then there is no asio operation
  // to allocate, no completion to post and run. What it does not take, and
  // any error, goes through async_write (which reports the error from the
  // loop: a teardown must not run inside this call, see above).
  size_t now = stream_.tls() ? 0 : WriteNow();
  if (now == writing_bytes_) {
    Written(now);
    if (closing_) {  // the last reply is out (QUIT, CLIENT KILL): close from the loop
      asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Flush(); });
    }
    return;
  }
  write_in_flight_ = true;
  auto done = [self = shared_from_this(), now](const asio::error_code& ec, size_t n) {
    self->OnWritten(ec, now + n);
  };
  ConsumeIov(now);
  asio::async_write(stream_, iov_, WriteCallLimit, std::move(done));
}

size_t ClientConn::WriteNow() {
  std::array<iovec, kWriteNowIov> iov;
  size_t n = std::min(iov_.size(), iov.size());
  for (size_t i = 0; i < n; i++) {
    iov[i].iov_base = const_cast<void*>(iov_[i].data());
    iov[i].iov_len = iov_[i].size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = n;
  ssize_t w = ::sendmsg(stream_.socket().native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  return w > 0 ? static_cast<size_t>(w) : 0;
}

void ClientConn::ConsumeIov(size_t n) {
  size_t i = 0;
  while (i < iov_.size() && n >= iov_[i].size()) n -= iov_[i++].size();
  iov_.erase(iov_.begin(), iov_.begin() + static_cast<ptrdiff_t>(i));
  if (n > 0) iov_.front() += n;
}

void ClientConn::OnWritten(const asio::error_code& ec, size_t n) {
  write_in_flight_ = false;
  if (ec) {
    CountWritten(n);
    Teardown();
    return;
  }
  Written(n);
  Flush();
}

void ClientConn::CountWritten(size_t n) {
  client_.tot_net_out += n;
  exempt_ -= std::min(exempt_, n);
  server_.engine().stats.total_net_output_bytes += n;
}

void ClientConn::Written(size_t n) {
  CountWritten(n);
  // Keep one written buffer of a reasonable size for the next open block;
  // the rest (and anything large) is freed now.
  if (spare_.capacity() == 0 && !writing_.empty() && writing_.front().capacity() <= kSpareMax) {
    spare_ = std::move(writing_.front());
    spare_.clear();
  }
  writing_.clear();
  writing_bytes_ = 0;
  UpdateOutputStats();
}

void ClientConn::Close(bool flush_first) {
  if (closed_) return;
  if (flush_first && (write_in_flight_ || !out_.empty() || !sealed_.empty())) {
    closing_ = true;
    Flush();
    return;
  }
  Teardown();
}

void ClientConn::Teardown() {
  if (closed_) return;
  closed_ = true;
  stream_.close();
  auto& eng = server_.engine();
  eng.clients.erase(client_.id);
  if (client_.monitor) {
    auto& m = eng.monitors;
    m.erase(std::remove(m.begin(), m.end(), &client_), m.end());
  }
  commands::UnwatchAll(eng, client_);
  commands::PubSubClientGone(eng, client_);
  commands::TrackingDisable(eng, client_);  // client-side caching (misc)
  if (client_.is_replica && server_.replication())
    server_.replication()->OnClientClosed(client_.id);
  if (client_.blocked) {
    server_.RemoveBlocked(client_.id, blocked_keys_);
    client_.blocked = false;
    eng.blocked_clients--;
    asio::error_code tec;
    block_timer_.cancel();
  }
  client_.kill = nullptr;
  client_.push = nullptr;
  server_.Unregister(client_.id);  // may drop the last reference
}

void ClientConn::Block(const commands::CommandSpec& spec, std::span<const std::string_view> args,
                       const std::vector<std::string>& keys, int64_t timeout_ms) {
  if (client_.blocked) {  // a retry found nothing again: keep the place
    reblocked_ = true;
    return;
  }
  client_.blocked = true;
  server_.engine().blocked_clients++;
  blocked_spec_ = &spec;
  blocked_args_.assign(args.begin(), args.end());
  blocked_keys_.clear();
  for (auto& k : keys) {
    // Pseudo keys ("\0WAIT", "\0PAUSE") are not per database.
    std::string prefix = (!k.empty() && k[0] == '\0') ? "*\n" : std::to_string(client_.db) + "\n";
    blocked_keys_.push_back(prefix + k);
  }
  server_.AddBlocked(client_.id, blocked_keys_);
  if (timeout_ms > 0) {
    block_timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    block_timer_.async_wait(
        [weak = std::weak_ptr<ClientConn>(shared_from_this())](const asio::error_code& ec) {
          if (ec) return;
          if (auto self = weak.lock()) {
            if (self->client_.blocked) self->Unblock(true);
          }
        });
  }
}

bool ClientConn::RetryBlocked() {
  if (!client_.blocked || closed_) return false;
  std::vector<std::string_view> args(blocked_args_.begin(), blocked_args_.end());
  reblocked_ = false;
  reply_.set_protocol(client_.proto);
  // Through every check again, as a new command: the node may have lost the
  // slot (MOVED), become a replica (READONLY) or still be paused meanwhile.
  // Executing it directly would acknowledge a write the cluster never sees.
  in_command_ = true;
  server_.dispatcher().Execute(client_, args, reply_);
  in_command_ = false;
  if (reblocked_) return false;
  Unblock(false);
  return true;
}

void ClientConn::Unblock(bool timed_out) {
  if (!client_.blocked) return;
  if (timed_out && (blocked_spec_->flags & commands::kRetryOnTimeout)) {
    // WAIT-like commands answer with what they have at the deadline.
    std::vector<std::string_view> args(blocked_args_.begin(), blocked_args_.end());
    client_.block_timed_out = true;
    reply_.set_protocol(client_.proto);
    in_command_ = true;
    server_.dispatcher().Call(client_, *blocked_spec_, args, reply_);
    in_command_ = false;
    client_.block_timed_out = false;
  } else if (timed_out) {
    reply_.NullArray();
  }
  server_.RemoveBlocked(client_.id, blocked_keys_);
  client_.blocked = false;
  server_.engine().blocked_clients--;
  blocked_spec_ = nullptr;
  blocked_args_.clear();
  blocked_keys_.clear();
  block_timer_.cancel();
  // Serve what was pipelined behind the blocking command.
  ProcessInput();
  if (closed_) return;
  Flush();
  if (!closing_) ReadMore();
}

}  // namespace node::server
