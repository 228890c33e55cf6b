"""How big arrays are allocated: keep freed memory for the next training step.

Why (measured by ``benchmarks/bench_busy.py --memory``): a training step makes the same big
arrays every time (a CNN's activations and gradients: 5-20 MB each), and frees them at the end
of the step. The C library's ``malloc`` (glibc on Linux) gives arrays above a threshold their
own pages from the operating system and returns them when they are freed, so every step the
kernel hands out fresh pages again and the first write to each one faults: about a thousand page
faults and 4-10 ms of system time per CNN step on this 2-core machine (a fifth of the step).

So, on glibc, teachflow raises two of malloc's thresholds once, at the first ``Session``:
arrays up to ``MMAP_THRESHOLD`` (32 MB, glibc's own upper bound for the threshold it adapts
by itself) come from the heap, and up to ``TRIM_THRESHOLD`` (256 MB) of freed heap is kept
for reuse instead of being returned at once. The pages of the last step are then reused,
already mapped and often still in the cache. The cost: the process keeps up to
``TRIM_THRESHOLD`` of memory it no longer uses. Bigger arrays still get their own pages.

The user's choice wins: glibc's own ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` /
``GLIBC_TUNABLES`` in the environment, or ``TEACHFLOW_MALLOC=system`` (leave malloc as it is),
and nothing is done where the C library is not glibc.
"""
import ctypes
import ctypes.util
import os
import threading

MMAP_THRESHOLD = 32 * 2 ** 20
TRIM_THRESHOLD = 256 * 2 ** 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameter numbers (malloc.h)
USER_VARS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")

_lock = threading.Lock()
_state = None  # None: not looked yet; else the one-line reason describe() gives


def _glibc():
    """glibc's ``mallopt``, or None on another C library (musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()  # only glibc has it
        return libc.mallopt
    except (OSError, AttributeError):
        return None


def apply_malloc_policy():
    """Raise malloc's thresholds once per process (see the module's docstring); later calls
    only look. Returns the one-line description of what was done."""
    global _state
    with _lock:
        if _state is not None:
            return _state
        if os.environ.get("TEACHFLOW_MALLOC", "").strip().lower() == "system":
            _state = "malloc left as it is (TEACHFLOW_MALLOC=system)"
        elif any(os.environ.get(v) for v in USER_VARS):
            _state = "malloc left as set in the environment"
        else:
            mallopt = _glibc()
            if mallopt is None:
                _state = "malloc left as it is (not glibc)"
            elif mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD):
                _state = (f"arrays up to {MMAP_THRESHOLD >> 20} MB reuse freed memory "
                          f"(up to {TRIM_THRESHOLD >> 20} MB kept), set by teachflow")
            else:
                _state = "malloc left as it is (glibc refused the thresholds)"
        return _state


def describe():
    """What the allocation policy is (None before the first session)."""
    return _state
