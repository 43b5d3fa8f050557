// node/net/tls_context.h
//
// TLS contexts built from the tls-* settings, as Redis 7.0 reads them: one
// server context (tls-cert-file/tls-key-file, client verification per
// tls-auth-clients) and one client context for outgoing links (replica link,
// cluster bus, MIGRATE, the entrypoint's RESP client), which presents
// tls-client-cert-file (or tls-cert-file) and verifies the peer against
// tls-ca-cert-file/-dir without a host name check (as Redis does).
//
// Built once at start-up (a failure stops the node, as Redis refuses to
// start) and again on CONFIG SET of any tls-* setting; a failed rebuild keeps
// the previous contexts. The contexts in use are published process-wide
// (SetActive/Active) for the synchronous clients on other threads; SSL_CTX
// objects are immutable once built, so readers share them without locks.

#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "node/base/result.h"

namespace node::config {
struct Settings;
}

namespace node::net {

// Bits of tls-protocols.
inline constexpr int kTlsV1 = 1 << 0;
inline constexpr int kTlsV1_1 = 1 << 1;
inline constexpr int kTlsV1_2 = 1 << 2;
inline constexpr int kTlsV1_3 = 1 << 3;

// "TLSv1.2 TLSv1.3" -> bits (case-insensitive, any spacing); "" -> Redis's
// default TLSv1.2 + TLSv1.3. Error text as Redis logs it.
base::Result<int> ParseTlsProtocols(std::string_view text);

// Whether the settings ask for TLS anywhere (then contexts must build).
bool TlsWanted(const config::Settings& s);

struct TlsContexts {
  std::shared_ptr<asio::ssl::context> server;
  std::shared_ptr<asio::ssl::context> client;
};

// Builds both contexts from the settings; the error says which file or
// setting is wrong ("Failed to load certificate: <file>: <openssl reason>").
base::Result<std::shared_ptr<const TlsContexts>> BuildTlsContexts(const config::Settings& s);

// Contexts currently in use (nullptr before TLS was configured). Thread-safe.
void SetActiveTls(std::shared_ptr<const TlsContexts> ctx);
std::shared_ptr<const TlsContexts> ActiveTls();

// The last OpenSSL error queue entry as text ("" when none); clears the queue.
std::string OpensslError();

}  // namespace node::net
