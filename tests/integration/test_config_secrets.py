# CONFIG GET and secrets (issue 10): "secrets never appear ... in CONFIG GET
# output that users can see". By default shoal answers a secret parameter
# (requirepass, masterauth, the TLS key passwords) with "(redacted)";
# `shoal-config-get-secrets yes`, set only at start, gives Redis 7.0's
# behaviour (the value), checked against redis-server.

import redis

from support.server import NO_PERSISTENCE, make_shoal

PW = "s3cret-Pa55"


def _client(server, password=PW):
    return redis.Redis(host=server.host, port=server.port, password=password,
                       decode_responses=True)


def test_config_get_redacts_secrets_by_default(shoal_factory):
    n = shoal_factory(NO_PERSISTENCE + ["--requirepass", PW, "--masterauth", "other-" + PW])
    r = _client(n)
    assert r.config_get("requirepass") == {"requirepass": "(redacted)"}
    assert r.config_get("masterauth") == {"masterauth": "(redacted)"}
    # Unset secrets stay empty, so a client can still tell none is set.
    assert r.config_get("tls-key-file-pass") == {"tls-key-file-pass": ""}
    everything = r.config_get("*")
    assert everything["requirepass"] == "(redacted)"
    for k, v in everything.items():
        assert PW not in v, (k, v)
    # The switch cannot be flipped by a client allowed CONFIG SET.
    try:
        r.config_set("shoal-config-get-secrets", "yes")
        raise AssertionError("CONFIG SET shoal-config-get-secrets succeeded")
    except redis.ResponseError as e:
        assert "can't set immutable config" in str(e)
    # A secret set at runtime is hidden too, and it works.
    r.config_set("requirepass", "new-" + PW)
    assert _client(n, "new-" + PW).config_get("requirepass") == {"requirepass": "(redacted)"}
    r.close()


def test_config_rewrite_keeps_the_real_secret(tmp_path):
    """Redaction is for clients only: CONFIG REWRITE writes the real values,
    and a node restarted from the rewritten file takes the same password."""
    conf = tmp_path / "shoal.conf"
    conf.write_text(f"requirepass {PW}\n")
    for _ in range(2):
        srv = make_shoal(["--config", str(conf)] + NO_PERSISTENCE, dir=str(tmp_path / "d"))
        with srv:
            r = _client(srv)
            assert r.config_get("requirepass") == {"requirepass": "(redacted)"}
            r.config_set("masterauth", "m-" + PW)
            assert r.config_rewrite()
            r.close()
        text = conf.read_text()
        assert "(redacted)" not in text
        assert f"masterauth \"m-{PW}\"" in text  # quoted, as redis-server writes it


def test_opt_in_gives_redis_behaviour(shoal_factory, redis_factory):
    n = shoal_factory(NO_PERSISTENCE + ["--requirepass", PW, "--shoal-config-get-secrets", "yes"])
    o = redis_factory(NO_PERSISTENCE + ["--requirepass", PW])
    for name in ("requirepass", "masterauth", "tls-key-file-pass"):
        assert _client(n).config_get(name) == _client(o).config_get(name), name
    assert _client(n).config_get("requirepass") == {"requirepass": PW}
