# Test certificates made with the openssl CLI: a CA, a server certificate
# (CN "Server", IP SANs 127.0.0.1 and 127.0.0.11..16 for the multi-node
# tests), a client certificate, and optionally an encrypted copy of the server
# key; plus the client side (an SSLContext, redis-py keyword arguments) for
# them. Used by support/profile.py, test_tls.py and test_secrets.py;
# everything lands in `dest`.

import os
import ssl
import subprocess


def _run(args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_certs(dest, key_pass="secret"):
    """Returns a dict of paths: ca, ca_key, server_cert, server_key, client_cert,
    client_key, server_key_enc (encrypted with `key_pass`), dh (unset: none)."""
    os.makedirs(dest, exist_ok=True)
    p = {k: os.path.join(dest, v) for k, v in {
        "ca": "ca.crt", "ca_key": "ca.key", "server_cert": "server.crt",
        "server_key": "server.key", "client_cert": "client.crt", "client_key": "client.key",
        "server_key_enc": "server-enc.key", "other_ca": "other-ca.crt",
        "other_ca_key": "other-ca.key"}.items()}
    _run(["openssl", "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256",
          "-days", "2", "-subj", "/O=shoal test/CN=Certificate Authority",
          "-keyout", p["ca_key"], "-out", p["ca"]], dest)
    _run(["openssl", "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256",
          "-days", "2", "-subj", "/O=other/CN=Other Authority",
          "-keyout", p["other_ca_key"], "-out", p["other_ca"]], dest)
    ext = os.path.join(dest, "san.ext")
    sans = ",".join(["IP:127.0.0.1"] + [f"IP:127.0.0.{i}" for i in range(11, 17)] +
                    ["DNS:localhost"])
    with open(ext, "w") as f:
        f.write(f"subjectAltName={sans}\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth,clientAuth\n")
    for who, cn in (("server", "Server"), ("client", "Client")):
        key, cert, csr = p[f"{who}_key"], p[f"{who}_cert"], os.path.join(dest, f"{who}.csr")
        _run(["openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256",
              "-subj", f"/O=shoal test/CN={cn}", "-keyout", key, "-out", csr], dest)
        _run(["openssl", "x509", "-req", "-sha256", "-days", "2", "-in", csr, "-CA", p["ca"],
              "-CAkey", p["ca_key"], "-CAcreateserial", "-extfile", ext, "-out", cert], dest)
    _run(["openssl", "pkey", "-in", p["server_key"], "-aes256", "-passout", f"pass:{key_pass}",
          "-out", p["server_key_enc"]], dest)
    return p


def server_args(p, extra=()):
    """shoal/redis-server arguments for a TLS node with these certificates."""
    return ["--tls-cert-file", p["server_cert"], "--tls-key-file", p["server_key"],
            "--tls-ca-cert-file", p["ca"]] + list(extra)


def client_context(p, cert=True, ca=None, min_version=None, max_version=None):
    """A client SSLContext trusting `ca` (default: the test CA), presenting the
    client certificate when `cert`; hostnames are not checked (nodes are
    addressed by IP and share one certificate)."""
    ctx = ssl.create_default_context(cafile=ca or p["ca"])
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(p["client_cert"], p["client_key"])
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def redis_kwargs(p, password=None):
    """redis-py (Redis, RedisCluster) keyword arguments for a TLS connection with
    the client certificate, and AUTH with `password` when given."""
    kw = {"ssl": True, "ssl_ca_certs": p["ca"], "ssl_certfile": p["client_cert"],
          "ssl_keyfile": p["client_key"], "ssl_check_hostname": False}
    if password is not None:
        kw["password"] = password
    return kw
