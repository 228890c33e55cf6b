"""``dense``, ``flatten`` and ``dropout``."""
from ..core.constant import convert_to_tensor
from ..core.graph import name_scope
from ..core.shapes import ShapeError, fmt
from ..ops.variable_scope import variable_scope
from ..ops import init_ops
from ..ops.selection_ops import identity, where
from ..ops.array_ops import reshape
from ..ops.math_ops import cast, matmul
from ..ops.nn_ops import bias_add
from ..ops.nn_ops import dropout as _nn_dropout
from ._base import activity_loss, floating, param, positive_int, training_flag


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=None, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True,
          name=None, reuse=None):
    """``activation(inputs·kernel + bias)``: a fully connected layer of ``units`` neurons.

    Variables ``<name>/kernel`` [in, units] (glorot-uniform) and ``<name>/bias`` [units] (zeros);
    ops ``MatMul``, ``BiasAdd`` and the activation, in the name scope of the layer."""
    x = floating(inputs, "dense")
    if x.ndim is None or x.ndim < 2 or x._dims[-1] is None:
        raise ShapeError(f"dense: the last dimension of the inputs must be known and the rank at "
                         f"least 2, got shape {fmt(x._dims)}. Hint: give the placeholder a shape "
                         "such as [None, 784].")
    units = positive_int(units, "dense", "units")
    n_in = x._dims[-1]
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = param("kernel", (n_in, units), x.dtype, kernel_initializer, kernel_regularizer,
                       trainable)
        if x.ndim == 2:
            y = matmul(x, kernel)
        else:  # apply to the last axis of every position: fold the leading axes into rows
            lead = [d for d in x._dims[:-1]]
            if lead.count(None) > 1:
                raise ShapeError(f"dense on inputs of shape {fmt(x._dims)}: at most one unknown "
                                 "leading dimension is supported")
            y = reshape(matmul(reshape(x, [-1, n_in]), kernel),
                        [-1 if d is None else d for d in lead] + [units])
        if use_bias:
            bias = param("bias", (units,), x.dtype, bias_initializer, bias_regularizer, trainable,
                         default=init_ops.zeros_initializer)
            y = bias_add(y, bias)
        if activation is not None:
            y = activation(y)
        activity_loss(activity_regularizer, y)
        return y


def flatten(inputs, name=None, data_format="channels_last"):
    """``[batch, d1, d2, ...] -> [batch, d1·d2·...]`` (the non-batch sizes must be known)."""
    x = convert_to_tensor(inputs)
    dims = x._dims
    if dims is None or len(dims) < 1 or None in dims[1:]:
        raise ShapeError(f"flatten needs known sizes for every axis but the first, got {fmt(dims)}")
    n = 1
    for d in dims[1:]:
        n *= d
    with name_scope(name, "flatten"):
        return reshape(x, [-1, n])


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Drop each input with probability ``rate`` while training (scaling the rest by
    ``1/(1 − rate)``); pass them through unchanged otherwise. ``training`` may be a bool tensor."""
    x = floating(inputs, "dropout")
    if isinstance(rate, (int, float)) and not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    training = training_flag(training, "dropout")
    with name_scope(name, "dropout"):
        if training is False or (isinstance(rate, (int, float)) and rate == 0):
            return identity(x)
        if training is True:
            return _nn_dropout(x, rate=rate, noise_shape=noise_shape, seed=seed)
        # a tensor: keep everything (keep_prob = 1) unless training is true
        keep = where(training, cast(1.0 - rate, x.dtype), cast(1.0, x.dtype), name="keep_prob")
        return _nn_dropout(x, keep_prob=keep, noise_shape=noise_shape, seed=seed)
