#!/usr/bin/python3
# tests/e2e/compose_e2e.py
#
# The end-to-end scenario on a real Docker engine, driven from the host.
# tests/e2e/run.sh prepares the engine and the image (shoal:latest) and calls
# this; it can also be run by hand against an engine that already has the
# image. Clients run on the host and reach the containers at their bridge IPs
# (Docker routes the bridge subnet from the host), which are also the
# addresses the nodes announce, so python3-redis's RedisCluster works as it
# would on the Compose network.
#
# Steps (each prints its duration):
#   compose    `docker compose -f compose/docker-compose.yml up -d` (the file
#              users use), wait for health, CLUSTER INFO ok, 3 masters + 3
#              replicas, 10,000 keys written and read back with RedisCluster;
#   kill       `docker kill` a master -> its replica takes over; `docker start`
#              -> it comes back as a replica; every key is still there;
#   scale      `up -d --scale node=8` -> 8 nodes, all ok: the new ones either
#              join as replicas or form a 4th shard by slot migration;
#   restart    `docker compose stop` then `start`, twice -> the cluster re-forms
#              from each container's own volume with every key present;
#   handoff    `docker stop` of a master while a client writes to its slots ->
#              exit 0, the replica serves the slots within HANDOFF_MAX_S (a
#              handoff, faster than failure detection could), and no
#              acknowledged write is lost (SHOAL_E2E_ALLOW_NO_HANDOFF=1 only
#              reports the timing);
#   seeds      the seeds' procedure: `docker run --net N --ip A` with the
#              seeds' redis.conf directives in a mounted file + a static
#              SHOAL_DISCOVERY; the cluster forms with no manual create;
#   swarm      a one-node swarm on loopback, `docker stack deploy -c
#              compose/swarm-stack.yml`: 6 tasks find each other through
#              tasks.node and all answer /readyz; the swarm is left after;
#   hostnet    (only with SHOAL_E2E_HOSTNET=1) compose/docker-compose.host-network.yml
#              kept on loopback: a cluster on 127.0.0.1:7000-7005.
# Everything this script creates is removed in `finally`, even on failure.
#
# Usage: compose_e2e.py [--keep] [--only STEP[,STEP...]] [--cleanup-only]

import argparse
import ipaddress
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import redis
from redis.cluster import ClusterNode, RedisCluster

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE_FILE = os.path.join(ROOT, "compose", "docker-compose.yml")
PROJECT = "shoale2e"
IMAGE = os.environ.get("SHOAL_IMAGE", "shoal:latest")
SEEDS_NET = "shoale2e-seeds"
SEEDS_PREFIX = "shoale2e-seed-"
NKEYS = 10_000
# docker stop -> slots served by the replica, for it to count as a handoff.
HANDOFF_MAX_S = 10.0
# --scale node=8 -> settled cluster (a new shard moves a quarter of the slots).
SCALE_SETTLE_S = 300

T0 = time.time()
RESULTS = []  # (step, seconds, note)


def log(msg):
    print(f"[{time.time() - T0:7.1f}s] {msg}", flush=True)


def sh(*args, check=True, timeout=300):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout.strip()


def compose(*args, timeout=300):
    # The Compose v2 spelling on purpose: the plugin shim forwards to v1.
    return sh("docker", "compose", "-p", PROJECT, "-f", COMPOSE_FILE, *args, timeout=timeout)


