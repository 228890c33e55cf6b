"""Initializers: TF1's formulas for the scale, and the statistics of what they draw."""
import math

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import init_ops


def draw(init, shape, dtype=tf.float32):
    tf.reset_default_graph()
    t = init(shape, dtype=dtype)
    with tf.Session() as sess:
        return sess.run(t)


@pytest.mark.parametrize("shape,fans", [((), (1, 1)), ((7,), (7, 7)), ((300, 100), (300, 100)),
                                        ((3, 3, 32, 64), (288, 576)), ((5, 4, 3, 2, 6), (2 * 60, 6 * 60))])
def test_fans_as_tf_computes_them(shape, fans):
    assert init_ops._fans(shape) == fans


def test_glorot_uniform_is_tfs_default_and_has_the_right_limit():
    w = draw(tf.glorot_uniform_initializer(seed=1), (400, 200))
    limit = math.sqrt(6 / (400 + 200))
    assert w.dtype == np.float32 and w.min() >= -limit and w.max() <= limit
    assert w.max() > 0.99 * limit and w.min() < -0.99 * limit
    assert abs(w.mean()) < 0.01 * limit and abs(w.std() - limit / math.sqrt(3)) < 0.01 * limit


def test_glorot_normal_and_he_use_truncated_normals_with_tfs_correction():
    w = draw(tf.glorot_normal_initializer(seed=2), (400, 200))
    std = math.sqrt(2 / 600)
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6  # truncated at 2 sigma
    assert abs(w.std() - std) < 0.02 * std                           # ... and still the right variance
    he = draw(tf.variance_scaling_initializer(scale=2.0, mode="fan_in", seed=3), (3, 3, 64, 128))
    assert abs(he.std() - math.sqrt(2 / 576)) < 0.02 * math.sqrt(2 / 576)


@pytest.mark.parametrize("mode,n", [("fan_in", 300), ("fan_out", 100), ("fan_avg", 200)])
def test_variance_scaling_modes(mode, n):
    w = draw(tf.variance_scaling_initializer(scale=3.0, mode=mode, distribution="untruncated_normal",
                                             seed=4), (300, 100))
    assert abs(w.var() / (3.0 / n) - 1) < 0.03
    u = draw(tf.variance_scaling_initializer(scale=3.0, mode=mode, distribution="uniform", seed=5),
             (300, 100))
    assert np.abs(u).max() <= math.sqrt(9.0 / n) and abs(u.var() / (3.0 / n) - 1) < 0.03


def test_default_variance_scaling_is_fan_in_truncated_normal():
    init = tf.variance_scaling_initializer()
    assert (init.scale, init.mode, init.distribution) == (1.0, "fan_in", "truncated_normal")
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(mode="fan_sideways")


def test_normal_uniform_constant_zeros_ones():
    w = draw(tf.random_normal_initializer(mean=1.0, stddev=0.5, seed=6), (200, 200))
    assert abs(w.mean() - 1) < 0.01 and abs(w.std() - 0.5) < 0.01
    t = draw(tf.truncated_normal_initializer(stddev=0.1, seed=7), (200, 200))
    assert np.abs(t).max() <= 0.2 + 1e-6 and abs(t.std() - 0.1 * 0.87962566) < 0.003
    u = draw(tf.random_uniform_initializer(-2, 3, seed=8), (200, 200))
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.05
    assert np.all(draw(tf.zeros_initializer(), (2, 3)) == 0)
    assert np.all(draw(tf.ones_initializer(), (2, 3)) == 1)
    assert np.all(draw(tf.constant_initializer(0.5), (2, 3)) == 0.5)


def test_initializers_are_seeded():
    a = draw(tf.glorot_uniform_initializer(seed=9), (5, 5))
    b = draw(tf.glorot_uniform_initializer(seed=9), (5, 5))
    c = draw(tf.glorot_uniform_initializer(seed=10), (5, 5))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_get_variable_defaults_to_glorot_uniform():
    tf.reset_default_graph()
    v = tf.get_variable("w", [100, 50])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w = sess.run(v)
    assert np.abs(w).max() <= math.sqrt(6 / 150)
