"""Fixtures shared across the test folders."""
import numpy as np
import pytest

import teachflow as tf


@pytest.fixture
def fresh_graph():
    """A new default graph for the test, and none of its ops left for the next one. A module
    takes it for every test with ``pytestmark = pytest.mark.usefixtures("fresh_graph")``."""
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


@pytest.fixture
def curve_fit_step():
    """The curve fit of lessons 2-3 on 20 points (seed 1), initialized in a session: one
    training step is 16 forward, 14 backward and 4 update steps. A dict of sess, train, loss,
    pred, feed and variables; the session is closed and the graph reset afterwards."""
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x_data = np.linspace(-0.5, 0.5, 20)[:, None]
    y_data = x_data ** 2
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("layer1"):
        w1 = tf.Variable(tf.random_normal([1, 10]), name="weights")
        b1 = tf.Variable(tf.zeros([1, 10]), name="biases")
        l1 = tf.nn.tanh(tf.matmul(x, w1) + b1)
    with tf.name_scope("layer2"):
        w2 = tf.Variable(tf.random_normal([10, 1]), name="weights")
        b2 = tf.Variable(tf.zeros([1, 1]), name="biases")
        pred = tf.nn.tanh(tf.matmul(l1, w2) + b2)
    loss = tf.reduce_mean(tf.square(y - pred), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    yield dict(sess=sess, train=train, loss=loss, pred=pred, feed={x: x_data, y: y_data},
               variables=[w1, b1, w2, b2])
    sess.close()
    tf.reset_default_graph()
