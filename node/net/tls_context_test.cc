// Unit tests for node/net: tls-protocols parsing, the start-up checks of
// BuildTlsContexts (Redis's messages), loading a generated certificate and
// key (plain and encrypted), and a TLS round trip through net::Stream on
// loopback (server and client contexts, client certificate required).

#include "node/net/tls_context.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "node/config/config.h"
#include "node/net/stream.h"

namespace node::net {
namespace {

// A self-signed certificate (its own CA) with its key, written as PEM files
// in a fresh temporary directory.
struct TestPki {
  std::string dir, cert, key, enc_key;
  TestPki() {
    char tmpl[] = "/tmp/shoal-tls-test-XXXXXX";
    dir = mkdtemp(tmpl);
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    enc_key = dir + "/key-enc.pem";
    EVP_PKEY* pkey = EVP_RSA_gen(2048);
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("shoal-test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = fopen(cert.c_str(), "w");
    PEM_write_X509(f, x);
    fclose(f);
    f = fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    f = fopen(enc_key.c_str(), "w");
    static char pass[] = "pw";
    PEM_write_PrivateKey(f, pkey, EVP_aes_256_cbc(), nullptr, 0, nullptr, pass);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TestPki() {
    for (auto* p : {&cert, &key, &enc_key}) unlink(p->c_str());
    rmdir(dir.c_str());
  }
  config::Settings Settings() const {
    config::Config c;
    config::Settings s = c.s;
    s.tls_port = 6380;
    s.tls_cert_file = cert;
    s.tls_key_file = key;
    s.tls_ca_cert_file = cert;  // self-signed: it is its own CA
    return s;
  }
};

}  // namespace

TEST_SUITE("net/tls") {
  TEST_CASE("tls-protocols parses Redis's names, case-insensitively") {
    CHECK(*ParseTlsProtocols("") == (kTlsV1_2 | kTlsV1_3));
    CHECK(*ParseTlsProtocols("TLSv1.2 TLSv1.3") == (kTlsV1_2 | kTlsV1_3));
    CHECK(*ParseTlsProtocols("tlsv1.3") == kTlsV1_3);
    CHECK(*ParseTlsProtocols("  TLSv1   TLSv1.1 ") == (kTlsV1 | kTlsV1_1));
    auto bad = ParseTlsProtocols("TLSv1.2 SSLv3");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error() ==
          "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
          "and 'TLSv1.3'.");
  }

  TEST_CASE("TLS is wanted by tls-port, tls-replication or tls-cluster") {
    config::Config c;
    CHECK_FALSE(TlsWanted(c.s));
    c.s.tls_replication = true;
    CHECK(TlsWanted(c.s));
    c.s.tls_replication = false;
    c.s.tls_cluster = true;
    CHECK(TlsWanted(c.s));
    c.s.tls_cluster = false;
    c.s.tls_port = 1;
    CHECK(TlsWanted(c.s));
  }

