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
* ``ColocatedShards(latency, bandwidth)``: the parameters are split into N shards, one on each
  worker, which aggregates it (d2l's "parameters sharded over the GPUs"). Each worker sends the
  N − 1 foreign pieces of its gradient (``bytes/N`` each) to their owners over its own link while
  receiving the pieces of its shard, then sends its updated shard back the same way:
  ``2·latency + 2(N−1)/N · bytes/bandwidth``. Four GPUs, 160 MB at 16 GB/s: 2 × 7.5 ms = 15 ms.
  Like the ring it is a collective (synchronous strategies without backups only).

A network is asked what it does (``pull``, ``gather``, ``apply_row``, ``require_server``,
``fixed_message_time``), never switched on by name, so a new network is one new class.
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
    """Base class: a parameter server reached over first-in-first-out links. ``kind`` is
    ``"ps"`` (a parameter server), ``"ring"`` or ``"colocated"`` (collectives): a name for records
    and display only; behaviour comes from the methods."""

    kind = "ps"
    latency = 0.0
    bandwidth = math.inf
    shards = 1
    apply_row = "ps"          # the timeline row of an update: the server

    def message_time(self, nbytes):
        """One message on an idle network."""
        return self.latency + nbytes / self.bandwidth

    def links(self):
        """Fresh (egress, ingress) queues of the server for one run."""
        return Link(self.latency, self.bandwidth, self.shards), Link(self.latency, self.bandwidth, self.shards)

    def require_server(self, what):
        """Raise ValueError if ``what`` (e.g. "asynchronous strategies") cannot run here: only
        collectives, where every worker joins every exchange, refuse."""

    def fixed_message_time(self):
        """The time of every message if it is fixed (never queues), else None: what the
        textbook formulas assume (``L`` in ``m + 2L``)."""
        return float(self.latency) if math.isinf(self.bandwidth) else None

    def pull(self, links, t, nbytes):
        """When a pull of ``nbytes`` asked for at ``t`` arrives at the worker."""
        return links[0].send(t, nbytes)

    def gather(self, links, ce, nbytes, need, order):
        """The gradient exchange of one synchronous step: workers finish computing at ``ce``;
        the step needs ``need`` gradients; ``order`` (a permutation of the workers) breaks ties
        and is the order in which equal-time messages are served. Returns ``(t_apply, arrive,
        push_start, used)``: when the update happens, when each worker's message is in, when
        it started sending, and the sorted workers whose gradients are averaged. Messages of
        the late workers still in flight at ``t_apply`` are abandoned."""
        ingress = links[1]
        order = sorted(order, key=ce.__getitem__)
        arrive = [0.0] * len(ce)
        for w in order:
            arrive[w] = ingress.send(ce[w], nbytes)
        by_arrival = sorted(order, key=arrive.__getitem__)
        t_apply = arrive[by_arrival[need - 1]]
        links[0].cancel_after(t_apply)
        ingress.cancel_after(t_apply)
        return t_apply, arrive, list(ce), sorted(by_arrival[:need])

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


class Collective(Network):
    """Base class of the exchanges every worker joins at once (no central server): the step
    waits for the last gradient, then ``allreduce_time`` later every worker has the average."""

    kind = "ring"
    apply_row = "all"         # every worker applies the same average

    def __init__(self, latency=1e-3, bandwidth=1e9):
        name = type(self).__name__
        self.latency = _check(name, "latency", latency, positive=False)
        self.bandwidth = _check(name, "bandwidth", bandwidth, positive=True)

    def allreduce_time(self, workers, nbytes):
        raise NotImplementedError

    description = "a collective"

    def require_server(self, what):
        raise ValueError(f"network: {self.description} is a collective every worker joins at "
                         f"once; {what} need a ParameterServerNetwork (or FreeNetwork)")

    def fixed_message_time(self):
        return None

    def pull(self, links, t, nbytes):
        return t                # the workers already hold the parameters

    def gather(self, links, ce, nbytes, need, order):
        tc = max(ce)
        t_apply = tc + self.allreduce_time(len(ce), nbytes)
        return t_apply, [t_apply] * len(ce), [tc] * len(ce), list(range(len(ce)))


class RingAllReduce(Collective):
    """Ring all-reduce between the workers: no parameter server."""

    description = "ring all-reduce"

    def allreduce_time(self, workers, nbytes):
        """``2(N−1)·latency + 2(N−1)/N · bytes/bandwidth`` (0 for a single worker)."""
        n = workers
        return 2 * (n - 1) * self.latency + 2 * (n - 1) / n * nbytes / self.bandwidth


class ColocatedShards(Collective):
    """The parameters sharded over the workers themselves: worker i holds and aggregates
    shard i (see the module docstring)."""

    kind = "colocated"
    description = "colocated shards (each worker aggregates one shard)"

    def allreduce_time(self, workers, nbytes):
        """``2·latency + 2(N−1)/N · bytes/bandwidth`` (0 for a single worker): a scatter of
        the gradient pieces to their owners and a gather of the updated shards, every worker's
        link busy in parallel."""
        n = workers
        if n == 1:
            return 0.0
        return 2 * self.latency + 2 * (n - 1) / n * nbytes / self.bandwidth


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
