#!/usr/bin/env python3
# bench/persist_latency.py — GET latency while a node snapshots or rewrites its
# AOF, shoal next to redis-server, in the same run on the same machine.
#
# For each server (shoal, then redis-server 7.0; both on free loopback ports,
# `--save ''`, stopped by PID at exit): load KEYS distinct keys with 16-byte
# values (redis-cli --pipe), then for each operation (BGSAVE, BGREWRITEAOF):
# run back-to-back short redis-benchmark GET runs (-c 50, random keys) from
# one second before the operation until one second after it finished, and
# report the p99 of the runs that overlapped the operation (worst and median)
# next to the p99 of the runs before it. With 2+ CPUs the servers are pinned
# to the last CPU and redis-benchmark to the others (as compare.sh does).
#
# Usage: bench/persist_latency.py [--keys 1000000] [--run-requests 20000]
# Environment: SHOAL_BIN (default <repo>/build/shoal), REDIS_SERVER_BIN.
# Plain python3 (no modules beyond the standard library).

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOAL = os.environ.get("SHOAL_BIN", os.path.join(REPO, "build", "shoal"))
REDIS = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
CLI = os.environ.get("REDIS_CLI_BIN", "/usr/bin/redis-cli")
BENCH = os.environ.get("REDIS_BENCHMARK_BIN", "/usr/bin/redis-benchmark")
HOST = "127.0.0.1"
NCPU = os.cpu_count() or 1
SERVER_PIN = ["taskset", "-c", str(NCPU - 1)] if NCPU >= 2 and shutil.which("taskset") else []
CLIENT_PIN = ["taskset", "-c", f"0-{NCPU - 2}"] if SERVER_PIN else []


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cli(port, *args):
    out = subprocess.run([CLI, "-h", HOST, "-p", str(port), *args], capture_output=True,
                         text=True, timeout=60)
    return out.stdout.strip()


def info(port, field):
    for line in cli(port, "info", "persistence").splitlines():
        k, _, v = line.partition(":")
        if k == field:
            return v.strip()
    return None


def wait_field(port, field, value, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if info(port, field) == value:
            return
        time.sleep(0.02)
    raise RuntimeError(f"{field} never became {value}")


class Server:
    def __init__(self, name, binary, workdir):
        self.name = name
        self.port = free_port()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            SERVER_PIN + [binary, "--port", str(self.port), "--bind", HOST, "--dir", self.dir,
                          "--save", "", "--appendonly", "no"]
            + (["--shoal-http-port", "0"] if name == "shoal" else []),
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(200):
            if cli(self.port, "ping") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def load(server, keys, proto_path):
    with open(proto_path, "rb") as f:
        subprocess.run([CLI, "-h", HOST, "-p", str(server.port), "--pipe"], stdin=f,
                       capture_output=True, timeout=600, check=True)
    n = int(cli(server.port, "dbsize"))
    if n != keys:
        raise RuntimeError(f"{server.name} holds {n} keys, expected {keys}")


def write_proto(path, keys):
    with open(path, "wb") as f:
        buf = []
        for i in range(keys):
            k = b"key:%d" % i
            v = b"%016d" % i
            buf.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n" % (len(k), k, v))
            if len(buf) == 10000:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))


def bench_run(port, keys, n):
    """One redis-benchmark GET run: (start, end, p50, p99, max) in ms."""
    t0 = time.time()
    out = subprocess.run(CLIENT_PIN + [BENCH, "-h", HOST, "-p", str(port), "-t", "get", "-c",
                                       "50", "-n", str(n), "-r", str(keys), "--csv"],
                         capture_output=True, text=True, timeout=120).stdout
    t1 = time.time()
    for line in out.splitlines()[1:]:
        cols = [c.strip('"') for c in line.split('","')]
        if len(cols) >= 8:
            return t0, t1, float(cols[4]), float(cols[6]), float(cols[7])
    return t0, t1, None, None, None


def measure(server, op, keys, run_requests):
    """Runs GET load around one operation; returns a result row."""
    runs = []
    stop = threading.Event()

    def loader():
        while not stop.is_set():
            runs.append(bench_run(server.port, keys, run_requests))

    th = threading.Thread(target=loader)
    th.start()
    time.sleep(1.5)
    start = time.time()
    if op == "BGSAVE":
        cli(server.port, "bgsave")
        time.sleep(0.05)
        wait_field(server.port, "rdb_bgsave_in_progress", "0")
    else:
        cli(server.port, "bgrewriteaof")
        time.sleep(0.05)
        wait_field(server.port, "aof_rewrite_in_progress", "0")
    end = time.time()
    time.sleep(1.0)
    stop.set()
    th.join()
    before = [r[3] for r in runs if r[1] <= start and r[3] is not None]
    during = [r[3] for r in runs if r[0] < end and r[1] > start and r[3] is not None]
    maxes = [r[4] for r in runs if r[0] < end and r[1] > start and r[4] is not None]
    return {
        "server": server.name, "op": op, "seconds": end - start, "runs": len(during),
        "p99_before": statistics.median(before) if before else None,
        "p99_during_median": statistics.median(during) if during else None,
        "p99_during_worst": max(during) if during else None,
        "max_during": max(maxes) if maxes else None,
    }


def fmt(v, digits=2):
    return "n/a" if v is None else f"{v:.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description="GET latency during BGSAVE/BGREWRITEAOF")
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--run-requests", type=int, default=20000)
    a = ap.parse_args()
    for b in (SHOAL, REDIS, CLI, BENCH):
        if not os.access(b, os.X_OK):
            sys.exit(f"persist_latency.py: {b} is missing (build shoal or set SHOAL_BIN)")
    work = tempfile.mkdtemp(prefix="shoal-persist-lat.")
    proto = os.path.join(work, "load.resp")
    write_proto(proto, a.keys)
    rows = []
    servers = []
    try:
        for name, binary in (("shoal", SHOAL), ("redis", REDIS)):
            s = Server(name, binary, work)
            servers.append(s)
            load(s, a.keys, proto)
            rows.append(measure(s, "BGSAVE", a.keys, a.run_requests))
            # The AOF must be on for BGREWRITEAOF; turning it on runs a first
            # rewrite, which is waited out before measuring.
            cli(s.port, "config", "set", "appendonly", "yes")
            time.sleep(0.1)
            wait_field(s.port, "aof_rewrite_in_progress", "0")
            rows.append(measure(s, "BGREWRITEAOF", a.keys, a.run_requests))
            s.stop()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print(f"# GET latency during BGSAVE / BGREWRITEAOF, {a.keys:,} keys")
    print()
    print(f"- date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(f"- machine: {NCPU} CPUs, {cpu}")
    print(f"- load: back-to-back redis-benchmark GET runs of {a.run_requests} requests, -c 50, "
          f"random keys; pinned: {'yes' if SERVER_PIN else 'no'}")
    print()
    print("| server | operation | op seconds | runs during | p99 before (ms) "
          "| p99 during, median (ms) | p99 during, worst (ms) | max during (ms) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['server']} | {r['op']} | {fmt(r['seconds'])} | {r['runs']} | "
              f"{fmt(r['p99_before'], 3)} | {fmt(r['p99_during_median'], 3)} | "
              f"{fmt(r['p99_during_worst'], 3)} | {fmt(r['max_during'], 3)} |")


if __name__ == "__main__":
    main()
