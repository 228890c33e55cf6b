"""The classic TF1 convolutional network for handwritten digits, on teachflow.

conv 32 3×3 stride 1 SAME -> conv 64 3×3 stride 2 SAME -> max-pool 2×2 VALID -> dense 64 (ReLU)
-> 10 logits, Adam, minibatches from ``shuffle_batch`` over epochs, accuracy with ``in_top_k``.
Only the import and the data source differ from the TensorFlow 1 original (digits are 8×8
images, so the flattened pool is 64·2·2 instead of 64·7·7; ``--data fashion`` trains on
28×28 Fashion-MNIST, ``--data mnist`` on MNIST if its files are in the cache).

    python examples/cnn_digits.py [--data digits|fashion|mnist] [--epochs N]
"""
import argparse
import os
import tempfile
import time

import numpy as np

import teachflow as tf
from teachflow.datasets import shuffle_batch


def load(data="digits"):
    """(X_train, y_train), (X_test, y_test) with flat float32 rows, and the image height/width."""
    if data == "digits":
        d = tf.datasets.digits.load_data(validation=False)
        return (d.train.images, d.train.labels), (d.test.images, d.test.labels), 8, 8
    loader = tf.datasets.mnist.load_fashion_mnist if data == "fashion" else tf.datasets.mnist.load_mnist
    (X_train, y_train), (X_test, y_test) = loader()
    X_train = X_train.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    X_test = X_test.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    return (X_train, y_train.astype(np.int32)), (X_test, y_test.astype(np.int32)), 28, 28


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


def train_cnn(train, test, height, width, ckpt, n_epochs=10, batch_size=100, log=print):
    """Build and train the network; return the last test accuracy."""
    (X_train, y_train), (X_test, y_test) = train, test
    reset_graph()

    channels = 1
    n_inputs = height * width

    conv1_fmaps = 32
    conv1_ksize = 3
    conv1_stride = 1
    conv1_pad = "SAME"

    conv2_fmaps = 64
    conv2_ksize = 3
    conv2_stride = 2
    conv2_pad = "SAME"

    pool3_fmaps = conv2_fmaps

    n_fc1 = 64
    n_outputs = 10

    with tf.name_scope("inputs"):
        X = tf.placeholder(tf.float32, shape=[None, n_inputs], name="X")
        X_reshaped = tf.reshape(X, shape=[-1, height, width, channels])
        y = tf.placeholder(tf.int32, shape=[None], name="y")

    conv1 = tf.layers.conv2d(X_reshaped, filters=conv1_fmaps, kernel_size=conv1_ksize,
                             strides=conv1_stride, padding=conv1_pad,
                             activation=tf.nn.relu, name="conv1")
    conv2 = tf.layers.conv2d(conv1, filters=conv2_fmaps, kernel_size=conv2_ksize,
                             strides=conv2_stride, padding=conv2_pad,
                             activation=tf.nn.relu, name="conv2")

    with tf.name_scope("pool3"):
        pool3 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
        pool3_flat = tf.reshape(pool3, shape=[-1, pool3_fmaps * (height // 4) * (width // 4)])

    with tf.name_scope("fc1"):
        fc1 = tf.layers.dense(pool3_flat, n_fc1, activation=tf.nn.relu, name="fc1")

    with tf.name_scope("output"):
        logits = tf.layers.dense(fc1, n_outputs, name="output")
        Y_proba = tf.nn.softmax(logits, name="Y_proba")  # noqa: F841 (the course shows it)

    with tf.name_scope("train"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y)
        loss = tf.reduce_mean(xentropy)
        optimizer = tf.train.AdamOptimizer()
        training_op = optimizer.minimize(loss)

    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

    with tf.name_scope("init_and_save"):
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()

    with tf.Session() as sess:
        init.run()
        for epoch in range(n_epochs):
            for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
            acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
            log(epoch, "Last batch accuracy:", acc_batch, "Test accuracy:", acc_test)
            saver.save(sess, ckpt)
    return acc_test


def main():
    ap = argparse.ArgumentParser(description="Train the classic CNN.")
    ap.add_argument("--data", default="digits", choices=["digits", "fashion", "mnist"])
    ap.add_argument("--epochs", type=int, default=None, help="default: 20 on digits, 10 otherwise")
    ap.add_argument("--ckpt-dir", default=None, help="where to save (default: a temporary folder)")
    args = ap.parse_args()
    train, test, height, width = load(args.data)
    folder = args.ckpt_dir or tempfile.mkdtemp(prefix="teachflow-cnn-")
    t = time.perf_counter()
    acc = train_cnn(train, test, height, width, os.path.join(folder, "my_mnist_model"),
                    args.epochs or (20 if args.data == "digits" else 10))
    print(f"test accuracy {acc:.4f} after {time.perf_counter() - t:.1f} s; checkpoint in {folder}")


if __name__ == "__main__":
    main()
