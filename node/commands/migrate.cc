// node/commands/migrate.cc
//
// MIGRATE: moves keys to another node by sending their DUMP payloads as
// RESTORE (standalone) or RESTORE-ASKING (cluster mode) commands over a
// blocking connection, then deletes the keys that the target acknowledged
// (unless COPY) and propagates that as DEL. This is what live resharding
// (`redis-cli --cluster reshard/rebalance`) runs for every batch of keys.
// Behaviour and texts follow Redis 7.0.15 (reference/cluster-commands.md §4):
//
//  - connections are cached per "host:port" (as typed) for 10 s, at most 64;
//    a cached connection remembers which db it SELECTed; any I/O error closes
//    it; one transparent retry when nothing was read yet and it was not a
//    timeout;
//  - the whole request (AUTH, SELECT, one RESTORE per key) is written in
//    64 KB chunks, then one reply line is read per command;
//  - every read and write waits at most `timeout` ms (<= 0 means 1000).
//
// The engine is single-threaded: like Redis, the handler blocks it while it
// talks to the target. Idle cached connections are closed lazily at the next
// MIGRATE (there is no engine cron hook for this family). Engine thread only.

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/base/clock.h"
#include "node/commands/helpers.h"
#include "node/commands/migrate_handlers.h"
#include "node/config/config.h"
#include "node/net/fd_tls.h"
#include "node/net/tls_context.h"
#include "node/persist/dump_payload.h"
#include "node/persist/keyspace_codec.h"
#include "node/persist/snapshot.h"

namespace node::commands {

namespace {

constexpr int64_t kLinkTtlMs = 10000;  // idle cached connections are closed after this
constexpr size_t kMaxLinks = 64;       // cached connections at most
constexpr size_t kWriteChunk = 64 * 1024;
constexpr size_t kMaxReplyLine = 64 * 1024;  // a longer reply line is an I/O error
constexpr size_t kReplyKeep = 1023;          // error text kept from a reply line
constexpr int64_t kMaxTimeoutMs = 24LL * 3600 * 1000;

constexpr const char* kErrKeysNeedEmptyKey =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
constexpr const char* kErrConnect = "IOERR error or timeout connecting to the client";
constexpr const char* kErrIoWriting = "IOERR error or timeout writing to target instance";
constexpr const char* kErrIoReading = "IOERR error or timeout reading to target instance";

enum class Io { kOk, kError, kTimeout };

// One cached connection to a migration target.
struct Link {
  int fd = -1;
  int64_t last_dbid = -1;  // db SELECTed on this connection, -1 = unknown
  int64_t last_use_ms = 0;
  std::string rbuf;                 // bytes read but not consumed yet
  std::unique_ptr<net::FdTls> tls;  // tls-cluster yes: TLS over fd
  ~Link() {
    tls.reset();
    if (fd >= 0) ::close(fd);
  }
};

std::map<std::string, std::unique_ptr<Link>>& Links() {
  static std::map<std::string, std::unique_ptr<Link>> links;
  return links;
}

// Waits until fd is ready for `events` or the deadline (monotonic ms) passes.
Io WaitFd(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - base::MonoMs();
    if (left <= 0) return Io::kTimeout;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (r > 0) return Io::kOk;
    if (r == 0) return Io::kTimeout;
    if (errno != EINTR) return Io::kError;
  }
}

// Non-blocking connect with a timeout; returns the fd or -1.
int ConnectTo(const std::string& host, int port, int64_t timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_text = std::to_string(port);
  if (::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res) != 0) return -1;
  int64_t deadline = base::MonoMs() + timeout_ms;
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // Like Redis, a connect that completes with an error (refused) counts as
    // connected here: it surfaces as a write error, which is what Redis
    // replies for a closed port ("... writing to target instance").
    bool ok = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
              (errno == EINPROGRESS && WaitFd(fd, POLLOUT, deadline) == Io::kOk);
    if (!ok) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

// One send/recv on the link, through TLS when it has it. > 0 bytes; 0 closed;
// -1 error; -2 wait for *events (POLLIN / POLLOUT).
long LinkSend(Link& link, const char* p, size_t n, short* events) {
  if (link.tls) return link.tls->Write(p, n, events);
  ssize_t w = ::send(link.fd, p, n, MSG_NOSIGNAL);
  if (w >= 0) return w == 0 ? -1 : static_cast<long>(w);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    *events = POLLOUT;
    return -2;
  }
  return -1;
}
long LinkRecv(Link& link, char* p, size_t n, short* events) {
  if (link.tls) return link.tls->Read(p, n, events);
  ssize_t r = ::recv(link.fd, p, n, 0);
  if (r >= 0) return static_cast<long>(r);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    *events = POLLIN;
    return -2;
  }
  return -1;
}

