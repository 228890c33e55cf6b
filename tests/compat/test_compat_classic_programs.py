"""Classic TF1 programs, written as the tutorials and books wrote them, with only the import
changed (and fewer steps / smaller data so each runs in a few seconds)."""
import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.datasets import digits

FASHION = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(not os.path.isdir(FASHION),
                                   reason="Fashion-MNIST (Debian package) not installed")


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    tf.set_random_seed(2017)  # the programs set no seed; the tests must replay exactly
    yield
    tf.reset_default_graph()


@needs_fashion
def test_mnist_for_ml_beginners_softmax_regression():
    from teachflow.datasets import mnist as input_data
    mnist = input_data.read_data_sets(one_hot=True, fashion=True, download=False)

    x = tf.placeholder(tf.float32, [None, 784])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.nn.softmax(tf.matmul(x, W) + b)
    y_ = tf.placeholder(tf.float32, [None, 10])
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    first = None
    for _ in range(150):
        batch_xs, batch_ys = mnist.train.next_batch(100)
        _, ce = sess.run([train_step, cross_entropy], feed_dict={x: batch_xs, y_: batch_ys})
        first = ce if first is None else first
    correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    acc = sess.run(accuracy, feed_dict={x: mnist.test.images[:2000], y_: mnist.test.labels[:2000]})
    sess.close()
    assert first == pytest.approx(np.log(10), rel=1e-5)   # zero weights: uniform predictions
    assert acc > 0.65                                      # 10 classes: chance is 0.1


@needs_fashion
def test_deep_mnist_for_experts():
    from teachflow.datasets import mnist as input_data
    mnist = input_data.read_data_sets(one_hot=True, fashion=True, download=False)
    tf.set_random_seed(0)
    sess = tf.InteractiveSession()
    x = tf.placeholder(tf.float32, shape=[None, 784])
    y_ = tf.placeholder(tf.float32, shape=[None, 10])

    def weight_variable(shape):
        initial = tf.truncated_normal(shape, stddev=0.1)
        return tf.Variable(initial)

    def bias_variable(shape):
        initial = tf.constant(0.1, shape=shape)
        return tf.Variable(initial)

    def conv2d(x, W):
        return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')

    def max_pool_2x2(x):
        return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')

    W_conv1 = weight_variable([5, 5, 1, 32])
    b_conv1 = bias_variable([32])
    x_image = tf.reshape(x, [-1, 28, 28, 1])
    h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
    h_pool1 = max_pool_2x2(h_conv1)
    W_conv2 = weight_variable([5, 5, 32, 64])
    b_conv2 = bias_variable([64])
    h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)
    h_pool2 = max_pool_2x2(h_conv2)
    W_fc1 = weight_variable([7 * 7 * 64, 1024])
    b_fc1 = bias_variable([1024])
    h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 64])
    h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)
    keep_prob = tf.placeholder(tf.float32)
    h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
    W_fc2 = weight_variable([1024, 10])
    b_fc2 = bias_variable([10])
    y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2

    cross_entropy = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
    train_step = tf.train.AdamOptimizer(1e-4).minimize(cross_entropy)
    correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    assert h_pool2.shape.as_list() == [None, 7, 7, 64]

    sess.run(tf.global_variables_initializer())
    test = {x: mnist.test.images[:300], y_: mnist.test.labels[:300], keep_prob: 1.0}
    before = cross_entropy.eval(feed_dict=test)
    for i in range(25):
        batch = mnist.train.next_batch(50)
        train_step.run(feed_dict={x: batch[0], y_: batch[1], keep_prob: 0.5})
    after = cross_entropy.eval(feed_dict=test)
    acc = accuracy.eval(feed_dict=test)
    sess.close()
    assert after < before
    assert acc > 0.4


def test_getting_started_linear_regression_with_initialize_all_variables():
    x_data = np.random.RandomState(0).rand(100).astype(np.float32)
    y_data = x_data * 0.1 + 0.3

    W = tf.Variable(tf.random_uniform([1], -1.0, 1.0))
    b = tf.Variable(tf.zeros([1]))
    y = W * x_data + b
    loss = tf.reduce_mean(tf.square(y - y_data))
    optimizer = tf.train.GradientDescentOptimizer(0.5)
    train = optimizer.minimize(loss)
    init = tf.initialize_all_variables()          # the pre-0.12 name

    sess = tf.Session()
    sess.run(init)
    for step in range(201):
        sess.run(train)
    w, bb = sess.run(W), sess.run(b)
    sess.close()
    np.testing.assert_allclose(w, [0.1], atol=1e-3)
    np.testing.assert_allclose(bb, [0.3], atol=1e-3)


