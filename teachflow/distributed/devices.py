"""Simulated devices: how long one gradient computation takes.

A compute-time model draws seconds of simulated time. Each device turns its model into a stream of
draws seeded by ``(seed, worker)``, so the k-th computation of worker w takes the same time under
every strategy (common random numbers: comparisons between strategies are fair and replayable).
"""
import math
from numbers import Integral, Real

import numpy as np

BLOCK = 256  # draws are made in blocks of this size; the stream does not depend on the strategy
MAX_WORKERS = 10_000


def _positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value) and (
        value >= 0 if allow_zero else value > 0)
    if not ok:
        want = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{owner}: {name} must be {want} finite number of seconds, got {value!r}")
    return float(value)


class ComputeTime:
    """Base class: ``sample(rng, n)`` returns n compute times (seconds); ``mean`` their mean."""

    def sample(self, rng, n):
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(ComputeTime):
    """Always the same time: the idealised, perfectly balanced cluster."""

    def __init__(self, seconds=1.0):
        self.seconds = _positive("Constant", "seconds", seconds)

    def sample(self, rng, n):
        return np.full(n, self.seconds)

    @property
    def mean(self):
        return self.seconds


class Exponential(ComputeTime):
    """Memoryless times with the given mean: the textbook model behind ``E[max] = m·H_N``."""

    def __init__(self, mean=1.0):
        self._mean = _positive("Exponential", "mean", mean)

    def sample(self, rng, n):
        return rng.exponential(self._mean, n)

    @property
    def mean(self):
        return self._mean

    def __repr__(self):
        return f"Exponential(mean={self._mean!r})"


class ShiftedExponential(ComputeTime):
    """``shift + Exponential(scale)``: a minimum time (the real work) plus random delays."""

    def __init__(self, shift=1.0, scale=0.1):
        self.shift = _positive("ShiftedExponential", "shift", shift, allow_zero=True)
        self.scale = _positive("ShiftedExponential", "scale", scale)

    def sample(self, rng, n):
        return self.shift + rng.exponential(self.scale, n)

    @property
    def mean(self):
        return self.shift + self.scale


class LogNormal(ComputeTime):
    """Log-normal times with the given ``mean``; ``sigma`` is the spread of log(time)."""

    def __init__(self, mean=1.0, sigma=0.25):
        self._mean = _positive("LogNormal", "mean", mean)
        self.sigma = _positive("LogNormal", "sigma", sigma, allow_zero=True)

    def sample(self, rng, n):
        mu = math.log(self._mean) - 0.5 * self.sigma ** 2
        return rng.lognormal(mu, self.sigma, n)

    @property
    def mean(self):
        return self._mean

    def __repr__(self):
        return f"LogNormal(mean={self._mean!r}, sigma={self.sigma!r})"


class WithStragglers(ComputeTime):
    """``base``, but each computation is, with ``probability``, ``slowdown`` times slower
    (a garbage collection, a noisy neighbour): the occasional straggler."""

    def __init__(self, base, probability=0.05, slowdown=10.0):
        if not isinstance(base, ComputeTime):
            raise ValueError(f"WithStragglers: base must be a ComputeTime model such as "
                             f"Exponential(1.0), got {base!r}")
        if not (isinstance(probability, Real) and 0.0 <= probability <= 1.0):
            raise ValueError(f"WithStragglers: probability must be in [0, 1], got {probability!r}")
        if not (isinstance(slowdown, Real) and slowdown >= 1.0):
            raise ValueError(f"WithStragglers: slowdown must be a factor >= 1, got {slowdown!r}")
        self.base, self.probability, self.slowdown = base, float(probability), float(slowdown)

    def sample(self, rng, n):
        t = self.base.sample(rng, n)
        hit = rng.random(n) < self.probability
        return np.where(hit, t * self.slowdown, t)

    @property
    def mean(self):
        return self.base.mean * (1.0 + self.probability * (self.slowdown - 1.0))


