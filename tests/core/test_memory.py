"""core/memory.py: big arrays reuse freed memory after the first Session (glibc), unless the
user chose otherwise. Each case runs in a fresh interpreter: the policy is made once per process."""
import json
import os
import subprocess
import sys

import pytest

from teachflow.core import memory

PROBE = r"""
import json, resource
import numpy as np
import teachflow as tf
from teachflow.core import memory
tf.Session()
def step():  # as a training step does: eight 10 MB arrays alive at once, then all freed
    keep = [np.ones(10 * 2 ** 20 // 8) for _ in range(8)]
    del keep
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"faults": faults, "state": memory.describe(), "threads": tf.config.threading.describe()}))
"""

glibc = pytest.mark.skipif(memory._glibc() is None, reason="the policy applies to glibc only")


def _probe(**env):
    clean = {k: v for k, v in os.environ.items() if k not in memory.USER_VARS + ("TEACHFLOW_MALLOC",)}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True,
                         text=True, check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    return json.loads(out.stdout.strip().splitlines()[-1])


@glibc
def test_after_a_session_a_big_array_made_again_takes_no_new_pages():
    got = _probe()
    # 10 MB is 2,560 pages: 40 fresh arrays would fault about 100,000 times
    assert got["faults"] < 1000, got
    assert "set by teachflow" in got["state"]
    assert got["state"] in got["threads"]  # tf.config.threading.describe() says it too


@glibc
@pytest.mark.parametrize("env", [{"TEACHFLOW_MALLOC": "system"}, {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_the_users_choice_is_left_alone(env):
    got = _probe(**env)
    assert "left as" in got["state"]
    assert got["faults"] > 10000, got  # the freed memory went back: each step faults its pages in again


def test_a_second_call_only_looks():
    first = memory.apply_malloc_policy()
    assert memory.apply_malloc_policy() == first == memory.describe()