def wait_for(what, fn, timeout, interval=0.5):
    """Polls fn() until it returns a truthy value; returns that value."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = fn()
            if v:
                return v
            last = v
        except Exception as e:  # a node that is down or still starting
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# --- containers ----------------------------------------------------------------


def project_containers(all_states=False):
    args = ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}",
            "--filter", "label=com.docker.compose.service=node"]
    if all_states:
        args.insert(2, "-a")
    return sh(*args).split()


def inspect(cid):
    return json.loads(sh("docker", "inspect", cid))[0]


def ip_of(cid):
    nets = inspect(cid)["NetworkSettings"]["Networks"]
    return next(iter(nets.values()))["IPAddress"]


def health_of(cid):
    st = inspect(cid)["State"]
    return st.get("Health", {}).get("Status", st["Status"])


def client(ip, port=6379):
    return redis.Redis(host=ip, port=port, socket_timeout=3, socket_connect_timeout=2,
                       decode_responses=True)


def nodes_view(ip, port=6379):
    """CLUSTER NODES of one node as a list of dicts."""
    out = []
    for line in client(ip, port).execute_command("CLUSTER", "NODES").splitlines():
        f = line.split()
        flags = f[2].split(",")
        out.append({"id": f[0], "addr": f[1].split("@")[0], "flags": flags,
                    "master": f[3], "slots": f[8:]})
    return out


def cluster_ok(addrs, nodes, masters, replicas):
    """Every address answers cluster_state:ok, knows `nodes` nodes, and its
    view has `masters` masters with slots, `replicas` replicas, no FAIL."""
    for ip, port in addrs:
        info = dict(line.split(":", 1) for line in
                    client(ip, port).execute_command("CLUSTER", "INFO").split())
        if info["cluster_state"] != "ok" or int(info["cluster_known_nodes"]) != nodes:
            return False
        view = nodes_view(ip, port)
        if any("fail" in n["flags"] or "fail?" in n["flags"] for n in view):
            return False
        m = [n for n in view if "master" in n["flags"] and n["slots"]]
        r = [n for n in view if "slave" in n["flags"]]
        if len(m) != masters or len(r) != replicas:
            return False
    return True


def running_addrs():
    return [(ip_of(c), 6379) for c in project_containers()]


def myid(ip, port=6379):
    return client(ip, port).execute_command("CLUSTER", "MYID")


def cluster_client(addrs):
    return RedisCluster(startup_nodes=[ClusterNode(ip, p) for ip, p in addrs],
                        decode_responses=True, socket_timeout=3)


def write_keys(rc, prefix, n):
    pipe = rc.pipeline()
    for i in range(n):
        pipe.set(f"{prefix}:{i}", f"v{i}")
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()


def missing_keys(rc, prefix, n):
    missing = []
    for start in range(0, n, 500):
        pipe = rc.pipeline()
        idx = list(range(start, min(n, start + 500)))
        for i in idx:
            pipe.get(f"{prefix}:{i}")
        for i, v in zip(idx, pipe.execute()):
            if v != f"v{i}":
                missing.append(i)
    return missing


def all_keys_present(addrs, prefix="key", n=NKEYS):
    """True when every key reads back; else logs which slots and owners lost
    keys (that is the evidence a failure report needs) and returns False."""
    rc = cluster_client(addrs)
    try:
        missing = missing_keys(rc, prefix, n)
    finally:
        rc.close()
    if missing:
        owners = {}
        slots = SlotWriter(addrs).slots
        for i in missing:
            slot = key_slot(f"{prefix}:{i}")
            owners.setdefault(slots.get(slot), set()).add(slot)
        log(f"{len(missing)} of {n} keys missing, e.g. {prefix}:{missing[0]}; by current owner: "
            + "; ".join(f"{o}: {len(ss)} slots {min(ss)}..{max(ss)}" for o, ss in owners.items()))
    return not missing


def step(name):
    def deco(fn):
        fn.step_name = name
        return fn
    return deco


# --- steps -----------------------------------------------------------------------


@step("compose")
def step_compose():
    compose("up", "-d")
    wait_for("6 containers", lambda: len(project_containers()) == 6, 60)
    log("6 containers up; waiting for health")
    wait_for("6 healthy containers",
             lambda: all(health_of(c) == "healthy" for c in project_containers()), 120, 1)
    addrs = running_addrs()
    t = time.time()
    wait_for("cluster ok, 3 masters + 3 replicas", lambda: cluster_ok(addrs, 6, 3, 3), 120)
    note = f"cluster ok {time.time() - t:.1f}s after all healthy"
    rc = cluster_client(addrs)
    t = time.time()
    write_keys(rc, "key", NKEYS)
    wt = time.time() - t
    missing = missing_keys(rc, "key", NKEYS)
    rc.close()
    assert not missing, f"{len(missing)} keys missing after write"
    # Let replicas catch up before anything gets killed.
    for ip, port in addrs:
        c = client(ip, port)
        if c.execute_command("ROLE")[0] == "master":
            c.execute_command("WAIT", 1, 5000)
    return f"{note}; {NKEYS} keys written in {wt:.1f}s and read back"


def find_master_container():
    for cid in project_containers():
        if client(ip_of(cid)).execute_command("ROLE")[0] == "master":
            return cid
    raise AssertionError("no master container")


@step("kill")
def step_kill():
    victim = find_master_container()
    vip = ip_of(victim)
    vid = myid(vip)
    others = [c for c in project_containers() if c != victim]
    sh("docker", "kill", victim)
    t = time.time()
    log(f"killed master {vid[:8]} ({vip}); waiting for failover")
    addrs = [(ip_of(c), 6379) for c in others]

    def failed_over():
        view = nodes_view(*addrs[0])
        me = next(n for n in view if n["id"] == vid)
        masters = [n for n in view if "master" in n["flags"] and n["slots"]
                   and "fail" not in n["flags"]]
        return "fail" in me["flags"] and len(masters) == 3 and all(
            "cluster_state:ok" in client(ip, p).execute_command("CLUSTER", "INFO")
            for ip, p in addrs)

    wait_for("failover", failed_over, 90)
    fo = time.time() - t
    assert all_keys_present(addrs), "keys lost in the failover"
    sh("docker", "start", victim)
    t = time.time()

    def back_as_replica():
        ip = ip_of(victim)
        return (myid(ip) == vid and client(ip).execute_command("ROLE")[0] == "slave"
                and cluster_ok(running_addrs(), 6, 3, 3))

    wait_for("the killed master back as a replica", back_as_replica, 90)
    back = time.time() - t
    newip = ip_of(victim)
    assert all_keys_present(running_addrs()), "keys lost after the restart"
    return (f"failover {fo:.1f}s after docker kill; back as replica {back:.1f}s after docker "
            f"start (IP {vip} -> {newip}); all {NKEYS} keys present")


def settled_shape(addrs, nodes):
    """(masters, replicas) once every node is ok, knows `nodes` nodes, every
    node is a master with slots or a replica, no slot is mid-migration, and
    all agree; else None."""
    shapes = set()
    for ip, port in addrs:
        info = dict(line.split(":", 1) for line in
                    client(ip, port).execute_command("CLUSTER", "INFO").split())
        if (info["cluster_state"] != "ok" or int(info["cluster_known_nodes"]) != nodes
                or int(info["cluster_slots_ok"]) != 16384):
            return None
        view = nodes_view(ip, port)
        for n in view:
            if "fail" in n["flags"] or "fail?" in n["flags"]:
                return None
            if "master" in n["flags"] and not n["slots"]:
                return None  # an empty master: a new shard still being filled
            if any(r.startswith("[") for r in n["slots"]):
                return None  # a slot being migrated
        shapes.add((sum("master" in n["flags"] for n in view),
                    sum("slave" in n["flags"] for n in view)))
    return shapes.pop() if len(shapes) == 1 else None


# The cluster's shape after the scale step, which the restart step expects.
SCALED_SHAPE = [None]


@step("scale")
def step_scale():
    compose("up", "-d", "--scale", "node=8")
    wait_for("8 healthy containers", lambda: len(project_containers()) == 8 and all(
        health_of(c) == "healthy" for c in project_containers()), 120, 1)
    t = time.time()
    # Two fresh nodes either join as replicas (3 masters + 5 replicas) or
    # form a new shard and take slots by live migration (4 + 4).
    masters, replicas = wait_for("8 nodes settled", lambda: settled_shape(running_addrs(), 8),
                                 SCALE_SETTLE_S, 1)
    assert (masters, replicas) in ((3, 5), (4, 4)), (masters, replicas)
    SCALED_SHAPE[0] = (masters, replicas)
    settle = time.time() - t
    assert all_keys_present(running_addrs()), "keys lost while scaling"
    how = "new shard by slot migration" if masters == 4 else "new nodes joined as replicas"
    return (f"8 nodes ok: {masters} masters + {replicas} replicas ({how}), settled "
            f"{settle:.1f}s after healthy; all {NKEYS} keys present")


@step("restart")
def step_restart():
    """Two stop/start cycles: the second one starts from what the first one's
    handoffs and full resyncs left on disk (a replica that got its data by
    full sync and then became master must have it in its AOF)."""
    notes = []
    for cycle in (1, 2):
        before = {c: myid(ip_of(c)) for c in project_containers()}
        t = time.time()
        compose("stop", timeout=120)
        stop_s = time.time() - t
        codes = {c: inspect(c)["State"]["ExitCode"] for c in before}
        compose("start")
        t = time.time()
        masters, replicas = SCALED_SHAPE[0] or (3, 5)
        wait_for("8 nodes ok after stop/start",
                 lambda: len(project_containers()) == 8
                 and cluster_ok(running_addrs(), 8, masters, replicas), 180)
        reform = time.time() - t
        after = {c: myid(ip_of(c)) for c in project_containers()}
        assert after == before, "a node came back with a new identity (volume not kept?)"
        assert all_keys_present(running_addrs()), f"keys lost across stop/start #{cycle}"
        bad = {c[:12]: code for c, code in codes.items() if code != 0}
        notes.append(f"#{cycle}: stop {stop_s:.1f}s (exit codes {'all 0' if not bad else bad}), "
                     f"re-formed {reform:.1f}s after start")
    return "; ".join(notes) + f"; same node IDs, all {NKEYS} keys present"


def crc16(data):
    """CRC16-CCITT (XMODEM), the Redis Cluster key hash (cluster spec)."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_slot(key):
    k = key.encode()
    start = k.find(b"{")
    if start >= 0:
        end = k.find(b"}", start + 1)
        if end > start + 1:
            k = k[start + 1:end]
    return crc16(k) % 16384


