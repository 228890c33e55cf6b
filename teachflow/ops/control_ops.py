"""Ops that only order other ops: ``tf.no_op`` and ``tf.group``."""
from ..core.graph import Operation, Tensor, get_default_graph
from ..core.opdef import OPS, OpDef, register
from .selection_ops import identity


@register
class NoOp(OpDef):
    formula = "does nothing; its control inputs run first"
    differentiable = False

    def infer(self, op):
        return []


def no_op(name=None):
    return get_default_graph().create_op(OPS["NoOp"], [], {}, name or "NoOp")


def group(*inputs, name=None):
    """One op that, when run, runs all ``inputs`` (ops or tensors)."""
    g = get_default_graph()
    deps = []
    for x in inputs:
        for y in (x if isinstance(x, (list, tuple)) else [x]):
            if isinstance(y, Tensor):
                y = y.op
            if not isinstance(y, Operation):
                raise TypeError(f"tf.group expects ops or tensors, got {y!r}")
            deps.append(y)
    with g.control_dependencies(deps):
        return g.create_op(OPS["NoOp"], [], {}, name or "group_deps")


def tuple_(tensors, name=None, control_inputs=None):
    """``tf.tuple``: the same tensors, each available only after all of them are computed."""
    gate = group(*tensors, *(control_inputs or []))
    with get_default_graph().control_dependencies([gate]):
        return [identity(t) for t in tensors]
