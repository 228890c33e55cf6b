"""Where the CNN's training step spends its time: teachflow per op, against TensorFlow's step.

The CNN of ``bench_busy.py`` (conv 32 3×3/1 SAME -> conv 64 3×3/2 SAME -> max-pool 2×2 ->
dense 64 -> 10, Adam, batch 100) and, with ``--raw``, the raw example's network (conv 5×5×32 ->
pool -> conv 5×5×64 -> pool -> fc 1024 -> 10, batch 128). Every bound kernel of the training
plan is wrapped with a timer (the plan itself is unchanged), and the milliseconds per step are
summed per op type, forward and backward apart (the median over the last ``--steps`` runs;
``--cpu``: CPU seconds of all the process's threads instead of wall seconds, steadier on a
shared machine). ``--tf-python`` adds TensorFlow's time per step of the same graph
(``tf.compat.v1``, default ConfigProto) measured in a child process.

Run: ``PYTHONPATH=$PWD python benchmarks/bench_cnn_profile.py --tf-python /work/venvs/tf/bin/python``
"""
import argparse
import collections
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


STEP = [0]  # the number of the current Session.run
CLOCK = [time.perf_counter]  # or time.process_time: the CPU time of every thread (--cpu)


def timed_binds(table):
    """Wrap every OpDef's ``bind`` (and ``bind_fused``, the plan's fused chains) so each bound
    kernel adds its seconds to ``table[(op type, part)][run number]``; ``Session.run`` counts
    the runs."""
    import teachflow as tf
    from teachflow.core.opdef import OPS

    def timed(k, key):
        def run(*a):
            t = CLOCK[0]()
            try:
                return k(*a)
            finally:
                table[key][STEP[0]] += CLOCK[0]() - t
        return run

    for d in OPS.values():
        def bind(op, session, _orig=d.bind):
            part = "backward" if op.name.startswith(("gradients", "train")) else "forward"
            return timed(_orig(op, session), (op.type, "update" if op.type.startswith("Apply") else part))
        d.bind = bind
        if hasattr(d, "bind_fused"):  # the plan's fused chains (Conv2D + BiasAdd + Relu ...)
            def bind_fused(op, session, *a, _orig=d.bind_fused, _d=d, **kw):
                name = _fused_name(op, *a, **kw)
                part = "backward" if op.name.startswith(("gradients", "train")) else "forward"
                wrapped = _d.__dict__.pop("bind")  # the fused kernel is timed once, as a whole
                try:
                    return timed(_orig(op, session, *a, **kw), (name, part))
                finally:
                    _d.bind = wrapped
            d.bind_fused = bind_fused
    run = tf.Session.run

    def counted(self, *a, **k):
        STEP[0] += 1
        return run(self, *a, **k)
    tf.Session.run = counted


def _fused_name(op, second=None, max_pool=None, filter_grad=None, **_):
    """The row of a fused chain: its ops' types (``Conv2D+BiasAdd+Relu+MaxPool`` ...)."""
    if op.type == "ReluGrad":  # second: the BiasAddGrad op
        return "ReluGrad+BiasAddGrad" + ("+Conv2DBackpropFilter" if filter_grad is not None else "")
    return op.type + "+BiasAdd" + ("+" + second if second else "") + ("+MaxPool" if max_pool is not None else "")


def teachflow_profile(steps, raw, threads):
    """(table, seconds per step): the training steps of the CNN or the raw example."""
    import bench_busy
    import bench_layers as L
    import teachflow as tf
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    X, y, _, _, _ = L.load(max(steps * 128, 1000), 0)
    table = collections.defaultdict(lambda: collections.defaultdict(float))
    timed_binds(table)
    tf.reset_default_graph()
    if raw:  # the loss/accuracy run comes only at step 1 (display=10**9)
        total, _, _ = bench_busy.raw_example(tf, X.reshape(len(X), -1),
                                             np.eye(10, dtype=np.float32)[y], steps, display=10 ** 9)
        return table, total / steps
    Xp, yp, train, _ = L.cnn_graph()
    rng = np.random.RandomState(0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {Xp: X[:100], yp: y[:100]})
        table.clear()
        t = time.perf_counter()
        for _ in range(steps):
            idx = rng.randint(0, len(X), 100)
            sess.run(train, {Xp: X[idx], yp: y[idx]})
        return table, (time.perf_counter() - t) / steps


def tf_step(python, steps, raw):
    """TensorFlow's seconds per step of the same network, in a child process."""
    code = f"""
import os, sys, time
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
sys.path.insert(0, {HERE!r})
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
import bench_busy
X = np.random.RandomState(0).rand(12800, 28, 28, 1).astype(np.float32)
y = np.random.RandomState(1).randint(0, 10, 12800)
if {raw}:
    wall, _, _ = bench_busy.raw_example(tf, X.reshape(len(X), -1), np.eye(10, dtype=np.float32)[y],
                                        {steps}, display=10 ** 9)
    print(wall / {steps})
else:
    wall, _ = bench_busy._tf_cnn(tf, X[:{steps} * 100], y[:{steps} * 100])
    print(wall / {steps})
"""
    env = dict(os.environ, PYTHONPATH="", TF_CPP_MIN_LOG_LEVEL="3")
    p = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    if p.returncode:
        raise RuntimeError(p.stderr[-2000:])
    return float(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--raw", action="store_true", help="the raw example's network instead")
    ap.add_argument("--threads", type=int, default=0, help="intra_op_parallelism_threads (0: auto)")
    ap.add_argument("--cpu", action="store_true",
                    help="CPU seconds of the process per op (steadier on a shared machine) instead of wall")
    ap.add_argument("--tf-python", help="a Python interpreter with TensorFlow")
    args = ap.parse_args()
    if args.cpu:
        CLOCK[0] = time.process_time
    table, per_step = teachflow_profile(args.steps, args.raw, args.threads)
    # per op: the median over the training steps (robust to a step slowed by other programs)
    runs = sorted({r for v in table.values() for r in v})[-args.steps:]  # the training runs
    med = {k: float(np.median([v.get(r, 0.0) for r in runs])) for k, v in table.items()}
    total = sum(med.values())
    print(f"{'raw example' if args.raw else 'CNN'}: teachflow {per_step * 1e3:.1f} ms per step (wall); "
          f"kernels' medians sum to {total * 1e3:.1f} ms ({'CPU' if args.cpu else 'wall'}) | "
          f"load average {os.getloadavg()[0]:.2f}")
    for (op_type, part), s in sorted(med.items(), key=lambda kv: -kv[1]):
        if s >= 5e-5:
            print(f"  {op_type:28s} {part:8s} {s * 1e3:7.2f} ms  {100 * s / total:5.1f} %")
    if args.tf_python:
        ref = tf_step(args.tf_python, args.steps, args.raw)
        print(f"TensorFlow: {ref * 1e3:.1f} ms per step -> teachflow {per_step / ref:.2f}x")


if __name__ == "__main__":
    main()
