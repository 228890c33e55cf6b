"""Optimizer updates (the Apply* kernels, ``teachflow/train/update_ops.py``): one training step
that only applies a fed gradient, ``sess.run(train_op, {grad: g})``, per optimizer and size.

Prints, measured in the same run (the best wall time of one step, and the best of the rounds'
mean CPU time per step, which counts both threads): ``whole`` -- the whole-array formula, the kernel before pieces (forced by
setting ``PIECES_MIN_BYTES`` to infinity); ``pieces 1t`` -- in pieces on one thread;
``pieces`` -- on the session's pool (both cores), writing in place (nothing else holds the
arrays); ``new arrays`` -- the same while the caller keeps the fetched variable, so each update
writes new arrays. The sizes: fc1 of the raw CNN example (3136×1024), the DNN tutorial's first
layer (784×300) and a bias (300). The machine's load average is printed: figures are noisy when
other programs run.

    PYTHONPATH=$PWD python benchmarks/bench_update_ops.py [--ops Adam,Momentum] [--repeat 30]
"""
import argparse
import os
import time

import numpy as np

import teachflow as tf
from teachflow.train import update_ops

OPTIMIZERS = {
    "Adam": lambda: tf.train.AdamOptimizer(0.001),
    "GradientDescent": lambda: tf.train.GradientDescentOptimizer(0.1),
    "Momentum": lambda: tf.train.MomentumOptimizer(0.01, 0.9),
    "RMSProp": lambda: tf.train.RMSPropOptimizer(0.001, momentum=0.9),
    "CenteredRMSProp": lambda: tf.train.RMSPropOptimizer(0.001, momentum=0.9, centered=True),
    "Adagrad": lambda: tf.train.AdagradOptimizer(0.1),
}
SHAPES = [(3136, 1024), (784, 300), (300,)]
MODES = ["whole", "pieces 1t", "pieces", "new arrays"]


def step_timer(make, shape, threads):
    """A function timing ``n`` update steps in one mode: (min wall s, mean CPU s)."""
    g = tf.Graph()
    with g.as_default():
        rng = np.random.default_rng(0)
        w = tf.Variable(rng.standard_normal(shape).astype(np.float32))
        grad = tf.placeholder(tf.float32, shape)
        step = make().apply_gradients([(grad, w)])
        config = tf.ConfigProto(intra_op_parallelism_threads=threads)
        sess = tf.Session(graph=g, config=config)
        sess.run(tf.variables_initializer(tf.global_variables()))
    feed = {grad: rng.standard_normal(shape).astype(np.float32) * 1e-3}

    def run(n, hold):
        wall, cpu0 = [], time.process_time()
        held = None
        for _ in range(n):
            t = time.perf_counter()
            if hold:
                held = sess.run([step, w], feed)  # noqa: F841  (kept: the next update sees it)
            else:
                sess.run(step, feed)
            wall.append(time.perf_counter() - t)
        return min(wall), (time.process_time() - cpu0) / n
    return run


def measure(name, shape, repeat):
    """{mode: (min ms, CPU ms)} for one optimizer and shape, the modes interleaved."""
    n = max(3, min(repeat * 20, int(repeat * 3e6 / np.prod(shape))))
    one, pool = step_timer(OPTIMIZERS[name], shape, 1), step_timer(OPTIMIZERS[name], shape, 0)
    runs = {"whole": (pool, False), "pieces 1t": (one, False), "pieces": (pool, False),
            "new arrays": (pool, True)}
    best = {m: (float("inf"), float("inf")) for m in MODES}
    saved = update_ops.PIECES_MIN_BYTES
    for _ in range(repeat):
        for mode in MODES:
            fn, hold = runs[mode]
            update_ops.PIECES_MIN_BYTES = float("inf") if mode == "whole" else saved
            try:
                wall, cpu = fn(max(1, n // repeat), hold)
            finally:
                update_ops.PIECES_MIN_BYTES = saved
            best[mode] = (min(best[mode][0], wall * 1e3), min(best[mode][1], cpu * 1e3))
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", default=",".join(OPTIMIZERS), help="optimizers, comma-separated")
    p.add_argument("--repeat", type=int, default=15, help="rounds of interleaved timings")
    a = p.parse_args()
    tf.Session().close()  # teachflow's threading policy is set at the first session
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs); "
          f"{tf.config.threading.describe()}")
    print(f"{'optimizer':16s} {'variable':>11s} " + " ".join(f"{m:>18s}" for m in MODES)
          + "   (min wall ms / CPU ms per step)")
    for name in a.ops.split(","):
        for shape in SHAPES:
            best = measure(name, shape, a.repeat)
            cells = " ".join(f"{best[m][0]:8.3f} /{best[m][1]:8.3f}" for m in MODES)
            print(f"{name:16s} {'x'.join(map(str, shape)):>11s} {cells}"
                  f"   whole/pieces {best['whole'][0] / best['pieces'][0]:.2f}x", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
