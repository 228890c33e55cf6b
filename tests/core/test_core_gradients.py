"""Every core op's gradient against central differences (float64), on random shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.testing import check_gradients

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True)
dims = st.integers(1, 4)
shapes = st.lists(dims, min_size=0, max_size=3).map(tuple)


def arr(seed, shape, low=None, high=None):
    rng = np.random.default_rng(seed)
    if low is None:
        return rng.standard_normal(shape)
    return rng.uniform(low, high, shape)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together (some axes 1, some missing)."""
    out = draw(st.lists(dims, min_size=1, max_size=3))
    a = [d if draw(st.booleans()) else 1 for d in out]
    b = [d if draw(st.booleans()) else 1 for d in out]
    b = b[draw(st.integers(0, len(b))):]
    return tuple(a), tuple(b)


UNARY = {
    "negative": (tf.negative, None), "abs": (tf.abs, None), "square": (tf.square, None),
    "sqrt": (tf.sqrt, (0.5, 2.0)), "rsqrt": (tf.rsqrt, (0.5, 2.0)), "exp": (tf.exp, None),
    "log": (tf.log, (0.5, 2.0)), "log1p": (tf.log1p, (0.5, 2.0)), "reciprocal": (tf.reciprocal, (0.5, 2.0)),
    "sin": (tf.sin, None), "cos": (tf.cos, None), "tanh": (tf.tanh, None), "sigmoid": (tf.sigmoid, None),
    "relu": (tf.nn.relu, None), "identity": (tf.identity, None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_unary_gradients(name, shape, seed):
    fn, dom = UNARY[name]
    x = arr(seed, shape) if dom is None else arr(seed, shape, *dom)
    if name in ("abs", "relu"):
        x = np.where(np.abs(x) < 1e-3, 0.5, x)  # keep away from the kink
    check_gradients(fn, [x])


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "maximum": tf.maximum, "minimum": tf.minimum,
    "squared_difference": tf.squared_difference, "pow": tf.pow,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(pair=broadcast_pair(), seed=st.integers(0, 2**16))
def test_binary_gradients_with_broadcasting(name, pair, seed):
    a, b = arr(seed, pair[0]), arr(seed + 1, pair[1])
    if name in ("div", "pow"):
        a, b = arr(seed, pair[0], 0.5, 2.0), arr(seed + 1, pair[1], 0.5, 2.0)
    if name in ("maximum", "minimum"):
        b = b + 0.01  # no ties: the derivative is undefined there
    check_gradients(BINARY[name], [a, b])


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@SETTINGS
@given(m=dims, k=dims, n=dims, seed=st.integers(0, 2**16))
def test_matmul_gradients(ta, tb, m, k, n, seed):
    a = arr(seed, (k, m) if ta else (m, k))
    b = arr(seed + 1, (n, k) if tb else (k, n))
    check_gradients(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b])


def test_batched_matmul_gradients():
    check_gradients(tf.matmul, [arr(0, (2, 3, 4)), arr(1, (2, 4, 5))])


REDUCE = {"sum": tf.reduce_sum, "mean": tf.reduce_mean, "max": tf.reduce_max, "min": tf.reduce_min,
          "prod": tf.reduce_prod}


@pytest.mark.parametrize("name", sorted(REDUCE))
@SETTINGS
@given(shape=st.lists(dims, min_size=1, max_size=3).map(tuple), data=st.data(), keep=st.booleans())
def test_reduction_gradients(name, shape, data, keep):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                               st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True)))
    x = np.random.default_rng(len(shape)).permutation(np.arange(np.prod(shape)) * 0.1 + 0.5).reshape(shape)
    check_gradients(lambda t: REDUCE[name](t, axis=axis, keepdims=keep), [x])


def test_max_gradient_is_shared_among_ties_as_in_tf():
    with tf.Graph().as_default():
        x = tf.constant([[1.0, 3.0, 3.0]])
        g = tf.gradients(tf.reduce_max(x), x)[0]
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(g), [[0, 0.5, 0.5]])


def test_prod_gradient_with_zero_entries():
    check_gradients(lambda t: tf.reduce_prod(t, axis=1), [np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]])])


