// entrypoint/bootstrap/bootstrap.cc -- see bootstrap.h.

#include "entrypoint/bootstrap/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "entrypoint/bootstrap/resp_client.h"
#include "node/base/log.h"
#include "node/base/strings.h"

namespace entrypoint::bootstrap {

namespace {
using Clock = std::chrono::steady_clock;
constexpr int kSlots = 16384;
constexpr int64_t kClaimTtlMs = 30000;
constexpr auto kReplicaMoveDelay = std::chrono::seconds(5);

std::vector<std::pair<int, int>> SlotRanges(const std::vector<std::string>& toks, size_t from) {
  std::vector<std::pair<int, int>> out;
  for (size_t i = from; i < toks.size(); i++) {
    const std::string& t = toks[i];
    if (t.empty() || t[0] == '[') continue;  // open-slot markers
    size_t dash = t.find('-');
    auto a = node::base::ParseInt64(std::string_view(t).substr(0, dash));
    auto b = dash == std::string::npos
                 ? a
                 : node::base::ParseInt64(std::string_view(t).substr(dash + 1));
    if (a && b && *b >= *a) out.emplace_back(static_cast<int>(*a), static_cast<int>(*b));
  }
  return out;
}
}  // namespace

bool NodeEntry::failed() const {
  for (std::string_view f : {std::string_view("fail"), std::string_view("fail?")}) {
    size_t pos = 0;
    while ((pos = flags.find(f, pos)) != std::string::npos) {
      size_t end = pos + f.size();
      bool left = pos == 0 || flags[pos - 1] == ',';
      bool right = end == flags.size() || flags[end] == ',';
      if (left && right && f == "fail") return true;
      pos = end;
    }
  }
  return false;
}

std::vector<NodeEntry> ParseClusterNodes(const std::string& text) {
  std::vector<NodeEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> t;
    std::istringstream ls(line);
    std::string tok;
    while (ls >> tok) t.push_back(tok);
    if (t.size() < 8) continue;
    NodeEntry e;
    e.id = t[0];
    std::string addr = t[1].substr(0, t[1].find('@'));
    size_t colon = addr.rfind(':');
    if (colon != std::string::npos) {
      e.ip = addr.substr(0, colon);
      e.port = static_cast<int>(node::base::ParseInt64(addr.substr(colon + 1)).value_or(0));
    }
    e.flags = t[2];
    e.master = t[3];
    e.connected = t[7] == "connected";
    e.ranges = SlotRanges(t, 8);
    for (auto& [a, b] : e.ranges) e.slots += b - a + 1;
    out.push_back(std::move(e));
  }
  return out;
}

Plan MakePlan(std::vector<PeerAddr> participants, int replicas) {
  Plan plan;
  std::sort(participants.begin(), participants.end());
  size_t n = participants.size();
  size_t nmasters = std::max<size_t>(1, n / static_cast<size_t>(replicas + 1));
  // Interleave hosts so that masters (and then replicas) spread across IPs.
  std::map<std::string, std::vector<PeerAddr>> by_ip;
  std::vector<std::string> ips;
  for (auto& p : participants) {
    if (!by_ip.count(p.ip)) ips.push_back(p.ip);
    by_ip[p.ip].push_back(p);
  }
  std::vector<PeerAddr> order;
  for (size_t round = 0; order.size() < n; round++) {
    for (auto& ip : ips) {
      if (round < by_ip[ip].size()) order.push_back(by_ip[ip][round]);
    }
  }
  double per = static_cast<double>(kSlots) / static_cast<double>(nmasters);
  double cursor = 0;
  int first = 0;
  for (size_t i = 0; i < nmasters; i++) {
    int last = static_cast<int>(std::lround(cursor + per - 1));
    if (last > kSlots - 1 || i == nmasters - 1) last = kSlots - 1;
    plan.masters.push_back({order[i], first, last, static_cast<uint64_t>(i + 1)});
    first = last + 1;
    cursor += per;
  }
  std::vector<int> nrep(nmasters, 0);
  for (size_t i = nmasters; i < n; i++) {
    const PeerAddr& r = order[i];
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
      for (size_t m = 0; m < nmasters; m++) {
        if (pass == 0 && plan.masters[m].addr.ip == r.ip) continue;  // other host first
        if (best < 0 || nrep[m] < nrep[static_cast<size_t>(best)]) best = static_cast<int>(m);
      }
    }
    nrep[static_cast<size_t>(best)]++;
    plan.replicas.emplace_back(r, plan.masters[static_cast<size_t>(best)].addr);
  }
  return plan;
}

