"""Which ops a picture shows: roles (forward, gradient, update, init), views and targets."""
import pytest

import teachflow as tf
from teachflow.viz import draw, roles
from teachflow.viz.select import select


def names(view):
    return {op.name for op in view.ops}


def test_roles_of_the_curve_fit(curve):
    init = tf.global_variables_initializer()
    r = {op.name: role for op, role in roles(curve["graph"]).items()}
    assert r["x"] == r["y"] == "forward"
    assert r["layer1/Weights"] == r["layer1/MatMul"] == r["loss/Mean"] == "forward"
    assert r["layer1/Weights/Assign"] == "init"
    assert r["layer1/random_normal/RandomStandardNormal"] == "init"   # feeds only an initializer
    assert r[init.name] == "init"
    assert r["gradients/loss/Square_grad/mul"] == "gradient"
    assert r["GradientDescent/update_layer1/Weights/ApplyGradientDescent"] == "update"
    assert r["GradientDescent/learning_rate"] == "update"             # used only by updates
    assert r["GradientDescent"] == "update"                          # the train group


def test_views_nest(curve):
    fwd, grads, full = (names(draw(view=v)) for v in ("forward", "gradients", "all"))
    assert fwd < grads < full
    assert not any(n.startswith("gradients/") for n in fwd)
    assert any(n.startswith("gradients/") for n in grads)
    assert not any(n.startswith("GradientDescent") for n in grads)
    assert "GradientDescent/update_layer1/Weights/ApplyGradientDescent" in full
    assert not any(n.endswith("/Assign") for n in full)   # initializers hidden by default
    assert "layer1/Weights/Assign" in names(draw(view="all", show_init=True))


def test_target_draws_what_it_depends_on(curve):
    v = draw(curve["pred"])
    assert "layer2/Tanh" in names(v) and "x" in names(v)
    assert "y" not in names(v) and "loss/Mean" not in names(v)
    assert names(draw("loss/Mean")) == names(draw(curve["loss"]))
    assert names(draw([curve["loss"], curve["pred"]])) == names(draw(curve["loss"]))
    assert "layer1/Weights/Assign" in names(draw(tf.global_variables_initializer()))


def test_errors_are_clear(curve):
    with pytest.raises(ValueError, match="view must be one of"):
        draw(view="backward-only")
    with pytest.raises(TypeError, match="expects a Graph, a tensor, an op"):
        draw([3.0])
    with pytest.raises(ValueError, match="nothing to draw"):
        draw([])
    other = tf.Graph()
    with other.as_default():
        z = tf.constant(1.0)
    with pytest.raises(ValueError, match="another graph"):
        draw([curve["loss"], z])


def test_whole_graph_by_default_and_explicit_graph(curve):
    g, ops, _ = select(None, "all", None)
    assert g is curve["graph"]
    assert names(draw(curve["graph"])) == {op.name for op in ops}


def test_redraw_and_annotate_keep_target_and_options(curve):
    v = draw(curve["pred"], view="forward", collapse=None, rankdir="LR")
    w = v.redraw(collapse=1)
    assert names(w) == names(v) and w.options["rankdir"] == "LR"
    assert w.folded.collapsed == ["layer1", "layer2"]
    a = v.annotate(values={"x": 1.0})
    assert a is not v and a.options["collapse"] is None and "value 1" in a.source
    assert "value 1" not in v.source
    assert "rankdir=LR" in v.source
    tf.reset_default_graph()                       # a whole-graph view keeps *its* graph
    whole = draw(curve["graph"])
    assert names(whole.redraw(view="forward")) <= names(whole)


def test_option_errors(curve):
    with pytest.raises(TypeError, match="colour"):
        draw(colour=True)
    with pytest.raises(ValueError, match="rankdir"):
        draw(rankdir="up")
    with pytest.raises(TypeError, match="unknown options"):
        draw().redraw(zoom=2)
