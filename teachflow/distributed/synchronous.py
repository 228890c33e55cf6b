"""Synchronous data parallelism: every step, all workers start from the same parameters, and the
server waits (a barrier) for their gradients before it applies one averaged update.

Per step: pull (version v) -> compute on the worker's own minibatch -> push -> wait for the
others -> one ``apply`` ``params ← params − lr · mean(gradients)`` writing version v+1. The step
lasts as long as the slowest worker: with N exponential workers of mean m, ``m·H_N``.

* ``Synchronous(backups=b)``: of the cluster's ``workers`` devices only the first
  ``workers − b`` gradients to arrive are averaged; when the last needed one lands the step
  closes and the late workers are interrupted (their work is logged ``dropped``). Needing N of
  N + b exponential workers takes ``m·(H_{N+b} − H_b)``. ``backups`` must be in
  ``[0, workers − 1]``: every step needs at least one gradient. This is K-sync SGD (Dutta, Wang
  & Joshi, AISTATS 2018) with K = workers − b; such an instance is a ``BackupWorkers``.
  Pulls are served, and equal arrival times broken, in a fresh seeded random order every step
  (``Run.step_order``): on a queueing server identical devices are used equally often.
* ``LocalSGD(period=H)``: each worker takes H plain SGD steps on its own copy of the parameters
  (no communication), then the server averages the copies (a barrier, pushing parameters
  instead of gradients). H = 1 is exactly synchronous SGD.

With a collective (``RingAllReduce``, ``ColocatedShards``) there is no server and no pull: the
workers exchange gradients (logged as ``push``) and every worker applies the same average (one
``apply`` on row ``"all"``). Backup workers cannot be used there (everyone takes part in every
round).
"""
from numbers import Integral

import numpy as np

from ..core.i18n import N_
from .devices import Constant
from .events import Event
from .runner import Strategy, clip, mean_of
from .theory import Theory, common_law, kth_fastest


class Synchronous(Strategy):
    """Synchronous SGD with a barrier; ``backups=b`` lets the b slowest gradients be dropped
    (``Synchronous(backups=b)`` with b > 0 is a ``BackupWorkers``: K-sync SGD with
    K = workers − b)."""

    key = "sync"
    aliases = ("synchronous",)
    title = "sync"
    color = "#1F5FA8"
    help = N_("synchronous: average all N gradients at a barrier")
    barrier = True
    order = 0

    def __new__(cls, backups=0):
        if cls is Synchronous and isinstance(backups, Integral) and backups > 0:
            cls = BackupWorkers
        return super().__new__(cls)

    def __init__(self, backups=0):
        if not isinstance(backups, Integral) or isinstance(backups, bool) or backups < 0:
            raise ValueError(f"backups must be a non-negative integer (extra workers whose late "
                             f"gradients are dropped), got {backups!r}")
        self.backups = int(backups)
        self.name = "sync" if not backups else f"sync+{backups} backups"

    @classmethod
    def from_options(cls, backups=None, **_):
        return Synchronous(backups or 0)

    def pushes_per_update(self, workers):
        return workers - self.backups

    def check(self, run):
        if self.backups >= run.n:
            raise ValueError(f"backups must be in [0, workers - 1] = [0, {run.n - 1}]: of the "
                             f"{run.n} workers, workers - backups gradients are averaged each "
                             f"step, so at least one must remain; got backups={self.backups}")
        if self.backups:
            run.network.require_server("backups (workers whose late gradients are dropped)")

    def theory(self, cluster):
        """Step = E[need-th fastest of N] + 2L: ``m·H_N`` (exponential), ``m·(H_N − H_b)`` with
        b backups, ``Δ + m·(H_N − H_b)`` (shifted exponential), the need-th smallest ``m_i``
        (constant times, any speeds)."""
        out = {}
        L = cluster.network.fixed_message_time()
        if L is None:
            return out
        n, b = cluster.size, self.backups
        need = n - b
        comm = " + 2L" if L > 0 else ""
        law = common_law(cluster)
        devs = cluster.devices
        const = [d.mean_time for d in devs] if all(isinstance(d.compute, Constant)
                                                  for d in devs) else None
        closed = kth_fastest(law, need, n) if law is not None and const is None else None
        if closed is not None:
            step, formula = closed
        elif const is not None:
            step = sorted(const)[need - 1]
            formula = "max m_i" if not b else f"{need}-th smallest m_i"
        else:
            return out
        step += 2 * L
        formula += comm
        out["time_per_update"] = Theory(step, formula)
        out["updates_per_second"] = Theory(1 / step, f"1/({formula})")
        out["gradients_per_second"] = Theory(need / step, f"{need}/({formula})")
        if not b:
            mean_busy = float(np.mean([d.mean_time for d in devs]))
            out["idle_fraction"] = Theory(1 - mean_busy / step, f"1 − m̄/({formula})")
        return out

    def simulate(self, run):
        n, server, lr = run.n, run.server, run.lr
        links = run.network.links()
        t = 0.0
        while True:
            v, params = server.version, server.params
            order = run.step_order()
            pe, ce, spans = _pull_and_time(run, links, t, order)
            batches = [run.next_batch(w) for w in range(n)]
            t_apply, used, step = _exchange(run, links, t, v, pe, ce, spans, n - self.backups,
                                            run.nbytes, order)
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
            run.log.append(Event(run.network.apply_row, "apply", t_apply, t_apply, v, v + 1, 0))
            if run.updated(t_apply, len(used), losses):
                return
            t = t_apply


