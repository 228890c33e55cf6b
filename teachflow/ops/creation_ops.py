"""Ops that make tensors from shapes and values: ``zeros``/``ones`` (and ``_like``), ``fill``,
``range``, ``broadcast_like`` and ``tile``."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import constant, convert_to_tensor
from ..core.graph import Tensor
from ..core.opdef import OpDef, register, shape_value
from ..core.shapes import ShapeError, broadcast, fmt
from ._util import known_dims, make, run_dims, shape_arg

_MAX_CONSTANT_ELEMENTS = 10 ** 8  # a range baked into the graph: ~400 MB of int32 at most


# --------------------------------------------------------------------------- creation
@register
class ZerosLike(OpDef):
    formula = "y = 0 with the shape of x"
    differentiable = False
    kind = "constant"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    def bind(self, op, session):
        return np.zeros_like


@register
class OnesLike(ZerosLike):
    formula = "y = 1 with the shape of x"

    def bind(self, op, session):
        return np.ones_like


def zeros_like(tensor, dtype=None, name=None):
    x = convert_to_tensor(tensor)
    out = make("ZerosLike", [x], name or "zeros_like")
    return out if dtype is None else _cast(out, dtype)


def ones_like(tensor, dtype=None, name=None):
    x = convert_to_tensor(tensor)
    out = make("OnesLike", [x], name or "ones_like")
    return out if dtype is None else _cast(out, dtype)


def _cast(x, dtype):
    from .math_ops import cast
    return cast(x, dtype)


def _static_shape(shape, what):
    if isinstance(shape, Tensor):
        raise TypeError(f"{what} in teachflow takes a static shape (a list of ints), not {shape.name}.")
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"{what} expects a shape (a list of ints), got {shape!r}.") from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(f"{what}: every dimension of the shape must be a non-negative int, "
                             f"got {d!r} in {shape!r}.")
    return tuple(int(d) for d in dims)


def _baked_shape(shape, what):
    """A static shape for a value baked into the graph: at most _MAX_CONSTANT_ELEMENTS."""
    dims = _static_shape(shape, what)
    n = 1
    for d in dims:
        n *= d
    if n > _MAX_CONSTANT_ELEMENTS:
        raise ValueError(f"{what}({list(dims)}) would hold {n:,} numbers; teachflow bakes it into "
                         f"the graph and allows at most {_MAX_CONSTANT_ELEMENTS:,}.")
    return dims


def zeros(shape, dtype=_dtypes.float32, name=None):
    dt = _dtypes.as_dtype(dtype)
    dims = _shape_or_tensor(shape, "tf.zeros")
    if isinstance(dims, Tensor):  # tf.zeros(tf.shape(x)): a Fill read at run time, as TF1 builds it
        return make("Fill", [dims, constant(0, dtype=dt)], name or "zeros")
    return constant(np.zeros(_baked_shape(dims, "tf.zeros"), dt.np), name=name or "zeros")


def ones(shape, dtype=_dtypes.float32, name=None):
    dt = _dtypes.as_dtype(dtype)
    dims = _shape_or_tensor(shape, "tf.ones")
    if isinstance(dims, Tensor):
        return make("Fill", [dims, constant(1, dtype=dt)], name or "ones")
    return constant(np.ones(_baked_shape(dims, "tf.ones"), dt.np), name=name or "ones")


def _shape_or_tensor(shape, fn):
    """``shape`` as given, or, when it holds a tensor, a tuple of ints (its value known while
    building) or the shape tensor itself (read at run time)."""
    if isinstance(shape, Tensor) or (isinstance(shape, (list, tuple))
                                     and any(isinstance(d, Tensor) for d in shape)):
        return shape_arg(shape, fn)
    return shape


@register
class Fill(OpDef):
    """``value`` everywhere in a shape: ``attrs["dims"]``, or a shape tensor (first input) read
    at run time (``tf.fill(tf.shape(x), 1.0)``)."""
    formula = "y = value everywhere (a given shape)"
    grad_formulas = ("∂L/∂value = Σ ∂L/∂y",)

    def infer(self, op):
        if len(op.inputs) == 2:
            if op.inputs[1]._dims not in ((), None):
                raise ShapeError(f"fill: the value must be a scalar, got shape {fmt(op.inputs[1]._dims)}")
            return known_dims(op.inputs[0], "tf.fill"), op.inputs[1].dtype
        return op.attrs["dims"], op.inputs[0].dtype

    def bind(self, op, session):
        if len(op.inputs) == 2:
            return lambda dims, v: np.full(run_dims(dims), v, dtype=np.asarray(v).dtype)
        dims = op.attrs["dims"]
        return lambda v: np.full(dims, v, dtype=np.asarray(v).dtype)

    def gradient(self, op, g):
        from .reduce_ops import reduce_sum
        return [None] * (len(op.inputs) - 1) + [reduce_sum(g)]


def fill(dims, value, name=None):
    dims = _shape_or_tensor(dims, "tf.fill")
    if isinstance(dims, Tensor):
        return make("Fill", [dims, convert_to_tensor(value)], name or "Fill")
    dims = _baked_shape(dims, "tf.fill")
    if isinstance(value, Tensor):
        return make("Fill", [value], name or "Fill", dims=dims)
    dt = _dtypes.infer_dtype(value)
    return constant(np.full(dims, value, dtype=dt.np), name=name or "Fill")


@register
class Range(OpDef):
    """``tf.range`` whose bounds are tensors (``tf.range(tf.shape(x)[0])``): counted at run time."""
    formula = "y = [start, start + delta, …] below limit"
    differentiable = False

    def infer(self, op):
        for what, t in zip(("start", "limit", "delta"), op.inputs):
            if t._dims not in ((), None):
                raise ShapeError(f"range: {what} must be a scalar, got shape {fmt(t._dims)}")
        return (None,), op.inputs[0].dtype

    def kernel(self, op, start, limit, delta):
        if delta == 0:
            raise ValueError(f"Requires delta != 0: got delta={delta}")
        if (delta > 0 and start > limit) or (delta < 0 and start < limit):
            raise ValueError(f"Requires start {'<=' if delta > 0 else '>='} limit when delta "
                             f"{'>' if delta > 0 else '<'} 0: start={start}, limit={limit}")
        return np.arange(start, limit, delta, dtype=np.asarray(start).dtype)


def _range_tensors(args, dtype, name):
    """``tf.range`` with a tensor bound: the bounds as scalar tensors of one dtype (the tensors'
    own, or ``dtype``), Python numbers converted to it."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    dt = _dtypes.as_dtype(dtype) if dtype is not None else tensors[0].dtype
    for t in tensors:
        if t.dtype != dt:
            raise TypeError(f"tf.range: the bounds must share one dtype, but {t.name} is {t.dtype.name} "
                            f"and {dt.name} is expected; use tf.cast.")
    return make("Range", [a if isinstance(a, Tensor) else constant(a, dtype=dt) for a in args], name)


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if any(isinstance(v, Tensor) for v in args):
        known = [shape_value(v) if isinstance(v, Tensor) else v for v in args]
        if any(k is None for k in known):  # a bound known only at run time
            return _range_tensors(args, dtype, name)
        start, limit, delta = known      # tf.range(tf.shape(x)[0]) for x of known shape
    for what, v in (("start", start), ("limit", limit), ("delta", delta)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v):
            raise ValueError(f"tf.range: {what} must be a finite number, got {v!r}.")
    if delta == 0:
        raise ValueError(f"tf.range: requires delta != 0, got delta={delta!r} "
                         f"(start={start!r}, limit={limit!r}).")
    count = int(max(0, np.ceil((limit - start) / delta)))
    if count > _MAX_CONSTANT_ELEMENTS:
        raise ValueError(f"tf.range({start!r}, {limit!r}, {delta!r}) would hold {count:,} numbers; "
                         f"teachflow bakes ranges into the graph and allows at most "
                         f"{_MAX_CONSTANT_ELEMENTS:,}.")
    vals = np.arange(start, limit, delta)
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.infer_dtype(
        [start, limit, delta])
    return constant(vals.astype(dt.np), name=name)


