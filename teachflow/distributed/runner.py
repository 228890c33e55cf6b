"""What every strategy shares: the parameter server's state, the bookkeeping of one run (event
log, history, evaluation, when to stop) and the result object it hands back."""
import itertools
import math
from numbers import Integral, Real

import numpy as np

from .devices import Cluster
from .events import (HistoryPoint, events_to_csv, history_to_csv, summarize,
                     write_chrome_trace)
from .models import ShardSampler

DEFAULT_PARAM_BYTES = 4_000_000  # timing-only runs: one million float32 parameters
MAX_EVENTS = 2_000_000  # a run estimated to log more must be asked for with max_events=
PROGRESS_EVENTS = 250_000  # a run estimated above this shows a progress bar (about a second)
EVENTS_PER_COMPUTATION = 4  # pull, compute, push, wait: what one gradient adds to the log


class SimulationStopped(Exception):
    """The run was stopped from outside (its ``stop`` event was set, e.g. a widget's Stop)."""


class SimulationTooLarge(ValueError):
    """A run would log more events than ``max_events`` (it would take minutes or hours and
    fill memory): the message gives the estimate and how to ask for it anyway."""


def estimate_events(strategy, cluster, updates, until):
    """About how many events a run logs: from ``updates`` (the strategy's events per update),
    and from ``until`` (every worker computing back to back at its mean speed); the smaller."""
    n = cluster.size
    estimates = []
    if updates is not None:
        estimates.append(updates * strategy.events_per_update(n))
    if until is not None and math.isfinite(until):
        fastest = min(cluster.mean_times)
        estimates.append(until / fastest * n * EVENTS_PER_COMPUTATION if fastest > 0 else math.inf)
    return min(estimates) if estimates else math.inf


class ParameterServer:
    """Holds the parameters and their ``version`` (the number of updates applied so far).
    Every update makes new arrays, so a worker's snapshot (``params`` at pull time) never changes
    under it. In timing-only runs ``params`` is an empty list and only the version moves."""

    def __init__(self, params):
        self.params = [np.array(p, dtype=float) if not isinstance(p, np.ndarray) else p.copy()
                       for p in params]
        self.version = 0

    def apply(self, grad, lr):
        """``params ← params − lr · grad``."""
        if grad is not None:
            self.params = [p - lr * g for p, g in zip(self.params, grad)]
        self.version += 1

    def assign(self, params):
        if params is not None:
            self.params = params
        self.version += 1


def mean_of(arrays_list):
    """Element-wise mean of several parameter-shaped lists, summed in list order."""
    n = len(arrays_list)
    acc = [np.array(a, dtype=float, copy=True) for a in arrays_list[0]]
    for other in arrays_list[1:]:
        for a, b in zip(acc, other):
            a += b
    return [a / n for a in acc]


def _check_count(name, value, minimum, what):
    if value is None:
        return None
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum} ({what}), got {value!r}")
    return int(value)


