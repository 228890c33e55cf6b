"""``conv2d``: a bank of learned filters slid over NHWC images."""
from ..core.shapes import ShapeError, fmt
from ..ops.variable_scope import variable_scope
from ..ops import init_ops
from ..ops.windows import _nhwc_arg, _padding
from ..ops.conv_ops import conv2d as _nn_conv2d
from ..ops.nn_ops import bias_add
from ._base import (activity_loss, channels_last, floating, pair_of_positive_ints, param,
                    positive_int)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=None, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """``activation(conv2d(inputs, kernel) + bias)`` with ``filters`` output channels.

    ``kernel_size`` and ``strides`` are an int or (height, width); ``padding`` is "valid" or
    "same" (any case). Variables ``<name>/kernel`` [kh, kw, in_channels, filters] and
    ``<name>/bias`` [filters]; ops ``Conv2D``, ``BiasAdd`` and the activation."""
    channels_last(data_format, "conv2d")
    x = floating(inputs, "conv2d")
    if x.ndim != 4:
        d = x._dims
        hint = ("add the channel axis: tf.reshape(x, [-1, h, w, 1])" if d is not None and len(d) == 3
                else "reshape flat rows into images, e.g. tf.reshape(x, [-1, 28, 28, 1])")
        raise ShapeError(f"conv2d expects inputs of rank 4 [batch, height, width, channels] (NHWC), "
                         f"got shape {fmt(d)}. Hint: {hint}.", hint=hint)
    if x._dims[3] is None:
        raise ShapeError(f"conv2d: the channel dimension of the inputs must be known, got "
                         f"{fmt(x._dims)}")
    filters = positive_int(filters, "conv2d", "filters")
    kh, kw = _nhwc_arg(pair_of_positive_ints(kernel_size, "conv2d", "kernel_size"), "kernel_size")
    pair_of_positive_ints(strides, "conv2d", "strides")
    pair_of_positive_ints(dilation_rate, "conv2d", "dilation_rate")
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = param("kernel", (kh, kw, x._dims[3], int(filters)), x.dtype, kernel_initializer,
                       kernel_regularizer, trainable)
        y = _nn_conv2d(x, kernel, strides=_nhwc_arg(strides, "strides"), padding=_padding(padding),
                       dilations=_nhwc_arg(dilation_rate, "dilation_rate"))
        if use_bias:
            bias = param("bias", (int(filters),), x.dtype, bias_initializer, bias_regularizer,
                         trainable, default=init_ops.zeros_initializer)
            y = bias_add(y, bias)
        if activation is not None:
            y = activation(y)
        activity_loss(activity_regularizer, y)
        return y
