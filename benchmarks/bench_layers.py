"""Speed and memory of the classic course's networks: teachflow against the same maths in NumPy.

* DNN: 784-300-50-50-10 (ReLU, ``tf.layers.dense``), sparse softmax cross-entropy, plain
  gradient descent, batch 50, one epoch over 55,000 MNIST-shaped samples.
* CNN: conv 32 3×3/1 SAME -> conv 64 3×3/2 SAME -> max-pool 2×2 VALID -> dense 64 -> 10,
  Adam, batch 100, 5,500 samples.
* Memory: the CNN's accuracy on 10,000 28×28 images in one ``sess.run``, in a fresh subprocess
  (peak RSS and tracemalloc peak).

The NumPy "floor" is written by hand below (im2col by stride tricks + one BLAS product per
convolution, in-place updates) and timed in the same run; teachflow should stay within 1.1×.
Data: the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist), else random pixels.
``python benchmarks/bench_layers.py [--quick]``.
"""
import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import teachflow as tf  # noqa: E402
from teachflow.datasets import shuffle_batch  # noqa: E402


def load(n_train, n_test=10000):
    """(X_train, y_train, X_test, y_test) as float32 [0, 1] images (N, 28, 28, 1) and int64."""
    try:
        (xtr, ytr), (xte, yte) = tf.datasets.mnist.load_fashion_mnist(download=False)
        source = "Fashion-MNIST"
    except OSError:
        rng = np.random.default_rng(0)
        xtr, ytr = rng.integers(0, 256, (60000, 28, 28), np.uint8), rng.integers(0, 10, 60000)
        xte, yte = rng.integers(0, 256, (10000, 28, 28), np.uint8), rng.integers(0, 10, 10000)
        source = "random pixels (Fashion-MNIST not found)"
    f = lambda x: (x.astype(np.float32) / 255)[..., None]  # noqa: E731
    return f(xtr[:n_train]), ytr[:n_train].astype(np.int64), f(xte[:n_test]), yte[:n_test].astype(np.int64), source


def glorot(rng, shape):
    fan_in = int(np.prod(shape[:-1]))
    fan_out = shape[-1] * (int(np.prod(shape[:-2])) if len(shape) > 2 else 1)
    lim = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, shape).astype(np.float32)


# --------------------------------------------------------------------------- DNN
DNN_LAYERS = (784, 300, 50, 50, 10)


def dnn_teachflow(X, y, batch, seed=42):
    tf.reset_default_graph()
    Xp = tf.placeholder(tf.float32, [None, 784], name="X")
    yp = tf.placeholder(tf.int64, [None], name="y")
    with tf.name_scope("dnn"):
        h = Xp
        for i, n in enumerate(DNN_LAYERS[1:-1]):
            h = tf.layers.dense(h, n, activation=tf.nn.relu, name=f"hidden{i + 1}")
        logits = tf.layers.dense(h, 10, name="outputs")
    with tf.name_scope("loss"):
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yp, logits=logits)
        loss = tf.reduce_mean(xent, name="loss")
    with tf.name_scope("train"):
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    X = X.reshape(len(X), -1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t = time.perf_counter()
        for xb, yb in shuffle_batch(X, y, batch, seed=seed):
            sess.run(train, feed_dict={Xp: xb, yp: yb})
        return time.perf_counter() - t


def dnn_numpy(X, y, batch, seed=42, lr=0.01):
    rng = np.random.default_rng(0)
    Ws = [glorot(rng, (a, b)) for a, b in zip(DNN_LAYERS[:-1], DNN_LAYERS[1:])]
    bs = [np.zeros(b, np.float32) for b in DNN_LAYERS[1:]]
    X = X.reshape(len(X), -1)
    t = time.perf_counter()
    for xb, yb in shuffle_batch(X, y, batch, seed=seed):
        acts = [xb]
        for W, b in zip(Ws[:-1], bs[:-1]):
            acts.append(np.maximum(acts[-1] @ W + b, 0))
        z = acts[-1] @ Ws[-1] + bs[-1]
        n = len(yb)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), yb] -= 1
        d = p / n
        for i in range(len(Ws) - 1, -1, -1):
            gW, gb = acts[i].T @ d, d.sum(axis=0)
            if i:
                d = (d @ Ws[i].T) * (acts[i] > 0)
            Ws[i] -= lr * gW
            bs[i] -= lr * gb
    return time.perf_counter() - t