Bootstrap::Bootstrap(Options opts, std::function<std::vector<PeerAddr>()> resolve)
    : opts_(std::move(opts)), resolve_(std::move(resolve)), started_(Clock::now()) {}

Bootstrap::~Bootstrap() { Stop(); }

void Bootstrap::Start() {
  thread_ = std::thread([this] {
    while (true) {
      Step();
      // Poll quickly until the cluster is formed (formation time is what
      // users wait for), then at the normal healing pace.
      std::string p = phase();
      int wait_ms =
          (p == "formed" || p == "degraded") ? opts_.interval_ms : std::min(opts_.interval_ms, 200);
      std::unique_lock<std::mutex> lk(mu_);
      if (cv_.wait_for(lk, std::chrono::milliseconds(wait_ms), [this] { return stop_; })) return;
    }
  });
}

void Bootstrap::Stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string Bootstrap::phase() const {
  std::lock_guard<std::mutex> lk(state_mu_);
  return phase_;
}

std::string Bootstrap::last_error() const {
  std::lock_guard<std::mutex> lk(state_mu_);
  return last_error_;
}

void Bootstrap::SetPhase(std::string p) {
  std::lock_guard<std::mutex> lk(state_mu_);
  if (p != phase_) LOG_INFO("Bootstrap: {}", p);
  phase_ = std::move(p);
}

void Bootstrap::SetError(std::string e) {
  LOG_WARN("Bootstrap: {}", e);
  std::lock_guard<std::mutex> lk(state_mu_);
  last_error_ = std::move(e);
}

bool Bootstrap::Cmd(const PeerAddr& a, std::vector<std::string> args, std::string* err,
                    std::string* out) {
  RespClient c(a.ip, a.port, 2000);
  Reply r;
  if (!opts_.auth.empty()) {
    if (!c.Call(opts_.auth.AuthCommand(), &r) || !r.ok()) {
      if (err) *err = c.error().empty() ? r.str : c.error();
      return false;
    }
  }
  if (!c.Call(args, &r)) {
    if (err) *err = c.error();
    return false;
  }
  if (!r.ok()) {
    if (err) *err = r.str;
    return false;
  }
  if (out) *out = r.str;
  return true;
}

bool Bootstrap::Query(const PeerAddr& a, PeerView* v) {
  RespClient c(a.ip, a.port, 1500);
  Reply r;
  if (!opts_.auth.empty() && (!c.Call(opts_.auth.AuthCommand(), &r) || !r.ok())) return false;
  if (!c.Call({"CLUSTER", "MYID"}, &r) || r.type != Reply::Type::kBulk) return false;
  v->addr = a;
  v->id = r.str;
  if (!c.Call({"CLUSTER", "INFO"}, &r) || r.type != Reply::Type::kBulk) return false;
  std::istringstream in(r.str);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t c2 = line.find(':');
    if (c2 == std::string::npos) continue;
    std::string k = line.substr(0, c2), val = line.substr(c2 + 1);
    if (k == "cluster_known_nodes") v->known_nodes = std::atoi(val.c_str());
    if (k == "cluster_slots_assigned") v->slots_assigned = std::atoi(val.c_str());
    if (k == "cluster_state") v->state_ok = val == "ok";
  }
  if (!c.Call({"CLUSTER", "NODES"}, &r) || r.type != Reply::Type::kBulk) return false;
  v->nodes = ParseClusterNodes(r.str);
  return true;
}

