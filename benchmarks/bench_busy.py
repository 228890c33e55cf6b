"""Speed on a student's laptop: teachflow, the NumPy floor and TensorFlow 1.x, quiet and busy.

Workloads (as in ``bench_layers.py``; data: Fashion-MNIST from Debian's dataset-fashion-mnist,
else random pixels):

* DNN epoch: 784-300-50-50-10 ReLU, sparse softmax cross-entropy, gradient descent, batch 50,
  55,000 images (``--quick``: 11,000).
* CNN: conv 32 3×3/1 SAME -> conv 64 3×3/2 SAME -> max-pool 2×2 -> dense 64 -> 10, Adam,
  batch 100, 5,500 images (``--quick``: 1,100).
* The raw CNN in the style of aymericdamien/TensorFlow-Examples' ``convolutional_network_raw.py``
  (conv 5×5×32 -> max-pool -> conv 5×5×64 -> max-pool -> fc 1024 + dropout -> 10, Adam, batch
  128, loss and accuracy every 10 steps; written here, module-agnostic: the very same function
  runs on ``teachflow`` and on ``tensorflow.compat.v1``). Quiet machine only; the example's own
  500 steps with ``--raw-steps 500``, 100 by default to keep the run short.

Each of the first two runs (a) quiet and (b) with a CPU hog beside it: a bounded busy loop
pinned to the last core, started and killed by this script. teachflow runs with its own BLAS
threading policy; the NumPy floor (the same maths written by hand) with one BLAS thread;
TensorFlow (``tf.compat.v1`` graph mode, default ConfigProto) in a subprocess with the
interpreter given by ``--tf-python`` or ``$TEACHFLOW_TF_PYTHON`` -- TensorFlow is never a
dependency of teachflow. The times are the best of ``--repeat`` runs.

``--cause`` runs (instead) the experiment that explains the collapse on a busy machine: the DNN epoch with
NumPy's BLAS at 1 and at 2 threads, quiet and loaded, with the CPU time of the main thread and
of the BLAS worker threads (a waiting BLAS thread that spins shows up as CPU time without work).

``--memory`` runs (instead) the experiment behind ``core/memory.py``: CNN training steps with
malloc as glibc sets it (``TEACHFLOW_MALLOC=system``) and as teachflow sets it, a child process
each: page faults, system time and time per step.

Run: ``PYTHONPATH=$PWD python benchmarks/bench_busy.py --tf-python /work/venvs/tf/bin/python``

Both sides should use the same vector instructions. On a CPU with AVX-512, OpenBLAS picks its
AVX-512 kernels unless ``OPENBLAS_CORETYPE`` says otherwise, and TensorFlow's oneDNN uses AVX-512
unless ``ONEDNN_MAX_CPU_ISA`` caps it: to compare as on an AVX2-only laptop, set
``OPENBLAS_CORETYPE=Haswell ONEDNN_MAX_CPU_ISA=AVX2`` for the command (the header says which).
"""
import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
HOG_SECONDS = 900  # the hog stops by itself after this, even if this script is killed hard
HOG = """import os, sys, time
cpu = int(sys.argv[1])
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {cpu})
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    pass
"""
TARGETS = {"cnn": 1.5, "dnn": 1.0, "raw": 2.0}  # quiet: teachflow time / TensorFlow time
BUSY_VS_TF, BUSY_MAX = 1.25, 2.5  # loaded/quiet: <= 1.25 x TensorFlow's, and <= 2.5 in any case


# --------------------------------------------------------------------------- the busy machine
@contextlib.contextmanager
def cpu_hog(enabled=True):
    """A process spinning on the last core while the block runs (nothing when not ``enabled``)."""
    if not enabled:
        yield None
        return
    cpu = max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    hog = subprocess.Popen([sys.executable, "-c", HOG, str(cpu), str(HOG_SECONDS)])
    try:
        time.sleep(0.3)  # let it start spinning
        yield cpu
    finally:
        hog.kill()
        hog.wait()


