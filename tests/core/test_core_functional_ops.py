"""tf.map_fn, tf.scan, tf.foldl, tf.foldr: TF1's values, structures and errors, the element
count known only at run time, and gradients through the while loop they build.

Reference values: ``tools/tf_reference/functional_ops_reference.py`` runs the same calls under
``tensorflow.compat.v1`` (TF 2.21, graph mode) on ``X`` below and prints the results pasted here.
"""
import numpy as np
import pytest

import teachflow as tf
from teachflow.testing import check_gradients, numeric_gradient, relative_error

pytestmark = pytest.mark.usefixtures("fresh_graph")

X = np.arange(12, dtype=np.float64).reshape(4, 3) / 4.0 - 1.0

# from tools/tf_reference/functional_ops_reference.py (TensorFlow's TF1 API)
REF = {
    "map_square_sum": [1.8125, 0.125, 1.8125, 6.875],
    "map_tuple_dtype": ([[-2.0, -1.5, -1.0], [-0.5, 0.0, 0.5], [1.0, 1.5, 2.0], [2.5, 3.0, 3.5]],
                        [0, 0, 1, 1]),
    "scan_cumsum": [[-1.0, -0.75, -0.5], [-1.25, -0.75, -0.25], [-0.75, 0.0, 0.75], [0.5, 1.5, 2.5]],
    "scan_init_reverse": [[-0.78125, -0.3125, 0.15625], [0.4375, 0.875, 1.3125],
                          [1.375, 1.75, 2.125], [1.75, 2.0, 2.25]],
    "scan_noinit_reverse": [[-0.84375, -0.375, 0.09375], [0.3125, 0.75, 1.1875],
                            [1.125, 1.5, 1.875], [1.25, 1.5, 1.75]],
    "scan_nested": ([[-1.0, -0.75, -0.5], [-1.25, -0.75, -0.25], [-0.75, 0.0, 0.75], [0.5, 1.5, 2.5]],
                    [2.0, 4.0, 8.0, 16.0]),
    "foldl": [-9.25, -9.0, -8.75],
    "foldr": [9.5, 9.75, 10.0],
    "foldl_init": 5.0,
}


def build_cases(x):
    """The calls of the reference script, on ``x`` ([n, 3] float64)."""
    return {
        "map_square_sum": tf.map_fn(lambda r: tf.reduce_sum(r * r), x),
        "map_tuple_dtype": tf.map_fn(lambda p: (p[0] * 2.0, tf.cast(tf.reduce_sum(p[1]) > 0, tf.int32)),
                                     (x, x[:, :2]), dtype=(tf.float64, tf.int32)),
        "scan_cumsum": tf.scan(lambda a, v: a + v, x),
        "scan_init_reverse": tf.scan(lambda a, v: a * 0.5 + v, x, initializer=tf.ones([3], tf.float64),
                                     reverse=True),
        "scan_noinit_reverse": tf.scan(lambda a, v: a * 0.5 + v, x, reverse=True),
        "scan_nested": tf.scan(lambda a, v: (a[0] + v, a[1] * 2.0), x,
                               initializer=(tf.zeros([3], tf.float64), tf.constant(1.0, tf.float64))),
        "foldl": tf.foldl(lambda a, v: a * 2.0 - v, x),
        "foldr": tf.foldr(lambda a, v: a * 2.0 - v, x),
        "foldl_init": tf.foldl(lambda a, v: a + tf.reduce_sum(v), x,
                               initializer=tf.constant(0.5, tf.float64)),
    }


@pytest.mark.parametrize("rows", [4, None])
def test_values_match_tensorflow_with_static_or_run_time_length(rows):
    x = tf.placeholder(tf.float64, [rows, 3])
    cases = build_cases(x)
    with tf.Session() as sess:
        out = sess.run(cases, {x: X})
    for key, want in REF.items():
        got = out[key]
        if isinstance(want, tuple):
            assert isinstance(got, tuple) and len(got) == len(want), key
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, err_msg=key)
        else:
            np.testing.assert_allclose(got, want, err_msg=key)
    assert out["map_tuple_dtype"][1].dtype == np.int32


def test_static_shapes_as_tf1():
    x = tf.placeholder(tf.float32, [4, 3])
    assert tf.map_fn(lambda r: tf.reduce_sum(r), x).shape.as_list() == [4]
    assert tf.scan(lambda a, r: a + r, x).shape.as_list() == [4, 3]
    assert tf.foldl(lambda a, r: a + r, x).shape.as_list() == [3]
    y = tf.placeholder(tf.float32, [None, 3])
    assert tf.map_fn(lambda r: r * 2, y).shape.as_list() == [None, 3]
    z = tf.placeholder(tf.float32, [5, None])
    assert tf.map_fn(lambda r: r * 2, z).shape.as_list() == [5, None]


def test_no_elements_gives_empty_results_of_the_row_shape():
    x = tf.placeholder(tf.float32, [None, 3])
    m = tf.map_fn(lambda r: r * 2, x)
    s = tf.scan(lambda a, r: a + r, x, initializer=tf.zeros([3]))
    f = tf.foldl(lambda a, r: a + r, x, initializer=tf.ones([3]))
    with tf.Session() as sess:
        mv, sv, fv = sess.run([m, s, f], {x: np.zeros((0, 3))})
    assert mv.shape == (0, 3) and sv.shape == (0, 3)
    np.testing.assert_allclose(fv, [1, 1, 1])


