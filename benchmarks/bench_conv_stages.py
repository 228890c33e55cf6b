"""Where a convolution's time goes: each conv op of the CNN and the raw example, stage by stage.

The ops are bound as a training plan binds them (``OpDef.bind``, the session's pool) and run on
the shapes of ``bench_busy.py``'s CNN (conv 32 3×3/1 on 28×28×1, conv 64 3×3/2, batch 100) and
of the raw example (5×5 convs, 1->32 on 28×28 and 32->64 on 14×14, batch 128), and both
second layers on a batch of 2 images (more runs: a small batch must not get slower). The stages are
timed by wrapping the module-level helpers ``conv_ops`` calls (the GEMMs, im2col's fill, the
copies into/out of the padded work array, col2im, the fused bias+ReLU, the filter gradient's
product): with one thread the figures are the thread's CPU time (steady on a shared machine),
with more the total is wall time and the stages are thread-seconds summed over the threads.
Each figure is the minimum over ``--runs`` runs.

Run: ``PYTHONPATH=$PWD python benchmarks/bench_conv_stages.py [--threads 2] [--runs 15]``
(and with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` for OpenBLAS's AVX-512 kernel).
"""
import argparse
import collections
import os
import threading
import time

import numpy

import teachflow as tf
from teachflow.core import threads
from teachflow.core.opdef import OPS
from teachflow.ops import conv_ops

CASES = {  # name: (input NHWC, filter, stride), padding SAME
    "CNN conv1 3x3/1 1->32": ((100, 28, 28, 1), (3, 3, 1, 32), 1),
    "CNN conv2 3x3/2 32->64": ((100, 28, 28, 32), (3, 3, 32, 64), 2),
    "raw conv1 5x5/1 1->32": ((128, 28, 28, 1), (5, 5, 1, 32), 1),
    "raw conv2 5x5/1 32->64": ((128, 14, 14, 32), (5, 5, 32, 64), 1),
    "CNN conv2, 2 images": ((2, 28, 28, 32), (3, 3, 32, 64), 2),  # small batches must stay fast
    "raw conv2, 2 images": ((2, 14, 14, 32), (5, 5, 32, 64), 1),
}
STAGES = {"matmul": "gemm", "copyto": "pad copy", "_fill_cols": "im2col fill", "_col2im": "col2im",
          "_bias_relu": "bias+relu", "_cols_t_times": "dW product"}


class Stages:
    """Seconds per stage, summed over the threads (a lock: the pool's threads add too)."""

    def __init__(self, clock):
        self.clock, self.seconds, self._lock = clock, collections.defaultdict(float), threading.Lock()

    def wrap(self, name, fn):
        def timed(*a, **k):
            t = self.clock()
            try:
                return fn(*a, **k)
            finally:
                with self._lock:
                    self.seconds[name] += self.clock() - t
        return timed


def instrument(stages):
    """Route conv_ops' helpers (and its ``np.matmul``/``np.copyto``) through the stage timers."""
    class TimedNumPy:
        def __getattr__(self, name):
            return getattr(numpy, name)
    np_ = TimedNumPy()
    np_.matmul, np_.copyto = stages.wrap("gemm", numpy.matmul), stages.wrap("pad copy", numpy.copyto)
    conv_ops.np = np_
    for name, label in STAGES.items():
        if hasattr(conv_ops, name) and name.startswith("_"):
            setattr(conv_ops, name, stages.wrap(label, getattr(conv_ops, name)))


class _Op:
    def __init__(self, stride, forward=None):
        self.attrs = {"strides": (stride, stride), "dilations": (1, 1), "padding": "SAME"}
        self.gradient_of = forward


class _Session:
    def __init__(self, n):
        self.config = tf.ConfigProto(intra_op_parallelism_threads=n)


def calls(shape, wshape, stride, n_threads, rng):
    """[(op name, run, before)]: the bound kernels of one convolution, with their arguments."""
    x = rng.standard_normal(shape).astype(numpy.float32)
    w = rng.standard_normal(wshape).astype(numpy.float32)
    out = -(-shape[1] // stride)
    g = rng.standard_normal((shape[0], out, out, wshape[3])).astype(numpy.float32)
    b = rng.standard_normal(wshape[3]).astype(numpy.float32)
    fop = _Op(stride)
    session = _Session(n_threads)
    forward = OPS["Conv2D"].bind(fop, session)
    fused = OPS["Conv2D"].bind_fused(fop, session, "Relu")
    dx = OPS["Conv2DBackpropInput"].bind(_Op(stride, fop), session)
    dw = OPS["Conv2DBackpropFilter"].bind(_Op(stride, fop), session)
    found = [("Conv2D", lambda: forward(x, w), None), ("Conv2D+BiasAdd+Relu fused", lambda: fused(x, w, b), None)]
    if shape[3] > 1:  # a first layer's input gradient is never needed
        found.append(("Conv2DBackpropInput", lambda: dx(x, w, g), None))
    found.append(("Conv2DBackpropFilter", lambda: dw(x, w, g), lambda: forward(x, w)))  # takes the saved im2col
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    threads.apply_blas_policy()
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    stages = Stages(clock)
    instrument(stages)
    rng = numpy.random.default_rng(0)
    kernel = os.environ.get("OPENBLAS_CORETYPE", "auto (AVX-512 here)")
    print(f"{args.threads} thread(s), OpenBLAS kernel {kernel}, min of {args.runs} runs, "
          f"{'thread CPU' if args.threads == 1 else 'wall'} ms | load average {os.getloadavg()[0]:.2f}")
    for case, (shape, wshape, stride) in CASES.items():
        for name, run, before in calls(shape, wshape, stride, args.threads, rng):
            best = {}
            for _ in range(args.runs * max(1, 20 // shape[0])):
                if before:
                    before()
                stages.seconds.clear()
                t = clock()
                run()
                best["total"] = min(best.get("total", 1e9), clock() - t)
                for k, v in stages.seconds.items():
                    best[k] = min(best.get(k, 1e9), v)
            parts = "  ".join(f"{k} {v * 1e3:.2f}" for k, v in best.items() if k != "total")
            print(f"  {case:24s} {name:27s} {best['total'] * 1e3:6.2f}  = {parts}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
