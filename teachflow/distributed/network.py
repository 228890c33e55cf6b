"""Communication cost: ``latency + bytes / bandwidth``, with the parameter server's link as a queue.

* ``FreeNetwork()``: messages take no time (the theory-friendly default).
* ``ParameterServerNetwork(latency, bandwidth, shards=1)``: workers pull parameters from and push
  gradients to a server. The server's incoming and outgoing links are first-in-first-out queues
  of total bandwidth ``shards × bandwidth`` (a sharded server splits every message over its
  shards); a worker's own link still limits one message to ``bytes / bandwidth``. So N workers
  pushing at once need ``latency + max(1, N / shards) · bytes / bandwidth``: the single server
  is the bottleneck that sharding relieves.
* ``RingAllReduce(latency, bandwidth)``: no server; the N workers average their gradients around
  a ring in ``2(N−1)`` rounds of ``bytes/N`` each: ``2(N−1)·latency + 2(N−1)/N · bytes/bandwidth``,
  almost independent of N. Only synchronous strategies can use it (everyone takes part in every
  round).
"""
import math
from numbers import Integral, Real


def _check(owner, name, value, positive):
    ok = isinstance(value, Real) and not isinstance(value, bool) and not math.isnan(value) and (
        value > 0 if positive else value >= 0)
    if not ok:
        want = "a positive number" if positive else "a non-negative number"
        raise ValueError(f"{owner}: {name} must be {want}, got {value!r}")
    return float(value)


class Network:
    """Base class. ``kind`` is ``"ps"`` (a parameter server) or ``"ring"`` (all-reduce)."""

    kind = "ps"
    latency = 0.0
    bandwidth = math.inf
    shards = 1

    def message_time(self, nbytes):
        """One message on an idle network."""
        return self.latency + nbytes / self.bandwidth

    def links(self):
        """Fresh (egress, ingress) queues of the server for one run."""
        return Link(self.latency, self.bandwidth, self.shards), Link(self.latency, self.bandwidth, self.shards)

    def to_dict(self):
        return {"type": type(self).__name__, "latency": self.latency,
                "bandwidth": self.bandwidth, "shards": self.shards}

    def __repr__(self):
        return f"{type(self).__name__}(latency={self.latency!r}, bandwidth={self.bandwidth!r})"


class FreeNetwork(Network):
    """Communication takes no time at all."""

    def __repr__(self):
        return "FreeNetwork()"


class ParameterServerNetwork(Network):
    """A parameter server (``shards`` > 1: sharded) reached over links of ``bandwidth`` bytes/s
    with a one-way ``latency`` in seconds."""

    def __init__(self, latency=1e-3, bandwidth=1e9, shards=1):
        self.latency = _check("ParameterServerNetwork", "latency", latency, positive=False)
        self.bandwidth = _check("ParameterServerNetwork", "bandwidth", bandwidth, positive=True)
        if not isinstance(shards, Integral) or isinstance(shards, bool) or shards < 1:
            raise ValueError(f"ParameterServerNetwork: shards must be a positive integer, got {shards!r}")
        self.shards = int(shards)

    def __repr__(self):
        return (f"ParameterServerNetwork(latency={self.latency!r}, bandwidth={self.bandwidth!r}, "
                f"shards={self.shards})")


class RingAllReduce(Network):
    """Ring all-reduce between the workers: no parameter server."""

    kind = "ring"

    def __init__(self, latency=1e-3, bandwidth=1e9):
        self.latency = _check("RingAllReduce", "latency", latency, positive=False)
        self.bandwidth = _check("RingAllReduce", "bandwidth", bandwidth, positive=True)

    def allreduce_time(self, workers, nbytes):
        """``2(N−1)·latency + 2(N−1)/N · bytes/bandwidth`` (0 for a single worker)."""
        n = workers
        return 2 * (n - 1) * self.latency + 2 * (n - 1) / n * nbytes / self.bandwidth


class Link:
    """A first-in-first-out link of a run: ``send(t, nbytes)`` returns when the message has
    arrived. Messages queue behind each other at ``shards × bandwidth``; one message alone still
    needs ``nbytes / bandwidth`` (the sender's own link) plus ``latency``."""

    __slots__ = ("latency", "bandwidth", "rate", "free_at", "free")

    def __init__(self, latency, bandwidth, shards=1):
        self.latency, self.bandwidth = latency, bandwidth
        self.rate = shards * bandwidth
        self.free = latency == 0 and math.isinf(bandwidth)
        self.free_at = 0.0

    def send(self, t, nbytes):
        if self.free:
            return t
        begin = t if t > self.free_at else self.free_at
        self.free_at = begin + nbytes / self.rate
        own = t + nbytes / self.bandwidth
        return (self.free_at if self.free_at > own else own) + self.latency

    def cancel_after(self, t):
        """Messages still in flight at ``t`` are abandoned: the link is free again at ``t``."""
        if self.free_at > t:
            self.free_at = t
