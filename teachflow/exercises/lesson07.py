"""Lesson 7 (splitting a graph over devices): the pipeline bubble, the bytes a cut sends, and a
predicted race between cuts, checked against the lesson's own simulation."""
import functools
import numbers

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import exercise

WIDTHS = (64, 256, 64)           # the lesson's hidden layers (64 inputs, 10 outputs)


def split_network(split_after):
    """The gradients of the lesson's network (a new graph), layers 1..split_after on /gpu:0, the
    rest on /gpu:1: what the lesson hands to `Pipeline.from_graph` (also used by the slides)."""
    import teachflow as tf
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 64], name="x")
        y = tf.placeholder(tf.int64, [None], name="y")
        h = x
        for i, units in enumerate(WIDTHS, start=1):
            with tf.device("/gpu:0" if i <= split_after else "/gpu:1"):
                h = tf.layers.dense(h, units, tf.nn.relu, name=f"hidden{i}")
        with tf.device("/gpu:1"):
            logits = tf.layers.dense(h, 10, name="output")
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=logits), name="loss")
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        return tf.gradients(loss, tf.trainable_variables())


@functools.lru_cache(maxsize=None)
def makespans(bandwidth, microbatches=4):
    """{cut: simulated seconds of one step} for the cuts after hidden1..3."""
    from teachflow.distributed.pipeline import Pipeline
    return {split: Pipeline.from_graph(split_network(split), batch_size=64, microbatches=microbatches,
                                       speed=1e9, latency=1e-5, bandwidth=bandwidth).run().makespan
            for split in (1, 2, 3)}


def _number(answer, what):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise ValueError(_("{what} must be a number, got {answer!r}").format(what=what, answer=answer))
    return float(answer)


@exercise("l07.bubble", N_("with S equal stages and M microbatches the bubble is (S - 1)/(M + S - 1)."))
def _bubble(answer):
    value = _number(answer, "bubble")
    if abs(value - 2 / 8) < 1e-6:
        return True, _("two of the eight time slots of each device are idle.")
    if abs(value - 1 / 7) < 1e-6:
        return False, _("that is the bubble of 2 stages, not 3.")
    return False, _("{value:g} is not the idle share.").format(value=value)


@exercise("l07.nbytes", N_("batch x width x 4 bytes (float32), once forward and once backward."))
def _nbytes(answer):
    value = _number(answer, "nbytes")
    if value == 2 * 50 * 128 * 4:
        return True, _("activations forward, their gradient backward.")
    if value == 50 * 128 * 4:
        return False, _("that is one direction only.")
    return False, _("{value:g} bytes is not it.").format(value=value)


@exercise("l07.fastest_cut",
          N_("a step lasts at least as long as its busiest device; how much longer does the wider "
          "tensor take on a 20 MB/s link, and how much work does each cut leave on one device?"))
def _fastest_cut(answer):
    if answer not in (1, 2, 3) or isinstance(answer, bool):
        raise ValueError(_("answer 1, 2 or 3 (the layer after which the graph is cut), got {answer!r}").format(
            answer=answer))
    times = makespans(2e7)
    fastest = min(times, key=times.get)
    if answer == fastest:
        return True, _("the cut after hidden{layer} finished the step first ({ms:.2f} ms).").format(
            layer=fastest, ms=times[fastest] * 1e3)
    return False, _("the cut after hidden{layer} took {ms:.2f} ms, not the shortest.").format(
        layer=answer, ms=times[answer] * 1e3)
