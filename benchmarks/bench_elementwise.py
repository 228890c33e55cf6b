"""The activations and bias ops of a CNN step on big arrays: teachflow's kernels against the
one-call NumPy formulas they replaced, measured in the same run.

Shapes of the CNN of ``bench_busy.py`` (batch 100): conv1's output 100×28×28×32 float32 (10 MB;
its ∂L/∂y arrives as Conv2DBackpropInput gives it, a crop of a padded array), conv2's
100×14×14×64, and the DNN tutorial's 50×300 (the small case, which must not get slower).
Each figure is the minimum over ``--repeat`` single calls of the bound kernel (a session with
``intra_op_parallelism_threads`` 1 and 2); ``--cold`` touches 64 MB between calls, so the inputs
come from memory as in a training step (in ``bench_cnn_profile.py``'s step these kernels take
their cold times: the arrays of 10 MB are no longer in the cache). BiasAddGrad's kernel sums a
big array per block of images as 1ᵀ·G (BLAS; see its OpDef), its reference is NumPy's one-call
sums (other bits). Timing on a shared machine is noisy: the load average is printed.

``--variants``: the other ways of computing ReluGrad and BiasAddGrad on the CNN's shapes that
were measured when their kernels were chosen, beside the kernels' own way, in the state a
training step leaves the arrays in (∂L/∂y just written, y and everything else out of the caches;
the fastest of ``--repeat`` rounds, the variants taking turns). "other bits" marks a variant whose
sums are grouped differently from the kernel's (which keeps its one-call NumPy bits); "unsafe"
one that writes into ∂L/∂y, which the kernel cannot know to be unused elsewhere.

Run: ``PYTHONPATH=$PWD python benchmarks/bench_elementwise.py [--cold] [--ops Relu,ReluGrad]
[--variants]``
"""
import argparse
import os
import time

import numpy as np

import teachflow as tf
from teachflow.ops._util import make

SHAPES = {"conv1": (100, 28, 28, 32), "conv2": (100, 14, 14, 64), "dnn": (50, 300)}


