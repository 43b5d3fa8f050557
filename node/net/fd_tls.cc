// node/net/fd_tls.cc -- see fd_tls.h.

#include "node/net/fd_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <cerrno>

#include "node/base/clock.h"
#include "node/net/tls_context.h"

namespace node::net {

namespace {
SSL* S(void* p) { return static_cast<SSL*>(p); }
}  // namespace

FdTls::~FdTls() {
  if (ssl_) SSL_free(S(ssl_));
}

base::Result<std::unique_ptr<FdTls>> FdTls::Connect(int fd, asio::ssl::context& ctx,
                                                    int64_t timeout_ms) {
  using R = base::Result<std::unique_ptr<FdTls>>;
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx.native_handle());
  if (!ssl) return R::Error("TLS: " + OpensslError());
  std::unique_ptr<FdTls> t(new FdTls(ssl));
  SSL_set_fd(ssl, fd);
  SSL_set_connect_state(ssl);
  int64_t deadline = base::MonoMs() + timeout_ms;
  for (;;) {
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) return t;
    int err = SSL_get_error(ssl, rc);
    short ev = 0;
    if (err == SSL_ERROR_WANT_READ) {
      ev = POLLIN;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      ev = POLLOUT;
    } else {
      std::string why = OpensslError();
      if (why.empty()) why = err == SSL_ERROR_SYSCALL ? "connection closed" : "handshake failed";
      return R::Error("TLS handshake: " + why);
    }
    int64_t left = deadline - base::MonoMs();
    if (left <= 0) return R::Error("TLS handshake: timeout");
    pollfd p{fd, ev, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left));
    if (pr == 0) return R::Error("TLS handshake: timeout");
    if (pr < 0 && errno != EINTR) return R::Error("TLS handshake: poll failed");
  }
}

long FdTls::Result(int rc, short* events) {
  if (rc > 0) return rc;
  int err = SSL_get_error(S(ssl_), rc);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      *events = POLLIN;
      return kWait;
    case SSL_ERROR_WANT_WRITE:
      *events = POLLOUT;
      return kWait;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      ERR_clear_error();
      return kError;
  }
}

long FdTls::Read(char* buf, size_t n, short* events) {
  ERR_clear_error();
  int rc = SSL_read(S(ssl_), buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
  return Result(rc, events);
}

long FdTls::Write(const char* buf, size_t n, short* events) {
  ERR_clear_error();
  int rc = SSL_write(S(ssl_), buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
  return Result(rc, events);
}

bool FdTls::HasPending() const { return SSL_pending(S(ssl_)) > 0; }

}  // namespace node::net