class SlotWriter:
    """A small slot-aware client over plain redis.Redis connections: python3-redis
    4.3.4's RedisCluster never recovers after a master dies (../shared/clients.md).
    After any error it re-reads CLUSTER SLOTS from a node that answers."""

    def __init__(self, addrs):
        self.addrs = list(addrs)
        self.slots = {}
        self.conns = {}
        self.refresh()

    def conn(self, addr):
        if addr not in self.conns:
            self.conns[addr] = redis.Redis(host=addr[0], port=addr[1], socket_timeout=2,
                                           socket_connect_timeout=1, decode_responses=True)
        return self.conns[addr]

    def refresh(self):
        for addr in self.addrs:
            try:
                table = self.conn(addr).execute_command("CLUSTER", "SLOTS")
            except Exception:
                continue
            slots = {}
            for entry in table:
                lo, hi, master = entry[0], entry[1], entry[2]
                for s in range(lo, hi + 1):
                    slots[s] = (master[0], int(master[1]))
            if len(slots) == 16384:
                self.slots = slots
                for a in set(slots.values()):
                    if a not in self.addrs:
                        self.addrs.append(a)
                return True
        return False

    def set(self, key, value):
        try:
            return self.conn(self.slots[key_slot(key)]).set(key, value)
        except Exception:
            self.refresh()
            raise

    def get(self, key):
        for _ in range(3):
            try:
                return self.conn(self.slots[key_slot(key)]).get(key)
            except Exception:
                self.refresh()
                time.sleep(0.2)
        return self.conn(self.slots[key_slot(key)]).get(key)