# --------------------------------------------------------------------------- CNN
def cnn_graph():
    X = tf.placeholder(tf.float32, [None, 28, 28, 1], name="X")
    y = tf.placeholder(tf.int64, [None], name="y")
    conv1 = tf.layers.conv2d(X, 32, 3, strides=1, padding="SAME", activation=tf.nn.relu, name="conv1")
    conv2 = tf.layers.conv2d(conv1, 64, 3, strides=2, padding="SAME", activation=tf.nn.relu,
                             name="conv2")
    with tf.name_scope("pool3"):
        pool3 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
        flat = tf.reshape(pool3, shape=[-1, 64 * 7 * 7])
    fc1 = tf.layers.dense(flat, 64, activation=tf.nn.relu, name="fc1")
    logits = tf.layers.dense(fc1, 10, name="output")
    with tf.name_scope("train"):
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y)
        loss = tf.reduce_mean(xent)
        train = tf.train.AdamOptimizer().minimize(loss)
    with tf.name_scope("eval"):
        accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))
    return X, y, train, accuracy


def cnn_teachflow(X, y, batch, seed=42):
    tf.reset_default_graph()
    Xp, yp, train, _ = cnn_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t = time.perf_counter()
        for xb, yb in shuffle_batch(X, y, batch, seed=seed):
            sess.run(train, feed_dict={Xp: xb, yp: yb})
        return time.perf_counter() - t


def _cols(x, k, stride, pad):
    """im2col of NHWC ``x`` for a k×k window: (N·OH·OW, k·k·C), plus (OH, OW)."""
    if pad:
        x = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    n, h, w, c = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    s = x.strides
    v = as_strided(x, (n, oh, ow, k, k, c), (s[0], s[1] * stride, s[2] * stride, s[1], s[2], s[3]))
    return v.reshape(n * oh * ow, k * k * c), oh, ow


def _col2im(dcols, shape, k, stride, pad, oh, ow):
    n, h, w, c = shape
    (pt, pb), (pl, pr) = pad
    dx = np.zeros((n, h + pt + pb, w + pl + pr, c), np.float32)
    d = dcols.reshape(n, oh, ow, k, k, c)
    for i in range(k):
        for j in range(k):
            dx[:, i:i + (oh - 1) * stride + 1:stride, j:j + (ow - 1) * stride + 1:stride] += d[:, :, :, i, j]
    return dx[:, pt:pt + h, pl:pl + w]


