"""Every tf.nn op's gradient against central differences (float64)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.testing import check_gradients

SETTINGS = settings(max_examples=6, deadline=None, derandomize=True)


def away_from(x, points=(0.0,), gap=0.05):
    """Move values off the kinks of piecewise functions (finite differences straddle them)."""
    x = np.array(x)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, gap, -gap) * 2
    return x


def rnd(shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


ACTIVATIONS = {
    "relu": (tf.nn.relu, (0.0,)), "elu": (tf.nn.elu, (0.0,)), "selu": (tf.nn.selu, (0.0,)),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, alpha=0.1), (0.0,)), "relu6": (tf.nn.relu6, (0.0, 6.0)),
    "softplus": (tf.nn.softplus, ()), "softsign": (tf.nn.softsign, ()), "sigmoid": (tf.nn.sigmoid, ()),
    "tanh": (tf.nn.tanh, ()),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 99))
def test_activation_gradients(name, shape, seed):
    fn, kinks = ACTIVATIONS[name]
    x = away_from(rnd(shape, seed, 3.0), kinks)
    check_gradients(fn, [x])


@pytest.mark.parametrize("fn", [tf.nn.softmax, tf.nn.log_softmax,
                                lambda x: tf.nn.softmax(x, axis=0), lambda x: tf.nn.log_softmax(x, axis=0)])
@SETTINGS
@given(rows=st.integers(1, 4), cols=st.integers(1, 5), seed=st.integers(0, 99))
def test_softmax_family_gradients(fn, rows, cols, seed):
    check_gradients(fn, [rnd((rows, cols), seed, 2.0)])


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple), seed=st.integers(0, 99))
def test_bias_add_gradients(shape, seed):
    check_gradients(tf.nn.bias_add, [rnd(shape, seed), rnd(shape[-1:], seed + 1)])


@SETTINGS
@given(n=st.integers(1, 5), c=st.integers(2, 6), seed=st.integers(0, 99))
def test_sparse_softmax_cross_entropy_gradient(n, c, seed):
    labels = np.random.default_rng(seed).integers(0, c, n)
    check_gradients(lambda z, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z),
                    [rnd((n, c), seed, 3.0), labels])


def test_sparse_softmax_cross_entropy_gradient_higher_rank():
    labels = np.array([[0, 2, 1], [1, 1, 0]])
    check_gradients(lambda z, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z),
                    [rnd((2, 3, 3), 5), labels])


@SETTINGS
@given(n=st.integers(1, 4), c=st.integers(2, 5), seed=st.integers(0, 99))
def test_softmax_cross_entropy_v2_gradient_both_inputs(n, c, seed):
    p = np.random.default_rng(seed).uniform(0, 1, (n, c))  # need not sum to 1: the gradient is exact
    check_gradients(lambda z, y: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z),
                    [rnd((n, c), seed, 3.0), p])


def test_softmax_cross_entropy_v1_blocks_the_labels_gradient():
    z = tf.constant(rnd((2, 3)))
    p = tf.constant(np.eye(3)[[0, 2]])
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z)
    gz, gp = tf.gradients(loss, [z, p])
    assert gz is not None and gp is None


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 99))
def test_sigmoid_cross_entropy_gradient(shape, seed):
    p = np.random.default_rng(seed).uniform(0, 1, shape)
    check_gradients(lambda z, y: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
                    [rnd(shape, seed, 3.0), p])


def test_l2_loss_gradient():
    check_gradients(tf.nn.l2_loss, [rnd((3, 4), 1)])


def test_moments_gradients():
    x = rnd((4, 3, 2), 2)
    check_gradients(lambda t: tf.nn.moments(t, [0, 1])[0], [x])
    check_gradients(lambda t: tf.nn.moments(t, [0, 1])[1], [x])
    check_gradients(lambda t: tf.nn.moments(t, [0], keep_dims=True)[1], [x])


def test_batch_normalization_gradients():
    x, m, v = rnd((4, 3), 1), rnd((3,), 2), np.abs(rnd((3,), 3)) + 0.5
    off, sc = rnd((3,), 4), rnd((3,), 5)
    check_gradients(lambda *a: tf.nn.batch_normalization(*a, variance_epsilon=1e-3), [x, m, v, off, sc])


def test_dropout_gradient_is_the_mask():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64, [200])
    y = tf.nn.dropout(x, keep_prob=0.5, seed=1)
    (g,) = tf.gradients(tf.reduce_sum(y * 3.0), [x])
    with tf.Session() as sess:
        yv, gv = sess.run([y, g], {x: np.ones(200)})
    np.testing.assert_allclose(gv, 3.0 * yv)  # y = x·mask with x = 1, so ∂y/∂x = mask
