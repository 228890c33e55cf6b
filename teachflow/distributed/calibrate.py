"""Calibration: the simulator's models fitted to a real run's measured times.

``calibrate(real)`` reads only the real run's event log:

* compute time, per worker: a ``ShiftedExponential(shift, scale)`` with ``shift`` the shortest
  measured computation and ``scale`` the mean excess over it (the maximum-likelihood fit of a
  shifted exponential: a floor of real work plus random delays); ``Constant`` if every
  measurement is the same;
* network: a ``ParameterServerNetwork`` whose one-way ``latency`` is the time a worker spends per
  cycle neither computing nor waiting (pull, push, the reply, the worker's own bookkeeping),
  split evenly between its pull and its push; bandwidth is left infinite, because every message
  of a run has the same size, so latency and bandwidth cannot be told apart.

``calibration.simulate()`` then runs the same strategy, model and options in the simulator, and
``compare(real, simulated)`` puts the figures side by side: how well the simulator's picture
(throughput, idle time, staleness) predicts a real cluster.
"""
import math

import numpy as np

from .devices import Cluster, Constant, ShiftedExponential
from .network import FreeNetwork, ParameterServerNetwork

FIGURES = ("updates_per_second", "idle_fraction", "mean_staleness")


def compute_times(events, n):
    """Measured durations of the finished computations of each of the ``n`` workers. Work a
    strategy dropped and work cut off by the end of the run (a computation ending exactly when
    the log ends: a finished one is always followed by its push) are not measurements."""
    out = [[] for _ in range(n)]
    t_end = max((e.end for e in events), default=0.0)
    for e in events:
        if (e.kind == "compute" and not e.dropped and isinstance(e.worker, int)
                and e.end < t_end):
            out[e.worker].append(e.end - e.start)
    return out


def fit_one(durations):
    """The compute-time model of one worker from its measured durations (seconds)."""
    d = np.asarray(durations, dtype=float)
    if len(d) == 0:
        raise ValueError("calibrate: a worker finished no computation; run longer "
                         "(more updates) to measure it")
    low, mean = float(d.min()), float(d.mean())
    if mean - low <= 1e-12 * max(mean, 1e-300):
        return Constant(max(mean, 1e-9))
    return ShiftedExponential(shift=low, scale=mean - low)


def fit_compute(events, n, strict=True):
    """One fitted compute-time model per worker. ``strict=False``: a worker that finished no
    computation gets the mean of the others (a stand-in, not a measurement)."""
    times = compute_times(events, n)
    if strict:
        return [fit_one(d) for d in times]
    pooled = [t for d in times for t in d]
    stand_in = Constant(max(float(np.mean(pooled)), 1e-9) if pooled else 1e-9)
    return [fit_one(d) if d else stand_in for d in times]


def message_latency(events, n):
    """Mean one-way message time: per worker, (active time − computing − waiting) per cycle
    (a cycle is one pull), halved; averaged over the workers' cycles."""
    spent, cycles = 0.0, 0
    for w in range(n):
        row = [e for e in events if e.worker == w]
        pulls = sum(1 for e in row if e.kind == "pull")
        if not row or not pulls:
            continue
        span = max(e.end for e in row) - min(e.start for e in row)
        busy = sum(e.end - e.start for e in row if e.kind in ("compute", "wait"))
        spent += max(0.0, span - busy)
        cycles += pulls
    return spent / cycles / 2 if cycles else 0.0


def fit_network(events, n):
    latency = message_latency(events, n)
    if latency <= 0:
        return FreeNetwork()
    return ParameterServerNetwork(latency=latency, bandwidth=math.inf)


class Calibration:
    """The fitted models of one real run: ``compute`` (one model per worker), ``network``;
    ``cluster()`` builds the simulator's cluster from them and ``simulate(**changes)`` runs the
    real run's strategy, model and options on it (``changes`` override options)."""

    def __init__(self, real, compute, network):
        self.real, self.compute, self.network = real, list(compute), network

    @property
    def workers(self):
        return len(self.compute)

    def cluster(self):
        return Cluster(self.workers, self.compute, network=self.network)

    def simulate(self, **changes):
        from .simulation import simulate
        config = self.real.config
        given = config.get("options") or {k: config[k] for k in ("lr", "seed") if k in config}
        options = {k: v for k, v in given.items() if v is not None}
        if self.real.config.get("sampler") is not None:
            options["sampler"] = self.real.config["sampler"]
        options.update(changes)
        return simulate(self.real.strategy, model=self.real.model, cluster=self.cluster(),
                        **options)

    def table(self):
        """Rows ``(worker, measured mean s, fitted model)`` for display."""
        times = compute_times(self.real.events, self.workers)
        return [(w, float(np.mean(t)) if t else math.nan, m)
                for w, (t, m) in enumerate(zip(times, self.compute))]

    def __repr__(self):
        return f"Calibration(compute={self.compute!r}, network={self.network!r})"


def calibrate(real):
    """Fit the simulator's compute-time and network models to a real run (see the module
    docstring); returns a ``Calibration``."""
    if not hasattr(real, "events") or not hasattr(real, "cluster"):
        raise ValueError(f"calibrate needs the RunResult of a real run (dist.train(...)), got {real!r}")
    n = real.cluster.size
    return Calibration(real, fit_compute(real.events, n), fit_network(real.events, n))


def compare(real, simulated, figures=FIGURES):
    """``{figure: (real, simulated, simulated / real)}`` for the run summaries' ``figures``."""
    a, b = real.summary(), simulated.summary()
    out = {}
    for f in figures:
        x, y = float(a[f]), float(b[f])
        out[f] = (x, y, y / x if x else math.nan)
    return out
