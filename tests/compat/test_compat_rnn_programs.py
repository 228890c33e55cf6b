"""Recurrent TF1 programs in the classic style (written here, step counts small): an LSTM reading
the 8×8 digits row by row with ``dynamic_rnn``, the same with ``tf.contrib.rnn.static_rnn`` and
hand-made weights, and stacked GRUs on variable-length sequences with ``sequence_length``."""
import numpy as np
import pytest
from sklearn.datasets import load_digits

import teachflow as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    tf.set_random_seed(2017)  # the programs set no seed; the tests must replay exactly
    yield
    tf.reset_default_graph()


def _digits_as_rows():
    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0   # [1797, 8 rows, 8 pixels]
    labels = np.eye(10, dtype=np.float32)[digits.target]
    return images[:1500], labels[:1500], images[1500:], labels[1500:]


def test_lstm_reads_digits_row_by_row_with_dynamic_rnn():
    X_train, Y_train, X_test, Y_test = _digits_as_rows()
    n_steps, n_input, n_hidden, n_classes = 8, 8, 32, 10
    learning_rate, training_steps, batch_size = 0.01, 60, 128

    x = tf.placeholder(tf.float32, [None, n_steps, n_input], name="x")
    y = tf.placeholder(tf.float32, [None, n_classes], name="y")
    lstm_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden)
    outputs, states = tf.nn.dynamic_rnn(lstm_cell, x, dtype=tf.float32)
    logits = tf.layers.dense(outputs[:, -1, :], n_classes)
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    train_op = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(loss_op)
    correct_pred = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

    rng = np.random.RandomState(0)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(training_steps):
            idx = rng.choice(len(X_train), batch_size, replace=False)
            _, loss = sess.run([train_op, loss_op], feed_dict={x: X_train[idx], y: Y_train[idx]})
            losses.append(loss)
        test_acc = sess.run(accuracy, feed_dict={x: X_test, y: Y_test})
    assert losses[0] == pytest.approx(np.log(10), abs=0.1)   # untrained: about chance
    assert np.mean(losses[-5:]) < 0.3 * losses[0]             # learning, not noise
    assert test_acc > 0.6                                     # 10 classes: chance is 0.1
    assert [v.op.name for v in tf.trainable_variables()][:2] == [
        "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"]


def test_lstm_reads_digits_with_contrib_static_rnn():
    X_train, Y_train, X_test, Y_test = _digits_as_rows()
    timesteps, num_input, num_hidden, num_classes = 8, 8, 32, 10

    X = tf.placeholder("float", [None, timesteps, num_input])
    Y = tf.placeholder("float", [None, num_classes])
    weights = {"out": tf.Variable(tf.random_normal([num_hidden, num_classes]))}
    biases = {"out": tf.Variable(tf.random_normal([num_classes]))}

    def RNN(x, weights, biases):
        x = tf.unstack(x, timesteps, 1)
        lstm_cell = tf.contrib.rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
        outputs, states = tf.contrib.rnn.static_rnn(lstm_cell, x, dtype=tf.float32)
        return tf.matmul(outputs[-1], weights["out"]) + biases["out"]

    logits = RNN(X, weights, biases)
    prediction = tf.nn.softmax(logits)
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
    train_op = tf.train.AdamOptimizer(learning_rate=0.01).minimize(loss_op)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1)), tf.float32))

    rng = np.random.RandomState(1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss_op, feed_dict={X: X_train, Y: Y_train})
        for step in range(80):
            idx = rng.choice(len(X_train), 128, replace=False)
            sess.run(train_op, feed_dict={X: X_train[idx], Y: Y_train[idx]})
        last = sess.run(loss_op, feed_dict={X: X_train, Y: Y_train})
        test_acc = sess.run(accuracy, feed_dict={X: X_test, Y: Y_test})
    assert last < 0.35 * first and test_acc > 0.6


def _toy_sequences(n, max_len, rng):
    """Half linear sequences (start, start + d, ...), half random, of lengths 3..max_len, padded
    with zeros: the classic variable-length example. Label 1 = linear."""
    X = np.zeros((n, max_len, 1), np.float32)
    lengths = rng.randint(3, max_len + 1, n)
    labels = rng.randint(0, 2, n)
    for i in range(n):
        L = lengths[i]
        if labels[i]:
            X[i, :L, 0] = rng.uniform(0, 0.5) + rng.uniform(0.03, 0.1) * np.arange(L)
        else:
            X[i, :L, 0] = rng.uniform(0, 1, L)
    return X, np.eye(2, dtype=np.float32)[labels], lengths


