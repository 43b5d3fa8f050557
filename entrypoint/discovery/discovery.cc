// entrypoint/discovery/discovery.cc
//
// Parsing, resolution, the re-resolving thread and announce-IP detection.
// See discovery.h.

#include "entrypoint/discovery/discovery.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <tuple>

#include "node/base/log.h"
#include "node/base/strings.h"

namespace entrypoint::discovery {

namespace {

constexpr const char* kForms =
    "expected dns:NAME[:PORT] or static:HOST:PORT[,HOST:PORT...] (or empty for no discovery)";

node::base::Status Bad(std::string_view value, std::string_view what) {
  return node::base::Status::Error("shoal-discovery '" + std::string(value) +
                                   "': " + std::string(what) + "; " + kForms);
}

bool ValidHostName(std::string_view n) {
  if (n.empty() || n.size() > 253) return false;
  if (n.front() == '-' || n.front() == '.') return false;
  size_t label = 0;
  for (char c : n) {
    if (c == '.') {
      if (label == 0) return false;  // empty label
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return true;
}

bool IsIpLiteral(const std::string& s) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, s.c_str(), &a4) == 1 || inet_pton(AF_INET6, s.c_str(), &a6) == 1;
}

// "host:port" or "[v6]:port" -> host and port text.
bool SplitHostPort(std::string_view hp, std::string_view* host, std::string_view* port) {
  if (hp.starts_with("[")) {
    size_t close = hp.find(']');
    if (close == std::string_view::npos || close + 1 >= hp.size() || hp[close + 1] != ':') {
      return false;
    }
    *host = hp.substr(1, close - 1);
    *port = hp.substr(close + 2);
    return true;
  }
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = hp.substr(0, colon);
  *port = hp.substr(colon + 1);
  return true;
}

std::optional<int> ParsePort(std::string_view p) {
  if (p.empty() || p.size() > 5) return std::nullopt;
  for (char c : p) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  auto v = node::base::ParseInt64(p);
  if (!v || *v < 1 || *v > 65535) return std::nullopt;
  return static_cast<int>(*v);
}

// (family rank, address bytes) for numeric ordering; names sort last.
std::tuple<int, std::array<unsigned char, 16>> SortKey(const std::string& host) {
  std::array<unsigned char, 16> b{};
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
    memcpy(b.data(), &a4, 4);
    return {0, b};
  }
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    memcpy(b.data(), &a6, 16);
    return {1, b};
  }
  return {2, b};
}

std::string AddressText(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

bool IsLoopback(const std::string& ip) {
  in_addr a4;
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return ip == "::1";
}

std::string JoinPeers(const std::vector<Peer>& peers) {
  std::string out;
  for (const auto& p : peers) {
    if (!out.empty()) out += ", ";
    out += p.ToString();
  }
  return out;
}

}  // namespace

std::string Peer::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

node::base::Result<DiscoverySpec> ParseDiscovery(std::string_view value, int default_port) {
  using R = node::base::Result<DiscoverySpec>;
  DiscoverySpec spec;
  spec.text = std::string(value);
  if (value.empty()) return spec;
  if (value.starts_with("dns:")) {
    std::string_view rest = value.substr(4);
    std::string_view name = rest;
    int port = default_port;
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      auto p = ParsePort(rest.substr(colon + 1));
      if (!p) return R(Bad(value, "the port must be 1..65535"));
      port = *p;
      name = rest.substr(0, colon);
    }
    if (name.empty()) return R(Bad(value, "the name is missing"));
    if (!ValidHostName(name)) {
      return R(Bad(value, "'" + std::string(name) +
                              "' is not a host name (letters, digits, '-', '_' and dots)"));
    }
    if (port < 1 || port > 65535) return R(Bad(value, "no port given and no default port"));
    spec.kind = DiscoverySpec::Kind::kDns;
    spec.name = std::string(name);
    spec.port = port;
    return spec;
  }
  if (value.starts_with("static:")) {
    std::string_view list = value.substr(7);
    if (list.empty()) return R(Bad(value, "the list of HOST:PORT is empty"));
    for (;;) {
      size_t comma = list.find(',');
      std::string_view hp = list.substr(0, comma);
      std::string_view host, port_text;
      if (hp.empty()) return R(Bad(value, "an entry is empty"));
      if (!SplitHostPort(hp, &host, &port_text)) {
        return R(Bad(value, "'" + std::string(hp) + "' is not HOST:PORT"));
      }
      auto port = ParsePort(port_text);
      if (!port) return R(Bad(value, "'" + std::string(hp) + "': the port must be 1..65535"));
      std::string h(host);
      if (!IsIpLiteral(h) && !ValidHostName(host)) {
        return R(Bad(value, "'" + h + "' is not a host name or an IP address"));
      }
      spec.seeds.push_back(Peer{h, *port});
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
    }
    spec.kind = DiscoverySpec::Kind::kStatic;
    return spec;
  }
  return R(Bad(value, "unknown kind"));
}

