// entrypoint/bootstrap/handoff.cc -- see handoff.h.

#include "entrypoint/bootstrap/handoff.h"

#include <thread>

#include "entrypoint/bootstrap/resp_client.h"
#include "node/base/log.h"

namespace entrypoint::bootstrap {

namespace {

// One command on a fresh connection. False when the peer could not be
// reached or refused AUTH; *why then says so (an error *reply* to the
// command itself is a successful call, in *out).
bool Call(const PeerAddr& a, const Credentials& auth, std::vector<std::string> args, Reply* out,
          std::string* why = nullptr) {
  RespClient c(a.ip, a.port, 1000);
  Reply r;
  if (!auth.empty() && (!c.Call(auth.AuthCommand(), &r) || !r.ok())) {
    if (why) *why = !r.ok() ? "AUTH: " + r.str : c.error();
    return false;
  }
  if (!c.Call(args, out)) {
    if (why) *why = c.error();
    return false;
  }
  return true;
}

bool Nodes(const PeerAddr& self, const Credentials& auth, std::vector<NodeEntry>* out) {
  Reply r;
  if (!Call(self, auth, {"CLUSTER", "NODES"}, &r) || r.type != Reply::Type::kBulk) {
    return false;
  }
  *out = ParseClusterNodes(r.str);
  return true;
}

}  // namespace

HandoffResult HandOffSlots(const PeerAddr& self, const Credentials& auth,
                           std::chrono::milliseconds deadline) {
  HandoffResult res;
  auto start = std::chrono::steady_clock::now();
  std::vector<NodeEntry> nodes;
  if (!Nodes(self, auth, &nodes)) {
    res.detail = "not in cluster mode or not answering";
    return res;
  }
  const NodeEntry* me = nullptr;
  for (auto& n : nodes) {
    if (n.is_myself()) me = &n;
  }
  if (!me || !me->is_master() || me->slots == 0) {
    res.detail = "not a master with slots";
    return res;
  }
  const NodeEntry* replica = nullptr;
  for (auto& n : nodes) {
    if (n.master == me->id && n.connected && !n.failed() && !n.ip.empty()) {
      replica = &n;
      break;
    }
  }
  if (!replica) {
    res.detail = "no healthy replica to hand the slots to";
    return res;
  }
  res.attempted = true;
  LOG_INFO("Shutdown: handing my slots over to replica {} ({}:{})", replica->id, replica->ip,
           replica->port);
  Reply r;
  PeerAddr rep{replica->ip, replica->port};
  std::string why;
  if (!Call(rep, auth, {"CLUSTER", "FAILOVER"}, &r, &why)) {
    res.detail = "replica unreachable for CLUSTER FAILOVER: " + why;
    return res;
  }
  if (!r.ok()) {
    res.detail = "CLUSTER FAILOVER refused: " + r.str;
    return res;
  }
  std::string my_id = me->id;
  std::string replica_id = replica->id;
  while (std::chrono::steady_clock::now() - start < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::vector<NodeEntry> now;
    if (!Nodes(self, auth, &now)) continue;
    for (auto& n : now) {
      // The replica is going away too (a whole-cluster stop): stop waiting
      // for it, the shutdown must fit in its timeout.
      if (n.id == replica_id && (!n.connected || n.failed())) {
        res.detail = "the replica went away during the handoff";
        res.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return res;
      }
      if (n.is_myself() && !n.is_master()) {
        res.demoted = true;
        res.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        res.detail = "replica " + replica->id + " took over";
        return res;
      }
    }
  }
  res.detail = "the replica did not take over before the deadline";
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace entrypoint::bootstrap
