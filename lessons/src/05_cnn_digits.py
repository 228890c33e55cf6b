# %% [markdown]
# # A convolutional network for digits
#
# **You will be able to:** build the classic TF1 convolutional network (two convolutions, max
# pooling, a dense layer), see convolution and pooling as ordinary ops in the graph, look at the
# learned filters and the feature maps they produce, and compare its accuracy with the deep
# network of lesson 4.

# %%
import math
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle
from IPython.display import Markdown
import teachflow as tf
from teachflow.datasets import digits, mnist, shuffle_batch
from teachflow.viz import draw

plt.rcParams.update({"figure.dpi": 120, "font.size": 10})  # readable on a projector
USE_MNIST = False  # True: the original MNIST from its files (see teachflow.datasets.mnist)
data = mnist.read_data_sets(download=False) if USE_MNIST else digits.load_data(validation=False)
X_train, y_train = data.train.images, data.train.labels
X_test, y_test = data.test.images, data.test.labels
n_inputs = X_train.shape[1]
height = width = int(round(math.sqrt(n_inputs)))   # square images: 8×8 digits, 28×28 MNIST
assert height * width == n_inputs
channels, n_epochs = 1, (10 if USE_MNIST else 15)
print(X_train.shape, X_test.shape)

# %% [markdown]
# > **Concept: convolution, padding and pooling.** A convolution slides a small k×k filter over
# > the image with a *stride* s and, at each position, outputs the weighted sum of the pixels
# > under it (one output channel per filter). How many positions fit?
# > * `padding="VALID"`: only windows that lie entirely inside the image;
# > * `padding="SAME"`: the image is padded with zeros so that there is one window every s pixels,
# >   whatever k (with s = 1 the output has the input's size).
# >
# > $$n_\text{out}^\text{VALID} = \left\lceil \frac{n - k + 1}{s} \right\rceil, \qquad n_\text{out}^\text{SAME} = \left\lceil \frac{n}{s} \right\rceil.$$
# >
# > *Max pooling* slides a window the same way but outputs the largest value under it, with no
# > weights: it shrinks the maps and keeps the strongest responses.

# %%
def conv_out(n, k, s, padding):
    return math.ceil(n / s) if padding == "SAME" else math.ceil((n - k + 1) / s)

fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
for ax, padding in zip(axes[:2], ("VALID", "SAME")):
    pad = 1 if padding == "SAME" else 0
    n = 8
    for i in range(-pad, n + pad):
        for j in range(-pad, n + pad):
            inside = 0 <= i < n and 0 <= j < n
            ax.add_patch(Rectangle((j, i), 1, 1, fc="white" if inside else "#eeeeee",
                                   ec="#999999", lw=0.6, ls="-" if inside else ":"))
    for (i, j), colour in (((-pad, -pad), "tab:red"), ((-pad + 1, -pad + 2), "tab:blue")):
        ax.add_patch(Rectangle((j, i), 3, 3, fc="none", ec=colour, lw=2.5))
    ax.set(xlim=(-1.5, 9.5), ylim=(9.5, -1.5), aspect="equal", xticks=[], yticks=[],
           title=f"3×3, stride 1, {padding}: {conv_out(n, 3, 1, padding)}×{conv_out(n, 3, 1, padding)} outputs")
pool_in = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 2], [2, 2, 3, 4]])
ax = axes[2]
ax.imshow(pool_in, cmap="Greys", vmin=0, vmax=8)
for (i, j), v in np.ndenumerate(pool_in):
    ax.text(j, i, str(v), ha="center", va="center", fontsize=11)
for (i, j), colour in (((0, 0), "tab:red"), ((0, 2), "tab:blue"), ((2, 0), "tab:green"), ((2, 2), "tab:orange")):
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 2, 2, fc="none", ec=colour, lw=2.5))
pooled = pool_in.reshape(2, 2, 2, 2).max(axis=(1, 3))
ax.set(xticks=[], yticks=[], title=f"max-pool 2×2, stride 2 → {pooled.tolist()}")
fig.suptitle("two windows of a 3×3 filter (grey ring: SAME's zero padding); pooling windows in colour")
plt.tight_layout()
plt.show()

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
# the shapes follow the rule of the concept box
side1 = conv_out(height, 3, 1, "SAME"); side2 = conv_out(side1, 3, 2, "SAME"); side3 = conv_out(side2, 2, 2, "VALID")
assert conv1.shape.as_list()[1:] == [side1, side1, 32] and conv2.shape.as_list()[1:] == [side2, side2, 64]
assert pool3.shape.as_list()[1:] == [side3, side3, 64]

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
    cnn_accuracy = accuracy.eval(feed_dict={X: X_test, y: y_test})

# %% [markdown]
# ## What the network learned
# The 32 first-layer filters, and what they make of one test digit. The filters share one colour
# scale, symmetric around zero (red: the filter adds that pixel, blue: it subtracts it).

