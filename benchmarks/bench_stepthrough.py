"""Step-through widget speed: the time one step's update takes (slider moved, as Play moves it).

Target (issue 5): <= 50 ms per step for graphs up to 200 ops. A step re-colours the picture laid
out once (``GraphView.highlight``), rebuilds the details HTML and shows heatmaps (drawn on one
reused matplotlib figure, cached per array). "cold" is the first walk through every step
(heatmaps drawn), "warm" a second walk (cached); the layout itself is timed apart.

Graphs: the curve fit of lessons 2-3 (20 points, 34 steps); the digits DNN 64-30-10 with Adam,
layers folded (``collapse=1``); a 12-hidden-layer digits network with L2 and Momentum (~200
steps, ~220 drawn ops), every op drawn (``collapse=None``) and folded ("auto").

Run: ``python benchmarks/bench_stepthrough.py`` (needs Graphviz's ``dot``).
"""
import statistics
import time

import numpy as np

import teachflow as tf
from teachflow.datasets import digits
from teachflow.trace import step_through
from teachflow.widgets.stepthrough import StepThrough

BUDGET_MS = 50.0


def curve_fit():
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x_data = np.linspace(-0.5, 0.5, 20)[:, None]
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("layer1"):
        w1 = tf.Variable(tf.random_normal([1, 10]), name="weights")
        b1 = tf.Variable(tf.zeros([1, 10]), name="biases")
        h = tf.nn.tanh(tf.matmul(x, w1) + b1)
    with tf.name_scope("layer2"):
        w2 = tf.Variable(tf.random_normal([10, 1]), name="weights")
        b2 = tf.Variable(tf.zeros([1, 1]), name="biases")
        pred = tf.nn.tanh(tf.matmul(h, w2) + b2)
    loss = tf.reduce_mean(tf.square(y - pred), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return train, {x: x_data, y: x_data ** 2}


def digits_dnn(hidden=(30,), optimizer=None, l2=0.0):
    tf.reset_default_graph()
    tf.set_random_seed(0)
    data = digits.load_data()
    X = tf.placeholder(tf.float32, [None, 64], name="X")
    y = tf.placeholder(tf.int64, [None], name="y")
    h = X
    for i, units in enumerate(hidden):
        h = tf.layers.dense(h, units, activation=tf.nn.relu if len(hidden) == 1 else tf.nn.tanh,
                            name=f"hidden{i + 1}")
    logits = tf.layers.dense(h, 10, name="outputs")
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        if l2:
            kernels = [v for v in tf.trainable_variables() if "kernel" in v.name]
            loss = loss + l2 * tf.add_n([tf.nn.l2_loss(k) for k in kernels])
    with tf.name_scope("train"):
        train = (optimizer or tf.train.AdamOptimizer(0.01)).minimize(loss)
    return train, {X: data.train.images[:64], y: data.train.labels[:64]}


def walk(widget):
    times = []
    for i in range(len(widget.trace)):
        t = time.perf_counter()
        widget.slider.value = i
        times.append(time.perf_counter() - t)
    return np.array(times) * 1000


def bench(label, build, collapse):
    train, feed = build()
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    trace = step_through(sess, train, feed)
    t = time.perf_counter()
    w = StepThrough(trace, collapse=collapse)
    build_ms = (time.perf_counter() - t) * 1000
    cold, warm = walk(w), walk(w)
    t = time.perf_counter()
    w.show_view("forward")
    fwd_build_ms = (time.perf_counter() - t) * 1000
    fwd = walk(w)
    view = w._pictures["all"].view
    ok = max(statistics.median(cold), statistics.median(warm), statistics.median(fwd)) <= BUDGET_MS
    print(f"{label:<34} {len(trace):>5} steps {len(view.ops):>4} ops/{len(view.folded.nodes):>3} nodes "
          f"| layout {build_ms:6.0f} ms (forward view {fwd_build_ms:4.0f} ms) "
          f"| per step: cold median {statistics.median(cold):5.1f} max {cold.max():5.1f}, "
          f"warm median {statistics.median(warm):5.1f} max {warm.max():5.1f}, "
          f"forward view median {statistics.median(fwd):5.1f} max {fwd.max():5.1f} ms  "
          f"{'ok' if ok else 'OVER BUDGET'}")
    sess.close()
    return ok


def main():
    print(f"StepThrough: ms per step (budget {BUDGET_MS:.0f} ms; layout once per picture)")
    deep = lambda: digits_dnn((30,) * 12, tf.train.MomentumOptimizer(0.01, 0.9), l2=1e-4)  # noqa: E731
    results = [
        bench("curve fit (collapse=None)", curve_fit, None),
        bench("digits DNN 64-30-10 (collapse=1)", digits_dnn, 1),
        bench("~200-op DNN (collapse=None)", deep, None),
        bench("~200-op DNN (collapse='auto')", deep, "auto"),
    ]
    if not all(results):
        raise SystemExit("over budget")


if __name__ == "__main__":
    main()