class Run:
    """The state of one simulation, shared by the strategy loops."""

    def __init__(self, strategy, cluster, model=None, *, updates=None, until=None, lr=0.1,
                 batch_size=16, seed=0, eval_every=None, target_loss=None,
                 stop_at_target=False, sampler=None, param_bytes=None, max_events=None,
                 progress=None, stop=None):
        if not isinstance(cluster, Cluster):
            raise ValueError(f"cluster must be a Cluster, e.g. Cluster(8, Exponential(1.0)), got {cluster!r}")
        self.updates = _check_count("updates", updates, 1, "server updates to simulate")
        if until is not None and not (isinstance(until, Real) and until > 0):
            raise ValueError(f"until must be a positive simulated time in seconds, got {until!r}")
        self.until = math.inf if until is None else float(until)
        if self.updates is None and until is None:
            raise ValueError("updates: say when to stop: updates=<number of server updates> "
                             "and/or until=<simulated seconds> (target_loss= with "
                             "stop_at_target=True may stop the run earlier)")
        if not (isinstance(lr, Real) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive learning rate, got {lr!r}")
        self.eval_every = _check_count("eval_every", eval_every, 1, "updates between evaluations")
        if self.eval_every is None:
            self.eval_every = max(1, (self.updates or 2000) // 200)
        self.strategy, self.cluster, self.model = strategy, cluster, model
        self.n = cluster.size
        self.network = cluster.network
        # the cheap checks first: nothing per worker is built before a run is known to fit
        strategy.check(self)
        self.max_events = _check_count("max_events", max_events, 1, "events the run may log")
        if self.max_events is None:
            self.max_events = MAX_EVENTS
        estimate = estimate_events(strategy, cluster, self.updates, until)
        if estimate > self.max_events:
            raise SimulationTooLarge(
                f"This run would log about {estimate:.3g} events ({self._size_words(until)}), more "
                f"than max_events={self.max_events:,}: it could take minutes or hours and fill "
                "memory. Lower updates= or until=, or pass max_events=<a larger number> to run it "
                "anyway.")
        self.lr, self.seed = float(lr), int(seed)
        self.target_loss, self.stop_at_target = target_loss, bool(stop_at_target)
        self.times = cluster.streams(seed)
        if model is not None:
            self.server = ParameterServer(model.initial_params())
            if getattr(model, "n_examples", None) is None:      # a model without data
                self.batches = [itertools.repeat(None) for _ in range(self.n)]
            else:
                if sampler is None:
                    sampler = ShardSampler(model.n_examples, self.n, batch_size, seed)
                self.batches = [sampler.stream(w) for w in range(self.n)]
            nbytes = sum(p.nbytes for p in self.server.params)
        else:
            self.server = ParameterServer([])
            self.batches = None
            nbytes = DEFAULT_PARAM_BYTES
        self.nbytes = nbytes if param_bytes is None else float(param_bytes)
        self.log = []
        self.history = []
        self.gradients_applied = 0
        self._batch_losses = []
        self.stopped = False
        self.end_time = 0.0
        self._bar = self._tick = None
        self._stop = stop
        if progress or (progress is None and estimate > PROGRESS_EVENTS):
            self._start_progress(progress, until)
        self._evaluate(0.0)

    def _start_progress(self, progress, until):
        """A progress bar over server updates (or simulated seconds when only ``until`` is set),
        advanced every ~1% from ``updated``: a tqdm bar, or ``progress(fraction)`` when it is a
        callable (a widget's own bar). A long run shows it is alive."""
        by_time = self.updates is None
        total = float(until) if by_time else self.updates
        if callable(progress):
            self._bar = _CallbackBar(progress, total)
        else:
            from tqdm.auto import tqdm
            self._bar = tqdm(total=total, desc=f"simulating {self.strategy}", leave=False,
                             mininterval=0.5, unit="s simulated" if by_time else "updates",
                             bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} {unit} "
                                        "[{elapsed}<{remaining}]")
        self._by_time, self._done, self._tick = by_time, 0.0, total / 100

    def _progress(self, t):
        now = t if self._by_time else self.server.version
        if now - self._done >= self._tick:
            self._bar.update(now - self._done)
            self._done = now

    def close_progress(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _size_words(self, until):
        parts = [f"{self.n:,} workers"]
        if self.updates is not None:
            parts.append(f"updates={self.updates:,}")
        if until is not None:
            parts.append(f"until={until:g} s with the fastest mean compute time "
                         f"{min(self.cluster.mean_times):.3g} s")
        return ", ".join(parts)

    # ----- evaluation and stopping
    def _evaluate(self, t):
        if self.model is None:
            loss = metric = math.nan
        else:
            loss, metric = self.model.evaluate(self.server.params)
        bl = float(np.mean(self._batch_losses)) if self._batch_losses else math.nan
        self._batch_losses = []
        self.history.append(HistoryPoint(t, self.server.version, self.gradients_applied,
                                         loss, metric, bl))
        return loss

    def updated(self, t, n_gradients, batch_losses=()):
        """Call after each server update at time ``t``. Returns True when the run must stop."""
        self.gradients_applied += n_gradients
        self._batch_losses.extend(batch_losses)
        if self._bar is not None:
            self._progress(t)
        if self._stop is not None and self._stop.is_set():
            raise SimulationStopped(f"{self.strategy} stopped at simulated time {t:.4g} s after "
                                    f"{self.server.version:,} updates.")
        if len(self.log) > self.max_events:  # the estimate was wrong: stop, never hang
            raise SimulationTooLarge(
                f"The run logged {len(self.log):,} events by simulated time {t:.4g} s after "
                f"{self.server.version:,} updates, more than max_events={self.max_events:,}. "
                "Lower updates= or until=, or pass a larger max_events=.")
        v = self.server.version
        last = self.updates is not None and v >= self.updates
        if v % self.eval_every == 0 or last:
            loss = self._evaluate(t)
            if self.stop_at_target and self.target_loss is not None and loss <= self.target_loss:
                last = True
        if last:
            self.stopped, self.end_time = True, t
        return last

    def next_batch(self, w):
        return next(self.batches[w]) if self.batches is not None else None

    def gradient(self, params, batch):
        """Real gradients (None in timing-only runs) and the minibatch loss."""
        if self.model is None:
            return None, math.nan
        return self.model.gradients(params, batch)

    def result(self):
        if self.history[-1].updates != self.server.version:
            self._evaluate(self.end_time)
        return RunResult(self.strategy, self.cluster, self.log, self.history,
                         self.server.params, self.model, self.target_loss,
                         {"lr": self.lr, "seed": self.seed, "param_bytes": self.nbytes})


class _CallbackBar:
    """The two methods of a tqdm bar the run uses, reporting ``done / total`` to a callable."""

    def __init__(self, callback, total):
        self.callback, self.total, self.n = callback, total, 0.0

    def update(self, amount):
        self.n += amount
        self.callback(min(1.0, self.n / self.total) if self.total else 1.0)

    def close(self):
        pass


class Strategy:
    """Base class of the training strategies: ``strategy.run(cluster, model, updates=..., lr=...)``
    simulates and returns a ``RunResult``. Options (all keyword):

    * ``updates``: server updates to simulate (a synchronous step, a local-SGD averaging, or one
      applied gradient for asynchronous/SSP), and/or ``until``: simulated seconds;
    * ``lr``, ``batch_size`` (None: each worker's whole shard), ``seed`` (compute times, data
      order; the ready-made models also take their initial parameters from it);
    * ``eval_every``: updates between evaluations of the full loss and metric (default: about
      200 evaluations per run); ``target_loss`` (for ``time_to_target``) and
      ``stop_at_target`` (stop at the first evaluation at or below it);
    * ``sampler`` (default ``ShardSampler``) and ``param_bytes`` (message size in timing-only
      runs; otherwise the parameters' bytes);
    * ``max_events`` (default ``MAX_EVENTS``): a run estimated to log more events is refused
      before it starts (SimulationTooLarge), so a typo such as ``updates=10**9`` never hangs;
    * ``progress``: show a tqdm bar (default: when the run is estimated above
      ``PROGRESS_EVENTS`` events; False never, True always), or a callable given the fraction
      done; ``stop``: an object with ``is_set()`` (a ``threading.Event``) checked after every
      update: set, it ends the run with SimulationStopped. Interrupting the kernel stops a run too."""

    name = "strategy"

    def events_per_update(self, workers):
        """About how many events one server update logs (for the size check before a run):
        every worker pulls, computes, pushes and waits, then one apply."""
        return EVENTS_PER_COMPUTATION * workers + 1

    def run(self, cluster, model=None, **options):
        run = Run(self, cluster, model, **options)
        try:
            self.check(run)
            self.simulate(run)
        finally:
            run.close_progress()
        return run.result()

    def check(self, run):
        """Raise ValueError for settings that do not fit this cluster."""

    def simulate(self, run):
        raise NotImplementedError

    def __str__(self):
        return self.name


def clip(events, t_end):
    """Events cut at ``t_end``: those starting later are removed, those crossing it are ended at
    ``t_end`` and marked dropped (work in flight when the run stopped)."""
    out = []
    for e in events:
        if e.start > t_end or (e.start == t_end and e.end > t_end):
            continue
        if e.end > t_end:
            e = e._replace(end=t_end, dropped=True)
        out.append(e)
    return out


class RunResult:
    """The outcome of a simulation: ``events`` (the log), ``history`` (evaluations), final
    ``params``, and ``summary()``; ``to_csv`` / ``history_to_csv`` / ``to_chrome_trace`` export."""

    def __init__(self, strategy, cluster, events, history, params, model, target_loss, config):
        self.strategy, self.cluster = strategy, cluster
        self.events, self.history, self.params = events, history, params
        self.model, self.target_loss, self.config = model, target_loss, config

    @property
    def losses(self):
        return np.array([h.loss for h in self.history])

    @property
    def times(self):
        return np.array([h.time for h in self.history])

    def summary(self, target_loss=None):
        target = self.target_loss if target_loss is None else target_loss
        out = summarize(self.events, self.history, target)
        out["strategy"] = str(self.strategy)
        out["gradients"] = self.history[-1].gradients if self.history else 0
        return out

    def to_csv(self, path):
        """Write the event log as CSV (atomically); returns ``path``."""
        events_to_csv(self.events, path)
        return path

    def history_to_csv(self, path):
        """Write the history as CSV (atomically); returns ``path``."""
        history_to_csv(self.history, path)
        return path

    def to_chrome_trace(self, path):
        """Write the log as Chrome trace JSON (open it in https://ui.perfetto.dev)."""
        return write_chrome_trace(self.events, path)

    def __repr__(self):
        s = self.summary()
        return (f"<RunResult {self.strategy}: {s['updates']} updates in {s['makespan']:.4g} s "
                f"simulated, idle {s['idle_fraction']:.1%}, final loss {s['final_loss']:.4g}>")
