"""Synchronous data parallelism: every step, all workers start from the same parameters, and the
server waits (a barrier) for their gradients before it applies one averaged update.

Per step: pull (version v) -> compute on the worker's own minibatch -> push -> wait for the
others -> one ``apply`` ``params ← params − lr · mean(gradients)`` writing version v+1. The step
lasts as long as the slowest worker: with N exponential workers of mean m, ``m·H_N``.

* ``Synchronous(backups=b)``: of the cluster's ``workers`` devices only the first
  ``workers − b`` gradients to arrive are averaged; when the last needed one lands the step
  closes and the late workers are interrupted (their work is logged ``dropped``). Needing N of
  N + b exponential workers takes ``m·(H_{N+b} − H_b)``. ``backups`` must be in
  ``[0, workers − 1]``: every step needs at least one gradient.
* ``LocalSGD(period=H)``: each worker takes H plain SGD steps on its own copy of the parameters
  (no communication), then the server averages the copies (a barrier, pushing parameters
  instead of gradients). H = 1 is exactly synchronous SGD.

With ``RingAllReduce`` there is no server and no pull: the workers exchange gradients around a
ring (logged as ``push``) and every worker applies the same average (one ``apply`` on row
``"all"``). Backup workers cannot be used with a ring (everyone takes part in every round).
"""
from numbers import Integral

from .events import Event
from .runner import Strategy, clip, mean_of


class Synchronous(Strategy):
    """Synchronous SGD with a barrier; ``backups=b`` lets the b slowest gradients be dropped."""

    def __init__(self, backups=0):
        if not isinstance(backups, Integral) or isinstance(backups, bool) or backups < 0:
            raise ValueError(f"backups must be a non-negative integer (extra workers whose late "
                             f"gradients are dropped), got {backups!r}")
        self.backups = int(backups)
        self.name = "sync" if not backups else f"sync+{backups} backups"

    def check(self, run):
        if self.backups >= run.n:
            raise ValueError(f"backups must be in [0, workers - 1] = [0, {run.n - 1}]: of the "
                             f"{run.n} workers, workers - backups gradients are averaged each "
                             f"step, so at least one must remain; got backups={self.backups}")
        if self.backups and run.network.kind == "ring":
            raise ValueError("backups: ring all-reduce needs every worker in every round; use "
                             "ParameterServerNetwork (or FreeNetwork) with backup workers")

    def simulate(self, run):
        n, server, lr = run.n, run.server, run.lr
        links = run.network.links()
        t = 0.0
        while True:
            v, params = server.version, server.params
            pe, ce, spans = _pull_and_time(run, links, t)
            batches = [run.next_batch(w) for w in range(n)]
            t_apply, used, step = _exchange(run, links, t, v, pe, ce, spans, n - self.backups,
                                            push_bytes=run.nbytes)
            if t_apply > run.until:
                _stop_in_step(run, step, run.until)
                return
            grads, losses = [], []
            for w in used:
                g, loss = run.gradient(params, batches[w])
                grads.append(g)
                losses.append(loss)
            server.apply(mean_of(grads) if run.model is not None else None, lr)
            run.log.extend(step)
            run.log.append(Event(_applier(run), "apply", t_apply, t_apply, v, v + 1, 0))
            if run.updated(t_apply, len(used), losses):
                return
            t = t_apply


