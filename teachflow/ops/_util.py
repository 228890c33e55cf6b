"""Small helpers every op module uses to build nodes and check arguments."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import Tensor, get_default_graph
from ..core.opdef import OPS, shape_value
from ..core.shapes import fmt


def make(op_type, inputs, name=None, **attrs):
    """Add an op of type ``op_type`` to the default graph; return its output (or outputs)."""
    op = get_default_graph().create_op(OPS[op_type], inputs, attrs, name)
    if len(op.outputs) == 1:
        return op.outputs[0]
    return tuple(op.outputs) if op.outputs else op


def pair(x, y, op_type):
    """Two operands as tensors of one dtype: a Python/NumPy value takes the tensor's dtype;
    two tensors of different dtypes are an error (TF1 never casts silently)."""
    for what, v in (("x", x), ("y", y)):
        if v is None:
            raise ValueError(f"{op_type}: input {what} is None (None values not supported); pass a "
                             "tensor or a number.")
    if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype) if not isinstance(y, Tensor) else y
    elif isinstance(y, Tensor) or hasattr(y, "_as_graph_element"):
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(
            f"{op_type} expects both inputs to have the same dtype, but {x.name} is "
            f"{x.dtype.name} and {y.name} is {y.dtype.name}. Use tf.cast(..., tf.{x.dtype.name}) "
            "on one of them.")
    return x, y


def float_check(x, op_type):
    if not x.dtype.is_floating:
        raise TypeError(f"{op_type} needs a floating-point tensor, but {x.name} is {x.dtype.name}. "
                        f"Use tf.cast({x.op.name}, tf.float32) first.")


def as_dtype(d):
    return _dtypes.as_dtype(d)


def floating(x, op_type):
    """``x`` as a tensor, which must be floating-point (the inputs of activations and losses)."""
    x = convert_to_tensor(x)
    float_check(x, op_type)
    return x


def number_arg(v, fn, what):
    """``v`` must be a real Python/NumPy number: name ``fn``'s argument ``what`` otherwise."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{fn}: {what} must be a number, got {v!r} ({type(v).__name__}).")
    return v


# --------------------------------------------------------------------------- shapes given as tensors
def shape_arg(shape, fn, minus_one=False):
    """A shape argument that holds a tensor (``tf.shape(x)``, ``[tf.shape(x)[0], 10]``, a fed
    int32 vector): a tuple of ints when graph building knows every entry (the caller's static
    path), else the 1-D int tensor whose value the op reads at run time. Entries known at build
    time are checked here (non-negative; -1 once where ``minus_one``), the rest by ``run_dims``."""
    if isinstance(shape, (list, tuple)):
        for d in shape:
            if isinstance(d, Tensor):
                if not d.dtype.is_integer or d._dims not in ((), None):
                    raise TypeError(f"{fn}: an entry of the shape must be an int or an int32/int64 "
                                    f"scalar tensor, got {d.name} ({d.dtype.name}, shape {d.shape}).")
            elif isinstance(d, bool) or not isinstance(d, (int, np.integer)):
                raise TypeError(f"{fn}: every entry of the shape must be an int (or an int tensor), "
                                f"got {d!r} ({type(d).__name__}) in the shape.")
        dtype = next(d.dtype for d in shape if isinstance(d, Tensor))
        shape = convert_to_tensor([d if isinstance(d, Tensor) else np.asarray(d, dtype.np) for d in shape])
    t = convert_to_tensor(shape)
    if t.dtype not in (_dtypes.int32, _dtypes.int64) or (t._dims is not None and len(t._dims) != 1):
        raise TypeError(f"{fn}: a shape given as a tensor must be a 1-D int32 or int64 vector, got "
                        f"{t.name} ({t.dtype.name}, shape {t.shape}).")
    known = known_dims(t, fn, minus_one)
    return known if known is not None and None not in known else t


def known_dims(t, fn, minus_one=False):
    """The entries of the shape tensor ``t`` known while building (a tuple with None for the
    rest; None when its length is unknown), checked as ``shape_arg`` says."""
    dims = shape_value(t)
    if dims is not None and _negative(dims, minus_one):
        raise ValueError(f"{fn}: every dimension of the shape must be {_ALLOWED[minus_one]}, got "
                         f"{fmt(dims)} (from {t.name}).")
    return dims


def run_dims(value, minus_one=False, what="shape"):
    """A shape tensor's run-time value as a tuple of ints; a negative dimension (but one -1
    where ``minus_one``) is a ValueError naming the values (the plan names the op)."""
    v = np.asarray(value)
    if v.ndim != 1:
        raise ValueError(f"the {what} must be a 1-D vector, got a value of shape {list(v.shape)}: {v.tolist()}")
    dims = tuple(v.tolist())
    if _negative(dims, minus_one):
        entry = "dimension" if what == "shape" else "entry"
        raise ValueError(f"the {what} {list(dims)} read at run time has a negative {entry}; every "
                         f"{entry} must be {_ALLOWED[minus_one]}")
    return dims


_ALLOWED = {False: "non-negative", True: "non-negative (one may be -1)"}


def _negative(dims, minus_one):
    """Does ``dims`` hold a negative entry (besides a single -1 where ``minus_one``)?"""
    return (any(d is not None and d < 0 and not (minus_one and d == -1) for d in dims)
            or (minus_one and dims.count(-1) > 1))
