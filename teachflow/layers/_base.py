"""What every layer shares: its scope, its parameters and the ``training`` switch."""
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
