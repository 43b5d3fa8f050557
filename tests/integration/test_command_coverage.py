# tests/integration/test_command_coverage.py — the README's command table is
# the output of scripts/command_coverage.py for the binary under test (read
# live from shoal's and redis-server's command tables), so it cannot drift.

import os
import subprocess

import pytest

from support import server as srv

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_readme_command_table_is_current():
    if srv.target_is_redis() or not srv.shoal_available():
        pytest.skip("needs the shoal binary")
    out = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "scripts", "command_coverage.py"),
                          "--check", os.path.join(REPO, "README.md")],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, SHOAL_BIN=srv.shoal_binary()))
    assert out.returncode == 0, out.stdout + out.stderr