def test_stacked_grus_on_variable_length_sequences():
    rng = np.random.RandomState(3)
    max_len = 10
    train_x, train_y, train_len = _toy_sequences(1000, max_len, rng)
    test_x, test_y, test_len = _toy_sequences(300, max_len, rng)

    x = tf.placeholder(tf.float32, [None, max_len, 1])
    y = tf.placeholder(tf.float32, [None, 2])
    seqlen = tf.placeholder(tf.int32, [None])
    cells = [tf.nn.rnn_cell.GRUCell(16) for _ in range(2)]
    stacked = tf.nn.rnn_cell.MultiRNNCell(cells)
    outputs, final_states = tf.nn.dynamic_rnn(stacked, x, sequence_length=seqlen, dtype=tf.float32)
    with tf.variable_scope("classifier"):
        W = tf.get_variable("W", [16, 2])
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
    logits = tf.matmul(final_states[-1], W) + b   # the top layer's state after each real step
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    optimizer = tf.train.AdamOptimizer(0.02).minimize(cost)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(100):
            idx = rng.choice(len(train_x), 100, replace=False)
            sess.run(optimizer, {x: train_x[idx], y: train_y[idx], seqlen: train_len[idx]})
        test_feed = {x: test_x, y: test_y, seqlen: test_len}
        acc, outs = sess.run([accuracy, outputs], test_feed)
    assert acc > 0.85                                      # two classes: chance is 0.5
    past_end = np.arange(max_len)[None, :] >= test_len[:, None]
    assert not outs[past_end].any()                        # zeros after each sequence's end


def test_char_rnn_language_model_with_stacked_lstms_and_carried_state():
    """The char-RNN shape: embedding, MultiRNNCell of DropoutWrapper(LSTMCell), dynamic_rnn from a
    fed initial state, dense softmax over characters, clipped gradients, the final state of one
    batch fed as the initial state of the next."""
    text = "the quick brown fox jumps over the lazy dog. " * 40
    chars = sorted(set(text))
    vocab_size = len(chars)
    char_to_id = {c: i for i, c in enumerate(chars)}
    data = np.array([char_to_id[c] for c in text])
    batch_size, num_steps, hidden_size, num_layers, grad_clip = 8, 10, 32, 2, 5.0

    input_data = tf.placeholder(tf.int32, [batch_size, num_steps])
    targets = tf.placeholder(tf.int32, [batch_size, num_steps])
    keep_prob = tf.placeholder_with_default(1.0, [])

    def lstm_cell():
        cell = tf.nn.rnn_cell.LSTMCell(hidden_size)
        return tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=keep_prob)

    cell = tf.nn.rnn_cell.MultiRNNCell([lstm_cell() for _ in range(num_layers)])
    initial_state = cell.zero_state(batch_size, tf.float32)
    embedding = tf.get_variable("embedding", [vocab_size, hidden_size])
    inputs = tf.nn.embedding_lookup(embedding, input_data)
    outputs, final_state = tf.nn.dynamic_rnn(cell, inputs, initial_state=initial_state)
    logits = tf.layers.dense(tf.reshape(outputs, [-1, hidden_size]), vocab_size)
    labels = tf.reshape(targets, [-1])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), labels),
                                      tf.float32))
    tvars = tf.trainable_variables()
    grads, _ = tf.clip_by_global_norm(tf.gradients(loss, tvars), grad_clip)
    train_op = tf.train.AdamOptimizer(0.01).apply_gradients(zip(grads, tvars))

    span = (len(data) - 1) // batch_size
    xs = data[:batch_size * span].reshape(batch_size, span)
    ys = data[1:batch_size * span + 1].reshape(batch_size, span)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(5):
            state = sess.run(initial_state)
            for i in range(span // num_steps):
                window = slice(i * num_steps, (i + 1) * num_steps)
                feed = {input_data: xs[:, window], targets: ys[:, window], keep_prob: 0.9}
                for k, (c, h) in enumerate(initial_state):
                    feed[c], feed[h] = state[k].c, state[k].h
                batch_loss, state, _ = sess.run([loss, final_state, train_op], feed)
                losses.append(batch_loss)
        feed = {input_data: xs[:, :num_steps], targets: ys[:, :num_steps]}
        acc = sess.run(accuracy, feed)
    assert losses[0] == pytest.approx(np.log(vocab_size), abs=0.2)   # untrained: uniform guess
    assert np.mean(losses[-10:]) < 0.25 * losses[0]
    assert acc > 0.7                    # next character right from a cold state (chance: 1/28)
    assert [v.op.name for v in tvars][1:3] == ["rnn/multi_rnn_cell/cell_0/lstm_cell/kernel",
                                               "rnn/multi_rnn_cell/cell_0/lstm_cell/bias"]
