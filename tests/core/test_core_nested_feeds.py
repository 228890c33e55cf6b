"""A feed_dict key may be a structure of tensors (an LSTM's state), fed entry by entry as TF1
flattens it; a value of another structure is an error naming the key."""
import numpy as np
import pytest

import teachflow as tf


def test_an_lstm_state_is_fed_as_one_key(fresh_graph):
    cell = tf.nn.rnn_cell.BasicLSTMCell(3)
    x = tf.placeholder(tf.float32, [2, 4])
    state = cell.zero_state(2, tf.float32)
    out, new_state = cell(x, state)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = np.ones((2, 4), np.float32)
        s1 = sess.run(new_state, {x: xv})
        # carry the state into the next step: the whole LSTMStateTuple as one key
        a = sess.run(out, {x: xv, state: s1})
        b = sess.run(out, {x: xv, state.c: s1.c, state.h: s1.h})
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, sess.run(out, {x: xv}))       # the fed state was used


def test_nested_keys_and_their_errors(fresh_graph):
    p, q, r = (tf.placeholder(tf.float32, []) for _ in range(3))
    total = p + q * 10 + r * 100
    with tf.Session() as sess:
        assert sess.run(total, {(p, (q, r)): (1.0, [2.0, 3.0])}) == 321.0
        with pytest.raises(ValueError, match="has 2 entries but its value has 3"):
            sess.run(total, {(p, q): (1.0, 2.0, 3.0), r: 0.0})
        with pytest.raises(TypeError, match="must be a tuple or list of 2 values"):
            sess.run(total, {(p, q): np.array([1.0, 2.0]), r: 0.0})
