"""Control-flow speed: a recurrence h <- tanh(h·W + b) run by tf.while_loop, forward and backward.

Prints teachflow's time per training step beside the same maths written by hand in NumPy
(forward loop, then backpropagation through time over the kept states), measured in the same
run; and TensorFlow's tf.compat.v1 graph mode when it happens to be installed (never a
dependency). Also prints a tiny tf.cond sess.run, the cost of one Cond op over the plain graph.
Target: the loop's overhead per iteration stays small beside its kernels (<= 3 × the floor
for this small recurrence); the tiny graph without control flow is bench_engine.py's.
"""
import time

import numpy as np

import teachflow as tf

STEPS, BATCH, DIM = 20, 16, 32


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((BATCH, DIM)).astype(np.float32),
            (0.3 * rng.standard_normal((DIM, DIM))).astype(np.float32),
            (0.1 * rng.standard_normal(DIM)).astype(np.float32))


def loop_teachflow(tfm=tf, n=100):
    h0_data, w_data, b_data = data()
    tfm.reset_default_graph()
    h0 = tfm.placeholder(tfm.float32, [BATCH, DIM])
    w = tfm.Variable(w_data)
    b = tfm.Variable(b_data)
    _, h = tfm.while_loop(lambda i, h: i < STEPS, lambda i, h: (i + 1, tfm.tanh(tfm.matmul(h, w) + b)),
                          [tfm.constant(0), h0])
    loss = tfm.reduce_mean(tfm.square(h))
    train = tfm.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tfm.Session()
    sess.run(tfm.global_variables_initializer())
    feed = {h0: h0_data}
    sess.run(train, feed)
    return best_of(lambda: [sess.run(train, feed) for _ in range(n)], repeat=3) / n


def loop_numpy(n=100):
    h0, w, b = data()
    lr = np.float32(0.1)

    def step():
        nonlocal w, b
        hs = [h0]
        for _ in range(STEPS):
            hs.append(np.tanh(hs[-1] @ w + b))
        g = 2.0 * hs[-1] / hs[-1].size
        gw, gb = np.zeros_like(w), np.zeros_like(b)
        for t in range(STEPS, 0, -1):
            gz = g * (1 - hs[t] * hs[t])
            gw += hs[t - 1].T @ gz
            gb += gz.sum(axis=0)
            g = gz @ w.T
        w, b = w - lr * gw, b - lr * gb
    return best_of(lambda: [step() for _ in range(n)], repeat=3) / n


def tiny_cond(n=20000):
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [])
    p = tf.placeholder(tf.bool, [])
    out = tf.cond(p, lambda: a * 2.0, lambda: a + 1.0)
    sess = tf.Session()
    feed = {a: 3.0, p: True}
    sess.run(out, feed)
    return best_of(lambda: [sess.run(out, feed) for _ in range(n)]) / n


def tensorflow_reference():
    try:
        import tensorflow.compat.v1 as tf1
    except ImportError:
        return None
    tf1.disable_eager_execution()
    return loop_teachflow(tf1, n=20)


if __name__ == "__main__":
    mine, floor, ref = loop_teachflow(), loop_numpy(), tensorflow_reference()
    print(f"while_loop recurrence, {STEPS} steps, forward + backward + update: "
          f"{mine * 1e3:6.2f} ms per training step")
    print(f"  hand-written NumPy (BPTT) in this run: {floor * 1e3:6.2f} ms  -> x{mine / floor:.2f} "
          "(target <= 3)")
    if ref is not None:
        print(f"  TensorFlow tf.compat.v1 in this run:   {ref * 1e3:6.2f} ms")
    print(f"tiny tf.cond (a*2 or a+1): {tiny_cond() * 1e6:6.1f} µs per sess.run")