def test_map_fn_nested_output_structure_and_list_elems():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.constant([10, 20])
    out = tf.map_fn(lambda p: [p[0] * 2.0, (p[1] + 1, tf.reduce_sum(p[0]))], [a, b],
                    dtype=[tf.float32, (tf.int32, tf.float32)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    with tf.Session() as sess:
        doubled, (plus, sums) = sess.run(out)
    np.testing.assert_allclose(doubled, [[2, 4], [6, 8]])
    assert plus.tolist() == [11, 21]
    np.testing.assert_allclose(sums, [3, 7])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="elems must be a 1\\+ dimensional Tensor, not a scalar"):
        tf.map_fn(lambda v: v, tf.constant(1.0))
    with pytest.raises(ValueError, match="elements in elems must be 1\\+ dimensional Tensors"):
        tf.scan(lambda a, v: a, (tf.ones([2]), tf.constant(1.0)))
    with pytest.raises(ValueError, match="elems must be a 1\\+ dimensional"):
        tf.foldl(lambda a, v: a, tf.constant(1.0))
    with pytest.raises(TypeError, match="fn must be callable"):
        tf.foldr(3, tf.ones([2]))
    with pytest.raises(ValueError, match="same first dimension"):
        tf.map_fn(lambda p: p[0], (tf.ones([3]), tf.ones([2])), dtype=tf.float32)
    with pytest.raises(ValueError, match="same nested structure: the initializer is tensor but fn "
                                         "returned \\(tensor, tensor\\)"):
        tf.scan(lambda a, v: (a, a), tf.ones([3]), initializer=tf.constant(0.0))
    with pytest.raises(ValueError, match="same nested structure: elems is \\(tensor, tensor\\)"):
        tf.map_fn(lambda p: p[0] + p[1], (tf.ones([3]), tf.ones([3])))
    with pytest.raises(TypeError, match="is int32 but float32 was expected.*dtype="):
        tf.map_fn(lambda v: tf.cast(v, tf.int32), tf.ones([2]))
    with pytest.raises(ValueError, match="same nested structure"):
        tf.foldl(lambda a, v: (a, v), tf.ones([3]), initializer=tf.constant(0.0))


def test_map_fn_gradient_with_captured_weights():
    def build(x, w):
        return tf.map_fn(lambda r: tf.tanh(tf.reduce_sum(r * w)) * r, x)
    rng = np.random.default_rng(0)
    assert check_gradients(build, [rng.standard_normal((4, 3)), rng.standard_normal(3)]) < 1e-6


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("with_init", [False, True])
def test_scan_gradient(reverse, with_init):
    def build(x, h0):
        init = h0 if with_init else None
        return tf.scan(lambda h, v: tf.sin(h) * v + h, x, initializer=init, reverse=reverse)
    rng = np.random.default_rng(1)
    assert check_gradients(build, [rng.standard_normal((4, 3)), rng.standard_normal(3)],
                           wrt=[0, 1] if with_init else [0]) < 1e-6


@pytest.mark.parametrize("fold", ["foldl", "foldr"])
def test_fold_gradients_with_and_without_initializer(fold):
    f = getattr(tf, fold)
    rng = np.random.default_rng(2)
    assert check_gradients(lambda x: f(lambda a, v: a * v + tf.square(v), x),
                           [rng.standard_normal((5, 2))]) < 1e-6
    assert check_gradients(lambda x, a0: f(lambda a, v: tf.tanh(a * v), x, initializer=a0),
                           [rng.standard_normal((5, 2)), rng.standard_normal(2)]) < 1e-6


def test_gradient_when_the_length_is_known_only_at_run_time():
    x = tf.placeholder(tf.float64, [None, 3])
    w = tf.constant([0.5, -1.0, 2.0], tf.float64)
    states = tf.scan(lambda h, v: tf.tanh(h * w + v), x)
    loss = tf.reduce_sum(tf.map_fn(lambda s: tf.reduce_sum(s * s), states))
    g = tf.gradients(loss, x)[0]
    value = np.random.default_rng(3).standard_normal((6, 3))
    with tf.Session() as sess:
        assert relative_error(sess.run(g, {x: value}), numeric_gradient(sess, loss, x, {}, value)) < 1e-6


def test_training_through_scan_reduces_the_loss():
    """A variable read inside scan's function gets gradients and is trained by an optimizer."""
    w = tf.Variable(0.1, dtype=tf.float64)
    x = tf.constant(X)
    out = tf.scan(lambda h, v: h * w + v, x, initializer=tf.zeros([3], tf.float64))
    loss = tf.reduce_mean(tf.square(out[-1] - 1.0))
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss)
        for _ in range(20):
            sess.run(train)
        assert sess.run(loss) < 0.5 * before


def test_step_through_and_drawing_show_map_fn_as_its_while_loop():
    """The loop map_fn builds is an ordinary while loop: the step-through runs fn's ops once per
    element with the iteration's label, and the drawing boxes it inside the map's name scope."""
    from teachflow.trace import step_through
    from teachflow.viz import draw
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.map_fn(lambda r: tf.reduce_sum(r * r, name="sq_sum"), x, parallel_iterations=None,
                  name="rowsq")
    with tf.Session() as sess:
        trace = step_through(sess, y, {x: [[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]]})
    sums = [s for s in trace if s.name.endswith("sq_sum")]
    assert [s.where for s in sums] == [f"rowsq/while: iteration {i}" for i in (1, 2, 3)]
    assert [float(s.output) for s in sums] == [5.0, 25.0, 1.0]
    np.testing.assert_allclose(trace.result, [5.0, 25.0, 1.0])
    src = draw(y).source
    assert 'subgraph "cluster-rowsq/while/_x7e_body"' in src


def test_scan_output_of_another_dtype_is_a_clear_error():
    with pytest.raises(TypeError, match="scan: output 0 of fn .* is int32 but float32 was expected; "
                                        "fn must return the dtypes of the initializer"):
        tf.scan(lambda a, v: tf.cast(v, tf.int32), tf.ones([3]), initializer=tf.constant(0.0))