def load_average():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------- the raw example
def raw_example(tf, X, Y, steps, batch=128, lr=0.001, keep=0.75, display=10, seed=1):
    """``convolutional_network_raw.py`` in spirit: weights as plain variables, ``tf.nn`` ops.

    ``tf`` is ``teachflow`` or ``tensorflow.compat.v1``; ``X`` (N, 784) float32, ``Y`` one-hot.
    Returns (seconds for the training loop, last minibatch accuracy, CPU seconds of the loop)."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    keep_prob = tf.placeholder(tf.float32)

    def conv(v, w, b, stride=1):
        v = tf.nn.conv2d(v, w, strides=[1, stride, stride, 1], padding="SAME")
        return tf.nn.relu(tf.nn.bias_add(v, b))

    def pool(v, k=2):
        return tf.nn.max_pool(v, ksize=[1, k, k, 1], strides=[1, k, k, 1], padding="SAME")

    w = {"c1": tf.Variable(tf.random_normal([5, 5, 1, 32])),
         "c2": tf.Variable(tf.random_normal([5, 5, 32, 64])),
         "fc": tf.Variable(tf.random_normal([7 * 7 * 64, 1024])),
         "out": tf.Variable(tf.random_normal([1024, 10]))}
    b = {"c1": tf.Variable(tf.random_normal([32])), "c2": tf.Variable(tf.random_normal([64])),
         "fc": tf.Variable(tf.random_normal([1024])), "out": tf.Variable(tf.random_normal([10]))}
    h = pool(conv(tf.reshape(x, [-1, 28, 28, 1]), w["c1"], b["c1"]))
    h = pool(conv(h, w["c2"], b["c2"]))
    h = tf.nn.relu(tf.add(tf.matmul(tf.reshape(h, [-1, 7 * 7 * 64]), w["fc"]), b["fc"]))
    h = tf.nn.dropout(h, keep_prob)
    logits = tf.add(tf.matmul(h, w["out"]), b["out"])
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
    train = tf.train.AdamOptimizer(learning_rate=lr).minimize(loss)
    correct = tf.equal(tf.argmax(tf.nn.softmax(logits), 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    rng = np.random.RandomState(seed)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t, cpu = time.perf_counter(), time.process_time()
        acc = None
        for step in range(1, steps + 1):
            idx = rng.randint(0, len(X), batch)
            xb, yb = X[idx], Y[idx]
            sess.run(train, feed_dict={x: xb, y: yb, keep_prob: keep})
            if step % display == 0 or step == 1:
                _, acc = sess.run([loss, accuracy], feed_dict={x: xb, y: yb, keep_prob: 1.0})
        return time.perf_counter() - t, float(acc), time.process_time() - cpu


# --------------------------------------------------------------------------- TensorFlow side
def _tf_dnn(tf, X, y, batch=50, seed=42):
    """bench_layers' DNN with ``get_variable`` + ``tf.nn`` (tf.layers needs Keras 2 in TF 2.16+)."""
    tf.reset_default_graph()
    xp, yp = tf.placeholder(tf.float32, [None, 784]), tf.placeholder(tf.int64, [None])
    h, sizes = xp, (784, 300, 50, 50, 10)
    glorot = tf.glorot_uniform_initializer()
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        h = tf.matmul(h, tf.get_variable(f"W{i}", [a, b], initializer=glorot)) + \
            tf.get_variable(f"b{i}", [b], initializer=tf.zeros_initializer())
        if i < len(sizes) - 2:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yp, logits=h))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    return _tf_epoch(tf, xp, yp, train, X.reshape(len(X), -1), y, batch, seed)


def _tf_cnn(tf, X, y, batch=100, seed=42):
    tf.reset_default_graph()
    xp, yp = tf.placeholder(tf.float32, [None, 28, 28, 1]), tf.placeholder(tf.int64, [None])
    glorot, zeros = tf.glorot_uniform_initializer(), tf.zeros_initializer()

    def conv(v, name, c, f, stride):
        w = tf.get_variable(name + "W", [3, 3, c, f], initializer=glorot)
        v = tf.nn.conv2d(v, w, strides=[1, stride, stride, 1], padding="SAME")
        return tf.nn.relu(tf.nn.bias_add(v, tf.get_variable(name + "b", [f], initializer=zeros)))

    h = conv(conv(xp, "conv1", 1, 32, 1), "conv2", 32, 64, 2)
    h = tf.reshape(tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), [-1, 64 * 7 * 7])
    h = tf.nn.relu(tf.matmul(h, tf.get_variable("fc1W", [3136, 64], initializer=glorot))
                   + tf.get_variable("fc1b", [64], initializer=zeros))
    logits = tf.matmul(h, tf.get_variable("outW", [64, 10], initializer=glorot)) + \
        tf.get_variable("outb", [10], initializer=zeros)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=yp))
    train = tf.train.AdamOptimizer().minimize(loss)
    return _tf_epoch(tf, xp, yp, train, X, y, batch, seed)


