"""Lesson 2 (the curve fit): count parameters; measure how fast a learning rate reaches a target."""
import functools

import numpy as np

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import exercise, hashed

NOISE = 0.02            # the lesson's noise standard deviation: σ² = 0.0004
TARGET = 2 * NOISE ** 2  # "twice the noise floor": the fit has captured almost all of x²

exercise("l02.n_params", N_("each layer has a weight matrix (inputs × units) and one bias per unit; add both layers up.")
         )(hashed("1435038d46f730f265d1a060965407a2030ecaab3eb20dcfb2c9d225f64134cb",
                  what=N_("number of parameters")))


@functools.lru_cache(maxsize=None)
def steps_to_target(learning_rate, max_steps=2000):
    """The first step (counted from 1) after which lesson 2's full-batch MSE is below TARGET,
    training the lesson's 1-10-1 tanh network from its seeds; None if it never gets there."""
    import teachflow as tf
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        rng = np.random.RandomState(1)
        x_data = np.linspace(-0.5, 0.5, 200)[:, np.newaxis]
        y_data = np.square(x_data) + rng.normal(0, NOISE, x_data.shape)
        x = tf.placeholder(tf.float32, [None, 1])
        y = tf.placeholder(tf.float32, [None, 1])
        hidden = tf.nn.tanh(tf.matmul(x, tf.Variable(tf.random_normal([1, 10]))) + tf.Variable(tf.zeros([1, 10])))
        prediction = tf.nn.tanh(tf.matmul(hidden, tf.Variable(tf.random_normal([10, 1])))
                                + tf.Variable(tf.zeros([1, 1])))
        loss = tf.reduce_mean(tf.square(y - prediction))
        train_step = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {x: x_data, y: y_data}
            for step in range(1, max_steps + 1):
                sess.run(train_step, feed_dict=feed)
                if sess.run(loss, feed_dict=feed) < TARGET:
                    return step
    return None


@exercise("l02.steps_to_target",
          N_("after each sess.run(train_step, ...), also run the loss, and stop at the first step "
          "where it is below 2·σ² = 2 · 0.02²; count steps from 1, as the loop's first step is step 1. "
          "Rebuild the graph from the top of the lesson with GradientDescentOptimizer(0.5)."))
def _steps(answer):
    want = steps_to_target(0.5)
    try:
        answer = int(answer)
    except (TypeError, ValueError):
        return False, _("{answer!r} is not a number of steps.").format(answer=answer)
    if abs(answer - want) <= 20:  # a loss measured every 20 steps is close enough
        return True, _("lr 0.5 gets there, but look at its loss curve: is it monotone?")
    return False, _("{answer} steps is not what a run of lesson 2 with lr 0.5 gives.").format(answer=answer)
