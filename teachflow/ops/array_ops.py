"""Shaping and indexing ops: reshape, transpose, concat, stack, slicing, gather, one_hot,
fill/zeros/ones, where, identity, stop_gradient. Gradients move values back where they came from."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import constant, convert_to_tensor
from ..core.graph import Tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, broadcast, fmt, normalize_axis
from ._util import make


_MAX_CONSTANT_ELEMENTS = 10 ** 8  # a range baked into the graph: ~400 MB of int32 at most


def _int_arg(v, fn, what):
    """``v`` as an int; a float, string or tensor is a TypeError naming ``fn``'s argument ``what``."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{fn}: {what} must hold Python ints, got {v!r} ({type(v).__name__}).")
    return int(v)


def _seq(v, fn, what):
    if isinstance(v, (str, bytes, Tensor)) or not hasattr(v, "__iter__"):
        raise TypeError(f"{fn}: {what} must be a list of ints, got {v!r}.")
    return tuple(v)


def _num(dims):
    if dims is None or None in dims:
        return None
    n = 1
    for d in dims:
        n *= d
    return n


# --------------------------------------------------------------------------- reshape & friends
@register
class Reshape(OpDef):
    formula = "y = x with a new shape (same values, same order)"
    grad_formulas = ("∂L/∂x = ∂L/∂y reshaped back",)

    def infer(self, op):
        x, shape = op.inputs[0], op.attrs["shape"]
        if sum(1 for d in shape if d == -1) > 1:
            raise ShapeError(f"Reshape: at most one -1 in the new shape {list(shape)}")
        n = _num(x._dims)
        known = _num([d for d in shape if d != -1])
        if -1 in shape:
            if n is not None:
                if known == 0 or n % known:
                    raise ShapeError(f"Cannot reshape a tensor with {n} elements to shape {list(shape)}",
                                     hint="the product of the new dims must divide the element count")
                return tuple(n // known if d == -1 else d for d in shape), x.dtype
            return tuple(None if d == -1 else d for d in shape), x.dtype
        if n is not None and n != known:
            raise ShapeError(f"Cannot reshape a tensor with {n} elements to shape {list(shape)} "
                             f"({known} elements)", hint="use -1 for the dimension to infer")
        return tuple(shape), x.dtype

    def rowwise(self, op, batched):  # [-1, ...] with the rest of each row's shape fixed
        x, shape = op.inputs[0], op.attrs["shape"]
        return (batched[0] and x._dims is not None and shape[:1] == (-1,) and -1 not in shape[1:]
                and None not in x._dims[1:] and int(np.prod(x._dims[1:])) == int(np.prod(shape[1:])))

    def bind(self, op, session):
        shape = op.attrs["shape"]
        return lambda x: np.reshape(x, shape)

    def gradient(self, op, g):
        return [reshape_like(g, op.inputs[0])]


@register
class ReshapeLike(OpDef):
    formula = "y = x reshaped to the shape of t"
    grad_formulas = ("∂L/∂x = ∂L/∂y reshaped back", None)

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def bind(self, op, session):
        return lambda x, like: np.reshape(x, np.shape(like))

    def gradient(self, op, g):
        return [reshape_like(g, op.inputs[0]), None]


def reshape(tensor, shape, name=None):
    """``tensor`` with a new static shape; one entry may be -1 (inferred)."""
    x = convert_to_tensor(tensor)
    if isinstance(shape, Tensor):
        raise TypeError("tf.reshape in teachflow takes a static shape (a list of ints, one may be -1), "
                        f"not the tensor {shape.name}.")
    shape = tuple(-1 if d is None else _int_arg(d, "tf.reshape", "shape") for d in _seq(shape, "tf.reshape", "shape"))
    return make("Reshape", [x], name or "Reshape", shape=shape)


def reshape_like(x, like, name=None):
    return make("ReshapeLike", [x, like], name or "Reshape")


@register
class Transpose(OpDef):
    formula = "y = x with axes permuted"
    grad_formulas = ("∂L/∂x = ∂L/∂y with the inverse permutation",)

    def infer(self, op):
        x, perm = op.inputs[0], op.attrs["perm"]
        if x._dims is None:
            return None, x.dtype
        if sorted(perm) != list(range(len(x._dims))):
            raise ShapeError(f"transpose: perm {list(perm)} is not a permutation of the {len(x._dims)} axes")
        return tuple(x._dims[p] for p in perm), x.dtype

    def bind(self, op, session):
        perm = op.attrs["perm"]
        return lambda x: np.transpose(x, perm)

    def gradient(self, op, g):
        return [transpose(g, list(np.argsort(op.attrs["perm"])))]


def transpose(a, perm=None, name="transpose"):
    """Permute axes (reverse them when ``perm`` is None): ``tf.transpose(m)`` is mᵀ."""
    x = convert_to_tensor(a)
    if perm is None:
        if x.ndim is None:
            raise ShapeError("transpose without perm needs a known rank")
        perm = tuple(reversed(range(x.ndim)))
    perm = tuple(_int_arg(p, "tf.transpose", "perm") for p in _seq(perm, "tf.transpose", "perm"))
    return make("Transpose", [x], name, perm=perm)


@register
class ExpandDims(OpDef):
    formula = "y = x with a new axis of size 1"
    grad_formulas = ("∂L/∂x = ∂L/∂y reshaped back",)

    def infer(self, op):
        x, a = op.inputs[0], op.attrs["axis"]
        if x._dims is None:
            return None, x.dtype
        return x._dims[:a] + (1,) + x._dims[a:], x.dtype

    def bind(self, op, session):
        a = op.attrs["axis"]
        return lambda x: np.expand_dims(x, a)

    def gradient(self, op, g):
        return [reshape_like(g, op.inputs[0])]


def expand_dims(input, axis=None, name=None, dim=None):
    x = convert_to_tensor(input)
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("expand_dims needs an axis.")
    axis = _int_arg(axis, "tf.expand_dims", "axis")
    r = x.ndim
    if r is not None:
        if not -r - 1 <= axis <= r:
            raise ShapeError(f"expand_dims: axis {axis} out of range for rank {r}")
        axis = axis % (r + 1)
    return make("ExpandDims", [x], name or "ExpandDims", axis=int(axis))


@register
class Squeeze(OpDef):
    formula = "y = x without its size-1 axes"
    grad_formulas = ("∂L/∂x = ∂L/∂y reshaped back",)

    def infer(self, op):
        x, axes = op.inputs[0], op.attrs["axis"]
        if x._dims is None:
            return None, x.dtype
        if axes is None:
            if None in x._dims:
                raise ShapeError("squeeze without an axis needs fully known dimensions",
                                 hint="name the axis to squeeze, e.g. tf.squeeze(x, axis=1)")
            return tuple(d for d in x._dims if d != 1), x.dtype
        for a in axes:
            if x._dims[a] not in (1, None):
                raise ShapeError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {x._dims[a]}")
        return tuple(d for i, d in enumerate(x._dims) if i not in axes), x.dtype

    def bind(self, op, session):
        axes = op.attrs["axis"]
        return lambda x: np.squeeze(x, axis=axes)

    def gradient(self, op, g):
        return [reshape_like(g, op.inputs[0])]


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    x = convert_to_tensor(input)
    axis = squeeze_dims if axis is None else axis
    axes = None if axis is None or axis == [] else normalize_axis(axis, x.ndim)
    return make("Squeeze", [x], name or "Squeeze", axis=axes)


# --------------------------------------------------------------------------- joining
@register
class ConcatV2(OpDef):
    formula = "y = [x₁, x₂, …] joined along an axis"
    grad_formulas = ("∂L/∂xᵢ = the slice of ∂L/∂y where xᵢ went",)

    def infer(self, op):
        xs, a = op.inputs, op.attrs["axis"]
        ranks = {x.ndim for x in xs if x.ndim is not None}
        if len(ranks) > 1:
            raise ShapeError(f"concat: all inputs need the same rank, got shapes "
                             + ", ".join(fmt(x._dims) for x in xs))
        if not ranks:
            return None, xs[0].dtype
        out = list(next(x._dims for x in xs if x._dims is not None))
        total = 0
        for x in xs:
            if x.dtype != xs[0].dtype:
                raise ShapeError(f"concat: mixed dtypes {xs[0].dtype.name} and {x.dtype.name}")
            for i, (d, e) in enumerate(zip(out, x._dims)):
                if i != a and d is not None and e is not None and d != e:
                    raise ShapeError(f"concat along axis {a}: dimension {i} differs ({d} vs {e})")
                if i != a and d is None:
                    out[i] = e
            total = None if total is None or x._dims[a] is None else total + x._dims[a]
        out[a] = total
        return tuple(out), xs[0].dtype

    def bind(self, op, session):
        a = op.attrs["axis"]
        return lambda *xs: np.concatenate(xs, axis=a)

    def gradient(self, op, g):
        return [make("ConcatGrad", [g] + list(op.inputs), index=i, axis=op.attrs["axis"])
                for i in range(len(op.inputs))]


@register
class ConcatGrad(OpDef):
    formula = "∂L/∂xᵢ = ∂L/∂y[offsetᵢ : offsetᵢ + sizeᵢ] along the axis"

    def infer(self, op):
        return op.inputs[1 + op.attrs["index"]]._dims, op.inputs[0].dtype

    def kernel(self, op, g, *xs):
        a, i = op.attrs["axis"], op.attrs["index"]
        start = sum(np.shape(x)[a] for x in xs[:i])
        idx = [slice(None)] * np.ndim(g)
        idx[a] = slice(start, start + np.shape(xs[i])[a])
        return g[tuple(idx)]


def concat(values, axis, name="concat"):
    if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
        raise TypeError(f"tf.concat expects a list of tensors, got {values!r}.")
    xs = [convert_to_tensor(v) for v in values]
    if not xs:
        raise ValueError("tf.concat needs at least one tensor in values, got an empty list.")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"tf.concat: axis must be an int, got {axis!r} ({type(axis).__name__}).")
    if len(xs) == 1:
        return identity(xs[0], name=name)
    rank = next((x.ndim for x in xs if x.ndim is not None), None)
    (a,) = normalize_axis(int(axis), rank) if rank is not None else (int(axis),)
    return make("ConcatV2", xs, name, axis=a)


