# %% [markdown]
# # A deep network for handwritten digits
#
# **You will be able to:** build the classic TF1 deep network with name scopes and `tf.layers.dense`,
# measure accuracy with `in_top_k`, save it with a `Saver`, and reuse its lower layers in a new,
# deeper network (transfer learning), saying when and why that helps.
#
# The data: scikit-learn's 1,797 handwritten digits (8×8 pixels), shipped offline, split into
# 1,257 training, 270 validation and 270 test images. With the MNIST files in teachflow's data
# folder (see `teachflow.datasets.mnist`), set `USE_MNIST = True` for the original 28×28 digits.

# %%
import os
import tempfile
import numpy as np
import matplotlib.pyplot as plt
import teachflow as tf
from teachflow.datasets import digits, mnist, shuffle_batch
from teachflow.viz import draw

USE_MNIST = False  # True: MNIST from its files (no download here), fewer epochs
data = mnist.read_data_sets(download=False) if USE_MNIST else digits.load_data()
side, n_epochs = (28, 5) if USE_MNIST else (8, 40)
X_train, y_train = data.train.images, data.train.labels
X_valid, y_valid = data.validation.images, data.validation.labels
X_test, y_test = data.test.images, data.test.labels
print(X_train.shape, y_train[:10])

fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
for ax, img, label in zip(axes, X_train, y_train):
    ax.imshow(img.reshape(side, side), cmap="gray_r")
    ax.set(title=str(label), xticks=[], yticks=[])
plt.show()

# %% [markdown]
# ## The network, in four name scopes
# `dnn` holds the layers, `loss` the cross-entropy, `eval` the accuracy, `train` the optimizer.
# Each `tf.layers.dense` creates `<name>/kernel` and `<name>/bias` variables (Glorot-uniform
# kernels, zero biases) and the ops `x·W + b` and the activation.

# %%
def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)

def build(hidden=(300, 50, 50), new_layers=(), learning_rate=0.05, train_scope=None):
    X = tf.placeholder(tf.float32, shape=(None, side * side), name="X")
    y = tf.placeholder(tf.int64, shape=(None,), name="y")
    with tf.name_scope("dnn"):
        h = X
        for i, units in enumerate(list(hidden) + list(new_layers), start=1):
            h = tf.layers.dense(h, units, activation=tf.nn.relu, name=f"hidden{i}")
        logits = tf.layers.dense(h, 10, name="outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    with tf.name_scope("train"):
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        var_list = None if train_scope is None else tf.get_collection(
            tf.GraphKeys.TRAINABLE_VARIABLES, scope=train_scope)
        training_op = optimizer.minimize(loss, var_list=var_list)
    return X, y, accuracy, training_op

reset_graph()
X, y, accuracy, training_op = build()
print([v.name for v in tf.trainable_variables()])
draw(tf.get_default_graph(), collapse=["dnn/*", "train", "loss", "eval"])

# %% [markdown]
# ## Training and saving
# `shuffle_batch` yields the training set in a new random order each epoch; `accuracy.eval` runs
# the `eval` part of the graph on the validation set in the default session.

# %%
ckpt_dir = tempfile.mkdtemp(prefix="teachflow-lesson4-")
ckpt = os.path.join(ckpt_dir, "my_model_final.ckpt")

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for epoch in range(n_epochs):
        for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size=50):
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        if epoch % 10 == 9 or epoch == n_epochs - 1:
            print(epoch + 1, "validation accuracy:", accuracy.eval(feed_dict={X: X_valid, y: y_valid}))
    print("test accuracy:", accuracy.eval(feed_dict={X: X_test, y: y_test}))
    save_path = tf.train.Saver().save(sess, ckpt)
print(sorted(os.path.basename(p) for p in os.listdir(ckpt_dir)))
print([name for name, shape in tf.train.list_variables(ckpt)])

# %% [markdown]
# The validation accuracy does not rise steadily: plain gradient descent with a learning rate of
# 0.05 on minibatches of 50 sometimes overshoots (look at epoch 30) and recovers. A smaller rate
# is steadier but slower; lesson 5 uses Adam.
#
# The checkpoint is a NumPy `.npz` file with a small JSON index (names, shapes, a SHA-256 of the
# data): loading a classmate's checkpoint can never run code.
#
# ## Transfer learning: reuse hidden1-3, add a new hidden4 and a new output
# A new graph with the same `hidden1`-`hidden3` and new layers on top. A `Saver` built on the
# variables whose names match `hidden[123]` restores just those; the new layers start fresh.

# %%
reset_graph()
X, y, accuracy, training_op = build(new_layers=(20,))
reuse_vars = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")
print("restored:", [v.op.name for v in reuse_vars])
restore_saver = tf.train.Saver(reuse_vars)

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    restore_saver.restore(sess, ckpt)
    print("before training the new layers:", accuracy.eval(feed_dict={X: X_test, y: y_test}))
    for epoch in range(20):
        for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size=50):
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    print("after 20 epochs:", accuracy.eval(feed_dict={X: X_test, y: y_test}))
    tf.train.Saver().save(sess, os.path.join(ckpt_dir, "my_new_model_final.ckpt"))

# %% [markdown]
# ## Why it helps: few labelled examples
# Reused layers already turn pixels into useful features. With only 5 labelled images per digit,
# compare the deeper network trained from scratch with the same network whose lower layers are
# restored and frozen (`minimize(var_list=...)` trains only `hidden[34]` and the output):

# %%
rng = np.random.RandomState(0)
few = np.concatenate([rng.choice(np.flatnonzero(y_train == d), 5, replace=False) for d in range(10)])
X_few, y_few = X_train[few], y_train[few]

def train_on_few(restore):
    reset_graph()
    X, y, accuracy, training_op = build(new_layers=(20,),
                                        train_scope="hidden[34]|outputs" if restore else None)
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        if restore:
            tf.train.Saver(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")).restore(sess, ckpt)
        for epoch in range(60):
            for X_batch, y_batch in shuffle_batch(X_few, y_few, batch_size=10):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        return accuracy.eval(feed_dict={X: X_test, y: y_test})

scratch, reused = train_on_few(False), train_on_few(True)
print(f"50 labelled images: from scratch {scratch:.3f}, with reused layers {reused:.3f}")

# %% [markdown]
# ## Exercises
# 1. How many trainable parameters does the 300-50-50 network have (weights and biases of the
#    four dense layers)? Store it in `n_params`.
# 2. Which regular expression selects exactly the variables of `hidden2` and `hidden3`? Store it in
#    `pattern` and run the check (it tries it on the names above).

# %%
n_params = None  # exercise 1
pattern = None   # exercise 2

# %%
def check(n_params, pattern):
    import re
    out = []
    expected = 64 * 300 + 300 + 300 * 50 + 50 + 50 * 50 + 50 + 50 * 10 + 10
    out.append("1: right!" if n_params == expected else "1: not yet: sum in·out + out over the 4 layers.")
    names = ["hidden1/kernel", "hidden1/bias", "hidden2/kernel", "hidden2/bias", "hidden3/kernel",
             "hidden3/bias", "hidden4/kernel", "outputs/kernel"]
    picked = [n for n in names if pattern and re.match(pattern, n)]
    ok = picked == ["hidden2/kernel", "hidden2/bias", "hidden3/kernel", "hidden3/bias"]
    out.append("2: right!" if ok else "2: not yet: get_collection uses re.match on the names (try a [..] class).")
    return "\n".join(out)

print(check(n_params, pattern))
