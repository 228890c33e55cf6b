"""MatMul's kernels against one np.matmul call (the path before pieces), in the same run.

Big: the fc1 products of the raw CNN example (batch 128, 3136 -> 1024) forward, both gradients,
and the fused MatMul + bias + ReLU, on teachflow's pool of 1 and 2 threads. Small: the DNN
tutorial's products (batch 50, 784 -> 300 -> 100 -> 10, 1,100 steps an epoch), which must take
the one-call path: the extra cost of the size check, per call and per epoch.

    PYTHONPATH=. python benchmarks/bench_matmul.py [--repeat 30]

Figures are the best of ``--repeat`` calls (wall) and the process's CPU time per call (all
threads); the load average is printed: on a shared machine, compare figures of one run only.
"""
import argparse
import os
import time

import numpy as np

import teachflow as tf
from teachflow.core.opdef import OPS

# (name, m, k, n, transpose_a, transpose_b): C(m×n) = op(A)·op(B), as the gradients ask
FC1 = [("fc1 forward X·W", 128, 3136, 1024, False, False),
       ("fc1 input grad G·Wᵀ", 128, 1024, 3136, False, True),
       ("fc1 weight grad Xᵀ·G", 3136, 128, 1024, True, False)]
DNN = [("hidden1 X·W", 50, 784, 300, False, False), ("hidden2", 50, 300, 100, False, False),
       ("outputs", 50, 100, 10, False, False), ("hidden1 weight grad", 784, 50, 300, True, False),
       ("hidden2 input grad", 50, 100, 300, False, True), ("hidden2 weight grad", 300, 50, 100, True, False),
       ("outputs input grad", 50, 10, 100, False, True), ("outputs weight grad", 100, 50, 10, True, False)]


def timed(fns, repeat, rounds=5):
    """[(best wall seconds, CPU seconds per call)] of each of ``fns``, called in turn in
    ``rounds`` rounds of ``repeat // rounds`` calls (a change of load hits them all alike)."""
    best, cpu = [float("inf")] * len(fns), [0.0] * len(fns)
    for fn in fns:
        fn()  # warm-up
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            c = time.process_time()
            for _ in range(max(1, repeat // rounds)):
                t = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - t)
            cpu[i] += time.process_time() - c
    calls = rounds * max(1, repeat // rounds)
    return [(w, c / calls) for w, c in zip(best, cpu)]


def operands(rng, m, k, n, ta, tb):
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    return a, b, rng.standard_normal(n).astype(np.float32)


def kernels(a, b, ta, tb, threads):
    """MatMul's bound kernel and its fused MatMul + bias + ReLU, in a session of ``threads``."""
    tf.reset_default_graph()
    y = tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb)
    with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=threads)) as sess:
        return OPS["MatMul"].bind(y.op, sess), OPS["MatMul"].bind_fused(y.op, sess, "Relu")


def one_call(ta, tb):
    """The kernel before pieces: one np.matmul over (transposed) views."""
    return lambda a, b: np.matmul(a.T if ta else a, b.T if tb else b)


def big(repeat):
    rng = np.random.default_rng(0)
    print(f"\nBig products (float32), ms: best wall / CPU per call | load {os.getloadavg()[0]:.2f}")
    for name, m, k, n, ta, tb in FC1:
        a, b, bias = operands(rng, m, k, n, ta, tb)
        ref = one_call(ta, tb)
        rows = [("one np.matmul (before)", lambda: ref(a, b)),
                ("+ bias + ReLU unfused", lambda: np.maximum(ref(a, b) + bias, 0))]
        for t in (1, 2):
            mm, fused = kernels(a, b, ta, tb, t)
            rows += [(f"teachflow, {t} thread(s)", lambda mm=mm: mm(a, b)),
                     (f"teachflow fused, {t} thread(s)", lambda f=fused: f(a, b, bias))]
        print(f"  {name} ({m}x{k}·{k}x{n}, {2 * m * k * n / 1e6:.0f} MFLOP)")
        for (label, _), (wall, cpu) in zip(rows, timed([fn for _, fn in rows], repeat)):
            print(f"    {label:32s} {wall * 1e3:7.2f} / {cpu * 1e3:6.2f}")
    print(f"  load after: {os.getloadavg()[0]:.2f}")


def small(repeat):
    rng = np.random.default_rng(1)
    print(f"\nDNN tutorial products (float32), µs per call: best wall, min of {repeat * 20} "
          f"| load {os.getloadavg()[0]:.2f}")
    extra = 0.0
    for name, m, k, n, ta, tb in DNN:
        a, b, _ = operands(rng, m, k, n, ta, tb)
        mm, _ = kernels(a, b, ta, tb, 2)
        ref = one_call(ta, tb) if ta or tb else np.matmul
        (before, _), (after, _) = timed([lambda: ref(a, b), lambda: mm(a, b)], repeat * 20)
        extra += after - before
        print(f"  {name:22s} {m}x{k}·{k}x{n}: before {before * 1e6:7.2f}, teachflow {after * 1e6:7.2f}")
    print(f"  sum of the differences x 1,100 steps: {extra * 1100 * 1e3:+.2f} ms per epoch"
          f" | load after {os.getloadavg()[0]:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30, help="calls timed per kernel (best counts)")
    args = ap.parse_args()
    from threadpoolctl import threadpool_info
    tf.Session().close()  # teachflow's BLAS policy: one thread
    print("BLAS: " + ", ".join(f"{i['internal_api']} {i.get('architecture')} {i['num_threads']} thread(s)"
                               for i in threadpool_info() if i["user_api"] == "blas"))
    small(args.repeat)
    big(args.repeat)


if __name__ == "__main__":
    main()
