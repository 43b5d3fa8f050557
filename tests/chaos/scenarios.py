# The chaos scenarios and the checks after each one (issue 9). Used by
# test_chaos.py (a short seeded run) and soak.py (hundreds of random ones).
# Main thread only, except the two writer threads of Workload.
#
# One scenario = pick a fault and a target, inject it while the workload
# writes, hold it, heal (restart killed/stopped nodes, restore links), then
# measure the time until the cluster has recovered and check:
#   1. one owner per slot: every node's CLUSTER NODES, CLUSTER SLOTS and
#      CLUSTER SHARDS give the same owner for every slot, every view agrees
#      on the config epochs and the replica->master links (a slot claimed by
#      two masters in any view, or by different masters in two views once the
#      recovery deadline passed, counts as a slot with two owners);
#   2. every WAIT-confirmed write is still there (read back from the current
#      owner; the last confirmed value of each key, or a newer one); writes
#      acknowledged without WAIT that are gone are counted (async losses,
#      expected with asynchronous replication);
#   3. the recovery time: from the heal to cluster_state:ok on every node
#      with every view in agreement and no node flagged fail/pfail.

import os
import signal
import statistics
import sys
import threading
import time

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from support.slotwriter import SlotWriter, key_slot  # noqa: E402

FAULTS = ["kill9", "sigstop", "sigterm", "isolate", "split", "loss", "slow"]


# --- the workload ---------------------------------------------------------

class ChaosWriter(SlotWriter):
    """SlotWriter whose every write goes to a NEW key (`<prefix><n>` with
    value `<n>`, n growing over the whole run), so no later write can hide
    the loss of an earlier one. With `wait_ms`, each SET is confirmed with
    `WAIT 1 wait_ms` and counts only when WAIT says a replica has it.
    `rate`: at most this many acknowledged writes per second (a soak runs for
    hours; the keys of checked windows are deleted, see Chaos.check_writes)."""

    def __init__(self, seeds, prefix, wait_ms=None, rate=250, socket_timeout=0.5):
        super().__init__(seeds, wait_replicas=1 if wait_ms is not None else 0,
                         socket_timeout=socket_timeout)
        self.prefix = prefix
        self.wait_ms = wait_ms
        self.pause = 1.0 / rate if rate else 0.0
        self.window = []          # keys acknowledged since the last take_window()
        self.prev = []            # the window before (checked once more, then deleted)
        self.acked_count = 0
        self.error_count = 0
        self.counter = 0
        self.last_ack_t = {}      # slot range -> time of its last acknowledged write
        self.max_gap = 0.0        # longest time between two acks in one range
        self.lock = threading.Lock()

    def write(self, key, value):
        self.attempts += 1
        addr = self.owner(key)
        if addr is None:
            self.error_count += 1
            self.refresh()
            return False
        try:
            c = self._conn(addr)
            c.execute_command("SET", key, value)
            if self.wait_ms is not None:
                n = c.execute_command("WAIT", 1, self.wait_ms)
                if n < 1:
                    self.not_replicated += 1
                    return False
            now = time.time()
            with self.lock:
                self.window.append(key)
                self.acked_count += 1
                # Outage per third of the slots (the three shards formation
                # makes; no resharding happens here).
                third = key_slot(key) * 3 // 16384
                prev = self.last_ack_t.get(third)
                if prev is not None:
                    self.max_gap = max(self.max_gap, now - prev)
                self.last_ack_t[third] = now
            return True
        except Exception as e:  # any failure: count, re-read the topology
            self.error_count += 1
            if isinstance(e, (redis.ConnectionError, redis.TimeoutError)):
                self._drop(addr)
            self.refresh()
            return False

    def run(self, keys=None, **_):
        while not self._stop.is_set():
            i = self.counter
            self.counter += 1
            t = time.time()
            if not self.write(f"{self.prefix}{i}", str(i)):
                time.sleep(0.02)
            elif self.pause:
                left = self.pause - (time.time() - t)
                if left > 0:
                    time.sleep(left)

    def take_window(self):
        """The keys acknowledged since the last call, and the longest gap
        between two acknowledged writes to one third of the slots meanwhile
        (the writer's longest outage of one shard)."""
        with self.lock:
            w, self.window = self.window, []
            gap, self.max_gap = self.max_gap, 0.0
            self.last_ack_t = {}
        return w, gap


