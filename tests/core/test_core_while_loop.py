"""tf.while_loop: TF1's structures and errors, the body run per iteration by the plan, and
gradients through the loop checked against central differences."""
import collections

import numpy as np
import pytest

import teachflow as tf
from teachflow.testing import check_gradients, numeric_gradient, relative_error

pytestmark = pytest.mark.usefixtures("fresh_graph")


def power(x, n):
    """x**n by a loop of n multiplications."""
    _, p = tf.while_loop(lambda i, p: i < n, lambda i, p: (i + 1, p * x),
                         [tf.constant(0), tf.ones_like(x)])
    return p


def test_power_values_and_iterations():
    x = tf.placeholder(tf.float32, [3])
    i, p = tf.while_loop(lambda i, p: i < 4, lambda i, p: (i + 1, p * x), [0, tf.ones([3])])
    with tf.Session() as sess:
        iv, pv = sess.run([i, p], {x: [1.0, 2.0, -3.0]})
    assert iv == 4
    np.testing.assert_allclose(pv, [1.0, 16.0, 81.0])


def test_power_gradient_matches_central_differences():
    err = check_gradients(lambda x: power(x, 5), [np.array([0.7, -1.3, 2.0])], tol=1e-6)
    assert err < 1e-6


def test_gradient_through_matrix_recurrence_and_captured_weights():
    """h <- tanh(h·W + b) four times: gradients for the initial h and the captured W, b."""
    def build(h0, w, b):
        _, h = tf.while_loop(lambda i, h: i < 4, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + b)),
                             [tf.constant(0), h0])
        return h
    rng = np.random.default_rng(3)
    err = check_gradients(build, [rng.standard_normal((2, 3)), 0.5 * rng.standard_normal((3, 3)),
                                  rng.standard_normal(3)], tol=1e-6)
    assert err < 1e-6


def test_captured_variable_gradient_and_minimize():
    w = tf.Variable(1.5, dtype=tf.float64, name="w")
    _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w + 1.0),
                         [tf.constant(0), tf.constant(0.5, tf.float64)])
    loss = tf.square(y - 2.0)
    g = tf.gradients(loss, w)[0]
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        num = numeric_gradient(sess, loss, w)
        assert relative_error(sess.run(g), num) < 1e-7
        before = sess.run(loss)
        for _ in range(5):
            sess.run(train)
        assert sess.run(loss) < before


def test_nested_loops_gradient():
    """x**(2·3) by a loop of 2 inside a loop of 3."""
    def build(x):
        def outer(j, acc):
            _, p = tf.while_loop(lambda i, p: i < 2, lambda i, p: (i + 1, p * x), [0, acc])
            return j + 1, p
        return tf.while_loop(lambda j, acc: j < 3, outer, [0, tf.ones_like(x)])[1]
    x = np.array([1.1, -0.8])
    check_gradients(build, [x], tol=1e-6)
    tf.reset_default_graph()
    xt = tf.constant(x)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(build(xt)), x ** 6)


def test_maximum_iterations_and_zero_iterations():
    x = tf.placeholder(tf.float64, [])
    n = tf.placeholder(tf.int32, [])
    _, p = tf.while_loop(lambda i, p: i < n, lambda i, p: (i + 1, p * x), [0, tf.constant(1.0, tf.float64)],
                         maximum_iterations=3)
    g = tf.gradients(p, x)[0]
    with tf.Session() as sess:
        assert sess.run(p, {x: 2.0, n: 10}) == 8.0      # stopped after 3
        assert sess.run(p, {x: 2.0, n: 2}) == 4.0
        assert sess.run([p, g], {x: 2.0, n: 0}) == [1.0, 0.0]  # no iteration: x has no effect
        assert sess.run(g, {x: 2.0, n: 10}) == 12.0


def test_back_prop_false_stops_the_gradient():
    x = tf.placeholder(tf.float32, [])
    _, p = tf.while_loop(lambda i, p: i < 2, lambda i, p: (i + 1, p * x), [0, 1.0], back_prop=False)
    assert tf.gradients(p, x) == [None]


