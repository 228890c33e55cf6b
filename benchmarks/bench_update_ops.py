"""Optimizer updates (the Apply* kernels, ``teachflow/train/update_ops.py``): one training step
that only applies a fed gradient, ``sess.run(train_op, {grad: g})``, per optimizer and size.

Prints, measured in the same run (the best wall time of one step, and the best of the rounds'
mean CPU time per step, which counts both threads): ``before`` -- the kernels of an earlier
commit (``--before``, default: the one before scratch stretches and cache-sized pieces for
mid-sized variables; loaded from git, skipped without it); ``whole`` -- the whole-array formula
(forced by setting ``PIECES_MIN_BYTES`` to infinity); ``pieces 1t`` -- in pieces on one thread;
``pieces`` -- on the session's pool (both cores), writing in place (nothing else holds the
arrays); ``new arrays`` -- the same while the caller keeps the fetched variable, so each update
writes new arrays. The sizes: fc1 of the raw CNN example (3136×1024, 12.8 MB), the DNN
tutorial's first layer (784×300, 0.94 MB), the dense kernel of ``bench_busy.py``'s CNN
(3136×64, 0.8 MB), 200×64 (0.05 MB) and a bias (300). The machine's load average is printed:
figures are noisy when other programs run.

    PYTHONPATH=$PWD python benchmarks/bench_update_ops.py [--ops Adam,Momentum] [--repeat 30]
        [--shapes 3136x64,300] [--before REV | --before none]
"""
import argparse
import importlib.util
import os
import re
import subprocess
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
SHAPES = "3136x1024,784x300,3136x64,200x64,300"
MODES = ["before", "whole", "pieces 1t", "pieces", "new arrays"]
BEFORE = "b579c60707aa1c679af031ef4ccdd2d5047fbaa1"  # the Apply* kernels before scratch stretches
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_before(rev):
    """``teachflow/train/update_ops.py`` as of git revision ``rev``, as a module whose OpDef
    classes are not registered (the benchmark gives them to its ops by hand); None when git or
    the revision is not there. ``rev`` must look like a revision (hex digits, a branch or tag
    name); git resolves it to a commit of this repository, and only this repository's own file
    at that commit (named by its 40-digit hash, never by the text given) is compiled."""
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._/~^-]*", rev):
        raise SystemExit(f"--before: {rev!r} is not a git revision (hex digits, a branch or tag name)")
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                                capture_output=True, text=True, check=True).stdout.strip()
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            return None
        src = subprocess.run(["git", "-C", ROOT, "show", f"{commit}:teachflow/train/update_ops.py"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    rev = commit
    from teachflow.core import opdef
    mod = importlib.util.module_from_spec(
        importlib.util.spec_from_loader("teachflow.train._update_ops_before", loader=None))
    mod.__package__ = "teachflow.train"
    register, opdef.register = opdef.register, lambda cls: cls
    try:
        exec(compile(src, f"{rev[:10]}:teachflow/train/update_ops.py", "exec"), mod.__dict__)
    finally:
        opdef.register = register
    return mod


def step_timer(make, shape, threads, before=None):
    """A function timing ``n`` update steps in one mode: (min wall s, mean CPU s); ``before``:
    a module of earlier kernels for the Apply* op."""
    g = tf.Graph()
    with g.as_default():
        rng = np.random.default_rng(0)
        w = tf.Variable(rng.standard_normal(shape).astype(np.float32))
        grad = tf.placeholder(tf.float32, shape)
        step = make().apply_gradients([(grad, w)])
        for op in g.get_operations():
            if before is not None and op.type.startswith("Apply"):
                op.opdef = getattr(before, op.type)()
                op.opdef.type = op.type
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


def measure(name, shape, repeat, before):
    """{mode: (min ms, CPU ms)} for one optimizer and shape, the modes interleaved."""
    n = max(3, min(repeat * 20, int(repeat * 3e6 / np.prod(shape))))
    one, pool = step_timer(OPTIMIZERS[name], shape, 1), step_timer(OPTIMIZERS[name], shape, 0)
    runs = {"whole": (pool, False), "pieces 1t": (one, False), "pieces": (pool, False),
            "new arrays": (pool, True)}
    if before is not None:
        runs["before"] = (step_timer(OPTIMIZERS[name], shape, 0, before), False)
    modes = [m for m in MODES if m in runs]
    best = {m: (float("inf"), float("inf")) for m in modes}
    saved = update_ops.PIECES_MIN_BYTES
    for _ in range(repeat):
        for mode in modes:
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
    p.add_argument("--shapes", default=SHAPES, help="variable shapes, e.g. 3136x64,300")
    p.add_argument("--before", default=BEFORE, help="git revision of the 'before' kernels (none: skip)")
    a = p.parse_args()
    before = None if a.before == "none" else load_before(a.before)
    if a.before != "none" and before is None:
        print(f"(no 'before' column: git or revision {a.before} not found)")
    modes = [m for m in MODES if before is not None or m != "before"]
    tf.Session().close()  # teachflow's threading policy is set at the first session
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs); "
          f"{tf.config.threading.describe()}")
    print(f"{'optimizer':16s} {'variable':>11s} " + " ".join(f"{m:>18s}" for m in modes)
          + "   (min wall ms / CPU ms per step)")
    for name in a.ops.split(","):
        for shape in [tuple(int(d) for d in s.split("x")) for s in a.shapes.split(",")]:
            best = measure(name, shape, a.repeat, before)
            cells = " ".join(f"{best[m][0]:8.3f} /{best[m][1]:8.3f}" for m in modes)
            ratio = (f"   before/pieces {best['before'][0] / best['pieces'][0]:.2f}x"
                     if before is not None else "")
            print(f"{name:16s} {'x'.join(map(str, shape)):>11s} {cells}{ratio}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
