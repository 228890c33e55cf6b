"""The global step (``tf.train.get_or_create_global_step``) and learning-rate schedules
(``exponential_decay``)."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import GraphKeys, Tensor, get_default_graph, name_scope
from ..core.variables import Variable
from ..ops.math_ops import cast


# --------------------------------------------------------------------------- global step and schedules
def get_global_step(graph=None):
    """The graph's global step: the one variable in the GLOBAL_STEP collection, else a tensor
    named ``global_step:0``, else None."""
    g = graph or get_default_graph()
    steps = g.get_collection(GraphKeys.GLOBAL_STEP)
    if len(steps) == 1:
        step = steps[0]
    elif not steps:
        try:
            step = g.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
    else:
        raise ValueError(f"Multiple tensors in the global_step collection: {[s.name for s in steps]}.")
    if not step.dtype.is_integer or step._dims not in ((), None):
        raise TypeError(f"Existing global step {step.name} is not an integer scalar "
                        f"({step.dtype.name}, shape {step.shape}).")
    return step


def create_global_step(graph=None):
    """Create the int64 scalar variable ``global_step`` (an error if the graph already has one)."""
    g = graph or get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError('"global_step" already exists.')
    with g.as_default(), g.name_scope(None), g.control_dependencies(None):
        return Variable(np.zeros((), np.int64), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The int64 scalar variable ``global_step`` (created on first use, not trainable)."""
    g = graph or get_default_graph()
    step = get_global_step(g)
    return step if step is not None else create_global_step(g)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``lr · decay_rate^(global_step / decay_steps)`` (floored exponent with ``staircase``).

    The result has ``learning_rate``'s dtype (float32 for a Python number) and is named
    ``ExponentialDecay``; it is a tensor, so every run recomputes it from the current step."""
    from ..ops.unary_ops import floor
    from ..ops.math_ops import multiply, pow, truediv
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    for what, v, ok in (("decay_steps", decay_steps, lambda x: x > 0),
                        ("decay_rate", decay_rate, lambda x: x >= 0)):
        if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v) or not ok(v):
            raise ValueError(f"exponential_decay: {what} must be a "
                             f"{'positive' if what == 'decay_steps' else 'non-negative'} finite "
                             f"number, got {v!r}.")
    with name_scope(name, "ExponentialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        if not lr.dtype.is_floating:
            lr = cast(lr, _dtypes.float32)
        dt = lr.dtype
        steps = cast(convert_to_tensor(decay_steps), dt)
        rate = cast(convert_to_tensor(decay_rate), dt)
        p = truediv(cast(global_step, dt), steps)
        if staircase:
            p = floor(p)
        return multiply(lr, pow(rate, p), name=scope)
