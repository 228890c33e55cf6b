# %% [markdown]
# # Splitting a graph over devices
#
# **You will be able to:** place parts of a graph on devices with `tf.device`, read the graph
# coloured by device, list the tensors that cross devices and what they cost, and explain with a
# simulated pipeline timeline why a split must be balanced, why microbatches help, and why the
# cut that sends the least data can be the slowest.
#
# Data parallelism (lesson 6) copies the whole model to every device. *Model* parallelism cuts one
# model into parts and gives each device a part: the way to train a model too big for one device.

# %%
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown, display
import teachflow as tf
from teachflow.viz import draw
from teachflow.viz.timeline import plot_pipeline
from teachflow.distributed.pipeline import Pipeline, Stage
from teachflow.datasets import digits
from teachflow.exercises import check

plt.rcParams.update({"figure.dpi": 120, "font.size": 10})
data = digits.load_data()
print(data.train.images.shape, data.test.images.shape)

# %% [markdown]
# ## Placing parts of the graph
# Everything built inside `with tf.device(...)` is recorded as running there. The maths does not
# change: teachflow runs the whole graph in one process, and the placement is what the simulator
# and the picture read. The network: 64 inputs, three hidden layers of widths 64, 256 and 64,
# 10 outputs. Layer i goes to `/gpu:0` if i ≤ `split_after`, else to `/gpu:1` (the output layer
# is layer 4).

# %%
WIDTHS = (64, 256, 64)