@register
class BroadcastLike(OpDef):
    formula = "y = x stretched to the shape of t"
    grad_formulas = ("∂L/∂x = Σ over broadcast axes of ∂L/∂y", None)

    def infer(self, op):
        return broadcast(op.inputs[0]._dims, op.inputs[1]._dims), op.inputs[0].dtype

    def bind(self, op, session):
        return lambda x, like: np.broadcast_to(x, np.broadcast_shapes(np.shape(x), np.shape(like)))

    def gradient(self, op, g):
        return [make("SumToShape", [g, op.inputs[0]]), None]


def broadcast_like(x, like, name=None):
    return make("BroadcastLike", [convert_to_tensor(x), like], name or "BroadcastLike")


@register
class Tile(OpDef):
    """Repeat ``x`` ``attrs["multiples"]`` times, or (a second input) as a tensor says at run time."""
    formula = "y = x repeated along each axis"
    grad_formulas = ("∂L/∂x = Σ of ∂L/∂y over the copies",)

    def infer(self, op):
        x = op.inputs[0]
        m = known_dims(op.inputs[1], "tf.tile") if len(op.inputs) == 2 else op.attrs["multiples"]
        if x._dims is None or m is None:
            return None if x._dims is None else (None,) * len(x._dims), x.dtype
        if len(m) != len(x._dims):
            raise ShapeError(f"tile: {len(m)} multiples for a tensor of rank {len(x._dims)}")
        return tuple(None if d is None or k is None else d * k for d, k in zip(x._dims, m)), x.dtype

    def bind(self, op, session):
        if len(op.inputs) == 2:
            return lambda x, m: np.tile(x, _multiples(x, m))
        m = op.attrs["multiples"]
        return lambda x: np.tile(x, m)

    def gradient(self, op, g):
        if len(op.inputs) == 2:  # the multiples are read back from the shapes
            return [make("TileGrad", [g, op.inputs[0]]), None]
        return [make("TileGrad", [g, op.inputs[0]], multiples=op.attrs["multiples"])]


def _multiples(x, m):
    m = run_dims(m, what="multiples")
    if len(m) != np.ndim(x):
        raise ValueError(f"tile: {len(m)} multiples {list(m)} for a tensor of rank {np.ndim(x)}")
    return m


@register
class TileGrad(OpDef):
    formula = "∂L/∂x = Σ over the tiled copies of ∂L/∂y"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x):
        shape = np.shape(x)
        m = op.attrs.get("multiples") or tuple(a // b if b else 0 for a, b in zip(np.shape(g), shape))
        split = []
        for k, d in zip(m, shape):
            split += [k, d]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(shape), 2)))


def tile(input, multiples, name=None):
    """``input`` repeated ``multiples[i]`` times along axis i; ``multiples`` may hold tensors
    (``[tf.shape(x)[0], 1]``), read at run time when graph building cannot know them."""
    multiples = _shape_or_tensor(multiples, "tf.tile")
    if isinstance(multiples, Tensor):
        return make("Tile", [convert_to_tensor(input), multiples], name or "Tile")
    return make("Tile", [convert_to_tensor(input)], name or "Tile",
                multiples=_static_shape(multiples, "tf.tile"))
