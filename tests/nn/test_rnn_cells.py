"""RNN cells and the two loops as TF1 defines them: sizes, zero states, variable names and
initial values, weights shared over time, the sequence-length rule, and clear errors."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.unsupported import UnsupportedAPIError

pytestmark = pytest.mark.usefixtures("fresh_graph")
rnn_cell = tf.nn.rnn_cell


def _names():
    return [v.op.name for v in tf.global_variables()]


def test_sizes_of_every_cell():
    assert rnn_cell.BasicRNNCell(4).state_size == 4
    assert rnn_cell.BasicLSTMCell(4).state_size == rnn_cell.LSTMStateTuple(4, 4)
    assert rnn_cell.BasicLSTMCell(4, state_is_tuple=False).state_size == 8
    assert (rnn_cell.GRUCell(5).state_size, rnn_cell.GRUCell(5).output_size) == (5, 5)
    proj = rnn_cell.LSTMCell(4, num_proj=2)
    assert (proj.state_size, proj.output_size) == (rnn_cell.LSTMStateTuple(4, 2), 2)
    multi = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(3), rnn_cell.GRUCell(2)])
    assert multi.state_size == (rnn_cell.LSTMStateTuple(3, 3), 2) and multi.output_size == 2
    flat = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(3), rnn_cell.GRUCell(2)], state_is_tuple=False)
    assert flat.state_size == 5


def test_zero_state_for_an_int_and_for_tf_shape_of_the_batch():
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(3), rnn_cell.GRUCell(2)])
    fixed = cell.zero_state(4, tf.float32)
    assert [t.shape.as_list() for t in (fixed[0].c, fixed[0].h, fixed[1])] == [[4, 3], [4, 3], [4, 2]]
    x = tf.placeholder(tf.float32, [None, 7])
    dyn = cell.zero_state(tf.shape(x)[0], tf.float64)
    assert dyn[0].c.dtype == tf.float64 and dyn[1].shape.as_list() == [None, 2]
    with tf.Session() as sess:
        c, g = sess.run([dyn[0].c, dyn[1]], {x: np.ones((5, 7))})
    assert c.shape == (5, 3) and g.shape == (5, 2) and not c.any() and not g.any()
    with pytest.raises(TypeError, match="batch_size must be an int or tf.shape"):
        cell.zero_state(tf.placeholder(tf.int32, []), tf.float32)


def test_variable_names_and_initial_values_follow_tf1():
    x = tf.placeholder(tf.float32, [None, 6, 5])
    tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(4), x, dtype=tf.float32)
    tf.nn.dynamic_rnn(rnn_cell.GRUCell(3), x, dtype=tf.float32, scope="gru")
    cell = rnn_cell.BasicRNNCell(2, name="encoder")
    tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32, scope="static")
    assert _names() == ["rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias",
                        "gru/gru_cell/gates/kernel", "gru/gru_cell/gates/bias",
                        "gru/gru_cell/candidate/kernel", "gru/gru_cell/candidate/bias",
                        "static/encoder/kernel", "static/encoder/bias"]
    assert cell.variables == tf.global_variables()[-2:]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v = {name: sess.run(var) for name, var in zip(_names(), tf.global_variables())}
    assert v["rnn/basic_lstm_cell/kernel"].shape == (9, 16)
    limit = np.sqrt(6 / (9 + 16))  # glorot-uniform, TF1's default for get_variable
    assert 0.5 * limit < np.abs(v["rnn/basic_lstm_cell/kernel"]).max() <= limit
    assert not v["rnn/basic_lstm_cell/bias"].any() and not v["gru/gru_cell/candidate/bias"].any()
    assert (v["gru/gru_cell/gates/bias"] == 1).all()  # GRU gates start open (bias 1), as in TF1


def test_multi_rnn_cell_names_each_layer():
    x = tf.placeholder(tf.float32, [2, 3, 4])
    cells = [rnn_cell.BasicLSTMCell(5) for _ in range(2)]
    tf.nn.dynamic_rnn(rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)
    assert _names() == [f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell/{w}"
                        for k in (0, 1) for w in ("kernel", "bias")]
    assert [v.shape.as_list() for v in tf.global_variables()[::2]] == [[9, 20], [10, 20]]


def test_weights_are_shared_by_every_time_step_and_later_calls():
    cell = rnn_cell.GRUCell(3)
    x = tf.placeholder(tf.float32, [None, 8, 2])
    outs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    assert len(outs) == 8 and len(tf.global_variables()) == 4
    cell(tf.unstack(x, axis=1)[0], state)
    assert len(tf.global_variables()) == 4  # a later call reuses the same weights
    matmuls = [op for op in tf.get_default_graph().get_operations() if op.type == "MatMul"]
    assert len(matmuls) == 2 * 9  # two products per step: the gates, then the candidate
    assert {op.inputs[1].name for op in matmuls} == {"rnn/gru_cell/gates/kernel:0",
                                                     "rnn/gru_cell/candidate/kernel:0"}


def test_sequence_length_zeroes_outputs_and_carries_the_state():
    cell = rnn_cell.BasicLSTMCell(3)
    x = tf.placeholder(tf.float32, [2, 5, 2])
    out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=[5, 2], dtype=tf.float32)
    short, short_state = tf.nn.dynamic_rnn(cell, x[:, :2], dtype=tf.float32)  # same weights
    x_val = np.random.default_rng(0).uniform(-1, 1, (2, 5, 2)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o, s, o2, s2 = sess.run([out, state, short, short_state], {x: x_val})
    assert not o[1, 2:].any() and np.abs(o[1, :2]).min() > 0
    np.testing.assert_allclose(o[:, :2], o2, rtol=1e-6)
    np.testing.assert_allclose(s.c[1], s2.c[1], rtol=1e-6)  # example 1 stopped after 2 steps
    np.testing.assert_allclose(s.h[1], o[1, 1], rtol=1e-6)
    np.testing.assert_allclose(s.h[0], o[0, 4], rtol=1e-6)


def test_static_and_dynamic_agree_and_time_major_transposes():
    cell = rnn_cell.LSTMCell(3, use_peepholes=True)
    x = tf.placeholder(tf.float32, [4, 6, 2])
    outs, s1 = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    out, s2 = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    tm, s3 = tf.nn.dynamic_rnn(cell, tf.transpose(x, [1, 0, 2]), dtype=tf.float32, time_major=True)
    assert out.shape.as_list() == [4, 6, 3] and tm.shape.as_list() == [6, 4, 3]
    x_val = np.random.default_rng(1).uniform(-1, 1, (4, 6, 2))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b, c, ha, hb, hc = sess.run([tf.stack(outs, 1), out, tm, s1.h, s2.h, s3.h], {x: x_val})
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(c.transpose(1, 0, 2), b, rtol=1e-6)
    np.testing.assert_allclose(ha, hb, rtol=1e-6)
    np.testing.assert_allclose(hc, hb, rtol=1e-6)


def test_dynamic_rnn_loops_over_a_time_length_known_only_at_run_time():
    cell = rnn_cell.GRUCell(3)
    x = tf.placeholder(tf.float32, [None, None, 2])
    out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert out.shape.as_list() == [None, None, 3] and state.shape.as_list() == [None, 3]
    assert [op.type for op in tf.get_default_graph().get_operations()].count("While") == 1
    rng = np.random.default_rng(2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        long_x = rng.uniform(-1, 1, (2, 7, 2))
        o7, s7 = sess.run([out, state], {x: long_x})
        o3, s3 = sess.run([out, state], {x: long_x[:, :3]})
    assert o7.shape == (2, 7, 3) and o3.shape == (2, 3, 3)
    np.testing.assert_allclose(o7[:, :3], o3, rtol=1e-6)
    np.testing.assert_allclose(s7, o7[:, -1], rtol=1e-6)


def test_a_cell_written_by_the_student_follows_the_protocol():
    class Leaky(rnn_cell.RNNCell):
        """h' = 0.5·h + x·W."""

        def __init__(self, n):
            super().__init__()
            self.n = n

        @property
        def state_size(self):
            return self.n

        @property
        def output_size(self):
            return self.n

        def build(self, inputs_shape):
            self.w = self.add_variable("w", [inputs_shape[-1], self.n],
                                       initializer=tf.ones_initializer())

        def call(self, inputs, state):
            h = 0.5 * state + tf.matmul(inputs, self.w)
            return h, h

    out, state = tf.nn.dynamic_rnn(Leaky(2), tf.ones([1, 3, 1]), dtype=tf.float32, scope="leaky")
    assert _names() == ["leaky/rnn_cell/w"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(out)[0, :, 0].tolist() == [1.0, 1.5, 1.75]


def test_a_checkpoint_of_an_lstm_round_trips(tmp_path):
    x = tf.placeholder(tf.float32, [1, 2, 3])
    out, _ = tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(2), x, dtype=tf.float32)
    saver = tf.train.Saver()
    x_val = np.ones((1, 2, 3), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(out, {x: x_val})
        path = saver.save(sess, str(tmp_path / "lstm"))
    assert [n for n, _ in tf.train.list_variables(path)] == sorted(_names())
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(out, {x: x_val}), want)


