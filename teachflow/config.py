"""``tf.config``: process-wide settings, as TF 1.15 and 2.x spell them.

``tf.config.threading.set_intra_op_parallelism_threads(n)`` sets how many threads one big
kernel (a convolution over a batch) may use in every session that does not say otherwise in
its ``tf.ConfigProto``; 0 means automatic (the cores, or ``OMP_NUM_THREADS`` when set).
``tf.config.threading.describe()`` says what teachflow chose and why (see ``core/threads.py``).
"""
import types

from .core import threads as _threads

_inter_op = 0


def _set_inter_op_parallelism_threads(n):
    """Accepted and kept, as in TF: teachflow runs a plan's ops one after another."""
    global _inter_op
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"inter_op_parallelism_threads must be an int >= 0 (0: automatic), got {n!r}")
    _inter_op = n


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=_threads.set_intra_op_parallelism_threads,
    get_intra_op_parallelism_threads=_threads.get_intra_op_parallelism_threads,
    set_inter_op_parallelism_threads=_set_inter_op_parallelism_threads,
    get_inter_op_parallelism_threads=lambda: _inter_op,
    describe=_threads.describe,
)