@step("handoff")
def step_handoff():
    victim = find_master_container()
    vip = ip_of(victim)
    vid = myid(vip)
    addrs = [(ip_of(c), 6379) for c in project_containers() if c != victim]
    shards = sum(1 for n in nodes_view(vip) if "master" in n["flags"] and n["slots"])
    acked, errors = {}, []
    stop = threading.Event()
    # Keys of the victim's slots only: every write is one the handoff must keep.
    vslots = set()
    for n in nodes_view(vip):
        if n["id"] == vid:
            for r in n["slots"]:
                if r.startswith("["):
                    continue
                lo, _, hi = r.partition("-")
                vslots.update(range(int(lo), int(hi or lo) + 1))
    keys = (k for k in (f"hand:{i}" for i in itertools.count()) if key_slot(k) in vslots)

    def writer():
        w = SlotWriter([(vip, 6379)] + addrs)
        for k in keys:
            if stop.is_set():
                break
            try:
                w.set(k, k)
                acked[k] = k
            except Exception as e:  # refused writes are fine; lost acked ones are not
                errors.append(f"{type(e).__name__}({str(e)[:40]})")
                time.sleep(0.05)

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    time.sleep(2)
    before_stop = len(acked)
    t = time.time()
    sh("docker", "stop", victim, timeout=60)
    stop_s = time.time() - t
    code = inspect(victim)["State"]["ExitCode"]
    log(f"docker stop of master {vid[:8]} took {stop_s:.1f}s, exit code {code}")
    t = time.time()

    def taken_over():
        view = nodes_view(*addrs[0])
        masters = [n for n in view if "master" in n["flags"] and n["slots"]
                   and "fail" not in n["flags"]]
        return len(masters) == shards and vid not in [n["id"] for n in masters]

    wait_for("slots served without the stopped master", taken_over, 60)
    after_s = time.time() - t
    at_takeover = len(acked)
    time.sleep(3)
    stop.set()
    th.join(30)
    reader = SlotWriter(addrs)
    lost = [k for k, v in acked.items() if reader.get(k) != v]
    err_summary = ", ".join(f"{e} x{errors.count(e)}" for e in sorted(set(errors))) or "none"
    note = (f"docker stop {stop_s:.1f}s, exit {code}; slots served elsewhere "
            f"{after_s:.1f}s after stop returned; {len(acked)} acked writes to its slots "
            f"({len(acked) - at_takeover} after the takeover), {len(lost)} lost; client errors "
            f"during the switch: {err_summary}")
    log(note)
    assert before_stop > 50, f"the writer made little progress ({before_stop} writes)"
    assert len(acked) > at_takeover, "no write succeeded after the takeover"
    assert not lost, f"{len(lost)} acknowledged writes lost (e.g. {lost[:5]})"
    assert code == 0, f"exit code {code}"
    # A handoff, not a failover: the slots moved before failure detection
    # (cluster-node-timeout, 15 s) could even have marked the node FAIL.
    if os.environ.get("SHOAL_E2E_ALLOW_NO_HANDOFF") != "1":
        assert stop_s + after_s < HANDOFF_MAX_S, (
            f"no graceful handoff: the slots moved {stop_s + after_s:.1f}s after docker stop "
            f"(failure detection, not a handoff)")
    return note


