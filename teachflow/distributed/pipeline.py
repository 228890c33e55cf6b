"""Model parallelism: one model split over devices, run as a GPipe-style pipeline.

The minibatch is cut into M *microbatches*. A device runs the forward part it owns for
microbatch j as soon as j's activations have arrived from the previous device, so devices work on
different microbatches at the same time. After every forward (the GPipe *flush*), the backward
passes run, last microbatch first. Each tensor that crosses from one device to another is a
transfer on the link between them: ``latency + bytes / bandwidth`` (bytes = elements × dtype
size, the batch dimension being the microbatch size).

Two ways in:

* ``Pipeline.from_stages([Stage("gpu:0", forward=1.0, backward=2.0, send_bytes=4e6), ...],
  microbatches=4)``: a chain of stages with given times. With S equal stages and free transfers
  the run takes ``(M + S − 1)·(f + b)`` and the idle *bubble* is ``(S − 1)/(M + S − 1)``.
* ``Pipeline.from_graph(fetches, batch_size=..., microbatches=...)``: a teachflow graph whose ops
  were placed with ``with tf.device("/gpu:1"):`` (``op.device``). Each op costs
  ``flops / device speed + overhead`` (flops: ``2·m·k·n`` for a MatMul, one per output element
  otherwise; or pass ``cost=f(op, microbatch_size) -> seconds``). Gradient ops (``tf.gradients``)
  form the backward pass and run on their own device, or their forward op's when unplaced. Ops
  that need no fed data (variables, constants) are ready at time 0 and, if used on another
  device, sent there once. Simplification: every data-dependent op, an optimizer's update
  included, runs once per microbatch.

The result's event log uses the data-parallel ``Event`` records: ``worker`` is the device index
(``result.devices`` names them) for ``compute``, and a link name ``"gpu:0->gpu:1"`` for the
``push`` of a transfer; ``label`` says what ran (``"F3 hidden/MatMul"``: forward of
microbatch 3).
"""
import heapq
import math
from typing import NamedTuple

import numpy as np

from .clock import EventQueue
from .events import Event, events_to_csv, write_chrome_trace
from .graph_tasks import graph_tasks
from .runner import MAX_EVENTS, SimulationTooLarge
from .tasks import Task, after


class Stage(NamedTuple):
    """One pipeline stage: its device name, forward and backward seconds per microbatch, and the
    bytes of activations it sends to the next stage per microbatch (and receives back as
    gradients)."""
    device: str
    forward: float
    backward: float = 0.0
    send_bytes: float = 0.0


