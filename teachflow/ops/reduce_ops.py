"""Reductions (sum, mean, max, min, prod over axes) and arg-max/min.

The gradient of a reduction spreads ∂L/∂y back over the axes that were reduced: equally for
a sum, divided by the count for a mean, to the winning entries for max/min.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, normalize_axis
from ._util import make


def _out_dims(dims, axes, keepdims):
    if dims is None:
        return None
    if axes is None:
        axes = range(len(dims))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(dims))
    return tuple(d for i, d in enumerate(dims) if i not in axes)


class _Reduce(OpDef):
    np_fn = None

    def infer(self, op):
        x = op.inputs[0]
        return _out_dims(x._dims, op.attrs["axis"], op.attrs["keepdims"]), x.dtype

    def bind(self, op, session):
        axis, keep, fn = op.attrs["axis"], op.attrs["keepdims"], type(self).np_fn
        if axis == ():
            return lambda x: x
        return lambda x: fn(x, axis=axis, keepdims=keep)


@register
class Sum(_Reduce):
    formula = "y = Σ x over axes"
    grad_formulas = ("∂L/∂x = ∂L/∂y broadcast back over the summed axes",)
    np_fn = staticmethod(np.sum)

    def bind(self, op, session):
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]
        if axis == ():
            return lambda x: x
        return lambda x: np.sum(x, axis=axis, keepdims=keep, dtype=x.dtype)

    def gradient(self, op, g):
        return [make("SumGrad", [g, op.inputs[0]], axis=op.attrs["axis"], keepdims=op.attrs["keepdims"],
                     mean=False)]


@register
class Mean(_Reduce):
    formula = "y = mean of x over axes"
    grad_formulas = ("∂L/∂x = ∂L/∂y / n, broadcast back over the averaged axes",)

    def bind(self, op, session):
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]
        if axis == ():
            return lambda x: x

        def mean(x):
            if x.dtype.kind in "iu":  # TF1: integer mean stays integer (truncates)
                return (np.sum(x, axis=axis, keepdims=keep) // _count(x.shape, axis)).astype(x.dtype)
            return np.add.reduce(x, axis=axis, keepdims=keep) / _count(x.shape, axis)  # = np.mean, faster
        return mean

    def gradient(self, op, g):
        return [make("SumGrad", [g, op.inputs[0]], axis=op.attrs["axis"], keepdims=op.attrs["keepdims"],
                     mean=True)]


def _count(shape, axis):
    n = 1
    for a in (range(len(shape)) if axis is None else axis):
        n *= shape[a]
    return n


@register
class SumGrad(OpDef):
    """Broadcast ∂L/∂y back to the shape of x (divided by the count for a mean)."""
    formula = "∂L/∂x = broadcast(∂L/∂y) [/ n for a mean]"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x):
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]
        shape = np.shape(x)
        if np.ndim(g) == 0 and shape:  # the gradient of a full reduction: one number everywhere
            n = _count(shape, axis) if op.attrs["mean"] else 1
            return np.full(shape, g / np.asarray(n, dtype=g.dtype) if n else g, dtype=g.dtype)
        if not keep and axis != ():
            g = np.expand_dims(g, axis if axis is not None else tuple(range(len(shape))))
        out = np.broadcast_to(g, shape)
        if op.attrs["mean"]:
            n = _count(shape, axis)
            return out / np.asarray(n, dtype=out.dtype) if n else out
        return out

    def gradient(self, op, gg):
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]
        r = reduce_mean if op.attrs["mean"] else reduce_sum
        # the mean variant divides by n: ∂/∂g of mean-broadcast is sum/n, i.e. the mean of gg
        return [r(gg, axis=list(axis) if axis is not None else None, keepdims=keep), None]


@register
class Max(_Reduce):
    formula = "y = max of x over axes"
    grad_formulas = ("∂L/∂x = ∂L/∂y at the maximal entries (shared among ties), 0 elsewhere",)
    np_fn = staticmethod(np.max)

    def gradient(self, op, g):
        return [make("MaxGrad", [g, op.inputs[0], op.outputs[0]], axis=op.attrs["axis"],
                     keepdims=op.attrs["keepdims"])]


@register
class Min(_Reduce):
    formula = "y = min of x over axes"
    grad_formulas = ("∂L/∂x = ∂L/∂y at the minimal entries (shared among ties), 0 elsewhere",)
    np_fn = staticmethod(np.min)

    def gradient(self, op, g):
        return [make("MaxGrad", [g, op.inputs[0], op.outputs[0]], axis=op.attrs["axis"],
                     keepdims=op.attrs["keepdims"])]


@register
class MaxGrad(OpDef):
    """Route ∂L/∂y to the entries that won the max (or min), split evenly among ties (as TF)."""
    formula = "∂L/∂x = ∂L/∂y ⊙ [x == y] / #ties"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x, y):
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]
        if not keep:
            ax = axis if axis is not None else tuple(range(np.ndim(x)))
            g, y = np.expand_dims(g, ax), np.expand_dims(y, ax)
        mask = (x == y)
        ties = np.sum(mask, axis=axis, keepdims=True)
        return (g * mask / ties).astype(x.dtype, copy=False)


@register
class Prod(_Reduce):
    formula = "y = Π x over axes"
    grad_formulas = ("∂L/∂xᵢ = ∂L/∂y · Π_{j≠i} xⱼ",)
    np_fn = staticmethod(np.prod)

    def gradient(self, op, g):
        return [make("ProdGrad", [g, op.inputs[0]], axis=op.attrs["axis"], keepdims=op.attrs["keepdims"])]


@register
class ProdGrad(OpDef):
    """Product of all the *other* entries (exclusive cumulative products: safe with zeros)."""
    formula = "∂L/∂xᵢ = ∂L/∂y · Π_{j≠i} xⱼ"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x):
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]
        nd = np.ndim(x)
        axes = tuple(range(nd)) if axis is None else axis
        if not keep:
            g = np.expand_dims(g, axes)
        rest = [a for a in range(nd) if a not in axes]
        perm = rest + list(axes)
        xt = np.transpose(x, perm)
        lead = xt.shape[:len(rest)]
        flat = xt.reshape(lead + (-1,))
        ones = np.ones(lead + (1,), dtype=x.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape(xt.shape)
        others = np.transpose(others, np.argsort(perm))
        return (g * others).astype(x.dtype, copy=False)


def _reduce(op_type, default_name):
    def f(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        x = convert_to_tensor(input_tensor)
        if axis is None:
            axis = reduction_indices
        keep = bool(keepdims if keepdims is not None else keep_dims)
        try:
            axes = normalize_axis(axis, x.ndim) if axis is not None else None
        except TypeError as e:
            raise TypeError(f"reduce_{default_name.lower()}: {e}") from None
        if axes is not None and x.ndim is not None and len(axes) == x.ndim and not keep:
            axes = None if x.ndim else ()
        return make(op_type, [x], name or default_name, axis=axes, keepdims=keep)
    f.__name__ = default_name
    f.__doc__ = (f"Reduce over ``axis`` (all axes when None): ``{default_name}(x, axis=1)``; "
                 "``keepdims`` keeps reduced axes with size 1.")
    return f


reduce_sum = _reduce("Sum", "Sum")
reduce_mean = _reduce("Mean", "Mean")
reduce_max = _reduce("Max", "Max")
reduce_min = _reduce("Min", "Min")
reduce_prod = _reduce("Prod", "Prod")


class _Arg(OpDef):
    differentiable = False

    def rowwise(self, op, batched):  # along any axis but the batch axis
        return batched[0] and op.attrs["axis"] != 0

    def infer(self, op):
        x, a = op.inputs[0], op.attrs["axis"]
        dims = None if x._dims is None else tuple(d for i, d in enumerate(x._dims) if i != a)
        return dims, op.attrs["output_type"]


@register
class ArgMax(_Arg):
    formula = "i = index of the largest x along axis"

    def kernel(self, op, x):
        return np.argmax(x, axis=op.attrs["axis"]).astype(op.attrs["output_type"].np)


@register
class ArgMin(_Arg):
    formula = "i = index of the smallest x along axis"

    def kernel(self, op, x):
        return np.argmin(x, axis=op.attrs["axis"]).astype(op.attrs["output_type"].np)


def _arg(op_type):
    def f(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):
        x = convert_to_tensor(input)
        if axis is None:
            axis = dimension if dimension is not None else 0
        if x.ndim == 0:
            raise ShapeError(f"{op_type.lower()} needs a tensor of rank >= 1, but {x.name} is a scalar "
                             f"(axis {axis!r} does not exist)")
        if isinstance(axis, bool) or not hasattr(axis, "__index__"):
            raise TypeError(f"{op_type.lower()}: axis must be an int, got {axis!r} ({type(axis).__name__}).")
        (a,) = normalize_axis(int(axis), x.ndim)
        return make(op_type, [x], name or op_type, axis=a, output_type=_dtypes.as_dtype(output_type))
    f.__doc__ = f"{op_type} along ``axis`` (int64 indices by default, as in TF1)."
    return f


argmax = _arg("ArgMax")
argmin = _arg("ArgMin")


# --------------------------------------------------------------------------- logical reductions
class _BoolReduce(_Reduce):
    differentiable = False

    def infer(self, op):
        x = op.inputs[0]
        if x.dtype != _dtypes.bool_:
            raise TypeError(f"{self.type} ({'reduce_all' if self.type == 'All' else 'reduce_any'}) "
                            f"expects a bool tensor, but {x.name} is {x.dtype.name}. Compare first, "
                            f"e.g. tf.greater({x.op.name}, 0), or tf.cast(..., tf.bool).")
        return super().infer(op)


@register
class All(_BoolReduce):
    formula = "y = x₁ ∧ x₂ ∧ … over axes (true when every entry is true)"
    np_fn = staticmethod(np.all)


@register
class Any(_BoolReduce):
    formula = "y = x₁ ∨ x₂ ∨ … over axes (true when some entry is true)"
    np_fn = staticmethod(np.any)


reduce_all = _reduce("All", "All")
reduce_any = _reduce("Any", "Any")


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=_dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None):
    """The number of non-zero entries over ``axis`` (int64 by default), built as TF1 builds it:
    ``cast(reduce_sum(cast(not_equal(x, 0), int64), axis), dtype)``."""
    from ..core.graph import name_scope
    from .compare_ops import not_equal
    from .math_ops import cast
    with name_scope(name, "count_nonzero"):
        x = convert_to_tensor(input_tensor)
        zero = convert_to_tensor(np.zeros((), dtype=x.dtype.np), dtype=x.dtype)
        nonzero = cast(not_equal(x, zero), _dtypes.int64)
        total = reduce_sum(nonzero, axis=axis, keepdims=keepdims, reduction_indices=reduction_indices,
                           keep_dims=keep_dims)
        dt = _dtypes.as_dtype(dtype)
        return total if dt == _dtypes.int64 else cast(total, dt)
