"""Resource limits for bad-input cases, so a regression fails the test instead of hanging CI.

* ``time_limit(seconds)``: a ``with`` block interrupted by SIGALRM (a TimeoutError) when it
  runs too long: enough for pure-Python loops such as a simulator that never returns.
* ``run_limited(code)``: Python source run in a fresh interpreter under ``setrlimit`` (address
  space and CPU seconds) and a wall-clock timeout: for memory bombs, whose allocation would
  take the test process (and the machine) down with them.
"""
import contextlib
import os
import resource
import signal
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextlib.contextmanager
def time_limit(seconds):
    def alarm(signum, frame):
        raise TimeoutError(f"the case ran longer than {seconds} s (a hang regression)")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_limited(code, memory_mb=1500, cpu_seconds=60, timeout=90, cwd=None):
    """Run ``code`` (Python source) with teachflow importable, under the limits; returns the
    CompletedProcess (``stdout``/``stderr`` as text)."""
    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2 ** 20, memory_mb * 2 ** 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limits, env=env, cwd=cwd)