def expected_value(key):
    return key.rsplit(":", 1)[-1]


class Workload:
    """Writers on disjoint key sets: `w<j>:<n>` keys confirmed with WAIT,
    `a<j>:<n>` keys acknowledged by the master alone; `per_mode` writers of
    each kind (one thread each), so a shard that stalls (a stopped master, a
    WAIT that times out) holds up only one writer's share of the load."""

    def __init__(self, rig, wait_ms=500, per_mode=2, rate=250):
        seeds = [n.addr for n in rig.nodes]
        self.waited = [ChaosWriter(seeds, f"w{j}:", wait_ms=wait_ms, rate=rate)
                       for j in range(per_mode)]
        self.async_ = [ChaosWriter(seeds, f"a{j}:", rate=rate) for j in range(per_mode)]
        self.lost_seen = set()    # keys already counted as lost

    @property
    def writers(self):
        return self.waited + self.async_

    def start(self):
        for w in self.writers:
            w.start(None)

    def stop(self):
        for w in self.writers:
            w._stop.set()
        for w in self.writers:
            w.stop()

    def close(self):
        self.stop()
        for w in self.writers:
            w.close()


# --- cluster views --------------------------------------------------------

def _conn(node, timeout=1.0):
    return redis.Redis(host=node.ip, port=6379, socket_timeout=timeout,
                       socket_connect_timeout=timeout, decode_responses=True)


def node_view(node):
    """What one node says: state, node table, slot owner maps from CLUSTER
    NODES, SLOTS and SHARDS."""
    c = _conn(node)
    try:
        info = c.execute_command("CLUSTER", "INFO")
        nodes_txt = c.execute_command("CLUSTER", "NODES")
        slots = c.execute_command("CLUSTER", "SLOTS")
        shards = c.execute_command("CLUSTER", "SHARDS")
    finally:
        c.close()
    state = ""
    for line in info.splitlines():
        if line.startswith("cluster_state:"):
            state = line.split(":", 1)[1].strip()
    table = {}
    owners_nodes = {}              # slot -> [node ids] (NODES)
    for line in nodes_txt.splitlines():
        f = line.split()
        if len(f) < 8:
            continue
        nid, addr, flags, master, epoch = f[0], f[1].split("@")[0], f[2], f[3], int(f[6])
        table[nid] = {"addr": addr, "flags": set(flags.split(",")), "master": master,
                      "epoch": epoch, "link": f[7]}
        for s in f[8:]:
            if s.startswith("["):
                continue
            a, _, b = s.partition("-")
            for slot in range(int(a), int(b or a) + 1):
                owners_nodes.setdefault(slot, []).append(nid)
    addr_of = {nid: x["addr"] for nid, x in table.items()}
    myself = next((nid for nid, x in table.items() if "myself" in x["flags"]), None)
    owners_slots = {}              # slot -> [addr] (SLOTS)
    for entry in slots:
        a, b, master = entry[0], entry[1], entry[2]
        ip = master[0] or node.ip
        for slot in range(a, b + 1):
            owners_slots.setdefault(slot, []).append(f"{ip}:{master[1]}")
    owners_shards = {}             # slot -> [node ids] (SHARDS)
    for shard in shards:
        sh = dict(zip(shard[0::2], shard[1::2]))
        ranges = sh.get("slots", [])
        primaries = []
        for nd in sh.get("nodes", []):
            d = dict(zip(nd[0::2], nd[1::2]))
            if d.get("role") == "master":
                primaries.append(d.get("id"))
        for i in range(0, len(ranges) - 1, 2):
            for slot in range(int(ranges[i]), int(ranges[i + 1]) + 1):
                owners_shards.setdefault(slot, []).extend(primaries)
    return {"state": state, "myself": myself, "table": table, "nodes": owners_nodes,
            "slots": owners_slots, "shards": owners_shards, "addr_of": addr_of}