def _tf_epoch(tf, xp, yp, train, X, y, batch, seed):
    order = np.random.RandomState(seed).permutation(len(X))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed_dict={xp: X[:batch], yp: y[:batch]})  # warm up (kernel setup)
        t, cpu = time.perf_counter(), time.process_time()
        for a in range(0, len(X), batch):
            idx = order[a:a + batch]
            sess.run(train, feed_dict={xp: X[idx], yp: y[idx]})
        return time.perf_counter() - t, time.process_time() - cpu


def tf_child(args):
    """Runs inside TensorFlow's interpreter: times the requested workloads, prints one JSON line."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf1
    tf1.disable_eager_execution()
    tf1.logging.set_verbosity(tf1.logging.ERROR)
    with np.load(args.tf_child) as d:
        X, y = d["X"], d["y"]
    out = {"tensorflow": tf1.VERSION if hasattr(tf1, "VERSION") else "?"}
    for work in args.work.split(","):  # (wall, CPU) of the fastest run
        if work == "dnn":
            out[work] = min(_tf_dnn(tf1, X[:args.n_dnn], y[:args.n_dnn]) for _ in range(args.repeat))
        elif work == "cnn":
            out[work] = min(_tf_cnn(tf1, X[:args.n_cnn], y[:args.n_cnn]) for _ in range(args.repeat))
        elif work == "raw":
            wall, _, cpu = raw_example(tf1, X.reshape(len(X), -1),
                                       np.eye(10, dtype=np.float32)[y], args.raw_steps)
            out[work] = (wall, cpu)
    print(json.dumps(out))


class TensorFlow:
    """The TensorFlow reference: a child process of the interpreter that has TensorFlow."""

    def __init__(self, python, data_file, args):
        self.python, self.data_file, self.args = python, data_file, args

    def run(self, work):
        a = self.args
        cmd = [self.python, os.path.abspath(__file__), "--tf-child", self.data_file, "--work", work,
               "--repeat", str(a.repeat), "--n-dnn", str(a.n_dnn), "--n-cnn", str(a.n_cnn),
               "--raw-steps", str(a.raw_steps)]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if p.returncode:
            raise RuntimeError(f"the TensorFlow run failed ({' '.join(cmd)}):\n{p.stderr[-2000:]}")
        return json.loads(p.stdout.strip().splitlines()[-1])


def find_tf_python(given):
    """The interpreter for TensorFlow, or (None, why not)."""
    python = given or os.environ.get("TEACHFLOW_TF_PYTHON")
    if not python:
        return None, "no --tf-python and no $TEACHFLOW_TF_PYTHON"
    probe = subprocess.run([python, "-c", "import tensorflow"], capture_output=True, text=True,
                           env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=""))
    if probe.returncode:
        return None, f"{python} cannot import tensorflow"
    return python, ""


# --------------------------------------------------------------------------- teachflow side
def best(fn, repeat, *args):
    """(wall, CPU seconds of the process) of the fastest of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        cpu = time.process_time()
        wall = fn(*args)
        runs.append((wall, time.process_time() - cpu))
    return min(runs)


def blas_info():
    from threadpoolctl import threadpool_info
    return ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
                     f"kernel, {i['num_threads']} threads" for i in threadpool_info()
                     if i["user_api"] == "blas")


def measure(condition, args, data, tf_ref):
    """Times of every workload under one condition: {(workload, system): seconds}."""
    import bench_layers as L
    from threadpoolctl import threadpool_limits
    X, y = data
    times = {}
    print(f"\n[{condition}] before: {load_average()}", flush=True)
    with cpu_hog(condition == "loaded") as cpu:
        if cpu is not None:
            print(f"[{condition}] CPU hog spinning on core {cpu}", flush=True)
        for work, ours, floor, n, batch in (("dnn", L.dnn_teachflow, L.dnn_numpy, args.n_dnn, 50),
                                            ("cnn", L.cnn_teachflow, L.cnn_numpy, args.n_cnn, 100)):
            times[work, "teachflow"] = best(ours, args.repeat, X[:n], y[:n], batch)
            with threadpool_limits(limits=1, user_api="blas"):
                times[work, "floor"] = best(floor, args.repeat, X[:n], y[:n], batch)
        if tf_ref is not None:
            r = tf_ref.run("dnn,cnn")
            times["dnn", "tensorflow"], times["cnn", "tensorflow"] = tuple(r["dnn"]), tuple(r["cnn"])
    print(f"[{condition}] after: {load_average()}", flush=True)
    return times


