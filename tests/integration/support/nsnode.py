# Nodes that discover each other through the real resolver path.
#
# Each shoal runs in a private mount namespace where /etc/hosts is a file the
# test controls (one line per node address under one service name, like
# Docker's DNS answering a Compose service name) and /etc/nsswitch.conf says
# "hosts: files", so getaddrinfo() never leaves the machine. The hosts file is
# rewritten in place, so every node sees changes at once (bind mounts follow
# the inode).

import os
import tempfile

from .server import Server, shoal_binary

NSSWITCH = "hosts: files\n"


class HostsFile:
    def __init__(self, name, directory=None):
        self.name = name
        self.dir = directory or tempfile.mkdtemp(prefix="shoal-dns-")
        self.path = os.path.join(self.dir, "hosts")
        self.nsswitch = os.path.join(self.dir, "nsswitch.conf")
        with open(self.nsswitch, "w") as f:
            f.write(NSSWITCH)
        self.set([])

    def set(self, addresses):
        text = "127.0.0.1 localhost\n" + "".join(f"{a} {self.name}\n" for a in addresses)
        # In place (same inode), so the bind mounts see it.
        with open(self.path, "r+" if os.path.exists(self.path) else "w") as f:
            f.seek(0)
            f.write(text)
            f.truncate()


class NsNode(Server):
    """A shoal node whose resolver sees only `hosts` (a HostsFile)."""

    def __init__(self, hosts, args=(), **kw):
        args = list(args)
        if "--shoal-http-port" not in args:
            args += ["--shoal-http-port", "0"]
        super().__init__(shoal_binary(), args=args, with_bus=True, **kw)
        self.hosts = hosts

    @property
    def argv(self):
        inner = " ".join(_q(a) for a in super().argv)
        script = (f"mount --bind {_q(self.hosts.path)} /etc/hosts && "
                  f"mount --bind {_q(self.hosts.nsswitch)} /etc/nsswitch.conf && exec {inner}")
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]


def _q(s):
    s = str(s)
    return "'" + s.replace("'", "'\\''") + "'"