def pick_private_subnet():
    """A /24 in 10.0.0.0/8 that no route on this host overlaps."""
    routes = []
    for line in sh("ip", "-4", "route").splitlines():
        dst = line.split()[0]
        if dst != "default":
            routes.append(ipaddress.ip_network(dst, strict=False))
    for third in range(213, 250):
        net = ipaddress.ip_network(f"10.213.{third}.0/24")
        if not any(net.overlaps(r) for r in routes):
            return net
    raise AssertionError("no free private subnet")


SEEDS_CONF = """\
port 6379
bind 0.0.0.0
protected-mode no
daemonize no
pidfile /tmp/redis_6379.pid
dir /data
appendonly yes
cluster-enabled yes
cluster-config-file nodes-6379.conf
cluster-node-timeout 5000
cluster-announce-ip {ip}
cluster-announce-port 6379
cluster-announce-bus-port 16379
"""


@step("seeds")
def step_seeds():
    net = pick_private_subnet()
    hosts = list(net.hosts())
    gateway = hosts[0]
    ips = [str(hosts[10 + i]) for i in range(6)]  # .11 .. .16, like the seeds
    sh("docker", "network", "create", "--driver", "bridge", "--subnet", str(net),
       "--gateway", str(gateway), SEEDS_NET)
    confdir = tempfile.mkdtemp(prefix="shoale2e-seeds-")
    os.chmod(confdir, 0o755)
    discovery = "static:" + ",".join(f"{ip}:6379" for ip in ips)
    try:
        for i, ip in enumerate(ips):
            d = os.path.join(confdir, f"node-{i + 1}")
            os.makedirs(d)
            with open(os.path.join(d, "redis.conf"), "w") as f:
                f.write(SEEDS_CONF.format(ip=ip))
            os.chmod(d, 0o755)
            os.chmod(os.path.join(d, "redis.conf"), 0o644)
            sh("docker", "run", "-d", "--pull", "never", "--name", f"{SEEDS_PREFIX}{i + 1}",
               "--net", SEEDS_NET,
               "--ip", ip, "-v", f"{d}/redis.conf:/etc/redis/redis.conf:ro",
               "-e", f"SHOAL_DISCOVERY={discovery}", IMAGE, "/etc/redis/redis.conf")
        addrs = [(ip, 6379) for ip in ips]
        t = time.time()
        wait_for("the seeds' cluster ok", lambda: cluster_ok(addrs, 6, 3, 3), 120)
        formed = time.time() - t
        rc = cluster_client(addrs)
        write_keys(rc, "seed", 1000)
        assert not missing_keys(rc, "seed", 1000)
        rc.close()
        view = nodes_view(ips[0])
        announced = sorted(n["addr"] for n in view)
        assert announced == sorted(f"{ip}:6379" for ip in ips), announced
        return f"subnet {net}: formed {formed:.1f}s after the last docker run, announced {ips[0]}.."
    finally:
        shutil.rmtree(confdir, ignore_errors=True)