def test_sharing_variables_guide():
    def conv_relu(input, kernel_shape, bias_shape):
        weights = tf.get_variable("weights", kernel_shape,
                                  initializer=tf.random_normal_initializer())
        biases = tf.get_variable("biases", bias_shape,
                                 initializer=tf.constant_initializer(0.0))
        conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME')
        return tf.nn.relu(conv + biases)

    def my_image_filter(input_images):
        with tf.variable_scope("conv1"):
            relu1 = conv_relu(input_images, [5, 5, 1, 4], [4])
        with tf.variable_scope("conv2"):
            return conv_relu(relu1, [5, 5, 4, 4], [4])

    image1 = tf.placeholder(tf.float32, [None, 8, 8, 1])
    image2 = tf.placeholder(tf.float32, [None, 8, 8, 1])
    with tf.variable_scope("image_filters") as scope:
        result1 = my_image_filter(image1)
        scope.reuse_variables()
        result2 = my_image_filter(image2)
    with pytest.raises(ValueError, match="already exists"):   # sharing must be asked for
        with tf.variable_scope("image_filters"):
            my_image_filter(image1)

    def dense(x):
        with tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", [64, 10])
        return tf.matmul(x, w), w

    flat = tf.placeholder(tf.float32, [None, 64])
    out_a, w_a = dense(flat)
    out_b, w_b = dense(flat)
    assert w_a is w_b
    names = sorted(v.name for v in tf.global_variables())
    assert names == ["image_filters/conv1/biases:0", "image_filters/conv1/weights:0",
                     "image_filters/conv2/biases:0", "image_filters/conv2/weights:0", "shared/w:0"]
    images = digits.load_data(flat=False).test.images[:5]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r1, r2 = sess.run([result1, result2], {image1: images, image2: images})
        a, b_ = sess.run([out_a, out_b], {flat: images.reshape(5, 64)})
    np.testing.assert_array_equal(r1, r2)                 # one set of filters for both images
    np.testing.assert_array_equal(a, b_)


def test_using_gpus_guide_log_device_placement(capsys):
    a = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape=[2, 3], name='a')
    b = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape=[3, 2], name='b')
    c = tf.matmul(a, b)
    sess = tf.Session(config=tf.ConfigProto(log_device_placement=True))
    np.testing.assert_array_equal(sess.run(c), [[22., 28.], [49., 64.]])
    log = capsys.readouterr().err.splitlines()
    assert log == ["a: (Const): /job:localhost/replica:0/task:0/device:CPU:0",
                   "b: (Const): /job:localhost/replica:0/task:0/device:CPU:0",
                   "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:CPU:0"]
    sess.close()

    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=False)
    config.gpu_options.allow_growth = True
    with tf.device('/cpu:0'):
        d = tf.matmul(b, a)
    with tf.Session(config=config) as sess:
        want = np.arange(1, 7.).reshape(3, 2) @ np.arange(1, 7.).reshape(2, 3)
        np.testing.assert_allclose(sess.run(d), want)
    assert capsys.readouterr().err == ""


def test_word_embeddings_with_embedding_lookup():
    words = "the quick brown fox jumps over the lazy dog and the quick cat".split()
    vocab = sorted(set(words))
    index = {w: i for i, w in enumerate(vocab)}
    pairs = [(index[a], index[b]) for a, b in zip(words, words[1:])]   # predict the next word
    vocabulary_size, embedding_size = len(vocab), 8
    tf.set_random_seed(1)

    train_inputs = tf.placeholder(tf.int32, shape=[None])
    train_labels = tf.placeholder(tf.int64, shape=[None])
    embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    softmax_w = tf.Variable(tf.truncated_normal([embedding_size, vocabulary_size],
                                                stddev=1.0 / np.sqrt(embedding_size)))
    softmax_b = tf.Variable(tf.zeros([vocabulary_size]))
    logits = tf.matmul(embed, softmax_w) + softmax_b
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=train_labels,
                                                                         logits=logits))
    optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
    normalized_embeddings = embeddings / norm

    unused = index["dog"]                    # never an input word: its row must not move
    batch = np.array([p for p in pairs if p[0] != unused])
    feed = {train_inputs: batch[:, 0], train_labels: batch[:, 1]}
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        start = sess.run(embeddings)
        first = sess.run(loss, feed)
        for _ in range(200):
            sess.run(optimizer, feed)
        last, end, unit = sess.run([loss, embeddings, normalized_embeddings], feed)
    assert last < 0.5 * first
    np.testing.assert_array_equal(end[unused], start[unused])
    assert not np.allclose(end[index["the"]], start[index["the"]])
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-5)


