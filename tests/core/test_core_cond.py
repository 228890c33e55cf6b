"""tf.cond and tf.case: only the taken branch runs, TF1's structures and errors, gradients
through the taken branch checked against central differences."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.testing import check_gradients

pytestmark = pytest.mark.usefixtures("fresh_graph")


def piecewise(x):
    """x² for x > 0, else 3·sin-free linear 3x - 1 (a piecewise function by cond)."""
    return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.square(x), lambda: 3.0 * x - 1.0)


def test_only_the_taken_branch_runs():
    p = tf.placeholder(tf.bool, [])
    taken = tf.Variable(0, name="taken")
    skipped = tf.Variable(0, name="skipped")
    out = tf.cond(p, lambda: tf.assign_add(taken, 1), lambda: tf.assign_add(skipped, 10))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(out, {p: True}) == 1
        assert sess.run(out, {p: True}) == 2
        assert sess.run([taken, skipped]) == [2, 0]      # the false branch's assign never ran
        assert sess.run(out, {p: False}) == 10
        assert sess.run([taken, skipped]) == [2, 10]


def test_branch_ops_are_not_in_the_outer_plan():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [])
    out = tf.cond(p, lambda: tf.exp(x, name="e"), lambda: tf.negative(x, name="n"))
    with tf.Session() as sess:
        plan = sess.plan(out, {p: True, x: 1.0})
        assert [op.type for op in plan.ops] == ["Cond"]   # the fed placeholders are not run
        assert "Exp" not in plan.source and "Neg" not in plan.source
        assert sess.run(out, {p: True, x: 0.0}) == 1.0
        assert sess.run(out, {p: False, x: 2.0}) == -2.0


@pytest.mark.parametrize("x", [np.array([0.5, 1.2]), np.array([-0.5, -1.2])])
def test_piecewise_gradient_follows_the_taken_branch(x):
    check_gradients(piecewise, [x], tol=1e-6)


def test_gradient_is_zero_for_a_tensor_only_the_other_branch_uses():
    a = tf.placeholder(tf.float32, [])
    b = tf.placeholder(tf.float32, [])
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: a * a, lambda: 5.0 * b)
    ga, gb = tf.gradients(y, [a, b])
    with tf.Session() as sess:
        assert sess.run([ga, gb], {a: 3.0, b: 1.0, p: True}) == [6.0, 0.0]
        assert sess.run([ga, gb], {a: 3.0, b: 1.0, p: False}) == [0.0, 5.0]


def test_nested_structures_and_strict():
    p = tf.constant(False)
    out = tf.cond(p, lambda: (tf.constant(1.0), [tf.constant(2)]), lambda: (3.0, [4]))
    single = tf.cond(p, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)])
    kept = tf.cond(p, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)], strict=True)
    assert isinstance(out, tuple) and isinstance(out[1], list)
    assert isinstance(single, tf.Tensor) and isinstance(kept, list)
    with tf.Session() as sess:
        assert sess.run(out) == (3.0, [4])
        assert sess.run(single) == 2.0


def test_branches_must_agree():
    p = tf.placeholder(tf.bool, [])
    with pytest.raises(ValueError, match=r"same structure: true_fn returned \(tensor, tensor\), "
                                         r"false_fn returned tensor"):
        tf.cond(p, lambda: (tf.constant(1.0), tf.constant(2.0)), lambda: tf.constant(1.0))
    with pytest.raises(ValueError, match="same type: output 0 is float32 .* but int32"):
        tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(1))
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        tf.cond(True, lambda: 1.0, lambda: 2.0)
    with pytest.raises(ValueError, match="boolean scalar"):
        tf.cond(tf.constant([True, False]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="false_fn must be callable"):
        tf.cond(p, lambda: 1.0, 2.0)


def test_cond_inside_while_gradient():
    """A Collatz-like step: halve when above 1, else add 0.5·x², for four iterations."""
    def build(x):
        def body(i, v):
            return i + 1, tf.cond(tf.reduce_sum(v) > 1.0, lambda: 0.5 * v, lambda: v + 0.5 * v * v)
        return tf.while_loop(lambda i, v: i < 4, body, [0, x])[1]
    check_gradients(build, [np.array([3.0, 0.4])], tol=1e-6)
    check_gradients(build, [np.array([0.2, 0.1])], tol=1e-6)


def test_while_inside_cond_gradient():
    def build(x):
        return tf.cond(tf.reduce_sum(x) > 0,
                       lambda: tf.while_loop(lambda i, p: i < 3, lambda i, p: (i + 1, p * x), [0, x])[1],
                       lambda: -x)
    check_gradients(build, [np.array([0.9, 1.4])], tol=1e-6)


def test_training_by_a_cond_on_a_variable():
    w = tf.Variable(2.0, name="w")
    p = tf.placeholder(tf.bool, [])
    loss = tf.cond(p, lambda: tf.square(w - 1.0), lambda: tf.abs(w))
    train = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {p: True})          # w - 0.25·2(w - 1) = 1.5
        assert sess.run(w) == 1.5
        sess.run(train, {p: False})         # w - 0.25·sign(w) = 1.25
        assert sess.run(w) == 1.25


def test_case_order_default_and_exclusive():
    x = tf.placeholder(tf.int32, [])
    out = tf.case([(x < 0, lambda: tf.constant(-1)), (x < 10, lambda: tf.constant(1))],
                  default=lambda: tf.constant(100))
    no_default = tf.case([(x < 0, lambda: tf.constant(-1)), (x < 10, lambda: tf.constant(1))])
    both = tf.case([(x < 5, lambda: tf.constant(5)), (x < 10, lambda: tf.constant(10))],
                   default=lambda: tf.constant(0), exclusive=True)
    with tf.Session() as sess:
        assert [sess.run(out, {x: v}) for v in (-3, 3, 30)] == [-1, 1, 100]
        assert [sess.run(no_default, {x: v}) for v in (-3, 3, 30)] == [-1, 1, 1]  # last fn = default
        assert sess.run(both, {x: 7}) == 10
        with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive=True: more than 1 conditions"):
            sess.run(both, {x: 1})


def test_case_dict_is_ordered_by_predicate_name():
    x = tf.placeholder(tf.int32, [])
    b = tf.less(x, 10, name="b_small")
    a = tf.less(x, 5, name="a_smaller")
    out = tf.case({b: lambda: tf.constant(10), a: lambda: tf.constant(5)}, default=lambda: tf.constant(0))
    with tf.Session() as sess:
        assert sess.run(out, {x: 1}) == 5   # a_smaller is tested first, as TF1 sorts by name
    with pytest.raises(TypeError, match="2-tuple"):
        tf.case([x < 1], default=lambda: 1)


def test_a_branch_may_return_an_outer_tensor_unchanged():
    """TF1's classic "loss = cond(training, lambda: mse + penalty, lambda: mse)"."""
    x = tf.placeholder(tf.float32, [None, 2])
    w = tf.Variable([[1.0], [2.0]])
    p = tf.placeholder(tf.bool, [])
    mse = tf.reduce_mean(tf.square(tf.matmul(x, w)))
    loss = tf.cond(p, lambda: mse + tf.reduce_sum(tf.square(w)), lambda: mse)
    gw = tf.gradients(loss, w)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: [[1.0, 1.0]]}
        np.testing.assert_allclose(sess.run(gw, {**feed, p: False}), [[6.0], [6.0]])
        np.testing.assert_allclose(sess.run(gw, {**feed, p: True}), [[8.0], [10.0]])
    flag = tf.placeholder(tf.bool, [])
    out = tf.while_loop(lambda v: tf.logical_and(flag, v < 5.0), lambda v: v + 1.0, [0.0])
    with tf.Session() as sess:
        assert sess.run(out, {flag: True}) == 5.0 and sess.run(out, {flag: False}) == 0.0


