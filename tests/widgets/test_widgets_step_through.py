"""The step-through widget on the curve fit, driven as a student would drive it in the browser:
press the buttons, move the slider, press Play; then check what is shown (the counter, the
phase, the highlighted node in the SVG, the numbers in the details panel) and what the session
holds."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import teachflow as tf
from teachflow.trace import step_through
from teachflow.viz import HIGHLIGHTS, dot_available
from teachflow.viz.labels import number
from teachflow.widgets.stepthrough import StepPicture, StepThrough

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def need_dot():
    if not dot_available():
        pytest.fail("Graphviz's dot is needed to lay the graph out (apt-get install graphviz).")


@pytest.fixture
def fit(curve_fit_step):
    """The curve fit of lesson 2 on 20 points: 16 forward, 14 backward and 4 update steps."""
    f = curve_fit_step
    return dict(f, widget=StepThrough(step_through(f["sess"], f["train"], f["feed"])))
    tf.reset_default_graph()


def node(svg, nid):
    root = ET.fromstring(svg)
    return next(g for g in root.iter(SVG_NS + "g") if g.get("id") == nid)


def first_shape(g):
    return next(e for e in g.iter() if e.tag in (SVG_NS + "path", SVG_NS + "polygon", SVG_NS + "ellipse"))


def assert_current(svg, nid):
    shape = first_shape(node(svg, nid))
    cur = HIGHLIGHTS["current"]
    assert (shape.get("fill"), shape.get("stroke"), shape.get("stroke-width")) == \
        (cur["fill"], cur["stroke"], cur["stroke-width"])


def test_opens_on_the_first_step(fit):
    w = fit["widget"]
    assert w.position == 0 and w.slider.value == 0 and w.play.value == 0
    assert w.counter.value == "step 1 / 34"
    assert w.step.op.name == "x"
    assert "data-phase='forward'" in w.phase.value and "forward 1/16" in w.phase.value
    assert "backward 0/14" in w.phase.value and "update 0/4" in w.phase.value
    assert_current(w.svg, "x")
    assert w.first_button.disabled and w.prev_button.disabled and not w.next_button.disabled
    assert "<svg" in w.graph.value and w.svg in w.graph.value


def test_buttons_move_the_cursor(fit):
    w = fit["widget"]
    w.next_button.click()
    w.next_button.click()
    assert w.position == 2 and w.slider.value == 2 and w.play.value == 2
    assert w.counter.value == "step 3 / 34"
    w.prev_button.click()
    assert w.position == 1 and w.step.op.name == "y"
    w.last_button.click()
    assert w.position == 33 and w.counter.value == "step 34 / 34"
    assert w.next_button.disabled and w.last_button.disabled
    w.next_button.click()                      # disabled in the browser; a no-op here
    assert w.position == 33
    w.first_button.click()
    assert w.position == 0


def test_stepping_lists_forward_then_gradients_in_reverse_then_four_updates(fit):
    w = fit["widget"]
    seen = [w.step]
    while not w.next_button.disabled:
        w.next_button.click()
        seen.append(w.step)
    assert len(seen) == 34 and [s.index for s in seen] == list(range(34))
    phases = [s.phase for s in seen]
    assert phases == ["forward"] * 16 + ["backward"] * 14 + ["update"] * 4
    forward = [s.op.name for s in seen if s.phase == "forward"]
    for name in ("x", "y", "layer1/weights", "layer1/biases", "layer1/MatMul", "layer1/add",
                 "layer1/Tanh", "layer2/weights", "layer2/biases", "layer2/MatMul", "layer2/add",
                 "layer2/Tanh", "sub", "Square", "loss"):
        assert name in forward
    # the gradient ops: every one after the gradient ops it reads; rules in reverse forward order
    position = {s.op: s.index for s in seen}
    for s in seen:
        if s.phase == "backward":
            assert all(position[t.op] < s.index for t in s.op.inputs if t.op in position)
    order = []
    for s in seen:
        if s.phase == "backward" and s.op.gradient_of.name not in order:
            order.append(s.op.gradient_of.name)
    assert order == ["loss", "Square", "sub", "layer2/Tanh", "layer2/add", "layer2/MatMul",
                     "layer1/Tanh", "layer1/add", "layer1/MatMul"]
    updates = [s for s in seen if s.phase == "update"]
    assert [s.op.type for s in updates] == ["ApplyGradientDescent"] * 4
    assert {next(iter(s.writes)) for s in updates} == set(fit["variables"])


def test_slider_highlights_the_current_node_and_marks_finished_ones(fit):
    w = fit["widget"]
    w.slider.value = 6                          # layer1/Tanh
    assert w.step.op.name == "layer1/Tanh" and w.node_id() == "layer1/Tanh"
    assert_current(w.svg, "layer1/Tanh")
    done = first_shape(node(w.svg, "layer1/MatMul"))
    assert done.get("fill") == HIGHLIGHTS["done"]["fill"]
    assert node(w.svg, "Square").get("opacity") == HIGHLIGHTS["pending"]["opacity"]
    # the edges bringing the inputs in are drawn as current too
    edge = node(w.svg, "layer1/add--layer1/Tanh")
    assert first_shape(edge).get("stroke") == HIGHLIGHTS["current"]["stroke"]
    w.slider.value = 29                         # ∂L/∂layer1/weights
    assert w.step.op.name == "gradients/layer1/MatMul_grad/MatMul_1"
    assert_current(w.svg, "gradients/layer1/MatMul_grad/MatMul_1")
    assert "backward 14/14" in w.phase.value and "tf-phase tf-phase-current' data-phase='backward'" \
        in w.phase.value


def test_play_steps_on_the_python_side(fit):
    w = fit["widget"]
    w.play.value = 5
    assert w.slider.value == 5 and w.position == 5
    assert_current(w.svg, w.node_id())
    w.speed.value = 200
    assert w.play.interval == 200
    w.play.value = w.play.max
    w.play.playing = True                       # Play at the end starts again from the first step
    assert w.play.value == 0 and w.position == 0
    w.play.playing = False


def test_details_show_the_values_of_a_plain_run(fit):
    w, sess, feed = fit["widget"], fit["sess"], fit["feed"]
    g = tf.get_default_graph()
    for i, s in enumerate(w.trace):
        if s.phase == "update":
            break
        w.goto(i)
        for t, v in zip(s.op.outputs, s.outputs):
            np.testing.assert_array_equal(v, sess.run(t, feed))
    w.goto(14)                                  # the loss, a scalar
    loss = sess.run(fit["loss"], feed)
    assert f"<b>{number(loss)}</b>" in w.details.value
    w.goto([s.op.name for s in w.trace].index("gradients/layer1/MatMul_grad/MatMul_1"))
    grad = sess.run(g.get_tensor_by_name("gradients/layer1/MatMul_grad/MatMul_1:0"), feed)
    assert grad.shape == (1, 10)
    for v in grad.ravel():                      # a small matrix: every entry as a table cell
        assert f"<td>{number(v)}</td>" in w.details.value
    assert "out: ∂L/∂layer1/weights" in w.details.value
    assert "∂L/∂B = Aᵀ · ∂L/∂C" in w.explain.value
    assert w.latex.value.startswith("$$") and r"\partial" in w.latex.value


def test_large_tensors_become_heatmaps(fit):
    w = fit["widget"]
    w.goto(4)                                   # layer1/MatMul: 20×1 · 1×10 -> 20×10
    assert "in: x" in w.details.value and "<td>" in w.details.value       # x (20×1): a table
    assert "mean" in w.details.value and "heatmap" in w.details.value     # 20×10: statistics
    maps = w.heatmap_box.children
    assert len(maps) == 1
    label, image = maps[0].children
    assert "out: layer1/MatMul" in label.value and "20×10" in label.value
    assert image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "tf-step-heatmap" in maps[0]._dom_classes
    w.goto(0)
    assert w.heatmap_box.children == ()


def test_last_step_leaves_the_variables_of_one_training_step(fit):
    w, sess, feed, variables = fit["widget"], fit["sess"], fit["feed"], fit["variables"]
    before = sess.run(variables)
    w.goto(29)                                  # forward and backward done: nothing written yet
    for v, b in zip(variables, before):
        np.testing.assert_array_equal(sess.run(v), b)
    w.last_button.click()
    after = sess.run(variables)
    update = w.step
    (var, (old, new)), = update.writes.items()
    assert "before" in w.details.value and "after" in w.details.value
    w.first_button.click()                      # going back restores the start
    for v, b in zip(variables, before):
        np.testing.assert_array_equal(sess.run(v), b)
    sess.run(fit["train"], feed)
    for a, b in zip(after, sess.run(variables)):
        np.testing.assert_array_equal(a, b)


def test_forward_view_writes_value_and_gradient_and_follows_the_chain_rule(fit):
    w = fit["widget"]
    w.view_toggle.value = "forward"
    assert w.view_name == "forward" and w.picture.kind == "forward"
    assert "grad" in w.svg and "value" in w.svg              # micrograd-style labels
    assert "gradients" not in "".join(re.findall(r'<g id="([^"]*)" class="node"', w.svg))
    w.goto(22)                                   # ∂L/∂layer2/Tanh, a step of sub's rule
    assert w.step.op.gradient_of.name == "sub"
    assert w.node_id() == "sub"
    assert_current(w.svg, "sub")
    grad_done = first_shape(node(w.svg, "Square"))            # its gradient is known already
    assert grad_done.get("fill") == "#f8c9c9"
    assert first_shape(node(w.svg, "layer2/Tanh--sub")).get("stroke") == HIGHLIGHTS["current"]["stroke"]
    w.goto(33)                                   # the last update: lights up the variable
    assert w.node_id() == "layer2/biases"
    assert_current(w.svg, "layer2/biases")
    w.show_view("all")
    assert w.view_toggle.value == "all" and w.node_id() == \
        "GradientDescent/update_layer2/biases/ApplyGradientDescent"


def test_the_dom_has_stable_classes(fit):
    w = fit["widget"]
    classes = {
        "tf-step-first": w.first_button, "tf-step-prev": w.prev_button, "tf-step-next": w.next_button,
        "tf-step-last": w.last_button, "tf-step-play": w.play, "tf-step-slider": w.slider,
        "tf-step-counter": w.counter, "tf-step-phase": w.phase, "tf-step-details": w.details,
        "tf-step-graph": w.graph, "tf-step-speed": w.speed, "tf-step-view": w.view_toggle,
        "tf-step-explain": w.explain, "tf-step-latex": w.latex, "tf-stepthrough": w.box,
        "tf-gradcheck": w.gradcheck.box,
    }
    for cls, widget in classes.items():
        assert cls in widget._dom_classes
    import teachflow.widgets.stepthrough as mod
    for cls in classes:
        assert cls in mod.__doc__


def test_picture_without_a_widget(fit):
    w = fit["widget"]
    pic = StepPicture(w.trace, "all", collapse=1)            # layers folded into boxes
    assert pic.node_of(4) == "layer1"                         # layer1/MatMul is in the layer1 box
    states = pic.states(5)
    assert states["layer1"] == "current" and states["layer2"] == "pending" and states["x"] == "done"
    assert pic.states(7)["layer1"] == "done"
    assert pic.states(20)["GradientDescent"] == "partial"    # its learning rate read, updates to come
    assert_current(pic.svg(5), "layer1")
    with pytest.raises(ValueError, match="view must be one of"):
        StepPicture(w.trace, "backward")


def test_goto_bounds_and_repr(fit):
    w = fit["widget"]
    assert w.goto(-1).index == 33
    with pytest.raises(IndexError):
        w.goto(34)
    assert "step 34 / 34 (update)" in repr(w)
    w.trace.goto(3)                              # moved from outside: refresh() catches up
    w.refresh()
    assert w.counter.value == "step 4 / 34" and w.slider.value == 3


def test_explanations_read_well(fit):
    w = fit["widget"]
    w.goto(0)                                    # a placeholder: words stay words in LaTeX
    assert r"\text{ fed value }" in w.latex.value
    w.goto(14)
    assert r"\text{ mean of } x \text{ over axes }" in w.latex.value
    w.goto(4)                                    # float32 rounding noise is not a mean
    assert "μ=0 " in w.explain.value and "e-09" not in w.explain.value
    w.goto(33)                                   # an update names the variable it writes
    assert w.latex.value.startswith(r"$$\mathtt{layer2/biases}:\ w \leftarrow w")