def test_rnn_from_scratch_with_unstack_and_shared_cell():
    """R2RT's "Recurrent Neural Networks in Tensorflow I": a hand-written RNN over
    tf.unstack'ed time steps, the cell's variables shared with variable_scope(reuse=True)."""
    tf.set_random_seed(0)  # the initial weights, hence the whole curve, replay exactly
    batch_size, num_steps, num_classes, state_size = 32, 6, 2, 8
    rng = np.random.RandomState(0)

    def gen_batch():                           # echo task: y_t = x_{t-2}
        X = rng.randint(0, 2, size=(batch_size, num_steps))
        Y = np.zeros_like(X)
        Y[:, 2:] = X[:, :-2]
        return X, Y

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name='input_placeholder')
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name='labels_placeholder')
    init_state = tf.zeros([batch_size, state_size])
    x_one_hot = tf.one_hot(x, num_classes)
    rnn_inputs = tf.unstack(x_one_hot, axis=1)

    with tf.variable_scope('rnn_cell'):
        W = tf.get_variable('W', [num_classes + state_size, state_size])
        b = tf.get_variable('b', [state_size], initializer=tf.constant_initializer(0.0))

    def rnn_cell(rnn_input, state):
        with tf.variable_scope('rnn_cell', reuse=True):
            W = tf.get_variable('W', [num_classes + state_size, state_size])
            b = tf.get_variable('b', [state_size], initializer=tf.constant_initializer(0.0))
        return tf.tanh(tf.matmul(tf.concat([rnn_input, state], 1), W) + b)

    state = init_state
    rnn_outputs = []
    for rnn_input in rnn_inputs:
        state = rnn_cell(rnn_input, state)
        rnn_outputs.append(state)

    with tf.variable_scope('softmax'):
        W = tf.get_variable('W', [state_size, num_classes])
        b = tf.get_variable('b', [num_classes], initializer=tf.constant_initializer(0.0))
    logits = [tf.matmul(rnn_output, W) + b for rnn_output in rnn_outputs]
    y_as_list = tf.unstack(y, num=num_steps, axis=1)
    losses = [tf.nn.sparse_softmax_cross_entropy_with_logits(labels=label, logits=logit)
              for logit, label in zip(logits, y_as_list)]
    total_loss = tf.reduce_mean(losses)
    train_step = tf.train.AdagradOptimizer(0.3).minimize(total_loss)

    assert len(rnn_inputs) == num_steps and rnn_inputs[0].shape.as_list() == [batch_size, num_classes]
    assert len(tf.trainable_variables()) == 4
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        curve = []
        for _ in range(300):
            X, Y = gen_batch()
            tr_loss, _ = sess.run([total_loss, train_step], feed_dict={x: X, y: Y})
            curve.append(tr_loss)
    # an untrained cell guesses (loss ≈ ln 2); the echo needs the state carried two steps
    assert curve[0] > 0.6
    assert np.mean(curve[-20:]) < 0.05


def test_vgg_rgb_to_bgr_with_split_and_concat():
    """tensorflow-vgg's preprocessing: split the channels, subtract the means, re-join as BGR."""
    VGG_MEAN = [103.939, 116.779, 123.68]
    images = np.random.RandomState(0).rand(2, 6, 6, 3).astype(np.float32)
    rgb = tf.placeholder(tf.float32, [None, 6, 6, 3])
    rgb_scaled = rgb * 255.0
    red, green, blue = tf.split(axis=3, num_or_size_splits=3, value=rgb_scaled)
    assert red.get_shape().as_list()[1:] == [6, 6, 1]
    bgr = tf.concat(axis=3, values=[
        blue - VGG_MEAN[0],
        green - VGG_MEAN[1],
        red - VGG_MEAN[2],
    ])
    assert bgr.get_shape().as_list()[1:] == [6, 6, 3]
    with tf.Session() as sess:
        got = sess.run(bgr, {rgb: images})
    want = images[..., ::-1] * 255.0 - np.array(VGG_MEAN, dtype=np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-4)


def test_saver_and_latest_checkpoint(tmp_path):
    data = digits.load_data(one_hot=True)
    x = tf.placeholder(tf.float32, [None, 64])
    y_ = tf.placeholder(tf.float32, [None, 10])
    W = tf.Variable(tf.zeros([64, 10]), name="W")
    b = tf.Variable(tf.zeros([10]), name="b")
    global_step = tf.Variable(0, name='global_step', trainable=False)
    logits = tf.matmul(x, W) + b
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=logits))
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=global_step)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1)), tf.float32))
    saver = tf.train.Saver()
    test = {x: data.test.images, y_: data.test.labels}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(1, 101):
            batch_xs, batch_ys = data.train.next_batch(50)
            sess.run(train_op, feed_dict={x: batch_xs, y_: batch_ys})
            if step % 50 == 0:
                saver.save(sess, os.path.join(str(tmp_path), 'model.ckpt'), global_step=step)
        trained_acc = sess.run(accuracy, test)
        trained_W = sess.run(W)
    assert trained_acc > 0.8

    ckpt = tf.train.latest_checkpoint(str(tmp_path))
    assert ckpt.endswith('model.ckpt-100')
    with tf.Session() as sess:
        saver.restore(sess, ckpt)
        assert sess.run(global_step) == 100
        np.testing.assert_array_equal(sess.run(W), trained_W)
        assert sess.run(accuracy, test) == trained_acc
