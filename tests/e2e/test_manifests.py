# tests/e2e/test_manifests.py
#
# Fast, always-run checks of the container files users deploy: the Dockerfile,
# the Compose files, the Swarm stack and the Kubernetes manifests. No Docker
# engine and no cluster are needed. They check that:
#  - every YAML file parses (python3-yaml);
#  - the discovery name in each file is the name of the service/Service that
#    the platform's DNS answers for (Compose: the service; Swarm: tasks.<service>;
#    Kubernetes: the StatefulSet's headless governing Service);
#  - the headless Service publishes not-ready addresses;
#  - every probe path and port is one the binary serves (when a built binary
#    is available: SHOAL_BIN, else the newest build*/shoal, the binary is
#    started on loopback and asked), and
#    every SHOAL_* variable is one the binary knows.
#
# Run: /usr/bin/python3 -m pytest tests/e2e/test_manifests.py -q

import glob
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE = os.path.join(ROOT, "compose", "docker-compose.yml")
HOSTNET = os.path.join(ROOT, "compose", "docker-compose.host-network.yml")
SWARM = os.path.join(ROOT, "compose", "swarm-stack.yml")
K8S_DIR = os.path.join(ROOT, "deploy", "kubernetes")

# The ports the image and the manifests promise (binary defaults: port,
# port + 10000 for the bus since cluster-port is 0, shoal-http-port).
REDIS_PORT, BUS_PORT, HTTP_PORT = 6379, 16379, 8080
PROBE_PATHS = {"/livez", "/readyz"}


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_docs():
    docs = []
    for path in sorted(glob.glob(os.path.join(K8S_DIR, "*.yaml"))):
        docs.extend(load_all(path))
    return docs


def k8s_kind(kind):
    return [d for d in k8s_docs() if d.get("kind") == kind]