void SortPeers(std::vector<Peer>& peers) {
  auto key = [](const Peer& p) {
    auto [rank, bytes] = SortKey(p.host);
    return std::make_tuple(rank, bytes, p.host, p.port);
  };
  std::sort(peers.begin(), peers.end(),
            [&](const Peer& a, const Peer& b) { return key(a) < key(b); });
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
}

Resolution ResolveName(const std::string& name, int port) {
  Resolution r;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    switch (rc) {
      case EAI_NONAME:
#ifdef EAI_NODATA
      case EAI_NODATA:
#endif
        r.reason = "'" + name + "' does not resolve yet";
        break;
      case EAI_AGAIN:
        r.reason = "'" + name + "': the resolver is not answering yet (try again)";
        break;
      case EAI_SYSTEM:
        r.reason = "'" + name + "': " + strerror(errno);
        break;
      default:
        r.reason = "'" + name + "': " + gai_strerror(rc);
    }
    return r;
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    std::string ip = AddressText(ai->ai_addr);
    if (!ip.empty()) r.peers.push_back(Peer{ip, port});
  }
  freeaddrinfo(res);
  SortPeers(r.peers);
  if (r.peers.empty()) r.reason = "'" + name + "' has no IPv4/IPv6 address";
  return r;
}

Resolution Resolve(const DiscoverySpec& spec) {
  switch (spec.kind) {
    case DiscoverySpec::Kind::kNone:
      return {};
    case DiscoverySpec::Kind::kDns:
      return ResolveName(spec.name, spec.port);
    case DiscoverySpec::Kind::kStatic: {
      Resolution all;
      for (const auto& seed : spec.seeds) {
        if (IsIpLiteral(seed.host)) {
          all.peers.push_back(seed);
          continue;
        }
        Resolution one = ResolveName(seed.host, seed.port);
        all.peers.insert(all.peers.end(), one.peers.begin(), one.peers.end());
        if (!one.reason.empty()) all.reason += (all.reason.empty() ? "" : "; ") + one.reason;
      }
      SortPeers(all.peers);
      return all;
    }
  }
  return {};
}

// --- Discovery ------------------------------------------------------------------

Discovery::Discovery(DiscoverySpec spec, std::chrono::milliseconds interval, Resolver resolver)
    : spec_(std::move(spec)), interval_(interval), resolver_(std::move(resolver)) {}

Discovery::~Discovery() { Stop(); }

void Discovery::SetOnChange(std::function<void(const std::vector<Peer>&)> cb) {
  std::lock_guard<std::mutex> lk(mu_);
  on_change_ = std::move(cb);
}

void Discovery::Start() {
  std::lock_guard<std::mutex> lk(mu_);
  if (started_) return;
  started_ = true;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Discovery::Stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!started_) return;
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
  std::lock_guard<std::mutex> lk(mu_);
  started_ = false;
}

void Discovery::ResolveNow() {
  std::lock_guard<std::mutex> lk(mu_);
  wake_ = true;
  cv_.notify_all();
}

std::vector<Peer> Discovery::peers() const {
  std::lock_guard<std::mutex> lk(mu_);
  return peers_;
}

std::string Discovery::reason() const {
  std::lock_guard<std::mutex> lk(mu_);
  return reason_;
}

uint64_t Discovery::generation() const {
  std::lock_guard<std::mutex> lk(mu_);
  return generation_;
}

bool Discovery::WaitForGeneration(uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return generation_ >= n; });
}

bool Discovery::WaitForPeers(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return peers_.size() >= n; });
}

