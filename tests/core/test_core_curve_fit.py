"""The classic TF1 curve-fitting program, unchanged but for the import line."""
import numpy as np

import teachflow as tf


def test_classic_curve_fit_reaches_low_mse():
    tf.reset_default_graph()
    tf.set_random_seed(1)
    rng = np.random.RandomState(1)
    x_data = np.linspace(-0.5, 0.5, 200)[:, np.newaxis]
    y_data = np.square(x_data) + rng.normal(0, 0.02, x_data.shape)

    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.placeholder(tf.float32, [None, 1])
    Weights_L1 = tf.Variable(tf.random_normal([1, 10]))
    biases_L1 = tf.Variable(tf.zeros([1, 10]))
    L1 = tf.nn.tanh(tf.matmul(x, Weights_L1) + biases_L1)
    Weights_L2 = tf.Variable(tf.random_normal([10, 1]))
    biases_L2 = tf.Variable(tf.zeros([1, 1]))
    prediction = tf.nn.tanh(tf.matmul(L1, Weights_L2) + biases_L2)
    loss = tf.reduce_mean(tf.square(y - prediction))
    train_step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = sess.run(loss, feed_dict={x: x_data, y: y_data})
        for _ in range(2000):
            sess.run(train_step, feed_dict={x: x_data, y: y_data})
        mse = sess.run(loss, feed_dict={x: x_data, y: y_data})
        prediction_value = sess.run(prediction, feed_dict={x: x_data})
    assert mse < 0.002 < start
    assert prediction_value.shape == (200, 1) and prediction_value.dtype == np.float32
    tf.reset_default_graph()
