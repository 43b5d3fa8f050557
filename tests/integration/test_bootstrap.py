# Zero-touch formation (issue 6): identical shoal processes with the same
# settings find each other through DNS (the real resolver path, see
# support/nsnode.py) and form one 3-master / 3-replica cluster with no manual
# step, whatever the start order; a newcomer joins as a replica; a full
# restart on new addresses re-forms the cluster with its data.

import os
import random
import time

import pytest
import redis

from support import profile
from support.nsnode import HostsFile, NsNode
from support.ports import free_port_on_all, loopback_addresses

# Runs under SHOAL_TEST_PROFILE=tls-auth too: the nodes then form over the TLS
# bus with a password, and every client comes from support/profile.py.
PROFILE_AWARE = True

SERVICE = "shoal-nodes"
# The secure leg checks fewer random start orders (the plain leg does 20).
REPEATS = int(os.environ.get("SHOAL_FORMATION_REPEATS", "3" if profile.secure() else "20"))
MAX_DELAY = float(os.environ.get("SHOAL_FORMATION_MAX_DELAY", "5"))


def node_args(port, size=6):
    return ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
            "--shoal-discovery", f"dns:{SERVICE}:{port}", "--shoal-cluster-size", str(size)]


def cluster_view(n):
    r = profile.client(n.host, n.port, decode_responses=True, socket_timeout=2)
    info = r.execute_command("CLUSTER", "INFO")
    state = [l for l in info.splitlines() if l.startswith("cluster_state:")][0].split(":")[1]
    nodes = []
    for l in r.execute_command("CLUSTER", "NODES").splitlines():
        f = l.split()
        slots = []
        for s in f[8:]:
            if s.startswith("["):
                continue
            a, _, b = s.partition("-")
            slots.append((int(a), int(b or a)))
        nodes.append({"id": f[0], "addr": f[1].split("@")[0], "flags": f[2], "master": f[3],
                      "slots": slots})
    return state.strip(), nodes