class BackupWorkers(Synchronous):
    """``Synchronous(backups=b)``, b > 0: each step averages the first ``workers − b``
    gradients to arrive and interrupts the rest (K-sync SGD of Dutta et al. 2018 with
    K = workers − b)."""

    key = "backup"
    aliases = ("backups", "sync_backup", "k_sync", "ksync")
    title = "backup"
    color = "#7B4F9D"
    help = N_("synchronous with backup workers: the slowest gradients are dropped")
    order = 1

    def __init__(self, backups=1):
        super().__init__(backups)

    @classmethod
    def from_options(cls, backups=None, **_):
        return Synchronous(1 if backups is None else backups)


class LocalSGD(Strategy):
    """Local SGD: H local steps per worker between synchronous averagings of the parameters."""

    key = "local"
    aliases = ("local_sgd", "localsgd")
    title = "local"
    color = "#2A9D8F"
    help = N_("local SGD: H local steps, then average the parameters")
    barrier = True
    sends = "parameters"
    order = 4

    def __init__(self, period=4):
        if not isinstance(period, Integral) or isinstance(period, bool) or period < 1:
            raise ValueError(f"period must be a positive integer (local steps H between "
                             f"averagings), got {period!r}")
        self.period = int(period)
        self.name = f"local SGD (H={self.period})"

    @classmethod
    def from_options(cls, period=None, **_):
        return cls(4 if period is None else period)

    def theory(self, cluster):
        """Constant times: one averaging every ``H·max m_i + 2L``."""
        out = {}
        L = cluster.network.fixed_message_time()
        devs = cluster.devices
        if L is None or not all(isinstance(d.compute, Constant) for d in devs):
            return out
        comm = " + 2L" if L > 0 else ""
        n, H = cluster.size, self.period
        step = H * max(d.mean_time for d in devs) + 2 * L
        out["time_per_update"] = Theory(step, f"H·max m_i{comm}")
        out["updates_per_second"] = Theory(1 / step, f"1/(H·max m_i{comm})")
        out["gradients_per_second"] = Theory(n * H / step, f"N·H/(H·max m_i{comm})")
        return out

    def events_per_update(self, workers):
        return workers * (self.period + 3) + 1  # H computes, then pull, push, wait; one apply

    def simulate(self, run):
        n, server, lr, H = run.n, run.server, run.lr, self.period
        links = run.network.links()
        t = 0.0
        while True:
            v, params = server.version, server.params
            order = run.step_order()
            pe, ce, spans = _pull_and_time(run, links, t, order, H)
            copies, losses = [], []
            for w in range(n):
                p = params
                for _ in range(H):
                    g, loss = run.gradient(p, run.next_batch(w))
                    if g is not None:
                        p = [a - lr * b for a, b in zip(p, g)]
                    losses.append(loss)
                copies.append(p)
            t_apply, used, step = _exchange(run, links, t, v, pe, ce, spans, n, run.nbytes, order)
            if t_apply > run.until:
                _stop_in_step(run, step, run.until)
                return
            server.assign(mean_of(copies) if run.model is not None else None)
            run.log.extend(step)
            run.log.append(Event(run.network.apply_row, "apply", t_apply, t_apply, v, v + 1, 0))
            if run.updated(t_apply, n * H, losses):
                return
            t = t_apply


# ----------------------------------------------------------------------------- shared step

def _pull_and_time(run, links, t, order, computations=1):
    """Pull end, compute end and the compute intervals of every worker, for a step from ``t``;
    pulls are served in ``order`` (a fresh random order each step: see ``Run.step_order``)."""
    n, network = run.n, run.network
    pe, ce, spans = [t] * n, [t] * n, [None] * n
    for w in order:
        p = network.pull(links, t, run.nbytes)
        c, span = p, []
        for _ in range(computations):
            d = c + next(run.times[w])
            span.append((c, d))
            c = d
        pe[w], ce[w], spans[w] = p, c, span
    return pe, ce, spans


def _exchange(run, links, t, v, pe, ce, spans, need, push_bytes, order):
    """Push (or the collective exchange) and barrier. Returns (apply time, used workers, events
    of the step)."""
    n = run.n
    t_apply, arrive, push_start, used = run.network.gather(links, ce, push_bytes, need, order)
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
        if ce[w] < push_start[w]:     # a collective starts when the last worker is done
            step.append(Event(w, "wait", ce[w], push_start[w], v))
        if arrive[w] > push_start[w]:
            step.append(Event(w, "push", push_start[w], arrive[w], v))
        if arrive[w] < t_apply:       # a server applies when the last needed gradient is in
            step.append(Event(w, "wait", arrive[w], t_apply, v))
    return t_apply, used, step


def _stop_in_step(run, step, t_end):
    run.log.extend(clip(step, t_end))
    run.stopped, run.end_time = True, t_end