void Bootstrap::Step() {
  std::vector<PeerAddr> peers = resolve_ ? resolve_() : std::vector<PeerAddr>{};
  std::sort(peers.begin(), peers.end());
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
  std::string peer_text;
  for (auto& p : peers) peer_text += p.str() + " ";
  if (peer_text != last_peers_) {
    LOG_INFO("Bootstrap: discovered {} peer(s): {}", peers.size(), peer_text);
    last_peers_ = peer_text;
  }
  PeerView me;
  if (!Query(opts_.self, &me)) {
    SetPhase("waiting-for-engine");
    return;
  }
  // While a coordinator holds our claim, it alone changes our membership:
  // acting on our own now (e.g. joining as someone's replica) would race it.
  {
    std::string owner;
    if (Cmd(opts_.self, {"SHOAL", "CLAIMED"}, nullptr, &owner) && !owner.empty() &&
        owner != me.id) {
      SetPhase("claimed by coordinator " + owner.substr(0, 8));
      return;
    }
  }
  // One view per node id (a node may be reachable under several addresses).
  std::map<std::string, PeerView> by_id;
  for (auto& p : peers) {
    PeerView v;
    if (!Query(p, &v)) continue;
    if (v.id == me.id) continue;  // myself under my discovered address
    by_id.emplace(v.id, std::move(v));
  }
  std::vector<PeerView> views;
  for (auto& [id, v] : by_id) views.push_back(std::move(v));
  // My own address as the others see it: the discovered one if any.
  PeerAddr my_addr = opts_.self;
  for (auto& n : me.nodes) {
    if (n.is_myself() && !n.ip.empty()) {
      for (auto& p : peers) {
        if (p.ip == n.ip && p.port == n.port) my_addr = p;
      }
    }
  }
  if (my_addr == opts_.self) {
    // Find which discovered address answers with my id.
    for (auto& p : peers) {
      PeerView v;
      if (p == opts_.self) continue;
      if (Query(p, &v) && v.id == me.id) {
        my_addr = p;
        break;
      }
    }
  }
  me.addr = my_addr;

  const PeerView* formed = nullptr;
  for (auto& v : views) {
    if (v.formed()) formed = &v;
  }
  if (me.fresh()) {
    if (formed) {
      // Enough fresh nodes together make a new shard; a lone one waits a
      // moment for company, then joins as a replica.
      std::vector<PeerView> fresh{me};
      for (auto& v : views) {
        if (v.fresh()) fresh.push_back(v);
      }
      std::sort(fresh.begin(), fresh.end(),
                [](const PeerView& a, const PeerView& b) { return a.addr < b.addr; });
      if (static_cast<int>(fresh.size()) >= opts_.replicas + 1) {
        if (fresh[0].id != me.id) {
          SetPhase("waiting-for-shard-coordinator " + fresh[0].addr.str());
          return;
        }
        fresh.resize(static_cast<size_t>(opts_.replicas + 1));
        Grow(fresh, *formed, me);
        return;
      }
      if (fresh_since_ == Clock::time_point{}) fresh_since_ = Clock::now();
      if (Clock::now() - fresh_since_ < std::chrono::milliseconds(opts_.join_grace_ms)) {
        SetPhase("waiting for more fresh nodes before joining");
        return;
      }
      SetPhase("joining");
      std::string err;
      if (!Cmd(opts_.self, {"CLUSTER", "MEET", formed->addr.ip, std::to_string(formed->addr.port)},
               &err)) {
        SetError("MEET " + formed->addr.str() + ": " + err);
      } else {
        LOG_INFO("Bootstrap: joining the cluster through {}", formed->addr.str());
      }
      return;
    }
  } else if (me.formed()) {
    Join(me, views);
    Heal(me, views);
    return;
  }
  // Forming (or resuming an interrupted formation).
  std::vector<PeerView> participants;
  participants.push_back(me);
  for (auto& v : views) {
    if (!v.formed()) participants.push_back(v);
  }
  if (static_cast<int>(participants.size()) < opts_.cluster_size) {
    SetPhase("waiting-for-peers (" + std::to_string(participants.size()) + "/" +
             std::to_string(opts_.cluster_size) + ")");
    return;
  }
  const PeerView* coord = &participants[0];
  for (auto& p : participants) {
    if (p.addr < coord->addr) coord = &p;
  }
  if (coord->id != me.id) {
    SetPhase("waiting-for-coordinator " + coord->addr.str());
    return;
  }
  Form(participants, me);
}

