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

Only a parameter server can serve asynchronous workers: ``RingAllReduce`` is refused.
"""
import heapq
from numbers import Integral

from .clock import EventQueue
from .events import Event
from .runner import Strategy

_PULLED, _COMPUTED, _PUSHED = 0, 1, 2


class Asynchronous(Strategy):
    """Asynchronous SGD (Hogwild-style through a parameter server)."""

    bound = None

    def __init__(self, staleness_aware=False):
        self.staleness_aware = bool(staleness_aware)
        self.name = "async" + (" (staleness-aware lr)" if staleness_aware else "")

    def events_per_update(self, workers):
        return 4  # one gradient per update: its pull, compute, push and apply

    def check(self, run):
        if run.network.kind == "ring":
            raise ValueError("network: ring all-reduce is a collective every worker joins at "
                             "once; asynchronous strategies need a ParameterServerNetwork "
                             "(or FreeNetwork)")

    def simulate(self, run):
        _AsyncLoop(run, self.bound, self.staleness_aware).run()


class BoundedStaleness(Asynchronous):
    """Stale synchronous parallel: asynchronous, but no worker runs more than ``bound``
    gradients ahead of the slowest."""

    def __init__(self, bound, staleness_aware=False):
        if not isinstance(bound, Integral) or isinstance(bound, bool) or bound < 0:
            raise ValueError(f"bound must be an integer s >= 0 (how many gradients a worker may "
                             f"run ahead of the slowest), got {bound!r}")
        super().__init__(staleness_aware)
        self.bound = int(bound)
        self.name = f"SSP (s={self.bound})" + (" (staleness-aware lr)" if staleness_aware else "")


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
        for w in range(run.n):
            self.start_pull(w, 0.0)
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
        while self.blocked and self.blocked[0][0] <= self.min_applied:
            _, u, since = heapq.heappop(self.blocked)
            if t > since:
                run.log.append(Event(u, "wait", since, t))
            self.start_pull(u, t)
        return False

    def finish(self, t_end):
        """Cut work in flight at the end of the run; close open waits."""
        log = self.run_.log
        empty = set()
        for i in self.current:
            if i is not None and log[i].end > t_end:
                if log[i].start >= t_end:
                    empty.add(i)
                else:
                    log[i] = log[i]._replace(end=t_end, dropped=True)
        if empty:
            log[:] = [e for i, e in enumerate(log) if i not in empty]
        for _, u, since in sorted(self.blocked, key=lambda b: b[1]):
            if t_end > since:
                log.append(Event(u, "wait", since, t_end))
