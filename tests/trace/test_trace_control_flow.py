"""Stepping through control flow: the taken branch's ops (the other branch listed as skipped),
the loop body once per iteration with its label, and the loop's gradient backwards."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.trace import step_through

pytestmark = pytest.mark.usefixtures("fresh_graph")


def test_cond_steps_the_taken_branch_and_lists_the_other_as_skipped():
    x = tf.placeholder(tf.float32, [], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    y = tf.cond(p, lambda: tf.square(x, name="sq"), lambda: tf.negative(x, name="neg"))
    with tf.Session() as sess:
        trace = step_through(sess, y, {x: 3.0, p: False})
        names = [s.name for s in trace]
        assert "cond/neg" in names and "cond/sq" not in names
        assert [s.name for s in trace.skipped] == ["cond/sq"]
        assert trace.skipped[0].where == "cond: true branch"
        neg = next(s for s in trace if s.name == "cond/neg")
        assert neg.where == "cond: false branch" and neg.output == -3.0
        assert neg.explain().startswith("[cond: false branch] cond/neg")
        assert trace.result == -3.0 == sess.run(y, {x: 3.0, p: False})


def test_while_steps_each_iteration_forward_and_backward():
    x = tf.placeholder(tf.float32, [], name="x")
    _, p = tf.while_loop(lambda i, p: i < 3, lambda i, p: (i + 1, p * x), [0, 1.0])
    g = tf.gradients(p, x)[0]
    with tf.Session() as sess:
        trace = step_through(sess, [p, g], {x: 2.0})
        muls = [s for s in trace if s.name == "while/mul"]
        assert [s.where for s in muls] == [f"while: iteration {i}" for i in (1, 2, 3)]
        assert [float(s.output) for s in muls] == [2.0, 4.0, 8.0]
        assert all(s.phase == "forward" for s in muls)
        back = [s for s in trace if s.phase == "backward" and s.frame]
        assert [s.where for s in back][0] == "while: backward iteration 3"
        assert {s.where for s in back} == {f"while: backward iteration {i}" for i in (1, 2, 3)}
        assert trace.result == [8.0, 12.0]


def test_stepping_through_a_loop_changes_nothing():
    v = tf.Variable(1.0, name="v")
    out = tf.while_loop(lambda i: i < 2, lambda i: i + 1, [0])
    step = tf.assign_add(v, tf.cast(out, tf.float32))
    with tf.Session() as sess:
        sess.run(v.initializer)
        trace = step_through(sess, step)
        assert sess.run(v) == 1.0            # traced, then restored
        trace.last()
        assert sess.run(v) == 3.0            # moving past the update writes it
        np.testing.assert_equal(trace.result, 3.0)
