// node/net/fd_tls.h
//
// TLS over a connected non-blocking file descriptor, for the synchronous
// clients that poll() their sockets themselves (MIGRATE's cached links on the
// engine thread, the entrypoint's RESP client on the bootstrap thread). The
// caller keeps owning the fd; FdTls owns only the SSL object. Read and Write
// never block: when OpenSSL needs the socket readable or writable they return
// kWait and set *events to POLLIN or POLLOUT. One object per connection, one
// thread at a time.

#pragma once

#include <asio/ssl.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "node/base/result.h"

namespace node::net {

class FdTls {
 public:
  static constexpr long kWait = -2;
  static constexpr long kError = -1;

  ~FdTls();
  FdTls(const FdTls&) = delete;
  FdTls& operator=(const FdTls&) = delete;

  // Client handshake on fd within timeout_ms (polls as needed).
  static base::Result<std::unique_ptr<FdTls>> Connect(int fd, asio::ssl::context& ctx,
                                                      int64_t timeout_ms);

  // > 0 bytes moved; 0 = closed by the peer (Read); kError; kWait (see above).
  long Read(char* buf, size_t n, short* events);
  long Write(const char* buf, size_t n, short* events);
  // Bytes already decrypted and waiting (poll() would not see them).
  bool HasPending() const;

 private:
  explicit FdTls(void* ssl) : ssl_(ssl) {}
  long Result(int rc, short* events);
  void* ssl_;  // SSL*
};

}  // namespace node::net
