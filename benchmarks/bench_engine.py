"""Engine speed: a tiny sess.run and the 2,000-step curve fit.

Prints teachflow's figures beside a reference measured in the same run: the same maths written
by hand in NumPy (the floor any engine pays for the kernels), and TensorFlow's tf.compat.v1 graph
mode when it happens to be installed (it is never a dependency).
Targets (issue 2): tiny graph <= 20 µs per sess.run; curve fit <= 0.25 s.
"""
import time

import numpy as np

import teachflow as tf


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def tiny_teachflow(n=20000):
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [], name="a")
    b = tf.Variable(2.0, name="b")
    out = a * b + 1
    sess = tf.Session()
    sess.run(b.initializer)
    feed = {a: 3.0}
    sess.run(out, feed)
    return best_of(lambda: [sess.run(out, feed) for _ in range(n)]) / n


def curve_data():
    rng = np.random.RandomState(1)
    x = np.linspace(-0.5, 0.5, 200)[:, None].astype(np.float32)
    return x, (x ** 2 + rng.normal(0, 0.02, x.shape)).astype(np.float32)


def curve_fit_teachflow():
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x_data, y_data = curve_data()
    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.placeholder(tf.float32, [None, 1])
    w1 = tf.Variable(tf.random_normal([1, 10]))
    b1 = tf.Variable(tf.zeros([1, 10]))
    h = tf.nn.tanh(tf.matmul(x, w1) + b1)
    w2 = tf.Variable(tf.random_normal([10, 1]))
    b2 = tf.Variable(tf.zeros([1, 1]))
    pred = tf.nn.tanh(tf.matmul(h, w2) + b2)
    loss = tf.reduce_mean(tf.square(y - pred))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())

    def run():
        for _ in range(2000):
            sess.run(train, feed_dict={x: x_data, y: y_data})
    t = best_of(run, repeat=3)
    return t, float(sess.run(loss, {x: x_data, y: y_data}))


def curve_fit_numpy():
    """The same forward, backward and update, written by hand."""
    x, y = curve_data()
    rng = np.random.default_rng(1)
    w1 = rng.standard_normal((1, 10)).astype(np.float32)
    b1 = np.zeros((1, 10), np.float32)
    w2 = rng.standard_normal((10, 1)).astype(np.float32)
    b2 = np.zeros((1, 1), np.float32)
    lr = np.float32(0.1)

    def run():
        nonlocal w1, b1, w2, b2
        for _ in range(2000):
            h = np.tanh(x @ w1 + b1)
            p = np.tanh(h @ w2 + b2)
            d = p - y
            g_p = d * (2 / d.size)
            g_z2 = g_p * (1 - p * p)
            g_w2 = h.T @ g_z2
            g_b2 = g_z2.sum(axis=0, keepdims=True)
            g_h = g_z2 @ w2.T
            g_z1 = g_h * (1 - h * h)
            g_w1 = x.T @ g_z1
            g_b1 = g_z1.sum(axis=0, keepdims=True)
            w1, b1, w2, b2 = w1 - lr * g_w1, b1 - lr * g_b1, w2 - lr * g_w2, b2 - lr * g_b2
    return best_of(run, repeat=3)


def tensorflow_reference():
    try:
        import tensorflow.compat.v1 as tf1
    except ImportError:
        return None
    tf1.disable_eager_execution()
    g = tf1.Graph()
    with g.as_default():
        a = tf1.placeholder(tf1.float32, [])
        b = tf1.Variable(2.0)
        out = a * b + 1
        sess = tf1.Session()
        sess.run(b.initializer)
        sess.run(out, {a: 3.0})
        n = 2000
        return best_of(lambda: [sess.run(out, {a: 3.0}) for _ in range(n)]) / n


if __name__ == "__main__":
    tiny = tiny_teachflow()
    fit, mse = curve_fit_teachflow()
    floor = curve_fit_numpy()
    ref = tensorflow_reference()
    print(f"tiny graph (a*b + 1): {tiny * 1e6:7.1f} µs per sess.run   (target <= 20 µs)")
    if ref is not None:
        print(f"  TensorFlow tf.compat.v1 in this run: {ref * 1e6:7.1f} µs per sess.run")
    print(f"curve fit, 2,000 steps: {fit:6.3f} s (final MSE {mse:.5f})   (target <= 0.25 s)")
    print(f"  hand-written NumPy floor in this run: {floor:6.3f} s  -> engine overhead x{fit / floor:.2f}")
