# The chaos rig's network and processes: six shoal nodes, each in its own
# network namespace and as PID 1 of its own PID namespace, joined by a Linux
# bridge, with a dnsmasq that answers the service name, as Docker runs a
# Compose service. Used by scenarios.py (the faults and checks), the pytest
# suite and soak.py; one rig per process, driven from the main thread (the
# workload threads only open sockets).
#
# Layout (every name carries a per-run prefix `shcNNNNN`, NNNNN = our PID, so
# two rigs never meet and leftovers of a dead run can be found and removed):
#
#   <p>-hub   the bridge br0 (10.77.0.1/24); the test process itself enters
#             this namespace for its client sockets (enter_client_netns())
#   <p>-dns   dnsmasq on 10.77.0.2:53, answering SERVICE with the addresses
#             of the nodes that are running (as Docker's embedded DNS does)
#             and nK with node K's address (container names)
#   <p>-nK    node K (K = 1..6) on 10.77.0.1K, veth eth0 <-> vnK in the hub
#
# Each node runs as
#   nsenter --net=<p>-nK unshare --pid --fork --mount-proc --uts
#       sh -c 'hostname nK; mount --bind resolv.conf, nsswitch.conf, hosts;
#              exec shoal ...'
# so shoal is PID 1 (it reaps and handles signals), its resolver asks only
# our dnsmasq ("hosts: files dns", /etc/hosts knows only localhost and nK),
# and the host's /etc is never touched (private mount namespace).
#
# Nothing here uses pkill/killall: processes are signalled by the PIDs we
# started (the node's PID as seen from here is the child of its unshare
# process); namespaces are deleted by name; deleting a namespace removes its
# veth, so the bridge and links go with the hub.

import ctypes
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time

SUBNET = "10.77.0"
HUB_IP = f"{SUBNET}.1"
DNS_IP = f"{SUBNET}.2"
PORT = 6379
SERVICE = "shoal"
PREFIX = "shc"

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class RigError(Exception):
    pass


def run(cmd, check=True, timeout=20):
    """Runs a command (list), returns CompletedProcess; raises RigError with
    its stderr on failure when check."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RigError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def unavailable_reason():
    """None when this machine can run the rig, else why not (for pytest.skip)."""
    if os.geteuid() != 0:
        return "the chaos rig needs root (network/PID namespaces, a bridge)"
    for tool in ("ip", "nsenter", "unshare", "tc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if dnsmasq_binary() is None:
        return "dnsmasq is not installed (Debian: dnsmasq-base; scripts/setup.sh installs it)"
    name = f"{PREFIX}probe{os.getpid()}"
    p = run(["ip", "netns", "add", name], check=False)
    if p.returncode != 0:
        return f"cannot create a network namespace: {p.stderr.strip()}"
    try:
        p = run(["ip", "-n", name, "link", "add", "br0", "type", "bridge"], check=False)
        if p.returncode != 0:
            return f"cannot create a bridge: {p.stderr.strip()}"
        p = run(["unshare", "--pid", "--fork", "--mount-proc", "true"], check=False)
        if p.returncode != 0:
            return f"cannot create a PID namespace: {p.stderr.strip()}"
    finally:
        run(["ip", "netns", "del", name], check=False)
    return None


def kinds_unavailable(kinds):
    """{kind: reason} for the fault kinds this machine cannot inject."""
    out = {}
    if shutil.which("iptables") is None:
        out["split"] = "iptables is not installed (Debian: iptables)"
        if not netem_available():
            out["loss"] = "neither sch_netem nor iptables"
    return {k: v for k, v in out.items() if k in kinds}


def netem_available():
    """True when `tc qdisc add ... netem` works in this kernel (sch_netem).
    Checked in a scratch namespace; Debian's cloud kernels may lack it."""
    name = f"{PREFIX}netem{os.getpid()}"
    if run(["ip", "netns", "add", name], check=False).returncode != 0:
        return False
    try:
        run(["ip", "-n", name, "link", "set", "lo", "up"], check=False)
        p = run(["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", "lo", "root",
                 "netem", "delay", "1ms"], check=False)
        return p.returncode == 0
    finally:
        run(["ip", "netns", "del", name], check=False)


def dnsmasq_binary():
    for p in ("/usr/sbin/dnsmasq", shutil.which("dnsmasq")):
        if p and os.access(p, os.X_OK):
            return p
    return None


