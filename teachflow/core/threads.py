"""How teachflow uses the cores: one BLAS thread, and its own pool for the big kernels.

Why (measured by ``benchmarks/bench_busy.py --cause``): NumPy's BLAS (OpenBLAS) splits every
product over its thread pool, and its threads *wait actively*: a worker spins between products,
and the calling thread spins until every worker has finished its share. On a quiet machine that
costs only CPU time. On a busy one (a browser, a second notebook: one core taken) the worker that
the operating system has not scheduled holds up every product while the others spin, and a DNN
epoch took 7-20x its quiet time, against about 1.1x for TensorFlow, whose pool waits by sleeping.

So teachflow runs BLAS with **one thread** and parallelises only the kernels where it pays (a
convolution over a batch of images) itself: the batch is cut into chunks that the calling thread
and ``intra_op_parallelism_threads - 1`` pool threads take one at a time; an idle thread sleeps
on a lock, and a thread slowed down by another program simply takes fewer chunks.

The choice respects the user's:

* ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` / ``BLIS_NUM_THREADS``
  set in the environment: BLAS is left as configured, and that number is the default for
  ``intra_op_parallelism_threads``;
* a ``threadpoolctl`` limit (or any other change of BLAS's threads) made before teachflow's first
  session, or active while a session compiles a plan: left alone;
* ``tf.ConfigProto(intra_op_parallelism_threads=n)`` per session, and
  ``tf.config.threading.set_intra_op_parallelism_threads(n)`` for the process (0: automatic).

One level of parallelism only: when BLAS itself runs more than one thread, teachflow's pool runs
a single thread. Nothing here runs per ``sess.run``: the BLAS setting is made once per process
(at the first ``Session``) and a kernel learns its pool when its plan is compiled.
"""
import itertools
import os
import threading

ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
BLAS_THREADS = 1  # what teachflow sets BLAS to, unless the user chose

_lock = threading.Lock()
_intra_op = 0          # tf.config.threading.set_intra_op_parallelism_threads (0: automatic)
_blas = None           # threadpoolctl's BLAS controllers, found at the first session
_blas_initial = None   # BLAS threads when teachflow first looked (before any change of ours)
_blas_set = None       # what teachflow set BLAS to (None: it did not touch it)
_pools = {}            # threads -> _Pool

# How big work is cut for the pool (the cut depends on sizes only, never on the thread count,
# so results are the same bits on every machine and under any load):
PIECE_BYTES = 2 ** 20         # a piece's working set: about what one core's L2 cache holds
PARALLEL_MIN_FLOPS = 40e6     # smaller products are not cut for the threads (bench_busy.py --threshold)
PARALLEL_MIN_BYTES = 2 ** 21  # elementwise work on fewer bytes than this runs in one call
PIECES = 8                    # at least this many pieces of parallel work, for the threads to share


def cores():
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def env_threads():
    """The thread count the user set in the environment, or None."""
    for name in ENV_VARS:
        value = os.environ.get(name, "").split(",")[0].strip()
        if value:
            try:
                return max(1, int(value))
            except ValueError:
                pass
    return None


def _controllers():
    global _blas, _blas_initial
    if _blas is None:
        from threadpoolctl import ThreadpoolController
        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        _blas_initial = [c.get_num_threads() for c in _blas]
    return _blas


def blas_threads():
    """The most threads any loaded BLAS library uses now (1 when there is none)."""
    return max([c.get_num_threads() or 1 for c in _controllers()], default=1)


def apply_blas_policy():
    """Set BLAS to ``BLAS_THREADS`` once, unless the user chose (environment, outer limit).

    Called when a Session is created; later calls only look (a few µs)."""
    global _blas_set
    with _lock:
        libs = _controllers()
        if _blas_set is not None or env_threads() is not None or not libs:
            return
        if [c.get_num_threads() for c in libs] != _blas_initial:
            return  # limited by the user since teachflow first looked: theirs to decide
        for c in libs:
            c.set_num_threads(BLAS_THREADS)
        _blas_set = BLAS_THREADS


