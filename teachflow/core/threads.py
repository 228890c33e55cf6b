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
import collections
import os
import threading
import weakref

ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
BLAS_THREADS = 1  # what teachflow sets BLAS to, unless the user chose

_lock = threading.Lock()
_intra_op = 0          # tf.config.threading.set_intra_op_parallelism_threads (0: automatic)
_inter_op = 0          # tf.config.threading.set_inter_op_parallelism_threads (0: automatic)
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


def _setting(name, n):
    """``n`` checked as a thread setting (an int >= 0, 0: automatic)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"{name} must be an int >= 0 (0: automatic), got {n!r}")
    return n


def set_intra_op_parallelism_threads(n):
    """Threads for one kernel (0: automatic, the cores or the environment's setting)."""
    global _intra_op
    _intra_op = _setting("intra_op_parallelism_threads", n)


def get_intra_op_parallelism_threads():
    """The process-wide setting (0: automatic)."""
    return _intra_op


def set_inter_op_parallelism_threads(n):
    """How many big independent ops of a plan may run at once (0: automatic; 1: one after another)."""
    global _inter_op
    _inter_op = _setting("inter_op_parallelism_threads", n)


def get_inter_op_parallelism_threads():
    """The process-wide setting (0: automatic)."""
    return _inter_op


def inter_op_threads(config=None):
    """Ops of a plan run at once: ``config``'s setting, else the process's (0: automatic)."""
    return getattr(config, "inter_op_parallelism_threads", 0) or _inter_op


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


class _Job:
    """``run(fn, n)``'s items: the next index to take, how many are finished, the first error."""

    __slots__ = ("fn", "n", "taken", "done", "error")

    def __init__(self, fn, n):
        self.fn, self.n, self.taken, self.done, self.error = fn, n, 0, 0, None


class _Pool:
    """``run(fn, n)`` calls ``fn(0) ... fn(n - 1)`` on ``threads`` threads, the caller included;
    ``together(thunks)`` calls a few independent functions at once (the plan's independent ops).

    Each thread takes the next index of the oldest job with items left until none is left, so a
    thread that the system runs less often takes fewer. A thread that has taken every item of its
    own job and waits for the others' last ones *helps*: it takes items of any other job (the
    pieces of a kernel running beside it), so nested use (a kernel that cuts its work into pieces,
    run by ``together`` on a pool thread) neither deadlocks nor idles -- a thread only ever waits
    for items that another thread has already started. Idle threads sleep on a condition (they
    never spin or poll); one lock guards the queue, taken twice per item (items are 0.1 ms and up).
    Work items must be independent. With ``threads=1`` everything runs in order on the caller.
    """

    def __init__(self, threads):
        self.threads = threads
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)     # pool threads: items were queued
        self._waiters = threading.Condition(self._lock)  # run/together callers: an item finished or was queued
        self._queue = collections.deque()  # jobs with items left to take, oldest first
        self._workers = []                 # the pool's threads (started when first needed)
        _all_pools.add(self)

    def run(self, fn, n):
        if self.threads == 1 or n <= 1:
            for i in range(n):
                fn(i)
            return
        job = _Job(fn, n)
        with self._lock:
            if len(self._workers) < self.threads - 1:
                self._start_threads()
            self._queue.append(job)
            self._work.notify(n - 1)
            self._waiters.notify_all()
        try:
            while True:  # the caller's share: items of its own job while there are any
                with self._lock:
                    i = self._take(job)
                if i is None:
                    break
                self._do(job, i)
        finally:
            self._wait(job)
        if job.error is not None:
            raise job.error[1]

    def together(self, thunks):
        """``[t() for t in thunks]``, the calls run at the same time on the pool's threads (the
        caller takes the first); every call runs, and the first error in order is raised."""
        thunks = list(thunks)
        results, failures = [None] * len(thunks), [None] * len(thunks)

        def call(i):
            try:
                results[i] = thunks[i]()
            except BaseException as e:  # noqa: B902 -- raised below, in order
                failures[i] = e
        self.run(call, len(thunks))
        for e in failures:
            if e is not None:
                raise e
        return results

    # ----- the queue (every method named _take/_next runs with the lock held)
    def _take(self, job):
        """The next index of ``job``, or None when every item is taken."""
        i = job.taken
        if i >= job.n:
            return None
        job.taken = i + 1
        if i + 1 == job.n:
            self._queue.remove(job)
        return i

    def _next(self):
        """(job, index) of the oldest queued item, or None."""
        while self._queue:
            job = self._queue[0]
            i = self._take(job)
            if i is not None:
                return job, i
        return None

    def _do(self, job, i):
        """Run item ``i`` of ``job`` (without the lock) and count it finished; after an error
        the job's items not yet taken are dropped."""
        try:
            job.fn(i)
        except BaseException as e:  # noqa: B902 -- the caller of run() raises it
            with self._lock:
                if job.error is None or i < job.error[0]:
                    job.error = (i, e)
                if job.taken < job.n:  # take no more of them
                    job.done += job.n - job.taken
                    job.taken = job.n
                    self._queue.remove(job)
                job.done += 1
                self._waiters.notify_all()
            return
        with self._lock:
            job.done += 1
            if job.done == job.n:
                self._waiters.notify_all()

    def _wait(self, job):
        """Until every item of ``job`` is finished (all are taken: the others run elsewhere),
        helping with other jobs' queued items meanwhile; sleeps when there are none."""
        with self._lock:
            self._take_items(lambda: job.done >= job.n, self._waiters)

    def _take_items(self, finished, sleep_on):
        """With the lock held: run queued items (of any job) until ``finished()``, sleeping on
        the condition ``sleep_on`` when the queue is empty (the lock is let go while an item runs)."""
        while not finished():
            item = self._next()
            if item is None:
                sleep_on.wait()
                continue
            self._lock.release()
            try:
                self._do(*item)
            finally:
                self._lock.acquire()

    def _start_threads(self):
        while len(self._workers) < self.threads - 1:
            t = threading.Thread(target=self._serve, name=f"teachflow-{len(self._workers) + 1}", daemon=True)
            self._workers.append(t)
            t.start()

    def _serve(self):
        """A pool thread: take queued items, sleep when there are none."""
        with self._lock:
            self._take_items(lambda: False, self._work)

    def _after_fork(self):
        """In a child process the pool threads are gone: start new ones when needed."""
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._waiters = threading.Condition(self._lock)
        self._queue = collections.deque()
        self._workers = []


_all_pools = weakref.WeakSet()  # every _Pool, for a forked child to start its threads anew
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: [p._after_fork() for p in list(_all_pools)])
