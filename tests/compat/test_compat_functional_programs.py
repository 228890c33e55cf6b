"""A classic TF1 program with tf.map_fn, tf.scan and tf.foldl, written in the style of a TF1
course (not copied): per-example standardization of a batch, a simple RNN over time by scan,
and the sum of its states by foldl, with the gradient back to the inputs.

The reference numbers come from TensorFlow itself: ``classic_program`` in
``tools/tf_reference/functional_ops_reference.py`` is this very program run under
``tensorflow.compat.v1`` (graph mode, TF 2.21's TF1 API, CPU); its values (rounded to 6
decimals) are pasted below.
"""
import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.usefixtures("fresh_graph")

STANDARDIZED = [[-1.34164, -0.447213, 0.447213, 1.34164], [-0.57735, -0.57735, -0.57735, 1.73205], [-1.414212, 0.0, 1.414212, 0.0]]
STATES = [[[0.091655, 0.245927, 0.388671, 0.514915], [-0.183205, -0.317121, -0.439482, -0.547452]], [[0.232131, 0.301402, 0.36763, 0.430328], [-0.337415, -0.375303, -0.411977, -0.447364]], [[0.43265, 0.453713, 0.474281, 0.494344], [-0.514908, -0.508689, -0.502416, -0.49609]], [[0.576624, 0.54521, 0.512186, 0.477575], [-0.626594, -0.576082, -0.52075, -0.460668]], [[0.6625, 0.59654, 0.5214, 0.437199], [-0.686471, -0.606044, -0.51097, -0.401501]]]
TOTAL = -0.713618
GRAD = [[[-1.798709, -0.289634, 1.219442], [-1.697666, -0.266003, 1.165661]], [[-1.658752, -0.236456, 1.18584], [-1.532596, -0.204667, 1.123261]], [[-1.386831, -0.166337, 1.054157], [-1.269264, -0.137859, 0.993547]], [[-1.130093, -0.127982, 0.87413], [-1.058501, -0.112193, 0.834115]], [[-0.959572, 0.037604, 1.03478], [-0.948959, 0.047105, 1.043169]]]


def program():
    batch = tf.placeholder(tf.float32, [None, 4], name="batch")
    standardized = tf.map_fn(lambda ex: (ex - tf.reduce_mean(ex)) / (tf.sqrt(tf.reduce_mean(
        tf.square(ex - tf.reduce_mean(ex)))) + 1e-6), batch)
    inputs = tf.placeholder(tf.float32, [None, 2, 3], name="inputs")   # [time, batch, depth]
    w = tf.constant(np.linspace(-0.5, 0.5, 12).reshape(3, 4), tf.float32)
    u = tf.constant(np.linspace(0.3, -0.3, 16).reshape(4, 4), tf.float32)
    states = tf.scan(lambda h, x_t: tf.tanh(tf.matmul(x_t, w) + tf.matmul(h, u)), inputs,
                     initializer=tf.zeros([2, 4]))
    total = tf.foldl(lambda acc, h: acc + tf.reduce_sum(h), states, initializer=tf.constant(0.0))
    grad = tf.gradients(total, inputs)[0]
    b = np.array([[1, 2, 3, 4], [2, 2, 2, 6], [-1, 0, 1, 0]], np.float32)
    seq = np.sin(np.arange(30, dtype=np.float32)).reshape(5, 2, 3)
    with tf.Session() as sess:
        return sess.run([standardized, states, total, grad], {batch: b, inputs: seq})


def test_standardize_batch_rnn_by_scan_and_fold_match_tensorflow():
    standardized, states, total, grad = program()
    np.testing.assert_allclose(standardized, STANDARDIZED, atol=2e-6)
    assert states.shape == (5, 2, 4)
    np.testing.assert_allclose(states, STATES, atol=2e-6)
    np.testing.assert_allclose(total, TOTAL, atol=5e-6)
    np.testing.assert_allclose(grad, GRAD, atol=5e-6)