def reference(op_type, *v):
    """The formula each kernel computed in one NumPy call before (the same bits now, but for
    BiasAddGrad's big arrays: their sums are grouped in blocks)."""
    def sigmoid(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def bias_add_grad(g):
        return np.add.reduce(np.add.reduce(g, axis=0).reshape(-1, g.shape[-1]), axis=0)
    return {
        "Relu": lambda x: np.maximum(x, 0, dtype=x.dtype),
        "ReluGrad": lambda g, y: g * (y > 0),
        "BiasAdd": np.add,
        "BiasAddGrad": bias_add_grad,
        "Sigmoid": sigmoid,
        "SigmoidGrad": lambda y, g: g * y * (1 - y),
        "Tanh": np.tanh,
        "TanhGrad": lambda y, g: g * (1 - y * y),
        "Elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
        "EluGrad": lambda g, y: np.where(y > 0, g, g * (y + 1)),
        "Relu6": lambda x: np.clip(x, 0, 6).astype(x.dtype, copy=False),
        "Relu6Grad": lambda g, x: g * ((x > 0) & (x < 6)),
    }[op_type](*v)


def inputs(name, shape, rng):
    """Each op's input values, as a training step gives them."""
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    if name == "conv1":  # Conv2DBackpropInput's result: a crop of a padded array
        padded = np.zeros((shape[0], shape[1] + 1, shape[2] + 1, shape[3]), np.float32)
        padded[:, :shape[1], :shape[2]] = g
        g = padded[:, :shape[1], :shape[2]]
    b = rng.standard_normal(shape[-1]).astype(np.float32)
    sig, th = reference("Sigmoid", x), np.tanh(x)
    return {"Relu": (x,), "ReluGrad": (g, np.maximum(x, 0)), "BiasAdd": (x, b),
            "BiasAddGrad": (np.ascontiguousarray(g),), "Sigmoid": (x,), "SigmoidGrad": (sig, g),
            "Tanh": (x,), "TanhGrad": (th, g), "Elu": (x,), "EluGrad": (g, reference("Elu", x)),
            "Relu6": (4 * x,), "Relu6Grad": (g, 4 * x)}


FLUSH = np.ones(64 << 20, np.uint8)


def best(fn, args, repeat, cold):
    """The fastest of ``repeat`` single calls, in ms."""
    with np.errstate(all="ignore"):
        fn(*args)
        t_min = float("inf")
        for _ in range(repeat):
            if cold:
                np.add(FLUSH, 1, out=FLUSH)
            t = time.perf_counter()
            fn(*args)
            t_min = min(t_min, time.perf_counter() - t)
    return t_min * 1e3


def relu_grad_variants(pool):
    """ReluGrad per piece of the flattened arrays (``unary_ops.in_pieces``), several ways."""
    from teachflow.ops.unary_ops import in_pieces

    def pieces(piece, inplace=False):
        def run(g, y):
            out = g if inplace else np.empty(g.shape, g.dtype)
            return in_pieces(pool, piece, out, *((y,) if inplace else (g, y)))
        return run

    def greater_into_float(o, g, y):  # the kernel until this change
        np.greater(y, 0, out=o)
        np.multiply(g, o, out=o)

    def bool_then_float(o, g, y):  # the kernel now
        np.copyto(o, np.greater(y, 0))
        np.multiply(g, o, out=o)
    return {"ReluGrad: mask compared into the float output (before)": pieces(greater_into_float),
            "ReluGrad: bool mask converted into the output (now)": pieces(bool_then_float),
            "ReluGrad: ∂L/∂y times the bool mask": pieces(lambda o, g, y: np.multiply(g, y > 0, out=o)),
            "ReluGrad: in place on ∂L/∂y (unsafe)": pieces(lambda o, y: np.multiply(o, y > 0, out=o), True)}


def bias_add_grad_variants(pool):
    """The channel sums of an NHWC array, several ways (the first is the kernel's)."""
    from teachflow.core import threads
    from teachflow.ops.nn_ops import bias_block, bias_blocks, bias_sums

    def channels(s, c):
        return np.add.reduce(s.reshape(-1, c), axis=0)

    def columns(g):  # the same bits: each piece sums all images for a stretch of H·W·C
        g2, s = g.reshape(len(g), -1), np.empty(g[0].size, g.dtype)
        cut = threads.pieces(g2.shape[1], g.nbytes, None)
        pool.run(lambda i: np.add.reduce(g2[:, slice(*cut[i])], axis=0, out=s[slice(*cut[i])]), len(cut))
        return channels(s, g.shape[-1])

    def images(g):  # partial sums of pieces of images, added in order: other bits
        cut = threads.pieces(len(g), g.nbytes, None)
        part = np.empty((len(cut),) + g.shape[1:], g.dtype)
        pool.run(lambda i: np.add.reduce(g[slice(*cut[i])], axis=0, out=part[i]), len(cut))
        return channels(np.add.reduce(part, axis=0), g.shape[-1])

    def blocks(g):  # the kernel's: 1ᵀ·G per block of images, the blocks added in order
        return bias_sums([bias_block(g[a:b], False) for a, b in bias_blocks(len(g), g.nbytes)])
    return {"BiasAddGrad: 1ᵀ·G per block, BLAS (now)": blocks,
            "BiasAddGrad: batch then pixels, one call (before)":
            lambda g: channels(np.add.reduce(g, axis=0), g.shape[-1]),
            "BiasAddGrad: pieces of columns (the one call's bits)": columns,
            "BiasAddGrad: pieces of images (other bits)": images,
            "BiasAddGrad: ones·G, BLAS (other bits)": lambda g: channels(np.ones(len(g), g.dtype) @ g.reshape(len(g), -1), g.shape[-1])}


def variants(repeat):
    """Print each variant's fastest time on the CNN's shapes, on 1 and 2 threads."""
    from teachflow.core import threads
    rng = np.random.default_rng(0)
    print(f"\nvariants, ms per call, fastest of {repeat} rounds, a training step's caches | "
          f"load average {os.getloadavg()[0]:.2f}")
    with tf.Graph().as_default():
        sessions = [tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=n)) for n in (1, 2)]
        pools = [threads.pool_for(s) for s in sessions]
        for name in ("conv1", "conv2"):
            shape = SHAPES[name]
            g0 = rng.standard_normal(shape).astype(np.float32)
            y = np.maximum(rng.standard_normal(shape).astype(np.float32), 0)
            ways = [{**relu_grad_variants(p), **bias_add_grad_variants(p)} for p in pools]
            times = {(k, i): float("inf") for i in range(2) for k in ways[0]}
            for _ in range(repeat):
                for (k, i) in times:
                    np.add(FLUSH, 1, out=FLUSH)
                    g = np.add(g0, 0)  # just written, as Conv2DBackpropInput leaves it
                    args = (g, y) if k.startswith("ReluGrad") else (g,)
                    t = time.perf_counter()
                    ways[i][k](*args)
                    times[k, i] = min(times[k, i], time.perf_counter() - t)
            for k in ways[0]:
                print(f"{name:6s} {k:58s} {times[k, 0] * 1e3:7.3f} {times[k, 1] * 1e3:7.3f}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--cold", action="store_true", help="touch 64 MB between calls")
    ap.add_argument("--ops", default="Relu,ReluGrad,BiasAdd,BiasAddGrad,Sigmoid,SigmoidGrad,Tanh,"
                                     "TanhGrad,Elu,EluGrad,Relu6,Relu6Grad")
    ap.add_argument("--variants", action="store_true",
                    help="only the other ways of computing ReluGrad and BiasAddGrad, measured")
    args = ap.parse_args()
    if args.variants:
        variants(args.repeat)
        return
    rng = np.random.default_rng(0)
    print(f"ms per call, min of {args.repeat}, {'cold' if args.cold else 'warm'} caches | "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'':6s} {'op':12s} {'NumPy before':>12s} {'1 thread':>9s} {'2 threads':>9s} {'speed-up':>8s}")
    with tf.Graph().as_default():
        sessions = [tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=n)) for n in (1, 2)]
        for name, shape in SHAPES.items():
            values = inputs(name, shape, rng)
            for op_type in args.ops.split(","):
                v = values[op_type]
                out = make(op_type, [tf.placeholder(tf.float32, a.shape) for a in v])
                kernels = [out.op.opdef.bind(out.op, s) for s in sessions]
                ref = best(lambda *a: reference(op_type, *a), v, args.repeat, args.cold)
                one, two = (best(k, v, args.repeat, args.cold) for k in kernels)
                print(f"{name:6s} {op_type:12s} {ref:12.3f} {one:9.3f} {two:9.3f} {ref / min(one, two):7.1f}x")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