def _check_positive_int(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_size(tasks, microbatches, what, max_events):
    """Refuse a pipeline of more than ``max_events`` tasks before building it (10**9
    microbatches would otherwise never return)."""
    limit = MAX_EVENTS if max_events is None else _check_positive_int("max_events", max_events)
    if tasks > limit:
        raise SimulationTooLarge(
            f"microbatches={microbatches:,} over {what} makes about {tasks:.3g} tasks, more than "
            f"max_events={limit:,}: it could take minutes or hours and fill memory. Use fewer "
            "microbatches (4 to 32 show the bubble), or pass max_events= to build it anyway.")


def _check_time(name, value, positive=False):
    if not (isinstance(value, (int, float)) and not math.isnan(value) and
            (value > 0 if positive else value >= 0)):
        raise ValueError(f"{name} must be a {'positive' if positive else 'non-negative'} "
                         f"number, got {value!r}")
    return float(value)


class Pipeline:
    """A task graph over devices and links, scheduled greedily (each device or link runs one task
    at a time, the ready one of highest priority first). Build it with ``from_stages`` or
    ``from_graph``; ``run()`` returns a ``PipelineResult``."""

    def __init__(self, devices, tasks, microbatches):
        self.devices, self.tasks, self.microbatches = list(devices), tasks, microbatches

    # ----- building
    @classmethod
    def from_stages(cls, stages, microbatches=4, latency=0.0, bandwidth=math.inf, max_events=None):
        stages = [s if isinstance(s, Stage) else Stage(*s) for s in stages]
        if not stages:
            raise ValueError("stages must list at least one Stage(device, forward, backward, send_bytes)")
        M = _check_positive_int("microbatches", microbatches)
        _check_size(4 * M * len(stages), M, f"{len(stages)} stages", max_events)
        latency = _check_time("latency", latency)
        bandwidth = _check_time("bandwidth", bandwidth, positive=True)
        for s in stages:
            _check_time(f"Stage {s.device!r}: forward", s.forward)
            _check_time(f"Stage {s.device!r}: backward", s.backward)
            _check_time(f"Stage {s.device!r}: send_bytes", s.send_bytes)
        S = len(stages)
        names = [s.device for s in stages]
        backward = any(s.backward > 0 for s in stages)
        tasks, F, B = [], {}, {}

        def link(a, b, nbytes, prio, label, *deps):
            t = Task(f"{names[a]}->{names[b]}", latency + nbytes / bandwidth, prio, label, "push")
            after(t, *deps)
            tasks.append(t)
            return t

        for j in range(M):
            for s in range(S):
                t = Task(s, stages[s].forward, (0, j, s), f"F{j}")
                if s > 0:
                    after(t, link(s - 1, s, stages[s - 1].send_bytes, (0, j, s), f"send F{j}", F[s - 1, j]))
                tasks.append(t)
                F[s, j] = t
        if backward:
            flush = [F[S - 1, j] for j in range(M)]
            for j in reversed(range(M)):
                for s in reversed(range(S)):
                    t = Task(s, stages[s].backward, (1, M - 1 - j, S - 1 - s), f"B{j}")
                    after(t, F[s, j])
                    if s == S - 1:
                        after(t, *flush)
                    else:
                        after(t, link(s + 1, s, stages[s].send_bytes, (1, M - 1 - j, S - 1 - s),
                                       f"send B{j}", B[s + 1, j]))
                    tasks.append(t)
                    B[s, j] = t
        return cls(names, tasks, M)

    @classmethod
    def from_graph(cls, fetches, batch_size, microbatches=4, speed=1e9, overhead=1e-6,
                   cost=None, latency=1e-5, bandwidth=1e9, default_device="/cpu:0",
                   max_events=None):
        """``fetches``: a tensor/op or a list (e.g. ``loss`` or ``tf.gradients(loss, params)``);
        ``speed``: flops per second, one number or ``{device: flops}``."""
        M = _check_positive_int("microbatches", microbatches)
        first = fetches[0] if isinstance(fetches, (list, tuple)) and fetches else fetches
        graph = getattr(first, "graph", None)
        n_ops = len(graph.get_operations()) if graph is not None else 1
        _check_size(4 * M * n_ops, M, f"a graph of {n_ops} ops", max_events)
        batch_size = _check_positive_int("batch_size", batch_size)
        if batch_size % M:
            raise ValueError(f"microbatches={M} must divide batch_size={batch_size}")
        _check_time("latency", latency)
        _check_time("bandwidth", bandwidth, positive=True)
        devices, tasks = graph_tasks(fetches, batch_size // M, M, speed, overhead, cost,
                                     latency, bandwidth, default_device)
        return cls(devices, tasks, M)

    # ----- running
    def run(self):
        """Greedy list scheduling on the virtual clock."""
        ready = {t.row: [] for t in self.tasks}     # per device or link: heap of ready tasks
        busy = dict.fromkeys(ready, False)
        q, log, seq = EventQueue(), [], 0
        waiting = {id(t): t.ndeps for t in self.tasks}

        def start(row, now):
            if busy[row] or not ready[row]:
                return
            _, _, task = heapq.heappop(ready[row])
            busy[row] = True
            end = now + task.duration
            log.append(Event(row, task.kind, now, end, label=task.label))
            q.push(end, task)

        def make_ready(task, now):
            nonlocal seq
            seq += 1
            heapq.heappush(ready[task.row], (task.priority, seq, task))
            start(task.row, now)

        for t in self.tasks:
            if t.ndeps == 0:
                make_ready(t, 0.0)
        done = 0
        while q:
            now, task = q.pop()
            done += 1
            busy[task.row] = False
            for s in task.succ:
                waiting[id(s)] -= 1
                if waiting[id(s)] == 0:
                    make_ready(s, now)
            start(task.row, now)
        if done != len(self.tasks):
            raise RuntimeError("pipeline: some tasks never became ready (a dependency cycle)")
        return PipelineResult(self.devices, log, self.microbatches)


class PipelineResult:
    """A pipeline run: ``events``, ``devices`` (names of rows 0..S−1), ``makespan``,
    ``bubble_fraction`` (share of device time idle), ``busy`` seconds per device."""

    def __init__(self, devices, events, microbatches):
        self.devices, self.events, self.microbatches = devices, events, microbatches
        self.makespan = max((e.end for e in events), default=0.0)
        self.busy = [sum(e.duration for e in events if e.worker == i and e.kind == "compute")
                     for i in range(len(devices))]
        total = len(devices) * self.makespan
        self.bubble_fraction = 1.0 - sum(self.busy) / total if total > 0 else 0.0

    def summary(self):
        return {"devices": list(self.devices), "microbatches": self.microbatches,
                "makespan": self.makespan, "bubble_fraction": self.bubble_fraction,
                "busy": list(self.busy),
                "transfer_time": sum(e.duration for e in self.events if e.kind == "push")}

    def names(self):
        return {i: d for i, d in enumerate(self.devices)}

    def to_csv(self, path):
        """Write the event log as CSV (atomically); returns ``path``."""
        events_to_csv(self.events, path)
        return path

    def to_chrome_trace(self, path):
        """Write the log as Chrome trace JSON, one row per device and per link."""
        return write_chrome_trace(self.events, path, names=self.names())

    def __repr__(self):
        return (f"<PipelineResult {len(self.devices)} devices, {self.microbatches} microbatches: "
                f"{self.makespan:.4g} s, bubble {self.bubble_fraction:.1%}>")