@register
class Pack(OpDef):
    formula = "y = [x₁, x₂, …] stacked along a new axis"
    grad_formulas = ("∂L/∂xᵢ = ∂L/∂y[…, i, …]",)

    def infer(self, op):
        xs, a = op.inputs, op.attrs["axis"]
        dims = xs[0]._dims
        for x in xs[1:]:
            if x.dtype != xs[0].dtype:
                raise ShapeError(f"stack: mixed dtypes {xs[0].dtype.name} and {x.dtype.name}")
            if dims is not None and x._dims is not None and len(dims) == len(x._dims):
                for d, e in zip(dims, x._dims):
                    if d is not None and e is not None and d != e:
                        raise ShapeError("stack: all inputs need the same shape, got "
                                         + ", ".join(fmt(t._dims) for t in xs))
            elif dims is not None and x._dims is not None:
                raise ShapeError("stack: all inputs need the same rank")
        if dims is None:
            return None, xs[0].dtype
        return dims[:a] + (len(xs),) + dims[a:], xs[0].dtype

    def bind(self, op, session):
        a = op.attrs["axis"]
        return lambda *xs: np.stack(xs, axis=a)

    def gradient(self, op, g):
        a = op.attrs["axis"]
        return [strided_slice(g, (slice(None),) * a + (i,)) for i in range(len(op.inputs))]