def measure_raw(args, data, tf_ref):
    import teachflow
    X, y = data
    Xf, Y = X.reshape(len(X), -1), np.eye(10, dtype=np.float32)[y]
    print(f"\n[raw example, quiet] before: {load_average()}", flush=True)
    wall, _, cpu = raw_example(teachflow, Xf, Y, args.raw_steps)
    times = {("raw", "teachflow"): (wall, cpu)}
    if tf_ref is not None:
        times["raw", "tensorflow"] = tuple(tf_ref.run("raw")["raw"])
    print(f"[raw example, quiet] after: {load_average()}", flush=True)
    return times


def cause(args, _data=None):
    """Why NumPy code collapses on a busy machine: CPU time of the main and BLAS threads."""
    print(f"Cause: the DNN epoch (teachflow, {min(args.n_dnn, 11000)} images) with NumPy's BLAS "
          "forced to 1 or 2 threads (threadpoolctl), a child process each. A BLAS worker whose CPU "
          "time far exceeds its share of the products, and a main thread using more CPU than with "
          "1 thread, are threads waiting by spinning.")
    for loaded in (False, True):
        with cpu_hog(loaded):
            for threads in (1, 2):
                cmd = [sys.executable, os.path.abspath(__file__), "--cause-child", str(threads),
                       "--n-dnn", str(min(args.n_dnn, 11000))]
                r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True)
                               .stdout.strip().splitlines()[-1])
                print(f"  {'loaded' if loaded else 'quiet ':6s} BLAS threads {threads}: wall "
                      f"{r['wall']:6.2f} s | CPU: main thread {r['main']:6.2f} s, BLAS workers "
                      f"{r['workers']:6.2f} s | {load_average()}", flush=True)


def cause_child(threads, n):
    import bench_layers as L
    from threadpoolctl import threadpool_limits

    def thread_cpu():
        tick, out = os.sysconf("SC_CLK_TCK"), {}
        for t in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{t}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[t] = (int(fields[11]) + int(fields[12])) / tick
        return out
    import teachflow as tf
    X, y, _, _, _ = L.load(n, 0)
    tf.Session().close()  # teachflow's policy is applied once; the limit below overrides it
    with threadpool_limits(limits=threads, user_api="blas"):
        tf.config.threading.set_intra_op_parallelism_threads(1)  # only BLAS's threads here
        L.dnn_teachflow(X[:500], y[:500], 50)
        before = thread_cpu()
        wall = L.dnn_teachflow(X, y, 50)
        after = thread_cpu()
    main = str(os.getpid())
    workers = sum(v - before.get(k, 0) for k, v in after.items() if k != main)
    print(json.dumps({"wall": wall, "main": after[main] - before[main], "workers": workers}))


def memory(args):
    """Page faults and time per CNN step with malloc as glibc sets it and as teachflow sets it."""
    print("Memory: 30 CNN training steps (batch 100) after 3 warm-up steps, a child process each; "
          "'system' is TEACHFLOW_MALLOC=system (malloc as glibc sets it)")
    for mode in ("system", "teachflow", "system", "teachflow"):
        env = dict(os.environ, TEACHFLOW_MALLOC="system" if mode == "system" else "")
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-child"]
        r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
                       .stdout.strip().splitlines()[-1])
        print(f"  malloc {mode:9s}: {r['faults']:7.0f} page faults, {r['sys']:5.2f} ms system time, "
              f"{r['cpu']:6.2f} ms CPU, {r['wall']:6.2f} ms wall per step | {load_average()}", flush=True)


