"""The classic TF1 transfer-learning program, on teachflow.

1. Train a deep network (hidden layers 300-50-50, ReLU, ``tf.layers.dense``) and save it.
2. Build a new graph that reuses hidden1-3, adds a new hidden4 (20 units) and a new 10-way
   output, restore the reused layers with
   ``tf.train.Saver(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]"))``,
   train, and save the whole new model.
3. Variant: freeze the lowest layers (hidden1-2), training only hidden3, hidden4 and the
   output (``minimize(var_list=tf.get_collection(..., scope="hidden[34]|outputs"))``).

Only the import and the data source differ from the TensorFlow 1 original (the digits are
8×8, so ``n_inputs`` is 64; with ``--data fashion`` they are 28×28 Fashion-MNIST).

    python examples/dnn_transfer.py [--data digits|fashion|mnist] [--epochs N]
"""
import argparse
import os
import tempfile
import time

import numpy as np

import teachflow as tf
from teachflow.datasets import shuffle_batch


def load(data="digits"):
    """(X_train, y_train), (X_valid, y_valid), (X_test, y_test): flat float32 rows, int labels."""
    if data == "digits":
        d = tf.datasets.digits.load_data()
        return ((d.train.images, d.train.labels), (d.validation.images, d.validation.labels),
                (d.test.images, d.test.labels))
    loader = tf.datasets.mnist.load_fashion_mnist if data == "fashion" else tf.datasets.mnist.load_mnist
    (X_train, y_train), (X_test, y_test) = loader()
    X_train = X_train.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    X_test = X_test.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)
    return (X_train[5000:], y_train[5000:]), (X_train[:5000], y_train[:5000]), (X_test, y_test)


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


def pretrain(train, valid, ckpt, n_epochs=20, batch_size=50, learning_rate=0.01, log=print):
    """The original network: train it and save it to ``ckpt``. Returns the validation accuracy."""
    (X_train, y_train), (X_valid, y_valid) = train, valid
    reset_graph()
    n_inputs = X_train.shape[1]
    n_hidden1 = 300
    n_hidden2 = 50
    n_hidden3 = 50
    n_outputs = 10

    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int32, shape=(None), name="y")

    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")
        hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.relu, name="hidden2")
        hidden3 = tf.layers.dense(hidden2, n_hidden3, activation=tf.nn.relu, name="hidden3")
        logits = tf.layers.dense(hidden3, n_outputs, name="outputs")

    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")

    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")

    with tf.name_scope("train"):
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        training_op = optimizer.minimize(loss)

    init = tf.global_variables_initializer()
    saver = tf.train.Saver()

    with tf.Session() as sess:
        init.run()
        for epoch in range(n_epochs):
            for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            accuracy_val = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
            log(epoch, "Validation accuracy:", accuracy_val)
        saver.save(sess, ckpt)
    return accuracy_val


def transfer(train, test, ckpt, new_ckpt, n_epochs=20, batch_size=50, learning_rate=0.01,
             freeze=False, log=print):
    """A deeper network reusing hidden1-3 from ``ckpt``: returns the test accuracy."""
    (X_train, y_train), (X_test, y_test) = train, test
    reset_graph()
    n_inputs = X_train.shape[1]
    n_hidden1 = 300  # reused
    n_hidden2 = 50   # reused
    n_hidden3 = 50   # reused
    n_hidden4 = 20   # new!
    n_outputs = 10   # new!

    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int32, shape=(None), name="y")

    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")        # reused
        hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.relu, name="hidden2")  # reused
        hidden3 = tf.layers.dense(hidden2, n_hidden3, activation=tf.nn.relu, name="hidden3")  # reused
        hidden4 = tf.layers.dense(hidden3, n_hidden4, activation=tf.nn.relu, name="hidden4")  # new!
        logits = tf.layers.dense(hidden4, n_outputs, name="outputs")                          # new!

    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")

    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")

    with tf.name_scope("train"):
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        if freeze:  # train only hidden3, hidden4 and the output: hidden1-2 stay as restored
            train_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="hidden[34]|outputs")
            training_op = optimizer.minimize(loss, var_list=train_vars)
        else:
            training_op = optimizer.minimize(loss)

    reuse_vars = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")  # regular expression
    restore_saver = tf.train.Saver(reuse_vars)  # to restore layers 1-3

    init = tf.global_variables_initializer()
    saver = tf.train.Saver()

    with tf.Session() as sess:
        init.run()
        restore_saver.restore(sess, ckpt)
        for epoch in range(n_epochs):
            for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            accuracy_val = accuracy.eval(feed_dict={X: X_test, y: y_test})
            log(epoch, "Test accuracy:", accuracy_val)
        saver.save(sess, new_ckpt)
    return accuracy_val


def main():
    ap = argparse.ArgumentParser(description="Pre-train a DNN, then reuse its lower layers.")
    ap.add_argument("--data", default="digits", choices=["digits", "fashion", "mnist"])
    ap.add_argument("--epochs", type=int, default=None, help="default: 200 on digits, 20 otherwise")
    ap.add_argument("--ckpt-dir", default=None, help="where to save (default: a temporary folder)")
    args = ap.parse_args()
    n_epochs = args.epochs or (200 if args.data == "digits" else 20)
    train, valid, test = load(args.data)
    folder = args.ckpt_dir or tempfile.mkdtemp(prefix="teachflow-dnn-")
    ckpt, new_ckpt = os.path.join(folder, "my_model_final.ckpt"), os.path.join(folder, "my_new_model_final.ckpt")
    quiet = lambda *a: None  # noqa: E731
    t = time.perf_counter()
    acc = pretrain(train, valid, ckpt, n_epochs, log=quiet)
    print(f"pre-trained 300-50-50: validation accuracy {acc:.4f} ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    acc = transfer(train, test, ckpt, new_ckpt, n_epochs, log=quiet)
    print(f"reused hidden1-3 + new hidden4 + new output: test accuracy {acc:.4f} "
          f"({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    acc = transfer(train, test, ckpt, new_ckpt, n_epochs, freeze=True, log=quiet)
    print(f"same, hidden1-2 frozen (training hidden3-4 and the output): test accuracy {acc:.4f} "
          f"({time.perf_counter() - t:.1f} s)")
    print(f"checkpoints in {folder}")


if __name__ == "__main__":
    main()