class LocalSGD(Strategy):
    """Local SGD: H local steps per worker between synchronous averagings of the parameters."""

    def __init__(self, period=4):
        if not isinstance(period, Integral) or isinstance(period, bool) or period < 1:
            raise ValueError(f"period must be a positive integer (local steps H between "
                             f"averagings), got {period!r}")
        self.period = int(period)
        self.name = f"local SGD (H={self.period})"

    def events_per_update(self, workers):
        return workers * (self.period + 3) + 1  # H computes, then pull, push, wait; one apply

    def simulate(self, run):
        n, server, lr, H = run.n, run.server, run.lr, self.period
        links = run.network.links()
        t = 0.0
        while True:
            v, params = server.version, server.params
            pe, ce, spans = _pull_and_time(run, links, t, H)
            copies, losses = [], []
            for w in range(n):
                p = params
                for _ in range(H):
                    g, loss = run.gradient(p, run.next_batch(w))
                    if g is not None:
                        p = [a - lr * b for a, b in zip(p, g)]
                    losses.append(loss)
                copies.append(p)
            t_apply, used, step = _exchange(run, links, t, v, pe, ce, spans, n,
                                            push_bytes=run.nbytes)
            if t_apply > run.until:
                _stop_in_step(run, step, run.until)
                return
            server.assign(mean_of(copies) if run.model is not None else None)
            run.log.extend(step)
            run.log.append(Event(_applier(run), "apply", t_apply, t_apply, v, v + 1, 0))
            if run.updated(t_apply, n * H, losses):
                return
            t = t_apply


# ----------------------------------------------------------------------------- shared step

def _applier(run):
    return "all" if run.network.kind == "ring" else "ps"


def _pull_and_time(run, links, t, computations=1):
    """Pull end, compute end and the compute intervals of every worker, for a step from ``t``."""
    n, ring = run.n, run.network.kind == "ring"
    egress = links[0]
    pe, ce, spans = [t] * n, [t] * n, [None] * n
    for w in range(n):
        p = t if ring else egress.send(t, run.nbytes)
        c, span = p, []
        for _ in range(computations):
            d = c + next(run.times[w])
            span.append((c, d))
            c = d
        pe[w], ce[w], spans[w] = p, c, span
    return pe, ce, spans


def _exchange(run, links, t, v, pe, ce, spans, need, push_bytes):
    """Push (or all-reduce) and barrier. Returns (apply time, used workers, events of the step)."""
    n = run.n
    if run.network.kind == "ring":
        tc = max(ce)
        t_apply = tc + run.network.allreduce_time(n, push_bytes)
        arrive = [t_apply] * n
        push_start = [tc] * n
        used = list(range(n))
    else:
        ingress = links[1]
        order = sorted(range(n), key=ce.__getitem__)
        arrive = [0.0] * n
        for w in order:
            arrive[w] = ingress.send(ce[w], push_bytes)
        by_arrival = sorted(order, key=arrive.__getitem__)
        t_apply = arrive[by_arrival[need - 1]]
        used = sorted(by_arrival[:need])
        push_start = ce
        links[0].cancel_after(t_apply)
        ingress.cancel_after(t_apply)
    used_set = set(used)
    step = []
    for w in range(n):
        late = w not in used_set
        if late and pe[w] > t_apply:   # still pulling when the step closed (a slow network)
            step.append(Event(w, "pull", t, t_apply, v, dropped=True))
            continue
        if pe[w] > t:
            step.append(Event(w, "pull", t, pe[w], v))
        for a, b in spans[w]:
            if late and b > t_apply:
                if a < t_apply:
                    step.append(Event(w, "compute", a, t_apply, v, dropped=True))
                break
            step.append(Event(w, "compute", a, b, v))
        if late:
            if ce[w] < t_apply:
                step.append(Event(w, "push", ce[w], t_apply, v, dropped=True))
            continue
        if run.network.kind == "ring" and ce[w] < push_start[w]:
            step.append(Event(w, "wait", ce[w], push_start[w], v))
        if arrive[w] > push_start[w]:
            step.append(Event(w, "push", push_start[w], arrive[w], v))
        if run.network.kind != "ring" and arrive[w] < t_apply:
            step.append(Event(w, "wait", arrive[w], t_apply, v))
    return t_apply, used, step


def _stop_in_step(run, step, t_end):
    run.log.extend(clip(step, t_end))
    run.stopped, run.end_time = True, t_end