def analyse(views):
    """Compares the views of all nodes. Returns (problems, two_owner_slots):
    problems is a list of strings (empty = consistent and healthy);
    two_owner_slots the set of slots with more than one owner anywhere."""
    problems = []
    two = set()
    ids = {frozenset(v["table"]) for v in views.values()}
    if len(ids) != 1:
        problems.append(f"membership differs: {[sorted(x)[:1] for x in ids]} ({len(ids)} sets)")
    owner = {}                     # slot -> set of owner ids over all views
    for name, v in views.items():
        if v["state"] != "ok":
            problems.append(f"{name}: cluster_state:{v['state']}")
        for nid, x in v["table"].items():
            bad = x["flags"] & {"fail", "fail?", "handshake", "noaddr"}
            if bad:
                problems.append(f"{name}: {x['addr']} flagged {','.join(sorted(bad))}")
        for slot in range(16384):
            ids_n = v["nodes"].get(slot, [])
            if len(ids_n) > 1:
                two.add(slot)
                problems.append(f"{name}: slot {slot} has owners {ids_n} in CLUSTER NODES")
            if not ids_n:
                problems.append(f"{name}: slot {slot} has no owner")
                continue
            owner.setdefault(slot, set()).update(ids_n)
            want_addr = v["addr_of"].get(ids_n[0])
            if v["slots"].get(slot, []) != [want_addr]:
                problems.append(f"{name}: slot {slot}: CLUSTER SLOTS says {v['slots'].get(slot)}"
                                f", NODES says {want_addr}")
            if v["shards"].get(slot, []) != ids_n:
                problems.append(f"{name}: slot {slot}: CLUSTER SHARDS says "
                                f"{v['shards'].get(slot)}, NODES says {ids_n}")
    for slot, ids_s in owner.items():
        if len(ids_s) > 1:
            two.add(slot)
    if len([s for s in owner if len(owner[s]) > 1]):
        problems.append(f"views disagree on the owner of {sum(len(o) > 1 for o in owner.values())}"
                        " slots")
    # Config epochs and roles, per node id, must be the same in every view.
    per_id = {}
    for name, v in views.items():
        for nid, x in v["table"].items():
            role = "master" if "master" in x["flags"] else "replica"
            per_id.setdefault(nid, set()).add((x["epoch"], role, x["master"]))
    for nid, seen in per_id.items():
        if len(seen) > 1:
            problems.append(f"views disagree on node {nid[:8]}: {sorted(seen)}")
    # The epochs of masters are unique (a clash means two configs).
    v0 = next(iter(views.values()))
    masters = {nid: x["epoch"] for nid, x in v0["table"].items()
               if "master" in x["flags"] and any(nid in o for o in v0["nodes"].values())}
    if len(set(masters.values())) != len(masters):
        problems.append(f"slot-owning masters share a config epoch: {masters}")
    return problems, two


def collect(rig):
    views = {}
    errors = []
    for n in rig.nodes:
        try:
            views[n.name] = node_view(n)
        except Exception as e:  # noqa: BLE001 - a node not answering is a finding
            errors.append(f"{n.name}: {type(e).__name__}: {e}")
    return views, errors


def wait_healthy(rig, timeout):
    """Waits until every node answers, reports cluster_state:ok, and all views
    agree (analyse() finds nothing). Returns (seconds, problems, two_owner
    slots, views): problems empty on success."""
    t0 = time.time()
    problems, two, views = ["not checked"], set(), {}
    while True:
        views, errors = collect(rig)
        if errors:
            problems, two = errors, set()
        else:
            problems, two = analyse(views)
            if not problems:
                return time.time() - t0, [], set(), views
        if time.time() - t0 > timeout:
            return time.time() - t0, problems, two, views
        time.sleep(0.1)