SHAPING = {
    "reshape": ((3, 4), lambda t: tf.reshape(t, [2, -1])),
    "transpose": ((2, 3, 4), lambda t: tf.transpose(t, [2, 0, 1])),
    "transpose_default": ((2, 3), lambda t: tf.transpose(t)),
    "expand_dims": ((2, 3), lambda t: tf.expand_dims(t, 1)),
    "squeeze": ((2, 1, 3), lambda t: tf.squeeze(t, axis=1)),
    "slice": ((4, 5), lambda t: t[1:3, ::2]),
    "slice_int_newaxis": ((4, 5), lambda t: t[2, None, 1:]),
    "slice_ellipsis": ((2, 3, 4), lambda t: t[..., -1]),
    "tile": ((2, 3), lambda t: tf.tile(t, [2, 3])),
    "stack": ((2, 3), lambda t: tf.stack([t, 2 * t, t * t], axis=1)),
    "concat": ((2, 3), lambda t: tf.concat([t, t * t], axis=0)),
    "clip": ((3, 4), lambda t: tf.clip_by_value(t, -0.5, 0.5)),
    "add_n": ((3,), lambda t: tf.add_n([t, t * t, tf.sin(t)])),
    "gather": ((5, 3), lambda t: tf.gather(t, [4, 0, 4, 2])),
    "gather_axis1": ((3, 5), lambda t: tf.gather(t, [[1, 1], [0, 4]], axis=1)),
    "where": ((3, 4), lambda t: tf.where(t > 0, t * t, -t)),
    "cast": ((3,), lambda t: tf.cast(tf.cast(t, tf.float32), tf.float64) * t),
    "fill": ((), lambda t: tf.fill([2, 3], t)),
    "broadcast_like": ((1, 3), lambda t: tf.broadcast_like(t, tf.zeros([4, 3], tf.float64))),
}


@pytest.mark.parametrize("name", sorted(SHAPING))
def test_shaping_gradients(name):
    shape, fn = SHAPING[name]
    x = arr(7, shape)
    if name == "clip":
        x = np.where(np.abs(np.abs(x) - 0.5) < 1e-3, 0.1, x)
    # a float32 round trip cannot resolve a 1e-6 step: use a coarser step for it
    kw = {"eps": 1e-3, "tol": 1e-3} if name == "cast" else {}
    check_gradients(fn, [x], **kw)


def test_several_paths_are_summed_and_unconnected_is_none():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3])
        z = tf.placeholder(tf.float64, [3])
        y = x * x + tf.sin(x) + x
        gx, gz = tf.gradients(tf.reduce_sum(y), [x, z])
        assert gz is None
        v = np.array([0.1, -1.0, 2.0])
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(gx, {x: v}), 2 * v + np.cos(v) + 1)
        assert any(op.type == "AddN" for op in tf.get_default_graph().get_operations())


def test_stop_gradient_and_integer_paths_block_gradients():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3])
        y = x * tf.stop_gradient(x)
        g = tf.gradients(tf.reduce_sum(y), x)[0]
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(g, {x: [1.0, 2.0, 3.0]}), [1.0, 2.0, 3.0])
        assert tf.gradients(tf.reduce_sum(tf.cast(tf.argmax(tf.reshape(x, [1, 3]), 1), tf.float64)), x) == [None]


def test_grad_ys_scales_the_seed():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        g = tf.gradients(x * x, x, grad_ys=tf.constant([10.0, 100.0]))[0]
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(g), [20.0, 400.0])


def test_gradient_ops_record_the_forward_op_they_differentiate():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        with tf.name_scope("layer1"):
            w = tf.Variable(tf.ones([2, 3]), name="w")
            z = tf.matmul(x, w)
        loss = tf.reduce_mean(tf.square(z))
        gw = tf.gradients(loss, w)[0]
        matmul = z.op
        assert gw.op.gradient_of is matmul
        assert gw.op.grad_input_index == 1
        assert gw.op.name.startswith("gradients/layer1/MatMul_grad/")
        grad_ops = [op for op in tf.get_default_graph().get_operations() if op.name.startswith("gradients/")]
        assert grad_ops and all(op.gradient_of is not None for op in grad_ops)


def test_second_order_gradient_of_tanh():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3])
        g = tf.gradients(tf.reduce_sum(tf.tanh(x)), x)[0]
        h = tf.gradients(tf.reduce_sum(g), x)[0]
        v = np.array([0.3, -0.2, 1.0])
        with tf.Session() as s:
            t = np.tanh(v)
            np.testing.assert_allclose(s.run(h, {x: v}), -2 * t * (1 - t * t), rtol=1e-10)


def test_sigmoid_is_stable_for_large_inputs():
    with tf.Graph().as_default():
        x = tf.constant([-1000.0, 0.0, 1000.0])
        y = tf.sigmoid(x)
        g = tf.gradients(tf.reduce_sum(y), x)[0]
        with tf.Session() as s:
            yv, gv = s.run([y, g])
        np.testing.assert_allclose(yv, [0.0, 0.5, 1.0])
        assert np.all(np.isfinite(gv))
