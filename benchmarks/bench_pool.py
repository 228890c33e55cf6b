"""Pooling kernels: milliseconds per call of MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad.

The shapes the CNN benchmarks pool (``bench_busy.raw_example``: 2×2/2 SAME over 128×28×28×32
and 128×14×14×64; the bench_busy CNN: 2×2/2 VALID over 100×14×14×64), a small case (the size
check before any splitting must stay cheap) and overlapping 3×3/2 windows. Each kernel runs as a
session binds it (its thread pool, and for MaxPoolGrad the argmax its forward pass saved, as
in training; "MaxPool alone" is the forward pass of a graph without its gradient); the figure
is the minimum over ``--repeat`` calls, with the CPU time per call beside it (steadier on a
shared machine) and the load average before and after. The reference
in the same run is NumPy's one-liner for a tiled max-pool,
``x.reshape(n, oh, 2, ow, 2, c).max(axis=(2, 4))`` (no argmax, no gradient; NumPy reduces over
the middle axes slowly).

``--against DIR`` runs the same cases in a child process with the teachflow of another checkout
(e.g. ``git worktree add /tmp/before HEAD~1``, or ``git archive`` into a folder) and prints its
figures beside these with the ratio after/before, per kernel and shape, both processes at the
same time of day (alternate several runs on a shared machine). Pooling makes no BLAS call, so
the OpenBLAS kernel variables (``OPENBLAS_CORETYPE``) change nothing here; NumPy's own
ufuncs pick AVX-512 or AVX2 from the CPU.

Run: ``PYTHONPATH=$PWD python benchmarks/bench_pool.py [--threads N] [--against DIR]``
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

import teachflow as tf
from teachflow.core.threads import pool_for
from teachflow.core.opdef import OPS
from teachflow.ops.windows import _saved

CASES = [((128, 28, 28, 32), 2, 2, "SAME"), ((128, 14, 14, 64), 2, 2, "SAME"),
         ((100, 14, 14, 64), 2, 2, "VALID"), ((2, 8, 8, 3), 2, 2, "SAME"),
         ((100, 14, 14, 64), 3, 2, "SAME")]


def best(fn, repeat):
    """(min wall ms, mean CPU ms) per call of ``fn``."""
    walls, cpu = [], time.process_time()
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    return min(walls) * 1e3, (time.process_time() - cpu) / repeat * 1e3


def kernels(shape, k, s, padding, threads):
    """The four bound kernels for one case, and the input and gradient arrays they take."""
    tf.reset_default_graph()
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal(shape, dtype=np.float32), 0)  # ReLU'd: ties at 0
    xt = tf.placeholder(tf.float32, shape)
    kw = dict(ksize=[1, k, k, 1], strides=[1, s, s, 1], padding=padding)
    mp, ap = tf.nn.max_pool(xt, **kw), tf.nn.avg_pool(xt, **kw)
    gy = tf.placeholder(tf.float32, mp.shape.as_list())
    (gm,), (ga,) = tf.gradients(mp, [xt], grad_ys=gy), tf.gradients(ap, [xt], grad_ys=gy)
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=threads))
    fm, bm, fa, ba = [OPS[t.op.type].bind(t.op, sess) for t in (mp, gm, ap, ga)]
    y, saved = fm(x), _saved(sess)
    left = saved[mp.op]  # what the forward pass leaves for MaxPoolGrad (its argmax)

    def bm_saved(x, y, g):  # MaxPoolGrad takes the argmax, as in training: give it back first
        saved[mp.op] = left
        return bm(x, y, g)
    pool = pool_for(sess)
    fm.alone = lambda x: OPS["MaxPool"].kernel(mp.op, x, None, pool)  # as in a graph without
    return (fm, bm_saved, fa, ba), x, y, rng.standard_normal(y.shape, dtype=np.float32)


def run_case(shape, k, s, padding, threads, repeat):
    (fm, gm, fa, ga), x, y, g = kernels(shape, k, s, padding, threads)
    n = repeat if x.size > 10 ** 5 else repeat * 50
    figures = {"MaxPool": best(lambda: fm(x), n), "MaxPoolGrad": best(lambda: gm(x, y, g), n)}
    figures["MaxPool alone"] = best(lambda: fm.alone(x), n)  # inference: no MaxPoolGrad
    figures["AvgPool"] = best(lambda: fa(x), n)
    figures["AvgPoolGrad"] = best(lambda: ga(x, g), n)
    if k == s and padding == "VALID" or all(d % k == 0 for d in shape[1:3]):
        nn, h, w, c = shape
        tiles = x[:, :h // k * k, :w // k * k].reshape(nn, h // k, k, w // k, k, c)
        figures["NumPy reshape-max"] = best(lambda: tiles.max(axis=(2, 4)), n)
    return figures


def before(folder, threads, repeat):
    """Every case's figures measured with the teachflow in ``folder`` (a child process)."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(folder))
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--json", "--threads",
                        str(threads), "--repeat", str(repeat)], env=env, capture_output=True,
                       text=True, check=True)
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0, help="intra_op_parallelism_threads (0: auto)")
    ap.add_argument("--repeat", type=int, default=30, help="calls per figure (x50 for small inputs)")
    ap.add_argument("--against", metavar="DIR", help="another checkout's teachflow: before/after")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # for --against
    args = ap.parse_args()
    if args.json:
        print(json.dumps([run_case(*case, args.threads, args.repeat) for case in CASES]))
        return
    print(f"load average {os.getloadavg()[0]:.2f}; ms per call: min wall (mean CPU)"
          + (f"; [before: {args.against}, after/before]" if args.against else ""))
    old = before(args.against, args.threads, args.repeat) if args.against else None
    for i, (shape, k, s, padding) in enumerate(CASES):
        figures = run_case(shape, k, s, padding, args.threads, args.repeat)
        cells = []
        for name, (w, c) in figures.items():
            cells.append(f"{name} {w:.3f} ({c:.3f})")
            if old and name in old[i] and not name.startswith("NumPy"):
                cells[-1] += f" [{old[i][name][0]:.3f}, {w / old[i][name][0]:.2f}x]"
        print(f"  {'x'.join(map(str, shape)):13s} {k}x{k}/{s} {padding:5s}  " + "  ".join(cells))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
