"""The step-through on real networks: the 64-30-10 digits DNN (tf.layers.dense, layers folded by
scope) and a ~200-op deep network, one training step each, walked step by step as Play walks it.
Speed (<= 50 ms per step) is measured by benchmarks/bench_stepthrough.py, not here: timed
assertions flake on a busy machine."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import teachflow as tf
from teachflow.datasets import digits
from teachflow.trace import step_through
from teachflow.viz import HIGHLIGHTS, dot_available
from teachflow.widgets.stepthrough import StepThrough

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def need_dot():
    if not dot_available():
        pytest.fail("Graphviz's dot is needed to lay the graph out (apt-get install graphviz).")


@pytest.fixture(scope="module")
def batch():
    data = digits.load_data()
    return data.train.images[:64], data.train.labels[:64]


def build_dnn(hidden=(30,), optimizer=None, l2=0.0):
    """A dense network on the 8×8 digits: 64 -> hidden... -> 10, sparse softmax cross-entropy."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    X = tf.placeholder(tf.float32, [None, 64], name="X")
    y = tf.placeholder(tf.int64, [None], name="y")
    h = X
    for i, units in enumerate(hidden):
        h = tf.layers.dense(h, units, activation=tf.nn.relu if len(hidden) == 1 else tf.nn.tanh,
                            name=f"hidden{i + 1}")
    logits = tf.layers.dense(h, 10, name="outputs")
    with tf.name_scope("loss"):
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xent, name="xent")
        if l2:
            kernels = [v for v in tf.trainable_variables() if "kernel" in v.name]
            loss = tf.add(loss, l2 * tf.add_n([tf.nn.l2_loss(k) for k in kernels]), name="loss")
    with tf.name_scope("train"):
        train = (optimizer or tf.train.AdamOptimizer(0.01)).minimize(loss)
    return X, y, loss, train


def walk(widget):
    """Move the slider through every step, as Play does."""
    n = len(widget.trace)
    for i in range(n):
        widget.slider.value = i
        assert widget.counter.value.endswith(f"{i + 1} / {n}")


def current_fill(svg, nid):
    root = ET.fromstring(svg)
    g = next(g for g in root.iter(SVG_NS + "g") if g.get("id") == nid)
    shape = next(e for e in g.iter() if e.tag in (SVG_NS + "path", SVG_NS + "polygon"))
    return shape.get("fill")


def test_digits_dnn_one_training_step_folded_by_layer(batch):
    X, y, loss, train = build_dnn()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {X: batch[0], y: batch[1]}
        variables = tf.global_variables()
        before = sess.run(variables)
        trace = step_through(sess, train, feed)
        w = StepThrough(trace, collapse=1)
        assert {n.id for n in w.picture.view.folded.nodes} >= {"hidden1", "outputs", "loss", "train"}
        walk(w)
        phases = [s.phase for s in trace]
        assert phases == sorted(phases, key=["forward", "backward", "update"].index)
        assert sum(p == "update" for p in phases) == 6         # 4 ApplyAdam + 2 beta powers
        # a step inside a folded layer lights up the layer's box
        i = [s.op.name for s in trace].index("hidden1/MatMul")
        w.goto(i)
        assert w.node_id() == "hidden1"
        assert current_fill(w.svg, "hidden1") == HIGHLIGHTS["current"]["fill"]
        assert w.counter.value == f"step {i + 1} / {len(trace)}"
        assert "out: hidden1/MatMul" in w.details.value and "64×30" in w.details.value
        assert w.heatmap_box.children                           # 64×64 inputs: heatmaps
        # forward view, folded the same way
        w.show_view("forward")
        walk(w)
        # after the last step the variables are those of one sess.run(train)
        w.last()
        after = sess.run(variables)
        w.first()
        for v, b in zip(variables, before):
            np.testing.assert_array_equal(sess.run(v), b)
        sess.run(train, feed)
        for a, b in zip(after, sess.run(variables)):
            np.testing.assert_array_equal(a, b)
        # the gradient check on the output layer's bias
        r = w.gradcheck.run("outputs/bias")
        assert r.error < 1e-3
        assert w.gradcheck.dropdown.options == ("hidden1/kernel", "hidden1/bias", "outputs/kernel",
                                                "outputs/bias")


def test_200_op_network_walks_every_step(batch):
    X, y, loss, train = build_dnn(hidden=(30,) * 12, optimizer=tf.train.MomentumOptimizer(0.01, 0.9),
                                  l2=1e-4)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        trace = step_through(sess, train, {X: batch[0], y: batch[1]})
        assert len(trace) > 180
        w = StepThrough(trace, collapse=None)                   # every op its own node
        assert len(w.picture.view.folded.nodes) >= 200
        walk(w)
        walk(w)
        w.goto(len(trace) // 2)
        assert current_fill(w.svg, w.node_id()) == HIGHLIGHTS["current"]["fill"]
        w.show_view("forward")
        walk(w)
        w.first()
