"""Turn a device-placed teachflow graph into pipeline tasks (see ``pipeline.py``)."""
import math

import numpy as np

from ..core.graph import ancestors
from .pipeline import _Task, _after

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


def graph_tasks(fetches, mb, M, speed, overhead, cost, latency, bandwidth, default_device):
    targets = _ops_of(fetches)
    needed = ancestors(targets)
    graph = targets[0].graph
    order = [op for op in graph.get_operations() if op in needed]
    index = {op: i for i, op in enumerate(order)}

    def device_of(op):
        if op.device:
            return op.device
        fwd = getattr(op, "gradient_of", None)
        while fwd is not None and not fwd.device:
            fwd = getattr(fwd, "gradient_of", None)
        return fwd.device if fwd is not None else default_device

    devices, row = [], {}
    data, feeds, backward, dev = set(), set(), {}, {}
    for op in order:
        dev[op] = device_of(op)
        if op.type in FEEDS:
            feeds.add(op)
            data.add(op)
        elif any(t.op in data for t in op.inputs) or any(c in data for c in op.control_inputs):
            data.add(op)
        backward[op] = bool(getattr(op, "is_gradient", False))

    def row_of(op):
        if dev[op] not in row:
            row[dev[op]] = len(devices)
            devices.append(dev[op])
        return row[dev[op]]

    def op_cost(op):
        if cost is not None:
            return float(cost(op, mb))
        s = speed.get(dev[op], 1e9) if isinstance(speed, dict) else speed
        return flops(op, mb) / s + overhead

    tasks, T, sends = [], {}, {}

    def send(tensor, dst, j, prio, *deps):
        key = (tensor, dst, j)
        if key not in sends:
            src = dev[tensor.op]
            t = _Task(f"{src}->{dst}", latency + tensor_bytes(tensor, mb) / bandwidth, prio,
                      f"send {tensor.op.name}" + ("" if j is None else f" ({j})"), "push")
            _after(t, *deps)
            tasks.append(t)
            sends[key] = t
        return sends[key]

    data_order = [op for op in order if op in data and op not in feeds]
    fwd_sinks = [op for op in data_order if not backward[op] and not any(
        c in data and not backward[c] and c in needed for t in op.outputs for c in t.consumers())]
    for j in range(M):
        for op in data_order:
            phase = 1 if backward[op] else 0
            prio = (phase, j if phase == 0 else M - 1 - j, index[op])
            c = op_cost(op)
            tag = ("B" if phase else "F") + str(j)
            t = _Task(row_of(op), c, prio, f"{tag} {op.name}")
            T[op, j] = t
            for inp in op.inputs:
                p = inp.op
                if p in feeds:    # fed data appears where it is used, unless placed elsewhere
                    if op.device and p.device and dev[p] != dev[op]:
                        _after(t, send(inp, dev[op], j, prio))
                elif p in data:
                    dep = T[p, j]
                    if dev[p] != dev[op]:
                        dep = send(inp, dev[op], j, prio, dep)
                    _after(t, dep)
                elif dev[p] != dev[op]:
                    _after(t, send(inp, dev[op], None, (-1, 0, index[p])))
            for ctl in op.control_inputs:
                if ctl in data and ctl not in feeds:
                    _after(t, T[ctl, j])
            tasks.append(t)
    # GPipe flush: the backward pass starts only after every forward pass
    flush = [T[op, j] for op in fwd_sinks for j in range(M)]
    for j in range(M):
        for op in data_order:
            if backward[op] and not any(backward.get(i.op) and i.op in data for i in op.inputs):
                _after(T[op, j], *flush)
    if not math.isfinite(sum(t.duration for t in tasks)):
        raise ValueError("pipeline: an op or transfer has an infinite cost")
    return devices, tasks
