"""Asynchronous data parallelism: no barrier. Each worker loops on its own: pull the current
parameters (version v), compute a gradient on its minibatch, push it; the server applies it at
once: ``params ← params − lr_τ · g``. Meanwhile others have updated, so the gradient is *stale*:
``staleness τ = (version when applied) − v``. Workers are never idle (throughput ``Σ 1/m_i``) but
gradients come from old parameters (with N equal workers and free communication τ ≈ N − 1) and
the loss jitters.

* ``Asynchronous(staleness_aware=False)``: ``lr_τ = lr``. With ``staleness_aware=True``,
  ``lr_τ = lr / max(1, τ)`` (Zhang, Gupta, Lian & Liu, "Staleness-aware Async-SGD", IJCAI 2016:
  divide the step by the gradient's staleness; a fresh gradient keeps the full step).
* ``BoundedStaleness(bound=s)`` (stale synchronous parallel, SSP; Ho et al., NIPS 2013): as
  above, but a worker that has finished k gradients may start its next one only when every
  worker has had at least ``k − s`` gradients applied; otherwise it ``wait``s. While a worker
  computes, each other worker applies at most 2s + 1 gradients, so staleness is at most
  ``(N − 1)·(2s + 1)``. s = 0 is lock-step:
  exactly synchronous SGD when ``lr`` is divided by the number of workers (each gradient is
  applied on its own with ``lr``, the synchronous step averages N of them); a huge s is
  asynchronous.

The K-async family (Dutta, Wang & Joshi, "Slow and Stale Gradients Can Win the Race",
AISTATS 2018) sits between synchronous and asynchronous SGD. The server averages K gradients
into one update ``params ← params − lr · mean(K gradients)``; nobody is interrupted:

* ``KAsync(k)``: the server waits for gradients from K *distinct* learners. A learner that has
  pushed waits for the update, then pulls the new parameters; the others keep computing on
  their stale copies and their gradients count towards the next update. With i.i.d.
  exponential times (free network) the time per update is that of K-sync,
  ``E[X_{K:P}] = m·(H_P − H_{P−K})`` (memoryless: the stale learners' remaining times are
  fresh exponentials); with shifted exponential times the stale learners have already served
  part of their fixed shift, so it is faster: between ``K·E[X]/P`` (nobody ever idle) and
  ``Δ + m·(H_P − H_{P−K})`` (K-sync). K = P is synchronous SGD.
* ``KBatchAsync(k)``: the server averages *any* K gradients as they arrive (several may come
  from one fast learner); every learner pulls again right after pushing, so nobody waits and
  the time per update is ``K / Σ 1/(m_i + 2L)`` (``K·m/P`` for P i.i.d. learners) for any
  law. K = 1 is asynchronous SGD.

Only a parameter server can serve asynchronous workers: collectives (``RingAllReduce``,
``ColocatedShards``) are refused.
"""
import heapq
from numbers import Integral

from ..core.i18n import N_
from .clock import EventQueue
from .devices import Exponential, ShiftedExponential
from .events import Event
from .runner import Strategy, mean_of
from .theory import Theory, common_law, gradient_rate, kth_fastest

_PULLED, _COMPUTED, _PUSHED = 0, 1, 2


