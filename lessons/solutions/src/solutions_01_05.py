# %% [markdown]
# # Solutions to the exercises of lessons 1-5 (for teachers)
#
# Every checked exercise of lessons 1-5, solved the way a student would, and passed through the
# same `check` the lessons use. Each cell asserts that its answer passes, so this notebook, run
# by nbval with the lessons, fails if a checker or a lesson drifts. Do not hand it to students
# before they have tried: the lessons' notebooks hold no answers, this one holds them all.

# %%
import math
import re
import numpy as np
import teachflow as tf
from teachflow.exercises import check

def show(*results):
    for r in results:
        display(r)
        assert r.ok, r

# %% [markdown]
# ## Lesson 1: graphs and sessions

# %%
def build_z(p, q):
    return (p + q) * q

tf.reset_default_graph()
p = tf.placeholder(tf.float32, [], name="p")
q = tf.placeholder(tf.float32, [], name="q")
z = build_z(p, q)
n_ops = len(tf.get_default_graph().get_operations())
with tf.Session() as sess:
    z_value = sess.run(z, feed_dict={p: 1, q: 2})
print("operations:", [op.name for op in tf.get_default_graph().get_operations()])
show(check("l01.build_z", build_z), check("l01.n_ops", n_ops), check("l01.z_value", z_value))

# %% [markdown]
# ## Lesson 2: the curve fit
# With 20 hidden units: 1×20 + 20 weights and biases in layer 1, 20×1 + 1 in layer 2. For the
# learning rate, the lesson's model is rebuilt with lr 0.5 and trained until its MSE is below
# twice the noise floor.

# %%
n_params = 1 * 20 + 20 + 20 * 1 + 1

def steps_to_target(learning_rate, target=2 * 0.02 ** 2, max_steps=2000):
    tf.reset_default_graph()
    tf.set_random_seed(1)
    np.random.seed(1)
    x_data = np.linspace(-0.5, 0.5, 200)[:, np.newaxis]
    y_data = np.square(x_data) + np.random.normal(0, 0.02, x_data.shape)
    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.placeholder(tf.float32, [None, 1])
    L1 = tf.nn.tanh(tf.matmul(x, tf.Variable(tf.random_normal([1, 10]))) + tf.Variable(tf.zeros([1, 10])))
    prediction = tf.nn.tanh(tf.matmul(L1, tf.Variable(tf.random_normal([10, 1]))) + tf.Variable(tf.zeros([1, 1])))
    loss = tf.reduce_mean(tf.square(y - prediction))
    train_step = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(1, max_steps + 1):
            sess.run(train_step, feed_dict={x: x_data, y: y_data})
            if sess.run(loss, feed_dict={x: x_data, y: y_data}) < target:
                return step

steps_lr_05 = steps_to_target(0.5)
print("lr 0.1:", steps_to_target(0.1), "steps;  lr 0.5:", steps_lr_05, "steps")
show(check("l02.n_params", n_params), check("l02.steps_to_target", steps_lr_05))

# %% [markdown]
# ## Lesson 3: inside a training step
# z = (p + q)·q: along the path through p + q, ∂z/∂q = q; along the direct path, p + q. They add:
# ∂z/∂q = p + 2q. The multiply gate sends x the upstream gradient times y, and y times x.
# `tf.gradients` confirms the fan-out by building the graph's own backward pass.

# %%
tf.reset_default_graph()
p, q = tf.constant(1.0), tf.constant(2.0)
dz_dq_graph, = tf.gradients((p + q) * q, [q])
with tf.Session() as sess:
    dz_dq = sess.run(dz_dq_graph)
print("∂z/∂q from the graph:", dz_dq)
gate = (2 * -4, 2 * 3)

def tanh_backward(y, dy):
    return dy * (1 - y ** 2)

n_updates = 3 + 3   # three weight matrices and three bias vectors
show(check("l03.fanout", dz_dq), check("l03.mul_gate", gate), check("l03.tanh_backward", tanh_backward),
     check("l03.n_updates", n_updates))

# %% [markdown]
# ## Lesson 4: a deep network for digits

# %%
def count_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))

pattern = r"hidden[23]"

def xent_grad(logits, label):
    p = np.exp(logits - logits.max())
    p /= p.sum()
    p[label] -= 1.0
    return p

tf.reset_default_graph()
X = tf.placeholder(tf.float32, (None, 64))
h = X
for i, units in enumerate((300, 50, 50), start=1):
    h = tf.layers.dense(h, units, activation=tf.nn.relu, name=f"hidden{i}")
tf.layers.dense(h, 5, name="outputs")
n_graph = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
assert count_params([64, 300, 50, 50, 5]) == n_graph
print("the 64-300-50-50-5 network:", n_graph, "parameters;",
      [v.op.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope=pattern)])
show(check("l04.count_params", count_params), check("l04.pattern", pattern), check("l04.xent_grad", xent_grad))

# %% [markdown]
# ## Lesson 5: a convolutional network
# SAME keeps ⌈n / s⌉ positions, VALID ⌈(n − k + 1) / s⌉. conv2's kernel is 3×3×32×64, plus 64
# biases.

# %%
def conv_output_size(n, k, s, padding):
    return math.ceil(n / s) if padding == "SAME" else math.ceil((n - k + 1) / s)

n_conv2 = 3 * 3 * 32 * 64 + 64
tf.reset_default_graph()
images = tf.placeholder(tf.float32, [None, 8, 8, 1])
conv1 = tf.layers.conv2d(images, filters=32, kernel_size=3, strides=1, padding="SAME", name="conv1")
conv2 = tf.layers.conv2d(conv1, filters=64, kernel_size=3, strides=2, padding="SAME", name="conv2")
assert sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables() if v.op.name.startswith("conv2")) == n_conv2
assert conv2.shape.as_list()[1] == conv_output_size(conv_output_size(8, 3, 1, "SAME"), 3, 2, "SAME")
show(check("l05.conv_output_size", conv_output_size), check("l05.n_conv2", n_conv2))
