# pytest set-up for tests/chaos: the rig's modules (rig.py, scenarios.py,
# soak.py) import each other by plain name, so this folder goes on sys.path.
# No fixtures: test_chaos.py builds and tears down its own rig.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
