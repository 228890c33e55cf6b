"""Graphs the viz tests draw: the classic curve fit (with and without name scopes), a graph
split over devices, and the `dot` program (required: CI installs Graphviz)."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.viz import INSTALL_HINT, dot_available


@pytest.fixture(autouse=True)
def _every_viz_test_on_a_fresh_graph(fresh_graph):
    yield


@pytest.fixture
def dot():
    """Tests that lay graphs out need Graphviz; they fail (never skip) without it."""
    if not dot_available():
        pytest.fail(INSTALL_HINT)


def build_curve_fit(scoped=True):
    """The classic tutorial: y = x² fitted by a 1-10-1 tanh network with gradient descent."""
    x = tf.placeholder(tf.float32, [None, 1], name="x" if scoped else None)
    y = tf.placeholder(tf.float32, [None, 1], name="y" if scoped else None)

    def layer(inp, n_in, n_out):
        w = tf.Variable(tf.random_normal([n_in, n_out]), name="Weights" if scoped else None)
        b = tf.Variable(tf.zeros([1, n_out]), name="biases" if scoped else None)
        return tf.nn.tanh(tf.matmul(inp, w) + b)

    if scoped:
        with tf.name_scope("layer1"):
            h = layer(x, 1, 10)
        with tf.name_scope("layer2"):
            pred = layer(h, 10, 1)
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.square(y - pred))
    else:
        pred = layer(layer(x, 1, 10), 10, 1)
        loss = tf.reduce_mean(tf.square(y - pred))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return dict(x=x, y=y, pred=pred, loss=loss, train=train, graph=tf.get_default_graph())


@pytest.fixture
def curve():
    return build_curve_fit(scoped=True)


@pytest.fixture
def curve_unscoped():
    return build_curve_fit(scoped=False)


@pytest.fixture
def towers():
    """A model split over devices: two towers on two GPUs, the loss on the CPU."""
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    with tf.device("/gpu:0"), tf.name_scope("tower_0"):
        w0 = tf.Variable(np.ones((4, 8), np.float32), name="w")
        h = tf.nn.relu(tf.matmul(x, w0))
    with tf.device("/gpu:1"), tf.name_scope("tower_1"):
        w1 = tf.Variable(np.ones((8, 1), np.float32), name="w")
        out = tf.matmul(h, w1)
    with tf.device("/cpu:0"):
        loss = tf.reduce_sum(out, name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return dict(x=x, loss=loss, train=train, graph=tf.get_default_graph())
