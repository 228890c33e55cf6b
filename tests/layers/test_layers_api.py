"""tf.layers: names, variables, shapes, reuse, the training switch and UPDATE_OPS."""
import math

import numpy as np
import pytest

import teachflow as tf
from teachflow.core.shapes import ShapeError


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def op_types(t):
    return [op.type for op in t.graph.get_operations()]


def test_dense_names_variables_and_ops_like_tf():
    X = tf.placeholder(tf.float32, [None, 784], name="X")
    with tf.name_scope("dnn"):
        h = tf.layers.dense(X, 300, activation=tf.nn.relu, name="hidden1")
    assert h.name == "dnn/hidden1/Relu:0" and h.shape.as_list() == [None, 300]
    assert [v.name for v in tf.global_variables()] == ["hidden1/kernel:0", "hidden1/bias:0"]
    assert tf.trainable_variables()[0].shape.as_list() == [784, 300]
    assert h.op.inputs[0].op.type == "BiasAdd" and h.op.inputs[0].op.inputs[0].op.type == "MatMul"
    assert h.op.inputs[0].op.name == "dnn/hidden1/BiasAdd"


def test_default_names_are_unique():
    x = tf.placeholder(tf.float32, [None, 3])
    a = tf.layers.dense(x, 2)
    b = tf.layers.dense(a, 2)
    c = tf.layers.conv2d(tf.placeholder(tf.float32, [None, 4, 4, 1]), 2, 3)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias",
                     "conv2d/kernel", "conv2d/bias"]
    assert a.op.name.startswith("dense/") and b.op.name.startswith("dense_1/") and c.op.name.startswith("conv2d/")


def test_dense_default_initializers_are_glorot_uniform_and_zeros():
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 600])
    tf.layers.dense(x, 400, name="d")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k, b = sess.run(tf.global_variables())
    limit = math.sqrt(6 / 1000)
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.99 * limit and np.all(b == 0)


def test_dense_computes_x_w_plus_b_and_options():
    x = tf.placeholder(tf.float64, [None, 3])
    y = tf.layers.dense(x, 2, use_bias=False, kernel_initializer=tf.constant_initializer(np.arange(6.0)),
                        activation=tf.nn.relu)
    assert len(tf.global_variables()) == 1
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, {x: [[1, 2, 3], [-1, -2, -3]]})
    np.testing.assert_allclose(out, np.maximum(np.array([[1, 2, 3], [-1, -2, -3]]) @ np.arange(6.0).reshape(3, 2), 0))


def test_dense_on_rank_3_inputs_applies_to_the_last_axis():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    y = tf.layers.dense(x, 4)
    assert y.shape.as_list() == [None, 5, 4]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
        k = sess.run(tf.global_variables()[0])
        np.testing.assert_allclose(sess.run(y, {x: xv}), xv @ k, rtol=1e-5)


def test_reuse_shares_variables_and_missing_reuse_is_an_error():
    x = tf.placeholder(tf.float32, [None, 3])
    a = tf.layers.dense(x, 2, name="shared")
    b = tf.layers.dense(x, 2, name="shared", reuse=True)
    assert len(tf.global_variables()) == 2 and a.op.name != b.op.name
    with pytest.raises(ValueError, match="already exists"):
        tf.layers.dense(x, 2, name="shared")
    with tf.variable_scope("outer", reuse=tf.AUTO_REUSE):
        tf.layers.dense(x, 2, name="auto")
    with tf.variable_scope("outer", reuse=tf.AUTO_REUSE):
        tf.layers.dense(x, 2, name="auto")
    assert [v.op.name for v in tf.global_variables()][2:] == ["outer/auto/kernel", "outer/auto/bias"]


def test_dense_needs_a_known_last_dimension():
    with pytest.raises(ShapeError, match=r"last dimension.*\[\?,\?\]"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)


def test_conv2d_layer_variables_padding_and_shapes():
    X = tf.placeholder(tf.float32, [None, 28, 28, 1])
    c1 = tf.layers.conv2d(X, filters=32, kernel_size=3, strides=1, padding="SAME", activation=tf.nn.relu,
                          name="conv1")
    c2 = tf.layers.conv2d(c1, filters=64, kernel_size=(3, 3), strides=(2, 2), padding="same", name="conv2")
    c3 = tf.layers.conv2d(c2, filters=8, kernel_size=[5, 3], padding="valid", name="conv3")
    assert c1.shape.as_list() == [None, 28, 28, 32] and c1.name == "conv1/Relu:0"
    assert c2.shape.as_list() == [None, 14, 14, 64] and c2.op.type == "BiasAdd"
    assert c3.shape.as_list() == [None, 10, 12, 8]
    shapes = {v.op.name: v.shape.as_list() for v in tf.global_variables()}
    assert shapes["conv1/kernel"] == [3, 3, 1, 32] and shapes["conv2/kernel"] == [3, 3, 32, 64]
    assert shapes["conv2/bias"] == [64]
    with pytest.raises(ValueError, match="channels_last"):
        tf.layers.conv2d(X, 2, 3, data_format="channels_first")


