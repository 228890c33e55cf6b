"""Symbolic reverse-mode differentiation: ``tf.gradients(ys, xs)`` adds gradient ops to the graph.

It lives in the ops layer (as TF1's ``gradients_impl.py``): it builds ops.

Walk the ops between ``xs`` and ``ys`` from the last created to the first (a reverse topological
order), sum the gradients arriving at each output (several paths -> one AddN), and ask the op's
definition for the gradients of its inputs. Every op built while differentiating op X records
``gradient_of = X``, so the step-through can say "backward step for X".
"""
from ..core.constant import convert_to_tensor
from ..core.dtypes import variant
from ..core.graph import Tensor, _graph_of
from .creation_ops import ones_like, zeros_like
from .math_ops import add_n


def _between(ys, xs, within=None):
    """Ops on some path from an x to a y (following data inputs, not control edges); with
    ``within`` (a control-flow context), only the ops of that branch or loop body."""
    back = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in back:
            continue
        back.add(op)
        stack.extend(t.op for i, t in enumerate(op.inputs) if i not in op.opdef.ref_inputs)
    forward = set()
    stack = [c for x in xs for c in x._consumers]
    while stack:
        op = stack.pop()
        if op in forward or op not in back or (within is not None and op.context is not within):
            continue
        forward.add(op)
        stack.extend(c for t in op.outputs for c in t._consumers)
    return forward


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None, within=None):
    """``[∂(sum of ys)/∂x for x in xs]`` as new tensors (None where x does not reach ys).

    ``within`` (used by tf.cond/tf.while_loop's gradients) differentiates only the ops of one
    branch or loop body, ``xs`` being its loop variables and the outer tensors it reads."""
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    ys = [convert_to_tensor(y) for y in ys]
    for x in xs:
        if not isinstance(x, Tensor):
            raise TypeError(f"tf.gradients: xs must be tensors or variables, got {x!r}")
    g = _graph_of(ys)
    for t in ys + xs:
        if t.graph is not g:
            raise ValueError(f"tf.gradients: {t.name} is from another graph than {ys[0].name}. Build "
                             "the loss and the tensors you differentiate by in one graph (a "
                             "tf.reset_default_graph() between them starts a new one).")
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if len(grad_ys) != len(ys):
        raise ValueError(f"tf.gradients: {len(grad_ys)} grad_ys for {len(ys)} ys.")
    stops = {(s.op if isinstance(s, Tensor) else s) for s in (stop_gradients or [])}
    ops = sorted(_between(ys, xs, within), key=lambda o: o._id, reverse=True)
    acc = {}  # tensor -> list of gradient tensors arriving at it
    with g.name_scope(name):
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            with g.gradient_context(y.op, None):
                gy = ones_like(y, name=f"grad_ys_{i}") if gy is None else convert_to_tensor(gy, y.dtype)
            acc.setdefault(y, []).append(gy)
        for op in ops:
            if op in stops or not op.opdef.differentiable:
                continue
            out_grads = [_aggregate(g, op, acc.get(t), add_n) for t in op.outputs]
            if all(gr is None for gr in out_grads):
                continue
            # gradient ops run where their forward op runs (TF's colocate_gradients_with_ops)
            with g.name_scope(op.name + "_grad"), g.device(op.device), \
                    g.gradient_context(op, next(gr for gr in out_grads if gr is not None)):
                if any(gr is None for gr in out_grads):  # an unused output: its gradient is zero
                    out_grads = [gr if gr is not None or t.dtype == variant else zeros_like(t)
                                 for gr, t in zip(out_grads, op.outputs)]
                in_grads = op.opdef.gradient(op, *out_grads)
            if len(in_grads) != len(op.inputs):
                raise RuntimeError(f"The gradient of {op.type} returned {len(in_grads)} values for "
                                   f"{len(op.inputs)} inputs.")
            for i, (t, gr) in enumerate(zip(op.inputs, in_grads)):
                if gr is None or not t.dtype.is_floating or i in op.opdef.ref_inputs:
                    continue
                if gr.op.gradient_of is op and gr.op.grad_input_index is None:
                    gr.op.grad_input_index = i
                acc.setdefault(t, []).append(gr)
        result = [_aggregate(g, x.op, acc.get(x), add_n) for x in xs]
    return result


def _aggregate(g, op, grads, add_n):
    """Sum the gradients arriving along several paths (one AddN, part of ``op``'s backward)."""
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    with g.gradient_context(op, None):
        total = add_n(grads, name="AddN")
    grads[:] = [total]
    return total