void Discovery::Loop() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    wake_ = false;
    lk.unlock();
    Resolution r = resolver_(spec_);
    SortPeers(r.peers);
    lk.lock();
    bool changed = r.peers != peers_;
    bool reason_changed = r.reason != reason_;
    peers_ = r.peers;
    reason_ = r.reason;
    generation_++;
    auto cb = on_change_;
    cv_.notify_all();
    lk.unlock();
    if (changed) {
      LOG_INFO("Discovery {}: {} peer(s){}{}", spec_.text, r.peers.size(),
               r.peers.empty() ? "" : ": ", JoinPeers(r.peers));
    }
    if (reason_changed && !r.reason.empty()) LOG_INFO("Discovery {}: {}", spec_.text, r.reason);
    if (changed && cb) cb(r.peers);
    lk.lock();
    cv_.wait_for(lk, interval_, [&] { return stop_ || wake_; });
  }
}

// --- Announce IP ----------------------------------------------------------------

node::base::Result<std::string> RouteSourceAddress(const std::string& ip, int port) {
  using R = node::base::Result<std::string>;
  sockaddr_storage ss{};
  socklen_t len;
  if (port < 1 || port > 65535) port = 9;  // any port: nothing is sent
  if (inet_pton(AF_INET, ip.c_str(), &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, ip.c_str(), &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) ==
             1) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return R::Error("'" + ip + "' is not an IP address");
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return R::Error(std::string("socket: ") + strerror(errno));
  // A UDP connect() only picks the route and the source address.
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int e = errno;
    close(fd);
    return R::Error("no route to " + ip + ": " + strerror(e));
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  int rc = getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  int e = errno;
  close(fd);
  if (rc != 0) return R::Error(std::string("getsockname: ") + strerror(e));
  std::string src = AddressText(reinterpret_cast<sockaddr*>(&local));
  if (src.empty()) return R::Error("no source address towards " + ip);
  return src;
}

AnnounceIp DetectAnnounceIp(const AnnounceInputs& in) {
  if (!in.configured.empty()) {
    return {in.configured, "configured (cluster-announce-ip / SHOAL_ANNOUNCE_IP)"};
  }
  std::vector<std::string> concrete;
  for (std::string_view b : in.bind) {
    if (b.starts_with("-")) b.remove_prefix(1);  // Redis's "optional address" prefix
    if (b.empty() || b == "*" || b == "::*" || b == "0.0.0.0" || b == "::") continue;
    concrete.emplace_back(b);
  }
  if (concrete.size() == 1 && IsIpLiteral(concrete[0])) {
    return {concrete[0], "the only bind address"};
  }
  std::string hostname = in.hostname;
  if (hostname.empty()) {
    char buf[256] = {0};
    if (gethostname(buf, sizeof(buf) - 1) == 0) hostname = buf;
  }
  std::vector<std::string> host_addrs;
  if (!hostname.empty()) {
    for (const auto& p : ResolveName(hostname, 0).peers) host_addrs.push_back(p.host);
  }
  if (in.first_peer != nullptr) {
    auto src = RouteSourceAddress(in.first_peer->host, in.first_peer->port);
    if (src.ok()) {
      if (std::find(host_addrs.begin(), host_addrs.end(), *src) != host_addrs.end()) {
        return {*src, "the address hostname '" + hostname + "' resolves to"};
      }
      return {*src, "the source address of the route to peer " + in.first_peer->ToString() +
                        (host_addrs.empty()
                             ? std::string(" (hostname '" + hostname + "' does not resolve)")
                             : " (hostname '" + hostname + "' resolves to " + host_addrs.front() +
                                   ", not on that route)")};
    }
    LOG_WARN("Can't find the route to peer {}: {}", in.first_peer->ToString(), src.error());
  }
  // No peer (or no route): the hostname's first non-loopback address,
  // IPv4 first (host_addrs is sorted that way).
  for (const auto& a : host_addrs) {
    if (!IsLoopback(a)) return {a, "the address hostname '" + hostname + "' resolves to"};
  }
  return {"", hostname.empty() ? "no hostname"
                               : "hostname '" + hostname +
                                     "' has no non-loopback address; the peers "
                                     "will tell this node its address"};
}

}  // namespace entrypoint::discovery
