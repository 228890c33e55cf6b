"""Make the figures the README shows: ``python docs/make_figures.py`` (needs Graphviz's ``dot``).

``docs/images/curve_fit_graph.svg`` (+ ``.png``): the classic curve-fit tutorial's training graph,
each layer in a ``tf.name_scope``: placeholders x and y, the two layers as clusters, the loss, the
gradient ops tf.gradients added, and the GradientDescent updates, each in its own style, with
tensor shapes on the edges. The output is deterministic, so re-running changes nothing.
"""
import os

import teachflow as tf
from teachflow import viz

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")


def curve_fit_graph():
    """The classic tutorial (y = x² + noise, a 1-10-1 tanh network), with a scope per layer."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("layer1"):
        Weights_L1 = tf.Variable(tf.random_normal([1, 10]), name="Weights_L1")
        biases_L1 = tf.Variable(tf.zeros([1, 10]), name="biases_L1")
        Wx_plus_b_L1 = tf.matmul(x, Weights_L1) + biases_L1
        L1 = tf.nn.tanh(Wx_plus_b_L1)
    with tf.name_scope("layer2"):
        Weights_L2 = tf.Variable(tf.random_normal([10, 1]), name="Weights_L2")
        biases_L2 = tf.Variable(tf.zeros([1, 1]), name="biases_L2")
        Wx_plus_b_L2 = tf.matmul(L1, Weights_L2) + biases_L2
        prediction = tf.nn.tanh(Wx_plus_b_L2)
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.square(y - prediction))
    tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return tf.get_default_graph()


def main():
    os.makedirs(IMAGES, exist_ok=True)
    view = viz.draw(curve_fit_graph(), view="all", collapse=None, legend=True,
                    title="The curve-fit training graph: forward (left), gradients (right), updates")
    for ext in ("svg", "png"):
        path = view.save(os.path.join(IMAGES, f"curve_fit_graph.{ext}"))
        print("wrote", os.path.relpath(path, os.path.dirname(HERE)))
    # the race of lesson 6 on the uneven cluster, exported exactly as the lesson exports it
    from teachflow.widgets import Race, to_gif
    uneven = Race(workers=8, spread=4.0, stragglers=0.05).run()
    path = to_gif(uneven.view(), os.path.join(IMAGES, "race.gif"), frames=60, fps=8)
    print("wrote", os.path.relpath(path, os.path.dirname(HERE)))


if __name__ == "__main__":
    main()