def wait_formed(rig, timeout=60):
    """Formation: healthy and 3 masters with one replica each."""
    t0 = time.time()
    while True:
        left = max(1.0, timeout - (time.time() - t0))
        secs, problems, _, views = wait_healthy(rig, left)
        if not problems:
            v0 = next(iter(views.values()))
            masters = [n for n, x in v0["table"].items() if "master" in x["flags"]]
            replicas = [x["master"] for x in v0["table"].values() if "slave" in x["flags"]]
            if len(masters) == 3 and sorted(replicas) == sorted(masters):
                return time.time() - t0
            problems = [f"roles: {len(masters)} masters, replicas of {replicas}"]
        if time.time() - t0 > timeout:
            raise AssertionError(f"the cluster did not form in {timeout}s: {problems[:5]}")
        time.sleep(0.2)


# --- reading back ---------------------------------------------------------

def by_owner(rig, keys):
    """{"ip:port" or None: [keys]} by CLUSTER SLOTS of a healthy node."""
    views, _ = collect(rig)
    v = next(iter(views.values()))
    out = {}
    for k in keys:
        owners = v["slots"].get(key_slot(k))
        out.setdefault(owners[0] if owners else None, []).append(k)
    return out


def _pipelined(addr, keys, op):
    host, port = addr.rsplit(":", 1)
    c = redis.Redis(host=host, port=int(port), socket_timeout=10)
    try:
        out = []
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            p = c.pipeline(transaction=False)
            for k in chunk:
                getattr(p, op)(k)
            out += p.execute(raise_on_error=False)
        return out
    finally:
        c.close()


def read_back(rig, keys):
    """Current value of each key (str or None), GETs pipelined to the slot
    owner; a key whose GET fails (MOVED, ...) is read with RedisCluster."""
    out = {}
    for addr, ks in by_owner(rig, keys).items():
        vals = _pipelined(addr, ks, "get") if addr else [None] * len(ks)
        for k, val in zip(ks, vals):
            if addr is None or isinstance(val, Exception):
                val = _read_one(rig, k)
            out[k] = val.decode() if isinstance(val, bytes) else val
    return out


def delete_keys(rig, keys):
    for addr, ks in by_owner(rig, keys).items():
        if addr:
            _pipelined(addr, ks, "delete")


def _read_one(rig, key):
    rc = redis.RedisCluster(host=rig.nodes[0].ip, port=6379, socket_timeout=5)
    try:
        return rc.get(key)
    finally:
        rc.close()


def count_lost(keys, values, seen):
    """Acknowledged keys whose value is gone or wrong; `seen`: keys counted
    already (each is counted once)."""
    lost = []
    for k in keys:
        cur = values.get(k)
        if cur == expected_value(k) or k in seen:
            continue
        seen.add(k)
        lost.append((k, cur))
    return lost


# --- scenarios --------------------------------------------------------------

class Result:
    def __init__(self, kind, detail):
        self.kind = kind
        self.detail = detail
        self.recovery = None
        self.two_owner_slots = 0
        self.wait_lost = []
        self.async_lost = 0
        self.problems = []
        self.waited_acked = 0
        self.async_acked = 0
        self.outage = None        # longest write gap of an async writer (s)
        self.t_start = None       # wall clock of the fault (matches the node logs)

    @property
    def ok(self):
        return not self.problems and not self.wait_lost and self.two_owner_slots == 0

    def line(self):
        rec = f"{self.recovery:.2f}s" if self.recovery is not None else "never"
        out = f"{self.outage:.2f}s" if self.outage is not None else "-"
        clock = time.strftime("%H:%M:%S", time.localtime(self.t_start)) if self.t_start else ""
        s = (f"{clock} {self.kind:8s} {self.detail:44s} recovery {rec:>7s} outage {out:>6s}  "
             f"acked w={self.waited_acked} "
             f"a={self.async_acked}  lost w={len(self.wait_lost)} a={self.async_lost}  "
             f"two-owner slots {self.two_owner_slots}")
        if self.problems:
            s += f"  PROBLEMS: {self.problems[:3]}"
        return s


