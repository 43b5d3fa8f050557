# tests/e2e/test_e2e.py
#
# pytest entry for the containers end to end (tests/e2e/run.sh): it installs
# and starts a Docker engine, so it only runs when asked, with SHOAL_E2E=1
# (CI sets it). SHOAL_E2E_PREBUILT=build/shoal puts that binary in the image
# instead of compiling it again in the Dockerfile's build stage. Takes about
# 1.5 min with the image cached, about 8-10 min on a fresh machine.

import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.mark.skipif(os.environ.get("SHOAL_E2E") != "1",
                    reason="set SHOAL_E2E=1 (needs root, apt, Docker)")
def test_compose_cluster_end_to_end():
    r = subprocess.run(["bash", os.path.join(ROOT, "tests", "e2e", "run.sh")], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=30 * 60)
    print(r.stdout)
    assert r.returncode == 0, r.stdout[-6000:]
