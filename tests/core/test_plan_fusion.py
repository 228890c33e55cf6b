"""The plan fuses Conv2D/MatMul -> BiasAdd [-> Relu] into one call when nothing else uses the
values in between (as TF's Grappler remapper does); the step-through still walks every op, and
the values are the same bits as the ops one by one."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import plan as plan_module


def _net(seed=0):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x = tf.placeholder(tf.float32, [None, 9, 9, 2], name="x")
    c = tf.layers.conv2d(x, 4, 3, strides=2, padding="same", activation=tf.nn.relu, name="conv")
    d = tf.layers.dense(tf.reshape(c, [-1, 5 * 5 * 4]), 6, activation=tf.nn.relu, name="dense")
    logits = tf.layers.dense(d, 3, name="logits")
    loss = tf.reduce_mean(tf.square(logits))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    return x, c, d, logits, loss, train


X = np.random.default_rng(1).standard_normal((5, 9, 9, 2)).astype(np.float32)


def _fused_lines(source):
    return [line.split("# fused: ")[1] for line in source.splitlines() if "# fused: " in line]


def test_a_conv_and_dense_layers_run_as_fused_calls():
    x, c, d, logits, loss, train = _net()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source(logits, {x: X}))
    assert fused == ["conv/Conv2D (Conv2D) + conv/BiasAdd (BiasAdd) + conv/Relu (Relu)",
                     "dense/MatMul (MatMul) + dense/BiasAdd (BiasAdd) + dense/Relu (Relu)",
                     "logits/MatMul (MatMul) + logits/BiasAdd (BiasAdd)"]


def test_a_value_in_between_that_is_fetched_or_used_elsewhere_is_not_fused_away():
    x, c, d, logits, loss, train = _net()
    g = tf.get_default_graph()
    pre = g.get_tensor_by_name("conv/BiasAdd:0")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source([logits, pre], {x: X}))
        assert fused[0] == "conv/Conv2D (Conv2D) + conv/BiasAdd (BiasAdd)"  # the Relu apart
        out, pre_value = sess.run([c, pre], {x: X})
        np.testing.assert_array_equal(out, np.maximum(pre_value, 0))
    other = tf.identity(g.get_tensor_by_name("dense/MatMul:0"))  # a second use of the product
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source([logits, other], {x: X}))
    assert not any(f.startswith("dense/") for f in fused)


def _train(fuse, steps=3):
    x, c, d, logits, loss, train = _net()
    keep = plan_module.FUSIBLE
    plan_module.FUSIBLE = plan_module.FUSIBLE if fuse else ()
    try:
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = [sess.run([loss, logits, c, train], {x: X})[:3] for _ in range(steps)]
            assert bool(_fused_lines(sess.plan_source([loss, logits, c, train], {x: X}))) == fuse
            return values, sess.run(tf.trainable_variables())
    finally:
        plan_module.FUSIBLE = keep


def test_training_with_fused_calls_gives_the_same_bits_as_without():
    fused, fused_vars = _train(True)
    plain, plain_vars = _train(False)
    for a, b in zip(fused + [fused_vars], plain + [plain_vars]):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


def test_the_step_through_still_walks_every_op_with_the_same_values():
    x, c, d, logits, loss, train = _net()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(logits, {x: X})
        steps = list(sess.plan(logits, {x: X}).steps({x: X}))
    types = [s.op.type for s in steps]
    assert types.count("BiasAdd") == 3 and types.count("Relu") == 2 and "Conv2D" in types
    np.testing.assert_array_equal(steps[-1].outputs[0], want)


def test_an_error_inside_a_fused_call_names_the_first_op():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [None, None], name="a")
    w = tf.Variable(np.ones((4, 3), np.float32), name="w")
    b = tf.Variable(np.zeros(3, np.float32), name="b")
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(a, w, name="product"), b))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _fused_lines(sess.plan_source(h, {a: np.ones((2, 4))}))
        with pytest.raises(tf.errors.InvalidArgumentError, match="product"):
            sess.run(h, {a: np.ones((2, 5), np.float32)})
