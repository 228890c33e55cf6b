# %% [markdown]
# # A convolutional network for digits
#
# **You will be able to:** build the classic TF1 convolutional network (two convolutions, max
# pooling, a dense layer), see convolution and pooling as ordinary ops in the graph, look at the
# learned filters and the feature maps they produce, and compare its accuracy with the deep
# network of lesson 4.

# %%
import numpy as np
import matplotlib.pyplot as plt
import teachflow as tf
from teachflow.datasets import digits, mnist, shuffle_batch
from teachflow.viz import draw

USE_MNIST = False  # True: the original 28×28 MNIST from its files (see teachflow.datasets.mnist)
data = mnist.read_data_sets(download=False) if USE_MNIST else digits.load_data(validation=False)
X_train, y_train = data.train.images, data.train.labels
X_test, y_test = data.test.images, data.test.labels
height = width = 28 if USE_MNIST else 8
channels, n_epochs = 1, (10 if USE_MNIST else 15)
print(X_train.shape, X_test.shape)

# %% [markdown]
# ## The network
# conv 32 3×3 stride 1 SAME → conv 64 3×3 stride 2 SAME → max-pool 2×2 VALID → dense 64 (ReLU) →
# 10 logits, trained with Adam. Images arrive flat and are reshaped to NHWC: (batch, height, width,
# channels).

# %%
tf.reset_default_graph()
tf.set_random_seed(42)
np.random.seed(42)

with tf.name_scope("inputs"):
    X = tf.placeholder(tf.float32, shape=[None, height * width], name="X")
    X_reshaped = tf.reshape(X, shape=[-1, height, width, channels])
    y = tf.placeholder(tf.int32, shape=[None], name="y")

conv1 = tf.layers.conv2d(X_reshaped, filters=32, kernel_size=3, strides=1, padding="SAME",
                         activation=tf.nn.relu, name="conv1")
conv2 = tf.layers.conv2d(conv1, filters=64, kernel_size=3, strides=2, padding="SAME",
                         activation=tf.nn.relu, name="conv2")
with tf.name_scope("pool3"):
    pool3 = tf.nn.max_pool(conv2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    pool3_flat = tf.reshape(pool3, shape=[-1, int(np.prod(pool3.shape.as_list()[1:]))])
with tf.name_scope("fc1"):
    fc1 = tf.layers.dense(pool3_flat, 64, activation=tf.nn.relu, name="fc1")
with tf.name_scope("output"):
    logits = tf.layers.dense(fc1, 10, name="output")
with tf.name_scope("train"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y)
    loss = tf.reduce_mean(xentropy)
    training_op = tf.train.AdamOptimizer().minimize(loss)
with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

for t in (X_reshaped, conv1, conv2, pool3, pool3_flat, fc1, logits):
    print(f"{t.name:<28} {t.shape}")

# %% [markdown]
# Convolution and pooling are ops like any other: a node with a shape rule, a NumPy kernel and a
# gradient. Here is the forward graph, each part folded:

# %%
draw(logits, view="forward", collapse=["conv1", "conv2", "pool3", "fc1", "output"])

# %% [markdown]
# ## Training
# Adam keeps two running averages per variable (the slot variables `…/Adam` and `…/Adam_1`):

# %%
print([v.op.name for v in tf.global_variables() if "conv1" in v.op.name])

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for epoch in range(n_epochs):
        for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size=100):
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        if epoch % 5 == 4:
            acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
            acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
            print(epoch + 1, "last batch accuracy:", acc_batch, "test accuracy:", acc_test)
    filters = sess.run(tf.get_default_graph().get_tensor_by_name("conv1/kernel:0"))
    maps1, maps2 = sess.run([conv1, conv2], feed_dict={X: X_test[:1]})
    cnn_accuracy = acc_test

# %% [markdown]
# ## What the network learned
# The 32 first-layer filters (3×3 each), and what they make of one test digit: each filter gives
# one 8×8 feature map; the second convolution (stride 2) gives 64 maps of 4×4.

# %%
fig, axes = plt.subplots(2, 16, figsize=(12, 1.8))
for i, ax in enumerate(axes.flat):
    ax.imshow(filters[:, :, 0, i], cmap="RdBu_r")
    ax.set(xticks=[], yticks=[])
fig.suptitle("conv1 filters")
plt.show()

fig, axes = plt.subplots(3, 12, figsize=(12, 3.3))
axes[0, 0].imshow(X_test[0].reshape(height, width), cmap="gray_r")
axes[0, 0].set_title(f"input ({y_test[0]})", fontsize=8)
for i, ax in enumerate(axes[0, 1:]):
    ax.imshow(maps1[0, :, :, i], cmap="viridis")
for i, ax in enumerate(axes[1:].flat):
    ax.imshow(maps2[0, :, :, i], cmap="viridis")
for ax in axes.flat:
    ax.set(xticks=[], yticks=[])
fig.suptitle(f"feature maps: conv1 (top row, {height}×{width}) and conv2 ({maps2.shape[1]}×{maps2.shape[2]})")
plt.show()

# %% [markdown]
# ## Compared with the deep network
# The DNN of lesson 4 (300-50-50, about 36,000 parameters) sees 64 unrelated numbers; the CNN knows
# that neighbouring pixels belong together and shares each small filter over the whole image.

# %%
n_cnn = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
n_dnn = 64 * 300 + 300 + 300 * 50 + 50 + 50 * 50 + 50 + 50 * 10 + 10
print(f"CNN: {n_cnn} parameters, test accuracy {cnn_accuracy:.3f}")
print(f"DNN (lesson 4): {n_dnn} parameters, test accuracy about 0.96")

# %% [markdown]
# ## Exercises
# 1. With padding "VALID" instead of "SAME", what would the spatial size of `conv1`'s output be
#    for an 8×8 input and a 3×3 filter with stride 1? Store it in `side`.
# 2. How many parameters does `conv2` have (kernel and bias)? Store it in `n_conv2`.

# %%
side = None     # exercise 1
n_conv2 = None  # exercise 2

# %%
def check(side, n_conv2):
    out = ["1: right!" if side == 6 else "1: not yet: VALID keeps only full windows: 8 − 3 + 1.",
           "2: right!" if n_conv2 == 3 * 3 * 32 * 64 + 64 else
           "2: not yet: kernel height × width × in-channels × filters, plus one bias per filter."]
    return "\n".join(out)

print(check(side, n_conv2))