// Writes all of data, each 64 KB chunk within timeout_ms.
Io WriteAll(Link& link, std::string_view data, int64_t timeout_ms) {
  size_t pos = 0;
  while (pos < data.size()) {
    size_t n = std::min(kWriteChunk, data.size() - pos);
    int64_t deadline = base::MonoMs() + timeout_ms;
    size_t done = 0;
    while (done < n) {
      short ev = 0;
      long w = LinkSend(link, data.data() + pos + done, n - done, &ev);
      if (w > 0) {
        done += static_cast<size_t>(w);
      } else if (w == -2) {
        Io io = WaitFd(link.fd, ev, deadline);
        if (io != Io::kOk) return io;
      } else {
        return Io::kError;
      }
    }
    pos += n;
  }
  return Io::kOk;
}

// Reads one reply line (without CRLF) within timeout_ms. An empty line counts
// as an error, as a zero-length read does in Redis.
Io ReadLine(Link& link, std::string* line, int64_t timeout_ms) {
  int64_t deadline = base::MonoMs() + timeout_ms;
  for (;;) {
    size_t nl = link.rbuf.find('\n');
    if (nl != std::string::npos) {
      size_t end = (nl > 0 && link.rbuf[nl - 1] == '\r') ? nl - 1 : nl;
      line->assign(link.rbuf, 0, std::min(end, kReplyKeep));
      link.rbuf.erase(0, nl + 1);
      return line->empty() ? Io::kError : Io::kOk;
    }
    if (link.rbuf.size() > kMaxReplyLine) return Io::kError;
    char buf[4096];
    short ev = 0;
    long r = LinkRecv(link, buf, sizeof(buf), &ev);
    if (r > 0) {
      link.rbuf.append(buf, static_cast<size_t>(r));
    } else if (r == -2) {
      Io io = WaitFd(link.fd, ev, deadline);
      if (io != Io::kOk) return io;
    } else {
      return Io::kError;  // closed by the peer, or a socket error
    }
  }
}

void AppendBulk(std::string* out, std::string_view s) {
  out->push_back('$');
  out->append(std::to_string(s.size()));
  out->append("\r\n");
  out->append(s);
  out->append("\r\n");
}

void AppendHeader(std::string* out, size_t n) {
  out->push_back('*');
  out->append(std::to_string(n));
  out->append("\r\n");
}

// Closes cached connections idle for longer than the TTL.
void CloseIdleLinks() {
  int64_t now = base::MonoMs();
  auto& links = Links();
  for (auto it = links.begin(); it != links.end();) {
    it = now - it->second->last_use_ms > kLinkTtlMs ? links.erase(it) : std::next(it);
  }
}

void CloseLink(const std::string& name) { Links().erase(name); }

// The cached connection to host:port, or a new one (nullptr when the
// connect fails or times out).
Link* GetLink(const std::string& name, const std::string& host, int port, int64_t timeout_ms,
              bool tls) {
  auto& links = Links();
  if (auto it = links.find(name); it != links.end()) {
    it->second->last_use_ms = base::MonoMs();
    return it->second.get();
  }
  if (links.size() >= kMaxLinks) {
    // Make room: drop the connection used least recently.
    auto oldest = links.begin();
    for (auto it = links.begin(); it != links.end(); ++it) {
      if (it->second->last_use_ms < oldest->second->last_use_ms) oldest = it;
    }
    links.erase(oldest);
  }
  int fd = ConnectTo(host, port, timeout_ms);
  if (fd < 0) return nullptr;
  auto link = std::make_unique<Link>();
  link->fd = fd;
  if (tls) {
    // tls-cluster yes: MIGRATE talks TLS to the target, as Redis 7.0 does.
    auto ctx = net::ActiveTls();
    if (!ctx) return nullptr;
    auto t = net::FdTls::Connect(fd, *ctx->client, timeout_ms);
    if (!t) return nullptr;
    link->tls = std::move(*t);
  }
  link->last_use_ms = base::MonoMs();
  return (links[name] = std::move(link)).get();
}

// Like atoi: leading digits (after an optional sign), 0 when there are none.
int PortOf(std::string_view s) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && v < 1000000) v = v * 10 + (s[i++] - '0');
  return static_cast<int>(neg ? -v : v);
}

// One MIGRATE invocation: parsed arguments and the attempt logic.
class MigrateJob {
 public:
  explicit MigrateJob(CommandContext& ctx) : ctx_(ctx) {}

  // Parses options; false when an error was replied.
  bool Parse();
  void Run();

 private:
  enum class Outcome { kDone, kRetry };
  Outcome Attempt(bool may_retry);
  // Builds AUTH / SELECT / RESTORE commands for the keys still present.
  bool BuildRequest(Link& link, std::string* out, bool* select);
  Outcome SocketError(bool writing, Io io, bool may_retry);
  void PropagateDeletes();

