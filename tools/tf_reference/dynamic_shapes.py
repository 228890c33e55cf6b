"""Print TF1's static shapes for shapes given as tensors (a dev script, not a test).

Run with TensorFlow installed (never a teachflow dependency):
    /work/venvs/tf/bin/python tools/tf_reference/dynamic_shapes.py
The expressions are those of ``STATIC`` and ``test_tile_and_range_take_tensors`` in
``tests/core/test_core_dynamic_shapes.py``; the printed lists are what they expect (None for an
unknown rank).
"""
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()

EXPRESSIONS = [
    "tf.reshape(x, [n, 4])", "tf.reshape(x, [n, -1])", "tf.reshape(x, [n, n])",
    "tf.reshape(y, [n, -1])", "tf.reshape(y, tf.shape(y))", "tf.reshape(x, sp)", "tf.reshape(x, su)",
    "tf.reshape(y, tf.concat([[-1], tf.shape(y)[1:]], 0))",
    "tf.reshape(x, tf.shape(tf.zeros([3, 8])))",
    "tf.random_normal(tf.shape(y))", "tf.random_normal(tf.stack([tf.shape(y)[0], 10]))",
    "tf.random_uniform([tf.shape(y)[0], 2])", "tf.truncated_normal(tf.shape(x))",
    "tf.random_normal(su)", "tf.zeros(tf.shape(y)[1:])", "tf.ones([tf.shape(y)[0], 3])",
    "tf.fill(sp, 1.0)",
    # test_tile_and_range_take_tensors
    "tf.tile(tf.expand_dims(tf.constant([1., 2., 3., 4., 5.]), 0), [tf.shape(y)[0], 1])",
    "tf.tile(y, [n, 2])", "tf.tile(x, tf.shape(x))", "tf.range(tf.shape(y)[0])",
    "tf.range(tf.shape(x)[0])", "tf.range(0., tf.cast(n, tf.float32), 0.5)", "tf.range(2, n)",
]


def main():
    names = dict(x=tf1.placeholder(tf.float32, [6, 4]), y=tf1.placeholder(tf.float32, [None, 5]),
                 n=tf1.placeholder(tf.int32, []), sp=tf1.placeholder(tf.int32, [2]),
                 su=tf1.placeholder(tf.int32, [None]))
    for expr in EXPRESSIONS:
        shape = eval(expr, {"tf": tf1}, names).shape
        print(f"{expr:60s} {None if shape.rank is None else shape.as_list()}")


if __name__ == "__main__":
    main()