def cnn_numpy(X, y, batch, seed=42, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
    rng = np.random.default_rng(0)
    params = [glorot(rng, (3, 3, 1, 32)), np.zeros(32, np.float32),
              glorot(rng, (3, 3, 32, 64)), np.zeros(64, np.float32),
              glorot(rng, (3136, 64)), np.zeros(64, np.float32),
              glorot(rng, (64, 10)), np.zeros(10, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    pad1, pad2 = ((1, 1), (1, 1)), ((0, 1), (0, 1))  # SAME for 28 with stride 1 and stride 2
    step = 0
    t = time.perf_counter()
    for xb, yb in shuffle_batch(X, y, batch, seed=seed):
        W1, c1, W2, c2, W3, c3, W4, c4 = params
        n = len(xb)
        cols1, oh1, ow1 = _cols(xb, 3, 1, pad1)
        a1 = np.maximum(cols1 @ W1.reshape(-1, 32) + c1, 0).reshape(n, oh1, ow1, 32)
        cols2, oh2, ow2 = _cols(a1, 3, 2, pad2)
        a2 = np.maximum(cols2 @ W2.reshape(-1, 64) + c2, 0).reshape(n, oh2, ow2, 64)
        win = a2.reshape(n, 7, 2, 7, 2, 64)
        pooled = win.max(axis=(2, 4))
        flat = pooled.reshape(n, -1)
        a3 = np.maximum(flat @ W3 + c3, 0)
        z = a3 @ W4 + c4
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), yb] -= 1
        d4 = p / n
        gW4, gc4 = a3.T @ d4, d4.sum(axis=0)
        d3 = (d4 @ W4.T) * (a3 > 0)
        gW3, gc3 = flat.T @ d3, d3.sum(axis=0)
        dpool = (d3 @ W3.T).reshape(n, 7, 1, 7, 1, 64)
        d2 = ((win == pooled[:, :, None, :, None]) * dpool).reshape(n, 14, 14, 64) * (a2 > 0)
        d2f = d2.reshape(-1, 64)
        gW2, gc2 = (cols2.T @ d2f).reshape(W2.shape), d2f.sum(axis=0)
        d1 = _col2im(d2f @ W2.reshape(-1, 64).T, a1.shape, 3, 2, pad2, oh2, ow2) * (a1 > 0)
        d1f = d1.reshape(-1, 32)
        gW1, gc1 = (cols1.T @ d1f).reshape(W1.shape), d1f.sum(axis=0)
        step += 1
        lr_t = lr * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        for i, g in enumerate((gW1, gc1, gW2, gc2, gW3, gc3, gW4, gc4)):
            m[i] *= b1
            m[i] += (1 - b1) * g
            v[i] *= b2
            v[i] += (1 - b2) * (g * g)
            params[i] -= lr_t * m[i] / (np.sqrt(v[i]) + eps)
    return time.perf_counter() - t


# --------------------------------------------------------------------------- memory
def memory_child():
    """Build the CNN, initialize it, and evaluate accuracy on 10,000 images in one run."""
    import gc
    import tracemalloc
    _, _, X_test, y_test, _ = load(0)
    gc.collect()
    try:  # reset the peak-RSS mark, so loading the data files does not count (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    tf.reset_default_graph()
    Xp, yp, _, accuracy = cnn_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        base = _rss()
        tracemalloc.start()
        t = time.perf_counter()
        acc = accuracy.eval(feed_dict={Xp: X_test, yp: y_test})
        seconds = time.perf_counter() - t
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = _peak_rss()
    print(json.dumps({"peak_rss": rss, "rss_before": base, "traced_peak": traced,
                      "seconds": seconds, "accuracy": float(acc), "images": len(X_test)}))


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def _rss():
    """Resident memory now (bytes)."""
    return _status("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_rss():
    """Peak resident memory (bytes) since the process started or the mark was reset."""
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory():
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main
def blas_threads(n):
    """Limit BLAS to ``n`` threads (None: leave it). On a busy 2-core machine a second BLAS
    thread that has to wait for a core slows small products down a lot, for both sides."""
    if n is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=n, user_api="blas")


def compare(floor, ours, X, y, batch, repeat):
    """Best-of-``repeat`` seconds for the NumPy floor and for teachflow, run alternately."""
    a, b = [], []
    for _ in range(repeat):
        a.append(floor(X, y, batch))
        b.append(ours(X, y, batch))
    return min(a), min(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the data, one repeat")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (the best counts)")
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS threads (default: measure with the default and with 1)")
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        return memory_child()
    n_dnn, n_cnn, rep = (5500, 1100, 1) if args.quick else (55000, 5500, args.repeat)
    X, y, _, _, source = load(max(n_dnn, n_cnn))
    print(f"data: {source}; {os.cpu_count()} cores; numpy {np.__version__}; load average "
          f"{os.getloadavg()[0]:.1f}; best of {rep}, teachflow and NumPy interleaved")
    dnn_numpy(X[:500], y[:500], 50), dnn_teachflow(X[:500], y[:500], 50)  # warm up
    for threads in ([None, 1] if args.threads is None else [args.threads]):
        with blas_threads(threads):
            label = "BLAS threads: " + ("default" if threads is None else str(threads))
            a, b = compare(dnn_numpy, dnn_teachflow, X[:n_dnn], y[:n_dnn], 50, rep)
            print(f"[{label}] DNN 784-300-50-50-10, GD, batch 50, {n_dnn} samples (1 epoch): "
                  f"NumPy floor {a:.2f} s, teachflow {b:.2f} s -> {b / a:.2f}x the floor (target <= 1.1x)")
            a, b = compare(cnn_numpy, cnn_teachflow, X[:n_cnn], y[:n_cnn], 100, rep)
            print(f"[{label}] CNN conv32-conv64/2-pool-fc64-10, Adam, batch 100, {n_cnn} samples: "
                  f"NumPy floor {a:.2f} s, teachflow {b:.2f} s -> {b / a:.2f}x the floor (target <= 1.1x)")

    m = memory()
    print(f"CNN accuracy on {m['images']} images in one sess.run: {m['seconds']:.2f} s, "
          f"peak RSS {m['peak_rss'] / 2 ** 20:.0f} MiB (resident before the run "
          f"{m['rss_before'] / 2 ** 20:.0f} MiB), tracemalloc peak during the run "
          f"{m['traced_peak'] / 2 ** 20:.0f} MiB (target < 1 GB)")


if __name__ == "__main__":
    main()