def env_of(service):
    """Compose-style environment (mapping or KEY=VALUE list) as a dict."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def find_binary():
    cand = os.environ.get("SHOAL_BIN")
    if cand and os.access(cand, os.X_OK):
        return cand
    built = [p for p in glob.glob(os.path.join(ROOT, "build*", "shoal")) if os.access(p, os.X_OK)]
    return max(built, key=os.path.getmtime) if built else None


@pytest.fixture(scope="module")
def binary_help():
    binary = find_binary()
    if not binary:
        pytest.skip("no built shoal binary (set SHOAL_BIN)")
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return out.stdout


def all_shoal_env_names():
    """Every SHOAL_* name set by the Dockerfile or any manifest."""
    names = set()
    for env_line in re.findall(r"(?m)^ENV (.*)$", dockerfile_runtime_stage()):
        names.update(re.findall(r"\b(SHOAL_[A-Z0-9_]+)=", env_line))
    for path in (COMPOSE, HOSTNET, SWARM):
        for doc in load_all(path):
            for svc in doc.get("services", {}).values():
                names.update(k for k in env_of(svc) if k.startswith("SHOAL_"))
    for sts in k8s_kind("StatefulSet"):
        for c in sts["spec"]["template"]["spec"]["containers"]:
            names.update(e["name"] for e in c.get("env", []) if e["name"].startswith("SHOAL_"))
    return names


# --- parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [COMPOSE, HOSTNET, SWARM] + sorted(glob.glob(os.path.join(K8S_DIR, "*.yaml"))),
    ids=os.path.basename,
)
def test_every_yaml_file_parses(path):
    docs = load_all(path)
    assert docs, f"{path} is empty"
    for d in docs:
        assert isinstance(d, dict)


# --- Dockerfile ------------------------------------------------------------


def dockerfile_runtime_stage():
    with open(os.path.join(ROOT, "Dockerfile")) as f:
        text = re.sub(r"\\\n", " ", f.read())
    stages = re.split(r"(?m)^FROM ", text)
    return stages[-1]


def test_dockerfile_runtime_stage_declares_the_promised_interface():
    stage = dockerfile_runtime_stage()
    assert re.search(r'(?m)^ENTRYPOINT \["shoal"\]', stage)
    assert re.search(r"(?m)^VOLUME /data", stage)
    expose = re.search(r"(?m)^EXPOSE (.*)$", stage).group(1).split()
    assert set(expose) == {str(REDIS_PORT), str(BUS_PORT), str(HTTP_PORT)}
    assert re.search(r'(?m)^HEALTHCHECK .*CMD \["shoal", "healthcheck"\]', stage)
    user = re.search(r"(?m)^USER (\S+)", stage).group(1)
    assert user.split(":")[0] not in ("0", "root")


def test_dockerfile_defaults_need_no_environment_under_compose():
    stage = dockerfile_runtime_stage()
    for setting in ("SHOAL_CLUSTER_ENABLED=yes", "SHOAL_DISCOVERY=dns:node", "SHOAL_DIR=/data",
                    "SHOAL_APPENDONLY=yes"):
        assert setting in stage


# --- Compose ---------------------------------------------------------------


def test_compose_discovery_name_is_the_service_name():
    doc = load_all(COMPOSE)[0]
    services = doc["services"]
    assert list(services) == ["node"]
    node = services["node"]
    assert node["deploy"]["replicas"] == 6
    assert env_of(node).get("SHOAL_DISCOVERY", "dns:node") == "dns:node"
    # A custom bridge network: Docker's DNS only answers names there.
    (net,) = node["networks"]
    assert doc["networks"][net]["driver"] == "bridge"
    assert node["healthcheck"]["test"][1:3] == ["shoal", "healthcheck"]


def test_host_network_example_lists_its_own_six_ports():
    doc = load_all(HOSTNET)[0]
    services = doc["services"]
    assert len(services) == 6
    ports = sorted(int(env_of(s)["SHOAL_PORT"]) for s in services.values())
    assert ports == list(range(7000, 7006))
    http_ports = {int(env_of(s)["SHOAL_HTTP_PORT"]) for s in services.values()}
    assert len(http_ports) == 6  # one host network: every node needs its own
    for s in services.values():
        assert s["network_mode"] == "host"
        disc = env_of(s)["SHOAL_DISCOVERY"]
        assert disc.startswith("static:")
        listed = sorted(int(hp.rsplit(":", 1)[1]) for hp in disc[len("static:"):].split(","))
        assert listed == ports
        assert "SHOAL_CLUSTER_ANNOUNCE_IP" in env_of(s)


# --- Swarm -----------------------------------------------------------------


def test_swarm_stack_discovers_tasks_of_its_own_service():
    doc = load_all(SWARM)[0]
    assert str(doc["version"]).startswith("3")
    ((name, svc),) = doc["services"].items()
    assert env_of(svc)["SHOAL_DISCOVERY"] == f"dns:tasks.{name}"
    assert svc["deploy"]["replicas"] == 6
    assert svc["deploy"]["endpoint_mode"] == "dnsrr"
    assert svc["healthcheck"]["test"][1:] == ["shoal", "healthcheck"]  # /livez, never /readyz
    (net,) = svc["networks"]
    assert doc["networks"][net]["driver"] == "overlay"


# --- Kubernetes ------------------------------------------------------------


def test_kubernetes_headless_service_publishes_not_ready_addresses():
    (sts,) = k8s_kind("StatefulSet")
    services = {s["metadata"]["name"]: s for s in k8s_kind("Service")}
    headless = services[sts["spec"]["serviceName"]]
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True


def test_kubernetes_discovery_name_is_the_headless_service():
    (sts,) = k8s_kind("StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["SHOAL_DISCOVERY"]["value"] == f"dns:{sts['spec']['serviceName']}"
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert env["SHOAL_CLUSTER_ANNOUNCE_IP"]["value"] == "$(POD_IP)"
    # $(POD_IP) only expands when POD_IP is defined earlier in the list.
    names = [e["name"] for e in container["env"]]
    assert names.index("POD_IP") < names.index("SHOAL_CLUSTER_ANNOUNCE_IP")


def test_kubernetes_selectors_match_the_pods():
    (sts,) = k8s_kind("StatefulSet")
    labels = sts["spec"]["template"]["metadata"]["labels"]
    assert sts["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for svc in k8s_kind("Service"):
        assert svc["spec"]["selector"].items() <= labels.items()
    (pdb,) = k8s_kind("PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_kubernetes_statefulset_shape():
    (sts,) = k8s_kind("StatefulSet")
    spec = sts["spec"]
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["replicas"] == 6
    (claim,) = spec["volumeClaimTemplates"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert {m["name"]: m["mountPath"] for m in container["volumeMounts"]}[
        claim["metadata"]["name"]] == "/data"
    env = {e["name"]: e.get("value") for e in container["env"]}
    # The grace period covers the handoff + flush the node does on SIGTERM.
    assert pod["terminationGracePeriodSeconds"] > int(env.get("SHOAL_SHUTDOWN_TIMEOUT", "8")) + 2


def test_kubernetes_probes_use_the_binary_paths_and_ports():
    (sts,) = k8s_kind("StatefulSet")
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"redis": REDIS_PORT, "bus": BUS_PORT, "http": HTTP_PORT}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert int(env.get("SHOAL_HTTP_PORT", HTTP_PORT)) == ports["http"]
    probes = {k: container[k]["httpGet"] for k in ("startupProbe", "livenessProbe",
                                                    "readinessProbe")}
    assert probes["startupProbe"]["path"] == "/livez"
    assert probes["livenessProbe"]["path"] == "/livez"
    assert probes["readinessProbe"]["path"] == "/readyz"
    for p in probes.values():
        port = ports[p["port"]] if isinstance(p["port"], str) else p["port"]
        assert port == HTTP_PORT
    for svc in k8s_kind("Service"):
        for sp in svc["spec"]["ports"]:
            target = sp.get("targetPort", sp["port"])
            assert (ports[target] if isinstance(target, str) else target) in ports.values()


# --- against the binary ------------------------------------------------------


def test_every_shoal_variable_in_the_files_is_known_to_the_binary(binary_help):
    known = set(re.findall(r"env (SHOAL_[A-Z0-9_]+)", binary_help))
    unknown = sorted(all_shoal_env_names() - known)
    assert not unknown, f"not settings of the binary: {unknown}"


def test_binary_default_ports_are_the_published_ones(binary_help):
    def default(flag):
        m = re.search(rf"--{flag} VALUE\s.*?default '([^']*)'", binary_help, re.S)
        return m.group(1)

    assert int(default("port")) == REDIS_PORT
    assert int(default("cluster-port")) == 0  # bus = port + 10000
    assert REDIS_PORT + 10000 == BUS_PORT
    assert int(default("shoal-http-port")) == HTTP_PORT


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_ports():
    """(port, http_port) with port + 10000 (the bus) free too."""
    rng = random.Random()
    while True:
        port = rng.randrange(20000, 30000)
        http_port = rng.randrange(40000, 50000)
        if port_is_free(port) and port_is_free(port + 10000) and port_is_free(http_port):
            return port, http_port


def test_probe_paths_are_served_by_the_binary(binary_help):
    binary = find_binary()
    work = tempfile.mkdtemp(prefix="shoal-manifests-")
    port, http_port = free_ports()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOAL_")}
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--shoal-http-port",
         str(http_port), "--dir", work, "--cluster-enabled", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        statuses = {}
        deadline = time.time() + 15
        while time.time() < deadline and len(statuses) < len(PROBE_PATHS):
            for path in PROBE_PATHS - statuses.keys():
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}{path}",
                                                timeout=2) as r:
                        statuses[path] = r.status
                except urllib.error.HTTPError as e:
                    statuses[path] = e.code
                except OSError:
                    assert proc.poll() is None, proc.stderr.read()
                    time.sleep(0.2)
        # /livez answers 200; /readyz answers 503 (a lone node has no
        # cluster) — but neither is a 404.
        assert statuses.get("/livez") == 200, statuses
        assert statuses.get("/readyz") in (200, 503), statuses
        hc = subprocess.run([binary, "healthcheck", "--port", str(http_port)],
                            capture_output=True, text=True, timeout=10)
        assert hc.returncode == 0, hc.stdout
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
