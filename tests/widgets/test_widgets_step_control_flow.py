"""The step-through widget on a while loop: the caption names the iteration, the picture lights
up the body's ops, each iteration again."""
import pytest

import teachflow as tf
from teachflow.trace import step_through
from teachflow.viz import dot_available
from teachflow.widgets.stepthrough import StepThrough

pytestmark = pytest.mark.usefixtures("fresh_graph")


def test_caption_shows_the_iteration_and_the_body_is_lit_up():
    if not dot_available():
        pytest.fail("Graphviz's dot is needed to lay the graph out (apt-get install graphviz).")
    x = tf.placeholder(tf.float32, [], name="x")
    _, p = tf.while_loop(lambda i, p: i < 3, lambda i, p: (i + 1, p * x), [0, 1.0])
    with tf.Session() as sess:
        trace = step_through(sess, p, {x: 2.0})
        w = StepThrough(trace)
        third = [s.index for s in trace if s.name == "while/mul"][2]
        w.slider.value = third
        assert w.counter.value == f"step {third + 1} / {len(trace)} · while: iteration 3"
        assert "while: iteration 3" in w.details.value
        assert w.picture.node_of(third) == "while/mul"
        assert 'id="while/mul"' in w.svg
        last = len(trace) - 1                     # the While op itself, outside the loop
        w.slider.value = last
        assert w.counter.value == f"step {last + 1} / {len(trace)}"
