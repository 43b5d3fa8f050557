// node/net/tls_context.cc -- see tls_context.h.

#include "node/net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "node/base/strings.h"
#include "node/config/config.h"

namespace node::net {

namespace {

using base::Result;
using base::Status;

std::mutex g_active_mu;
std::shared_ptr<const TlsContexts> g_active;

int PasswordCallback(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  if (!pass || size <= 0) return 0;
  size_t n = std::min(pass->size(), static_cast<size_t>(size - 1));
  memcpy(buf, pass->data(), n);
  buf[n] = '\0';
  return static_cast<int>(n);
}

// "" when path is a readable file, else why not (strerror text).
std::string Unreadable(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return strerror(errno);
  fclose(f);
  return "";
}

// Certificate chain + private key (optionally encrypted) into ctx.
Status LoadKeyPair(SSL_CTX* ctx, const std::string& cert, const std::string& key,
                   const std::string& pass) {
  if (auto why = Unreadable(cert); !why.empty()) {
    return Status::Error("Failed to load certificate: " + cert + ": " + why);
  }
  if (auto why = Unreadable(key); !why.empty()) {
    return Status::Error("Failed to load private key: " + key + ": " + why);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) <= 0) {
    return Status::Error("Failed to load certificate: " + cert + ": " + OpensslError());
  }
  std::string pw = pass;
  SSL_CTX_set_default_passwd_cb(ctx, &PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &pw);
  int rc = SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb(ctx, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (rc <= 0) {
    return Status::Error("Failed to load private key: " + key + ": " + OpensslError());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Status::Error("Private key " + key + " does not match certificate " + cert + ": " +
                         OpensslError());
  }
  return Status::Ok();
}

Status CommonSetup(SSL_CTX* ctx, const config::Settings& s, int protocols) {
  long opts = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION;
  if (!(protocols & kTlsV1)) opts |= SSL_OP_NO_TLSv1;
  if (!(protocols & kTlsV1_1)) opts |= SSL_OP_NO_TLSv1_1;
  if (!(protocols & kTlsV1_2)) opts |= SSL_OP_NO_TLSv1_2;
  if (!(protocols & kTlsV1_3)) opts |= SSL_OP_NO_TLSv1_3;
  SSL_CTX_set_options(ctx, static_cast<uint64_t>(opts));
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!s.tls_ca_cert_file.empty() || !s.tls_ca_cert_dir.empty()) {
    const char* file = s.tls_ca_cert_file.empty() ? nullptr : s.tls_ca_cert_file.c_str();
    const char* dir = s.tls_ca_cert_dir.empty() ? nullptr : s.tls_ca_cert_dir.c_str();
    if (SSL_CTX_load_verify_locations(ctx, file, dir) <= 0) {
      return Status::Error("Failed to configure CA certificate(s) file/directory: " +
                           OpensslError());
    }
  }
  if (!s.tls_ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, s.tls_ciphers.c_str())) {
    return Status::Error("Failed to configure ciphers: " + s.tls_ciphers);
  }
  if (!s.tls_ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, s.tls_ciphersuites.c_str())) {
    return Status::Error("Failed to configure ciphersuites: " + s.tls_ciphersuites);
  }
  return Status::Ok();
}

}  // namespace

std::string OpensslError() {
  unsigned long e = 0, last = 0;
  while ((e = ERR_get_error()) != 0) last = e;
  if (!last) return "";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

Result<int> ParseTlsProtocols(std::string_view text) {
  int bits = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view w = text.substr(i, end - i);
    i = end;
    if (w.empty()) continue;
    any = true;
    if (base::EqualsIgnoreCase(w, "tlsv1")) {
      bits |= kTlsV1;
    } else if (base::EqualsIgnoreCase(w, "tlsv1.1")) {
      bits |= kTlsV1_1;
    } else if (base::EqualsIgnoreCase(w, "tlsv1.2")) {
      bits |= kTlsV1_2;
    } else if (base::EqualsIgnoreCase(w, "tlsv1.3")) {
      bits |= kTlsV1_3;
    } else {
      return Result<int>::Error(
          "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
          "and 'TLSv1.3'.");
    }
  }
  if (!any) return kTlsV1_2 | kTlsV1_3;
  return bits;
}

