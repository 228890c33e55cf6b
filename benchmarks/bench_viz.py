"""Graph drawing speed: DOT text + Graphviz layout to SVG, and re-highlighting a laid-out SVG.

Targets (issue 4):
* the classic CNN-with-Adam training graph (conv 32 3×3 SAME -> conv 64 3×3 stride 2 -> max_pool
  -> dense 64 -> 10 logits, Adam) renders with scopes collapsed in < 2 s;
* a 1,000-op graph renders in < 5 s (folded by default, and fully expanded);
* re-highlighting a laid-out 200-node graph takes <= 20 ms per step.

Run: ``python benchmarks/bench_viz.py`` (needs Graphviz's ``dot``).
"""
import statistics
import time

import teachflow as tf
from teachflow import viz


def render(graph, **options):
    """Seconds to build the view and its DOT text, and to lay it out as SVG (a fresh view)."""
    t0 = time.perf_counter()
    v = viz.draw(graph, **options)
    v.source
    t1 = time.perf_counter()
    v.svg()
    t2 = time.perf_counter()
    return v, t1 - t0, t2 - t1


def best(graph, repeat=3, **options):
    runs = [render(graph, **options) for _ in range(repeat)]
    v, dot_s, svg_s = min(runs, key=lambda r: r[1] + r[2])
    return v, dot_s, svg_s


def cnn_with_adam():
    """The classic course's CNN, with tf.layers when available (else the same shape of graph
    from core ops, see ``cnn_from_core_ops``)."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    images = tf.reshape(x, [-1, 28, 28, 1])
    c1 = tf.layers.conv2d(images, 32, 3, padding="same", activation=tf.nn.relu)
    c2 = tf.layers.conv2d(c1, 64, 3, strides=2, padding="same", activation=tf.nn.relu)
    pool = tf.layers.max_pooling2d(c2, 2, 2)
    flat = tf.reshape(pool, [-1, 7 * 7 * 64])
    hidden = tf.layers.dense(flat, 64, activation=tf.nn.relu)
    logits = tf.layers.dense(hidden, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    tf.train.AdamOptimizer(1e-3).minimize(loss)
    return tf.get_default_graph()


def cnn_from_core_ops():
    """Stand-in with the same scopes and a similar op count, from matmul/relu/reshape only."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.float32, [None, 10], name="y")

    def layer(h, n_in, n_out, name, act=True):
        with tf.variable_scope(name):
            w = tf.get_variable("kernel", [n_in, n_out])
            b = tf.get_variable("bias", [n_out], initializer=tf.zeros_initializer())
            h = tf.matmul(h, w) + b
            return tf.nn.relu(h) if act else h
    h = layer(x, 784, 32, "conv2d")
    h = layer(h, 32, 64, "conv2d_1")
    with tf.name_scope("max_pooling2d"):
        h = tf.reshape(h * 0.5, [-1, 64])
    h = layer(h, 64, 64, "dense")
    logits = layer(h, 64, 10, "dense_1", act=False)
    loss = tf.reduce_mean(tf.square(logits - y))
    tf.train.AdamOptimizer(1e-3).minimize(loss)
    return tf.get_default_graph()


def deep_mlp(blocks):
    """A deep residual-ish MLP in scopes ``block<i>/dense`` with its gradients and updates:
    45 blocks draw just over 1,000 ops, 9 blocks about 220."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 8], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    h = x
    for i in range(blocks):
        with tf.variable_scope(f"block{i}"):
            with tf.name_scope("dense"):
                w = tf.Variable(tf.random_normal([8, 8]), name="w")
                b = tf.Variable(tf.zeros([8]), name="b")
                h = tf.nn.relu(tf.matmul(h, w) + b)
            h = tf.tanh(h) * 0.5 + h
    out = tf.reduce_sum(h, axis=1, keepdims=True)
    tf.train.GradientDescentOptimizer(0.01).minimize(tf.reduce_mean(tf.square(out - y)))
    return tf.get_default_graph()


def main():
    if not viz.dot_available():
        raise SystemExit(viz.INSTALL_HINT)

    print("== CNN with Adam, scopes collapsed (target < 2 s)")
    try:
        g, what = cnn_with_adam(), "tf.layers"
    except (AttributeError, NotImplementedError) as e:
        g, what = cnn_from_core_ops(), f"core-op stand-in (tf.layers not usable: {e})"
    print(f"  graph: {what}, {len(g.get_operations())} ops")
    for label, opts in [("collapse='auto' (the default)", {}), ("collapse=1", {"collapse": 1}),
                        ("collapse=2", {"collapse": 2}), ("collapse=None (all open)", {"collapse": None})]:
        v, d, s = best(g, **opts)
        print(f"  {label:32s} {len(v.folded.nodes):4d} nodes {len(v.folded.edges):4d} edges   "
              f"DOT {d * 1e3:6.1f} ms + layout/SVG {s:5.2f} s = {d + s:5.2f} s")

    print("== 1,000-op graph (target < 5 s)")
    g = deep_mlp(45)
    n_ops = len(g.get_operations())
    for label, opts in [("collapse='auto' (the default)", {}),
                        ("collapse=None (all open)", {"collapse": None})]:
        v, d, s = best(g, repeat=1, **opts)
        print(f"  {n_ops} ops in the graph, {len(v.ops)} drawn ({label}): {len(v.folded.nodes)} nodes, "
              f"{len(v.folded.edges)} edges   DOT {d * 1e3:6.1f} ms + layout/SVG {s:5.2f} s = {d + s:5.2f} s")

    print("== re-highlighting a laid-out 200-node graph (target <= 20 ms per step)")
    g = deep_mlp(9)                  # a training graph: forward, gradients, updates, 30+ scopes
    v, d, s = render(g, collapse=None)
    t = time.perf_counter()
    v.highlight({})
    compile_s = time.perf_counter() - t
    names = [op.name for op in v.ops]
    steps = []
    for k in range(len(names)):
        styles = {n: "done" for n in names[:k]}
        styles[names[k]] = "current"
        t = time.perf_counter()
        v.highlight(styles, edges={names[k] + ":0": "current"}, default="pending")
        steps.append(time.perf_counter() - t)
    print(f"  {len(v.folded.nodes)} nodes, {len(v.folded.edges)} edges, {len(v.folded.clusters)} scopes; "
          f"layout once {s:.2f} s, "
          f"SVG parsed once {compile_s * 1e3:.1f} ms")
    print(f"  per step over {len(steps)} steps: median {statistics.median(steps) * 1e3:.2f} ms, "
          f"max {max(steps) * 1e3:.2f} ms")

    print("== determinism")
    a = viz.draw(cnn_from_core_ops()).source
    b = viz.draw(cnn_from_core_ops()).source
    print(f"  the same graph built twice gives byte-identical DOT: {a == b}")


if __name__ == "__main__":
    main()