def stack(values, axis=0, name="stack"):
    xs = [convert_to_tensor(v) for v in values]
    if not xs:
        raise ValueError("stack needs at least one tensor.")
    axis = _int_arg(axis, "tf.stack", "axis")
    r = xs[0].ndim
    if r is not None:
        if not -r - 1 <= axis <= r:
            raise ShapeError(f"stack: axis {axis} out of range for inputs of rank {r}")
        axis %= r + 1
    return make("Pack", xs, name, axis=int(axis))


# --------------------------------------------------------------------------- indexing
def _norm_key(key):
    key = key if isinstance(key, tuple) else (key,)
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise ValueError(f"Multiple ellipses in slice spec not allowed: {key!r} has "
                         f"{sum(1 for k in key if k is Ellipsis)} '...'; use at most one.")
    out = []
    for k in key:
        if isinstance(k, Tensor):
            raise TypeError(f"teachflow slicing takes Python ints and slices, not the tensor {k.name}; "
                            "use tf.gather for tensor indices.")
        if isinstance(k, slice):
            for part in (k.start, k.stop, k.step):
                if part is not None and not isinstance(part, (int, np.integer)):
                    raise TypeError(f"Slice bounds must be ints, got {part!r}")
            out.append(slice(k.start, k.stop, k.step))
        elif k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, (int, np.integer)):
            out.append(int(k))
        else:
            raise TypeError(f"Unsupported index {k!r}: use ints, slices, None or ...")
    return tuple(out)


