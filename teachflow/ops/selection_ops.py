"""Selection and pass-through ops: ``where`` (Select), ``identity``, ``stop_gradient``, the run-time
``shape``/``size``/``rank``, and ``clip_by_value``."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import constant, convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, broadcast
from ._util import make


# --------------------------------------------------------------------------- selection & pass-through
@register
class Select(OpDef):
    batching = "elementwise"
    formula = "y = x where cond else z"
    grad_formulas = (None, "∂L/∂x = ∂L/∂y where cond, else 0", "∂L/∂z = ∂L/∂y where not cond, else 0")

    def infer(self, op):
        c, x, y = op.inputs
        if c.dtype != _dtypes.bool_:
            raise ShapeError(f"where: the condition must be bool, got {c.dtype.name}")
        if x.dtype != y.dtype:
            raise ShapeError(f"where: x and y must share a dtype, got {x.dtype.name} and {y.dtype.name}")
        return broadcast(broadcast(c._dims, x._dims), y._dims), x.dtype

    ufunc = staticmethod(np.where)

    def gradient(self, op, g):
        from .math_ops import unbroadcast
        c, x, y = op.inputs
        zeros = make("ZerosLike", [g])
        gx = make("Select", [c, g, zeros])
        gy = make("Select", [c, zeros, g])
        return [None, unbroadcast(gx, x, y), unbroadcast(gy, y, x)]


@register
class Where(OpDef):
    formula = "y = coordinates of the true entries"
    differentiable = False

    def infer(self, op):
        c = op.inputs[0]
        return (None, c.ndim), _dtypes.int64

    def kernel(self, op, c):
        return np.argwhere(c).astype(np.int64)


def where(condition, x=None, y=None, name=None):
    """``tf.where(cond, x, y)``: pick from x where cond holds, else from y; with only ``cond``,
    the coordinates of its true entries."""
    c = convert_to_tensor(condition)
    if x is None and y is None:
        return make("Where", [c], name or "Where")
    if x is None or y is None:
        raise ValueError("tf.where needs both x and y, or neither.")
    from ._util import pair
    x, y = pair(x, y, "Select")
    return make("Select", [c, x, y], name or "Select")


@register
class Identity(OpDef):
    batching = "elementwise"
    formula = "y = x"
    grad_formulas = ("∂L/∂x = ∂L/∂y",)

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    def bind(self, op, session):
        return lambda x: x

    def gradient(self, op, g):
        return [g]


@register
class StopGradient(Identity):
    formula = "y = x (but no gradient flows back)"
    grad_formulas = ()
    differentiable = False


def identity(input, name=None):
    return make("Identity", [convert_to_tensor(input)], name or "Identity")


def stop_gradient(input, name=None):
    """The same value, treated as a constant by ``tf.gradients``."""
    return make("StopGradient", [convert_to_tensor(input)], name or "StopGradient")


@register
class Shape(OpDef):
    formula = "y = the run-time shape of x"
    differentiable = False

    def infer(self, op):
        x = op.inputs[0]
        return (x.ndim,), op.attrs["out_type"]

    def kernel(self, op, x):
        return np.asarray(np.shape(x), dtype=op.attrs["out_type"].np)

    def shape_value(self, op):
        return op.inputs[0]._dims  # the static shape, None where a dim is known only at run time


@register
class Size(Shape):
    formula = "y = the number of elements of x"

    def infer(self, op):
        return (), op.attrs["out_type"]

    def kernel(self, op, x):
        return np.asarray(np.size(x), dtype=op.attrs["out_type"].np)

    def shape_value(self, op):
        dims = op.inputs[0]._dims
        return None if dims is None or None in dims else int(np.prod(dims, dtype=np.int64))


def shape(input, name=None, out_type=_dtypes.int32):
    x = convert_to_tensor(input)
    if x.shape.is_fully_defined():
        return constant(np.asarray(x._dims, dtype=_dtypes.as_dtype(out_type).np), name=name or "Shape")
    return make("Shape", [x], name or "Shape", out_type=_dtypes.as_dtype(out_type))


def size(input, name=None, out_type=_dtypes.int32):
    return make("Size", [convert_to_tensor(input)], name or "Size", out_type=_dtypes.as_dtype(out_type))


def rank(input, name=None):
    x = convert_to_tensor(input)
    if x.ndim is None:
        raise ShapeError(f"rank of {x.name} is unknown")
    return constant(np.int32(x.ndim), name=name or "Rank")


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """``min(max(t, lo), hi)``, built from Minimum and Maximum as TF1 does."""
    from ..core.graph import name_scope
    from .math_ops import maximum, minimum
    with name_scope(name, "clip_by_value"):
        t = convert_to_tensor(t)
        return maximum(minimum(t, clip_value_max), clip_value_min)
