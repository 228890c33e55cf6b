"""The run plan: one compiled object, two drivers (the straight-line function and steps())."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core.plan import Plan, SessionState, _comment


@pytest.fixture
def model():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(tf.random_normal([2, 1]), name="w")
    noise = tf.random_uniform([1])
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + noise), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    feed = {x: np.array([[1.0, 2.0], [3.0, -1.0]])}
    yield dict(sess=sess, x=x, w=w, loss=loss, train=train, feed=feed)
    sess.close()
    tf.reset_default_graph()


def test_run_executes_the_cached_plan(model):
    sess, feed = model["sess"], model["feed"]
    plan = sess.plan([model["loss"], model["train"]], feed)
    assert isinstance(plan, Plan)
    assert sess.plan([model["loss"], model["train"]], feed) is plan       # compiled once
    sess.run([model["loss"], model["train"]], feed)
    assert sess.plan([model["loss"], model["train"]], feed) is plan       # run used the same one
    assert sess.plan_source([model["loss"], model["train"]], feed) == plan.source
    assert [op.type for op in plan.fed_ops] == ["Placeholder"]
    assert all(op._id < b._id for op, b in zip(plan.ops, plan.ops[1:]))  # creation order


def test_steps_give_the_values_of_the_compiled_function(model):
    sess, feed, loss, w = model["sess"], model["feed"], model["loss"], model["w"]
    fetches = [loss, model["train"]]
    plan = sess.plan(fetches, feed)
    snap = sess.state.fork()
    stepped = {t: v for s in plan.steps(feed) for t, v in zip(s.op.outputs, s.outputs)}
    w_after_steps = sess.state.read(w).copy()
    sess.state.restore(snap)
    out = sess.run(fetches, feed)       # the same random draw and the same update: state restored
    np.testing.assert_array_equal(stepped[loss], out[0])
    np.testing.assert_array_equal(sess.state.read(w), w_after_steps)


def test_steps_record_writes_and_fed_placeholders(model):
    sess, feed, w = model["sess"], model["feed"], model["w"]
    before = sess.state.read(w)
    steps = list(sess.plan(model["train"], feed).steps(feed))
    assert steps[0].op.name == "x" and steps[0].inputs == []
    np.testing.assert_array_equal(steps[0].outputs[0], feed[model["x"]])
    (var, (b, a)), = [kv for s in steps for kv in s.writes.items()]
    assert var is w and b is before and a is sess.state.read(w)
    apply = next(s for s in steps if s.writes)
    assert apply.inputs[0] is before                   # a written variable shows its old value


def test_state_fork_restores_values_and_random_streams():
    tf.reset_default_graph()
    r = tf.random_normal([3], seed=7)
    v = tf.Variable(1.0)
    with tf.Session() as s:
        s.run(v.initializer)
        snap = s.state.fork()
        first = s.run(r)
        v.load(5.0, s)
        s.state.forget(v)
        assert v not in s.state
        s.state.restore(snap)
        np.testing.assert_array_equal(s.run(r), first)
        assert s.run(v) == 1.0
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized"):
        SessionState().read(v)


def test_generated_source_quotes_names_that_are_not_plain():
    assert _comment("layer1/MatMul:0") == "layer1/MatMul:0"
    assert _comment("a\nimport os") == repr("a\nimport os")


def test_a_failing_kernel_names_its_op_in_both_drivers():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.reshape(x, [2, 2], name="square_it")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="square_it"):
            s.run(y, {x: [1.0, 2.0, 3.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="square_it"):
            list(s.plan(y, {x: None}).steps({x: [1.0, 2.0, 3.0]}))


def test_a_fed_variable_is_a_step_with_the_fed_value(model):
    from teachflow.trace import step_through
    sess, x, w, loss = model["sess"], model["x"], model["w"], model["loss"]
    feed = {**model["feed"], w: np.array([[0.5], [0.25]], np.float32)}
    tr = step_through(sess, loss, feed)
    np.testing.assert_array_equal(tr.value(w), feed[w])
    np.testing.assert_allclose(tr.result, sess.run(loss, feed))
    assert [s.op.name for s in tr][:2] == ["x", "w"]