def _slice_dims(dims, key):
    if dims is None:
        return None
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(dims):
        raise ShapeError(f"Index {key} has too many entries for a tensor of rank {len(dims)}")
    expanded = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (len(dims) - n_real))
        else:
            expanded.append(k)
    if Ellipsis not in key:
        expanded.extend([slice(None)] * (len(dims) - n_real))
    out, i = [], 0
    for k in expanded:
        if k is None:
            out.append(1)
            continue
        d = dims[i]
        i += 1
        if isinstance(k, int):
            if d is not None and not -d <= k < d:
                raise ShapeError(f"Index {k} is out of bounds for a dimension of size {d}")
            continue
        if d is not None:
            out.append(len(range(*k.indices(d))))
        elif k == slice(None):
            out.append(None)
        else:
            out.append(None)
    return tuple(out)


@register
class StridedSlice(OpDef):
    formula = "y = x[key]"
    grad_formulas = ("∂L/∂x = zeros with ∂L/∂y placed at x[key]",)

    def infer(self, op):
        x = op.inputs[0]
        return _slice_dims(x._dims, op.attrs["key"]), x.dtype

    def bind(self, op, session):
        key = op.attrs["key"]
        return lambda x: x[key]

    def gradient(self, op, g):
        return [make("StridedSliceGrad", [g, op.inputs[0]], key=op.attrs["key"])]


@register
class StridedSliceGrad(OpDef):
    formula = "∂L/∂x = zeros, with ∂L/∂y written into [key]"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x):
        out = np.zeros(np.shape(x), dtype=np.asarray(g).dtype)
        out[op.attrs["key"]] = g
        return out


def strided_slice(t, key, name="strided_slice"):
    return make("StridedSlice", [convert_to_tensor(t)], name, key=_norm_key(key))


@register
class GatherV2(OpDef):
    formula = "y = params[indices] along an axis"
    grad_formulas = ("∂L/∂params = ∂L/∂y scattered (summed) back to the gathered rows", None)

    def infer(self, op):
        p, i, a = op.inputs[0], op.inputs[1], op.attrs["axis"]
        if not i.dtype.is_integer:
            raise ShapeError(f"gather indices must be integers, got {i.dtype.name}")
        if p._dims is None or i._dims is None:
            return None, p.dtype
        return p._dims[:a] + i._dims + p._dims[a + 1:], p.dtype

    def kernel(self, op, p, i):
        a = op.attrs["axis"]
        n = np.shape(p)[a]
        if np.size(i) and (np.min(i) < 0 or np.max(i) >= n):
            bad = i[(i < 0) | (i >= n)].flat[0]
            raise IndexError(f"gather index {bad} is not in [0, {n})")
        return np.take(p, i, axis=a)

    def gradient(self, op, g):
        return [make("GatherGrad", [g, op.inputs[0], op.inputs[1]], axis=op.attrs["axis"]), None]


