# Every cluster bus message comes from another machine and is untrusted
# (issue 3): a seeded mutator sends thousands of corrupted packets (bit
# flips, truncations, bad lengths, unknown types, garbage) to a live node's
# bus port. The node must survive and its view of the cluster must not change.
# Seeds are the valid packets of node/cluster/fuzz_corpus (never MEET, which
# may legitimately add a node).

import glob
import os
import random
import socket
import struct
import time

import redis

from support.ports import free_port_on_all, loopback_addresses

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "node", "cluster", "fuzz_corpus")
MSG_MEET, MSG_PING = 2, 0
SEED = int(os.environ.get("SHOAL_BUS_FUZZ_SEED", "1234"))
PACKETS = int(os.environ.get("SHOAL_BUS_FUZZ_PACKETS", "3000"))


def view(n):
    r = redis.Redis(host=n.host, port=n.port, decode_responses=True)
    lines = sorted(l.split()[0] + " " + l.split()[2].replace("myself,", "") + " " +
                   " ".join(l.split()[8:]) for l in r.execute_command("CLUSTER", "NODES").splitlines())
    return lines, r.cluster("info")["cluster_state"]


def mutate(rng, base):
    p = bytearray(base)
    kind = rng.randrange(6)
    if kind == 0:  # bit flips
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(len(p))
            p[i] ^= 1 << rng.randrange(8)
    elif kind == 1:  # truncate (and keep or fix the length field)
        p = p[: rng.randrange(8, len(p))]
        if rng.random() < 0.5:
            p[4:8] = struct.pack(">I", len(p))
    elif kind == 2:  # lie about the length
        p[4:8] = struct.pack(">I", rng.choice([0, 8, 2255, 2257, len(p) + 1, 2**31, 2**32 - 1]))
    elif kind == 3:  # unknown or random type
        p[12:14] = struct.pack(">H", rng.randrange(65536))
    elif kind == 4:  # garbage after a valid signature
        p = bytearray(b"RCmb" + bytes(rng.randrange(256) for _ in range(rng.randrange(4, 3000))))
    else:  # bad counts (gossip entries / extensions)
        p[14:16] = struct.pack(">H", rng.randrange(65536))
    if len(p) >= 14 and struct.unpack(">H", bytes(p[12:14]))[0] == MSG_MEET:
        p[12:14] = struct.pack(">H", MSG_PING)
    return bytes(p)


def test_corrupted_bus_packets_never_crash_a_node_or_change_its_view(shoal_factory):
    hosts = loopback_addresses(3)
    port = free_port_on_all(hosts, with_bus=True)
    nodes = [shoal_factory(["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"],
                           host=h, port=port, with_bus=True) for h in hosts]
    r0 = redis.Redis(host=hosts[0], port=port)
    for i, n in enumerate(nodes):
        r = redis.Redis(host=n.host, port=port)
        r.execute_command("CLUSTER", "ADDSLOTSRANGE", i * 5462, min(16383, i * 5462 + 5461))
        if i:
            r.execute_command("CLUSTER", "MEET", hosts[0], port)
    deadline = time.time() + 20
    while time.time() < deadline and not all(view(n)[1] == "ok" and len(view(n)[0]) == 3
                                             for n in nodes):
        time.sleep(0.2)
    before = view(nodes[0])
    assert before[1] == "ok"

    seeds = [open(f, "rb").read() for f in sorted(glob.glob(os.path.join(CORPUS, "*")))
             if not f.endswith("meet_gossip")]
    assert seeds, "no seed packets"
    rng = random.Random(SEED)
    target = (hosts[0], port + 10000)
    sent = 0
    for _ in range(PACKETS):
        pkt = mutate(rng, rng.choice(seeds))
        with socket.create_connection(target, timeout=2) as s:
            try:
                s.sendall(pkt)
                s.settimeout(0.01)
                s.recv(1)
            except OSError:
                pass
        sent += 1
    time.sleep(1)
    assert nodes[0].alive(), "the node died:\n" + nodes[0].log_tail()
    assert r0.ping()
    after = view(nodes[0])
    assert after == before, f"cluster view changed:\n{before}\n{after}"
    print(f"\n{sent} corrupted bus packets (seed {SEED}): node alive, view unchanged")