class Device:
    """One simulated worker: a compute-time model times a fixed ``slowdown`` (4 = a device four
    times slower than its model: a permanent straggler, or one entry of a heterogeneous cluster)."""

    def __init__(self, index, compute=None, slowdown=1.0):
        compute = Exponential(1.0) if compute is None else compute
        if not isinstance(compute, ComputeTime):
            raise ValueError(f"Device {index}: compute must be a ComputeTime model such as "
                             f"Exponential(mean=1.0), got {compute!r}")
        if not (isinstance(slowdown, Real) and math.isfinite(slowdown) and slowdown > 0):
            raise ValueError(f"Device {index}: slowdown must be a positive factor, got {slowdown!r}")
        self.index, self.compute, self.slowdown = index, compute, float(slowdown)

    @property
    def mean_time(self):
        return self.compute.mean * self.slowdown

    def stream(self, seed):
        """The device's compute times for run ``seed``: an iterator of floats (seconds)."""
        return TimeStream(self, seed)

    def __repr__(self):
        s = "" if self.slowdown == 1.0 else f", slowdown={self.slowdown:g}"
        return f"Device({self.index}, {self.compute!r}{s})"


class TimeStream:
    """The k-th call of ``next()`` is the k-th compute time of this device in this run: drawn
    from a generator seeded by ``(seed, worker)`` in fixed blocks, whatever the strategy."""

    __slots__ = ("_device", "_rng", "_buf", "_i", "count")

    def __init__(self, device, seed):
        self._device = device
        self._rng = np.random.default_rng([int(seed), 0, device.index])
        self._buf, self._i, self.count = [], 0, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._i == len(self._buf):
            block = self._device.compute.sample(self._rng, BLOCK) * self._device.slowdown
            if np.any(block < 0):
                raise ValueError(f"{self._device!r} drew a negative compute time")
            self._buf, self._i = block.tolist(), 0
        t = self._buf[self._i]
        self._i += 1
        self.count += 1
        return t


class Cluster:
    """``workers`` devices sharing a compute-time model, plus a network.

    ``compute`` is one model or a list (one per worker); ``slowdown`` is ``{worker: factor}`` or a
    list of factors (heterogeneous speeds). ``Cluster(8, Exponential(1.0), slowdown={7: 4})`` is
    eight devices, the last one four times slower.
    """

    def __init__(self, workers, compute=None, slowdown=None, network=None):
        from .network import Network, FreeNetwork
        if not isinstance(workers, Integral) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be a positive integer (the number of simulated "
                             f"devices), got {workers!r}")
        workers = int(workers)
        if workers > MAX_WORKERS:
            raise ValueError(f"workers={workers:,} is more than the {MAX_WORKERS:,} simulated devices "
                             "teachflow builds (each has its own random stream); the lessons' "
                             "effects show with 2 to a few hundred workers.")
        if isinstance(compute, (list, tuple)):
            if len(compute) != workers:
                raise ValueError(f"compute: a list needs one model per worker ({workers}), "
                                 f"got {len(compute)}")
            models = list(compute)
        else:
            models = [compute if compute is not None else Exponential(1.0)] * workers
        factors = [1.0] * workers
        if isinstance(slowdown, dict):
            for w, f in slowdown.items():
                if not (isinstance(w, Integral) and 0 <= w < workers):
                    raise ValueError(f"slowdown: worker index must be in [0, {workers - 1}], got {w!r}")
                factors[w] = f
        elif slowdown is not None:
            factors = list(slowdown)
            if len(factors) != workers:
                raise ValueError(f"slowdown: a list needs one factor per worker ({workers}), "
                                 f"got {len(factors)}")
        self.devices = [Device(i, m, f) for i, (m, f) in enumerate(zip(models, factors))]
        network = FreeNetwork() if network is None else network
        if not isinstance(network, Network):
            raise ValueError(f"network must be a Network such as ParameterServer(latency=1e-3, "
                             f"bandwidth=1e9) or RingAllReduce(...), got {network!r}")
        self.network = network

    @property
    def size(self):
        return len(self.devices)

    def __len__(self):
        return len(self.devices)

    @property
    def mean_times(self):
        return [d.mean_time for d in self.devices]

    def streams(self, seed):
        return [d.stream(seed) for d in self.devices]

    def __repr__(self):
        return f"Cluster({self.devices!r}, network={self.network!r})"


def harmonic(n):
    """H_n = 1 + 1/2 + ... + 1/n (H_0 = 0): ``E[max of n Exponential(m)] = m·H_n``."""
    return sum(1.0 / k for k in range(1, int(n) + 1))