@register
class GatherGrad(OpDef):
    formula = "∂L/∂params[j] = Σ of ∂L/∂y over the places that gathered j"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, p, i):
        a = op.attrs["axis"]
        out = np.zeros(np.shape(p), dtype=g.dtype)
        moved = np.moveaxis(out, a, 0)
        gi = np.moveaxis(g, list(range(a, a + np.ndim(i))), list(range(np.ndim(i))))
        np.add.at(moved, i, gi)
        return out


def gather(params, indices, axis=0, name=None, validate_indices=None):
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices)
    (a,) = normalize_axis(int(axis), p.ndim) if p.ndim is not None else (int(axis),)
    return make("GatherV2", [p, i], name or "GatherV2", axis=a)


@register
class OneHot(OpDef):
    formula = "y[…, k] = on if indices == k else off"
    differentiable = False

    def infer(self, op):
        i = op.inputs[0]
        if not i.dtype.is_integer:
            raise ShapeError(f"one_hot indices must be integers, got {i.dtype.name}",
                             hint="tf.cast the labels to tf.int32")
        if i._dims is None:
            return None, op.attrs["dtype"]
        a = op.attrs["axis"]
        a = len(i._dims) if a == -1 else a
        return i._dims[:a] + (op.attrs["depth"],) + i._dims[a:], op.attrs["dtype"]

    def kernel(self, op, i):
        depth, a = op.attrs["depth"], op.attrs["axis"]
        hot = np.asarray(i)[..., None] == np.arange(depth)
        out = np.where(hot, op.attrs["on"], op.attrs["off"]).astype(op.attrs["dtype"].np)
        return out if a == -1 else np.moveaxis(out, -1, a)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """``[2, 0] -> [[0, 0, 1], [1, 0, 0]]`` (float32 by default)."""
    i = convert_to_tensor(indices)
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.float32
    if isinstance(depth, Tensor):
        raise TypeError(f"tf.one_hot in teachflow takes depth as a Python int, not the tensor {depth.name}.")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"tf.one_hot: depth must be a non-negative int (the number of classes), "
                         f"got {depth!r}.")
    rank = i.ndim
    if axis is not None and (not isinstance(axis, (int, np.integer)) or
                             (rank is not None and not -1 <= axis <= rank)):
        raise ValueError(f"tf.one_hot: axis must be -1 or an int in [0, {rank if rank is not None else 'rank'}] "
                         f"for indices of shape {fmt(i._dims)}, got {axis!r}.")
    return make("OneHot", [i], name or "one_hot", depth=int(depth), axis=-1 if axis is None else int(axis),
                on=1 if on_value is None else on_value, off=0 if off_value is None else off_value, dtype=dt)


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
    return constant(np.zeros(_baked_shape(shape, "tf.zeros"), dt.np), name=name or "zeros")


def ones(shape, dtype=_dtypes.float32, name=None):
    dt = _dtypes.as_dtype(dtype)
    return constant(np.ones(_baked_shape(shape, "tf.ones"), dt.np), name=name or "ones")


@register
class Fill(OpDef):
    formula = "y = value everywhere (a given shape)"
    grad_formulas = ("∂L/∂value = Σ ∂L/∂y",)

    def infer(self, op):
        return op.attrs["dims"], op.inputs[0].dtype

    def kernel(self, op, v):
        return np.full(op.attrs["dims"], v, dtype=np.asarray(v).dtype)

    def gradient(self, op, g):
        from .reduce_ops import reduce_sum
        return [reduce_sum(g)]


