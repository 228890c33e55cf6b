"""The backward chain of a layer with a bias and a ReLU: the ops one by one against the plan's
fused call (``ReluGrad.bind_fused``), on the CNN of ``bench_busy.py``'s shapes (batch 100).

conv1: ReluGrad -> BiasAddGrad -> Conv2DBackpropFilter (∂L/∂z not kept; the filter gradient
takes the forward pass's saved im2col matrix); conv2 and the dense layer fc1: ReluGrad ->
BiasAddGrad (∂L/∂z kept). Each call runs as in a training step: the forward convolution has
just saved its matrix, 64 MB were touched since (y and the matrix come from memory) and ∂L/∂y
was just written (as the op before leaves it). The two ways take turns in one process for
``--rounds`` rounds; printed: the fastest and the median, wall and CPU time of all the
process's threads (steadier on a shared machine), in ms, and the load average.

Run: ``PYTHONPATH=$PWD python benchmarks/bench_backward_chain.py [--threads 2] [--rounds 100]``
(and with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` for OpenBLAS's AVX-512 kernel).
"""
import argparse
import os
import time

import numpy as np

import teachflow as tf

FLUSH = np.ones(64 << 20, np.uint8)


def graph():
    """The CNN's layers and their gradients, as ``tf.gradients`` builds them."""
    x = tf.placeholder(tf.float32, [100, 28, 28, 1])
    h1 = tf.layers.conv2d(x, 32, 3, padding="SAME", activation=tf.nn.relu, name="conv1")
    h2 = tf.layers.conv2d(h1, 64, 3, strides=2, padding="SAME", activation=tf.nn.relu, name="conv2")
    p = tf.nn.max_pool(h2, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    fc = tf.layers.dense(tf.reshape(p, [-1, 3136]), 64, activation=tf.nn.relu, name="fc1")
    tf.gradients(tf.reduce_sum(fc * fc), tf.trainable_variables())
    return tf.get_default_graph()


def chain(g, scope):
    """The layer's ReluGrad, the BiasAddGrad of its value, and (conv1) the filter gradient."""
    ops = g.get_operations()
    relu_grad = next(o for o in ops if o.type == "ReluGrad" and o.name.startswith("gradients/" + scope))
    users = [o for o in ops if relu_grad.outputs[0] in o.inputs]
    bias_grad = next(o for o in users if o.type == "BiasAddGrad")
    filter_grad = next((o for o in users if o.type == "Conv2DBackpropFilter"), None) if scope == "conv1" else None
    return relu_grad, bias_grad, filter_grad


def ways(g, sess, scope, shape, rng):
    """{way: call}, and what runs before each call (untimed)."""
    relu_grad, bias_grad, filter_grad = chain(g, scope)
    dy0 = rng.standard_normal(shape).astype(np.float32)
    dy, y = dy0.copy(), np.maximum(rng.standard_normal(shape).astype(np.float32), 0)
    relu, bias = relu_grad.opdef.bind(relu_grad, sess), bias_grad.opdef.bind(bias_grad, sess)
    fused = relu_grad.opdef.bind_fused(relu_grad, sess, bias_grad, filter_grad=filter_grad,
                                       keep=filter_grad is None)
    if filter_grad is None:
        def before():
            np.add(FLUSH, 1, out=FLUSH)
            np.copyto(dy, dy0)
        return {"ops one by one": lambda: bias(relu(dy, y)), "fused": lambda: fused(dy, y)}, before
    x = rng.standard_normal((shape[0], 28, 28, 1)).astype(np.float32)
    w = rng.standard_normal((3, 3, 1, shape[-1])).astype(np.float32)
    forward = filter_grad.gradient_of.opdef.bind(filter_grad.gradient_of, sess)
    dw = filter_grad.opdef.bind(filter_grad, sess)

    def one_by_one():
        dz = relu(dy, y)
        return bias(dz), dw(x, w, dz)

    def before():
        forward(x, w)  # saves its im2col matrix for the filter gradient
        np.add(FLUSH, 1, out=FLUSH)
        np.copyto(dy, dy0)
    return {"ops one by one": one_by_one, "fused": lambda: fused(dy, y, x, w)}, before


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="intra_op_parallelism_threads")
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    kernel = os.environ.get("OPENBLAS_CORETYPE", "auto (AVX-512 here)")
    print(f"{args.threads} thread(s), OpenBLAS kernel {kernel}, {args.rounds} rounds taking turns, "
          f"ms: fastest / median | load average {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    with tf.Graph().as_default() as g:
        graph()
        sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=args.threads))
        for scope, shape in (("conv1", (100, 28, 28, 32)), ("conv2", (100, 14, 14, 64)), ("fc1", (100, 64))):
            calls, before = ways(g, sess, scope, shape, rng)
            times = {name: [] for name in calls}
            for r in range(args.rounds):
                for name in (list(calls) if r % 2 else list(calls)[::-1]):
                    before()
                    t, c = time.perf_counter(), time.process_time()
                    calls[name]()
                    times[name].append(((time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3))
            for name, v in times.items():
                wall, cpu = sorted(a for a, _ in v), sorted(b for _, b in v)
                print(f"  {scope:6s} {name:15s} wall {wall[0]:6.3f} / {wall[len(v) // 2]:6.3f}   "
                      f"CPU {cpu[0]:6.3f} / {cpu[len(v) // 2]:6.3f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
