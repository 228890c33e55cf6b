"""Turn a device-placed teachflow graph into pipeline tasks (see ``pipeline.py``).

Every op that depends on fed data runs once per microbatch on its device (``_DataFlow`` says
which ops those are and where they run); a tensor used on another device is a transfer task
on the link (``_Transfers``); the GPipe flush makes the backward pass wait for every forward.
"""
import math

import numpy as np

from ..core.graph import ancestors
from .tasks import Task, after

FEEDS = ("Placeholder", "PlaceholderWithDefault")


def _ops_of(fetches):
    items = fetches if isinstance(fetches, (list, tuple)) else [fetches]
    ops = []
    for f in items:
        if f is None:
            continue
        ops.append(f.op if hasattr(f, "op") and not hasattr(f, "outputs") else f)
    if not ops:
        raise ValueError("fetches must name at least one tensor or operation of a graph")
    return ops


def _dims(tensor, mb):
    d = getattr(tensor, "_dims", None)
    if d is None:
        shape = getattr(tensor, "shape", None)
        d = getattr(shape, "dims", None)
    if d is None:
        return None
    return [mb if x is None else int(x) for x in d]


def tensor_bytes(tensor, mb):
    """Bytes of one tensor with the batch (None) dimension set to ``mb``."""
    d = _dims(tensor, mb)
    if d is None:
        return 0.0
    return float(np.prod(d, dtype=float)) * tensor.dtype.np.itemsize


def flops(op, mb):
    """A rough count: ``2·m·k·n`` for a MatMul, one per output element otherwise."""
    out = sum(float(np.prod(_dims(t, mb) or [1], dtype=float)) for t in op.outputs)
    if op.type in ("MatMul", "BatchMatMul") and op.inputs:
        a = _dims(op.inputs[0], mb) or [1, 1]
        k = a[-2] if op.attrs.get("transpose_a") else a[-1]
        return 2.0 * out * k
    return out


class _DataFlow:
    """The needed ops in creation order, each op's device (a gradient op without one runs on its
    forward op's), which ops depend on fed data, and which are backward ops."""

    def __init__(self, targets, default_device):
        self.needed = ancestors(targets)
        self.order = [op for op in targets[0].graph.get_operations() if op in self.needed]
        self.index = {op: i for i, op in enumerate(self.order)}
        self.feeds, self.data, self.backward, self.dev = set(), set(), {}, {}
        for op in self.order:
            self.dev[op] = _device_of(op, default_device)
            if op.type in FEEDS:
                self.feeds.add(op)
                self.data.add(op)
            elif any(t.op in self.data for t in op.inputs) or any(c in self.data for c in op.control_inputs):
                self.data.add(op)
            self.backward[op] = op.is_gradient
        self.data_order = [op for op in self.order if op in self.data and op not in self.feeds]
        self.devices, self._row = [], {}

    def row_of(self, op):
        """The device index of ``op`` (devices numbered in order of first use)."""
        d = self.dev[op]
        if d not in self._row:
            self._row[d] = len(self.devices)
            self.devices.append(d)
        return self._row[d]

    def forward_sinks(self):
        """Forward data ops no other forward data op consumes: the GPipe flush waits for them."""
        return [op for op in self.data_order if not self.backward[op] and not any(
            c in self.data and not self.backward[c] and c in self.needed
            for t in op.outputs for c in t.consumers())]


def _device_of(op, default_device):
    if op.device:
        return op.device
    fwd = op.gradient_of
    while fwd is not None and not fwd.device:
        fwd = fwd.gradient_of
    return fwd.device if fwd is not None else default_device


class _Transfers:
    """One transfer task per (tensor, destination device, microbatch): ``latency + bytes /
    bandwidth`` on the link ``"src->dst"``."""

    def __init__(self, flow, tasks, mb, latency, bandwidth):
        self.flow, self.tasks, self.mb = flow, tasks, mb
        self.latency, self.bandwidth = latency, bandwidth
        self.sends = {}

    def send(self, tensor, dst, j, prio, *deps):
        key = (tensor, dst, j)
        if key not in self.sends:
            src = self.flow.dev[tensor.op]
            t = Task(f"{src}->{dst}", self.latency + tensor_bytes(tensor, self.mb) / self.bandwidth,
                     prio, f"send {tensor.op.name}" + ("" if j is None else f" ({j})"), "push")
            after(t, *deps)
            self.tasks.append(t)
            self.sends[key] = t
        return self.sends[key]


def _wire_inputs(t, op, j, flow, T, transfers, prio):
    """Make task ``t`` (``op`` on microbatch ``j``) wait for its inputs, sent over when they were
    computed on another device."""
    dev, index = flow.dev, flow.index
    for inp in op.inputs:
        p = inp.op
        if p in flow.feeds:    # fed data appears where it is used, unless placed elsewhere
            if op.device and p.device and dev[p] != dev[op]:
                after(t, transfers.send(inp, dev[op], j, prio))
        elif p in flow.data:
            dep = T[p, j]
            if dev[p] != dev[op]:
                dep = transfers.send(inp, dev[op], j, prio, dep)
            after(t, dep)
        elif dev[p] != dev[op]:  # a variable or constant: sent once, ready at time 0
            after(t, transfers.send(inp, dev[op], None, (-1, 0, index[p])))
    for ctl in op.control_inputs:
        if ctl in flow.data and ctl not in flow.feeds:
            after(t, T[ctl, j])


def graph_tasks(fetches, mb, M, speed, overhead, cost, latency, bandwidth, default_device):
    """``(device names, tasks)`` for ``M`` microbatches of ``mb`` examples through ``fetches``."""
    targets = _ops_of(fetches)
    flow = _DataFlow(targets, default_device)

    def op_cost(op):
        if cost is not None:
            return float(cost(op, mb))
        s = speed.get(flow.dev[op], 1e9) if isinstance(speed, dict) else speed
        return flops(op, mb) / s + overhead

    tasks, T = [], {}
    transfers = _Transfers(flow, tasks, mb, latency, bandwidth)
    for j in range(M):
        for op in flow.data_order:
            phase = 1 if flow.backward[op] else 0
            prio = (phase, j if phase == 0 else M - 1 - j, flow.index[op])
            t = T[op, j] = Task(flow.row_of(op), op_cost(op), prio, ("B" if phase else "F") + f"{j} {op.name}")
            _wire_inputs(t, op, j, flow, T, transfers, prio)
            tasks.append(t)
    # GPipe flush: the backward pass starts only after every forward pass
    flush = [T[op, j] for op in flow.forward_sinks() for j in range(M)]
    for j in range(M):
        for op in flow.data_order:
            if flow.backward[op] and not any(flow.backward.get(i.op) and i.op in flow.data for i in op.inputs):
                after(T[op, j], *flush)
    if not math.isfinite(sum(t.duration for t in tasks)):
        raise ValueError("pipeline: an op or transfer has an infinite cost")
    return flow.devices, tasks