void Bootstrap::Form(const std::vector<PeerView>& participants, const PeerView& me) {
  SetPhase("forming");
  std::vector<PeerAddr> addrs;
  std::map<std::string, const PeerView*> by_addr;
  for (auto& p : participants) {
    addrs.push_back(p.addr);
    by_addr[p.addr.str()] = &p;
  }
  std::sort(addrs.begin(), addrs.end());
  LOG_INFO("Bootstrap: I am the coordinator ({}); forming a cluster of {} nodes", me.addr.str(),
           addrs.size());
  // 1. Every participant confirms this coordinator before anything changes.
  std::vector<PeerAddr> claimed;
  for (auto& a : addrs) {
    std::string err;
    if (!Cmd(a, {"SHOAL", "CLAIM", me.id, std::to_string(kClaimTtlMs)}, &err)) {
      SetError("participant " + a.str() + " did not confirm the coordinator: " + err);
      for (auto& c : claimed) Cmd(c, {"SHOAL", "RELEASE", me.id});
      SetPhase("waiting-for-confirmation");
      return;
    }
    claimed.push_back(a);
  }
  auto release = [&] {
    for (auto& c : claimed) Cmd(c, {"SHOAL", "RELEASE", me.id});
  };
  Plan plan = MakePlan(addrs, opts_.replicas);
  // 2. Slots and config epochs (idempotent: a master that already has its
  //    slots from an interrupted run keeps them).
  for (auto& m : plan.masters) {
    const PeerView* v = by_addr[m.addr.str()];
    bool has_slots = false;
    for (auto& n : v->nodes) {
      if (n.is_myself() && n.slots > 0) has_slots = true;
    }
    std::string err;
    if (!has_slots &&
        !Cmd(m.addr, {"CLUSTER", "ADDSLOTSRANGE", std::to_string(m.first), std::to_string(m.last)},
             &err)) {
      SetError("ADDSLOTSRANGE on " + m.addr.str() + ": " + err);
      release();
      return;
    }
    Cmd(m.addr, {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(m.epoch)});
    LOG_INFO("Bootstrap: {} serves slots {}-{} (config epoch {})", m.addr.str(), m.first, m.last,
             m.epoch);
  }
  // 3. Everyone meets the first node.
  const PeerAddr& hub = addrs[0];
  for (auto& a : addrs) {
    if (a == hub) continue;
    std::string err;
    if (!Cmd(a, {"CLUSTER", "MEET", hub.ip, std::to_string(hub.port)}, &err)) {
      SetError("MEET from " + a.str() + ": " + err);
    }
  }
  // 4. Wait until every node knows every other one.
  auto deadline = Clock::now() + std::chrono::seconds(15);
  bool all_known = false;
  while (!all_known && Clock::now() < deadline) {
    all_known = true;
    for (auto& a : addrs) {
      PeerView v;
      if (!Query(a, &v) || v.known_nodes < static_cast<int>(addrs.size())) {
        all_known = false;
        break;
      }
      for (auto& n : v.nodes) all_known &= !n.handshake();
    }
    if (!all_known) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // 5. Replicas.
  for (auto& [rep, master] : plan.replicas) {
    const std::string& mid = by_addr[master.str()]->id;
    std::string err;
    bool ok = false;
    for (int i = 0; i < 50 && !ok; i++) {
      ok = Cmd(rep, {"CLUSTER", "REPLICATE", mid}, &err);
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ok) {
      SetError("REPLICATE on " + rep.str() + ": " + err);
      release();
      return;
    }
    LOG_INFO("Bootstrap: {} replicates {} ({})", rep.str(), master.str(), mid);
  }
  release();
  formation_seconds_ = std::chrono::duration<double>(Clock::now() - started_).count();
  LOG_INFO("Bootstrap: cluster formed with {} masters and {} replicas", plan.masters.size(),
           plan.replicas.size());
  SetPhase("formed");
}

void Bootstrap::Grow(std::vector<PeerView> group, const PeerView& formed, const PeerView& me) {
  SetPhase("growing");
  auto started = Clock::now();
  std::vector<PeerAddr> claimed;
  auto release = [&] {
    for (auto& c : claimed) Cmd(c, {"SHOAL", "RELEASE", me.id});
  };
  for (auto& g : group) {
    std::string err;
    if (!Cmd(g.addr, {"SHOAL", "CLAIM", me.id, std::to_string(kClaimTtlMs * 4)}, &err)) {
      SetError("new-shard member " + g.addr.str() + " did not confirm: " + err);
      release();
      return;
    }
    claimed.push_back(g.addr);
  }
  const PeerView& nm = group[0];
  LOG_INFO("Bootstrap: {} fresh nodes form a new shard; {} becomes its master", group.size(),
           nm.addr.str());
  for (auto& g : group) {
    Cmd(g.addr, {"CLUSTER", "MEET", formed.addr.ip, std::to_string(formed.addr.port)});
  }
  // Wait until the cluster knows the new master and it knows the cluster.
  PeerView fv, nv;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  bool known = false;
  while (!known && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!Query(formed.addr, &fv) || !Query(nm.addr, &nv)) continue;
    bool in_formed = false;
    for (auto& n : fv.nodes) in_formed |= n.id == nm.id && !n.handshake();
    // Its own state must be ok too: a node refuses RESTORE-ASKING with
    // CLUSTERDOWN until then (Redis's startup delay applies to it).
    bool sees_all = nv.known_nodes >= fv.known_nodes && nv.slots_assigned == 16384 && nv.state_ok;
    known = in_formed && sees_all;
  }
  if (!known) {
    SetError("the new master " + nm.addr.str() + " did not join in time");
    release();
    return;
  }
  // Slots to move: the new master takes an equal share, from the end of
  // each existing master's ranges.
  std::vector<const NodeEntry*> masters;
  for (auto& n : fv.nodes) {
    if (n.is_master() && n.slots > 0 && !n.failed()) masters.push_back(&n);
  }
  int share = 16384 / static_cast<int>(masters.size() + 1);
  std::map<std::string, RespClient*> conns;
  std::vector<std::unique_ptr<RespClient>> owned;
  auto conn = [&](const std::string& ip, int port) {
    std::string k = ip + ":" + std::to_string(port);
    if (!conns.count(k)) {
      owned.push_back(std::make_unique<RespClient>(ip, port, 5000));
      conns[k] = owned.back().get();
      Reply r;
      if (!opts_.auth.empty()) conns[k]->Call(opts_.auth.AuthCommand(), &r);
    }
    return conns[k];
  };
  auto call = [&](RespClient* c, std::vector<std::string> args, Reply* r) {
    return c->Call(args, r) && r->ok();
  };
  RespClient* dst = conn(nm.addr.ip, nm.addr.port);
  int moved = 0, keys = 0;
  for (const NodeEntry* m : masters) {
    int give = m->slots - share;
    if (give <= 0) continue;
    RespClient* src = conn(m->ip, m->port);
    std::vector<int> slots;
    for (auto it = m->ranges.rbegin(); it != m->ranges.rend() && give > 0; ++it) {
      for (int s = it->second; s >= it->first && give > 0; s--, give--) slots.push_back(s);
    }
    for (int s : slots) {
      Reply r;
      std::string ss = std::to_string(s);
      // On any failure the slot is closed again (never left open: clients
      // would bounce between ASK and MOVED), and the grow stops here.
      auto abort_slot = [&](const std::string& why) {
        Reply ignored;
        call(dst, {"CLUSTER", "SETSLOT", ss, "STABLE"}, &ignored);
        call(src, {"CLUSTER", "SETSLOT", ss, "STABLE"}, &ignored);
        SetError(why);
        release();
      };
      if (!call(dst, {"CLUSTER", "SETSLOT", ss, "IMPORTING", m->id}, &r) ||
          !call(src, {"CLUSTER", "SETSLOT", ss, "MIGRATING", nm.id}, &r)) {
        abort_slot("SETSLOT " + ss + ": " + r.str);
        return;
      }
      while (true) {
        if (!call(src, {"CLUSTER", "GETKEYSINSLOT", ss, "100"}, &r) || r.elements.empty()) break;
        std::vector<std::string> mig = {
            "MIGRATE", nm.addr.ip, std::to_string(nm.addr.port), "", "0", "10000", "REPLACE"};
        if (!opts_.auth.empty()) {
          for (auto& a : opts_.auth.MigrateAuth()) mig.push_back(a);
        }
        mig.push_back("KEYS");
        for (auto& k : r.elements) mig.push_back(k.str);
        Reply mr;
        if (!call(src, mig, &mr)) {
          abort_slot("MIGRATE slot " + ss + ": " + mr.str);
          return;
        }
        keys += static_cast<int>(r.elements.size());
      }
      // The new owner first (it bumps its epoch), then the old one; the
      // other nodes learn it from their pings (higher config epoch wins).
      call(dst, {"CLUSTER", "SETSLOT", ss, "NODE", nm.id}, &r);
      call(src, {"CLUSTER", "SETSLOT", ss, "NODE", nm.id}, &r);
      moved++;
    }
  }
  LOG_INFO("Bootstrap: moved {} slots ({} keys) to the new master {}", moved, keys, nm.addr.str());
  for (size_t i = 1; i < group.size(); i++) {
    std::string err;
    bool ok = false;
    for (int t = 0; t < 50 && !ok; t++) {
      ok = Cmd(group[i].addr, {"CLUSTER", "REPLICATE", nm.id}, &err);
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ok) SetError("REPLICATE on " + group[i].addr.str() + ": " + err);
  }
  release();
  LOG_INFO("Bootstrap: new shard ready in {:.1f}s",
           std::chrono::duration<double>(Clock::now() - started).count());
  SetPhase("formed");
}

