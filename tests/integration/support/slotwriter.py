# A small slot-aware cluster writer for failover tests (main test thread or
# one writer thread of its own; not shared between threads).
#
# python3-redis 4.3.4's RedisCluster never recovers from a dead master (see
# ../../shared/clients.md), so failover tests write through this instead:
#   - the slot map comes from CLUSTER SLOTS of any node that answers; after
#     any error (connection refused/reset, timeout, MOVED, CLUSTERDOWN,
#     TRYAGAIN, ...) the map is re-read from a surviving node;
#   - keys are routed by CRC16 (XMODEM) of the key or of its {hash tag};
#   - every acknowledged write is recorded with its time, so a test can
#     measure the outage of a set of slots and check afterwards which
#     acknowledged writes survived;
#   - optionally `WAIT 1 0` after each write: the write counts as
#     acknowledged only when WAIT says one replica has it.
#
# redis.Redis connections from support/profile.py (plain or TLS + password
# per SHOAL_TEST_PROFILE) are used, one per node, with short timeouts.

import threading
import time

import redis

from . import profile


def _crc16_table():
    table = []
    for i in range(256):
        crc = i << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


_TABLE = _crc16_table()


def crc16(data):
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[((crc >> 8) ^ b) & 0xFF]
    return crc


def key_slot(key):
    """Redis Cluster hash slot of key (str or bytes), honouring {hash tags}."""
    if isinstance(key, str):
        key = key.encode()
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1:e]
    return crc16(key) % 16384


class SlotWriter:
    """Writes `SET key value` through the current slot owner.

    `seeds`: [(host, port)] to read the topology from. `wait_replicas`: when
    > 0, each SET is followed by `WAIT wait_replicas 0` on the same
    connection and only counts as acknowledged if WAIT returned >= that.
    """

    def __init__(self, seeds, wait_replicas=0, socket_timeout=1.0):
        self.seeds = list(seeds)
        self.wait_replicas = wait_replicas
        self.socket_timeout = socket_timeout
        self.slots = [None] * 16384       # slot -> (host, port)
        self.conns = {}                   # (host, port) -> redis.Redis
        self.acked = []                   # (t, key, value) of acknowledged writes
        self.errors = []                  # (t, key, error text)
        self.attempts = 0
        self.not_replicated = 0           # SET ok but WAIT said 0
        self._stop = threading.Event()
        self._thread = None
        self.refresh()

    # --- topology ---------------------------------------------------------

    def _conn(self, addr):
        c = self.conns.get(addr)
        if c is None:
            c = profile.client(addr[0], addr[1], socket_timeout=self.socket_timeout,
                               socket_connect_timeout=self.socket_timeout)
            self.conns[addr] = c
        return c

    def _drop(self, addr):
        c = self.conns.pop(addr, None)
        if c is not None:
            try:
                c.close()
            except Exception:
                pass

    def refresh(self):
        """Re-reads CLUSTER SLOTS from the first node that answers. The nodes
        that were owners are tried last (they may be the dead ones)."""
        known = list(dict.fromkeys([a for a in self.slots if a is not None]))
        candidates = list(dict.fromkeys(self.seeds + known))
        for addr in candidates:
            try:
                reply = self._conn(addr).execute_command("CLUSTER", "SLOTS")
            except Exception:
                self._drop(addr)
                continue
            slots = [None] * 16384
            for entry in reply:
                start, end, master = entry[0], entry[1], entry[2]
                host = master[0].decode() if isinstance(master[0], bytes) else master[0]
                if host == "":
                    host = addr[0]
                for s in range(start, end + 1):
                    slots[s] = (host, int(master[1]))
            self.slots = slots
            for a in [a for a in set(slots) if a is not None]:
                if a not in self.seeds:
                    self.seeds.append(a)
            return True
        return False

    def owner(self, key):
        return self.slots[key_slot(key)]

    # --- writing ------------------------------------------------------------

    def write(self, key, value):
        """One SET (and WAIT). True when acknowledged; on error records it,
        refreshes the slot map and returns False (no retry here)."""
        self.attempts += 1
        addr = self.owner(key)
        if addr is None:
            self.errors.append((time.time(), key, "no owner"))
            self.refresh()
            return False
        try:
            c = self._conn(addr)
            c.execute_command("SET", key, value)
            if self.wait_replicas > 0:
                n = c.execute_command("WAIT", self.wait_replicas, 0)
                if n < self.wait_replicas:
                    self.not_replicated += 1
                    return False
            self.acked.append((time.time(), key, value))
            return True
        except Exception as e:  # any failure: record, re-read the topology
            self.errors.append((time.time(), key, f"{type(e).__name__}: {e}"))
            if isinstance(e, (redis.ConnectionError, redis.TimeoutError)):
                self._drop(addr)
            self.refresh()
            return False

    def run(self, keys, duration=None, until=None, pause=0.0, prefix="v"):
        """Writes key after key (cycling over `keys` with a growing counter as
        the value) until `duration` seconds pass or `until()` is true or
        stop() is called."""
        t_end = time.time() + duration if duration else None
        i = 0
        while not self._stop.is_set():
            if t_end and time.time() >= t_end:
                break
            if until and until():
                break
            key = keys[i % len(keys)]
            ok = self.write(key, f"{prefix}{i}")
            i += 1
            if not ok:
                time.sleep(0.02)
            elif pause:
                time.sleep(pause)

    def start(self, keys, **kw):
        """run() on a background thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, args=(keys,), kwargs=kw, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def close(self):
        for a in list(self.conns):
            self._drop(a)

    # --- analysis -----------------------------------------------------------

    def last_acked(self):
        """key -> (t, value) of the last acknowledged write of each key."""
        out = {}
        for t, k, v in self.acked:
            out[k] = (t, v)
        return out

    def outage(self, keys, since):
        """The write outage around an event at time `since`: the longest gap
        (seconds) between consecutive acknowledged writes to any of `keys`
        among those from one second before `since` on (a reply read just
        after the event may still belong to the old owner). None while no
        write after the longest gap's start has been acknowledged yet, i.e.
        when no write was acknowledged more than a second after `since`."""
        ks = set(keys)
        times = sorted(t for t, k, _ in self.acked if k in ks and t >= since - 1.0)
        if not times or times[-1] <= since + 0.5:
            return None
        gaps = [b - a for a, b in zip(times, times[1:])]
        return max(gaps) if gaps else None

    def lost(self, read):
        """Acknowledged writes whose value is not what the cluster holds now:
        for each key the last acknowledged value must be read back (a later
        unacknowledged write may have overwritten it with a newer value; that
        counts as not lost when the value read is newer). `read(key)` returns
        the current value (bytes/str/None). Returns the list of lost keys."""
        lost = []
        for k, (_, v) in self.last_acked().items():
            cur = read(k)
            if isinstance(cur, bytes):
                cur = cur.decode()
            if cur == v:
                continue
            if cur is not None and _counter(cur) >= _counter(v):
                continue  # a newer (unacknowledged) write landed
            lost.append((k, v, cur))
        return lost


def _counter(v):
    digits = "".join(ch for ch in v if ch.isdigit())
    return int(digits) if digits else -1
