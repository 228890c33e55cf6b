"""Classic TF1 programs with control flow, written here in the style of a TF1 course (not
copied): loops with tf.while_loop, a loss chosen by a fed training flag, tf.case.

The reference numbers come from TensorFlow itself: ``tools/dev/control_flow_reference.py`` runs
these very program functions under ``tensorflow.compat.v1`` (graph mode, TF 2.21's TF1 API, on
the machine's CPU) and prints what they return; those values are pasted below.
"""
import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.usefixtures("fresh_graph")


# ------------------------------------------------------------------ the programs
def program_sum_and_power():
    """Sum 1..100 and 1.5 ** 10 with loops; the derivative of the power by tf.gradients."""
    i = tf.constant(1)
    total = tf.constant(0)
    _, total = tf.while_loop(lambda i, total: i <= 100, lambda i, total: [i + 1, total + i], [i, total])
    base = tf.placeholder(tf.float32, shape=[], name="base")
    n = tf.constant(0)
    result = tf.constant(1.0)
    _, power = tf.while_loop(lambda n, result: tf.less(n, 10), lambda n, result: (n + 1, result * base),
                             (n, result))
    dpower = tf.gradients(power, base)[0]
    with tf.Session() as sess:
        return sess.run([total, power, dpower], feed_dict={base: 1.5})


def program_fibonacci_and_collatz():
    """The 30th Fibonacci number and the length of the Collatz sequence of 27."""
    def fib_body(k, a, b):
        return k + 1, b, a + b
    _, fib, _ = tf.while_loop(lambda k, a, b: k < 30, fib_body,
                              [tf.constant(0), tf.constant(0, tf.int64), tf.constant(1, tf.int64)])

    def collatz_body(n, steps):
        n = tf.cond(tf.equal(n % 2, 0), lambda: n // 2, lambda: 3 * n + 1)
        return n, steps + 1
    start = tf.placeholder(tf.int32, [])
    _, steps = tf.while_loop(lambda n, steps: n > 1, collatz_body, [start, 0])
    with tf.Session() as sess:
        return [sess.run(fib), [sess.run(steps, {start: s}) for s in (27, 97, 1)]]


def program_training_flag_chooses_the_loss():
    """Linear regression whose loss adds an L2 penalty only in training (a fed bool)."""
    rng = np.random.RandomState(0)
    x_data = rng.rand(32, 3).astype(np.float32)
    y_data = x_data @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    X = tf.placeholder(tf.float32, [None, 3], name="X")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    is_training = tf.placeholder(tf.bool, [], name="is_training")
    W = tf.Variable(tf.zeros([3, 1]), name="W")
    b = tf.Variable(0.0, name="b")
    pred = tf.matmul(X, W) + b
    mse = tf.reduce_mean(tf.square(pred - y))
    loss = tf.cond(is_training, lambda: mse + 0.1 * tf.reduce_sum(tf.square(W)), lambda: mse)
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(50):
            sess.run(train_op, feed_dict={X: x_data, y: y_data, is_training: True})
        train_loss = sess.run(loss, {X: x_data, y: y_data, is_training: True})
        eval_loss = sess.run(loss, {X: x_data, y: y_data, is_training: False})
        return [sess.run(W).ravel().tolist(), float(sess.run(b)), float(train_loss), float(eval_loss)]


def program_learn_through_a_loop():
    """Find the growth rate r with 2·(1 + r)^12 = 5, the compounding done by a while loop."""
    r = tf.Variable(0.01, name="rate")
    _, amount = tf.while_loop(lambda month, amount: month < 12,
                              lambda month, amount: (month + 1, amount * (1.0 + r)),
                              [tf.constant(0), tf.constant(2.0)])
    loss = tf.square(amount - 5.0)
    train = tf.train.GradientDescentOptimizer(0.0001).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(40):
            sess.run(train)
        return [float(sess.run(r)), float(sess.run(amount))]


def program_piecewise_by_case():
    """A piecewise learning-rate schedule by tf.case on the global step."""
    step = tf.placeholder(tf.int32, [], name="step")
    lr = tf.case([(tf.less(step, 100), lambda: tf.constant(0.1)),
                  (tf.less(step, 200), lambda: tf.constant(0.01))],
                 default=lambda: tf.constant(0.001), exclusive=False)
    with tf.Session() as sess:
        return [float(sess.run(lr, {step: s})) for s in (0, 99, 100, 150, 200, 5000)]


# ------------------------------------------------------------------ TensorFlow's answers
REFERENCE = {
    "program_sum_and_power": [5050, 57.6650390625, 384.43359375],
    "program_fibonacci_and_collatz": [832040, [111, 118, 0]],
    "program_training_flag_chooses_the_loss": [[0.4145928621292114, -0.9584448933601379, 0.313726007938385], 0.190821573138237, 0.24885955452919006, 0.12996676564216614],
    "program_learn_through_a_loop": [0.07934840023517609, 5.0],
    "program_piecewise_by_case": [0.10000000149011612, 0.10000000149011612, 0.009999999776482582, 0.009999999776482582, 0.0010000000474974513, 0.0010000000474974513],
}
PROGRAMS = [program_sum_and_power, program_fibonacci_and_collatz,
            program_training_flag_chooses_the_loss, program_learn_through_a_loop,
            program_piecewise_by_case]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_program_gives_tensorflows_numbers(program):
    got = program()
    np.testing.assert_allclose(np.asarray(_flat(got), np.float64),
                               np.asarray(_flat(REFERENCE[program.__name__]), np.float64),
                               rtol=2e-5, atol=1e-6)


def _flat(v):
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _flat(item)]
    return [float(v)]