SWARM_FILE = os.path.join(ROOT, "compose", "swarm-stack.yml")
SWARM_STACK = "shoale2e"
SWARM_STATE = {"initialized": False}


def swarm_state():
    return sh("docker", "info", "-f", "{{.Swarm.LocalNodeState}}", check=False)


@step("swarm")
def step_swarm():
    if swarm_state() == "active":
        return "skipped: this engine is already in a swarm that the test did not create"
    # A one-node swarm on loopback only: nothing listens on the host's network.
    sh("docker", "swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr",
       "127.0.0.1:2377")
    SWARM_STATE["initialized"] = True
    t = time.time()
    sh("docker", "stack", "deploy", "-c", SWARM_FILE, SWARM_STACK)

    def tasks():
        return sh("docker", "ps", "-q", "--filter",
                  f"label=com.docker.stack.namespace={SWARM_STACK}").split()

    # Overlay IPs are not routable from the host and the image has no
    # redis-cli: each task answers its own /readyz (cluster ok, serving).
    def all_ready():
        ts = tasks()
        return len(ts) == 6 and all(
            subprocess.run(["docker", "exec", c, "shoal", "healthcheck", "--ready"],
                           capture_output=True, timeout=20).returncode == 0 for c in ts)

    wait_for("6 swarm tasks ready", all_ready, 120, 1)
    ready = time.time() - t
    logs = "".join(subprocess.run(["docker", "logs", c], capture_output=True, text=True).stderr
                   for c in tasks())
    assert "Discovery dns:tasks.node: 6 peer(s)" in logs, "tasks.node never listed 6 peers"
    assert "cluster formed with 3 masters and 3 replicas" in logs
    return (f"docker stack deploy: 6 tasks found each other via tasks.node, all /readyz in "
            f"{ready:.1f}s")


def swarm_cleanup():
    if not SWARM_STATE["initialized"]:
        return
    subprocess.run(["docker", "stack", "rm", SWARM_STACK], capture_output=True, timeout=60)
    deadline = time.time() + 60
    while time.time() < deadline and sh(
            "docker", "ps", "-aq", "--filter", f"label=com.docker.stack.namespace={SWARM_STACK}",
            check=False):
        time.sleep(1)
    subprocess.run(["docker", "swarm", "leave", "--force"], capture_output=True, timeout=60)
    subprocess.run(["docker", "network", "rm", "docker_gwbridge"], capture_output=True,
                   timeout=60)
    SWARM_STATE["initialized"] = False


HOSTNET_FILE = os.path.join(ROOT, "compose", "docker-compose.host-network.yml")
HOSTNET_PROJECT = "shoale2ehost"
# The example listens on all of the host's interfaces; the test keeps it on
# loopback with an override that only sets SHOAL_BIND.
HOSTNET_OVERRIDE = """\
x-lo: &lo
  environment:
    SHOAL_BIND: "127.0.0.1"
services:
""" + "".join(f"  node-{i}: *lo\n" for i in range(6))


def hostnet_compose(override, *args):
    return sh("docker", "compose", "-p", HOSTNET_PROJECT, "-f", HOSTNET_FILE, "-f", override,
              *args, timeout=180)


