"""Inter-op parallelism: a plan's independent big ops at the same time, against one after another.

The plan runs adjacent independent ops in one ``together`` line (``core/plan.py``: a
convolution's input and filter gradients, a dense layer's two MatMul gradients) on the session's
pool; ``inter_op_parallelism_threads=1`` turns that off. Measured in one process, the two
settings interleaved (the machine's load hits both alike), minimum and median per step:

* the CNN training step of ``bench_busy.py`` (batch 100), two sessions on one graph;
* with ``--raw``, the raw example (``bench_busy.raw_example``, batch 128), whole runs alternated;
* ``bench_engine``'s curve fit (tiny ops: the group's size check must cost nothing visible);
* the pool's own cost: ``run(fn, n)`` of empty pieces (what every big kernel pays per call).

Run: ``PYTHONPATH=$PWD python benchmarks/bench_interop.py [--raw] [--steps 40]``
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _alternated(sessions, i):
    """The sessions' items, the first one first on even ``i``, last on odd ones."""
    items = list(sessions.items())
    return items if i % 2 == 0 else items[::-1]


def cnn(steps):
    """{inter_op setting: [seconds per step, ...]} for the CNN, steps interleaved."""
    import bench_layers as L
    import teachflow as tf
    X, y, _, _, _ = L.load(1000, 0)
    tf.reset_default_graph()
    Xp, yp, train, _ = L.cnn_graph()
    sessions = {}
    for inter in (1, 0):
        sess = sessions[inter] = tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=inter))
        sess.run(tf.global_variables_initializer())
        sess.run(train, {Xp: X[:100], yp: y[:100]})  # compile the plan, warm the work arrays
    times = {inter: [] for inter in sessions}
    rng = np.random.RandomState(0)
    for i in range(steps):
        idx = rng.randint(0, len(X), 100)
        feed = {Xp: X[idx], yp: y[idx]}
        for inter, sess in _alternated(sessions, i):
            t = time.perf_counter()
            sess.run(train, feed)
            times[inter].append(time.perf_counter() - t)
    return times


def raw(steps, rounds=4):
    """{inter_op setting: [seconds per step of one whole run, ...]} for the raw example."""
    import bench_busy
    import bench_layers as L
    import teachflow as tf
    X, y, _, _, _ = L.load(steps * 128, 0)
    X, Y = X.reshape(len(X), -1), np.eye(10, dtype=np.float32)[y]
    times = {1: [], 0: []}
    try:
        for _ in range(rounds):
            for inter in times:
                tf.config.threading.set_inter_op_parallelism_threads(inter)
                wall, _, _ = bench_busy.raw_example(tf, X, Y, steps, display=10 ** 9)
                times[inter].append(wall / steps)
    finally:
        tf.config.threading.set_inter_op_parallelism_threads(0)
    return times


def curve_fit(blocks=30, steps=200):
    """{inter_op setting: [seconds per step, ...]} for ``bench_engine``'s curve fit, whose plan
    has a group of small ops (two MatMul gradients): the size check must keep it as fast."""
    import bench_engine
    import teachflow as tf
    x_data, y_data = bench_engine.curve_data()
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 10, activation=tf.nn.tanh)
    pred = tf.layers.dense(h, 1, activation=tf.nn.tanh)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_mean(tf.square(y - pred)))
    sessions = {}
    for inter in (1, 0):
        sess = sessions[inter] = tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=inter))
        sess.run(tf.global_variables_initializer())
        assert ("together" in sess.plan_source(train, {x: x_data, y: y_data})) == (inter == 0)
    times = {inter: [] for inter in sessions}
    feed = {x: x_data, y: y_data}
    for i in range(blocks):
        for inter, sess in _alternated(sessions, i):
            t = time.perf_counter()
            for _ in range(steps):
                sess.run(train, feed)
            times[inter].append((time.perf_counter() - t) / steps)
    return times


def pool_cost(n=8, repeat=2000):
    """Microseconds per ``run`` of ``n`` empty pieces on a 2-thread pool (the best of 5)."""
    from teachflow.core import threads
    pool, noop = threads._Pool(2), (lambda i: None)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(repeat):
            pool.run(noop, n)
        best = min(best, (time.perf_counter() - t) / repeat)
    return best * 1e6


def report(name, times, unit="ms", scale=1e3):
    seq, tog = np.array(times[1]) * scale, np.array(times[0]) * scale
    print(f"{name}: one after another min {seq.min():.2f} / median {np.median(seq):.2f} {unit}; "
          f"together min {tog.min():.2f} / median {np.median(tog):.2f} {unit} "
          f"-> {tog.min() / seq.min():.3f}x (min), {np.median(tog) / np.median(seq):.3f}x (median)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--raw", action="store_true", help="also the raw example (slower)")
    args = ap.parse_args()
    from teachflow.core import threads
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    print(f"pool.run of 8 empty pieces, 2 threads: {pool_cost():.1f} µs")
    report("curve fit step (small: one after another in both)", curve_fit(), "µs", 1e6)
    report("CNN step", cnn(args.steps))
    if args.raw:
        report("raw example step", raw(max(5, args.steps // 4)))
    print(f"{threads.describe()} | load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
