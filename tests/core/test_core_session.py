"""Session.run: fetch structures, feeds, variables, plans, seeds, and the fault cases."""
import collections

import numpy as np
import pytest

import teachflow as tf


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def tiny():
    x = tf.placeholder(tf.float32, [None], name="x")
    w = tf.Variable(3.0, name="w")
    return x, w, x * w + 1


def test_fetch_structures():
    x, w, y = tiny()
    Pair = collections.namedtuple("Pair", "a b")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        feed = {x: [1.0, 2.0]}
        np.testing.assert_allclose(s.run(y, feed), [4.0, 7.0])
        out = s.run({"y": y, "w": [w, (w,)], "p": Pair(y, w)}, feed)
        assert isinstance(out["w"], list) and isinstance(out["w"][1], tuple)
        assert out["p"].b == 3.0 and isinstance(out["p"], Pair)
        assert s.run(tf.global_variables_initializer()) is None
        assert s.run("w:0") == 3.0
        assert s.run(w).dtype == np.float32


def test_feeds_override_any_tensor_including_variables():
    x, w, y = tiny()
    with tf.Session() as s:
        s.run(w.initializer)
        np.testing.assert_allclose(s.run(y, {x: [1.0], w: 10.0}), [11.0])
        assert s.run(w) == 3.0  # feeding does not assign
        mid = x * w
        np.testing.assert_allclose(s.run(mid + 1, {mid: [5.0]}), [6.0])  # x need not be fed


def test_unfed_placeholder_and_wrong_shapes_are_named():
    x, w, y = tiny()
    with tf.Session() as s:
        s.run(w.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError, match="placeholder tensor 'x'"):
            s.run(y)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[2,1\].*'x:0'.*\[\?\]"):
            s.run(y, {x: [[1.0], [2.0]]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="could not be converted"):
            s.run(y, {x: ["a", "b"]})


def test_uninitialized_variable_is_named():
    x, w, y = tiny()
    with tf.Session() as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value w"):
            s.run(y, {x: [1.0]})


def test_closed_session_says_so():
    x, w, y = tiny()
    s = tf.Session()
    s.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        s.run(w.initializer)


def test_two_sessions_are_independent():
    x, w, y = tiny()
    inc = w.assign_add(1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(w.initializer)
    s2.run(w.initializer)
    s1.run(inc)
    s1.run(inc)
    assert (s1.run(w), s2.run(w)) == (5.0, 3.0)


def test_assign_ops_and_control_dependencies_order():
    v = tf.Variable(1.0)
    up = v.assign(v * 10)
    with tf.control_dependencies([up]):
        after = tf.identity(v) + 0
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(after) == 10.0
        assert s.run(v.assign_sub(4.0)) == 6.0
        assert s.run(tf.assign(v, 2.5)) == 2.5


def test_assign_copies_the_fed_value():
    v = tf.Variable(np.zeros(3, np.float32))
    p = tf.placeholder(tf.float32, [3])
    set_v = v.assign(p)
    data = np.ones(3, np.float32)
    with tf.Session() as s:
        s.run(set_v, {p: data})
        data[:] = 7
        np.testing.assert_array_equal(s.run(v), [1, 1, 1])


def test_default_session_eval_and_interactive_session():
    x, w, y = tiny()
    with tf.Session() as s:
        w.initializer.run()
        np.testing.assert_allclose(y.eval(feed_dict={x: [0.0]}), [1.0])
        assert tf.get_default_session() is s
    assert tf.get_default_session() is None
    with pytest.raises(ValueError, match="no default session"):
        w.eval()
    sess = tf.InteractiveSession()
    w.initializer.run()
    assert w.eval() == 3.0
    sess.close()
    assert tf.get_default_session() is None


def test_plans_are_compiled_once_and_pruned():
    x, w, y = tiny()
    unused = tf.placeholder(tf.float32) * 2  # not needed by y: must not be demanded
    with tf.Session() as s:
        s.run(w.initializer)
        s.run(y, {x: [1.0]})
        s.run(y, {x: [2.0]})
        assert len(s._plans) == 2  # the initializer and y: the second run of y reused its plan
        src = s.plan_source(y, {x: None})
        assert src.count(" = k") == 2 and "v" in src  # multiply, add; w is read where used
    assert unused.op.name not in src


def test_kernel_failure_names_the_op():
    a = tf.placeholder(tf.float32, [None, None], name="a")
    b = tf.placeholder(tf.float32, [None, None], name="b")
    c = tf.matmul(a, b, name="product")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="MatMul op 'product' failed"):
            s.run(c, {a: np.ones((2, 3)), b: np.ones((4, 5))})


def test_seeds_replay_exactly_and_sessions_restart_streams():
    def build():
        tf.reset_default_graph()
        tf.set_random_seed(42)
        return tf.random_normal([3]), tf.random_uniform([2], seed=7), tf.truncated_normal([1000])

    r1, u1, t1 = build()
    with tf.Session() as s:
        a1, a2 = s.run(r1), s.run(r1)
        b1, tv = s.run(u1), s.run(t1)
    assert not np.array_equal(a1, a2)  # a new draw per run
    assert np.abs(tv).max() <= 2.0
    r2, u2, _ = build()
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(r2), a1)
        np.testing.assert_array_equal(s.run(r2), a2)
        np.testing.assert_array_equal(s.run(u2), b1)
    tf.reset_default_graph()
    tf.set_random_seed(43)
    r3 = tf.random_normal([3])
    with tf.Session() as s:
        assert not np.array_equal(s.run(r3), a1)


def test_variable_initializers_use_their_seeded_values():
    tf.set_random_seed(0)
    w = tf.Variable(tf.random_normal([2, 2]))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        first = s.run(w)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(w), first)


def test_feed_value_cannot_be_a_tensor():
    x, w, y = tiny()
    with tf.Session() as s:
        with pytest.raises(TypeError, match="cannot be a tf.Tensor"):
            s.run(y, {x: y})
