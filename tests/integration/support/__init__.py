# Helpers for the integration tests: free ports, server processes (shoal or
# redis-server), a raw RESP client and the differential-comparison rules.
# Imported by tests/integration/conftest.py and the test modules (pytest's main
# thread only).
