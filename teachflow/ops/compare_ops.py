"""Comparisons and logic: element-wise, broadcasting, boolean results, no gradients."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import broadcast
from ._util import make, pair


class _Compare(OpDef):
    batching = "elementwise"
    differentiable = False

    def infer(self, op):
        x, y = op.inputs
        return broadcast(x._dims, y._dims), _dtypes.bool_


def _define(op_type, ufunc, formula):
    cls = type(op_type, (_Compare,), {"type": op_type, "formula": formula,
                                       "ufunc": staticmethod(ufunc)})
    register(cls)

    def f(x, y, name=None):
        x, y = pair(x, y, op_type)
        return make(op_type, [x, y], name or op_type)
    f.__doc__ = f"Element-wise ``{formula}`` (boolean result)."
    return f


equal = _define("Equal", np.equal, "z = (x == y)")
not_equal = _define("NotEqual", np.not_equal, "z = (x ≠ y)")
less = _define("Less", np.less, "z = (x < y)")
less_equal = _define("LessEqual", np.less_equal, "z = (x ≤ y)")
greater = _define("Greater", np.greater, "z = (x > y)")
greater_equal = _define("GreaterEqual", np.greater_equal, "z = (x ≥ y)")


def _logic(op_type, ufunc, formula):
    f = _define(op_type, ufunc, formula)

    def g(x, y, name=None):
        x, y = convert_to_tensor(x, _dtypes.bool_), convert_to_tensor(y, _dtypes.bool_)
        return f(x, y, name)
    g.__doc__ = f.__doc__
    return g


logical_and = _logic("LogicalAnd", np.logical_and, "z = x ∧ y")
logical_or = _logic("LogicalOr", np.logical_or, "z = x ∨ y")
logical_xor = _logic("LogicalXor", np.logical_xor, "z = x ⊕ y")


@register
class LogicalNot(OpDef):
    batching = "elementwise"
    formula = "y = ¬x"
    differentiable = False
    ufunc = staticmethod(np.logical_not)

    def infer(self, op):
        return op.inputs[0]._dims, _dtypes.bool_


def logical_not(x, name=None):
    return make("LogicalNot", [convert_to_tensor(x, _dtypes.bool_)], name or "LogicalNot")