def test_pooling_and_flatten_layers():
    X = tf.placeholder(tf.float32, [None, 7, 7, 3])
    m = tf.layers.max_pooling2d(X, pool_size=2, strides=2)
    a = tf.layers.average_pooling2d(X, pool_size=[3, 3], strides=2, padding="same", name="avg")
    f = tf.layers.flatten(m)
    assert m.shape.as_list() == [None, 3, 3, 3] and m.op.name == "max_pooling2d/MaxPool"
    assert a.shape.as_list() == [None, 4, 4, 3] and a.op.name == "avg/AvgPool"
    assert f.shape.as_list() == [None, 27]
    xv = np.arange(2 * 7 * 7 * 3, dtype=np.float32).reshape(2, 7, 7, 3)
    with tf.Session() as sess:
        fv, mv = sess.run([f, m], {X: xv})
    np.testing.assert_array_equal(fv, mv.reshape(2, -1))
    np.testing.assert_array_equal(mv, xv[:, 1:6:2, 1:6:2, :])


def test_dropout_layer_training_switch():
    tf.set_random_seed(1)
    x = tf.ones([1000])
    assert tf.layers.dropout(x, rate=0.5, training=False).op.type == "Identity"
    on = tf.layers.dropout(x, rate=0.5, training=True)
    training = tf.placeholder_with_default(False, shape=(), name="training")
    switch = tf.layers.dropout(x, rate=0.5, training=training)
    with tf.Session() as sess:
        a = sess.run(on)
        b = sess.run(switch)
        c = sess.run(switch, {training: True})
    assert set(np.unique(a)) == {0.0, 2.0} and 0.4 < (a > 0).mean() < 0.6
    assert np.all(b == 1)
    assert set(np.unique(c)) == {0.0, 2.0}
    with pytest.raises(TypeError, match="training must be"):
        tf.layers.dropout(x, training=tf.constant(1.0))


def _bn_graph(training):
    x = tf.placeholder(tf.float64, [None, 3])
    y = tf.layers.batch_normalization(x, momentum=0.9, training=training, name="bn")
    return x, y


def test_batch_normalization_training_normalizes_and_updates_moving_stats():
    x, y = _bn_graph(True)
    names = sorted(v.op.name for v in tf.global_variables())
    assert names == ["bn/beta", "bn/gamma", "bn/moving_mean", "bn/moving_variance"]
    assert sorted(v.op.name for v in tf.trainable_variables()) == ["bn/beta", "bn/gamma"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    xv = np.random.default_rng(0).standard_normal((50, 3)) * [1, 2, 3] + [4, 5, 6]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, _ = sess.run([y, updates], {x: xv})
        mm, mv = sess.run(tf.global_variables()[2:4])
    np.testing.assert_allclose(out, (xv - xv.mean(0)) / np.sqrt(xv.var(0) + 1e-3))
    np.testing.assert_allclose(mm, 0.1 * xv.mean(0))
    np.testing.assert_allclose(mv, 0.9 + 0.1 * xv.var(0))


def test_batch_normalization_inference_uses_moving_stats_and_makes_no_updates():
    x, y = _bn_graph(False)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {x: [[1.0, 2.0, 3.0]]}), [[1, 2, 3]] / np.sqrt(1 + 1e-3))


def test_batch_normalization_with_a_training_tensor_and_control_dependencies():
    training = tf.placeholder_with_default(False, shape=(), name="training")
    x, y = _bn_graph(training)
    loss = tf.reduce_mean(tf.square(y - 1.0))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    moving = [v for v in tf.global_variables() if "moving" in v.op.name]
    xv = np.random.default_rng(1).standard_normal((20, 3)) + 3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y, {x: xv})  # inference: moving statistics untouched
        np.testing.assert_allclose(sess.run(moving), [np.zeros(3), np.ones(3)])
        train_out = sess.run(y, {x: xv, training: True})
        np.testing.assert_allclose(train_out.mean(0), 0, atol=1e-12)
        sess.run(train, {x: xv, training: True})  # the update ops run before the step
        mm, _ = sess.run(moving)
        np.testing.assert_allclose(mm, 0.1 * xv.mean(0))


def test_batch_normalization_on_images_normalizes_per_channel():
    x = tf.placeholder(tf.float32, [None, 4, 4, 2])
    y = tf.layers.batch_normalization(x, training=True)
    xv = np.random.default_rng(2).standard_normal((8, 4, 4, 2)).astype(np.float32) * 5 + 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, {x: xv})
    np.testing.assert_allclose(out.mean((0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.var((0, 1, 2)), 25 / (25 + 1e-3), rtol=1e-3)


def test_batch_normalization_training_graph_has_exact_gradients():
    """What the layer builds in training mode: moments + tf.nn.batch_normalization."""
    from teachflow.testing import check_gradients

    def build(x, beta, gamma):
        mean, var = tf.nn.moments(x, [0])
        return tf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)
    rng = np.random.default_rng(3)
    check_gradients(build, [rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal(3)],
                    tol=1e-5)


def test_layers_raise_clear_errors_for_integer_inputs():
    with pytest.raises(TypeError, match="floating-point"):
        tf.layers.dense(tf.placeholder(tf.int32, [None, 3]), 2)