def build(split_after):
    """A 64-64-256-64-10 network for the digits; layers 1..split_after on /gpu:0, the rest on /gpu:1."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 64], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    h = x
    for i, units in enumerate(WIDTHS, start=1):
        with tf.device("/gpu:0" if i <= split_after else "/gpu:1"):
            h = tf.layers.dense(h, units, tf.nn.relu, name=f"hidden{i}")
    with tf.device("/gpu:0" if split_after >= 4 else "/gpu:1"):
        logits = tf.layers.dense(h, 10, name="output")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits),
                              name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, y, logits, loss, train


x, y, logits, loss, train = build(split_after=2)
draw(loss, view="forward", devices=True, collapse=1)

# %% [markdown]
# ## The tensors that cross devices
# A tensor produced on one device and used on another must travel over the link between them.
# Several ops on the receiving device may read it (the forward MatMul and the gradient of the
# weights, for instance), but it is sent once per destination, so the list below has one line
# per (tensor, destination device) and says how many ops read it there. A tensor whose first dimension is the batch
# (`None`) is sent every step, its size growing with the batch: *bytes per sample*. A tensor
# without a batch dimension, such as the optimizer's scalar learning rate, is a constant: it is
# sent once, whatever the batch.

# %%
def crossing_tensors(graph):
    """(tensor, source device, destination device) for each tensor used on another device than
    its own, once per (tensor, destination); variables are left out (they live where they are
    used)."""
    seen = {}
    for op in graph.get_operations():
        for t in op.inputs:
            src, dst = t.op.device, op.device
            if src and dst and src != dst and t.op.type != "VariableV2":
                seen.setdefault((t.name, dst), (t, src, dst))
    return list(seen.values())


crossing = crossing_tensors(tf.get_default_graph())
for t, src, dst in crossing:
    shape = t.shape.as_list()
    size = 4 * int(np.prod([d for d in shape if d is not None]))
    what = f"{size} bytes per sample" if shape and shape[0] is None else f"a constant, {size} bytes once"
    readers = sum(op.device == dst for op in t.consumers())
    print(f"{t.name:<40} {src} -> {dst}  shape {shape}: {what}, read by {readers} op{'s' * (readers > 1)} there")
names = [(t.name, dst) for t, _, dst in crossing]
assert len(names) == len(set(names))
# the claims of the next paragraph
per_sample = [(t.shape.as_list()[1], src, dst) for t, src, dst in crossing if t.shape.as_list()[:1] == [None]]
assert sorted(per_sample) == [(256, "/gpu:0", "/gpu:1"), (256, "/gpu:1", "/gpu:0")]

# %% [markdown]
# Forward, the activations of the last layer on `/gpu:0` (256 wide) cross to `/gpu:1`; backward,
# their gradient crosses back. Placement does not change the numbers: training the split model
# gives exactly the same results as training it on one device.

# %%
def train_and_test(split_after):
    x, y, logits, loss, train = build(split_after)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(5):
            for xb, yb in data.train.batches(64, seed=epoch):
                sess.run(train, {x: xb, y: yb})
        correct = tf.equal(tf.argmax(logits, 1), y)
        acc = tf.reduce_mean(tf.cast(correct, tf.float32))
        return sess.run([loss, acc], {x: data.test.images, y: data.test.labels})


split_loss, split_acc = train_and_test(split_after=2)
one_loss, one_acc = train_and_test(split_after=4)     # everything on /gpu:0
assert split_loss == one_loss and split_acc == one_acc
print(f"after 5 epochs: test loss {split_loss:.4f}, test accuracy {split_acc:.3f}, split or not")

# %% [markdown]
# ## A pipeline on a virtual clock
# The simulator turns the placed graph into tasks. Its constants: each device does
# `speed` = 10⁹ floating-point operations per second, and each op costs its operations divided by
# that speed plus an `overhead` of 1 µs (the time to launch it); each crossing tensor costs
# `latency + bytes / bandwidth` on the link, with a latency of 10 µs and a bandwidth of 10⁹ bytes
# per second unless we say otherwise. With one batch of 64 at a time, `/gpu:1` waits while
# `/gpu:0` computes the forward pass, and the other way round for the backward pass.

# %%
def simulate(split_after, microbatches, bandwidth=1e9):
    x, y, logits, loss, train = build(split_after)
    grads = tf.gradients(loss, tf.trainable_variables())
    return Pipeline.from_graph(grads, batch_size=64, microbatches=microbatches, speed=1e9,
                               latency=1e-5, bandwidth=bandwidth).run()


r = simulate(split_after=1, microbatches=1)
print(r)
print("busy time per device:", [f"{b * 1e3:.2f} ms" for b in r.busy])
plot_pipeline(r, title="split after hidden1, one batch")
plt.show()

# %% [markdown]
# The idle share of device time is the **bubble**. Where should the cut go? Each layer's cost is
# about proportional to its multiply-adds, inputs × outputs: 64·64, 64·256, 256·64 and 64·10.

# %%
macs = [a * b for a, b in zip((64,) + WIDTHS, WIDTHS + (10,))]
runs = {split: simulate(split_after=split, microbatches=1) for split in (1, 2, 3)}
for split, r in runs.items():
    share = r.busy[0] / sum(r.busy)
    print(f"split after hidden{split}: gpu:0 does {share:.0%} of the work, makespan "
          f"{r.makespan * 1e3:.2f} ms, bubble {r.bubble_fraction:.0%}, "
          f"busy {[round(b * 1e3, 2) for b in r.busy]} ms")
best = min(runs, key=lambda s: runs[s].makespan)
shares = {s: r.busy[0] / sum(r.busy) for s, r in runs.items()}
assert best == 2 and abs(shares[2] - 0.5) < 0.1 and all(abs(shares[s] - 0.5) > 0.35 for s in (1, 3))
display(Markdown(
    f"Multiply-adds per layer: {', '.join(f'{m:,}' for m in macs)}. The two middle layers carry "
    f"{(macs[1] + macs[2]) / sum(macs):.0%} of them, so the cut between them balances the work: "
    f"after hidden2, `/gpu:0` does {shares[2]:.0%} of it, and the makespan is the shortest. The "
    f"other cuts leave {1 - shares[1]:.0%} (after hidden1) or {shares[3]:.0%} (after hidden3) of "
    f"the work on one device."))

# %% [markdown]
# ## Microbatches fill the pipeline
# Even a balanced split leaves one device idle while the other works on the batch. Cutting the
# batch into M microbatches lets `/gpu:1` start on microbatch 0 while `/gpu:0` computes
# microbatch 1 (GPipe). For S equal stages the bubble is (S − 1)/(M + S − 1):

# %%
stages = [Stage("gpu:0", forward=1.0, backward=2.0), Stage("gpu:1", forward=1.0, backward=2.0)]
for M in (1, 2, 4, 8):
    r = Pipeline.from_stages(stages, microbatches=M).run()
    theory = (2 - 1) / (M + 2 - 1)
    assert abs(r.bubble_fraction - theory) < 1e-9
    print(f"M = {M}: bubble {r.bubble_fraction:.3f}   theory {theory:.3f}")
plot_pipeline(simulate(split_after=2, microbatches=4), title="split after hidden2, 4 microbatches")
plt.show()

# %% [markdown]
# ## The cost of cutting an edge
# Each cut sends a different tensor: after hidden1 or hidden3 a 64-wide one, after hidden2 a
# 256-wide one, four times as many bytes. On a fast link that hardly matters; on a slow one it
# might. **Predict before running:** with a link of 2·10⁷ bytes per second (20 MB/s) and 4
# microbatches, which cut finishes a step first: after hidden `1`, `2` or `3`?

# %%
prediction = None   # 1, 2 or 3

# %%
rows = ["| link (bytes/s) | cut after | bytes crossing per step | time on the link | busiest device | makespan |",
        "|---:|---|---:|---:|---:|---:|"]
result = {}
for bandwidth in (1e9, 2e7, 5e6):
    for split in (1, 2, 3):
        r = simulate(split_after=split, microbatches=4, bandwidth=bandwidth)
        result[bandwidth, split] = r
        nbytes = 2 * 64 * 4 * (64, 256, 64)[split - 1]     # forward and backward, batch of 64
        rows.append(f"| {bandwidth:.0e} | hidden{split} | {nbytes:,} | "
                    f"{r.summary()['transfer_time'] * 1e3:.2f} ms | {max(r.busy) * 1e3:.2f} ms | "
                    f"{r.makespan * 1e3:.2f} ms |")
display(Markdown("\n".join(rows)))
check("l07.fastest_cut", prediction)

# %%
fast = {b: min((1, 2, 3), key=lambda s: result[b, s].makespan) for b in (1e9, 2e7, 5e6)}
narrow, wide = result[2e7, 1], result[2e7, 2]
link = {s: result[2e7, s].summary()["transfer_time"] for s in (1, 2)}
# the claims of the next paragraph
assert fast[1e9] == 2 and fast[2e7] == 2 and fast[5e6] in (1, 3)
assert narrow.makespan >= max(narrow.busy) > wide.makespan
display(Markdown(
    f"At 20 MB/s the cut after hidden1 spends {link[1] * 1e3:.2f} ms on the link against "
    f"{link[2] * 1e3:.2f} ms for the cut after hidden2, and still finishes last of the two: "
    f"{narrow.makespan * 1e3:.2f} ms against {wide.makespan * 1e3:.2f} ms. A step can never be "
    f"shorter than the busy time of its busiest device, and that cut leaves "
    f"{max(narrow.busy) * 1e3:.2f} ms of work on `/{narrow.devices[int(np.argmax(narrow.busy))].lstrip('/')}`, "
    f"more than the whole balanced step. "
    f"Only when the link gets slow enough (5 MB/s here) does the traffic outweigh the imbalance, "
    f"and a narrow cut (after hidden{fast[5e6]}) wins."))

# %% [markdown]
# ## Exercises
# 1. With 3 equal stages and 6 microbatches, what share of the time is idle? Store it in `bubble`.
# 2. A cut sends the output of a 128-wide float32 layer for a batch of 50 forward, and its gradient
#    backward. How many bytes cross the link per step? Store it in `nbytes`.
#    <!-- fixed: 128 50 (the exercise's own numbers) -->

# %%
bubble = None  # exercise 1
nbytes = None  # exercise 2
display(check("l07.bubble", bubble), check("l07.nbytes", nbytes))