std::map<std::string, int> HealthyReplicaCounts(const std::vector<NodeEntry>& nodes) {
  std::map<std::string, int> nrep;
  for (auto& n : nodes) {
    if (n.is_master() && n.slots > 0 && n.healthy()) nrep[n.id];
  }
  for (auto& n : nodes) {
    if (!n.is_master() && n.healthy() && nrep.count(n.master)) nrep[n.master]++;
  }
  return nrep;
}

std::string ChooseMasterToJoin(const std::vector<NodeEntry>& nodes) {
  const NodeEntry* self = nullptr;
  for (auto& n : nodes) {
    if (n.is_myself()) self = &n;
  }
  if (!self) return "";
  auto nrep = HealthyReplicaCounts(nodes);
  const NodeEntry* best = nullptr;
  for (int pass = 0; pass < 2 && !best; pass++) {
    for (auto& n : nodes) {
      if (!nrep.count(n.id)) continue;
      if (pass == 0 && n.ip == self->ip) continue;
      if (!best || nrep[n.id] < nrep[best->id] || (nrep[n.id] == nrep[best->id] && n.id < best->id))
        best = &n;
    }
  }
  return best ? best->id : "";
}

std::string ChooseReplicaMove(const std::vector<NodeEntry>& nodes) {
  const NodeEntry* self = nullptr;
  for (auto& n : nodes) {
    if (n.is_myself()) self = &n;
  }
  if (!self || self->is_master() || !self->healthy()) return "";
  auto nrep = HealthyReplicaCounts(nodes);
  auto mine = nrep.find(self->master);
  if (mine == nrep.end()) return "";
  int most = 0;
  std::string orphan;
  for (auto& [id, count] : nrep) {
    most = std::max(most, count);
    if (count == 0 && orphan.empty()) orphan = id;  // smallest id first
  }
  if (orphan.empty() || most < 2 || mine->second != most) return "";
  // One mover: the smallest id among the best-served masters' replicas.
  for (auto& n : nodes) {
    if (n.is_master() || !n.healthy()) continue;
    auto it = nrep.find(n.master);
    if (it != nrep.end() && it->second == most && n.id < self->id) return "";
  }
  return orphan;
}