  TEST_CASE("BuildTlsContexts refuses what Redis refuses, naming the problem") {
    TestPki pki;
    auto s = pki.Settings();
    s.tls_cert_file.clear();
    CHECK(BuildTlsContexts(s).error() == "No tls-cert-file configured!");
    s = pki.Settings();
    s.tls_key_file.clear();
    CHECK(BuildTlsContexts(s).error() == "No tls-key-file configured!");
    s = pki.Settings();
    s.tls_ca_cert_file.clear();
    CHECK(BuildTlsContexts(s).error().starts_with(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified"));
    s.tls_auth_clients = config::TlsAuthClients::kNo;  // then no CA is needed
    CHECK(BuildTlsContexts(s).ok());
    s = pki.Settings();
    s.tls_cert_file = pki.dir + "/missing.pem";
    CHECK(BuildTlsContexts(s).error() ==
          "Failed to load certificate: " + pki.dir + "/missing.pem: No such file or directory");
    s = pki.Settings();
    s.tls_key_file = pki.cert;  // a certificate is no key
    CHECK(BuildTlsContexts(s).error().starts_with("Failed to load private key: " + pki.cert));
    s = pki.Settings();
    s.tls_protocols = "TLSv2";
    CHECK(BuildTlsContexts(s).error().starts_with("Invalid tls-protocols specified."));
    s = pki.Settings();
    s.tls_ciphers = "NO-SUCH-CIPHER";
    CHECK(BuildTlsContexts(s).error() == "Failed to configure ciphers: NO-SUCH-CIPHER");
    s = pki.Settings();
    s.tls_dh_params_file = pki.dir + "/missing-dh.pem";
    CHECK(BuildTlsContexts(s).error().starts_with("Failed to load DH params file: "));
  }

  TEST_CASE("an encrypted key loads with tls-key-file-pass only") {
    TestPki pki;
    auto s = pki.Settings();
    s.tls_key_file = pki.enc_key;
    s.tls_key_file_pass = "pw";
    CHECK(BuildTlsContexts(s).ok());
    s.tls_key_file_pass = "wrong";
    CHECK(BuildTlsContexts(s).error().starts_with("Failed to load private key: "));
  }

  TEST_CASE("ActiveTls publishes the contexts in use") {
    TestPki pki;
    auto built = BuildTlsContexts(pki.Settings());
    REQUIRE(built.ok());
    auto before = ActiveTls();
    SetActiveTls(*built);
    CHECK(ActiveTls() == *built);
    SetActiveTls(before);
  }

  TEST_CASE("a Stream carries bytes both ways over TLS and plain TCP") {
    TestPki pki;
    auto built = BuildTlsContexts(pki.Settings());
    REQUIRE(built.ok());
    auto ctx = *built;
    for (bool tls : {true, false}) {
      CAPTURE(tls);
      asio::io_context io;
      asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
      auto ep = acc.local_endpoint();
      std::unique_ptr<Stream> server, client;
      std::string got_by_server, got_by_client;
      std::array<char, 64> sbuf{}, cbuf{};
      acc.async_accept([&](const asio::error_code& ec, asio::ip::tcp::socket s) {
        REQUIRE_FALSE(ec);
        server = tls ? std::make_unique<Stream>(std::move(s), ctx->server)
                     : std::make_unique<Stream>(std::move(s));
        auto serve = [&] {
          server->async_read_some(asio::buffer(sbuf), [&](const asio::error_code& rec, size_t n) {
            REQUIRE_FALSE(rec);
            got_by_server.assign(sbuf.data(), n);
            asio::async_write(*server, asio::buffer(std::string_view("+PONG\r\n")),
                              [](const asio::error_code&, size_t) {});
          });
        };
        if (tls) {
          server->async_handshake(true, [&, serve](const asio::error_code& hec) {
            REQUIRE_FALSE(hec);
            serve();
          });
        } else {
          serve();
        }
      });
      client = tls ? std::make_unique<Stream>(io, ctx->client) : std::make_unique<Stream>(io);
      CHECK(client->tls() == tls);
      auto talk = [&] {
        asio::async_write(*client, asio::buffer(std::string_view("PING\r\n")),
                          [&](const asio::error_code& wec, size_t) {
                            REQUIRE_FALSE(wec);
                            client->async_read_some(asio::buffer(cbuf),
                                                    [&](const asio::error_code& rec, size_t n) {
                                                      REQUIRE_FALSE(rec);
                                                      got_by_client.assign(cbuf.data(), n);
                                                    });
                          });
      };
      client->socket().async_connect(ep, [&](const asio::error_code& cec) {
        REQUIRE_FALSE(cec);
        if (!tls) return talk();
        client->async_handshake(false, [&](const asio::error_code& hec) {
          REQUIRE_FALSE(hec);
          talk();
        });
      });
      io.run_for(std::chrono::seconds(5));
      CHECK(got_by_server == "PING\r\n");
      CHECK(got_by_client == "+PONG\r\n");
      client->close();
      server->close();
    }
  }

  TEST_CASE("tls-auth-clients yes: a client without a certificate fails the handshake") {
    TestPki pki;
    auto s = pki.Settings();
    auto built = BuildTlsContexts(s);
    REQUIRE(built.ok());
    // A client context with the CA but no certificate of its own.
    auto bare = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    bare->load_verify_file(pki.cert);
    asio::io_context io;
    asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::unique_ptr<Stream> server;
    asio::error_code server_ec;
    bool server_done = false;
    acc.async_accept([&](const asio::error_code& ec, asio::ip::tcp::socket sock) {
      REQUIRE_FALSE(ec);
      server = std::make_unique<Stream>(std::move(sock), (*built)->server);
      server->async_handshake(true, [&](const asio::error_code& hec) {
        server_ec = hec;
        server_done = true;
        server->close();
      });
    });
    Stream client(io, bare);
    client.socket().async_connect(acc.local_endpoint(), [&](const asio::error_code& cec) {
      REQUIRE_FALSE(cec);
      client.async_handshake(false, [](const asio::error_code&) {});
    });
    io.run_for(std::chrono::seconds(5));
    CHECK(server_done);
    CHECK(server_ec);
  }
}

}  // namespace node::net
