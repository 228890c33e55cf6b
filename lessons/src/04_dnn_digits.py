# %% [markdown]
# # A deep network for handwritten digits, and what its layers can be reused for
#
# **You will be able to:** build the classic TF1 deep network with name scopes and `tf.layers.dense`,
# train it on minibatches, measure accuracy with `in_top_k`, save it with a `Saver`, and reuse its
# lower layers in a new network for *other* classes (transfer learning), saying from an experiment
# when that helps and when it does not.
#
# The data: scikit-learn's handwritten digits (8×8 pixels), shipped offline. With the MNIST files in
# teachflow's data folder (see `teachflow.datasets.mnist`), set `USE_MNIST = True` for the original
# 28×28 digits <!-- fixed: 28 -->: every size below is derived from the data.

# %%
import os
import tempfile
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown
import teachflow as tf
from teachflow.datasets import digits, mnist, shuffle_batch
from teachflow.viz import draw

plt.rcParams.update({"figure.dpi": 120, "font.size": 10})  # readable on a projector
USE_MNIST = False  # True: MNIST from its files (no download here), fewer epochs
data = mnist.read_data_sets(download=False) if USE_MNIST else digits.load_data()
n_epochs = 5 if USE_MNIST else 40
X_train, y_train = data.train.images, data.train.labels
X_valid, y_valid = data.validation.images, data.validation.labels
X_test, y_test = data.test.images, data.test.labels
n_inputs = X_train.shape[1]
side = int(round(np.sqrt(n_inputs)))
assert side * side == n_inputs
Markdown(f"{len(X_train)} training, {len(X_valid)} validation and {len(X_test)} test images of "
         f"{side}×{side} = {n_inputs} pixels each.")

# %%
fig, axes = plt.subplots(1, 10, figsize=(9, 1.4))
for ax, d in zip(axes, range(10)):
    ax.imshow(X_train[np.flatnonzero(y_train == d)[0]].reshape(side, side), cmap="gray_r")
    ax.set(title=str(d), xticks=[], yticks=[])
plt.show()

# %% [markdown]
# ## The plan: two tasks with disjoint classes
# Transfer learning reuses what a network learned on one task for another. To test it honestly,
# the two tasks must not share examples or classes: the first network learns digits 0-4 from
# all their training images; the second must tell 5-9 apart from only a few labelled images of
# each. Whatever the reused layers bring, they did not learn it from a 5, 6, 7, 8 or 9.

# %%
old_task = y_train < 5
X_old, y_old = X_train[old_task], y_train[old_task]
X_old_valid, y_old_valid = X_valid[y_valid < 5], y_valid[y_valid < 5]
X_old_test, y_old_test = X_test[y_test < 5], y_test[y_test < 5]
X_new_test, y_new_test = X_test[y_test >= 5], y_test[y_test >= 5] - 5   # labels 5-9 -> 0-4
assert set(y_old) == {0, 1, 2, 3, 4} and set(y_new_test) == {0, 1, 2, 3, 4}
print(len(X_old), "training images of 0-4;", len(X_new_test), "test images of 5-9")

# %% [markdown]
# ## The network, in four name scopes
# `dnn` holds the layers, `loss` the cross-entropy, `eval` the accuracy, `train` the optimizer.
# Each `tf.layers.dense` creates `<name>/kernel` and `<name>/bias` variables (Glorot-uniform
# kernels, zero biases) and the ops `x·W + b` and the activation (ReLU, lesson 1).
#
# > **Concept: softmax and cross-entropy.** The last layer gives one score (*logit*) z_k per
# > class. Softmax turns the scores into probabilities, and the loss of one example with label y
# > is minus the log of the probability given to the right class:
# >
# > $$p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad \ell = -\log p_y, \qquad \frac{\partial \ell}{\partial z_k} = p_k - [k = y].$$
# >
# > The gradient is "what the network said minus what it should have said" (p − onehot): a
# > confident right answer gets almost none, a confident wrong one gets a large push.
# > `sparse_softmax_cross_entropy_with_logits` does all three steps in one numerically safe op.

# %%
z = tf.constant([[2.0, 1.0, -1.0]])
label = tf.constant([0], dtype=tf.int64)
xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=label, logits=z)
grad, = tf.gradients(xent, [z])
with tf.Session() as sess:
    p, g = sess.run([tf.nn.softmax(z), grad])
print("p =", p.round(3), " p − onehot =", (p - [1, 0, 0]).round(3), " ∂ℓ/∂z =", g.round(3))
assert np.allclose(g, p - [1, 0, 0], atol=1e-6)

