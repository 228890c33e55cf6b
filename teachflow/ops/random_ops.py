"""Random tensors, seeded as in TF1: a graph seed (``tf.set_random_seed``) plus an op seed.

With a graph seed and no op seed, the op seed is the number of ops created before it, so the
same program draws the same numbers on every run. Each session keeps one stream per random op:
every ``sess.run`` draws fresh numbers, and a new session starts the sequence again.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.graph import Tensor, get_default_graph, name_scope
from ..core.opdef import OpDef, register
from ._util import known_dims, make, run_dims, shape_arg

DEFAULT_GRAPH_SEED = 87654321


def get_seed(op_seed):
    """``(graph seed, op seed)`` for a new random op, following TF1's rules."""
    g = get_default_graph()
    if g.seed is not None:
        return g.seed, (len(g._ops) if op_seed is None else int(op_seed))
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed)
    return None, None


class _Random(OpDef):
    differentiable = False
    stateful = True
    kind = "random"

    def infer(self, op):
        if op.inputs:  # the shape is a tensor: its entries known while building, None elsewhere
            return known_dims(op.inputs[0], op.type), op.attrs["dtype"]
        return op.attrs["shape"], op.attrs["dtype"]

    def bind(self, op, session):
        rng = session.state.rng(op)
        dt, draw = op.attrs["dtype"].np, self.draw
        if op.inputs:
            return lambda shape: draw(rng, run_dims(shape)).astype(dt, copy=False)
        shape = op.attrs["shape"]
        return lambda: draw(rng, shape).astype(dt, copy=False)


@register
class RandomStandardNormal(_Random):
    formula = "y ~ N(0, 1)"

    @staticmethod
    def draw(rng, shape):
        return rng.standard_normal(shape)


@register
class RandomUniform(_Random):
    formula = "y ~ U[0, 1)"

    @staticmethod
    def draw(rng, shape):
        return rng.random(shape)


@register
class TruncatedNormal(_Random):
    formula = "y ~ N(0, 1), redrawn outside ±2"

    @staticmethod
    def draw(rng, shape):
        out = rng.standard_normal(shape)
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(out) > 2
        return out


def _shape(shape, fn):
    """A tuple of ints, or a 1-D int tensor (``tf.shape(z_mean)``) whose value is read at run time."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if isinstance(shape, Tensor) or (isinstance(shape, (list, tuple))
                                     and any(isinstance(d, Tensor) for d in shape)):
        return shape_arg(shape, fn)
    return tuple(int(d) for d in shape)


def _random(op_type, shape, dtype, seed, fn):
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise TypeError(f"{op_type} makes floating-point tensors, not {dt.name}.")
    shape = _shape(shape, fn)
    s1, s2 = get_seed(seed)
    if isinstance(shape, Tensor):
        return make(op_type, [shape], op_type, dtype=dt, seed=s1, seed2=s2)
    return make(op_type, [], op_type, shape=shape, dtype=dt, seed=s1, seed2=s2)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Samples of N(mean, stddev²): ``RandomStandardNormal * stddev + mean``."""
    with name_scope(name, "random_normal") as scope:
        r = _random("RandomStandardNormal", shape, dtype, seed, "tf.random_normal")
        return _affine(r, stddev, mean, scope)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal samples, redrawn when more than two standard deviations from the mean."""
    with name_scope(name, "truncated_normal") as scope:
        r = _random("TruncatedNormal", shape, dtype, seed, "tf.truncated_normal")
        return _affine(r, stddev, mean, scope)


def random_uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """Uniform samples in ``[minval, maxval)`` (maxval defaults to 1)."""
    with name_scope(name, "random_uniform") as scope:
        r = _random("RandomUniform", shape, dtype, seed, "tf.random_uniform")
        hi = 1.0 if maxval is None else maxval
        return _affine(r, hi - minval if not hasattr(hi, "op") else hi - minval, minval, scope)


def _affine(r, scale, shift, scope):
    from .math_ops import add, multiply
    if not (isinstance(scale, (int, float)) and scale == 1):
        r = multiply(r, scale, name="mul")
    if isinstance(shift, (int, float)) and shift == 0:
        return r
    return add(r, shift, name="add")


def random_shuffle(value, seed=None, name=None):
    """A random permutation of ``value`` along its first axis."""
    from ..core.constant import convert_to_tensor
    x = convert_to_tensor(value)
    s1, s2 = get_seed(seed)
    return make("RandomShuffle", [x], name or "RandomShuffle", seed=s1, seed2=s2)


@register
class RandomShuffle(OpDef):
    formula = "y = x with its rows in random order"
    differentiable = False
    stateful = True
    kind = "random"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    def bind(self, op, session):
        rng = session.state.rng(op)
        return lambda x: rng.permutation(x)
