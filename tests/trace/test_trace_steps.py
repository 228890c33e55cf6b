"""step_through: the order of steps, their values, and the cursor's effect on the session."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.trace import step_through


@pytest.fixture
def curve_fit(curve_fit_step):
    return curve_fit_step


def test_phases_are_ordered_forward_backward_update(curve_fit):
    tr = step_through(curve_fit["sess"], curve_fit["train"], curve_fit["feed"])
    phases = [s.phase for s in tr]
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)
    fwd = [s.op for s in tr if s.phase == "forward"]
    bwd = [s.op for s in tr if s.phase == "backward"]
    upd = [s.op for s in tr if s.phase == "update"]
    assert all(op.gradient_of is None for op in fwd)
    assert all(op.gradient_of is not None for op in bwd)
    assert [op.type for op in upd] == ["ApplyGradientDescent"] * 4
    assert {s.op.inputs[0] for s in tr if s.phase == "update"} == set(curve_fit["variables"])
    # every forward op of the model is there, and the gradient ops run in reverse dependency order
    names = [op.name for op in fwd]
    for must in ("x", "y", "layer1/MatMul", "layer1/Tanh", "layer2/Tanh", "sub", "Square", "loss"):
        assert must in names
    order = [op.gradient_of.name for op in bwd if op.grad_input_index is not None]
    assert order.index("loss") < order.index("Square") < order.index("layer2/Tanh") < order.index("layer1/MatMul")


def test_values_match_a_plain_run(curve_fit):
    sess, feed = curve_fit["sess"], curve_fit["feed"]
    g = tf.get_default_graph()
    tr = step_through(sess, curve_fit["train"], feed)
    for name in ("loss:0", "layer2/Tanh:0", "gradients/layer1/MatMul_grad/MatMul_1:0"):
        t = g.get_tensor_by_name(name)
        np.testing.assert_array_equal(tr.value(t), sess.run(t, feed))
    s = next(s for s in tr if s.op.name == "layer1/MatMul")
    np.testing.assert_array_equal(s.output, sess.run(s.op.outputs[0], feed))
    np.testing.assert_array_equal(s.inputs[0], feed[s.op.inputs[0]].astype(np.float32))


def test_cursor_applies_updates_exactly_and_restores_them(curve_fit):
    sess, feed, variables = curve_fit["sess"], curve_fit["feed"], curve_fit["variables"]
    before = sess.run(variables)
    tr = step_through(sess, curve_fit["train"], feed)
    first_update = tr.phase_range("update")[0]
    tr.goto(first_update - 1)  # forward and backward done: nothing written
    for v, b in zip(variables, before):
        np.testing.assert_array_equal(sess.run(v), b)
    tr.next()  # the first update
    w = tr.current.op.inputs[0]
    assert not np.array_equal(sess.run(w), before[variables.index(w)])
    tr.last()
    after_trace = sess.run(variables)
    tr.goto(-1)
    for v, b in zip(variables, before):
        np.testing.assert_array_equal(sess.run(v), b)
    sess.run(curve_fit["train"], feed)  # the real thing, from the same start
    for a, b in zip(after_trace, sess.run(variables)):
        np.testing.assert_array_equal(a, b)


def test_update_steps_record_before_and_after(curve_fit):
    tr = step_through(curve_fit["sess"], curve_fit["train"], curve_fit["feed"])
    upd = [s for s in tr if s.phase == "update"]
    for s in upd:
        (var, (b, a)), = s.writes.items()
        grad = s.inputs[-1]
        np.testing.assert_allclose(a, b - np.float32(0.1) * grad, rtol=1e-6)


def test_explanations_name_rules_shapes_and_numbers(curve_fit):
    tr = step_through(curve_fit["sess"], curve_fit["train"], curve_fit["feed"])
    by_name = {s.op.name: s for s in tr}
    fwd = by_name["layer1/MatMul"].explain()
    assert "C = A·B" in fwd and "20×1, 1×10 → 20×10" in fwd
    gw = by_name["gradients/layer1/MatMul_grad/MatMul_1"]
    assert gw.wrt.op.name == "layer1/weights"
    assert "∂L/∂B = Aᵀ · ∂L/∂C" in gw.explain() and "∂L/∂layer1/weights" in gw.explain()
    assert r"\partial" in gw.latex() and r"1\times 10" in gw.latex()
    loss = by_name["loss"].explain()
    assert "scalar" in loss and f"{float(tr.value('loss:0')):.4g}" in loss
    upd = [s for s in tr if s.phase == "update"][0]
    assert "w ← w − η·∂L/∂w" in upd.explain() and "→" in upd.explain()


def test_navigation_bounds_and_repr(curve_fit):
    tr = step_through(curve_fit["sess"], curve_fit["loss"], curve_fit["feed"])
    assert tr.phase_range("backward") is None and tr.phase_range("update") is None
    assert tr.position == -1 and tr.current is None
    assert tr.next().index == 0 and tr.prev() is None
    tr.last()
    assert tr.next().index == len(tr) - 1  # stays at the end
    with pytest.raises(IndexError):
        tr.goto(len(tr))
    assert float(tr.result) == pytest.approx(float(curve_fit["sess"].run(curve_fit["loss"], curve_fit["feed"])))
    assert "forward" in repr(tr)


def test_trace_of_a_random_op_matches_the_next_plain_run():
    tf.reset_default_graph()
    tf.set_random_seed(5)
    r = tf.random_normal([3])
    with tf.Session() as s:
        tr = step_through(s, r)
        np.testing.assert_array_equal(tr.result, s.run(r))


def test_broadcast_bias_rule_says_the_gradient_sums_over_rows(curve_fit):
    tr = step_through(curve_fit["sess"], curve_fit["train"], curve_fit["feed"])
    bias_step = next(s for s in tr if s.phase == "backward" and s.wrt is not None
                     and s.wrt.op.name == "layer1/biases")
    assert "summed over" in bias_step.rule and "rows" in bias_step.rule
    # and the rule is true: the 1×10 gradient is the row-sum of the 20×10 ∂L/∂(layer1/add)
    add_grad = next(s.output for s in tr if s.phase == "backward" and s.wrt is not None
                    and s.wrt.op.name == "layer1/add")
    assert add_grad.shape == (20, 10)
    np.testing.assert_allclose(bias_step.output, add_grad.sum(axis=0, keepdims=True), rtol=1e-6)