# %%
limit = np.abs(filters).max()
fig, axes = plt.subplots(2, 16, figsize=(12, 2.2))
for i, ax in enumerate(axes.flat):
    im = ax.imshow(filters[:, :, 0, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set(xticks=[], yticks=[])
fig.colorbar(im, ax=axes, shrink=0.9, label="weight")
fig.suptitle(f"the {filters.shape[3]} conv1 filters ({filters.shape[0]}×{filters.shape[1]})")
plt.show()

# %%
shown1, shown2 = 11, 24
top = max(maps1[0, :, :, :shown1].max(), maps2[0, :, :, :shown2].max())
fig, axes = plt.subplots(3, 12, figsize=(12, 3.6))
axes[0, 0].imshow(X_test[0].reshape(height, width), cmap="gray_r")
axes[0, 0].set_title(f"input ({y_test[0]})", fontsize=9)
for i, ax in enumerate(axes[0, 1:]):
    im = ax.imshow(maps1[0, :, :, i], cmap="viridis", vmin=0, vmax=top)
for i, ax in enumerate(axes[1:].flat):
    ax.imshow(maps2[0, :, :, i], cmap="viridis", vmin=0, vmax=top)
for ax in axes.flat:
    ax.set(xticks=[], yticks=[])
fig.colorbar(im, ax=axes, shrink=0.9, label="activation (ReLU ≥ 0)")
fig.suptitle(f"the first {shown1} of {maps1.shape[3]} conv1 maps (top row, {maps1.shape[1]}×{maps1.shape[2]}) "
             f"and the first {shown2} of {maps2.shape[3]} conv2 maps ({maps2.shape[1]}×{maps2.shape[2]})")
plt.show()

# %% [markdown]
# ## Compared with the deep network
# The DNN of lesson 4 (hidden layers 300-50-50) sees the pixels as unrelated numbers; the CNN
# knows that neighbouring pixels belong together and shares each small filter over the whole
# image. A fair comparison trains both on the same images, for the same epochs, with the same
# optimizer and batch size, from the same seed:

# %%
n_cnn = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
fc1_params = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables() if v.op.name.startswith("fc1/"))

tf.reset_default_graph()
tf.set_random_seed(42)
np.random.seed(42)
X = tf.placeholder(tf.float32, shape=[None, n_inputs], name="X")
y = tf.placeholder(tf.int32, shape=[None], name="y")
h = X
for i, units in enumerate((300, 50, 50), start=1):
    h = tf.layers.dense(h, units, activation=tf.nn.relu, name=f"hidden{i}")
logits = tf.layers.dense(h, 10, name="outputs")
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y))
training_op = tf.train.AdamOptimizer().minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))
n_dnn = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for epoch in range(n_epochs):
        for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size=100):
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    dnn_accuracy = accuracy.eval(feed_dict={X: X_test, y: y_test})

gap = cnn_accuracy - dnn_accuracy
wrong_cnn, wrong_dnn = round((1 - cnn_accuracy) * len(X_test)), round((1 - dnn_accuracy) * len(X_test))
verdict = ("one run each cannot tell them apart: rerun with other seeds (exercise 3)" if abs(wrong_cnn - wrong_dnn) <= 2
           else f"the {'CNN' if gap > 0 else 'DNN'} made fewer mistakes in this run")
Markdown(f"| | parameters | test accuracy | test images wrong |\n|---|---|---|---|\n"
         f"| CNN | {n_cnn:,} | {cnn_accuracy:.3f} | {wrong_cnn} of {len(X_test)} |\n"
         f"| DNN 300-50-50 | {n_dnn:,} | {dnn_accuracy:.3f} | {wrong_dnn} of {len(X_test)} |\n\n"
         f"Both trained {n_epochs} epochs on the same {len(X_train):,} images. The CNN has "
         f"{n_cnn / n_dnn:.2f} times the DNN's parameters (`fc1` alone holds {fc1_params / n_cnn:.0%} "
         f"of them); {verdict}.")

# %% [markdown]
# ## Exercises
# Each exercise cell ends with `check(...)`: it says ✓, or gives a hint (never the answer).
#
# 1. Write `conv_output_size(n, k, s, padding)`: the side of the output of a k×k convolution (or
#    pooling) with stride s on an n×n input, for `padding` "SAME" or "VALID". The check tries
#    many cases.

# %%
from teachflow.exercises import check

def conv_output_size(n, k, s, padding):
    return None   # your code

check("l05.conv_output_size", conv_output_size)

# %% [markdown]
# 2. How many parameters does `conv2` have (kernel and bias)? Store it in `n_conv2`, then check
#    it against `tf.trainable_variables()` (rebuild the CNN first).
# 3. (No check.) Rerun the comparison with seeds 0, 1 and 2 for both networks. Is the difference
#    between them larger than the difference between seeds?
#
# The classic program: [`examples/cnn_digits.py`](../examples/cnn_digits.py).

# %%
n_conv2 = None  # exercise 2
check("l05.n_conv2", n_conv2)
