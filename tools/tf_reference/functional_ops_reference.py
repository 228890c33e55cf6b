"""Reference values for tests/core/test_core_functional_ops.py, computed by TensorFlow's TF1 API
(tf.compat.v1 map_fn / scan / foldl / foldr in a graph and Session). Dev only:
    /work/venvs/tf/bin/python tools/tf_reference/functional_ops_reference.py
"""
import numpy as np
import tensorflow as tf

v1 = tf.compat.v1
v1.disable_eager_execution()

X = np.arange(12, dtype=np.float64).reshape(4, 3) / 4.0 - 1.0
with v1.Session() as sess:
    x = v1.placeholder(tf.float64, [None, 3])
    cases = {
        "map_square_sum": v1.map_fn(lambda r: tf.reduce_sum(r * r), x),
        "map_tuple_dtype": v1.map_fn(lambda p: (p[0] * 2.0, tf.cast(tf.reduce_sum(p[1]) > 0, tf.int32)),
                                     (x, x[:, :2]), dtype=(tf.float64, tf.int32)),
        "scan_cumsum": v1.scan(lambda a, v: a + v, x),
        "scan_init_reverse": v1.scan(lambda a, v: a * 0.5 + v, x, initializer=tf.ones([3], tf.float64),
                                     reverse=True),
        "scan_noinit_reverse": v1.scan(lambda a, v: a * 0.5 + v, x, reverse=True),
        "scan_nested": v1.scan(lambda a, v: (a[0] + v, a[1] * 2.0), x,
                               initializer=(tf.zeros([3], tf.float64), tf.constant(1.0, tf.float64))),
        "foldl": v1.foldl(lambda a, v: a * 2.0 - v, x),
        "foldr": v1.foldr(lambda a, v: a * 2.0 - v, x),
        "foldl_init": v1.foldl(lambda a, v: a + tf.reduce_sum(v), x, initializer=tf.constant(0.5, tf.float64)),
    }
    out = sess.run(cases, {x: X})
np.set_printoptions(precision=17)
for k, v in out.items():
    print(k, repr(v))
for fn in ("map_fn", "scan", "foldl"):
    for bad in (tf.constant(1.0),):
        try:
            getattr(v1, fn)(lambda *a: a[-1], bad)
        except Exception as e:
            print(fn, type(e).__name__, e)
try:
    v1.scan(lambda a, v: (a, a), tf.ones([3]), initializer=tf.constant(0.0))
except Exception as e:
    print("scan mismatch", type(e).__name__, str(e)[:200])


# the classic-style program of tests/compat/test_compat_functional_programs.py
def classic_program(tf1):
    """Per-example standardization by map_fn, a simple RNN by scan over time, the total by foldl."""
    batch = tf1.placeholder(tf.float32, [None, 4], name="batch")
    standardized = tf1.map_fn(lambda ex: (ex - tf1.reduce_mean(ex)) / (tf1.sqrt(tf1.reduce_mean(
        tf1.square(ex - tf1.reduce_mean(ex)))) + 1e-6), batch)
    inputs = tf1.placeholder(tf.float32, [None, 2, 3], name="inputs")   # [time, batch, depth]
    w = tf1.constant(np.linspace(-0.5, 0.5, 12).reshape(3, 4), tf.float32)
    u = tf1.constant(np.linspace(0.3, -0.3, 16).reshape(4, 4), tf.float32)
    states = tf1.scan(lambda h, x_t: tf1.tanh(tf1.matmul(x_t, w) + tf1.matmul(h, u)), inputs,
                      initializer=tf1.zeros([2, 4]))
    total = tf1.foldl(lambda acc, h: acc + tf1.reduce_sum(h), states, initializer=tf1.constant(0.0))
    grad = tf1.gradients(total, inputs)[0]
    b = np.array([[1, 2, 3, 4], [2, 2, 2, 6], [-1, 0, 1, 0]], np.float32)
    seq = np.sin(np.arange(30, dtype=np.float32)).reshape(5, 2, 3)
    with tf1.Session() as sess:
        return sess.run([standardized, states, total, grad], {batch: b, inputs: seq})


if __name__ == "__main__":
    print("classic", [repr(np.round(v, 6)) for v in classic_program(v1)])