  CommandContext& ctx_;
  bool copy_ = false, replace_ = false;
  std::string_view username_, password_;
  bool auth_ = false, auth2_ = false;
  size_t first_key_ = 3, num_keys_ = 1;
  int64_t timeout_ = 0, dbid_ = 0;
  std::string link_name_;
  std::vector<std::string_view> keys_;     // present keys, in argument order
  std::vector<std::string_view> sent_;     // keys sent in this attempt
  std::vector<std::string_view> deleted_;  // keys acknowledged and deleted
};

bool MigrateJob::Parse() {
  for (size_t j = 6; j < ctx_.argc(); j++) {
    size_t more = ctx_.argc() - 1 - j;
    std::string_view a = ctx_.arg(j);
    if (Is(a, "copy")) {
      copy_ = true;
    } else if (Is(a, "replace")) {
      replace_ = true;
    } else if (Is(a, "auth")) {
      if (more < 1) return ctx_.reply().Error(kErrSyntax), false;
      auth_ = true;
      password_ = ctx_.arg(++j);
    } else if (Is(a, "auth2")) {
      if (more < 2) return ctx_.reply().Error(kErrSyntax), false;
      auth_ = auth2_ = true;
      username_ = ctx_.arg(++j);
      password_ = ctx_.arg(++j);
    } else if (Is(a, "keys")) {
      if (!ctx_.arg(3).empty()) return ctx_.reply().Error(kErrKeysNeedEmptyKey), false;
      first_key_ = j + 1;
      num_keys_ = ctx_.argc() - j - 1;
      break;  // everything after KEYS is a key
    } else {
      return ctx_.reply().Error(kErrSyntax), false;
    }
  }
  auto timeout = IntArg(ctx_, 5);
  if (!timeout) return false;
  auto dbid = IntArg(ctx_, 4);
  if (!dbid) return false;
  // <= 0 means 1000 ms (Redis); absurdly large values are capped so that the
  // deadline arithmetic cannot overflow.
  timeout_ = *timeout <= 0 ? 1000 : std::min<int64_t>(*timeout, kMaxTimeoutMs);
  dbid_ = *dbid;
  link_name_ = std::string(ctx_.arg(1)) + ":" + std::string(ctx_.arg(2));
  return true;
}

void MigrateJob::Run() {
  for (size_t j = 0; j < num_keys_; j++) {
    std::string_view k = ctx_.arg(first_key_ + j);
    if (Db(ctx_).LookupRead(k)) keys_.push_back(k);
  }
  if (keys_.empty()) return ctx_.reply().Simple("NOKEY");
  CloseIdleLinks();
  if (Attempt(true) == Outcome::kRetry) Attempt(false);
}

