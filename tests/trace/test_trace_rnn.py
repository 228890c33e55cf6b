"""An RNN training step in the step-through: every gate of every time step is a step of its own,
forward then backward then update, with the values a plain run gives; the widget walks it and
the graph draws."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.trace import step_through
from teachflow.viz import dot_available

pytestmark = pytest.mark.usefixtures("fresh_graph")


@pytest.fixture
def lstm_step():
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [2, 3, 2], name="x")
    y = tf.placeholder(tf.float32, [2, 2], name="y")
    seq = tf.placeholder(tf.int32, [2], name="seq")
    out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(3), x, sequence_length=seq,
                                   dtype=tf.float32)
    logits = tf.layers.dense(state.h, 2)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    feed = {x: np.random.default_rng(0).uniform(size=(2, 3, 2)), y: [[1, 0], [0, 1]], seq: [3, 2]}
    yield dict(sess=sess, train=train, loss=loss, state=state, feed=feed)
    sess.close()


def test_each_time_step_is_stepped_through_forward_backward_update(lstm_step):
    s, feed = lstm_step["sess"], lstm_step["feed"]
    before = s.run(tf.trainable_variables())
    tr = step_through(s, lstm_step["train"], feed)
    phases = [st.phase for st in tr]
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)
    fwd = [st.op.name for st in tr if st.phase == "forward"]
    body = "rnn/while/basic_lstm_cell/MatMul"
    assert fwd.count(body) == 3  # the loop body's product, once per time step, in order
    assert fwd.index("rnn/while") > max(i for i, n in enumerate(fwd) if n == body)
    bwd = [st.op for st in tr if st.phase == "backward"]
    assert sum(op.gradient_of is not None and op.gradient_of.name == body for op in bwd) >= 3
    assert [st.op.inputs[0].op.name for st in tr if st.phase == "update"] == [
        "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias", "dense/kernel", "dense/bias"]
    h = lstm_step["state"].h
    np.testing.assert_array_equal(tr.value(h), s.run(h, feed))
    for st in tr:
        assert st.explain()  # every op of the cell explains itself
    for v, b in zip(tf.trainable_variables(), before):  # tracing changed nothing
        np.testing.assert_array_equal(s.run(v), b)


@pytest.mark.skipif(not dot_available(), reason="Graphviz's dot lays the picture out")
def test_the_widget_walks_an_rnn_and_the_graph_draws(lstm_step):
    from teachflow.widgets.stepthrough import StepThrough
    tr = step_through(lstm_step["sess"], lstm_step["train"], lstm_step["feed"])
    w = StepThrough(tr)
    for i in range(0, len(tr), 5):
        w.goto(i)
        assert "<svg" in w.svg
    w.last()
    assert w.counter.value == f"step {len(tr)} / {len(tr)}"
    svg = tf.viz.draw(tf.get_default_graph(), view="forward").svg()
    assert "basic_lstm_cell" in svg and "<svg" in svg