def wait_formed(nodes, timeout=30, masters=3):
    """Waits until every node reports cluster_state:ok and all views agree on
    one cluster of len(nodes) nodes with `masters` masters (roles spread by
    gossip, so agreement comes a moment after the state turns ok)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            views = [cluster_view(n) for n in nodes]
        except (redis.RedisError, OSError) as e:
            last = e
            time.sleep(0.1)
            continue
        if all(s == "ok" for s, _ in views) and all(len(v) == len(nodes) for _, v in views):
            try:
                check_one_cluster(views, len(nodes), masters)
                return views
            except AssertionError as e:
                last = e
        else:
            last = [s for s, _ in views]
        time.sleep(0.1)
    raise AssertionError(f"cluster did not form: {last}")


def check_one_cluster(views, n_nodes, masters=3):
    """No split brain: every node knows the same node ids, every slot has
    exactly one owner in every view, and the views agree on the owners."""
    ids = {frozenset(x["id"] for x in v) for _, v in views}
    assert len(ids) == 1, f"nodes disagree on membership: {ids}"
    owners_per_view = []
    for _, v in views:
        owner = [None] * 16384
        for x in v:
            for a, b in x["slots"]:
                for s in range(a, b + 1):
                    assert owner[s] is None, f"slot {s} has two owners"
                    owner[s] = x["id"]
        assert None not in owner, "some slot has no owner"
        owners_per_view.append(tuple(owner))
    assert len(set(owners_per_view)) == 1, "views disagree on slot owners"
    _, v = views[0]
    ms = [x for x in v if "master" in x["flags"]]
    rs = [x for x in v if "slave" in x["flags"]]
    assert len(ms) == masters and len(rs) == n_nodes - masters
    assert all(r["master"] in {m["id"] for m in ms} for r in rs)
    # Replicas are spread: no master has two more replicas than another.
    per_master = [sum(r["master"] == m["id"] for r in rs) for m in ms]
    assert max(per_master) - min(per_master) <= 1, f"unbalanced replicas: {per_master}"


@pytest.fixture
def dns(tmp_path):
    return HostsFile(SERVICE, str(tmp_path))


def start_all(hosts_file, addrs, port, dirs, size=6, delays=None):
    nodes = []
    order = list(range(len(addrs)))
    random.shuffle(order)
    t0 = time.time()
    for i in order:
        if delays is not None:
            target = t0 + delays[i]
            if target > time.time():
                time.sleep(target - time.time())
        n = NsNode(hosts_file, args=node_args(port, size), host=addrs[i], port=port, dir=dirs[i],
                   name=f"shoal-{i}")
        n.start()
        nodes.append(n)
    return nodes


def test_six_nodes_form_one_cluster_whatever_the_start_order(dns, tmp_path, record_property):
    addrs = loopback_addresses(6)
    dns.set(addrs)
    rng = random.Random(int(os.environ.get("SHOAL_FORMATION_SEED", "1")))
    times = []
    for rep in range(REPEATS):
        port = free_port_on_all(addrs, with_bus=True)
        dirs = [str(tmp_path / f"r{rep}" / f"n{i}") for i in range(6)]
        delays = [rng.uniform(0, MAX_DELAY) for _ in range(6)]
        nodes = start_all(dns, addrs, port, dirs, delays=delays)
        try:
            last_start = time.time()
            views = wait_formed(nodes)
            times.append(time.time() - last_start)
            check_one_cluster(views, 6)
        finally:
            for n in nodes:
                n.kill()
    times.sort()
    record_property("formation_seconds_median", round(times[len(times) // 2], 2))
    record_property("formation_seconds_worst", round(times[-1], 2))
    print(f"\n{REPEATS} formations, 0 split brains; from the last node's start to "
          f"cluster_state:ok everywhere: median {times[len(times) // 2]:.2f}s, "
          f"worst {times[-1]:.2f}s")


def test_a_newcomer_joins_as_replica_and_a_full_restart_on_new_addresses_keeps_data(
        dns, tmp_path):
    addrs = loopback_addresses(7)
    first6 = addrs[:6]
    dns.set(first6)
    port = free_port_on_all(addrs + loopback_addresses(6, first=31), with_bus=True)
    dirs = [str(tmp_path / f"n{i}") for i in range(7)]
    nodes = start_all(dns, first6, port, dirs[:6])
    try:
        views = wait_formed(nodes)
        check_one_cluster(views, 6)
        rc = profile.cluster_client(first6[0], port)
        for i in range(500):
            rc.set(f"k{i}", i)
        rc.close()
        # A seventh, fresh node appears in DNS: it joins as a replica.
        dns.set(addrs)
        newcomer = NsNode(dns, args=node_args(port), host=addrs[6], port=port, dir=dirs[6],
                          name="shoal-6")
        newcomer.start()
        nodes.append(newcomer)
        views = wait_formed(nodes)
        check_one_cluster(views, 7)
        # Full restart: every node comes back on a NEW address with its data dir.
        for n in nodes:
            n.stop()
        new_addrs = loopback_addresses(7, first=31)
        dns.set(new_addrs)
        moved = []
        for i, n in enumerate(nodes):
            m = NsNode(dns, args=node_args(port), host=new_addrs[i], port=port, dir=dirs[i],
                       name=f"shoal-{i}-moved")
            m.start()
            moved.append(m)
        nodes = moved
        views = wait_formed(nodes, timeout=60)
        check_one_cluster(views, 7)
        for _, v in views:
            assert all(x["addr"].split(":")[0] in new_addrs for x in v), v
        rc = profile.cluster_client(new_addrs[0], port)
        missing = [i for i in range(500) if rc.get(f"k{i}") != str(i).encode()]
        assert not missing, f"{len(missing)} keys lost"
    finally:
        for n in nodes:
            n.kill()


def test_a_replaced_node_is_forgotten_everywhere_and_its_replacement_joins(dns, tmp_path):
    addrs = loopback_addresses(6)
    dns.set(addrs)
    port = free_port_on_all(addrs, with_bus=True)
    dirs = [str(tmp_path / f"n{i}") for i in range(6)]
    forget = ["--shoal-forget-after", "3"]
    nodes = []
    for i in range(6):
        n = NsNode(dns, args=node_args(port) + forget, host=addrs[i], port=port, dir=dirs[i],
                   name=f"shoal-{i}")
        n.start()
        nodes.append(n)
    try:
        views = wait_formed(nodes)
        _, v = views[0]
        victim_view = [x for x in v if "slave" in x["flags"]][0]
        victim = [n for n in nodes if f"{n.host}:{n.port}" == victim_view["addr"]][0]
        old_id = victim_view["id"]
        victim.kill()
        # Its replacement: same address, empty data dir.
        fresh_dir = str(tmp_path / "replacement")
        repl = NsNode(dns, args=node_args(port) + forget, host=victim.host, port=port,
                      dir=fresh_dir, name="shoal-replacement")
        nodes = [n for n in nodes if n is not victim]
        time.sleep(4)  # the old node is FAIL for longer than shoal-forget-after
        repl.start()
        nodes.append(repl)
        deadline = time.time() + 40
        last_error = None
        while time.time() < deadline:
            try:
                views = [cluster_view(n) for n in nodes]
                known = [{x["id"] for x in nv} for _, nv in views]
                if all(old_id not in k for k in known) and all(len(k) == 6 for k in known):
                    check_one_cluster(views, 6)
                    break
            except (AssertionError, redis.RedisError, OSError) as e:
                last_error = e
            time.sleep(0.25)
        else:
            still = [f"{n.host}" for n, k in zip(nodes, known) if old_id in k]
            raise AssertionError(f"old id {old_id} still known by {still}; last check error: "
                                 f"{last_error!r}; views: {views}")
        r = profile.client(repl.host, repl.port)
        assert r.execute_command("ROLE")[0] == b"slave"
    finally:
        for n in nodes:
            n.kill()


def test_two_fresh_nodes_form_a_new_shard_while_clients_keep_working(dns, tmp_path,
                                                                      record_property):
    import threading
    addrs = loopback_addresses(8)
    dns.set(addrs[:6])
    port = free_port_on_all(addrs, with_bus=True)
    dirs = [str(tmp_path / f"n{i}") for i in range(8)]
    nodes = start_all(dns, addrs[:6], port, dirs[:6])
    errors, acked = [], []
    stop = threading.Event()

    def writer():
        rc = profile.cluster_client(addrs[0], port)
        i = 0
        while not stop.is_set():
            try:
                rc.set(f"g{i}", i)
                acked.append(i)
                assert rc.get(f"g{max(0, i - 50)}") is not None
                i += 1
            except Exception as e:  # noqa: BLE001 - every client error counts
                errors.append(repr(e))
                time.sleep(0.05)

    try:
        wait_formed(nodes)
        t = threading.Thread(target=writer, daemon=True)
        t.start()
        time.sleep(1)
        dns.set(addrs)
        t0 = time.time()
        for i in (6, 7):
            n = NsNode(dns, args=node_args(port), host=addrs[i], port=port, dir=dirs[i],
                       name=f"shoal-{i}")
            n.start()
            nodes.append(n)
        views = wait_formed(nodes, timeout=240, masters=4)
        grow_s = time.time() - t0
        time.sleep(1)
        stop.set()
        t.join(10)
        _, v = views[0]
        shares = sorted(sum(b - a + 1 for a, b in x["slots"]) for x in v if "master" in x["flags"])
        record_property("new_shard_seconds", round(grow_s, 2))
        print(f"\nnew shard ready after {grow_s:.1f}s; slots per master {shares}; "
              f"{len(acked)} writes acknowledged, client errors: {len(errors)}")
        assert not errors, errors[:5]
        assert min(shares) >= 4000, shares
        rc = profile.cluster_client(addrs[0], port)
        lost = [i for i in acked if rc.get(f"g{i}") != str(i).encode()]
        assert not lost, f"{len(lost)} keys lost"
    finally:
        stop.set()
        for n in nodes:
            n.kill()


def http_get(host, port, path):
    import http.client
    c = http.client.HTTPConnection(host, port, timeout=3)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read().decode()


def parse_prometheus(text):
    """Minimal Prometheus text-format check: every sample line is
    `name{labels} value`, every metric has a TYPE line before its samples."""
    import re
    typed, samples = set(), {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP"):
            continue
        if line.startswith("# TYPE"):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "untyped", "summary", "histogram"), line
            typed.add(name)
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)', line)
        assert m, f"bad sample line: {line!r}"
        float(m.group(3))
        base = m.group(1)
        assert base in typed or base.rsplit("_", 1)[0] in typed, f"untyped metric {base}"
        samples[base + (m.group(2) or "")] = float(m.group(3))
    return samples


def test_health_endpoints_and_healthcheck_answer_right_in_each_phase(dns, tmp_path):
    import subprocess
    from support.server import shoal_binary
    addrs = loopback_addresses(6)
    dns.set(addrs)
    port = free_port_on_all(addrs, with_bus=True)
    http = free_port_on_all(addrs)
    nodes = []
    try:
        first = NsNode(dns, args=node_args(port) + ["--shoal-http-port", str(http)],
                       host=addrs[0], port=port, dir=str(tmp_path / "n0"), name="shoal-0")
        first.start()
        nodes.append(first)

        def check(host, ready):
            assert http_get(host, http, "/livez")[0] == 200
            st, body = http_get(host, http, "/readyz")
            assert (st == 200) == ready, (st, body)
            rc = subprocess.run([shoal_binary(), "healthcheck", "--ready", "--host", host,
                                 "--port", str(http)], capture_output=True, text=True)
            assert (rc.returncode == 0) == ready, rc.stdout + rc.stderr
            assert len(rc.stdout.strip().splitlines()) == 1
            rc = subprocess.run([shoal_binary(), "healthcheck", "--host", host, "--port",
                                 str(http)], capture_output=True, text=True)
            assert rc.returncode == 0, rc.stdout + rc.stderr

        # Alone, before formation: live, not ready; the bootstrap phase says why.
        time.sleep(1.5)
        check(addrs[0], ready=False)
        st, body = http_get(addrs[0], http, "/healthz")
        assert "waiting-for-peers" in body, body
        for i in range(1, 6):
            n = NsNode(dns, args=node_args(port) + ["--shoal-http-port", str(http)],
                       host=addrs[i], port=port, dir=str(tmp_path / f"n{i}"), name=f"shoal-{i}")
            n.start()
            nodes.append(n)
        wait_formed(nodes)
        time.sleep(1)  # replicas finish their first sync
        for a in addrs:
            check(a, ready=True)
        st, text = http_get(addrs[0], http, "/metrics")
        assert st == 200
        m = parse_prometheus(text)
        assert m["redis_up"] == 1
        assert m["redis_cluster_state"] == 1
        assert m["redis_cluster_slots_assigned"] == 16384
        assert m["redis_cluster_known_nodes"] == 6
        st, body = http_get(addrs[0], http, "/healthz")
        assert '"formed"' in body or "formed" in body, body
    finally:
        for n in nodes:
            n.kill()


def test_an_interrupted_formation_resumes_to_completion(dns, tmp_path):
    """A coordinator died after giving the first master its slots: the nodes
    keep that state (nodes.conf), and when they come back the formation is
    finished instead of starting a second cluster."""
    from support.server import make_shoal
    addrs = loopback_addresses(6)
    dns.set(addrs)
    port = free_port_on_all(addrs, with_bus=True)
    dirs = [str(tmp_path / f"n{i}") for i in range(6)]
    # The half-done state: node 0 got slots 0-5460 and its config epoch.
    plain = make_shoal(["--cluster-enabled", "yes"], host=addrs[0], port=port, dir=dirs[0],
                       with_bus=True)
    plain.start()
    r = profile.client(addrs[0], port)
    r.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 5460)
    r.execute_command("CLUSTER", "SET-CONFIG-EPOCH", 1)
    plain.stop()
    nodes = start_all(dns, addrs, port, dirs)
    try:
        views = wait_formed(nodes)
        check_one_cluster(views, 6)
        _, v = views[0]
        owner0 = [x for x in v if x["addr"].startswith(addrs[0] + ":")][0]
        assert owner0["slots"] == [(0, 5460)], owner0
    finally:
        for n in nodes:
            n.kill()
