// entrypoint/bootstrap/resp_client.h
//
// A small blocking RESP2 client for the control plane (the bootstrap talks to
// its peers the way redis-cli --cluster does). Connect and I/O have
// deadlines; a failed call leaves the client closed. Not thread-safe: one
// client per thread.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace node::net {
class FdTls;
}

namespace entrypoint::bootstrap {

// Every RespClient created after this speaks TLS (node::net's client context,
// as the node has it: net::ActiveTls) when `tls` is true. main() sets it when
// the node takes clients only on tls-port (port 0), or its cluster port is
// the TLS one (tls-cluster yes).
void SetRespClientTls(bool tls);
bool RespClientTls();

struct Reply {
  enum class Type { kNil, kStatus, kError, kInteger, kBulk, kArray } type = Type::kNil;
  std::string str;  // status, error, bulk
  int64_t integer = 0;
  std::vector<Reply> elements;
  bool ok() const { return type != Type::kError; }
};

// How the control plane authenticates to the nodes: AUTH <password> as the
// default user, or AUTH <user> <password> when a user is named.
struct Credentials {
  std::string user;
  std::string password;
  bool empty() const { return password.empty(); }
  std::vector<std::string> AuthCommand() const {
    if (user.empty()) return {"AUTH", password};
    return {"AUTH", user, password};
  }
  // The AUTH / AUTH2 arguments MIGRATE takes.
  std::vector<std::string> MigrateAuth() const {
    if (user.empty()) return {"AUTH", password};
    return {"AUTH2", user, password};
  }
};

class RespClient {
 public:
  RespClient(std::string host, int port, int timeout_ms = 2000);
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Sends one command and reads its reply. false on connection problems
  // (then `error()` says why); an error *reply* is a successful call.
  bool Call(const std::vector<std::string>& args, Reply* out);
  const std::string& error() const { return error_; }
  void Close();

 private:
  bool Connect();
  bool ReadReply(Reply* out, int depth);
  bool ReadLine(std::string* line);
  bool Fill();
  long Io(bool write, char* p, size_t n, short* events);

  std::string host_;
  int port_;
  int timeout_ms_;
  int fd_ = -1;
  std::unique_ptr<node::net::FdTls> tls_;  // set when SetRespClientTls(true)
  std::string buf_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace entrypoint::bootstrap