bool TlsWanted(const config::Settings& s) {
  return s.tls_port != 0 || s.tls_replication || s.tls_cluster;
}

Result<std::shared_ptr<const TlsContexts>> BuildTlsContexts(const config::Settings& s) {
  using R = Result<std::shared_ptr<const TlsContexts>>;
  ERR_clear_error();
  if (s.tls_cert_file.empty()) return R::Error("No tls-cert-file configured!");
  if (s.tls_key_file.empty()) return R::Error("No tls-key-file configured!");
  if ((s.tls_auth_clients != config::TlsAuthClients::kNo || s.tls_cluster || s.tls_replication) &&
      s.tls_ca_cert_file.empty() && s.tls_ca_cert_dir.empty()) {
    return R::Error(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!");
  }
  auto protocols = ParseTlsProtocols(s.tls_protocols);
  if (!protocols) return R::Error(protocols.error());

  SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  if (!sctx || !cctx) {
    if (sctx) SSL_CTX_free(sctx);
    if (cctx) SSL_CTX_free(cctx);
    return R::Error("Failed to create TLS context: " + OpensslError());
  }
  // asio owns (and frees) the handles from here on.
  auto out = std::make_shared<TlsContexts>();
  out->server = std::make_shared<asio::ssl::context>(sctx);
  out->client = std::make_shared<asio::ssl::context>(cctx);

  // --- server side ---
  if (auto st = CommonSetup(sctx, s, *protocols); !st) return R::Error(st.message());
  if (auto st = LoadKeyPair(sctx, s.tls_cert_file, s.tls_key_file, s.tls_key_file_pass); !st) {
    return R::Error(st.message());
  }
  if (s.tls_prefer_server_ciphers) SSL_CTX_set_options(sctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (s.tls_session_caching) {
    static const unsigned char kSessionIdContext[] = "shoal";
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(sctx, s.tls_session_cache_size);
    SSL_CTX_set_timeout(sctx, static_cast<long>(s.tls_session_cache_timeout));
    SSL_CTX_set_session_id_context(sctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
  }
  switch (s.tls_auth_clients) {
    case config::TlsAuthClients::kNo:
      SSL_CTX_set_verify(sctx, SSL_VERIFY_NONE, nullptr);
      break;
    case config::TlsAuthClients::kOptional:
      SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, nullptr);
      break;
    case config::TlsAuthClients::kYes:
      SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  if (!s.tls_dh_params_file.empty()) {
    BIO* bio = BIO_new_file(s.tls_dh_params_file.c_str(), "r");
    EVP_PKEY* dh = bio ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
    if (bio) BIO_free(bio);
    if (!dh) {
      return R::Error("Failed to load DH params file: " + s.tls_dh_params_file + ": " +
                      OpensslError());
    }
    if (SSL_CTX_set0_tmp_dh_pkey(sctx, dh) <= 0) {
      EVP_PKEY_free(dh);
      return R::Error("Failed to load DH params file: " + s.tls_dh_params_file + ": " +
                      OpensslError());
    }
  } else {
    SSL_CTX_set_dh_auto(sctx, 1);
  }

  // --- client side (outgoing links) ---
  if (auto st = CommonSetup(cctx, s, *protocols); !st) return R::Error(st.message());
  bool own_client_cert = !s.tls_client_cert_file.empty() && !s.tls_client_key_file.empty();
  auto st = own_client_cert
                ? LoadKeyPair(cctx, s.tls_client_cert_file, s.tls_client_key_file,
                              s.tls_client_key_file_pass)
                : LoadKeyPair(cctx, s.tls_cert_file, s.tls_key_file, s.tls_key_file_pass);
  if (!st) return R::Error(st.message());
  bool have_ca = !s.tls_ca_cert_file.empty() || !s.tls_ca_cert_dir.empty();
  SSL_CTX_set_verify(cctx, have_ca ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return std::shared_ptr<const TlsContexts>(std::move(out));
}

void SetActiveTls(std::shared_ptr<const TlsContexts> ctx) {
  std::lock_guard<std::mutex> lock(g_active_mu);
  g_active = std::move(ctx);
}

std::shared_ptr<const TlsContexts> ActiveTls() {
  std::lock_guard<std::mutex> lock(g_active_mu);
  return g_active;
}

}  // namespace node::net
