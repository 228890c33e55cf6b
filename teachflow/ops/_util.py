"""Small helpers every op module uses to build nodes and check arguments."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import Tensor, get_default_graph
from ..core.opdef import OPS


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
