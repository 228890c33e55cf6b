"""A classic TF1 program that needs a shape known only at run time: the variational autoencoder
of the TF1 courses, whose noise takes the batch's shape (``tf.random_normal(tf.shape(z_mean))``).
Written here in that style (small data, few steps); only the import line differs from TF1."""
import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def toy_data(n=64, seed=0):
    """Points near a 2-D plane in 8-D: an autoencoder with a 2-D code can learn them."""
    rng = np.random.RandomState(seed)
    code = rng.uniform(-1, 1, (n, 2))
    mix = rng.normal(0, 1, (2, 8))
    return (1 / (1 + np.exp(-code @ mix)) + rng.normal(0, 0.02, (n, 8))).astype(np.float32)


def build_vae(n_input=8, n_hidden=16, n_z=2):
    x = tf.placeholder(tf.float32, [None, n_input], name="x")
    with tf.variable_scope("encoder"):
        h = tf.nn.relu(tf.layers.dense(x, n_hidden))
        z_mean = tf.layers.dense(h, n_z, name="z_mean")
        z_log_var = tf.layers.dense(h, n_z, name="z_log_var")
    eps = tf.random_normal(tf.shape(z_mean), 0, 1, dtype=tf.float32)
    z = z_mean + tf.sqrt(tf.exp(z_log_var)) * eps
    with tf.variable_scope("decoder"):
        h2 = tf.nn.relu(tf.layers.dense(z, n_hidden))
        x_rec = tf.layers.dense(h2, n_input, activation=tf.nn.sigmoid)
    recon = tf.reduce_sum(tf.square(x - x_rec), 1)
    kl = -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), 1)
    cost = tf.reduce_mean(recon + 0.01 * kl)
    train = tf.train.AdamOptimizer(0.01).minimize(cost)
    return x, eps, z, cost, train


def test_vae_noise_takes_the_fed_batch_and_trains():
    tf.set_random_seed(3)
    x, eps, z, cost, train = build_vae()
    assert eps.shape.as_list() == [None, 2] and z.shape.as_list() == [None, 2]
    data = toy_data()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for batch in (1, 5, 17):                    # one graph, any batch size
            e, zz = sess.run([eps, z], {x: data[:batch]})
            assert e.shape == (batch, 2) and zz.shape == (batch, 2)
        first = sess.run(cost, {x: data})
        for step in range(300):
            i = (step * 16) % 64
            sess.run(train, {x: data[i:i + 16]})
        last = np.mean([sess.run(cost, {x: data}) for _ in range(5)])
    assert last < 0.5 * first, (first, last)


def test_vae_replays_under_a_graph_seed():
    def losses():
        tf.reset_default_graph()
        tf.set_random_seed(7)
        x, _, _, cost, train = build_vae()
        data = toy_data()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return [sess.run([cost, train], {x: data[:(5 + k) % 16 + 1]})[0] for k in range(20)]
    np.testing.assert_array_equal(losses(), losses())


def test_vae_meta_graph_round_trip_keeps_the_dynamic_shape(tmp_path):
    tf.set_random_seed(3)
    x, eps, z, cost, train = build_vae()
    data = toy_data()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: data[:8]})
        path = saver.save(sess, str(tmp_path / "vae"))
    with tf.Session() as sess:                # a new session: the noise stream starts again
        saver.restore(sess, path)
        want = sess.run(cost, {x: data})
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(path + ".meta")
    g = tf.get_default_graph()
    noise = g.get_tensor_by_name(eps.name)
    assert noise.shape.as_list() == [None, 2] and noise.op.inputs[0].op.type == "Shape"
    with tf.Session() as sess:
        saver.restore(sess, path)
        got = sess.run(g.get_tensor_by_name(cost.name), {"x:0": data})
        assert sess.run(noise, {"x:0": data[:3]}).shape == (3, 2)
    assert got == want                        # same weights, and the op seeds came along