class Asynchronous(Strategy):
    """Asynchronous SGD (Hogwild-style through a parameter server)."""

    key = "async"
    aliases = ("asynchronous",)
    title = "async"
    color = "#D1495B"
    help = N_("asynchronous: every gradient is applied as soon as it arrives")
    order = 2
    bound = None

    def __init__(self, staleness_aware=False):
        self.staleness_aware = bool(staleness_aware)
        self.name = "async" + (" (staleness-aware lr)" if staleness_aware else "")

    @classmethod
    def from_options(cls, staleness_aware=False, **_):
        return cls(staleness_aware=staleness_aware)

    def events_per_update(self, workers):
        return 4  # one gradient per update: its pull, compute, push and apply

    def check(self, run):
        run.network.require_server("asynchronous strategies")

    def race_lr(self, lr, workers, async_lr=None):
        return lr / workers if async_lr is None else float(async_lr)

    def pushes_per_update(self, workers):
        return 1

    def theory(self, cluster):
        """Nobody waits: ``Σ 1/(m_i + 2L)`` updates per second (renewal, any law); with i.i.d.
        exponential times and a free network the staleness is geometric with mean N − 1."""
        out = {}
        L = cluster.network.fixed_message_time()
        if L is None:
            return out
        devs = cluster.devices
        rate, formula = gradient_rate(cluster, L)
        out["time_per_update"] = Theory(1 / rate, f"1/{formula}")
        out["updates_per_second"] = Theory(rate, formula)
        out["gradients_per_second"] = Theory(rate, formula)
        out["idle_fraction"] = Theory(1 - sum(d.mean_time / (d.mean_time + 2 * L) for d in devs) / len(devs),
                                      "0" if not L else "mean of 2L/(m_i + 2L)")
        law = common_law(cluster)
        if law is not None and isinstance(law, Exponential) and L == 0:
            out["mean_staleness"] = Theory(len(devs) - 1.0, "N − 1")
        return out

    def simulate(self, run):
        _AsyncLoop(run, self.bound, self.staleness_aware).run()


class BoundedStaleness(Asynchronous):
    """Stale synchronous parallel: asynchronous, but no worker runs more than ``bound``
    gradients ahead of the slowest."""

    key = "ssp"
    aliases = ("bounded", "bounded_staleness")
    title = "ssp"
    color = "#E39B1B"
    help = N_("bounded staleness (SSP): asynchronous, but nobody runs too far ahead")
    order = 3

    def __init__(self, bound, staleness_aware=False):
        if not isinstance(bound, Integral) or isinstance(bound, bool) or bound < 0:
            raise ValueError(f"bound must be an integer s >= 0 (how many gradients a worker may "
                             f"run ahead of the slowest), got {bound!r}")
        super().__init__(staleness_aware)
        self.bound = int(bound)
        self.name = f"SSP (s={self.bound})" + (" (staleness-aware lr)" if staleness_aware else "")

    @classmethod
    def from_options(cls, bound=None, staleness_aware=False, **_):
        if bound is None:
            raise ValueError("bound: the 'ssp' strategy needs bound=s (an integer >= 0)")
        return cls(bound, staleness_aware=staleness_aware)

    def theory(self, cluster):
        return {}      # no closed form: between synchronous and asynchronous


class KAsync(Strategy):
    """K-async SGD: each update averages gradients from K distinct learners; the others keep
    computing on stale parameters (see the module docstring)."""

    key = "k_async"
    aliases = ("kasync", "k_async_sgd")
    title = "K-async"
    color = "#8C564B"
    help = N_("K-async: average the first K learners' gradients; the others keep computing")
    barrier = True
    order = 5
    distinct = True

    def __init__(self, k):
        if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer (gradients averaged per update), "
                             f"got {k!r}")
        self.k = int(k)
        self.name = f"{self.title} (K={self.k})"

    @classmethod
    def from_options(cls, k=None, **_):
        if k is None:
            raise ValueError(f"k: the {cls.key!r} strategy needs k=K (gradients averaged per "
                             f"update, 1..workers)")
        return cls(k)

    def check(self, run):
        if self.k > run.n:
            raise ValueError(f"k must be in [1, workers] = [1, {run.n}] (gradients averaged per "
                             f"update), got k={self.k}")
        run.network.require_server(f"{self.title} strategies")

    def race_lr(self, lr, workers, async_lr=None):
        per_gradient = lr / workers if async_lr is None else float(async_lr)
        return per_gradient * self.k

    def pushes_per_update(self, workers):
        return self.k

    def events_per_update(self, workers):
        return 4 * self.k + 1  # K gradients (pull, compute, push, wait), then one apply

    def theory(self, cluster):
        """Free network, i.i.d. times: exponential ``m·(H_P − H_{P−K})`` (= K-sync); shifted
        exponential: only bounds, ``K·E[X]/P ≤ T ≤ Δ + m·(H_P − H_{P−K})``."""
        out = {}
        law = common_law(cluster)
        if cluster.network.fixed_message_time() != 0 or law is None:
            return out
        n, k = cluster.size, self.k
        closed = kth_fastest(law, k, n)
        if closed is None:
            return out
        step, formula = closed
        if isinstance(law, Exponential):
            out["time_per_update"] = Theory(step, formula)
            out["updates_per_second"] = Theory(1 / step, f"1/({formula})")
            out["gradients_per_second"] = Theory(k / step, f"{k}/({formula})")
        elif isinstance(law, ShiftedExponential):
            out["time_per_update_upper_bound"] = Theory(step, formula)
            out["time_per_update_lower_bound"] = Theory(k * law.mean / n, "K·E[X]/P")
        return out

    def simulate(self, run):
        _KLoop(run, self.k, self.distinct).run()


