"""Shaping ops: reshape, transpose, expand_dims/squeeze, concat/stack, and unstack/split (several
outputs). Gradients move values back where they came from. Indexing is in ``index_ops``, making
tensors in ``creation_ops``, where/identity/shape in ``selection_ops``."""
import numpy as np

from ..core.constant import convert_to_tensor
from ..core.graph import Tensor
from ..core.opdef import OpDef, register, shape_value
from ..core.shapes import ShapeError, fmt, normalize_axis
from ._util import known_dims, make, run_dims, shape_arg
from .index_ops import strided_slice
from .selection_ops import identity




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
    """Reshape to ``attrs["shape"]``, or (a second input) to a shape tensor read at run time."""
    formula = "y = x with a new shape (same values, same order)"
    grad_formulas = ("∂L/∂x = ∂L/∂y reshaped back",)

    def infer(self, op):
        x = op.inputs[0]
        if len(op.inputs) == 2:
            return _reshape_dims(x._dims, known_dims(op.inputs[1], "tf.reshape", minus_one=True)), x.dtype
        shape = op.attrs["shape"]
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
        if len(op.inputs) == 2:
            return False
        x, shape = op.inputs[0], op.attrs["shape"]
        return (batched[0] and x._dims is not None and shape[:1] == (-1,) and -1 not in shape[1:]
                and None not in x._dims[1:] and int(np.prod(x._dims[1:])) == int(np.prod(shape[1:])))

    def bind(self, op, session):
        if len(op.inputs) == 2:
            return _reshape_at_run_time
        shape = op.attrs["shape"]
        return lambda x: np.reshape(x, shape)

    def gradient(self, op, g):
        return [reshape_like(g, op.inputs[0])] + [None] * (len(op.inputs) - 1)


def _reshape_dims(x_dims, dims):
    """The static shape of a reshape to the partly known shape ``dims`` (TF1's rule: one entry
    that is -1 or unknown is inferred when x's size and every other entry are known)."""
    if dims is None:
        return None
    if dims.count(-1) > 1:
        raise ShapeError(f"Reshape: at most one -1 in the new shape {list(dims)}")
    n, open_ = _num(x_dims), [i for i, d in enumerate(dims) if d is None or d == -1]
    rest = _num([d for d in dims if d is not None and d != -1])
    if n is not None and len(open_) <= 1:
        if (open_ and (rest == 0 or n % rest)) or (not open_ and n != rest):
            raise ShapeError(f"Cannot reshape a tensor with {n} elements to shape "
                             f"{fmt(dims)}",
                             hint="the product of the new dims must match the element count")
        if open_:
            return tuple(n // rest if d is None or d == -1 else d for d in dims)
    return tuple(None if d == -1 else d for d in dims)


def _reshape_at_run_time(x, shape):
    """Reshape to a shape tensor's value, with TF1's message when the sizes disagree."""
    dims = run_dims(shape, minus_one=True)
    n, rest = np.size(x), int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if (-1 in dims and (rest == 0 or n % rest)) or (-1 not in dims and n != rest):
        raise ValueError(f"Input to reshape is a tensor with {n} values, but the requested shape "
                         f"{list(dims)} " + (f"requires a multiple of {rest}" if -1 in dims
                                             else f"has {rest}"))
    return np.reshape(x, dims)


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
    """``tensor`` with a new shape; one entry may be -1 (inferred). The shape may be a tensor
    (``tf.shape(y)``, ``[tf.shape(x)[0], -1]``): static when its value is known while building."""
    x = convert_to_tensor(tensor)
    if isinstance(shape, Tensor) or (isinstance(shape, (list, tuple))
                                     and any(isinstance(d, Tensor) for d in shape)):
        shape = shape_arg(shape, "tf.reshape", minus_one=True)
        if isinstance(shape, Tensor):  # read at run time: tf.reshape(x, tf.shape(y))
            return make("Reshape", [x, shape], name or "Reshape")
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

    def shape_value(self, op):  # tf.concat([[-1], tf.shape(x)[1:]], 0)
        parts = [shape_value(x) for x in op.inputs]
        if op.attrs["axis"] != 0 or not all(isinstance(p, tuple) for p in parts):
            return None
        return sum(parts, ())


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

    def shape_value(self, op):  # tf.stack([tf.shape(x)[0], 10]): the known entries
        if op.attrs["axis"] != 0 or any(x._dims != () for x in op.inputs):
            return None
        return tuple(shape_value(x) for x in op.inputs)


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
