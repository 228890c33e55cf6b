"""``tf.config``: process-wide settings, as TF 1.15 and 2.x spell them.

``tf.config.threading.set_intra_op_parallelism_threads(n)`` sets how many threads one big
kernel (a convolution over a batch) may use in every session that does not say otherwise in
its ``tf.ConfigProto``; 0 means automatic (the cores, or ``OMP_NUM_THREADS`` when set).
``set_inter_op_parallelism_threads(n)``: how many independent big ops of a run plan may run at
the same time (0: automatic; 1: one after another).
``tf.config.threading.describe()`` says what teachflow chose and why (see ``core/threads.py``).
"""
import types

from .core import threads as _threads

threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=_threads.set_intra_op_parallelism_threads,
    get_intra_op_parallelism_threads=_threads.get_intra_op_parallelism_threads,
    set_inter_op_parallelism_threads=_threads.set_inter_op_parallelism_threads,
    get_inter_op_parallelism_threads=_threads.get_inter_op_parallelism_threads,
    describe=_threads.describe,
)