# ----------------------------------------------------------------------------- clear errors
def test_errors_name_the_problem():
    x = tf.placeholder(tf.float32, [None, 4, 3])
    cell = rnn_cell.BasicLSTMCell(2)
    with pytest.raises(ValueError, match="no initial_state, you must give a dtype"):
        tf.nn.dynamic_rnn(cell, x)
    with pytest.raises(ValueError, match=r"\[batch, time, depth\]"):
        tf.nn.dynamic_rnn(cell, tf.placeholder(tf.float32, [2, 3]), dtype=tf.float32)
    with pytest.raises(TypeError, match="list of \\[batch, depth\\] tensors"):
        tf.nn.static_rnn(cell, x, dtype=tf.float32)
    with pytest.raises(TypeError, match="one tensor of inputs.*tf.nn.static_rnn"):
        tf.nn.dynamic_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.dynamic_rnn(cell, x, sequence_length=[[1]], dtype=tf.float32)
    with pytest.raises(TypeError, match="cell must be an instance of RNNCell"):
        tf.nn.dynamic_rnn(lambda a, b: (a, b), x, dtype=tf.float32)
    with pytest.raises(ValueError, match="at least one cell"):
        rnn_cell.MultiRNNCell([])
    with pytest.raises(ValueError, match="state_is_tuple"):
        rnn_cell.MultiRNNCell([cell], state_is_tuple=False)
    with pytest.raises(ValueError, match="num_units must be a positive int"):
        rnn_cell.GRUCell(0)
    with pytest.raises(TypeError, match="LSTMStateTuple"):
        cell(x[:, 0], tf.zeros([1, 4]))
    with pytest.raises(ValueError, match="initial_state has 1 parts"):
        tf.nn.dynamic_rnn(cell, x, initial_state=tf.zeros([2, 2]), scope="again")


