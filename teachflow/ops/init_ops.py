"""Initializers: callables ``init(shape, dtype) -> Tensor`` used by get_variable and layers.

Each builds ordinary random or constant ops, so an initializer is visible in the graph.
"""
import math

import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import constant
from . import random_ops


class Initializer:
    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError


class Zeros(Initializer):
    def __init__(self, dtype=_dtypes.float32):
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtypes.as_dtype(dtype or self.dtype)
        return constant(np.zeros(tuple(shape), dt.np), name="zeros")


class Ones(Zeros):
    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtypes.as_dtype(dtype or self.dtype)
        return constant(np.ones(tuple(shape), dt.np), name="ones")


class Constant(Initializer):
    def __init__(self, value=0, dtype=_dtypes.float32):
        self.value, self.dtype = value, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = _dtypes.as_dtype(dtype or self.dtype)
        v = np.asarray(self.value, dtype=dt.np)
        if v.size == 1:
            v = np.full(tuple(shape), v.reshape(()), dt.np)
        elif v.size == int(np.prod(shape)):
            v = v.reshape(tuple(shape))
        else:
            raise ValueError(f"constant initializer: {v.size} values do not fill shape {list(shape)}")
        return constant(v, name="Const")


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=_dtypes.float32):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_normal(shape, self.mean, self.stddev, dtype or self.dtype, self.seed)


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.truncated_normal(shape, self.mean, self.stddev, dtype or self.dtype, self.seed)


class RandomUniform(Initializer):
    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=_dtypes.float32):
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype or self.dtype, self.seed)


def _fans(shape):
    """(fan_in, fan_out) as TF computes them: conv kernels multiply by the receptive field."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    field = int(np.prod(shape[:-2]))
    return shape[-2] * field, shape[-1] * field


class VarianceScaling(Initializer):
    """Samples with variance ``scale / n`` where n is fan_in, fan_out or their mean.

    ``scale=2, mode="fan_in"`` is He initialization; ``scale=1, mode="fan_avg"`` is Glorot."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=_dtypes.float32):
        if scale <= 0:
            raise ValueError(f"variance_scaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"variance_scaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("variance_scaling: distribution must be truncated_normal, "
                             f"untruncated_normal or uniform, got {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed, self.dtype = scale, mode, distribution, seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, n)
        dt = dtype or self.dtype
        if self.distribution == "truncated_normal":
            # 0.8796...: the stddev of a unit normal truncated at ±2, corrected as TF does
            return random_ops.truncated_normal(shape, 0.0, math.sqrt(var) / .87962566103423978, dt, self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(var), dt, self.seed)
        limit = math.sqrt(3.0 * var)
        return random_ops.random_uniform(shape, -limit, limit, dt, self.seed)


def glorot_uniform_initializer(seed=None, dtype=_dtypes.float32):
    """U(−l, l) with l = √(6 / (fan_in + fan_out)): TF1's default for get_variable and layers."""
    return VarianceScaling(1.0, "fan_avg", "uniform", seed, dtype)


def glorot_normal_initializer(seed=None, dtype=_dtypes.float32):
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed, dtype)


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
random_uniform_initializer = RandomUniform
variance_scaling_initializer = VarianceScaling