def test_branches_returning_ops_give_the_cond_op():
    """TF1's "tf.cond(is_training, lambda: train_op, lambda: tf.no_op())"."""
    w = tf.Variable(1.0)
    p = tf.placeholder(tf.bool, [])
    step = tf.cond(p, lambda: tf.assign_add(w, 1.0).op, lambda: tf.no_op())
    assert isinstance(step, tf.Operation) and step.type == "Cond"
    with tf.Session() as sess:
        sess.run(w.initializer)
        sess.run(step, {p: True})
        sess.run(step, {p: False})
        assert sess.run(w) == 2.0
    with pytest.raises(ValueError, match=r"true_fn returned operation, false_fn returned tensor"):
        tf.cond(p, lambda: tf.no_op(), lambda: tf.constant(1.0))


@pytest.mark.parametrize("sx,sy", [(1, 1), (1, -1), (-1, 1), (-1, -1)])
def test_nested_conds_gradient_in_each_of_four_paths(sx, sy):
    def build(x, y):
        return tf.cond(tf.reduce_sum(x) > 0,
                       lambda: tf.cond(tf.reduce_sum(y) > 0, lambda: x * y, lambda: x + y * y),
                       lambda: tf.cond(tf.reduce_sum(y) > 0, lambda: tf.exp(x), lambda: y * 3.0))
    check_gradients(build, [np.array([0.5, 0.2]) * sx, np.array([0.4, 0.3]) * sy], tol=1e-6)


def test_a_value_from_one_branch_cannot_be_used_in_another():
    p = tf.placeholder(tf.bool, [])
    leaked = []
    tf.cond(p, lambda: leaked.append(tf.constant(1.0, name="inner")) or leaked[0], lambda: 2.0)
    with pytest.raises(ValueError, match=r"'cond/inner:0' as an input of 'cond_1/add'.*the true branch"):
        tf.cond(p, lambda: tf.add(leaked[0], 1.0, name="add"), lambda: 2.0)
    with pytest.raises(ValueError, match=r"'cond/inner:0' as a result of the false branch"):
        tf.cond(p, lambda: 1.0, lambda: leaked[0])