void Bootstrap::Join(const PeerView& me, const std::vector<PeerView>& views) {
  (void)views;
  const NodeEntry* self = nullptr;
  for (auto& n : me.nodes) {
    if (n.is_myself()) self = &n;
  }
  if (!self || !self->is_master() || self->slots > 0) return;
  // A master without slots in a formed cluster: a newcomer.
  std::string best = ChooseMasterToJoin(me.nodes);
  if (best.empty()) return;
  std::string err;
  if (Cmd(opts_.self, {"CLUSTER", "REPLICATE", best}, &err)) {
    LOG_INFO("Bootstrap: joined as a replica of {}", best);
    if (formation_seconds_.load() == 0) {
      formation_seconds_ = std::chrono::duration<double>(Clock::now() - started_).count();
    }
  } else {
    SetError("REPLICATE " + best + ": " + err);
  }
}

void Bootstrap::Heal(const PeerView& me, const std::vector<PeerView>& views) {
  SetPhase(me.state_ok ? "formed" : "degraded");
  std::map<std::string, const NodeEntry*> mine;
  for (auto& n : me.nodes) mine[n.id] = &n;
  // Re-MEET nodes of this cluster that answer at an address we do not use.
  for (auto& v : views) {
    bool same_cluster = mine.count(v.id) > 0;
    for (auto& n : v.nodes) same_cluster |= n.id == me.id;
    if (!same_cluster) continue;
    auto it = mine.find(v.id);
    bool stale = it == mine.end() || it->second->ip != v.addr.ip ||
                 it->second->port != v.addr.port || !it->second->connected;
    if (!stale) continue;
    std::string err;
    if (Cmd(opts_.self, {"CLUSTER", "MEET", v.addr.ip, std::to_string(v.addr.port)}, &err)) {
      LOG_INFO("Bootstrap: re-MEET {} at {}", v.id, v.addr.str());
    }
  }
  // Forget nodes failed for too long whose slots are served elsewhere.
  auto now = Clock::now();
  for (auto& n : me.nodes) {
    if (!n.failed()) {
      failed_since_.erase(n.id);
      continue;
    }
    auto [it, inserted] = failed_since_.emplace(n.id, now);
    (void)inserted;
    double secs = std::chrono::duration<double>(now - it->second).count();
    if (secs < static_cast<double>(opts_.forget_after_s) || n.slots > 0) continue;
    LOG_INFO("Bootstrap: forgetting {} (failed for {:.0f}s, no slots)", n.id, secs);
    Cmd(opts_.self, {"CLUSTER", "FORGET", n.id});
    for (auto& v : views) Cmd(v.addr, {"CLUSTER", "FORGET", n.id});
    failed_since_.erase(n.id);
  }
  // Move a replica to a master left without one, once the view has said so
  // for kReplicaMoveDelay (not during a failover's first seconds).
  std::string target = ChooseReplicaMove(me.nodes);
  if (target != move_target_) {
    move_target_ = target;
    move_since_ = now;
  } else if (!target.empty() && now - move_since_ >= kReplicaMoveDelay) {
    std::string err;
    if (Cmd(opts_.self, {"CLUSTER", "REPLICATE", target}, &err)) {
      LOG_INFO("Bootstrap: moved to {}, a master without a healthy replica", target);
    } else {
      SetError("REPLICATE " + target + ": " + err);
    }
    move_target_.clear();
  }
}

}  // namespace entrypoint::bootstrap