def fill(dims, value, name=None):
    dims = _baked_shape(dims, "tf.fill")
    if isinstance(value, Tensor):
        return make("Fill", [value], name or "Fill", dims=dims)
    dt = _dtypes.infer_dtype(value)
    return constant(np.full(dims, value, dtype=dt.np), name=name or "Fill")


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    if limit is None:
        start, limit = 0, start
    for what, v in (("start", start), ("limit", limit), ("delta", delta)):
        if isinstance(v, Tensor):
            raise TypeError(f"tf.range in teachflow takes Python numbers, but {what} is the tensor {v.name}.")
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
    formula = "y = x repeated along each axis"
    grad_formulas = ("∂L/∂x = Σ of ∂L/∂y over the copies",)

    def infer(self, op):
        x, m = op.inputs[0], op.attrs["multiples"]
        if x._dims is None:
            return None, x.dtype
        if len(m) != len(x._dims):
            raise ShapeError(f"tile: {len(m)} multiples for a tensor of rank {len(x._dims)}")
        return tuple(None if d is None else d * k for d, k in zip(x._dims, m)), x.dtype

    def bind(self, op, session):
        m = op.attrs["multiples"]
        return lambda x: np.tile(x, m)

    def gradient(self, op, g):
        return [make("TileGrad", [g, op.inputs[0]], multiples=op.attrs["multiples"])]


@register
class TileGrad(OpDef):
    formula = "∂L/∂x = Σ over the tiled copies of ∂L/∂y"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x):
        shape, m = np.shape(x), op.attrs["multiples"]
        split = []
        for k, d in zip(m, shape):
            split += [k, d]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(shape), 2)))


def tile(input, multiples, name=None):
    return make("Tile", [convert_to_tensor(input)], name or "Tile",
                multiples=_static_shape(multiples, "tf.tile"))


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


@register
class Size(Shape):
    formula = "y = the number of elements of x"

    def infer(self, op):
        return (), op.attrs["out_type"]

    def kernel(self, op, x):
        return np.asarray(np.size(x), dtype=op.attrs["out_type"].np)


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


# --------------------------------------------------------------------------- splitting (several outputs)
def _as_list(out):
    """``make``'s result for an op whose output count varies: always a list of tensors."""
    if isinstance(out, Tensor):
        return [out]
    return list(out) if isinstance(out, tuple) else []


@register
class Unpack(OpDef):
    num_outputs = None  # one output per slice along the axis
    formula = "[y₁, y₂, …] = the slices of x along an axis (the axis removed)"
    grad_formulas = ("∂L/∂x = stack(∂L/∂y₁, ∂L/∂y₂, …) along the axis",)

    def infer(self, op):
        x, a, num = op.inputs[0], op.attrs["axis"], op.attrs["num"]
        dims = None if x._dims is None else x._dims[:a] + x._dims[a + 1:]
        return [(dims, x.dtype)] * num

    def bind(self, op, session):
        a, num = op.attrs["axis"], op.attrs["num"]

        def unstack_(x):
            if np.shape(x)[a] != num:
                raise ValueError(f"Unpack expected {num} slices along axis {a}, got a value of "
                                 f"shape {fmt(np.shape(x))}")
            parts = tuple(np.take(x, i, axis=a) for i in range(num))
            return parts[0] if num == 1 else parts
        return unstack_

    def gradient(self, op, *grads):
        return [make("Pack", list(grads), axis=op.attrs["axis"])]


def unstack(value, num=None, axis=0, name="unstack"):
    """``tf.unstack(x, axis=1)``: the list of slices ``x[:, 0], x[:, 1], …`` (each of rank r−1).

    The number of slices comes from the static shape, or from ``num`` when that dimension is
    unknown (the classic RNN input: ``tf.unstack(x, timesteps, 1)``)."""
    x = convert_to_tensor(value)
    if x.ndim is None:
        raise ShapeError(f"unstack: the rank of {x.name} is unknown; unstack needs a known rank")
    if not -x.ndim <= int(axis) < max(x.ndim, 1) or x.ndim == 0:
        raise ShapeError(f"unstack: axis {axis} is out of range for {x.name} of shape {fmt(x._dims)} "
                         f"(expected an axis in [{-x.ndim}, {x.ndim}) of a tensor of rank ≥ 1)")
    a = int(axis) % x.ndim
    d = x._dims[a]
    if num is None:
        if d is None:
            raise ValueError(f"unstack: cannot infer num from shape {fmt(x._dims)} of {x.name} "
                             f"(dimension {a} is unknown); pass num=")
        num = d
    elif d is not None and int(num) != d:
        raise ValueError(f"unstack: num={num} but dimension {a} of {x.name} is {d}")
    return _as_list(make("Unpack", [x], name, axis=a, num=int(num)))