bool MigrateJob::BuildRequest(Link& link, std::string* out, bool* select) {
  if (auth_) {
    AppendHeader(out, auth2_ ? 3 : 2);
    AppendBulk(out, "AUTH");
    if (auth2_) AppendBulk(out, username_);
    AppendBulk(out, password_);
  }
  *select = link.last_dbid != dbid_;
  if (*select) {
    AppendHeader(out, 2);
    AppendBulk(out, "SELECT");
    AppendBulk(out, std::to_string(dbid_));
  }
  persist::EncodeOptions opts;
  if (ctx_.engine().config) opts = persist::SnapshotOptionsFrom(ctx_.engine().config->s).enc;
  const char* restore = ctx_.engine().cluster_enabled ? "RESTORE-ASKING" : "RESTORE";
  int64_t now = base::UnixMs();
  sent_.clear();
  for (std::string_view k : keys_) {
    db::Entry* e = Db(ctx_).Find(k);
    if (!e) continue;  // expired since the first lookup
    int64_t ttl = 0;
    if (e->has_expire()) {
      ttl = e->expire_ms() - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    persist::RdbValue v;
    base::Status st = persist::EntryToRdbValue(e, &v);
    if (!st.ok()) return ctx_.reply().Error("ERR " + st.message()), false;
    AppendHeader(out, replace_ ? 5 : 4);
    AppendBulk(out, restore);
    AppendBulk(out, k);
    AppendBulk(out, std::to_string(ttl));
    AppendBulk(out, persist::CreateDumpPayload(v, opts));
    if (replace_) AppendBulk(out, "REPLACE");
    sent_.push_back(k);
  }
  return true;
}

MigrateJob::Outcome MigrateJob::Attempt(bool may_retry) {
  const bool tls = ctx_.engine().config && ctx_.engine().config->s.tls_cluster;
  Link* link = GetLink(link_name_, std::string(ctx_.arg(1)), PortOf(ctx_.arg(2)), timeout_, tls);
  if (!link) return ctx_.reply().Error(kErrConnect), Outcome::kDone;
  std::string request;
  bool select = false;
  if (!BuildRequest(*link, &request, &select)) return Outcome::kDone;
  Io io = WriteAll(*link, request, timeout_);
  if (io != Io::kOk) return SocketError(true, io, may_retry);
  std::string auth_reply, select_reply, line;
  if (auth_ && (io = ReadLine(*link, &auth_reply, timeout_)) != Io::kOk) {
    return SocketError(false, io, may_retry);
  }
  if (select && (io = ReadLine(*link, &select_reply, timeout_)) != Io::kOk) {
    return SocketError(false, io, may_retry);
  }
  // One reply per RESTORE. An error in AUTH or SELECT fails every key; the
  // first error seen is the one reported. Acknowledged keys are deleted here.
  std::string target_error;
  bool from_target = false, socket_error = false;
  size_t j = 0;
  for (; j < sent_.size(); j++) {
    io = ReadLine(*link, &line, timeout_);
    if (io != Io::kOk) {
      socket_error = true;
      break;
    }
    const std::string* err = nullptr;
    if (auth_ && auth_reply[0] == '-') {
      err = &auth_reply;
    } else if (select && select_reply[0] == '-') {
      err = &select_reply;
    } else if (line[0] == '-') {
      err = &line;
    }
    if (err) {
      if (!from_target) {
        from_target = true;
        link->last_dbid = -1;
        target_error = "ERR Target instance replied with error: " + err->substr(1);
      }
    } else if (!copy_) {
      Db(ctx_).Delete(sent_[j]);
      deleted_.push_back(sent_[j]);
    }
  }
  if (!from_target && socket_error && j == 0 && may_retry && io != Io::kTimeout) {
    CloseLink(link_name_);
    return Outcome::kRetry;  // nothing was processed: reconnect and try once more
  }
  if (socket_error) CloseLink(link_name_);  // `link` is gone from here on
  PropagateDeletes();
  if (from_target) {
    ctx_.reply().Error(target_error);
  } else if (socket_error) {
    ctx_.reply().Error(kErrIoReading);
  } else {
    link->last_dbid = dbid_;
    ctx_.reply().Ok();
  }
  return Outcome::kDone;
}

MigrateJob::Outcome MigrateJob::SocketError(bool writing, Io io, bool may_retry) {
  CloseLink(link_name_);
  if (io != Io::kTimeout && may_retry) return Outcome::kRetry;
  ctx_.reply().Error(writing ? kErrIoWriting : kErrIoReading);
  return Outcome::kDone;
}

void MigrateJob::PropagateDeletes() {
  if (copy_ || deleted_.empty()) return;
  std::vector<std::string> del;
  del.reserve(deleted_.size() + 1);
  del.emplace_back("DEL");
  for (auto k : deleted_) del.emplace_back(k);
  ctx_.PropagateAs(std::move(del));
  ctx_.SetDirty(static_cast<long long>(deleted_.size()));
}

}  // namespace

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key ...]
void RedactMigrate(std::span<const std::string_view> args, std::vector<bool>& secret) {
  for (size_t i = 6; i < args.size(); i++) {
    if (base::EqualsIgnoreCase(args[i], "auth")) {
      if (i + 1 < args.size()) secret[i + 1] = true;
      i++;
    } else if (base::EqualsIgnoreCase(args[i], "auth2")) {
      for (size_t j = i + 1; j <= i + 2 && j < args.size(); j++) secret[j] = true;
      i += 2;
    } else if (base::EqualsIgnoreCase(args[i], "keys")) {
      break;
    }
  }
}

void Migrate(CommandContext& ctx) {
  MigrateJob job(ctx);
  if (job.Parse()) job.Run();
}

// migrateGetKeys: the key argument, or the arguments after KEYS. COPY and
// REPLACE are skipped, AUTH and AUTH2 with their values, while looking for
// KEYS; KEYS with a non-empty key argument is an invalid call (no keys).
std::vector<int> MigrateKeys(std::span<const std::string_view> args) {
  int argc = static_cast<int>(args.size());
  int first = 3, num = 1;
  for (int i = 6; i < argc; i++) {
    std::string_view a = args[static_cast<size_t>(i)];
    if (Is(a, "keys")) {
      if (!args[3].empty()) return {};
      first = i + 1;
      num = argc - first;
      break;
    }
    if (Is(a, "auth")) {
      i += 1;
    } else if (Is(a, "auth2")) {
      i += 2;
    }
  }
  std::vector<int> out;
  for (int i = first; i < first + num && i < argc; i++) out.push_back(i);
  return out;
}

}  // namespace node::commands
