"""Indexing ops: ``t[1:, ::2]`` (StridedSlice), ``tf.gather`` and ``tf.one_hot``; their gradients
scatter the incoming gradient back to the positions that were read."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import Tensor
from ..core.opdef import OpDef, register, shape_value
from ..core.shapes import ShapeError, fmt, normalize_axis
from ._util import make


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

    def shape_value(self, op):  # tf.shape(x)[0], tf.shape(x)[1:]: part of a known shape
        key, v = op.attrs["key"], shape_value(op.inputs[0])
        if not isinstance(v, tuple) or len(key) != 1:
            return None
        k = key[0]
        if isinstance(k, slice):
            return v[k]
        return v[k] if isinstance(k, int) and -len(v) <= k < len(v) else None


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