def cleanup_stale():
    """Removes namespaces of earlier rigs whose process is gone (names
    `shc<pid>-...` with a dead <pid>): kills the processes inside them by PID
    (`ip netns pids`), then deletes the namespaces. Returns the names removed."""
    removed = []
    p = run(["ip", "netns", "list"], check=False)
    for line in p.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX) or "-" not in name:
            continue
        pid = name[len(PREFIX):].split("-")[0]
        if not pid.isdigit() or os.path.exists(f"/proc/{pid}"):
            continue
        for q in run(["ip", "netns", "pids", name], check=False).stdout.split():
            try:
                os.kill(int(q), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run(["ip", "netns", "del", name], check=False)
        removed.append(name)
    return removed


class Node:
    """One shoal in namespace <p>-nK. `host_pid` is shoal's PID as this
    process sees it (the PID-namespace init)."""

    def __init__(self, rig, k):
        self.rig = rig
        self.k = k
        self.name = f"n{k}"
        self.ns = f"{rig.prefix}-n{k}"
        self.ip = f"{SUBNET}.{10 + k}"
        self.veth = f"vn{k}"          # hub side
        self.dir = os.path.join(rig.root, self.name, "data")
        self.etc = os.path.join(rig.root, self.name, "etc")
        self.log_path = os.path.join(rig.root, self.name, "shoal.log")
        self.proc = None              # the unshare process
        self.host_pid = None
        self.stopped = False          # SIGSTOPped
        self.starts = 0

    @property
    def addr(self):
        return (self.ip, PORT)

    def argv(self):
        r = self.rig
        shoal = [r.binary, "--port", str(PORT), "--bind", "0.0.0.0", "--dir", self.dir,
                 "--cluster-enabled", "yes", "--shoal-discovery", f"dns:{SERVICE}",
                 "--shoal-cluster-size", "6", "--shoal-replicas", "1",
                 "--cluster-node-timeout", str(r.node_timeout), "--appendonly", "yes",
                 "--shoal-http-port", "0"] + list(r.extra_args)
        script = (f"hostname {self.name} && "
                  f"mount --bind {shlex.quote(self.etc)}/resolv.conf /etc/resolv.conf && "
                  f"mount --bind {shlex.quote(self.etc)}/nsswitch.conf /etc/nsswitch.conf && "
                  f"mount --bind {shlex.quote(self.etc)}/hosts /etc/hosts && "
                  f"exec {' '.join(shlex.quote(a) for a in shoal)}")
        return ["nsenter", f"--net=/run/netns/{self.ns}", "unshare", "--pid", "--fork",
                "--mount-proc", "--uts", "--propagation", "private", "sh", "-c", script]

    def start(self):
        if self.alive():
            raise RigError(f"{self.name} is already running")
        os.makedirs(self.dir, exist_ok=True)
        log = open(self.log_path, "ab")
        log.write(f"\n=== start {self.starts} at {time.time():.3f}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.starts += 1
        self.stopped = False
        self.host_pid = None
        deadline = time.time() + 10
        while time.time() < deadline and self.host_pid is None:
            self.host_pid = _only_child(self.proc.pid)
            if self.proc.poll() is not None:
                break
            if self.host_pid is None:
                time.sleep(0.01)
        if self.host_pid is None:
            raise RigError(f"{self.name}: no shoal process under unshare {self.proc.pid}; "
                           f"log tail:\n{self.log_tail()}")
        self.rig.dns_update()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.host_pid is None or not self.alive():
            return False
        try:
            os.kill(self.host_pid, sig)
        except ProcessLookupError:
            return False
        if sig == signal.SIGSTOP:
            self.stopped = True
        elif sig == signal.SIGCONT:
            self.stopped = False
        return True

    def wait_exit(self, timeout):
        """Waits for the node's unshare process to end; returns shoal's exit
        status as unshare reports it (None on timeout)."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """SIGKILL (after SIGCONT if stopped); waits; removes it from DNS."""
        if self.alive():
            if self.stopped:
                self.signal(signal.SIGCONT)
            self.signal(signal.SIGKILL)
            if self.wait_exit(10) is None:
                try:
                    os.kill(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        self.stopped = False
        self.rig.dns_update()

    def exited(self):
        """Called after the process ended on its own (SIGTERM): DNS update."""
        self.rig.dns_update()

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    # --- network faults (applied inside the node's namespace / hub side) ---

    def ns_run(self, cmd, check=True):
        return run(["ip", "netns", "exec", self.ns] + cmd, check=check)


def _only_child(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


class Rig:
    """The six nodes, the bridge and the DNS server. `root`: a directory we
    own (data dirs, logs, resolver files). Call teardown() in a finally."""

    def __init__(self, root, binary, n=6, node_timeout=1500, extra_args=()):
        self.prefix = f"{PREFIX}{os.getpid()}"
        self.root = root
        self.binary = binary
        self.node_timeout = node_timeout
        self.extra_args = list(extra_args)
        self.hub = f"{self.prefix}-hub"
        self.dns_ns = f"{self.prefix}-dns"
        self.nodes = [Node(self, k) for k in range(1, n + 1)]
        self.namespaces = []
        self.dns_proc = None
        self.hosts_path = os.path.join(root, "dns", "hosts")
        self._saved_netns = None
        self.isolated = set()      # node names with their link down
        self.filtered = set()      # node names with iptables rules
        self.shaped = set()        # node names with a qdisc

    # --- set-up ---------------------------------------------------------

    def _ns_add(self, name):
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])

    def _link(self, ns, hub_if, ip):
        run(["ip", "-n", self.hub, "link", "add", hub_if, "type", "veth", "peer", "name", "eth0",
             "netns", ns])
        run(["ip", "-n", self.hub, "link", "set", hub_if, "master", "br0", "up"])
        run(["ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])

    def setup(self):
        os.makedirs(os.path.dirname(self.hosts_path), exist_ok=True)
        self._ns_add(self.hub)
        run(["ip", "-n", self.hub, "link", "add", "br0", "type", "bridge", "forward_delay", "0"])
        run(["ip", "-n", self.hub, "addr", "add", f"{HUB_IP}/24", "dev", "br0"])
        run(["ip", "-n", self.hub, "link", "set", "br0", "up"])
        self._ns_add(self.dns_ns)
        self._link(self.dns_ns, "vdns", DNS_IP)
        for n in self.nodes:
            self._ns_add(n.ns)
            self._link(n.ns, n.veth, n.ip)
            os.makedirs(n.etc, exist_ok=True)
            with open(os.path.join(n.etc, "resolv.conf"), "w") as f:
                f.write(f"nameserver {DNS_IP}\noptions timeout:1 attempts:2\n")
            with open(os.path.join(n.etc, "nsswitch.conf"), "w") as f:
                f.write("hosts: files dns\n")
            with open(os.path.join(n.etc, "hosts"), "w") as f:
                f.write(f"127.0.0.1 localhost\n{n.ip} {n.name}\n")
        self._write_hosts()
        self._start_dns()

    def _write_hosts(self):
        lines = [f"{n.ip} {n.name}" for n in self.nodes]
        lines += [f"{n.ip} {SERVICE}" for n in self.nodes if n.alive()]
        tmp = self.hosts_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, self.hosts_path)

    def _start_dns(self):
        d = os.path.dirname(self.hosts_path)
        log = open(os.path.join(d, "dnsmasq.log"), "ab")
        self.dns_proc = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{self.dns_ns}", dnsmasq_binary(),
             "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             f"--addn-hosts={self.hosts_path}", f"--listen-address={DNS_IP}",
             "--bind-interfaces", "--except-interface=lo", "--user=root", "--group=root",
             "--local-ttl=0", "--no-negcache", f"--pid-file={d}/dnsmasq.pid",
             "--log-facility=-"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()
        time.sleep(0.2)
        if self.dns_proc.poll() is not None:
            raise RigError(f"dnsmasq exited with {self.dns_proc.returncode}; see {d}/dnsmasq.log")

    def dns_update(self):
        """Rewrites the service name's addresses (running nodes only) and
        makes dnsmasq re-read them (SIGHUP)."""
        self._write_hosts()
        if self.dns_proc is not None and self.dns_proc.poll() is None:
            os.kill(self.dns_proc.pid, signal.SIGHUP)

    def start_all(self):
        for n in self.nodes:
            n.start()

    # --- the test process's own sockets ---------------------------------

    def enter_client_netns(self):
        """Moves the calling thread (the main thread, before any workload
        thread starts) into the hub namespace, where the bridge has
        10.77.0.1; threads started afterwards inherit it."""
        if self._saved_netns is not None:
            return
        self._saved_netns = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net",
                                    os.O_RDONLY)
        fd = os.open(f"/run/netns/{self.hub}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise RigError(f"setns({self.hub}): {os.strerror(e)}")
        finally:
            os.close(fd)

    def leave_client_netns(self):
        if self._saved_netns is None:
            return
        _libc.setns(self._saved_netns, CLONE_NEWNET)
        os.close(self._saved_netns)
        self._saved_netns = None

    # --- faults -----------------------------------------------------------

    def isolate(self, node):
        run(["ip", "-n", self.hub, "link", "set", node.veth, "down"])
        self.isolated.add(node.name)

    def block(self, node, others):
        """Drops every packet between `node` and each of `others` (iptables
        in node's namespace, both directions)."""
        for o in others:
            node.ns_run(["iptables", "-A", "INPUT", "-s", o.ip, "-j", "DROP"])
            node.ns_run(["iptables", "-A", "OUTPUT", "-d", o.ip, "-j", "DROP"])
        self.filtered.add(node.name)

    def lossy(self, node, loss):
        """Random loss of `loss` (0..1) of the node's packets, both ways:
        netem when the kernel has it, else iptables' statistic match."""
        if self.netem:
            for ns, dev in ((node.ns, "eth0"), (self.hub, node.veth)):
                run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "netem",
                     "loss", f"{loss * 100:.0f}%"])
            self.shaped.add(node.name)
        else:
            for chain in ("INPUT", "OUTPUT"):
                node.ns_run(["iptables", "-A", chain, "-m", "statistic", "--mode", "random",
                             "--probability", f"{loss:.3f}", "-j", "DROP"])
            self.filtered.add(node.name)

    def slow(self, node, delay_ms):
        """Delay: netem `delay` when available; else a tbf that limits the
        link to 512 kbit/s (queueing delay under load, up to `delay_ms`)."""
        for ns, dev in ((node.ns, "eth0"), (self.hub, node.veth)):
            if self.netem:
                cmd = ["tc", "qdisc", "add", "dev", dev, "root", "netem", "delay",
                       f"{delay_ms}ms", f"{delay_ms // 4}ms"]
            else:
                cmd = ["tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", "512kbit",
                       "burst", "16kbit", "latency", f"{delay_ms}ms"]
            run(["ip", "netns", "exec", ns] + cmd)
        self.shaped.add(node.name)

    @property
    def netem(self):
        if not hasattr(self, "_netem"):
            self._netem = netem_available()
        return self._netem

    def heal_network(self):
        for node in self.nodes:
            if node.name in self.isolated:
                run(["ip", "-n", self.hub, "link", "set", node.veth, "up"], check=False)
            if node.name in self.filtered:
                node.ns_run(["iptables", "-F", "INPUT"], check=False)
                node.ns_run(["iptables", "-F", "OUTPUT"], check=False)
            if node.name in self.shaped:
                run(["ip", "netns", "exec", node.ns, "tc", "qdisc", "del", "dev", "eth0", "root"],
                    check=False)
                run(["ip", "netns", "exec", self.hub, "tc", "qdisc", "del", "dev", node.veth,
                     "root"], check=False)
        self.isolated.clear()
        self.filtered.clear()
        self.shaped.clear()

    # --- tear-down ----------------------------------------------------------

    def teardown(self):
        """Kills every process we started (by PID), deletes every namespace
        we created (their veths, the bridge go with them). Safe to call twice
        and after a partial setup."""
        self.leave_client_netns()
        for n in self.nodes:
            try:
                n.kill()
            except Exception:
                if n.proc is not None and n.proc.poll() is None:
                    try:
                        os.kill(n.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        if self.dns_proc is not None and self.dns_proc.poll() is None:
            self.dns_proc.terminate()
            try:
                self.dns_proc.wait(5)
            except subprocess.TimeoutExpired:
                self.dns_proc.kill()
                self.dns_proc.wait(5)
        for name in reversed(self.namespaces):
            # Anything still inside (there should be nothing) dies first.
            for q in run(["ip", "netns", "pids", name], check=False).stdout.split():
                try:
                    os.kill(int(q), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", name], check=False)
        self.namespaces.clear()
