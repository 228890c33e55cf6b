"""MatMul's kernels against one np.matmul call (the path before pieces), in the same run.

Big: the fc1 products of the raw CNN example (batch 128, 3136 -> 1024) forward, both gradients,
and the fused MatMul + bias + ReLU, on teachflow's pool of 1 and 2 threads. Small: the DNN
tutorial's products (batch 50, 784 -> 300 -> 100 -> 10, 1,100 steps an epoch), which must take
the one-call path: teachflow's kernel against the kernel before (np.swapaxes for a transposed
operand) and against a bare np.matmul, per call and per epoch. Middle: the products between
5 and 40 MFLOP (``threads.PARALLEL_MIN_FLOPS``, below which MatMul makes one call): the DNN
epoch's X·W1 and Xᵀ·g (23.5 MFLOP), the CNN's fc1 (batch 100, 3136 -> 64, 40 MFLOP), one call
against cuts in 2, 4 and 8 pieces on a pool of 2 threads, with one thread's work between the
calls as in a training step (the pool's threads fall asleep in between): would a lower
threshold pay?

    PYTHONPATH=. python benchmarks/bench_matmul.py [--repeat 30]

Figures are the best of ``--repeat`` calls (wall) and the process's CPU time per call (all
threads); the load average is printed: on a shared machine, compare figures of one run only.
"""
import argparse
import os
import time

import numpy as np

import teachflow as tf
from teachflow.core import threads
from teachflow.core.opdef import OPS
from teachflow.ops import math_ops

# (name, m, k, n, transpose_a, transpose_b): C(m×n) = op(A)·op(B), as the gradients ask
FC1 = [("fc1 forward X·W", 128, 3136, 1024, False, False),
       ("fc1 input grad G·Wᵀ", 128, 1024, 3136, False, True),
       ("fc1 weight grad Xᵀ·G", 3136, 128, 1024, True, False)]
MIDDLE = [("DNN X·W1 (+ bias + ReLU)", 50, 784, 300, False, False),
          ("DNN weight grad Xᵀ·g", 784, 50, 300, True, False),
          ("DNN 784->300 input grad g·W1ᵀ", 50, 300, 784, False, True),
          ("CNN fc1 forward", 100, 3136, 64, False, False),
          ("CNN fc1 weight grad", 3136, 100, 64, True, False),
          ("10 MFLOP: 50x500·500x200", 50, 500, 200, False, False),
          ("5 MFLOP: 50x250·250x200", 50, 250, 200, False, False)]
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
    extra = {"before": 0.0, "after": 0.0}
    for name, m, k, n, ta, tb in DNN:
        a, b, _ = operands(rng, m, k, n, ta, tb)
        mm, _ = kernels(a, b, ta, tb, 2)
        bare = one_call(ta, tb) if ta or tb else np.matmul
        old = swapaxes_call(ta, tb)
        (floor, _), (before, _), (after, _) = timed([lambda: bare(a, b), lambda: old(a, b),
                                                      lambda: mm(a, b)], repeat * 20)
        extra["before"] += before - floor
        extra["after"] += after - floor
        print(f"  {name:22s} {m}x{k}·{k}x{n}: bare np.matmul {floor * 1e6:7.2f}, "
              f"kernel before {before * 1e6:7.2f}, teachflow {after * 1e6:7.2f}")
    print("  over bare np.matmul, x 1,100 steps: before "
          f"{extra['before'] * 1100 * 1e3:+.2f} ms, teachflow {extra['after'] * 1100 * 1e3:+.2f} ms per epoch"
          f" | load after {os.getloadavg()[0]:.2f}")


def swapaxes_call(ta, tb):
    """The one-call kernel before: operands transposed by np.swapaxes (0.3 µs each)."""
    def t(x, yes):
        return np.swapaxes(x, -1, -2) if yes else x
    return lambda a, b: np.matmul(t(a, ta), t(b, tb))


def cut(a, b, bias, pieces):
    """MatMul's cut product (``math_ops._product``) in ``pieces`` pieces, on a pool of 2."""
    pool = threads.pool_for(None) if threads.intra_op_threads() == 2 else threads._Pool(2)
    keep = threads.PARALLEL_MIN_FLOPS, threads.PIECES

    def run():
        threads.PARALLEL_MIN_FLOPS, threads.PIECES = 0, pieces
        try:
            return math_ops._product(pool, a, b, bias, bias is not None)
        finally:
            threads.PARALLEL_MIN_FLOPS, threads.PIECES = keep
    return run


def middle(repeat):
    """One call against cuts, each call after ~0.2 ms of one thread's work (as in a step)."""
    rng = np.random.default_rng(2)
    f1, f2 = rng.standard_normal((2, 300, 300)).astype(np.float32)
    print(f"\nMiddle products (float32) on 2 threads, µs per call: min / median of {repeat * 10}, "
          f"each after one thread's work | load {os.getloadavg()[0]:.2f}")
    print(f"  {'':40s} {'one call':>13s} {'2 pieces':>13s} {'4 pieces':>13s} {'8 pieces':>13s}")
    for name, m, k, n, ta, tb in MIDDLE:
        a, b, bias = operands(rng, m, k, n, ta, tb)
        a, b = a.T if ta else a, b.T if tb else b
        bias = bias if "ReLU" in name else None
        fns = [lambda: np.maximum(np.matmul(a, b) + bias, 0) if bias is not None else np.matmul(a, b)]
        fns += [cut(a, b, bias, p) for p in (2, 4, 8)]
        calls = [[] for _ in fns]
        for _ in range(repeat * 10):
            for i, fn in enumerate(fns):
                f1 @ f2  # the step's other work, on one thread: the pool's threads sleep meanwhile
                t = time.perf_counter()
                fn()
                calls[i].append(time.perf_counter() - t)
        figures = [f"{min(c) * 1e6:5.0f} / {sorted(c)[len(c) // 2] * 1e6:5.0f}" for c in calls]
        print(f"  {name} ({2 * m * k * n / 1e6:.1f} MFLOP)".ljust(42) + " ".join(f"{x:>13s}" for x in figures))
    print(f"  load after: {os.getloadavg()[0]:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30, help="calls timed per kernel (best counts)")
    ap.add_argument("--only", choices=("small", "middle", "big"), help="run one part only")
    args = ap.parse_args()
    from threadpoolctl import threadpool_info
    tf.Session().close()  # teachflow's BLAS policy: one thread
    print("BLAS: " + ", ".join(f"{i['internal_api']} {i.get('architecture')} {i['num_threads']} thread(s)"
                               for i in threadpool_info() if i["user_api"] == "blas"))
    for part in (small, middle, big):
        if args.only in (None, part.__name__):
            part(args.repeat)


if __name__ == "__main__":
    main()
