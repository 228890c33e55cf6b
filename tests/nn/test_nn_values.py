"""Forward values of tf.nn ops against NumPy, including the numerically hard cases."""
import numpy as np
import pytest

import teachflow as tf


def run(t, feed=None):
    with tf.Session(graph=t.graph) as sess:
        return sess.run(t, feed)


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def np_log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def test_activations_match_numpy():
    x = np.linspace(-8, 8, 33)
    assert np.allclose(run(tf.nn.relu(x)), np.maximum(x, 0))
    assert np.allclose(run(tf.nn.elu(x)), np.where(x > 0, x, np.exp(x) - 1))
    assert np.allclose(run(tf.nn.leaky_relu(x)), np.where(x > 0, x, 0.2 * x))
    assert np.allclose(run(tf.nn.relu6(x)), np.clip(x, 0, 6))
    assert np.allclose(run(tf.nn.softplus(x)), np.log1p(np.exp(x)))
    assert np.allclose(run(tf.nn.softsign(x)), x / (1 + np.abs(x)))
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    assert np.allclose(run(tf.nn.selu(x)), lam * np.where(x > 0, x, alpha * (np.exp(x) - 1)))


def test_softplus_and_sigmoid_xent_do_not_overflow():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], np.float32)
    sp = run(tf.nn.softplus(x))
    assert np.all(np.isfinite(sp)) and sp[-1] == 1000 and sp[0] == 0
    loss = run(tf.nn.sigmoid_cross_entropy_with_logits(labels=np.ones(5, np.float32), logits=x))
    assert np.all(np.isfinite(loss))
    np.testing.assert_allclose(loss, [1000, 50, np.log(2), 0, 0], atol=1e-6)


def test_softmax_is_stable_for_huge_logits():
    z = np.array([[1000.0, 1000.0, -1000.0], [1e4, 0, 0]], np.float32)
    p = run(tf.nn.softmax(z))
    np.testing.assert_allclose(p, [[0.5, 0.5, 0], [1, 0, 0]], atol=1e-7)
    lp = run(tf.nn.log_softmax(z))
    np.testing.assert_allclose(lp, np_log_softmax(z.astype(np.float64)), rtol=1e-6)


def test_softmax_along_another_axis():
    z = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(run(tf.nn.softmax(z, axis=0)), np.exp(z) / np.exp(z).sum(0))


def test_sparse_xent_matches_definition_and_is_stable():
    z = np.array([[2.0, 1.0, 0.1], [1000.0, -1000.0, 0.0], [-1e4, 1e4, 3.0]])
    y = np.array([0, 1, 1])
    loss = run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z))
    expected = -np_log_softmax(z)[np.arange(3), y]
    np.testing.assert_allclose(loss, expected)
    assert loss[1] == pytest.approx(2000.0) and loss[2] == pytest.approx(0.0)


def test_sparse_xent_float32_and_int32_labels():
    z = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    y = np.array([3, 0, 1, 2, 3], np.int32)
    loss = run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z))
    assert loss.dtype == np.float32 and loss.shape == (5,)
    np.testing.assert_allclose(loss, -np_log_softmax(z.astype(np.float64))[np.arange(5), y], rtol=1e-5)


def test_softmax_xent_v2_matches_definition():
    rng = np.random.default_rng(2)
    z, p = rng.standard_normal((4, 5)) * 30, rng.dirichlet(np.ones(5), 4)
    loss = run(tf.nn.softmax_cross_entropy_with_logits_v2(labels=p, logits=z))
    np.testing.assert_allclose(loss, -(p * np_log_softmax(z)).sum(1))
    loss = run(tf.nn.softmax_cross_entropy_with_logits(labels=p.reshape(2, 2, 5), logits=z.reshape(2, 2, 5)))
    assert loss.shape == (2, 2)


def test_fused_backprop_equals_softmax_minus_onehot():
    z = np.random.default_rng(3).standard_normal((3, 4))
    y = np.array([1, 0, 3])
    zt = tf.constant(z)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=zt)
    (g,) = tf.gradients(tf.reduce_sum(loss), [zt])
    sm = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(run(g), sm - np.eye(4)[y])


def test_in_top_k_semantics():
    p = np.array([[0.1, 0.8, 0.1], [0.5, 0.5, 0.0], [0.3, 0.2, 0.5], [np.nan, 1, 0], [0.2, 0.3, 0.5]],
                 np.float32)
    t = np.array([1, 0, 1, 1, 7])
    assert run(tf.nn.in_top_k(p, t, 1)).tolist() == [True, True, False, True, False]
    # ties at the boundary count in; a NaN in another column does not matter; a bad target is false
    assert run(tf.nn.in_top_k(p, t, 2)).tolist() == [True, True, False, True, False]
    assert run(tf.nn.in_top_k(p, t, 3)).tolist() == [True, True, True, True, False]
    assert run(tf.nn.in_top_k(p, np.array([0, 0, 0, 0, 0]), 1)).tolist()[3] is False


def test_bias_add_l2_loss_moments():
    rng = np.random.default_rng(4)
    x, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(4)
    np.testing.assert_allclose(run(tf.nn.bias_add(x, b)), x + b)
    assert run(tf.nn.l2_loss(x)) == pytest.approx((x ** 2).sum() / 2)
    mean, var = tf.nn.moments(tf.constant(x), [0, 1])
    with tf.Session() as sess:
        m, v = sess.run([mean, var])
    np.testing.assert_allclose(m, x.mean((0, 1)))
    np.testing.assert_allclose(v, x.var((0, 1)))


def test_xw_plus_b():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    np.testing.assert_allclose(run(tf.nn.xw_plus_b(x, w, b)), x @ w + b)


def test_dropout_statistics_and_keep_prob_placeholder():
    tf.set_random_seed(0)
    x = tf.ones([20000])
    keep = tf.placeholder_with_default(tf.constant(1.0), shape=())
    y = tf.nn.dropout(x, keep_prob=keep)
    with tf.Session() as sess:
        a = sess.run(y, {keep: 0.25})
        b = sess.run(y, {keep: 0.25})
        c = sess.run(y)
    assert set(np.unique(a)) == {0.0, 4.0}
    assert abs((a > 0).mean() - 0.25) < 0.02 and abs(a.mean() - 1) < 0.08
    assert not np.array_equal(a, b)          # a new mask on every run
    assert np.array_equal(c, np.ones(20000))  # keep_prob 1: unchanged


def test_dropout_is_reproducible_with_seeds_and_supports_noise_shape():
    def draw():
        tf.reset_default_graph()
        tf.set_random_seed(7)
        y = tf.nn.dropout(tf.ones([4, 6]), rate=0.5, noise_shape=[4, 1])
        return run(y)
    a, b = draw(), draw()
    assert np.array_equal(a, b)
    assert all(len(set(row)) == 1 for row in a)  # one decision per row


def test_dropout_keep_prob_one_is_identity():
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, keep_prob=1.0) is x