def memory_child():
    import resource
    import bench_layers as L
    import teachflow as tf
    X, y, _, _, _ = L.load(3300, 0)
    Xp, yp, train, _ = L.cnn_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            sess.run(train, {Xp: X[i * 100:(i + 1) * 100], yp: y[i * 100:(i + 1) * 100]})
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for i in range(3, 33):
            sess.run(train, {Xp: X[i * 100:(i + 1) * 100], yp: y[i * 100:(i + 1) * 100]})
        r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - t0
    per = 1e3 / 30
    print(json.dumps({"faults": (r1.ru_minflt - r0.ru_minflt) / 30, "sys": (r1.ru_stime - r0.ru_stime) * per,
                      "cpu": (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * per,
                      "wall": wall * per}))


def threshold():
    """Where a second thread starts to pay for a convolution: forward + both gradients of a
    3×3×32 -> 64 convolution on 14×14 images, batch n, on 1 and on 2 of teachflow's threads."""
    import teachflow as tf
    from teachflow.core import threads
    print("\nThreshold: conv 3x3x32->64 on 14x14, forward + both gradients, best of 7 "
          f"(PARALLEL_MIN_FLOPS set to 0 here; teachflow uses {threads.PARALLEL_MIN_FLOPS / 1e6:.0f} MFLOP)")
    keep, threads.PARALLEL_MIN_FLOPS = threads.PARALLEL_MIN_FLOPS, 0
    rng = np.random.default_rng(0)
    try:
        for n in (1, 2, 4, 8, 16, 32, 64):
            tf.reset_default_graph()
            x = tf.placeholder(tf.float32, [n, 14, 14, 32])
            w = tf.constant(rng.standard_normal((3, 3, 32, 64)).astype(np.float32))
            y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
            grads = tf.gradients(tf.reduce_sum(y), [x, w])
            xv = rng.standard_normal((n, 14, 14, 32)).astype(np.float32)
            ms = {}
            for t in (1, 2, 1, 2):
                with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=t)) as sess:
                    sess.run(grads, {x: xv})
                    runs = []
                    for _ in range(7):
                        start = time.perf_counter()
                        sess.run(grads, {x: xv})
                        runs.append(time.perf_counter() - start)
                    ms[t] = min(ms.get(t, 1e9), min(runs) * 1e3)
            flops = 2 * n * 14 * 14 * 9 * 32 * 64
            print(f"  batch {n:3d}: {flops / 1e6:6.1f} MFLOP per product | 1 thread {ms[1]:7.2f} ms, "
                  f"2 threads {ms[2]:7.2f} ms -> x{ms[1] / ms[2]:.2f} | {load_average()}", flush=True)
    finally:
        threads.PARALLEL_MIN_FLOPS = keep