@step("hostnet")
def step_hostnet():
    if os.environ.get("SHOAL_E2E_HOSTNET") != "1":
        return "skipped (SHOAL_E2E_HOSTNET=1 runs it; it takes host ports 7000-7005, " \
               "17000-17005, 8080-8085 on loopback)"
    fd, override = tempfile.mkstemp(prefix="shoale2e-hostnet-", suffix=".yml")
    with os.fdopen(fd, "w") as f:
        f.write(HOSTNET_OVERRIDE)
    try:
        hostnet_compose(override, "up", "-d")
        addrs = [("127.0.0.1", 7000 + i) for i in range(6)]
        t = time.time()
        wait_for("host-network cluster ok", lambda: cluster_ok(addrs, 6, 3, 3), 120)
        formed = time.time() - t
        rc = cluster_client(addrs)
        write_keys(rc, "hostnet", 1000)
        assert not missing_keys(rc, "hostnet", 1000)
        rc.close()
        announced = sorted(n["addr"] for n in nodes_view("127.0.0.1", 7000))
        assert announced == sorted(f"127.0.0.1:{7000 + i}" for i in range(6)), announced
        return f"6 nodes on 127.0.0.1:7000-7005 formed in {formed:.1f}s; 1000 keys via RedisCluster"
    finally:
        subprocess.run(["docker", "compose", "-p", HOSTNET_PROJECT, "-f", HOSTNET_FILE, "-f",
                        override, "down", "-v", "-t", "15"], capture_output=True, timeout=180)
        os.unlink(override)


# Compose steps build on each other: after a failure the rest of the group is
# skipped. The seeds' procedure and the Swarm stack are independent and run
# after the Compose project is gone.
GROUPS = [[step_compose, step_kill, step_scale, step_restart, step_handoff], [step_seeds],
          [step_swarm], [step_hostnet]]


def cleanup():
    log("cleanup")
    swarm_cleanup()
    subprocess.run(["docker", "compose", "-p", PROJECT, "-f", COMPOSE_FILE, "down", "-v",
                    "--remove-orphans", "-t", "15"], capture_output=True, timeout=180)
    seeds = sh("docker", "ps", "-aq", "--filter", f"name={SEEDS_PREFIX}", check=False).split()
    if seeds:
        subprocess.run(["docker", "rm", "-f", "-v", *seeds], capture_output=True, timeout=120)
    subprocess.run(["docker", "network", "rm", SEEDS_NET], capture_output=True, timeout=60)


def dump_logs():
    seeds = sh("docker", "ps", "-aq", "--filter", f"name={SEEDS_PREFIX}", check=False).split()
    for cid in project_containers(all_states=True) + seeds:
        name = inspect(cid)["Name"]
        out = subprocess.run(["docker", "logs", "--tail", "25", cid], capture_output=True,
                             text=True).stderr
        print(f"----- {name} (last lines)\n{out}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="leave the containers running")
    ap.add_argument("--only", default="", help="comma-separated step names")
    ap.add_argument("--cleanup-only", action="store_true",
                    help="remove what an earlier run left behind, and exit")
    args = ap.parse_args()
    if args.cleanup_only:
        cleanup()
        return 0
    only = set(filter(None, args.only.split(",")))
    failed = []
    try:
        cleanup()  # leftovers of an earlier, interrupted run
        for group in GROUPS:
            for fn in group:
                if only and fn.step_name not in only:
                    continue
                log(f"== {fn.step_name}")
                t = time.time()
                try:
                    note = fn()
                except Exception as e:
                    log(f"== {fn.step_name} FAILED: {type(e).__name__}: {e}")
                    RESULTS.append((fn.step_name, time.time() - t, f"FAILED: {e}"))
                    failed.append(fn.step_name)
                    try:
                        dump_logs()
                    except Exception:
                        pass
                    break
                RESULTS.append((fn.step_name, time.time() - t, note))
                log(f"== {fn.step_name} ok ({time.time() - t:.1f}s): {note}")
            if not args.keep:
                cleanup()
    finally:
        if not args.keep:
            cleanup()
    ok = not failed
    print("\n== summary")
    for name, secs, note in RESULTS:
        print(f"  {name:8s} {secs:6.1f}s  {note}")
    print(f"  total    {time.time() - T0:6.1f}s  {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