def test_body_runs_stateful_ops_each_iteration():
    counter = tf.Variable(0, name="counter")

    def body(i):
        with tf.control_dependencies([tf.assign_add(counter, 1)]):
            return i + 1
    out = tf.while_loop(lambda i: i < 5, body, [tf.constant(0)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(out) == 5
        assert sess.run(counter) == 5


def test_structures_single_nested_and_namedtuple():
    Pair = collections.namedtuple("Pair", "a b")
    one = tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])
    assert isinstance(one, tf.Tensor)
    nested = tf.while_loop(lambda i, s: i < 3,
                           lambda i, s: (i + 1, Pair(s.a + 1.0, [s.b[0] * 2.0])),
                           [0, Pair(tf.constant(0.0), [tf.constant(1.0)])])
    assert isinstance(nested[1], Pair) and isinstance(nested[1].b, list)
    with tf.Session() as sess:
        assert sess.run(one) == 3
        assert sess.run([nested[1].a, nested[1].b[0]]) == [3.0, 8.0]


def test_loop_invariant_tensor_computed_once_outside():
    x = tf.placeholder(tf.float32, [])
    big = tf.exp(x, name="outside")
    out = tf.while_loop(lambda v: v < 100.0, lambda v: v * big, [1.0])
    with tf.Session() as sess:
        plan = sess.plan(out, {x: 1.0})
        assert big.op in plan.ops          # computed by the outer plan, once
        assert sess.run(out, {x: 1.0}) == pytest.approx(np.e ** 5)


def test_body_changing_structure_dtype_or_shape_is_an_error():
    with pytest.raises(ValueError, match="same nested structure"):
        tf.while_loop(lambda i, x: i < 2, lambda i, x: (i + 1,), [0, 1.0])
    with pytest.raises(TypeError, match="enters the loop as float32 but the body returns int32"):
        tf.while_loop(lambda x: x < 2.0, lambda x: tf.cast(x, tf.int32), [1.0])
    with pytest.raises(ValueError, match="shape_invariants"):
        tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.concat([v, v], 0)), [0, tf.ones([1])])
    with pytest.raises(ValueError, match="boolean scalar"):
        tf.while_loop(lambda x: x, lambda x: x, [1.0])
    with pytest.raises(TypeError, match="body must be callable"):
        tf.while_loop(lambda x: x < 1.0, None, [1.0])


def test_shape_invariants_let_a_shape_grow():
    _, v = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.concat([v, v], 0)),
                         [0, tf.ones([1])], shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])
    assert v.shape.as_list() == [None]
    with tf.Session() as sess:
        assert sess.run(v).shape == (8,)


def test_values_made_inside_the_body_stay_inside():
    inner = []

    def body(v):
        inner.append(v * 2.0)
        return inner[-1]
    out = tf.while_loop(lambda v: v < 10.0, body, [1.0])
    with pytest.raises(ValueError, match="made inside the body of a tf.while_loop"):
        inner[0] + 1.0
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="belongs to the body of a tf.while_loop"):
            sess.run(inner[0])
        assert sess.run(out) == 16.0


def test_variables_made_in_the_body_live_outside():
    def body(i, h):
        w = tf.get_variable("w", [], initializer=tf.constant_initializer(2.0))
        return i + 1, h * w
    _, h = tf.while_loop(lambda i, h: i < 3, body, [0, 1.0])
    w = tf.global_variables()[0]
    assert w.op.context is None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(h) == 8.0


def test_inner_loop_reading_the_outer_loop_variable_gradient():
    def build(x):
        def outer(j, v):
            _, p = tf.while_loop(lambda i, p: i < 2, lambda i, p: (i + 1, p * v + tf.sin(x)),
                                 [0, tf.ones_like(v)])
            return j + 1, p * 0.5
        return tf.while_loop(lambda j, v: j < 3, outer, [0, x])[1]
    check_gradients(build, [np.array([0.3, -0.7])], tol=1e-6)


def test_plan_source_shows_the_condition_and_the_body():
    x = tf.placeholder(tf.float32, [], name="x")
    out = tf.while_loop(lambda v: v < 10.0, lambda v: v * x, [1.0], name="grow")
    with tf.Session() as sess:
        src = sess.plan_source(out, {x: 2.0})
    main, cond, body = src.split("\n\n")
    assert "# grow (While)" in main and "Less" not in main and "Mul" not in main
    assert cond.startswith("# k1: grow (While) runs its loop condition:\ndef plan(feeds):")
    assert "# grow/Less (Less)" in cond
    assert body.startswith("# k1: grow (While) runs its loop body:") and "# grow/mul (Mul)" in body