@register
class Split(OpDef):
    num_outputs = None  # one output per piece
    formula = "[y₁, y₂, …] = x cut into consecutive pieces along an axis"
    grad_formulas = ("∂L/∂x = concat(∂L/∂y₁, ∂L/∂y₂, …) along the axis",)

    def infer(self, op):
        x, a, sizes = op.inputs[0], op.attrs["axis"], op.attrs["sizes"]
        if x._dims is None:
            return [(None, x.dtype)] * len(sizes)
        return [(x._dims[:a] + (s,) + x._dims[a + 1:], x.dtype) for s in sizes]

    def bind(self, op, session):
        a, sizes = op.attrs["axis"], op.attrs["sizes"]

        def split_(x):
            n = np.shape(x)[a]
            if None not in sizes and sum(sizes) != n:
                raise ValueError(f"Split: sizes {list(sizes)} do not add up to dimension {a} "
                                 f"of the value, {n}")
            if None in sizes:  # an even split of a dimension unknown when the graph was built
                k = len(sizes)
                if n % k:
                    raise ValueError(f"Split: dimension {a} of the value ({n}) is not divisible "
                                     f"into {k} equal pieces")
                cuts = np.arange(1, k) * (n // k)
            else:
                cuts = np.cumsum(sizes)[:-1]
            parts = tuple(np.split(x, cuts, axis=a))
            return parts[0] if len(parts) == 1 else parts
        return split_

    def gradient(self, op, *grads):
        return [make("ConcatV2", list(grads), axis=op.attrs["axis"]) if len(grads) > 1
                else make("Identity", [grads[0]])]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """``tf.split(x, 3, axis=1)`` (three equal pieces) or ``tf.split(x, [4, 15, 11], 1)``
    (pieces of those sizes; one size may be -1, the rest). Returns a list of tensors."""
    x = convert_to_tensor(value)
    if x.ndim is None or x.ndim == 0:
        raise ShapeError(f"split: {x.name} needs a known rank ≥ 1, got shape {fmt(x._dims)}")
    if isinstance(axis, Tensor) or isinstance(num_or_size_splits, Tensor):
        raise TypeError("tf.split in teachflow takes a Python int axis and an int or list of ints "
                        "for num_or_size_splits, not tensors.")
    if not -x.ndim <= int(axis) < x.ndim:
        raise ShapeError(f"split: axis {axis} is out of range for {x.name} of rank {x.ndim} "
                         f"(expected an axis in [{-x.ndim}, {x.ndim}))")
    a = int(axis) % x.ndim
    d = x._dims[a]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k < 1:
            raise ValueError(f"split: num_or_size_splits must be ≥ 1, got {k}")
        if d is not None and d % k:
            raise ValueError(f"split: dimension {a} of {x.name} (size {d}) is not divisible by {k}; "
                             "pass a list of sizes instead, e.g. [4, 4, 2]")
        sizes = (None,) * k if d is None else (d // k,) * k
    else:
        sizes = [int(s) for s in num_or_size_splits]
        if not sizes:
            raise ValueError("split: size_splits must not be empty")
        if sum(1 for s in sizes if s == -1) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"split: size_splits {sizes} may contain at most one -1 and no other "
                             "negative size")
        if -1 in sizes:
            if d is None:
                raise ValueError(f"split: a -1 in size_splits needs dimension {a} of {x.name} to be "
                                 "known")
            rest = d - (sum(sizes) + 1)
            if rest < 0:
                raise ValueError(f"split: size_splits {sizes} exceed dimension {a} of {x.name} ({d})")
            sizes = [rest if s == -1 else s for s in sizes]
        if d is not None and sum(sizes) != d:
            raise ValueError(f"split: size_splits {sizes} add up to {sum(sizes)}, but dimension {a} "
                             f"of {x.name} is {d}")
        sizes = tuple(sizes)
    return _as_list(make("Split", [x], name, axis=a, sizes=sizes))
