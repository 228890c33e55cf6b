"""Big inference batches run in slices, so memory stays bounded.

``accuracy.eval(feed_dict={X: X_test, y: y_test})`` on 10,000 images would hold every
activation of every image at once (the first convolution of the classic CNN alone is 1 GB).
Most ops treat each example -- each row along axis 0 -- on its own: convolutions, pooling,
``x·W``, adding a bias, activations, ``in_top_k``. So a *pure* run (no variable updates, no
random numbers) computes that part of the graph a slice of rows at a time, keeps only the
tensors the rest of the graph needs (here ``in_top_k``'s booleans), joins them, and finishes
as usual (the mean over all rows). The values are those of one big run.

``split_runner(plan)`` returns a callable used instead of ``plan.fn``, or
None when there is nothing to gain.
"""
import numpy as np

from . import errors
from .graph import Tensor

SLICE_BYTES = 64 * 2 ** 20  # the largest per-slice tensor of the sliced part stays below this


def _rowwise(op, batched):
    """Row-wise ops (each OpDef says so in ``rowwise``) can run on a slice of the rows."""
    ins = [t in batched for t in op.inputs]
    if not any(ins) or op.outputs == [] or any(t._dims is None for t in op.outputs):
        return False
    return op.opdef.rowwise(op, ins)


def split_runner(plan):
    """A ``feeds -> fetches`` callable that slices big batches, or None. It calls the plan's
    own bound kernels."""
    ops, targets = plan.ops, plan.targets
    if any(op.opdef.stateful or op.opdef.kind == "random" or op.opdef.ref_inputs for op in ops):
        return None
    fed = {t: i for i, t in enumerate(plan.feeds)}
    batch_feeds = [t for t in plan.feeds if t._dims and t._dims[0] is None]
    if not batch_feeds:
        return None
    free, region, rest = _partition(ops, batch_feeds)
    rows = _rows_per_slice(region)
    if rows is None:
        return None
    in_region = {t for op in region for t in op.outputs}
    keep = [t for t in in_region if t in targets or any(c in rest for c in t._consumers)]
    kernels = {op: plan.kernel(op) for op, _, _ in plan.calls}
    last_use = {}  # inside a slice, forget each tensor after its last consumer ran
    for op in region:
        for t in op.inputs:
            if t in in_region:
                last_use[t] = op
    drop = {op: [t for t, last in last_use.items() if last is op and t not in keep] for op in region}
    whole = plan.fn

    def run(values):
        n = len(values[fed[batch_feeds[0]]])
        if n <= rows or any(len(values[fed[t]]) != n for t in batch_feeds):
            return whole(values)
        env = {t: values[i] for t, i in fed.items()}
        _run_ops(free, kernels, env)
        parts = {t: [] for t in keep}
        for start in range(0, n, rows):
            local = dict(env)
            for t in batch_feeds:
                local[t] = env[t][start:start + rows]
            _run_ops(region, kernels, local, drop)
            for t in keep:
                parts[t].append(local[t])
        for t in keep:
            env[t] = np.concatenate(parts[t])
        _run_ops(rest, kernels, env)
        return tuple(env[t] if isinstance(t, Tensor) else None for t in targets)
    return run


def _partition(ops, batch_feeds):
    """``(free, region, rest)``: ops that need no batch (run once, first), the row-wise ops fed
    by the batch (run per slice), and the ops after them (run once on the joined rows)."""
    batched = set(batch_feeds)
    free, region, rest = [], [], []
    late = set()  # outputs of ops that run after the slices
    for op in ops:
        if any(t in late for t in op.inputs):
            rest.append(op)
            late.update(op.outputs)
        elif any(t in batched for t in op.inputs):
            if _rowwise(op, batched):
                region.append(op)
                batched.update(op.outputs)
            else:
                rest.append(op)
                late.update(op.outputs)
        else:
            free.append(op)
    return free, region, rest


def _rows_per_slice(region):
    """Rows per slice so that no tensor of the sliced ops exceeds SLICE_BYTES (None: nothing
    to slice, or row sizes unknown)."""
    sizes = [int(np.prod(t._dims[1:])) * t.dtype.np.itemsize
             for op in region for t in op.outputs if None not in t._dims[1:]]
    if not sizes:
        return None
    return max(1, SLICE_BYTES // max(max(sizes), 1))


def _run_ops(ops, kernels, env, drop=None):
    for op in ops:
        if not op.outputs:
            continue
        d = op.opdef
        try:
            if d.kind == "variable":
                out = kernels[op]()
            else:
                out = kernels[op](*[env[t] for t in op.inputs])
        except errors.OpError:
            raise
        except Exception as e:
            shapes = ", ".join(str(t.shape) for t in op.inputs)
            raise errors.InvalidArgumentError(
                f"{op.type} op '{op.name}' failed while running (in slices of a big batch): "
                f"{type(e).__name__}: {e} (static input shapes: {shapes or 'none'}).", op) from e
        if len(op.outputs) == 1:
            env[op.outputs[0]] = out
        else:
            env.update(zip(op.outputs, out))
        for t in (drop or {}).get(op, ()):
            del env[t]
