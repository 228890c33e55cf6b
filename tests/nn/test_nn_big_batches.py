"""Big inference batches run in slices (teachflow/core/slicing.py) with the same results."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import slicing


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def small_cnn():
    tf.set_random_seed(3)
    X = tf.placeholder(tf.float32, [None, 64], name="X")
    y = tf.placeholder(tf.int32, [None], name="y")
    img = tf.reshape(X, [-1, 8, 8, 1])
    c1 = tf.layers.conv2d(img, 4, 3, padding="SAME", activation=tf.nn.relu)
    c2 = tf.layers.conv2d(c1, 8, 3, strides=2, padding="SAME", activation=tf.nn.relu)
    pool = tf.nn.max_pool(c2, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    logits = tf.layers.dense(tf.reshape(pool, [-1, 32]), 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    acc = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))
    proba = tf.nn.softmax(logits)
    return X, y, logits, loss, acc, proba


def test_sliced_runs_give_the_values_of_one_big_run(monkeypatch):
    X, y, logits, loss, acc, proba = small_cnn()
    rng = np.random.default_rng(0)
    feed = {X: rng.random((203, 64), dtype=np.float32), y: rng.integers(0, 10, 203)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        whole = sess.run([logits, loss, acc, proba], feed)
        monkeypatch.setattr(slicing, "SLICE_BYTES", 2000)  # a few rows per slice
        sess._plans.clear()
        sliced = sess.run([logits, loss, acc, proba], feed)
        plan = next(iter(sess._plans.values()))
        assert plan.split is not None
    for a, b in zip(whole, sliced):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_training_runs_and_cross_row_ops_are_not_sliced(monkeypatch):
    monkeypatch.setattr(slicing, "SLICE_BYTES", 64)
    X, y, logits, loss, acc, _ = small_cnn()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    v = tf.placeholder(tf.float64, [None])
    soft = tf.nn.softmax(v)                   # a softmax over the batch axis mixes rows
    centered = v - tf.reduce_mean(v)          # so does anything after a mean over rows
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {X: np.zeros((50, 64)), y: np.zeros(50)})
        values = np.arange(100.0)
        s, c = sess.run([soft, centered], {v: values})
        np.testing.assert_allclose(s, np.exp(values - 99) / np.exp(values - 99).sum())
        np.testing.assert_allclose(c, values - values.mean())
        plans = list(sess._plans.values())
    assert plans[1].split is None  # the training step writes variables
    assert plans[2].split is None  # nothing row-wise before the cross-row ops


def test_errors_inside_slices_name_the_op(monkeypatch):
    monkeypatch.setattr(slicing, "SLICE_BYTES", 1000)
    z = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.int64, [None])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tf.nn.relu(z), name="xent")
    with tf.Session() as sess:
        labels = np.zeros(500, np.int64)
        labels[400] = 12
        with pytest.raises(tf.errors.InvalidArgumentError, match="'xent/xent'.*label value of 12"):
            sess.run(loss, {z: np.zeros((500, 10)), y: labels})
