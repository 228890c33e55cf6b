"""The gradient check beside the step-through: symbolic gradients from the trace against central
differences of the loss, at the trace's feed and the variables' values at the start of the run."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.testing import numeric_gradient
from teachflow.trace import step_through
from teachflow.widgets.gradcheck import (GradCheck, GradCheckPanel, gradient_targets,
                                         gradients_by_tensor, loss_of)


@pytest.fixture
def fit():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    x_data = np.linspace(-0.5, 0.5, 20)[:, None]
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("layer1"):
        w1 = tf.Variable(tf.random_normal([1, 10]), name="weights")
        b1 = tf.Variable(tf.zeros([1, 10]), name="biases")
        h = tf.nn.tanh(tf.matmul(x, w1) + b1)
    with tf.name_scope("layer2"):
        w2 = tf.Variable(tf.random_normal([10, 1]), name="weights")
        pred = tf.matmul(h, w2)
    loss = tf.reduce_mean(tf.square(y - pred), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    feed = {x: x_data, y: x_data ** 2}
    yield dict(sess=sess, train=train, loss=loss, pred=pred, feed=feed, w1=w1, b1=b1, w2=w2,
               trace=step_through(sess, train, feed))
    sess.close()
    tf.reset_default_graph()


def test_the_loss_is_where_the_backward_pass_starts(fit):
    assert loss_of(fit["trace"]) is fit["loss"]
    assert loss_of(step_through(fit["sess"], fit["loss"], fit["feed"])) is None   # no backward pass


def test_gradient_of_each_variable_is_the_one_sess_run_computes(fit):
    sess, feed = fit["sess"], fit["feed"]
    grads = gradients_by_tensor(fit["trace"])
    g = tf.get_default_graph()
    np.testing.assert_array_equal(grads[fit["w1"]],
                                  sess.run(g.get_tensor_by_name("gradients/layer1/MatMul_grad/MatMul_1:0"), feed))
    assert grads[fit["loss"]] == 1.0                          # the seed ∂L/∂L
    assert set(gradient_targets(fit["trace"]).values()) >= {fit["w1"], fit["b1"], fit["w2"], fit["pred"]}


def test_check_agrees_with_central_differences(fit):
    check = GradCheck(fit["trace"])
    assert [v.op.name for v in check.variables] == ["layer1/weights", "layer1/biases", "layer2/weights"]
    r = check.check("layer2/weights")
    assert r.error < 1e-4 and "agree" in r.verdict
    assert r.symbolic.shape == r.numeric.shape == (10, 1)
    start = fit["sess"].run(fit["w2"])
    feed = dict(fit["feed"])
    np.testing.assert_allclose(r.numeric, numeric_gradient(fit["sess"], fit["loss"], fit["w2"], feed,
                                                           start, 1e-3))
    text = str(r)
    assert text.startswith("gradient check of layer2/weights (10×1, all 10 entries, eps = 0.001)")
    assert "relative error" in text and "[9,0]" in text


def test_check_uses_the_start_of_the_run_wherever_the_cursor_is(fit):
    trace = fit["trace"]
    before = GradCheck(trace).check("layer1/weights")
    trace.last()                                              # the variables have been updated
    after = GradCheck(trace).check("layer1/weights")
    np.testing.assert_array_equal(before.numeric, after.numeric)
    assert after.error < 1e-4


def test_a_broken_gradient_is_caught(fit):
    check = GradCheck(fit["trace"])
    check.grads[fit["b1"]] = check.grads[fit["b1"]] * 2       # as if a rule forgot a factor ½
    r = check.check(fit["b1"])
    assert r.error > 1e-2 and "differ" in r.verdict


def test_tiny_eps_drowns_in_float32_rounding(fit):
    check = GradCheck(fit["trace"])
    good, tiny = check.check("layer1/biases", eps=1e-3), check.check("layer1/biases", eps=1e-7)
    assert tiny.error > 10 * good.error


def test_large_variables_are_sampled(fit):
    check = GradCheck(fit["trace"], max_entries=4, seed=1)
    r = check.check("layer1/weights")
    assert len(r.entries) == 4 and np.isnan(r.numeric).sum() == 6
    assert "4 of 10 entries" in r.table() and r.error < 1e-4


def test_loss_argument_and_unknown_names(fit):
    check = GradCheck(fit["trace"], loss="loss:0")
    assert check.loss is fit["loss"]
    with pytest.raises(KeyError, match="layer1/weights"):
        check.check("no/such/variable")
    with pytest.raises(ValueError, match="no backward pass"):
        GradCheck(step_through(fit["sess"], fit["loss"], fit["feed"])).check(fit["w1"])


def test_the_panel(fit):
    panel = GradCheckPanel(fit["trace"])
    assert panel.dropdown.options == ("layer1/weights", "layer1/biases", "layer2/weights")
    assert panel.result is None
    panel.dropdown.value = "layer1/biases"                   # choosing checks at once
    assert panel.result.name == "layer1/biases"
    assert "relative error" in panel.output.value and "layer1/biases" in panel.output.value
    panel.eps.value = 1e-2
    panel.button.click()
    assert panel.result.eps == pytest.approx(1e-2)
    assert panel.run(fit["w2"]).name == "layer2/weights"
    for w, cls in ((panel.dropdown, "tf-gradcheck-variable"), (panel.button, "tf-gradcheck-run"),
                   (panel.output, "tf-gradcheck-result")):
        assert cls in w._dom_classes
    empty = GradCheckPanel(step_through(fit["sess"], fit["loss"], fit["feed"]))
    assert empty.button.disabled and "Nothing to check" in empty.output.value