# %%
def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)

def build(hidden=(300, 50, 50), new_layers=(), n_outputs=5, learning_rate=0.05, train_scope=None):
    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int64, shape=(None,), name="y")
    with tf.name_scope("dnn"):
        h = X
        for i, units in enumerate(list(hidden) + list(new_layers), start=1):
            h = tf.layers.dense(h, units, activation=tf.nn.relu, name=f"hidden{i}")
        logits = tf.layers.dense(h, n_outputs, name="outputs")
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
draw(tf.get_default_graph(), view="forward", collapse=["dnn/*", "loss", "eval"])

# %% [markdown]
# > **Concept: `name_scope` versus `variable_scope`.** Both prefix names, for different things.
# > `tf.name_scope("dnn")` prefixes the *operations* created inside it (`dnn/hidden1/MatMul`),
# > which is what the drawing folds into boxes. Variables made by `tf.get_variable` (which
# > `tf.layers.dense` uses) ignore name scopes and take the *variable scope* instead: the layer
# > opens `tf.variable_scope("hidden1")`, so its kernel is `hidden1/kernel`, not
# > `dnn/hidden1/kernel`. That is why `get_collection(..., scope="hidden[123]")` finds the
# > variables below, and why a variable scope with `reuse=True` can share one variable between
# > two parts of a graph.

# %%
g = tf.get_default_graph()
print("an op:      ", g.get_operation_by_name("dnn/hidden1/MatMul").name)
print("a variable: ", [v.op.name for v in tf.global_variables()][0])

# %% [markdown]
# > **Concept: `in_top_k`.** `tf.nn.in_top_k(logits, y, k)` is True for each example whose right
# > class is among the k largest logits; with k = 1 that means "the network's top guess is right",
# > and its mean is the accuracy:
# >
# > $$\text{accuracy} = \frac{1}{n}\sum_i [\,y_i \in \text{top}_k(z_i)\,].$$

# %%
logits_demo = tf.constant([[0.1, 2.0, 0.3], [1.5, 0.2, 1.4], [0.0, 0.1, 3.0]])
labels_demo = tf.constant([1, 2, 0], dtype=tf.int64)
with tf.Session() as sess:
    top1, top2 = sess.run([tf.nn.in_top_k(logits_demo, labels_demo, 1),
                           tf.nn.in_top_k(logits_demo, labels_demo, 2)])
print("top-1 right:", top1, " top-2 right:", top2)

# %% [markdown]
# ## Training on digits 0-4, and saving
# > **Concept: minibatch and epoch.** Computing the gradient on all training images for every
# > step is slow; one image is noisy. A *minibatch* of B images is the middle way: each step
# > descends the average loss of B examples,
# >
# > $$\theta \leftarrow \theta - \eta\,\nabla_\theta\,\frac{1}{B}\sum_{i \in \text{batch}} \ell_i(\theta).$$
# >
# > An *epoch* is one pass over the whole training set: with n images, ⌈n / B⌉ steps.
# > `shuffle_batch` deals the set in a new random order each epoch, so the batches differ.
# > Below, a toy set of 22 examples in batches of 5: three epochs, each dealt anew, the last batch
# > of each epoch smaller.

# %%
toy_n, toy_batch = 22, 5
fig, ax = plt.subplots(figsize=(9, 1.9))
for epoch in range(3):
    order = [int(i) for X_batch, _ in shuffle_batch(np.arange(toy_n), np.arange(toy_n), toy_batch, seed=epoch)
             for i in X_batch]
    for position, example in enumerate(order):
        batch = position // toy_batch
        ax.add_patch(plt.Rectangle((position, -epoch), 0.95, 0.8, color=plt.cm.tab10(batch)))
        ax.text(position + 0.47, -epoch + 0.4, str(example), ha="center", va="center", fontsize=9, color="white")
ax.set(xlim=(0, toy_n), ylim=(-2.1, 0.9), yticks=[0.4, -0.6, -1.6], yticklabels=["epoch 1", "epoch 2", "epoch 3"],
       xlabel="position in the epoch (colour = minibatch)")
