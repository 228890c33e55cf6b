"""What the bidirectional RNNs and DropoutWrapper stand on: ``tf.reverse``, ``tf.reverse_sequence``
(values, numerical gradients, errors), and DropoutWrapper's masks and names."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.testing import check_gradients

pytestmark = pytest.mark.usefixtures("fresh_graph")


def test_reverse_and_reverse_sequence_values():
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    with tf.Session() as sess:
        r = sess.run(tf.reverse(x, [1]))
        s = sess.run(tf.reverse_sequence(x, [3, 1], seq_axis=1, batch_axis=0))
        t = sess.run(tf.reverse_sequence(x.transpose(1, 0, 2), tf.constant([4, 2], tf.int64),
                                         seq_axis=0, batch_axis=1))
    np.testing.assert_array_equal(r, x[:, ::-1])
    np.testing.assert_array_equal(s[0], np.concatenate([x[0, 2::-1], x[0, 3:]]))
    np.testing.assert_array_equal(s[1], x[1])  # length 1: nothing moves
    np.testing.assert_array_equal(t[:, 0], x[0, ::-1])
    np.testing.assert_array_equal(t[:, 1], np.concatenate([x[1, 1::-1], x[1, 2:]]))
    assert tf.reverse_v2 is tf.reverse


def test_reverse_gradients_are_checked_numerically():
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    assert check_gradients(lambda t: tf.reverse(t, [1, 2]), [x]) < 1e-6
    assert check_gradients(lambda t: tf.reverse_sequence(t, [4, 2], 1, 0), [x]) < 1e-6
    assert check_gradients(lambda t: tf.reverse_sequence(t, [2, 0, 1], 0, 2), [x]) < 1e-6


def test_reverse_sequence_errors_name_the_problem():
    x = tf.zeros([2, 4, 3])
    with pytest.raises(ValueError, match="seq_lengths has 3 entries but the batch axis 0"):
        tf.reverse_sequence(x, [1, 2, 3], seq_axis=1)
    with pytest.raises(ValueError, match="must differ"):
        tf.reverse_sequence(x, [1, 2], seq_axis=0, batch_axis=0)
    with pytest.raises(TypeError, match="integers"):
        tf.reverse_sequence(x, [1.0, 2.0], seq_axis=1)
    with tf.Session() as sess, pytest.raises(Exception, match="outside \\[0, 4\\]"):
        sess.run(tf.reverse_sequence(x, [5, 1], seq_axis=1))


def test_bidirectional_names_and_shapes_follow_tf1():
    x = tf.placeholder(tf.float32, [None, 5, 2])
    seq = tf.placeholder(tf.int32, [None])
    (fw, bw), (s_fw, s_bw) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.BasicLSTMCell(3), tf.nn.rnn_cell.GRUCell(2), x, sequence_length=seq,
        dtype=tf.float32)
    assert fw.shape.as_list() == [None, 5, 3] and bw.shape.as_list() == [None, 5, 2]
    assert [v.op.name for v in tf.global_variables()][:2] == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel", "bidirectional_rnn/fw/basic_lstm_cell/bias"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        b, h = sess.run([bw, s_bw], {x: np.ones((2, 5, 2)), seq: [5, 2]})
    assert not b[1, 2:].any() and np.abs(b[1, :2]).min() > 0
    np.testing.assert_allclose(b[1, 0], h[1], rtol=1e-6)  # backwards: its last step is time 0
    np.testing.assert_allclose(b[0, 0], h[0], rtol=1e-6)


def test_dropout_wrapper_keeps_names_and_drops_what_tf1_drops():
    tf.set_random_seed(3)
    keep = tf.placeholder_with_default(1.0, [])
    cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(50), output_keep_prob=keep,
                                         state_keep_prob=0.5)
    assert cell.state_size == tf.nn.rnn_cell.LSTMStateTuple(50, 50) and cell.output_size == 50
    x = tf.placeholder(tf.float32, [8, 3, 4])
    out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert [v.op.name for v in tf.global_variables()] == ["rnn/basic_lstm_cell/kernel",
                                                          "rnn/basic_lstm_cell/bias"]
    assert cell.variables == tf.global_variables()
    x_val = np.random.default_rng(0).uniform(0.5, 1, (8, 3, 4))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o1, (c, h) = sess.run([out, state], {x: x_val})
        o2 = sess.run(out, {x: x_val, keep: 0.5})
    assert (c != 0).all()                           # the memory c is never dropped (TF1's rule)
    assert 0.3 < (h == 0).mean() < 0.7              # h is, with keep 0.5
    assert (o1 != 0).all() and 0.3 < (o2 == 0).mean() < 0.7   # outputs only when keep < 1
    with pytest.raises(ValueError, match="variational_recurrent=True\\) is not supported"):
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(2), variational_recurrent=True)
    with pytest.raises(ValueError, match="output_keep_prob must be between 0 and 1"):
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(2), output_keep_prob=1.5)


def test_dropout_wrapper_in_a_multi_rnn_cell_names_each_layer():
    cells = [tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(3), input_keep_prob=0.7)
             for _ in range(2)]
    tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), tf.ones([2, 4, 2]), dtype=tf.float32)
    assert [v.op.name for v in tf.global_variables()][::4] == [
        "rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel",
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel"]
