// node/net/stream.h
//
// One connection that is either a plain TCP socket or a TLS stream over one,
// with the asio stream interface (async_read_some / async_write_some, so
// asio::async_write works), so the connection code — client connections, the
// replica link, the cluster bus — has one code path for both. The TLS side
// keeps its context alive for as long as the stream lives (a CONFIG SET
// rebuild affects only new connections). Single-threaded use on the engine's
// io_context; at most one read and one write in flight, as asio's ssl::stream
// allows.

#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <optional>
#include <utility>

namespace node::net {

class Stream {
 public:
  using Socket = asio::ip::tcp::socket;
  using TlsSocket = asio::ssl::stream<Socket>;
  using executor_type = Socket::executor_type;

  // A plain connection.
  explicit Stream(Socket sock) : plain_(std::move(sock)) {}
  // A TLS connection over sock (handshake still to do).
  Stream(Socket sock, std::shared_ptr<asio::ssl::context> ctx)
      : ctx_(std::move(ctx)), tls_(std::make_unique<TlsSocket>(std::move(sock), *ctx_)) {}
  // A new, unopened socket on io (outgoing links), plain or TLS.
  explicit Stream(asio::io_context& io) : plain_(std::in_place, io) {}
  Stream(asio::io_context& io, std::shared_ptr<asio::ssl::context> ctx)
      : ctx_(std::move(ctx)), tls_(std::make_unique<TlsSocket>(io, *ctx_)) {}
  Stream(Stream&&) = default;
  Stream& operator=(Stream&&) = default;

  bool tls() const { return tls_ != nullptr; }
  // The TCP socket underneath (options, endpoints, close).
  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  executor_type get_executor() { return socket().get_executor(); }

  // TLS only, before the handshake: the peer must present a certificate the
  // CA verifies, whatever the context says (the cluster bus, as Redis).
  void RequirePeerCertificate() {
    asio::error_code ec;
    tls_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
  }

  // TLS only: the handshake (server side for accepted connections).
  template <typename Handler>
  void async_handshake(bool server, Handler&& h) {
    tls_->async_handshake(server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
                          std::forward<Handler>(h));
  }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& b, Handler&& h) {
    if (tls_) {
      tls_->async_read_some(b, std::forward<Handler>(h));
    } else {
      plain_->async_read_some(b, std::forward<Handler>(h));
    }
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& b, Handler&& h) {
    if (tls_) {
      tls_->async_write_some(b, std::forward<Handler>(h));
    } else {
      plain_->async_write_some(b, std::forward<Handler>(h));
    }
  }

  // Closes the TCP socket at once (no TLS close_notify: pending handlers end
  // with operation_aborted, as for a plain socket). A no-op on a moved-from
  // Stream (a handshake timer may fire after the stream moved on).
  void close() {
    if (!tls_ && !plain_) return;  // moved from
    asio::error_code ec;
    socket().shutdown(Socket::shutdown_both, ec);
    socket().close(ec);
  }

 private:
  std::shared_ptr<asio::ssl::context> ctx_;
  std::optional<Socket> plain_;
  std::unique_ptr<TlsSocket> tls_;
};

}  // namespace node::net
