# %% [markdown]
# # Graphs and sessions
#
# **You will be able to:** describe a computation as a directed graph (nodes are operations, edges
# carry tensors), build one with `import teachflow as tf`, run parts of it with `sess.run` and
# `feed_dict`, and name the three separations every large-scale framework is built on.

# %%
import numpy as np
import teachflow as tf
from teachflow.viz import draw

# %% [markdown]
# ## Define first
# Each line below adds a node to the *default graph*. No number is computed yet: `c` is a symbol
# with a name, a static shape and a dtype.

# %%
a = tf.constant(3.0, name="a")
b = tf.Variable(2.0, name="b")
c = tf.add(a * b, 1.0, name="c")
print(c)
print("c is computed by", c.op.type, "from", [t.name for t in c.op.inputs])

# %% [markdown]
# Drawing the graph shows what was recorded: operations as boxes, tensors as arrows labelled
# with their shapes. The variable `b` is a parameter (it keeps its value between runs).

# %%
draw(c, legend=True)

# %% [markdown]
# ## Run later
# A `Session` executes the part of the graph that the *fetches* need. Variables get their values
# from an initializer, and those values live inside the session.

# %%
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("c =", sess.run(c))
    print("fetch several at once:", sess.run({"a": a, "b": b, "c": c}))

# %% [markdown]
# ## Separation 1: data is separate from the model
# A placeholder is a hole in the graph; `feed_dict` fills it at run time. The same graph serves any
# batch: `None` in the shape means "any size".

# %%
tf.reset_default_graph()
x = tf.placeholder(tf.float32, [None, 3], name="x")
w = tf.Variable(tf.ones([3, 2]), name="w")
y = tf.matmul(x, w, name="y")
print(x, "->", y)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run(y, feed_dict={x: [[1, 2, 3]]}))
    print(sess.run(y, feed_dict={x: np.ones((4, 3))}))

# %% [markdown]
# Forgetting the feed is an error that names the hole:

# %%
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    try:
        sess.run(y)
    except tf.errors.InvalidArgumentError as e:
        print(e)

# %% [markdown]
# ## Separation 2: the graph is structured into parts
# Name scopes group operations into parts (layers). Parts can be drawn as clusters, folded into
# one box, and later inspected, saved or restored on their own. The hidden layer below uses a
# ReLU:
#
# > **Concept: ReLU, the rectified linear unit.** A layer computes `x·W` (a weighted sum per unit)
# > and then a non-linearity. ReLU keeps positive values and sets negative ones to zero:
# >
# > $$\mathrm{relu}(a) = \max(0, a), \qquad \frac{d\,\mathrm{relu}}{da} = \begin{cases}1 & a > 0\\ 0 & a \le 0\end{cases}$$
# >
# > Without a non-linearity, two layers `x·W1·W2` would be one linear map `x·(W1·W2)`: depth would add
# > nothing. ReLU is cheap and its gradient does not shrink for positive inputs (tanh's does, far
# > from zero); a unit whose input is negative for every example gets no gradient at all ("dead").

# %%
a = np.linspace(-2, 2, 5)
with tf.Session() as sess:
    print("a       =", a)
    print("relu(a) =", sess.run(tf.nn.relu(a)))

# %%
tf.reset_default_graph()
x = tf.placeholder(tf.float32, [None, 4], name="x")
with tf.name_scope("hidden"):
    w1 = tf.Variable(tf.random_normal([4, 8], seed=1), name="weights")
    h = tf.nn.relu(tf.matmul(x, w1), name="relu")
with tf.name_scope("output"):
    w2 = tf.Variable(tf.random_normal([8, 1], seed=2), name="weights")
    out = tf.matmul(h, w2, name="logits")
print([v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden")])
draw(out)

# %% [markdown]
# Folded, each part is one box, the way TensorBoard shows a big model:

# %%
draw(out, collapse=["hidden", "output"])

# %% [markdown]
# ## Separation 3: the session maps the computation onto devices
# `tf.device` records where each operation should run. Here one part is placed on a "GPU" and the
# other on a second one; colouring by device shows the split, and the edges that cross devices are
# where data must travel (lesson 7 simulates that cost).

# %%
tf.reset_default_graph()
x = tf.placeholder(tf.float32, [None, 4], name="x")
with tf.device("/gpu:0"), tf.name_scope("part1"):
    h = tf.nn.relu(tf.matmul(x, tf.Variable(tf.ones([4, 8]), name="w")))
with tf.device("/gpu:1"), tf.name_scope("part2"):
    out = tf.matmul(h, tf.Variable(tf.ones([8, 2]), name="w"))
print({op.name: op.device for op in tf.get_default_graph().get_operations() if "MatMul" in op.name})
draw(out, devices=True)

# %% [markdown]
# ## What `sess.run` really does
# The first time a set of fetches is run, the session prunes the graph to what those fetches need,
# orders the operations, and writes one straight-line Python function: a flat list of kernel calls.
# Later runs reuse it. Here it is for `out`:

# %%
with tf.Session() as sess:
    print(sess.plan_source(out, {x: None}))

# %% [markdown]
# ## Exercises
# Each exercise cell ends with `check(...)`: it says ✓, or gives a hint (never the answer).
#
# 1. Write `build_z(p, q)` so that it adds to the graph the operations computing
#    z = (p + q) · q from two tensors `p` and `q`, and returns `z`. The check builds two
#    placeholders, calls your function and runs the graph on random feeds.

# %%
from teachflow.exercises import check

def build_z(p, q):
    return None   # your code: return the tensor z

check("l01.build_z", build_z)

# %% [markdown]
# 2. After `tf.reset_default_graph()`, create two scalar placeholders `p` and `q` and
#    `z = build_z(p, q)`. How many operations does the graph have? Store the number in `n_ops`.
# 3. Run `z` with `p = 1`, `q = 2` and store the result in `z_value`.

# %%
n_ops = None    # your answer for exercise 2
z_value = None  # your answer for exercise 3
display(check("l01.n_ops", n_ops), check("l01.z_value", z_value))
