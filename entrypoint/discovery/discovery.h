// entrypoint/discovery/discovery.h
//
// Where the peers are: parses shoal-discovery ("dns:NAME[:PORT]" or
// "static:HOST:PORT[,HOST:PORT...]"), resolves it through the system
// resolver (getaddrinfo: /etc/hosts, Docker's embedded DNS, Kubernetes
// headless Services, Swarm's tasks.NAME), and keeps re-resolving on its own
// thread. A name that does not resolve yet is normal while containers start:
// it yields an empty list and a reason, never an error.
//
// Peer lists are deduplicated and sorted numerically (IPv4 before IPv6, then
// address bytes, then port), so every node sees the same order for the same
// answer. The list may include this node's own address; the bootstrap
// filters it out.
//
// Thread-safety: the free functions are reentrant; Discovery's methods are
// safe from any thread, and its change callback runs on its own thread.
//
// DetectAnnounceIp() lives here too: it needs the first discovered peer.

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "node/base/result.h"

namespace entrypoint::discovery {

struct Peer {
  std::string host;  // an address literal after resolution ("10.0.0.5", "fd00::5")
  int port = 0;
  // "10.0.0.5:6379", "[fd00::5]:6379".
  std::string ToString() const;
  bool operator==(const Peer&) const = default;
};

struct DiscoverySpec {
  enum class Kind { kNone, kDns, kStatic };
  Kind kind = Kind::kNone;
  std::string name;         // kDns: the name to resolve
  int port = 0;             // kDns: the peers' port
  std::vector<Peer> seeds;  // kStatic: host (name or literal) and port as written
  std::string text;         // the value as configured, for logs
};

// Parses a shoal-discovery value. `default_port` (the node's own port) is
// used by dns: without a port. "" is kNone (no discovery). Errors are one
// line naming the setting, the value and the allowed forms.
node::base::Result<DiscoverySpec> ParseDiscovery(std::string_view value, int default_port);

struct Resolution {
  std::vector<Peer> peers;  // sorted, deduplicated
  std::string reason;       // "" when every name resolved; else why some did not
};

// One resolution of the spec through getaddrinfo(AF_UNSPEC, SOCK_STREAM):
// every A/AAAA address of the dns: name; static hosts that are names are
// resolved too (literals pass through). Blocks for as long as the resolver
// does.
Resolution Resolve(const DiscoverySpec& spec);
// One name -> every address with `port`; EAI_NONAME/EAI_AGAIN/EAI_NODATA give
// an empty list and a reason.
Resolution ResolveName(const std::string& name, int port);
// Sorts numerically and removes duplicates (see the file comment).
void SortPeers(std::vector<Peer>& peers);

using Resolver = std::function<Resolution(const DiscoverySpec&)>;

// Re-resolves every `interval` on its own thread and keeps the latest list.
class Discovery {
 public:
  Discovery(DiscoverySpec spec, std::chrono::milliseconds interval, Resolver resolver = Resolve);
  ~Discovery();  // Stop()
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;

  // Called on the discovery thread whenever the peer list changes (also for
  // the first non-empty list). Set before Start().
  void SetOnChange(std::function<void(const std::vector<Peer>&)> cb);
  // Starts the thread; the first resolution runs at once.
  void Start();
  // Stops and joins (a resolution in progress finishes first). Idempotent.
  void Stop();
  // Resolve again now instead of at the end of the interval.
  void ResolveNow();

  std::vector<Peer> peers() const;
  std::string reason() const;
  // Completed resolutions so far.
  uint64_t generation() const;
  // Waits until `generation() >= n`; false on timeout.
  bool WaitForGeneration(uint64_t n, std::chrono::milliseconds timeout) const;
  // Waits until at least n peers are known; false on timeout.
  bool WaitForPeers(size_t n, std::chrono::milliseconds timeout) const;
  const DiscoverySpec& spec() const { return spec_; }

 private:
  void Loop();

  const DiscoverySpec spec_;
  const std::chrono::milliseconds interval_;
  const Resolver resolver_;
  std::function<void(const std::vector<Peer>&)> on_change_;
  std::thread thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // wakes the loop and the waiters
  bool stop_ = false;
  bool wake_ = false;
  bool started_ = false;
  std::vector<Peer> peers_;
  std::string reason_;
  uint64_t generation_ = 0;
};

// --- The announce IP (DESIGN.md "Configuration") -----------------------------

struct AnnounceInputs {
  std::string configured;            // SHOAL_ANNOUNCE_IP / cluster-announce-ip; "" = detect
  std::string hostname;              // "" = this host's name (gethostname())
  const Peer* first_peer = nullptr;  // the first discovered peer, if any
  // The `bind` setting. When it names exactly one concrete address (not a
  // wildcard), that address is the announce IP: the node is reachable
  // nowhere else (e.g. several nodes on 127.0.0.11..16 of one host).
  std::vector<std::string> bind;
};

struct AnnounceIp {
  std::string ip;   // "" = nothing found: leave it to the peers (Redis's default)
  std::string how;  // for the startup log: where the address came from
};

// 1. the configured address if set; else the only concrete bind address;
// else 2. the address the hostname resolves to; but when a peer is known and
// that address is not the source address of the route to the peer (a
// container on several networks), 3. the route's source address. Loopback addresses of the hostname
// are only used when the route to the peer is loopback too.
AnnounceIp DetectAnnounceIp(const AnnounceInputs& in);

// The local address the kernel would use to reach ip:port (a UDP socket's
// connect() + getsockname(); no packet is sent).
node::base::Result<std::string> RouteSourceAddress(const std::string& ip, int port);

}  // namespace entrypoint::discovery
