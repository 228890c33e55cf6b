"""What every layer shares: its scope, its parameters and the ``training`` switch."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import GraphKeys, Tensor, add_to_collection
from ..ops.variable_scope import get_variable
from ..ops import init_ops


def param(name, shape, dtype, initializer, regularizer=None, trainable=True, default=None):
    """``tf.get_variable(name, ...)`` in the current (layer) scope, glorot-uniform by default."""
    if initializer is None:
        initializer = default() if default is not None else init_ops.glorot_uniform_initializer()
    return get_variable(name, shape=list(shape), dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=trainable)


def positive_int(v, layer, what):
    """``v`` as an int >= 1, else an error naming the layer's argument (``dense(units='10')``)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{layer}: {what} must be a positive int, got {v!r} ({type(v).__name__}).")
    if v < 1:
        raise ValueError(f"{layer}: {what} must be a positive int, got {v!r}.")
    return int(v)


def pair_of_positive_ints(v, layer, what):
    """An int or a (height, width) pair of ints >= 1 (``kernel_size``, ``strides``)."""
    parts = (v, v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v
    if isinstance(parts, (str, bytes)) or not hasattr(parts, "__iter__") or len(tuple(parts)) not in (1, 2):
        raise TypeError(f"{layer}: {what} must be an int or a pair of ints, got {v!r}.")
    parts = tuple(parts)
    for p in parts:
        positive_int(p, layer, what)
    return v


def activity_loss(regularizer, outputs):
    if regularizer is not None:
        loss = regularizer(outputs)
        if loss is not None:
            add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


def training_flag(training, layer):
    """``training`` as a Python bool, or as a scalar bool tensor (a placeholder) to select with."""
    if isinstance(training, Tensor) or hasattr(training, "_as_graph_element"):
        t = convert_to_tensor(training)
        if t.dtype != _dtypes.bool_ or t.ndim not in (None, 0):
            raise TypeError(f"{layer}: training must be a Python bool or a scalar tf.bool tensor "
                            f"(e.g. tf.placeholder_with_default(False, shape=())), got {t!r}")
        return t
    return bool(training)


def floating(inputs, layer):
    x = convert_to_tensor(inputs)
    if not x.dtype.is_floating:
        raise TypeError(f"{layer} needs floating-point inputs, got {x.dtype.name}: "
                        f"tf.cast({x.op.name}, tf.float32) first.")
    return x


def channels_last(data_format, layer):
    if data_format not in ("channels_last", "NHWC", None):
        raise ValueError(f"{layer}: teachflow supports data_format='channels_last' (NHWC) only, got "
                         f"{data_format!r}")
