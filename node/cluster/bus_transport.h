// node/cluster/bus_transport.h
//
// The asio adapter that gives ClusterState real sockets: listens on the bus
// port, accepts inbound links, opens outbound links (bound to the node's bind
// IP when it is a specific address, so nodes on 127.0.0.11..16 are seen at
// their own addresses), frames packets with PacketLength(), feeds
// ClusterState, executes its Actions, and runs Tick every 100 ms on a
// steady_timer. Runs on the engine's io_context (single thread, no locks).
// Created and owned by node/server; no exceptions (error_code overloads).
//
// After any CLUSTER command that changed the state the caller must call
// Flush() so the queued actions (connects, sends, config saves) run.

#pragma once

#include <asio.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "node/base/result.h"
#include "node/cluster/cluster_state.h"
#include "node/net/stream.h"

namespace node::cluster {

class BusTransport {
 public:
  // bind_ip: "" / "0.0.0.0" / "::" listen on any address and do not bind
  // outgoing sockets; anything else is used for both.
  BusTransport(asio::io_context& io, ClusterState& state, std::string bind_ip, int bus_port);
  ~BusTransport();
  BusTransport(const BusTransport&) = delete;
  BusTransport& operator=(const BusTransport&) = delete;

  base::Status Start();  // listen and start the cron timer
  void Stop();           // close everything; pending handlers become no-ops
  void Flush();          // execute ClusterState's queued actions
  int bound_port() const { return bound_port_; }

  // kSaveConfig: write `text` to nodes.conf (SaveFileAtomically).
  std::function<void(const std::string& text, bool fsync)> save_config;
  // kStateChanged.
  std::function<void(bool ok)> state_changed;
  // tls-cluster: inbound and outbound links are TLS, with the contexts
  // net::ActiveTls() holds when the link opens. Set before Start().
  bool tls = false;

 private:
  struct Conn {
    explicit Conn(net::Stream s) : sock(std::move(s)) {}
    LinkId id = 0;
    net::Stream sock;
    std::string rbuf;
    std::array<char, 16384> chunk;
    std::deque<std::string> wq;
    bool connected = false;
    bool writing = false;
  };

  void Accept();
  void Inbound(net::Stream stream);
  void Connect(LinkId id, const std::string& ip, int port);
  void Read(std::shared_ptr<Conn> c);
  void Write(std::shared_ptr<Conn> c);
  void CloseConn(LinkId id, bool notify_state);
  void ArmTimer();
  bool BindOutgoing() const;

  asio::io_context& io_;
  ClusterState& state_;
  std::string bind_ip_;
  int bus_port_;
  int bound_port_ = 0;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer timer_;
  std::unordered_map<LinkId, std::shared_ptr<Conn>> conns_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool flushing_ = false;
};

}  // namespace node::cluster