class KBatchAsync(KAsync):
    """K-batch-async SGD: each update averages any K gradients as they arrive; every learner
    pulls again right after pushing (see the module docstring)."""

    key = "k_batch_async"
    aliases = ("kbatch", "k_batch", "kbatchasync")
    title = "K-batch-async"
    color = "#17BECF"
    help = N_("K-batch-async: average any K gradients as they arrive; nobody waits")
    barrier = False
    order = 6
    distinct = False

    def theory(self, cluster):
        """Nobody waits, so gradients arrive at ``Σ 1/(m_i + 2L)`` (renewal, any law) and an
        update takes ``K / Σ 1/(m_i + 2L)``: ``K·m/P`` for P i.i.d. learners."""
        out = {}
        L = cluster.network.fixed_message_time()
        if L is None:
            return out
        k, n = self.k, cluster.size
        rate, formula = gradient_rate(cluster, L)
        step_formula = f"K/{formula}"
        if common_law(cluster) is not None and L == 0:
            step_formula = "K·m/P"
        out["time_per_update"] = Theory(k / rate, step_formula)
        out["updates_per_second"] = Theory(rate / k, f"({formula})/K")
        out["gradients_per_second"] = Theory(rate, formula)
        devs = cluster.devices
        out["idle_fraction"] = Theory(1 - sum(d.mean_time / (d.mean_time + 2 * L) for d in devs) / n,
                                      "0" if not L else "mean of 2L/(m_i + 2L)")
        return out