def set_intra_op_parallelism_threads(n):
    """Threads for one kernel (0: automatic, the cores or the environment's setting)."""
    global _intra_op
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"intra_op_parallelism_threads must be an int >= 0 (0: automatic), got {n!r}")
    _intra_op = n


def get_intra_op_parallelism_threads():
    """The process-wide setting (0: automatic)."""
    return _intra_op


def intra_op_threads(config=None):
    """Threads a kernel may use: ``config``'s setting, else the process's, else automatic."""
    n = getattr(config, "intra_op_parallelism_threads", 0) or _intra_op
    if n <= 0:
        n = env_threads() or cores()
    return max(1, int(n))


def pool_for(session):
    """The pool a session's kernels run their chunks on (bound when a plan is compiled)."""
    n = intra_op_threads(getattr(session, "config", None))
    if n > 1 and blas_threads() > 1:
        n = 1  # BLAS already runs several threads per product: do not multiply them
    with _lock:
        pool = _pools.get(n)
        if pool is None:
            pool = _pools[n] = _Pool(n)
    return pool


def describe(session=None):
    """One line: who runs how many threads, and why."""
    pool = pool_for(session)
    libs = _controllers()
    if not libs:
        blas = "no BLAS library found"
    elif _blas_set is not None:
        blas = f"BLAS {blas_threads()} thread(s), set by teachflow"
    elif env_threads() is not None:
        blas = f"BLAS {blas_threads()} thread(s), as set in the environment"
    else:
        blas = f"BLAS {blas_threads()} thread(s), not changed by teachflow (no session yet or user limit)"
    from . import memory
    mem = memory.describe()
    return (f"{blas}; big kernels on {pool.threads} thread(s) ({cores()} cores)"
            + (f"; {mem}" if mem else ""))


def pieces(n, nbytes, flops=0, piece_bytes=None):
    """Cut ``n`` rows (images, elements) into ``[(start, stop), ...]``: pieces of about
    ``PIECE_BYTES`` (a piece stays in the cache between being written and being used), and,
    when the work is big enough to pay for a thread hand-over (``flops >= PARALLEL_MIN_FLOPS``
    for a product, ``nbytes >= PARALLEL_MIN_BYTES`` for elementwise work, pass ``flops=None``),
    at least ``PIECES`` of them, so each of the pool's threads takes a few (a thread slowed down
    by another program simply takes fewer). Depends on the sizes only, never on the threads.
    ``piece_bytes``: another piece size, for a kernel that measured better with one."""
    k = -(-nbytes // (piece_bytes or PIECE_BYTES))
    big = nbytes >= PARALLEL_MIN_BYTES if flops is None else flops >= PARALLEL_MIN_FLOPS
    if big:
        k = max(k, PIECES)
    k = max(1, min(n, k))
    return [(n * i // k, n * (i + 1) // k) for i in range(k)]


def split(pool, fn, n, nbytes, flops=None):
    """``fn(start, stop)`` over ``pieces(n, nbytes, flops)`` on ``pool`` (in one call when the
    work is small): the way an elementwise kernel uses both cores on big arrays, e.g.
    ``split(pool, lambda a, b: np.maximum(x[a:b], 0, out=out[a:b]), len(x), x.nbytes)``."""
    parts = pieces(n, nbytes, flops)
    if len(parts) == 1:
        fn(0, n)
        return
    pool.run(lambda i: fn(*parts[i]), len(parts))


class _Pool:
    """``run(fn, n)`` calls ``fn(0) ... fn(n - 1)`` on ``threads`` threads, the caller included.

    Each thread takes the next index until none is left, so a thread that the system runs less
    often takes fewer. Idle pool threads sleep (they never spin). Work items must be independent.
    """

    def __init__(self, threads):
        self.threads = threads
        self._executor = None

    def run(self, fn, n):
        if self.threads == 1 or n == 1:
            for i in range(n):
                fn(i)
            return
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor
            self._executor = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="teachflow")
        counter = itertools.count()  # next() on it is atomic under the GIL

        def drain():
            for i in counter:
                if i >= n:
                    return
                fn(i)
        helpers = [self._executor.submit(drain) for _ in range(min(self.threads, n) - 1)]
        try:
            drain()
        finally:
            for h in helpers:
                h.result()