def test_tf1_errors_for_reused_names():
    x = tf.placeholder(tf.float32, [2, 4, 3])
    tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(2), x, dtype=tf.float32)
    with pytest.raises(ValueError, match="rnn/basic_lstm_cell/kernel already exists"):
        tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(2), x, dtype=tf.float32)  # TF1: give a scope
    same = rnn_cell.BasicLSTMCell(2)
    with pytest.raises(ValueError, match="built for inputs of depth 3 .* depth 2.*make a new cell"):
        tf.nn.dynamic_rnn(rnn_cell.MultiRNNCell([same, same]), x, dtype=tf.float32, scope="deep")


def test_missing_rnn_names_are_clear_errors():
    with pytest.raises(UnsupportedAPIError, match="tf.nn.rnn_cell.NASCell is not supported"):
        rnn_cell.NASCell  # noqa: B018
    with pytest.raises(UnsupportedAPIError, match="tf.nn.rnn was removed .* tf.nn.static_rnn"):
        tf.nn.rnn  # noqa: B018


def test_a_fed_state_carries_over_between_runs_as_in_char_rnn_programs():
    """The stateful-training idiom: feed the last run's final state as the next initial state,
    one tensor at a time (``feed[c] = state[i].c``)."""
    x = tf.placeholder(tf.float32, [4, 3, 2])
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(5) for _ in range(2)])
    init = cell.zero_state(4, tf.float32)
    assert init[1].c.name.startswith("MultiRNNCellZeroState/BasicLSTMCellZeroState")
    out, final = tf.nn.dynamic_rnn(cell, x, initial_state=init)
    x_val = np.random.default_rng(3).uniform(-1, 1, (4, 6, 2)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        state = sess.run(init)
        for part in (x_val[:, :3], x_val[:, 3:]):
            feed = {x: part}
            for i, (c, h) in enumerate(init):
                feed[c], feed[h] = state[i].c, state[i].h
            o, state = sess.run([out, final], feed)
        whole = tf.nn.dynamic_rnn(cell, tf.constant(x_val), dtype=tf.float32)[0]
        np.testing.assert_allclose(o, sess.run(whole)[:, 3:], rtol=1e-5, atol=1e-6)


def test_a_scope_initializer_reaches_the_kernels_but_not_the_biases():
    with tf.variable_scope("model", initializer=tf.constant_initializer(0.25)):
        tf.nn.dynamic_rnn(rnn_cell.LSTMCell(2, use_peepholes=True), tf.ones([1, 2, 3]),
                          dtype=tf.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        v = dict(zip(_names(), sess.run(tf.global_variables())))
    assert (v["model/rnn/lstm_cell/kernel"] == 0.25).all()
    assert (v["model/rnn/lstm_cell/w_f_diag"] == 0.25).all()
    assert not v["model/rnn/lstm_cell/bias"].any()  # TF1 gives biases their own zeros


def test_a_training_and_a_test_model_share_the_rnn_weights_through_reuse():
    """The PTB idiom: the same model function built twice, the second time with reuse=True (or
    both with AUTO_REUSE), for another batch size; both read the same weights."""
    def model(x):
        cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4) for _ in range(2)])
        out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        return tf.layers.dense(out[:, -1], 2, name="out")

    train_x, test_x = tf.placeholder(tf.float32, [5, 3, 2]), tf.placeholder(tf.float32, [1, 3, 2])
    with tf.variable_scope("Model"):
        train_y = model(train_x)
    with tf.variable_scope("Model", reuse=True):
        test_y = model(test_x)
    with tf.variable_scope("Auto", reuse=tf.AUTO_REUSE):
        auto_train, auto_test = model(train_x), model(test_x)
    assert _names()[:2] == ["Model/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
                            "Model/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias"]
    assert len(_names()) == 2 * 6
    x_val = np.random.default_rng(5).uniform(size=(5, 3, 2))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for a, b in ((train_y, test_y), (auto_train, auto_test)):
            np.testing.assert_allclose(sess.run(a, {train_x: x_val})[:1],
                                       sess.run(b, {test_x: x_val[:1]}), rtol=1e-5, atol=1e-6)