class _AsyncLoop:
    """The event loop: a heap of (time, what, worker) wake-ups; zero-length steps run inline."""

    def __init__(self, run, bound, aware):
        self.run_, self.bound, self.aware = run, bound, aware
        n = run.n
        self.egress, self.ingress = run.network.links()
        self.q = EventQueue()
        self.snap_v, self.snap_p, self.batch = [0] * n, [None] * n, [None] * n
        self.applied = [0] * n
        self.current = [None] * n        # log index of each worker's unfinished event
        self.at = {0: n}                 # SSP: how many workers have c gradients applied
        self.min_applied = 0
        self.blocked = []                # SSP: heap of (needed min_applied, worker, since)

    def run(self):
        run, q = self.run_, self.q
        self.pull_all(range(run.n), 0.0)
        until = run.until
        while q:
            t, (what, w) = q.pop()
            if t > until:
                run.end_time = until
                break
            if what == _PULLED:
                self.start_compute(w, t)
            elif what == _COMPUTED:
                if self.start_push(w, t):
                    break
            elif self.apply(w, t):
                break
        self.finish(run.end_time)

    def pull_all(self, workers, t):
        """Start the pulls of several workers released at the same time ``t``, in a fresh
        seeded random order (``Run.step_order``): a queueing server favours no index."""
        workers = list(workers)
        if len(workers) > 1:
            pos = {w: i for i, w in enumerate(self.run_.step_order())}
            workers.sort(key=pos.__getitem__)
        for w in workers:
            self.start_pull(w, t)

    def start_pull(self, w, t):
        run = self.run_
        v = run.server.version
        self.snap_v[w], self.snap_p[w] = v, run.server.params
        self.batch[w] = run.next_batch(w)
        pe = self.egress.send(t, run.nbytes)
        if pe > t:
            run.log.append(Event(w, "pull", t, pe, v))
            self.current[w] = len(run.log) - 1
            self.q.push(pe, (_PULLED, w))
        else:
            self.start_compute(w, t)

    def start_compute(self, w, t):
        run = self.run_
        c = t + next(run.times[w])
        run.log.append(Event(w, "compute", t, c, self.snap_v[w]))
        self.current[w] = len(run.log) - 1
        self.q.push(c, (_COMPUTED, w))

    def start_push(self, w, t):
        run = self.run_
        a = self.ingress.send(t, run.nbytes)
        if a > t:
            run.log.append(Event(w, "push", t, a, self.snap_v[w]))
            self.current[w] = len(run.log) - 1
            self.q.push(a, (_PUSHED, w))
            return False
        return self.apply(w, t)

    def apply(self, w, t):
        """The server applies worker w's gradient at time t. Returns True when the run stops."""
        run = self.run_
        server = run.server
        v = self.snap_v[w]
        staleness = server.version - v
        grad, loss = run.gradient(self.snap_p[w], self.batch[w])
        lr = run.lr / max(1, staleness) if self.aware else run.lr
        server.apply(grad, lr)
        run.log.append(Event("ps", "apply", t, t, v, server.version, staleness))
        self.current[w], self.snap_p[w] = None, None
        if run.updated(t, 1, (loss,)):
            return True
        if self.bound is None:
            self.start_pull(w, t)
            return False
        # SSP: count the applied gradient, then let every worker that may go on pull
        c = self.applied[w]
        self.applied[w] = c + 1
        self.at[c] -= 1
        self.at[c + 1] = self.at.get(c + 1, 0) + 1
        while self.at.get(self.min_applied, 0) == 0:
            del self.at[self.min_applied]
            self.min_applied += 1
        heapq.heappush(self.blocked, (c + 1 - self.bound, w, t))
        released = []
        while self.blocked and self.blocked[0][0] <= self.min_applied:
            _, u, since = heapq.heappop(self.blocked)
            if t > since:
                run.log.append(Event(u, "wait", since, t))
            released.append(u)
        self.pull_all(released, t)
        return False

    def finish(self, t_end):
        """Cut work in flight at the end of the run (cut off, not dropped: the strategy did not
        throw it away); close open waits."""
        log = self.run_.log
        empty = set()
        for i in self.current:
            if i is not None and log[i].end > t_end:
                if log[i].start >= t_end:
                    empty.add(i)
                else:
                    log[i] = log[i]._replace(end=t_end)
        if empty:
            log[:] = [e for i, e in enumerate(log) if i not in empty]
        for _, u, since in sorted(self.blocked, key=lambda b: b[1]):
            if t_end > since:
                log.append(Event(u, "wait", since, t_end))


class _KLoop(_AsyncLoop):
    """The asynchronous event loop, with the server collecting K gradients per update. With
    ``distinct`` (K-async) a learner that pushed waits for the update; otherwise (K-batch-async)
    it pulls again at once."""

    def __init__(self, run, k, distinct):
        super().__init__(run, None, False)
        self.k, self.distinct = k, distinct
        self.buffer = []       # (worker, version read, gradient, loss) since the last update
        self.waiting = []      # K-async: (worker, since) learners waiting for the update

    def apply(self, w, t):
        run = self.run_
        grad, loss = run.gradient(self.snap_p[w], self.batch[w])
        self.buffer.append((w, self.snap_v[w], grad, loss))
        self.current[w], self.snap_p[w] = None, None
        if len(self.buffer) < self.k:
            if self.distinct:
                self.waiting.append((w, t))
            else:
                self.start_pull(w, t)
            return False
        buf = sorted(self.buffer, key=lambda b: b[0])      # summed in worker order (stable)
        self.buffer = []
        server = run.server
        oldest = min(b[1] for b in buf)
        staleness = server.version - oldest
        server.apply(mean_of([b[2] for b in buf]) if run.model is not None else None, run.lr)
        run.log.append(Event("ps", "apply", t, t, oldest, server.version, staleness))
        if run.updated(t, len(buf), [b[3] for b in buf]):
            return True
        for u, since in self.waiting:
            if t > since:
                run.log.append(Event(u, "wait", since, t))
        self.pull_all([u for u, _ in self.waiting] + [w], t)
        self.waiting = []
        return False

    def finish(self, t_end):
        super().finish(t_end)
        for u, since in self.waiting:
            if t_end > since:
                self.run_.log.append(Event(u, "wait", since, t_end))
