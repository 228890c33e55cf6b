# %% [markdown]
# # Splitting a graph over devices
#
# **You will be able to:** place parts of a graph on devices with `tf.device`, read the graph
# coloured by device, find the edges that cross devices and what they cost, and explain with a
# simulated pipeline timeline why a split must be balanced and why microbatches help.
#
# Data parallelism (lesson 6) copies the whole model to every device. *Model* parallelism cuts one
# model into parts and gives each device a part: the way to train a model too big for one device.

# %%
import numpy as np
import matplotlib.pyplot as plt
import teachflow as tf
from teachflow.viz import draw
from teachflow.viz.timeline import plot_pipeline
from teachflow.distributed.pipeline import Pipeline, Stage
from teachflow.datasets import digits

data = digits.load_data()
print(data.train.images.shape, data.test.images.shape)

# %% [markdown]
# ## Placing parts of the graph
# Everything built inside `with tf.device(...)` is recorded as running there. The maths does not
# change: teachflow runs the whole graph in one process, and the placement is what the simulator
# and the picture read.

# %%
def build(split_after):
    """A 64-256-256-32-10 network for the digits; layers up to `split_after` on /gpu:0."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 64], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    h, sizes = x, [("hidden1", 256), ("hidden2", 256), ("hidden3", 32)]
    for i, (name, units) in enumerate(sizes, start=1):
        with tf.device("/gpu:0" if i <= split_after else "/gpu:1"):
            h = tf.layers.dense(h, units, tf.nn.relu, name=name)
    with tf.device("/gpu:1"):
        logits = tf.layers.dense(h, 10, name="output")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits),
                              name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, y, logits, loss, train

x, y, logits, loss, train = build(split_after=2)
draw(loss, view="forward", devices=True, collapse=1)

# %% [markdown]
# ## The edges that cross devices
# A tensor produced on one device and used on another must travel over the link between them,
# once per step forward (activations) and once backward (their gradients). Its size is the batch
# size times the width of the layer:

# %%
def crossing_edges(graph):
    out = []
    for op in graph.get_operations():
        for t in op.inputs:
            if op.device and t.op.device and op.device != t.op.device and t.op.type != "VariableV2":
                out.append((t.name, t.op.device, op.device, t.shape.as_list()))
    return out

for name, src, dst, shape in crossing_edges(tf.get_default_graph()):
    print(f"{name:<20} {src} -> {dst}  shape {shape}: {4 * np.prod(shape[1:])} bytes per sample")

# %% [markdown]
# Placement does not change the numbers: training gives the same loss as on one device.

# %%
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(5):
        for xb, yb in data.train.batches(64, seed=epoch):
            sess.run(train, {x: xb, y: yb})
    correct = tf.equal(tf.argmax(logits, 1), y)
    acc = sess.run(tf.reduce_mean(tf.cast(correct, tf.float32)),
                   {x: data.test.images, y: data.test.labels})
print(f"test accuracy after 5 epochs: {acc:.3f}")

# %% [markdown]
# ## A pipeline on a virtual clock
# The simulator turns the placed graph into tasks: each op costs its floating-point operations
# divided by the device's speed, and each crossing tensor costs `latency + bytes / bandwidth`.
# With one batch at a time, `/gpu:1` waits while `/gpu:0` computes the forward pass, and the other
# way round for the backward pass.

# %%
def simulate(split_after, microbatches, bandwidth=1e9):
    x, y, logits, loss, train = build(split_after)
    grads = tf.gradients(loss, tf.trainable_variables())
    return Pipeline.from_graph(grads, batch_size=64, microbatches=microbatches, speed=1e9,
                               latency=1e-5, bandwidth=bandwidth).run()

r = simulate(split_after=2, microbatches=1)
print(r)
print("busy seconds per device:", [f"{b * 1e3:.2f} ms" for b in r.busy])
plot_pipeline(r, title="split after hidden2, one batch")
plt.show()

# %% [markdown]
# The first device does almost all the work (two 256-wide layers), so the second is idle most of
# the time: the idle share is the *bubble*. Moving the cut balances the work:

# %%
for split in (1, 2):
    r = simulate(split_after=split, microbatches=1)
    print(f"split after hidden{split}: makespan {r.makespan * 1e3:.2f} ms, bubble {r.bubble_fraction:.0%}, "
          f"busy {[round(b * 1e3, 2) for b in r.busy]} ms")

# %% [markdown]
# ## Microbatches fill the pipeline
# Cutting the batch into M microbatches lets `/gpu:1` start on microbatch 0 while `/gpu:0` computes
# microbatch 1 (GPipe). For S equal stages the bubble is (S − 1)/(M + S − 1):

# %%
stages = [Stage("gpu:0", forward=1.0, backward=2.0), Stage("gpu:1", forward=1.0, backward=2.0)]
for M in (1, 2, 4, 8):
    r = Pipeline.from_stages(stages, microbatches=M).run()
    print(f"M = {M}: bubble {r.bubble_fraction:.3f}   theory {(2 - 1) / (M + 2 - 1):.3f}")
plot_pipeline(Pipeline.from_stages(stages, microbatches=4).run(), title="2 equal stages, 4 microbatches")
plt.show()

# %% [markdown]
# ## The cost of cutting an edge
# On a slow link, where to cut matters as much as balance: a cut after a 256-wide layer sends 8
# times more data than a cut after the 32-wide layer.

# %%
for split in (1, 2, 3):
    r = simulate(split_after=split, microbatches=4, bandwidth=2e7)
    s = r.summary()
    print(f"split after hidden{split}: makespan {r.makespan * 1e3:6.2f} ms, "
          f"time on the links {s['transfer_time'] * 1e3:5.2f} ms")

# %% [markdown]
# ## Exercises
# 1. With 3 equal stages and 6 microbatches, what share of the time is idle? Store it in `bubble`.
# 2. A cut sends the output of a 128-wide float32 layer for a batch of 50 forward, and its gradient
#    backward. How many bytes cross the link per step? Store it in `nbytes`.

# %%
bubble = None  # exercise 1
nbytes = None  # exercise 2

# %%
def check(bubble, nbytes):
    out = []
    out.append("1: right!" if bubble is not None and abs(bubble - 2 / 8) < 1e-9 else
               "1: not yet: use (S − 1)/(M + S − 1).")
    out.append("2: right!" if nbytes == 2 * 50 * 128 * 4 else
               "2: not yet: batch × width × 4 bytes, forward and backward.")
    return "\n".join(out)

print(check(bubble, nbytes))
