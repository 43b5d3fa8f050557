# Polling helper shared by the integration tests (was copied into test_acl,
# test_failover and test_replication). Main test thread only.

import time


def wait_until(pred, timeout=20.0, step=0.05, what="condition", errors=None):
    """Calls `pred` every `step` seconds until it returns a true value, which is
    returned. An exception in `errors` (default: redis-py's ConnectionError and
    TimeoutError - a node restarting, failing over) counts as "not yet"; other
    exceptions propagate. Raises AssertionError naming `what` and the last
    result after `timeout` seconds."""
    import redis
    if errors is None:
        errors = (redis.ConnectionError, redis.TimeoutError)
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = pred()
            if last:
                return last
        except errors as e:
            last = e
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def any_error():
    """`errors` for wait_until that also waits through error replies and
    socket errors (nodes still forming, a password not set yet)."""
    import redis
    return (redis.RedisError, OSError)