ax.set_xticks([])
ax.set_title(f"{toy_n} examples, batches of {toy_batch}: {-(-toy_n // toy_batch)} steps per epoch", fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# `accuracy.eval` runs the `eval` part of the graph on the validation set in the default session.

# %%
ckpt_dir = tempfile.mkdtemp(prefix="teachflow-lesson4-")
ckpt = os.path.join(ckpt_dir, "my_model_final.ckpt")
batch_size = 50

valid_curve = []
with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for epoch in range(n_epochs):
        for X_batch, y_batch in shuffle_batch(X_old, y_old, batch_size=batch_size):
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        valid_curve.append(accuracy.eval(feed_dict={X: X_old_valid, y: y_old_valid}))
    old_test_accuracy = accuracy.eval(feed_dict={X: X_old_test, y: y_old_test})
    save_path = tf.train.Saver().save(sess, ckpt)
print(sorted(os.path.basename(p) for p in os.listdir(ckpt_dir)))
print([name for name, shape in tf.train.list_variables(ckpt)])
steps_per_epoch = -(-len(X_old) // batch_size)
Markdown(f"{n_epochs} epochs of {steps_per_epoch} steps each ({n_epochs * steps_per_epoch} steps). "
         f"Validation accuracy on 0-4 after the first epoch: {valid_curve[0]:.3f}, after the last: "
         f"{valid_curve[-1]:.3f}; test accuracy on 0-4: {old_test_accuracy:.3f}.")

# %% [markdown]
# The checkpoint is a NumPy `.npz` file with a small JSON index (names, shapes, a SHA-256 of the
# data), and the graph itself in a `.meta` JSON file (op types, names, collections), which
# `tf.train.import_meta_graph` rebuilds from known op types only: loading a classmate's checkpoint
# can never run code.
#
# ## Transfer: reuse hidden1-3, add a new hidden4 and a new output for 5-9
# The classic program: a new graph with the same `hidden1`-`hidden3` and new layers on top. A
# `Saver` built on the variables whose names match `hidden[123]` restores just those; the new
# layers start fresh. `minimize(var_list=...)` trains only `hidden4` and the output: the reused
# layers are *frozen*. The new task gets 10 labelled images per digit.

# %%
def few_labels(per_class, seed):
    """per_class training images of each digit 5-9 (labels 0-4), drawn with seed."""
    rng = np.random.RandomState(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(y_train == d), per_class, replace=False)
                          for d in range(5, 10)])
    return X_train[idx], y_train[idx] - 5

X_few, y_few = few_labels(10, seed=0)

reset_graph()
X, y, accuracy, training_op = build(new_layers=(20,), train_scope="hidden4|outputs")
reuse_vars = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")
print("restored:", [v.op.name for v in reuse_vars])
print("trained: ", [v.op.name for v in tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="hidden4|outputs")])
restore_saver = tf.train.Saver(reuse_vars)

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    restore_saver.restore(sess, ckpt)
    before = accuracy.eval(feed_dict={X: X_new_test, y: y_new_test})
    for epoch in range(60):
        for X_batch, y_batch in shuffle_batch(X_few, y_few, batch_size=10):
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    after = accuracy.eval(feed_dict={X: X_new_test, y: y_new_test})
    tf.train.Saver().save(sess, os.path.join(ckpt_dir, "my_new_model_final.ckpt"))
Markdown(f"On the 5-9 test images: {before:.3f} before training the new layers (five classes: "
         f"chance is 0.2) and {after:.3f} after 60 epochs on {len(X_few)} labelled images.")

# %% [markdown]
# Is that good? Only a comparison can say. Below, the same deeper network trained on the same
# few images in four ways, each with 5 seeds (a seed picks both the labelled images and the
# initial weights of the new layers):
#
# * **scratch**: nothing restored, every layer trained;
# * **frozen 1-3**: hidden1-3 restored and frozen (the classic program above);
# * **fine-tuned 1-3**: hidden1-3 restored, then trained with the rest;
# * **frozen 1**: only hidden1 restored and frozen.

# %%
METHODS = {  # name: (restored scope, trained scope; None = all)
    "scratch": (None, None),
    "frozen 1-3": ("hidden[123]", "hidden4|outputs"),
    "fine-tuned 1-3": ("hidden[123]", None),
    "frozen 1": ("hidden1", "hidden[234]|outputs"),
}

def transfer(method, per_class, seed, epochs=60):
    restore_scope, train_scope = METHODS[method]
    X_few, y_few = few_labels(per_class, seed)
    reset_graph(seed)
    X, y, accuracy, training_op = build(new_layers=(20,), train_scope=train_scope)
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        if restore_scope:
            tf.train.Saver(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope=restore_scope)).restore(sess, ckpt)
        for epoch in range(epochs):
            for X_batch, y_batch in shuffle_batch(X_few, y_few, batch_size=10):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        return accuracy.eval(feed_dict={X: X_new_test, y: y_new_test})

