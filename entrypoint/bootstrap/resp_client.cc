// entrypoint/bootstrap/resp_client.cc -- see resp_client.h.

#include "entrypoint/bootstrap/resp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "node/base/strings.h"
#include "node/net/fd_tls.h"
#include "node/net/tls_context.h"

namespace entrypoint::bootstrap {

namespace {
std::atomic<bool> g_tls{false};
}  // namespace

void SetRespClientTls(bool tls) { g_tls = tls; }
bool RespClientTls() { return g_tls; }

RespClient::RespClient(std::string host, int port, int timeout_ms)
    : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}

RespClient::~RespClient() { Close(); }

void RespClient::Close() {
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  pos_ = 0;
}

bool RespClient::Connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_);
  if (getaddrinfo(host_.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    error_ = "bad address " + host_;
    return false;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    error_ = strerror(errno);
    return false;
  }
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    error_ = strerror(errno);
    ::close(fd);
    return false;
  }
  pollfd p{fd, POLLOUT, 0};
  if (rc != 0) {
    if (poll(&p, 1, timeout_ms_) != 1) {
      error_ = "connect timeout";
      ::close(fd);
      return false;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      error_ = strerror(err);
      ::close(fd);
      return false;
    }
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (g_tls) {
    auto ctx = node::net::ActiveTls();
    if (!ctx) {
      error_ = "TLS is not configured";
      ::close(fd);
      return false;
    }
    auto t = node::net::FdTls::Connect(fd, *ctx->client, timeout_ms_);
    if (!t) {
      error_ = t.error();
      ::close(fd);
      return false;
    }
    tls_ = std::move(*t);
  }
  fd_ = fd;
  return true;
}

// One read or write, through TLS when the client has it: > 0 bytes, 0 closed,
// -1 error (errno), -2 wait for *events.
long RespClient::Io(bool write, char* p, size_t n, short* events) {
  if (tls_) return write ? tls_->Write(p, n, events) : tls_->Read(p, n, events);
  ssize_t r = write ? ::send(fd_, p, n, MSG_NOSIGNAL) : ::read(fd_, p, n);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    *events = write ? POLLOUT : POLLIN;
    return -2;
  }
  return r < 0 ? -1 : static_cast<long>(r);
}

bool RespClient::Fill() {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char tmp[16384];
  short ev = POLLIN;
  for (;;) {
    if (!tls_ || !tls_->HasPending()) {
      pollfd p{fd_, ev, 0};
      if (poll(&p, 1, timeout_ms_) != 1) {
        error_ = "read timeout";
        return false;
      }
    }
    long n = Io(false, tmp, sizeof(tmp), &ev);
    if (n == -2) continue;
    if (n <= 0) {
      error_ = n == 0 ? "connection closed" : (tls_ ? "TLS read error" : strerror(errno));
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
}

bool RespClient::ReadLine(std::string* line) {
  while (true) {
    size_t e = buf_.find("\r\n", pos_);
    if (e != std::string::npos) {
      line->assign(buf_, pos_, e - pos_);
      pos_ = e + 2;
      return true;
    }
    if (buf_.size() - pos_ > (1 << 20)) {
      error_ = "line too long";
      return false;
    }
    if (!Fill()) return false;
  }
}

bool RespClient::ReadReply(Reply* out, int depth) {
  if (depth > 16) {
    error_ = "reply nested too deep";
    return false;
  }
  std::string line;
  if (!ReadLine(&line) || line.empty()) {
    if (error_.empty()) error_ = "empty reply line";
    return false;
  }
  char t = line[0];
  std::string_view rest = std::string_view(line).substr(1);
  switch (t) {
    case '+':
      out->type = Reply::Type::kStatus;
      out->str = rest;
      return true;
    case '-':
      out->type = Reply::Type::kError;
      out->str = rest;
      return true;
    case ':':
      out->type = Reply::Type::kInteger;
      out->integer = node::base::ParseInt64(rest).value_or(0);
      return true;
    case '$': {
      auto n = node::base::ParseInt64(rest);
      if (!n || *n < -1 || *n > (512 << 20)) {
        error_ = "bad bulk length";
        return false;
      }
      if (*n == -1) {
        out->type = Reply::Type::kNil;
        return true;
      }
      while (buf_.size() - pos_ < static_cast<size_t>(*n) + 2) {
        if (!Fill()) return false;
      }
      out->type = Reply::Type::kBulk;
      out->str.assign(buf_, pos_, static_cast<size_t>(*n));
      pos_ += static_cast<size_t>(*n) + 2;
      return true;
    }
    case '*': {
      auto n = node::base::ParseInt64(rest);
      if (!n || *n < -1 || *n > 1000000) {
        error_ = "bad array length";
        return false;
      }
      if (*n == -1) {
        out->type = Reply::Type::kNil;
        return true;
      }
      out->type = Reply::Type::kArray;
      out->elements.resize(static_cast<size_t>(*n));
      for (auto& e : out->elements) {
        if (!ReadReply(&e, depth + 1)) return false;
      }
      return true;
    }
    default:
      error_ = "unexpected reply type";
      return false;
  }
}

bool RespClient::Call(const std::vector<std::string>& args, Reply* out) {
  error_.clear();
  if (fd_ < 0 && !Connect()) return false;
  std::string cmd = "*" + std::to_string(args.size()) + "\r\n";
  for (auto& a : args) cmd += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  size_t off = 0;
  short ev = POLLOUT;
  while (off < cmd.size()) {
    pollfd p{fd_, ev, 0};
    if (poll(&p, 1, timeout_ms_) != 1) {
      error_ = "write timeout";
      Close();
      return false;
    }
    long n = Io(true, cmd.data() + off, cmd.size() - off, &ev);
    if (n == -2) continue;
    if (n <= 0) {
      error_ = tls_ ? "TLS write error" : strerror(errno);
      Close();
      return false;
    }
    ev = POLLOUT;
    off += static_cast<size_t>(n);
  }
  *out = Reply{};
  if (!ReadReply(out, 0)) {
    Close();
    return false;
  }
  return true;
}

}  // namespace entrypoint::bootstrap
