"""clip_by_norm, global_norm, clip_by_global_norm, matrix_inverse, matrix_determinant and
matrix_transpose: values as TF1 defines them, gradients against central differences, errors."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core.shapes import ShapeError
from teachflow.testing import check_gradients

RNG = np.random.default_rng(15)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


# ----------------------------------------------------------------- clip_by_norm
def test_clip_by_norm_values():
    x = np.array([[3.0, 4.0], [0.3, 0.4]])                     # norms 5 and 0.5, total √25.25
    got = run(tf.clip_by_norm(tf.constant(x), 2.0))
    np.testing.assert_allclose(got, x * 2.0 / np.sqrt(25.25))
    rows = run(tf.clip_by_norm(tf.constant(x), 2.0, axes=[1]))  # each row on its own
    np.testing.assert_allclose(rows, [[1.2, 1.6], [0.3, 0.4]])
    assert run(tf.clip_by_norm(tf.constant(x), 100.0)).tolist() == x.tolist()  # short: unchanged
    zero = run(tf.clip_by_norm(tf.zeros([3]), 1.0))
    assert np.all(zero == 0)                                    # no 0/0


@pytest.mark.parametrize("axes,clip", [(None, 1.0), (None, 50.0), ([1], 1.5), ([0], 1.5)])
def test_clip_by_norm_gradient(axes, clip):
    x = RNG.standard_normal((3, 4))
    check_gradients(lambda t: tf.clip_by_norm(t, clip, axes=axes), [x])


def test_clip_by_norm_gradient_wrt_clip_norm():
    x = RNG.standard_normal((2, 3)) * 3
    check_gradients(lambda t, c: tf.clip_by_norm(t, c), [x, np.float64(1.0)])
    check_gradients(lambda t, c: tf.clip_by_norm(t, c, axes=[1]), [x, np.float64(2.0)])


def test_clip_by_norm_errors():
    with pytest.raises(TypeError, match="floating-point"):
        tf.clip_by_norm(tf.constant([1, 2]), 1)
    with pytest.raises(ShapeError, match="clip_norm must be a scalar"):
        tf.clip_by_norm(tf.constant([1.0, 2.0]), [1.0, 2.0])
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        tf.clip_by_norm(tf.zeros([2, 2]), 1.0, axes=[2])


# ----------------------------------------------------------------- global norms
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf − inf, on purpose
@pytest.mark.filterwarnings("ignore:sess.run fetched NaN")         # the infinite-norm case
def test_global_norm_and_clip_by_global_norm_follow_tf1():
    a, b = np.array([3.0, 0.0]), np.array([[0.0, 4.0]])
    ta, tb = tf.constant(a, tf.float32), tf.constant(b, tf.float32)
    norm = tf.global_norm([ta, None, tb])
    clipped, gnorm = tf.clip_by_global_norm([ta, None, tb], 2.5)
    assert clipped[1] is None and len(clipped) == 3              # None entries stay None
    n, ca, cb, gn = run([norm, clipped[0], clipped[2], gnorm])
    assert n == pytest.approx(5.0) and gn == pytest.approx(5.0)   # the norm before clipping
    np.testing.assert_allclose(ca, a / 2, rtol=1e-6)
    np.testing.assert_allclose(cb, b / 2, rtol=1e-6)
    short, _ = tf.clip_by_global_norm([ta, tb], 10.0)
    np.testing.assert_allclose(run(short[0]), a)                  # within the limit: unchanged
    given, used = tf.clip_by_global_norm([ta], 1.0, use_norm=tf.constant(10.0))
    np.testing.assert_allclose(run(given[0]), a / 10, rtol=1e-6)
    inf, _ = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.all(np.isnan(run(inf[0])))                          # TF1: an infinite norm gives NaN


def test_global_norm_gradient_and_clip_by_global_norm_gradient():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal(4)
    check_gradients(lambda x, y: tf.global_norm([x, y]) * 1.0, [a, b])
    check_gradients(lambda x, y: tf.clip_by_global_norm([x, y], 1.0)[0][0], [a, b])


def test_clip_by_global_norm_in_a_training_step():
    # The classic pattern: compute, clip, apply.
    w = tf.Variable([10.0, -10.0])
    loss = tf.reduce_sum(tf.square(w))
    opt = tf.train.GradientDescentOptimizer(0.1)
    grads, variables = zip(*opt.compute_gradients(loss))
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    train = opt.apply_gradients(zip(clipped, variables))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, n = sess.run([train, norm])
        after = sess.run(w)
    assert n == pytest.approx(np.sqrt(800), rel=1e-6)
    np.testing.assert_allclose(after, [10 - 0.1 / np.sqrt(2), -10 + 0.1 / np.sqrt(2)], rtol=1e-6)


def test_global_norm_errors():
    with pytest.raises(ValueError, match="at least one tensor"):
        tf.global_norm([None])
    with pytest.raises(TypeError, match="list of tensors"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


# ----------------------------------------------------------------- matrices
def test_matrix_inverse_determinant_transpose_values():
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    batch = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    inv, det, t = run([tf.matrix_inverse(a), tf.matrix_determinant(a), tf.matrix_transpose(batch)])
    np.testing.assert_allclose(inv @ a, np.eye(3), atol=1e-12)
    assert det == pytest.approx(np.linalg.det(a))
    np.testing.assert_allclose(t, np.swapaxes(batch, 1, 2))
    binv, bdet, adj = run([tf.linalg.inv(batch), tf.linalg.det(batch), tf.matrix_inverse(a, adjoint=True)])
    np.testing.assert_allclose(binv, np.linalg.inv(batch), rtol=1e-10)
    np.testing.assert_allclose(bdet, np.linalg.det(batch), rtol=1e-10)
    np.testing.assert_allclose(adj, np.linalg.inv(a.T), rtol=1e-10)
    assert tf.matrix_determinant(tf.zeros([5, 2, 2])).shape.as_list() == [5]
    assert tf.linalg.matrix_transpose(tf.zeros([2, 3])).op.type == "Transpose"  # as TF1


def test_closed_form_linear_regression():
    # W = (XᵀX)⁻¹ Xᵀ y, as the classic courses compute it.
    x_data = np.c_[np.ones(20), np.linspace(0, 1, 20)]
    y_data = (x_data @ [[0.5], [2.0]]).astype(np.float64)
    X, Y = tf.constant(x_data), tf.constant(y_data)
    XT = tf.transpose(X)
    W = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), Y)
    np.testing.assert_allclose(run(W), [[0.5], [2.0]], rtol=1e-10)


@pytest.mark.parametrize("build", [
    lambda a: tf.matrix_inverse(a), lambda a: tf.matrix_inverse(a, adjoint=True),
    lambda a: tf.matrix_determinant(a), lambda a: tf.matrix_transpose(a)])
def test_matrix_gradients(build):
    check_gradients(build, [RNG.standard_normal((3, 3)) + 3 * np.eye(3)], tol=1e-5)
    check_gradients(build, [RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)], tol=1e-5)


def test_matrix_errors():
    with pytest.raises(ShapeError, match="square matrices, got 2×3"):
        tf.matrix_inverse(tf.zeros([2, 3]))
    with pytest.raises(ShapeError, match="rank ≥ 2"):
        tf.matrix_determinant(tf.zeros([3]))
    with pytest.raises(TypeError, match="floating-point"):
        tf.matrix_inverse(tf.constant([[1, 0], [0, 1]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible.*MatrixInverse"):
        run(tf.matrix_inverse(tf.constant([[1.0, 2.0], [2.0, 4.0]])))
