"""``max_pooling2d`` and ``average_pooling2d``: shrink NHWC images window by window."""
from ..core.graph import name_scope
from ..ops.pool_ops import avg_pool, max_pool
from ..ops.windows import _nhwc_arg, _padding
from ._base import channels_last, floating, pair_of_positive_ints


def _pooling(fn, default_name, inputs, pool_size, strides, padding, data_format, name):
    channels_last(data_format, default_name)
    x = floating(inputs, default_name)
    pair_of_positive_ints(pool_size, default_name, "pool_size")
    pair_of_positive_ints(strides, default_name, "strides")
    with name_scope(name, default_name):
        return fn(x, ksize=_nhwc_arg(pool_size, "pool_size"), strides=_nhwc_arg(strides, "strides"),
                  padding=_padding(padding))


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """The maximum of each ``pool_size`` window, windows ``strides`` apart (op ``MaxPool``)."""
    return _pooling(max_pool, "max_pooling2d", inputs, pool_size, strides, padding, data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """The mean of each ``pool_size`` window (op ``AvgPool``; padded cells are not counted)."""
    return _pooling(avg_pool, "average_pooling2d", inputs, pool_size, strides, padding,
                    data_format, name)