seeds, sizes = range(5), (5, 20)
results = {(m, n): np.array([transfer(m, n, s) for s in seeds]) for m in METHODS for n in sizes}
rows = "\n".join(f"| {m} | " + " | ".join(f"{results[m, n].mean():.3f} ± {results[m, n].std():.3f}"
                                          for n in sizes) + " |" for m in METHODS)
Markdown(f"Test accuracy on digits 5-9, mean ± standard deviation over {len(seeds)} seeds:\n\n"
         f"| method | " + " | ".join(f"{n} labels per digit" for n in sizes) + " |\n"
         f"|---|" + "---|" * len(sizes) + "\n" + rows)

# %%
mean = {key: r.mean() for key, r in results.items()}
best = {n: max(METHODS, key=lambda m: mean[m, n]) for n in sizes}
few, many = sizes

def compare(a, b, n):
    d = mean[a, n] - mean[b, n]
    return f"{'beat' if d > 0 else 'lost to'} {b} by {abs(d):.3f}"

text = [f"**What the runs show.** With {few} labels per digit the best method was *{best[few]}*; "
        f"with {many}, *{best[many]}*. Freezing the reused hidden1-3 {compare('frozen 1-3', 'scratch', few)} "
        f"with {few} labels and {compare('frozen 1-3', 'scratch', many)} with {many}; fine-tuning the same "
        f"layers {compare('fine-tuned 1-3', 'frozen 1-3', few)} and {compare('fine-tuned 1-3', 'frozen 1-3', many)}."]
deeper_worse = all(mean["frozen 1", n] > mean["frozen 1-3", n] for n in sizes)
if deeper_worse:
    text.append(f"Freezing only hidden1 did better than freezing hidden1-3 at both sizes "
                f"({mean['frozen 1', few]:.3f} and {mean['frozen 1', many]:.3f}): the lower the layer, "
                "the more general its features; the upper layers had specialised in telling 0-4 apart, "
                "and frozen, they cannot learn what separates a 5 from an 8.")
else:
    text.append("Freezing only hidden1 did not beat freezing hidden1-3 at both sizes: in these runs the "
                "depth of the reused part did not decide the result.")
scratch_strong = all(mean["scratch", n] >= max(mean[m, n] for m in METHODS) - 0.01 for n in sizes)
if scratch_strong:
    text.append(f"Training from scratch was within 0.01 of the best at both sizes: on {side}×{side} images a "
                f"network learns useful features from as few as {5 * few} labelled images by itself, so reuse has "
                "little to add, and frozen reuse takes away the freedom to adapt.")
Markdown("\n\n".join(text))

# %% [markdown]
# Reuse is expected to pay when the new task has too few labels to learn features from the raw
# input and the old features are general enough to serve it. Exercise 4 tests the first half:
# does the table change on 28×28 MNIST <!-- fixed: 28 -->, where a few images cover far less of what the input can show?
#
# ## Exercises
# Each exercise cell ends with `check(...)`: it says ✓, or gives a hint (never the answer).
#
# 1. Write `count_params(sizes)`: the number of trainable parameters of a stack of dense layers
#    with the given sizes, inputs first (`[n_inputs, 300, 50, 50, 5]` is the network above). The
#    check tries random stacks; then compare with `tf.trainable_variables()` after `build()`.

# %%
from teachflow.exercises import check

def count_params(sizes):
    return None   # your code

check("l04.count_params", count_params)

# %% [markdown]
# 2. Which regular expression, passed as `scope=` to `get_collection`, selects exactly the
#    variables of `hidden2` and `hidden3`? Store it in `pattern`.
# 3. Write `xent_grad(logits, label)`: the gradient of −log softmax(logits)[label] with respect
#    to a 1-D array of logits, in NumPy. The check compares it with the truth on random logits.

# %%
pattern = None   # exercise 2

def xent_grad(logits, label):
    return None   # exercise 3

display(check("l04.pattern", pattern), check("l04.xent_grad", xent_grad))

# %% [markdown]
# 4. (No check.) Set `USE_MNIST = True` (the MNIST files must be in teachflow's data folder) and
#    run the lesson again. Which method wins now, and does your answer to "when does reuse pay?"
#    change?
#
# The classic program this lesson follows, verbatim but for the import line:
# [`examples/dnn_transfer.py`](../examples/dnn_transfer.py) (it pretrains on all ten digits, as
# the TF1 original did; this lesson splits the classes to make the test honest).
