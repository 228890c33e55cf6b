"""CheckNumerics: stop a run at the first tensor holding NaN or infinity, with your message.

``tf.check_numerics(x, "logits")`` passes ``x`` through unchanged, or fails the run with
InvalidArgumentError ("logits : Tensor had NaN values"), as TF1 does. ``add_check_numerics_ops``
puts one such check on every float tensor of the graph. The gradient is the incoming gradient,
itself checked (TF1's rule): a NaN born in the backward pass is caught where it appears.
"""
import numpy as np

from ..core.constant import convert_to_tensor
from ..core.errors import InvalidArgumentError
from ..core.graph import get_default_graph
from ..core.opdef import OpDef, register
from ._util import make


@register
class CheckNumerics(OpDef):
    formula = "y = x, or stop the run if x holds NaN or ±inf"
    grad_formulas = ("∂L/∂x = ∂L/∂y (itself checked)",)
    batching = "elementwise"

    def infer(self, op):
        x = op.inputs[0]
        if not x.dtype.is_floating:
            from ..core.shapes import ShapeError
            raise ShapeError(f"check_numerics needs a float tensor, got {x.name} of dtype {x.dtype.name}",
                             hint="only float16, float32 and float64 can hold NaN or inf")
        return x._dims, x.dtype

    def bind(self, op, session):
        message = op.attrs["message"]
        isfinite = np.isfinite

        def check(x):
            if not isfinite(x).all():
                nan, inf = bool(np.isnan(x).any()), bool(np.isinf(x).any())
                kind = "Inf and NaN" if nan and inf else "NaN" if nan else "Inf"
                raise InvalidArgumentError(
                    f"{message} : Tensor had {kind} values (CheckNumerics op '{op.name}' on "
                    f"{op.inputs[0].name})", op)
            return x
        return check

    def gradient(self, op, g):
        return [check_numerics(
            g, "Not a number (NaN) or infinity (Inf) values detected in gradient. "
            + op.attrs["message"])]


def check_numerics(tensor, message, name=None):
    """``tensor`` unchanged; the run fails with ``message`` if it holds NaN or infinity."""
    if not isinstance(message, str):
        raise TypeError(f"check_numerics: message must be a string, got {message!r}.")
    x = convert_to_tensor(tensor)
    return make("CheckNumerics", [x], name or "CheckNumerics", message=message)


def verify_tensor_all_finite(t, msg, name=None):
    """TF1's other name for ``check_numerics`` (``tf.debugging.assert_all_finite``)."""
    return check_numerics(t, msg, name=name)


def add_check_numerics_ops():
    """One op that checks every float tensor of the default graph (TF1's debugging aid):
    run it with the train op (``sess.run([train, check])``) and the first NaN/inf stops the run,
    the message naming the tensor (``"layer1/MatMul:0"``)."""
    from .control_ops import group
    g = get_default_graph()
    checks = []
    for op in g.get_operations():
        # as TF1, whose variables and assignments output reference tensors it skips: checking
        # an assignment or a random op would run it
        if op.type == "CheckNumerics" or op.opdef.stateful or op.opdef.ref_inputs:
            continue
        for t in op.outputs:
            if t.dtype.is_floating:
                with g.control_dependencies(None):
                    checks.append(check_numerics(t, t.name))
    if not checks:
        raise ValueError("add_check_numerics_ops: the graph has no float tensor to check.")
    return group(*checks, name="CheckNumericsOps")
