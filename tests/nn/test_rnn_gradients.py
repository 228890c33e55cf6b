"""Gradients through every RNN cell, static_rnn and dynamic_rnn, checked by central differences.

The loss sums the outputs and the final state (each times fixed random numbers, so every element
matters); its symbolic gradient with respect to the inputs, the initial state and every weight must
match ``teachflow.testing.numeric_gradient``, which feeds perturbed values (variables included).
"""
import numpy as np
import pytest

import teachflow as tf
from teachflow.nn import rnn_cell
from teachflow.testing import numeric_gradient, relative_error

pytestmark = pytest.mark.usefixtures("fresh_graph")

CELLS = {
    "basic_rnn": lambda: tf.nn.rnn_cell.BasicRNNCell(3),
    "basic_lstm": lambda: tf.nn.rnn_cell.BasicLSTMCell(3),
    "basic_lstm_concat": lambda: tf.nn.rnn_cell.BasicLSTMCell(2, state_is_tuple=False),
    "gru": lambda: tf.nn.rnn_cell.GRUCell(3),
    "lstm_peephole_proj": lambda: tf.nn.rnn_cell.LSTMCell(3, use_peepholes=True, num_proj=2,
                                                          cell_clip=5.0),
    "multi": lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(2),
                                                  tf.nn.rnn_cell.BasicLSTMCell(3)]),
}


def _flat(s):
    return [leaf for part in s for leaf in _flat(part)] if isinstance(s, tuple) else [s]


def _check(x_val, build, with_initial_state=True, seed=0):
    """Build with ``build(x, cell_initial_state_or_None)`` -> (outputs, state); check every gradient."""
    rng = np.random.default_rng(seed)
    x = tf.placeholder(tf.float64, x_val.shape, name="x")
    out, state, init_phs, init_vals = build(x, rng, with_initial_state)
    parts = _flat(state)
    loss = tf.reduce_sum(out * rng.standard_normal(out.shape.as_list())) + tf.add_n(
        [tf.reduce_sum(p * rng.standard_normal(p.shape.as_list())) for p in parts])
    variables = tf.trainable_variables()
    wrt = [x] + init_phs + variables
    grads = tf.gradients(loss, wrt)
    assert all(g is not None for g in grads)
    feed = {x: x_val, **dict(zip(init_phs, init_vals))}
    worst = 0.0
    with tf.Session() as sess:
        for v in variables:
            v.load(rng.uniform(-0.8, 0.8, v.shape.as_list()), sess)
        symbolic = sess.run(grads, feed)
        for t, g in zip(wrt, symbolic):
            err = relative_error(g, numeric_gradient(sess, loss, t, feed))
            assert err < 1e-7, f"d loss / d {t.name}: relative error {err:.3g}"
            worst = max(worst, err)
    return worst


def _rnn(api, make_cell, sequence_length=None):
    def build(x, rng, with_initial_state):
        cell = make_cell()
        init_vals = [rng.uniform(-1, 1, (x.shape[0], n)) for n in _flat(cell.state_size)] \
            if with_initial_state else []
        init_phs = [tf.placeholder(tf.float64, v.shape) for v in init_vals]
        it = iter(init_phs)
        init = rnn_cell.map_structure(lambda _: next(it), cell.state_size) if init_phs else None
        if api == "static":
            outs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), initial_state=init,
                                           dtype=tf.float64, sequence_length=sequence_length)
            return tf.stack(outs, axis=1), state, init_phs, init_vals
        out, state = tf.nn.dynamic_rnn(cell, x, initial_state=init, dtype=tf.float64,
                                       sequence_length=sequence_length)
        return out, state, init_phs, init_vals
    return build


@pytest.mark.parametrize("name", sorted(CELLS))
def test_one_step_of_each_cell(name):
    def build(x, rng, with_initial_state):
        return _rnn("static", CELLS[name])(x, rng, with_initial_state)
    _check(np.random.default_rng(1).uniform(-1, 1, (2, 1, 3)), build)


@pytest.mark.parametrize("name", ["basic_rnn", "basic_lstm", "gru", "multi"])
def test_static_rnn_with_sequence_length(name):
    x = np.random.default_rng(2).uniform(-1, 1, (3, 4, 2))
    _check(x, _rnn("static", CELLS[name], sequence_length=[4, 2, 0]))


@pytest.mark.parametrize("name", ["basic_lstm", "gru", "lstm_peephole_proj", "basic_lstm_concat"])
def test_dynamic_rnn_with_sequence_length(name):
    x = np.random.default_rng(3).uniform(-1, 1, (3, 4, 2))
    _check(x, _rnn("dynamic", CELLS[name], sequence_length=tf.constant([1, 4, 3])),
           with_initial_state=name != "gru")


def test_dynamic_rnn_zero_state_for_an_unknown_batch():
    """The zero state made for a [None, ...] batch passes no gradient of its own, but the
    gradient through the steps is still right."""
    cell = tf.nn.rnn_cell.BasicLSTMCell(2)
    x = tf.placeholder(tf.float64, [None, 3, 2])
    seq = tf.placeholder(tf.int32, [None])
    out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float64)
    loss = tf.reduce_sum(out ** 2) + tf.reduce_sum(state.c)
    gx = tf.gradients(loss, x)[0]
    x_val = np.random.default_rng(4).uniform(-1, 1, (2, 3, 2))
    feed = {x: x_val, seq: [3, 1]}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(gx, feed)
        assert relative_error(got, numeric_gradient(sess, loss, x, feed)) < 1e-7
        assert np.all(got[1, 1:] == 0)  # steps past example 1's length change nothing


@pytest.mark.parametrize("api", ["dynamic", "static"])
def test_bidirectional_rnn_with_sequence_length(api):
    def build(x, rng, with_initial_state):
        fw, bw = tf.nn.rnn_cell.BasicLSTMCell(2), tf.nn.rnn_cell.GRUCell(3)
        if api == "static":
            outs, s_fw, s_bw = tf.nn.static_bidirectional_rnn(
                fw, bw, tf.unstack(x, axis=1), dtype=tf.float64, sequence_length=[3, 1, 4])
            return tf.stack(outs, axis=1), (s_fw, s_bw), [], []
        (o_fw, o_bw), state = tf.nn.bidirectional_dynamic_rnn(
            fw, bw, x, sequence_length=[3, 1, 4], dtype=tf.float64)
        return tf.concat([o_fw, o_bw], 2), state, [], []
    _check(np.random.default_rng(5).uniform(-1, 1, (3, 4, 2)), build, with_initial_state=False)