# --------------------------------------------------------------------------- report
def report(runs, have_tf):
    """Print the table and the targets; ``runs[(condition, work, system)] = (wall, CPU)``."""
    times = {k: v[0] for k, v in runs.items()}
    cpu = {k: v[1] for k, v in runs.items()}
    names = {"dnn": "DNN epoch", "cnn": "CNN", "raw": "raw CNN example"}
    print("\nseconds (best of the runs)        quiet   loaded  loaded/quiet | CPU s quiet, loaded")
    for work in ("dnn", "cnn"):
        for system in ("teachflow", "floor", "tensorflow"):
            q, lo = times.get(("quiet", work, system)), times.get(("loaded", work, system))
            if q is None:
                continue
            print(f"  {names[work]:16s} {system:11s} {q:7.2f}  {lo:7.2f}  {lo / q:6.2f}x      | "
                  f"{cpu['quiet', work, system]:6.2f} {cpu['loaded', work, system]:6.2f}")
    for system in ("teachflow", "tensorflow"):
        if ("quiet", "raw", system) in times:
            print(f"  {'raw CNN example':16s} {system:11s} {times['quiet', 'raw', system]:7.2f}"
                  f"{'':24s}| {cpu['quiet', 'raw', system]:6.2f}")
    if not have_tf:
        print("\nTargets: not checked (TensorFlow was not run).")
        return True
    work_ratio = ", ".join(f"{names[w]} {cpu['quiet', w, 'teachflow'] / cpu['quiet', w, 'tensorflow']:.2f}x"
                           for w in ("cnn", "dnn", "raw") if ("quiet", w, "tensorflow") in cpu)
    print(f"CPU time teachflow / TensorFlow, quiet run (the work done, little affected by other "
          f"programs; both use every core): {work_ratio}")
    print("\nTargets")
    ok_all = True

    def verdict(text, ok):
        nonlocal ok_all
        ok_all &= ok
        print(f"  {'met    ' if ok else 'NOT met'}  {text}")
    for work in ("cnn", "dnn", "raw"):
        ours, ref = times.get(("quiet", work, "teachflow")), times.get(("quiet", work, "tensorflow"))
        if ours is not None and ref is not None:
            verdict(f"quiet {names[work]}: teachflow {ours / ref:.2f}x TensorFlow "
                    f"(target <= {TARGETS[work]}x)", ours / ref <= TARGETS[work])
    for work in ("dnn", "cnn"):
        ours = times["loaded", work, "teachflow"] / times["quiet", work, "teachflow"]
        ref = times["loaded", work, "tensorflow"] / times["quiet", work, "tensorflow"]
        verdict(f"busy {names[work]}: teachflow loaded/quiet {ours:.2f}x vs TensorFlow's {ref:.2f}x "
                f"-> {ours / ref:.2f} (target <= {BUSY_VS_TF})", ours <= BUSY_VS_TF * ref)
        verdict(f"busy {names[work]}: teachflow loaded/quiet {ours:.2f}x (target <= {BUSY_MAX}x)",
                ours <= BUSY_MAX)
    print("ALL TARGETS MET" if ok_all else "SOME TARGETS NOT MET")
    return ok_all


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tf-python", help="a Python interpreter with TensorFlow "
                                        "(default: $TEACHFLOW_TF_PYTHON; without it TF is skipped)")
    ap.add_argument("--quick", action="store_true", help="a fifth of the images, one repeat")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each workload (the best counts); a quiet run of TensorFlow's DNN "
                         "epoch was once 10%% slower than its loaded run with 2")
    ap.add_argument("--raw-steps", type=int, default=100,
                    help="steps of the raw CNN example (the example itself runs 500; 0 skips it)")
    ap.add_argument("--cause", action="store_true",
                    help="only run the experiment on BLAS threads under load (11,000 images)")
    ap.add_argument("--threshold", action="store_true",
                    help="only measure where a second thread starts to pay for a convolution")
    ap.add_argument("--memory", action="store_true",
                    help="only measure page faults per CNN step with and without teachflow's malloc setting")
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--n-dnn", type=int, default=55000, help=argparse.SUPPRESS)
    ap.add_argument("--n-cnn", type=int, default=5500, help=argparse.SUPPRESS)
    ap.add_argument("--tf-child", help=argparse.SUPPRESS)
    ap.add_argument("--work", default="dnn,cnn", help=argparse.SUPPRESS)
    ap.add_argument("--cause-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.tf_child:
        return tf_child(args)
    sys.path.insert(0, HERE)
    if args.cause_child:
        return cause_child(args.cause_child, args.n_dnn)
    if args.memory_child:
        return memory_child()
    if args.memory:
        return memory(args)
    if args.quick:
        args.n_dnn, args.n_cnn, args.repeat = args.n_dnn // 5, args.n_cnn // 5, 1
    if args.threshold:
        return threshold()
    if args.cause:
        return cause(args, None)
    import bench_layers as L
    import teachflow
    X, y, _, _, source = L.load(max(args.n_dnn, args.n_cnn), 0)
    teachflow.Session().close()  # the first session applies teachflow's BLAS policy
    print(f"data: {source}; {os.cpu_count()} cores; numpy {np.__version__}; BLAS: {blas_info()}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}; TensorFlow's oneDNN: "
          f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset: the best this CPU has)')}")
    print(f"teachflow: {teachflow.config.threading.describe()}")
    print(f"DNN {args.n_dnn} images, CNN {args.n_cnn} images, raw example {args.raw_steps} steps; "
          f"best of {args.repeat}; NumPy floor at 1 BLAS thread")
    python, why = find_tf_python(args.tf_python)
    with tempfile.TemporaryDirectory() as tmp:
        tf_ref = None
        if python:
            data_file = os.path.join(tmp, "data.npz")
            np.savez(data_file, X=X, y=y)
            tf_ref = TensorFlow(python, data_file, args)
            print(f"TensorFlow: {python}")
        else:
            print(f"TensorFlow: skipped ({why}); pass --tf-python PATH to compare")
        times = {}
        for condition in ("quiet", "loaded"):
            for k, v in measure(condition, args, (X, y), tf_ref).items():
                times[(condition,) + k] = v
        if args.raw_steps:
            for k, v in measure_raw(args, (X, y), tf_ref).items():
                times[("quiet",) + k] = v
    report(times, tf_ref is not None)


if __name__ == "__main__":
    main()