def masters_and_replicas(rig):
    views, _ = collect(rig)
    v = next(iter(views.values()))
    by_addr = {n.ip: n for n in rig.nodes}
    masters, replicas = [], []
    for x in v["table"].values():
        n = by_addr.get(x["addr"].split(":")[0])
        if n is None:
            continue
        (masters if "master" in x["flags"] else replicas).append(n)
    return sorted(masters, key=lambda n: n.k), sorted(replicas, key=lambda n: n.k)


class Chaos:
    """Runs scenarios on a formed rig with a running Workload."""

    def __init__(self, rig, workload, rng, recover_timeout=90, log=print):
        self.rig = rig
        self.work = workload
        self.rng = rng
        self.nt = rig.node_timeout / 1000.0
        self.recover_timeout = recover_timeout
        self.log = log
        self.results = []
        self._acked = (0, 0)
        self._problem = None      # a finding of the fault step itself

    def pick(self, role_master_p=0.7):
        masters, replicas = masters_and_replicas(self.rig)
        pool = masters if (self.rng.random() < role_master_p and masters) else replicas or masters
        return self.rng.choice(pool), "master" if pool is masters else "replica"

    def hold(self, long_p=0.6):
        """How long a fault lasts: beyond the node timeout (a failover) or
        shorter (no failover expected)."""
        if self.rng.random() < long_p:
            return round(self.rng.uniform(2.5 * self.nt, 4 * self.nt), 2)
        return round(self.rng.uniform(0.2 * self.nt, 0.7 * self.nt), 2)

    def run(self, kind):
        fn = getattr(self, f"_fault_{kind}")
        t_start = time.time()
        heal, detail = fn()
        res = Result(kind, detail)
        res.t_start = t_start
        if self._problem:
            res.problems.append(self._problem)
            self._problem = None
        heal()
        t_heal = time.time()
        secs, problems, two, _ = wait_healthy(self.rig, self.recover_timeout)
        res.recovery = secs if not problems else None
        res.problems += problems[:10]
        res.two_owner_slots = len(two)
        self.check_writes(res)
        res.seconds = time.time() - t_start
        res.t_heal = t_heal
        self.results.append(res)
        self.log(res.line())
        return res

    def check_writes(self, res):
        """Reads back every write acknowledged in this scenario and in the one
        before (a fault may also hit older data, e.g. an AOF tail), then
        deletes the older window's keys (they have been checked twice)."""
        self.work.stop()
        try:
            w, a = self.work.waited, self.work.async_
            acked = (sum(x.acked_count for x in w), sum(x.acked_count for x in a))
            res.waited_acked = acked[0] - self._acked[0]
            res.async_acked = acked[1] - self._acked[1]
            self._acked = acked
            taken = {wr: wr.take_window() for wr in w + a}
            windows = {wr: k for wr, (k, _) in taken.items()}
            res.outage = max(gap for wr, (_, gap) in taken.items() if wr in a)
            keys = [k for wr in w + a for k in wr.prev + windows[wr]]
            values = read_back(self.rig, keys)
            seen = self.work.lost_seen
            res.wait_lost = [x for wr in w for x in count_lost(wr.prev + windows[wr], values, seen)]
            res.async_lost = sum(len(count_lost(wr.prev + windows[wr], values, seen)) for wr in a)
            delete_keys(self.rig, [k for wr in w + a for k in wr.prev])
            for wr in w + a:
                wr.prev = windows[wr]
        finally:
            self.work.start()

    # --- fault kinds: each returns (heal callable, description) ---------

    def _fault_kill9(self):
        n, role = self.pick()
        n.kill()
        h = round(self.rng.uniform(0, 3 * self.nt), 2)
        time.sleep(h)

        def heal():
            n.start()
        return heal, f"{n.name} ({role}) down {h}s"

    def _fault_sigterm(self):
        n, role = self.pick()
        n.signal(signal.SIGTERM)
        t = time.time()
        rc = n.wait_exit(20)
        n.exited()
        if rc != 0:
            # SIGTERM is a requested stop: exit code 0 within the shutdown
            # timeout (8 s), as entrypoint/supervisor/exit_codes.h says.
            self._problem = f"{n.name} exited with {rc} after SIGTERM ({time.time() - t:.1f}s)"
        h = round(self.rng.uniform(0, 2 * self.nt), 2)
        time.sleep(h)

        def heal():
            if n.alive():
                n.kill()
            n.start()
        return heal, f"{n.name} ({role}) exit {rc} down {h}s"

    def _fault_sigstop(self):
        n, role = self.pick()
        h = self.hold()
        n.signal(signal.SIGSTOP)
        time.sleep(h)

        def heal():
            n.signal(signal.SIGCONT)
        return heal, f"{n.name} ({role}) stopped {h}s"

    def _fault_isolate(self):
        n, role = self.pick()
        h = self.hold()
        self.rig.isolate(n)
        time.sleep(h)
        return self.rig.heal_network, f"{n.name} ({role}) link down {h}s"

    def _fault_split(self):
        masters, _ = masters_and_replicas(self.rig)
        size = self.rng.choice([1, 2])
        first = self.rng.choice(masters)
        others = [n for n in self.rig.nodes if n is not first]
        minority = [first] + self.rng.sample(others, size - 1)
        majority = [n for n in self.rig.nodes if n not in minority]
        h = self.hold(long_p=0.8)
        for n in minority:
            self.rig.block(n, majority)
        for n in majority:
            self.rig.block(n, minority)
        time.sleep(h)
        names = "+".join(n.name for n in minority)
        return self.rig.heal_network, f"{names} | rest, {h}s"

    def _fault_loss(self):
        n, role = self.pick(0.5)
        loss = self.rng.choice([0.1, 0.3, 0.6])
        h = round(self.rng.uniform(2 * self.nt, 4 * self.nt), 2)
        self.rig.lossy(n, loss)
        time.sleep(h)
        how = "netem" if self.rig.netem else "iptables"
        return self.rig.heal_network, f"{n.name} ({role}) {loss:.0%} loss ({how}) {h}s"

    def _fault_slow(self):
        n, role = self.pick(0.5)
        delay = self.rng.choice([50, 200, 800])
        h = round(self.rng.uniform(2 * self.nt, 4 * self.nt), 2)
        self.rig.slow(n, delay)
        time.sleep(h)
        how = "netem delay" if self.rig.netem else "tbf 512kbit"
        return self.rig.heal_network, f"{n.name} ({role}) {how} {delay}ms {h}s"


