// node/cluster/bus_transport.cc
//
// asio sockets for the cluster bus (see bus_transport.h). Engine thread only.

#include "node/cluster/bus_transport.h"

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/net/tls_context.h"

namespace node::cluster {

BusTransport::BusTransport(asio::io_context& io, ClusterState& state, std::string bind_ip,
                           int bus_port)
    : io_(io),
      state_(state),
      bind_ip_(std::move(bind_ip)),
      bus_port_(bus_port),
      acceptor_(io),
      timer_(io) {}

BusTransport::~BusTransport() { Stop(); }

bool BusTransport::BindOutgoing() const {
  return !bind_ip_.empty() && bind_ip_ != "0.0.0.0" && bind_ip_ != "::" && bind_ip_ != "*";
}

base::Status BusTransport::Start() {
  asio::error_code ec;
  asio::ip::address addr =
      BindOutgoing() ? asio::ip::make_address(bind_ip_, ec) : asio::ip::address_v6::any();
  if (ec) return base::Status::Error("Invalid cluster bus bind address " + bind_ip_);
  asio::ip::tcp::endpoint ep(addr, uint16_t(bus_port_));
  acceptor_.open(ep.protocol(), ec);
  if (!ec && addr.is_v6()) acceptor_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return base::Status::Error("Could not bind the cluster bus port " + bind_ip_ + ":" +
                               std::to_string(bus_port_) + ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint(ec).port();
  Accept();
  ArmTimer();
  return base::Status::Ok();
}

void BusTransport::Stop() {
  *alive_ = false;
  asio::error_code ec;
  acceptor_.close(ec);
  timer_.cancel();
  for (auto& [id, c] : conns_) c->sock.close();
  conns_.clear();
}

namespace {
std::string AddrText(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}
}  // namespace

void BusTransport::Accept() {
  auto alive = alive_;
  acceptor_.async_accept([this, alive](asio::error_code ec, asio::ip::tcp::socket sock) {
    if (!*alive) return;
    if (!ec) {
      asio::error_code e2;
      sock.set_option(asio::ip::tcp::no_delay(true), e2);
      auto ctx = tls ? net::ActiveTls() : nullptr;
      if (!tls) {
        Inbound(net::Stream(std::move(sock)));
      } else if (ctx) {
        auto s = std::make_shared<net::Stream>(std::move(sock), ctx->server);
        s->RequirePeerCertificate();  // always on the bus, as Redis 7.0
        auto timer = std::make_shared<asio::steady_timer>(io_);
        timer->expires_after(std::chrono::seconds(10));
        timer->async_wait([s](const asio::error_code& tec) {
          if (!tec) s->close();
        });
        s->async_handshake(true, [this, alive, s, timer](const asio::error_code& hec) {
          timer->cancel();
          if (!*alive) return;
          if (hec) {
            LOG_DEBUG("Cluster bus: TLS handshake on an inbound link failed: {}", hec.message());
            s->close();
            return;
          }
          Inbound(std::move(*s));
          Flush();
        });
      }
    }
    Accept();
  });
}

void BusTransport::Inbound(net::Stream stream) {
  asio::error_code e2;
  auto peer = stream.socket().remote_endpoint(e2);
  auto local = stream.socket().local_endpoint(e2);
  if (e2) {
    stream.close();
    return;
  }
  auto c = std::make_shared<Conn>(std::move(stream));
  c->connected = true;
  c->id = state_.OnInboundLink(AddrText(peer.address()), AddrText(local.address()));
  conns_[c->id] = c;
  Read(c);
}

void BusTransport::Connect(LinkId id, const std::string& ip, int port) {
  std::shared_ptr<Conn> c;
  if (tls) {
    auto ctx = net::ActiveTls();
    if (!ctx) {
      conns_[id] = std::make_shared<Conn>(net::Stream(io_));
      CloseConn(id, true);
      return;
    }
    c = std::make_shared<Conn>(net::Stream(io_, ctx->client));
  } else {
    c = std::make_shared<Conn>(net::Stream(io_));
  }
  c->id = id;
  conns_[id] = c;
  auto& sock = c->sock.socket();
  asio::error_code ec;
  asio::ip::address addr = asio::ip::make_address(ip, ec);
  if (!ec) sock.open(addr.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
  if (!ec && BindOutgoing()) {
    asio::ip::address local = asio::ip::make_address(bind_ip_, ec);
    if (!ec && local.is_v4() == addr.is_v4()) sock.bind({local, 0}, ec);
    ec.clear();  // binding is best effort: a mismatched family just uses the default
  }
  if (ec) {
    CloseConn(id, true);
    return;
  }
  auto alive = alive_;
  auto linked = [this, c] {
    asio::error_code e2;
    c->sock.socket().set_option(asio::ip::tcp::no_delay(true), e2);
    c->connected = true;
    state_.OnOutboundConnected(c->id);
    Flush();
    Write(c);
    Read(c);
  };
  sock.async_connect({addr, uint16_t(port)}, [this, alive, c, linked](asio::error_code e) {
    if (!*alive || !conns_.count(c->id)) return;
    if (e) {
      LOG_DEBUG("Cluster bus: connect for link {} failed: {}", c->id, e.message());
      CloseConn(c->id, true);
      Flush();
      return;
    }
    if (!c->sock.tls()) {
      linked();
      return;
    }
    c->sock.async_handshake(false, [this, alive, c, linked](const asio::error_code& hec) {
      if (!*alive || !conns_.count(c->id)) return;
      if (hec) {
        LOG_DEBUG("Cluster bus: TLS handshake for link {} failed: {}", c->id, hec.message());
        CloseConn(c->id, true);
        Flush();
        return;
      }
      linked();
    });
  });
}

void BusTransport::Read(std::shared_ptr<Conn> c) {
  auto alive = alive_;
  c->sock.async_read_some(asio::buffer(c->chunk), [this, alive, c](asio::error_code ec, size_t n) {
    if (!*alive || !conns_.count(c->id)) return;
    if (ec) {
      CloseConn(c->id, true);
      Flush();
      return;
    }
    c->rbuf.append(c->chunk.data(), n);
    size_t off = 0;
    while (true) {
      auto len = PacketLength(std::string_view(c->rbuf).substr(off));
      if (!len) {
        LOG_WARN("{}", len.error());
        CloseConn(c->id, true);
        Flush();
        return;
      }
      if (*len == 0 || c->rbuf.size() - off < *len) break;
      state_.OnPacket(c->id, std::string_view(c->rbuf).substr(off, *len), base::UnixMs());
      off += *len;
      if (!conns_.count(c->id)) break;  // the packet made the state close this link
    }
    c->rbuf.erase(0, off);
    Flush();
    if (conns_.count(c->id)) Read(c);
  });
}

void BusTransport::Write(std::shared_ptr<Conn> c) {
  if (c->writing || !c->connected || c->wq.empty()) return;
  c->writing = true;
  auto alive = alive_;
  asio::async_write(c->sock, asio::buffer(c->wq.front()),
                    [this, alive, c](asio::error_code ec, size_t) {
                      if (!*alive) return;
                      c->writing = false;
                      if (!conns_.count(c->id)) return;
                      if (ec) {
                        CloseConn(c->id, true);
                        Flush();
                        return;
                      }
                      c->wq.pop_front();
                      Write(c);
                    });
}

void BusTransport::CloseConn(LinkId id, bool notify_state) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  it->second->sock.close();
  conns_.erase(it);
  if (notify_state) state_.OnLinkClosed(id);
}

void BusTransport::Flush() {
  if (flushing_) return;  // re-entrancy from handlers called inside
  flushing_ = true;
  for (int round = 0; round < 8; round++) {
    std::vector<Action> actions = state_.TakeActions();
    if (actions.empty()) break;
    for (Action& a : actions) {
      switch (a.kind) {
        case Action::kConnect:
          Connect(a.link, a.ip, a.bus_port);
          break;
        case Action::kSend: {
          auto it = conns_.find(a.link);
          if (it == conns_.end()) break;
          it->second->wq.push_back(std::move(a.bytes));
          Write(it->second);  // queued until connected
          break;
        }
        case Action::kClose:
          CloseConn(a.link, false);
          break;
        case Action::kSaveConfig:
          if (save_config) save_config(a.bytes, a.fsync);
          break;
        case Action::kStateChanged:
          if (state_changed) state_changed(a.state_ok);
          break;
      }
    }
  }
  flushing_ = false;
}

void BusTransport::ArmTimer() {
  timer_.expires_after(std::chrono::milliseconds(100));
  auto alive = alive_;
  timer_.async_wait([this, alive](asio::error_code ec) {
    if (!*alive || ec) return;
    state_.Tick(base::UnixMs());
    Flush();
    ArmTimer();
  });
}

}  // namespace node::cluster
