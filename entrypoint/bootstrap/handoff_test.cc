// entrypoint/bootstrap/handoff_test.cc
//
// Unit tests of the shutdown handoff's failure reports against a scripted
// local node (a loopback socket answering CLUSTER NODES once per
// connection): the log line must say why no handoff happened.

#include "entrypoint/bootstrap/handoff.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

namespace entrypoint::bootstrap {
namespace {

// Answers every connection's first command with `reply` (raw RESP), until
// destroyed.
class ScriptedNode {
 public:
  explicit ScriptedNode(std::string reply) : reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(listen(fd_, 8) == 0);
    thread_ = std::thread([this] {
      while (!stop_) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        if (read(c, buf, sizeof(buf)) > 0) {
          ssize_t w = write(c, reply_.data(), reply_.size());
          (void)w;
        }
        close(c);
      }
    });
  }
  ~ScriptedNode() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

}  // namespace

TEST_SUITE("bootstrap/handoff") {
  TEST_CASE("an unreachable replica is reported as unreachable, with the reason") {
    // Me: a master with slots; my replica's address has nobody listening.
    std::string me = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    std::string nodes = me + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n" +
                        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 127.0.0.1:1@10001 slave " + me +
                        " 0 0 1 connected\n";
    ScriptedNode self(Bulk(nodes));
    auto r = HandOffSlots(PeerAddr{"127.0.0.1", self.port()}, Credentials{},
                          std::chrono::milliseconds(500));
    CHECK(r.attempted);
    CHECK_FALSE(r.demoted);
    CHECK_MESSAGE(r.detail.rfind("replica unreachable for CLUSTER FAILOVER: ", 0) == 0, r.detail);
    CHECK(r.detail.size() > std::string("replica unreachable for CLUSTER FAILOVER: ").size());
  }

  TEST_CASE("a master without a healthy replica says so") {
    std::string me = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ScriptedNode self(Bulk(me + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n"));
    auto r = HandOffSlots(PeerAddr{"127.0.0.1", self.port()}, Credentials{},
                          std::chrono::milliseconds(500));
    CHECK_FALSE(r.attempted);
    CHECK(r.detail == "no healthy replica to hand the slots to");
  }
}

}  // namespace entrypoint::bootstrap