def summary(results):
    """The summary table (text) of a list of Results, per fault kind and in
    total."""
    rows = []
    kinds = sorted({r.kind for r in results}, key=FAULTS.index)
    for kind in kinds + ["ALL"]:
        rs = [r for r in results if kind in ("ALL", r.kind)]
        rec = sorted(r.recovery for r in rs if r.recovery is not None)
        never = sum(r.recovery is None for r in rs)
        outs = sorted(r.outage for r in rs if r.outage is not None)
        rows.append((kind, len(rs), sum(r.two_owner_slots for r in rs),
                     sum(len(r.wait_lost) for r in rs), sum(r.async_lost for r in rs),
                     sum(r.waited_acked for r in rs), sum(r.async_acked for r in rs),
                     f"{statistics.median(rec):.2f}" if rec else "-",
                     f"{rec[-1]:.2f}" if rec else "-", never,
                     f"{statistics.median(outs):.2f}" if outs else "-",
                     f"{outs[-1]:.2f}" if outs else "-"))
    head = ("fault", "scenarios", "two-owner slots", "WAIT lost", "async lost", "WAIT acked",
            "async acked", "recovery median s", "worst s", "not recovered",
            "write gap median s", "worst s")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = "| " + " | ".join("{:>%d}" % w for w in widths) + " |"
    lines = [fmt.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt.format(*map(str, r)) for r in rows]
    return "\n".join(lines)


def random_kinds(rng, n, kinds=FAULTS):
    return [rng.choice(kinds) for _ in range(n)]


