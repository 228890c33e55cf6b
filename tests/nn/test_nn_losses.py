"""tf.losses (teachflow/losses.py): values, weights, reductions and the LOSSES collection."""
import numpy as np
import pytest

import teachflow as tf
from teachflow import losses
from teachflow.testing import check_gradients


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


def log_softmax(z):
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


Z = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-2.0, 4.0, 0.0], [1.0, 1.0, 1.0]])
Y = np.array([0, 2, 1, 2])


def test_sparse_softmax_cross_entropy_is_the_mean_and_is_collected():
    loss = losses.sparse_softmax_cross_entropy(labels=Y, logits=Z)
    per = -log_softmax(Z)[np.arange(4), Y]
    assert run(loss) == pytest.approx(per.mean())
    assert losses.get_losses() == [loss] and tf.get_collection(tf.GraphKeys.LOSSES) == [loss]
    assert loss.op.name.startswith("sparse_softmax_cross_entropy_loss/")


def test_weights_and_reductions():
    per = -log_softmax(Z)[np.arange(4), Y]
    w = np.array([1.0, 0.0, 2.0, 0.0])
    R = losses.Reduction
    assert run(losses.sparse_softmax_cross_entropy(Y, Z, weights=w)) == pytest.approx((per * w).sum() / 2)
    assert run(losses.sparse_softmax_cross_entropy(Y, Z, weights=w, reduction=R.MEAN)) == pytest.approx(
        (per * w).sum() / 3)
    assert run(losses.sparse_softmax_cross_entropy(Y, Z, weights=2.0, reduction=R.SUM)) == pytest.approx(
        2 * per.sum())
    assert run(losses.sparse_softmax_cross_entropy(Y, Z, weights=w, reduction=R.SUM_OVER_BATCH_SIZE)) \
        == pytest.approx((per * w).sum() / 4)
    np.testing.assert_allclose(run(losses.sparse_softmax_cross_entropy(Y, Z, reduction=R.NONE)), per)
    assert run(losses.sparse_softmax_cross_entropy(Y, Z, weights=np.zeros(4))) == 0.0
    with pytest.raises(ValueError, match="Invalid reduction"):
        losses.mean_squared_error([1.0], [2.0], reduction="median")


def test_other_losses_match_numpy():
    rng = np.random.default_rng(0)
    p, y = rng.uniform(0.05, 0.95, (5, 3)), rng.integers(0, 2, (5, 3)).astype(np.float64)
    assert run(losses.mean_squared_error(y, p)) == pytest.approx(((p - y) ** 2).mean())
    assert run(losses.absolute_difference(y, p)) == pytest.approx(np.abs(p - y).mean())
    assert run(losses.log_loss(y, p)) == pytest.approx(
        (-y * np.log(p + 1e-7) - (1 - y) * np.log(1 - p + 1e-7)).mean())
    z = rng.standard_normal((5, 3))
    expected = (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean()
    assert run(losses.sigmoid_cross_entropy(y, z)) == pytest.approx(expected)
    onehot = np.eye(3)[Y]
    assert run(losses.softmax_cross_entropy(onehot, Z)) == pytest.approx(-(onehot * log_softmax(Z)).sum(1).mean())
    smooth = onehot * 0.9 + 0.1 / 3
    assert run(losses.softmax_cross_entropy(onehot, Z, label_smoothing=0.1)) == pytest.approx(
        -(smooth * log_softmax(Z)).sum(1).mean())


def test_total_loss_adds_regularization():
    w = tf.get_variable("w", [2], initializer=tf.constant_initializer([3.0, 4.0]),
                        regularizer=lambda v: 0.5 * tf.nn.l2_loss(v))
    data = losses.mean_squared_error([0.0, 0.0], w)
    total = losses.get_total_loss()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(total) == pytest.approx(12.5 + 0.5 * 12.5)
        assert sess.run(losses.get_regularization_loss()) == pytest.approx(6.25)
        assert sess.run(data) == pytest.approx(12.5)


def test_loss_gradients():
    check_gradients(lambda z: losses.sparse_softmax_cross_entropy(Y, z, weights=[1.0, 0.0, 2.0, 1.0]), [Z])
    check_gradients(lambda p: losses.mean_squared_error(np.ones((2, 3)), p), [np.arange(6.0).reshape(2, 3)])
