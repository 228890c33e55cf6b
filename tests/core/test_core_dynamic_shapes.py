"""Shapes given as tensors (``tf.shape(t)``, a slice of it, ``tf.stack([...])``, a fed int32
vector) to reshape, fill, zeros/ones and the random ops: TF1's static shapes (exact when the value
is known while building, the known entries otherwise), run-time values, errors and gradients.

The expected static shapes were printed by TensorFlow 2.21's tf.compat.v1 graph mode for the same
expressions (``tools/tf_reference/dynamic_shapes.py``)."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core.errors import InvalidArgumentError
from teachflow.core.shapes import ShapeError
from teachflow.testing import check_gradients

pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


@pytest.fixture
def phs():
    return dict(x=tf.placeholder(tf.float32, [6, 4]), y=tf.placeholder(tf.float32, [None, 5]),
                n=tf.placeholder(tf.int32, []), sp=tf.placeholder(tf.int32, [2]),
                su=tf.placeholder(tf.int32, [None]))


# what TF1 infers (tools/tf_reference/dynamic_shapes.py prints these from TensorFlow)
STATIC = [
    ("tf.reshape(x, [n, 4])", [6, 4]),
    ("tf.reshape(x, [n, -1])", [None, None]),
    ("tf.reshape(x, [n, n])", [None, None]),
    ("tf.reshape(y, [n, -1])", [None, None]),
    ("tf.reshape(y, tf.shape(y))", [None, 5]),
    ("tf.reshape(x, sp)", [None, None]),
    ("tf.reshape(x, su)", None),
    ("tf.reshape(y, tf.concat([[-1], tf.shape(y)[1:]], 0))", [None, 5]),
    ("tf.reshape(x, tf.shape(tf.zeros([3, 8])))", [3, 8]),
    ("tf.random_normal(tf.shape(y))", [None, 5]),
    ("tf.random_normal(tf.stack([tf.shape(y)[0], 10]))", [None, 10]),
    ("tf.random_uniform([tf.shape(y)[0], 2])", [None, 2]),
    ("tf.truncated_normal(tf.shape(x))", [6, 4]),
    ("tf.random_normal(su)", None),
    ("tf.zeros(tf.shape(y)[1:])", [5]),
    ("tf.ones([tf.shape(y)[0], 3])", [None, 3]),
    ("tf.fill(sp, 1.0)", [None, None]),
]


@pytest.mark.parametrize("expr,dims", STATIC, ids=[e for e, _ in STATIC])
def test_static_shape_follows_tf1(phs, expr, dims):
    t = eval(expr, {"tf": tf}, phs)
    assert t.shape == tf.TensorShape(dims)


def test_known_value_gives_the_plain_static_op():
    """A shape whose value is known while building takes the static path: no extra input."""
    x = tf.constant(np.zeros((2, 3), np.float32))
    r = tf.reshape(x, tf.shape(x)[::-1])
    assert r.shape.as_list() == [3, 2] and len(r.op.inputs) == 1
    z = tf.random_normal(tf.shape(x))
    assert z.op.type == "RandomStandardNormal" and not z.op.inputs


def test_values_follow_the_fed_batch(phs):
    y = phs["y"]
    zeros = tf.zeros([tf.shape(y)[0], 2], dtype=tf.int32)
    ones = tf.ones(tf.shape(y))
    filled = tf.fill(tf.shape(y)[:1], 7.5)
    flat = tf.reshape(y, [-1])
    back = tf.reshape(flat, tf.shape(y))
    like = tf.zeros_like(y) + tf.ones_like(y)
    v = np.arange(15, dtype=np.float32).reshape(3, 5)
    with tf.Session() as sess:
        z, o, f, b, k = sess.run([zeros, ones, filled, back, like], {y: v})
    np.testing.assert_array_equal(k, np.ones((3, 5), np.float32))
    assert z.dtype == np.int32 and z.shape == (3, 2) and not z.any()
    np.testing.assert_array_equal(o, np.ones((3, 5), np.float32))
    np.testing.assert_array_equal(f, [7.5, 7.5, 7.5])
    np.testing.assert_array_equal(b, v)


def test_fed_shape_vector(phs):
    x, sp = phs["x"], phs["sp"]
    r = tf.reshape(x, sp)
    v = np.arange(24, dtype=np.float32).reshape(6, 4)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r, {x: v, sp: [3, 8]}), v.reshape(3, 8))
        np.testing.assert_array_equal(sess.run(r, {x: v, sp: [-1, 12]}), v.reshape(2, 12))
        assert sess.run(tf.random_uniform(sp), {sp: [4, 1]}).shape == (4, 1)


@pytest.mark.parametrize("fed,message", [
    ([5, 5], "Input to reshape is a tensor with 24 values, but the requested shape [5, 5] has 25"),
    ([-1, 5], "requested shape [-1, 5] requires a multiple of 5"),
    ([-1, -1], "the shape [-1, -1] read at run time has a negative dimension"),
])
def test_reshape_run_time_errors_name_op_and_values(phs, fed, message):
    x, sp = phs["x"], phs["sp"]
    r = tf.reshape(x, sp, name="to_fed")
    with tf.Session() as sess, pytest.raises(InvalidArgumentError) as e:
        sess.run(r, {x: np.zeros((6, 4)), sp: fed})
    assert message in str(e.value) and "Reshape op 'to_fed'" in str(e.value)


@pytest.mark.parametrize("make", [
    lambda s: tf.random_normal(s), lambda s: tf.zeros(s), lambda s: tf.fill(s, 2.0),
    lambda s: tf.truncated_normal(s)])
def test_negative_fed_dim_is_an_error(phs, make):
    sp = phs["sp"]
    out = make(sp)
    with tf.Session() as sess, pytest.raises(InvalidArgumentError) as e:
        sess.run(out, {sp: [2, -3]})
    assert "[2, -3]" in str(e.value) and "negative dimension" in str(e.value)
    assert f"op '{out.op.name}'" in str(e.value)


def test_build_time_errors(phs):
    y, n = phs["y"], phs["n"]
    with pytest.raises(ValueError, match=r"tf.zeros: every dimension .* non-negative.*\[\?,-2\]"):
        tf.zeros([tf.shape(y)[0], -2])
    with pytest.raises(ValueError, match="one may be -1"):
        tf.reshape(y, [n, -1, -1])
    with pytest.raises(TypeError, match=r"tf.random_normal: every entry .* int .*2.5"):
        tf.random_normal([n, 2.5])
    with pytest.raises(TypeError, match="1-D int32 or int64 vector.*float32"):
        tf.reshape(y, tf.cast(tf.shape(y), tf.float32))
    with pytest.raises(TypeError, match="int32/int64 scalar tensor"):
        tf.ones([tf.shape(y), 3])
    with pytest.raises(ShapeError, match="Cannot reshape a tensor with 24 elements"):
        tf.reshape(phs["x"], [n, 5])


def _dynamic(shape):
    """A shape whose value graph building cannot know (a placeholder with a default)."""
    return tf.placeholder_with_default(np.asarray(shape, np.int32), [len(shape)])


def test_reshape_gradient_with_dynamic_shape():
    def build(x):
        r = tf.reshape(x, _dynamic([-1, 6]))
        assert r.shape.as_list() == [None, None] and len(r.op.inputs) == 2
        return tf.reshape(r * r, tf.shape(x)) * x
    check_gradients(build, [np.random.default_rng(0).standard_normal((4, 3))])


def test_fill_gradient_with_dynamic_shape():
    def build(v):
        return tf.reshape(tf.fill(_dynamic([2, 3]), v), [2, 3]) * 1.5
    check_gradients(build, [np.float64(0.7)])


def test_random_with_dynamic_shape_is_seeded():
    def draw(seed, batch):
        tf.reset_default_graph()
        tf.set_random_seed(seed)
        y = tf.placeholder(tf.float32, [None, 4])
        eps = tf.random_normal(tf.shape(y))
        u = tf.random_uniform([tf.shape(y)[0], 2], seed=5)
        with tf.Session() as sess:
            feed = {y: np.zeros((batch, 4))}
            return [sess.run([eps, u], feed) for _ in range(2)]
    a, b, c = draw(1, 3), draw(1, 3), draw(2, 3)
    for (e1, u1), (e2, u2) in zip(a, b):
        np.testing.assert_array_equal(e1, e2)
        np.testing.assert_array_equal(u1, u2)
    assert a[0][0].shape == (3, 4) and a[0][1].shape == (3, 2)
    assert not np.array_equal(a[0][0], a[1][0])     # each run draws new numbers
    assert not np.array_equal(a[0][0], c[0][0])     # another graph seed, other numbers


# ------------------------------------------------------------------ tile multiples and range bounds
def test_tile_and_range_take_tensors(phs):
    x, y, n = phs["x"], phs["y"], phs["n"]
    rows = tf.tile(tf.expand_dims(tf.constant([1., 2., 3., 4., 5.]), 0), [tf.shape(y)[0], 1])
    cases = [(rows, [None, 5]), (tf.tile(y, [n, 2]), [None, 10]), (tf.tile(x, tf.shape(x)), [36, 16]),
             (tf.range(tf.shape(y)[0]), [None]), (tf.range(tf.shape(x)[0]), [6]),
             (tf.range(0., tf.cast(n, tf.float32), 0.5), [None]), (tf.range(2, n), [None])]
    for t, dims in cases:        # TF1's static shapes for the same expressions
        assert t.shape == tf.TensorShape(dims), t.name
    assert tf.range(n).dtype == tf.int32 and not tf.range(tf.shape(x)[0]).op.inputs  # a constant
    v = np.ones((3, 5), np.float32)
    with tf.Session() as sess:
        r, t2, idx, half, two = sess.run([rows, cases[1][0], cases[3][0], cases[5][0], cases[6][0]],
                                         {y: v, n: 4})
    np.testing.assert_array_equal(r, np.tile(np.arange(1, 6, dtype=np.float32), (3, 1)))
    assert t2.shape == (12, 10) and idx.tolist() == [0, 1, 2] and two.tolist() == [2, 3]
    np.testing.assert_array_equal(half, np.arange(0, 4, 0.5, dtype=np.float32))


@pytest.mark.parametrize("make,fed,message", [
    (lambda n, y: tf.range(0, n, 0), 3, "Requires delta != 0"),
    (lambda n, y: tf.range(n), -3, "Requires start <= limit when delta > 0: start=0, limit=-3"),
    (lambda n, y: tf.tile(y, [n, 1]), -1, "the multiples [-1, 1] read at run time has a negative entry"),
])
def test_tile_and_range_run_time_errors(phs, make, fed, message):
    out = make(phs["n"], phs["y"])
    with tf.Session() as sess, pytest.raises(InvalidArgumentError) as e:
        sess.run(out, {phs["n"]: fed, phs["y"]: np.ones((1, 5))})
    assert message in str(e.value) and f"op '{out.op.name}'" in str(e.value)


def test_tile_gradient_with_dynamic_multiples():
    def build(x):
        t = tf.tile(x, _dynamic([2, 3]))
        assert t.shape.as_list() == [None, None] and len(t.op.inputs) == 2
        return tf.reshape(t, [4, 6]) * tf.reshape(t, [4, 6])
    check_gradients(build, [np.random.default_rng(1).standard_normal((2, 2))])
