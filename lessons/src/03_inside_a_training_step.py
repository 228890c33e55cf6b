# %% [markdown]
# # Inside one training step
#
# **You will be able to:** list the operations one `sess.run(train_step)` executes and in which
# order (forward, backward, update), follow the chain rule node by node through the gradient
# operations with real numbers, say when the variables actually change, and check a gradient
# against finite differences.
#
# In lesson 2, `sess.run(train_step, feed_dict=...)` did everything at once. Here we slow one
# such call down to one operation at a time. Nothing new is computed: the step-through runs the
# same kernels as `sess.run`, and records what goes in and out of each operation.

# %%
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown, Math
import teachflow as tf
from teachflow.viz.legible import ScrollBox, label_pt
from teachflow.widgets.stepthrough import StepThrough
from teachflow.widgets.gradcheck import GradCheck

plt.rcParams.update({"figure.dpi": 120, "font.size": 10})  # readable on a projector

# %% [markdown]
# ## The curve fit again, on 20 points
# The same 1-10-1 tanh network as in lesson 2, but only 20 points, so that every tensor is small
# enough to read.

# %%
x_data = np.linspace(-0.5, 0.5, 20)[:, np.newaxis]
y_data = np.square(x_data) + np.random.RandomState(1).normal(0, 0.02, x_data.shape)

tf.reset_default_graph()       # running this cell again starts afresh, with the same seed
tf.set_random_seed(1)
x = tf.placeholder(tf.float32, [None, 1], name="x")
y = tf.placeholder(tf.float32, [None, 1], name="y")
with tf.name_scope("layer1"):
    Weights_L1 = tf.Variable(tf.random_normal([1, 10]), name="weights")
    biases_L1 = tf.Variable(tf.zeros([1, 10]), name="biases")
    Wx_plus_b_L1 = tf.matmul(x, Weights_L1) + biases_L1
    L1 = tf.nn.tanh(Wx_plus_b_L1)
with tf.name_scope("layer2"):
    Weights_L2 = tf.Variable(tf.random_normal([10, 1]), name="weights")
    biases_L2 = tf.Variable(tf.zeros([1, 1]), name="biases")
    Wx_plus_b_L2 = tf.matmul(L1, Weights_L2) + biases_L2
    prediction = tf.nn.tanh(Wx_plus_b_L2)
loss = tf.reduce_mean(tf.square(y - prediction), name="loss")
train_step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
feed = {x: x_data, y: y_data}
print(f"loss before the step: {sess.run(loss, feed_dict=feed):.4f}")

# %% [markdown]
# ## One training step, recorded
# `tf.trace.step_through(sess, fetches, feed_dict)` does what `sess.run(fetches, feed_dict)` does,
# one operation at a time, and keeps every input and output. The result is a *trace*: a list of
# steps, each in one of three phases. We number the steps from 1, as the widget below does
# (in Python, `trace[i]` is step i + 1).

# %%
trace = tf.trace.step_through(sess, train_step, feed_dict=feed)
print(trace)
for s in trace:
    print(f"{s.index + 1:>2}  {s.phase:<8}  {s.op.name:<58} {s.op.type}")

# %% [markdown]
# Read the list from top to bottom:

# %%
def steps_of(phase):
    numbers = [s.index + 1 for s in trace if s.phase == phase]
    assert numbers == list(range(numbers[0], numbers[-1] + 1))   # each phase is one block
    return f"steps {numbers[0]}–{numbers[-1]}", len(numbers)

(fwd, _), (bwd, _), (upd, n_upd) = steps_of("forward"), steps_of("backward"), steps_of("update")
assert n_upd == len(tf.trainable_variables())
Markdown(f"""
* **forward** ({fwd}): the data is fed, the variables are read, and the loss is computed,
  layer by layer. (The learning rate, a constant, is read here too.)
* **backward** ({bwd}): the gradient operations that `minimize` added to the graph. They
  start at the loss (the seed ∂L/∂L = 1) and walk the forward operations in *reverse* order:
  `loss`, `Square`, `sub`, `layer2/Tanh`, ... down to `layer1/MatMul`. Each produces the
  gradient of one forward tensor.
* **update** ({upd}): one `ApplyGradientDescent` per trainable variable, {n_upd} in all.
""")

# %% [markdown]
#
# ## The step-through widget
# Press **next** to run one operation, or **play**. The current operation is yellow, finished ones
# green, those still to come faded. On the right: the values going in and out (small matrices as
# numbers, larger ones as heatmaps: red positive, blue negative) and the rule the operation
# applies. The toggle switches to the model alone, with the value and the gradient of each node.
# At the bottom, the gradient check (see the end of the lesson).

# %%
# NBVAL_IGNORE_OUTPUT
stepper = StepThrough(trace)
stepper

# %% [markdown]
# The widget is also driven from Python: `stepper.goto(i)` moves to `trace[i]`, which the widget
# shows as step i + 1. Below, the first layer's tanh; the picture is exactly what the widget
# shows at that step (scroll up: the widget has moved too). It is wide, so it keeps its natural
# size in a box that scrolls sideways, rather than shrinking its labels.

# %%
tanh1 = next(s.index for s in trace if s.op is L1.op)
stepper.goto(tanh1)
assert stepper.counter.value.startswith(f"step {tanh1 + 1} ")
print(stepper.counter.value, "|", stepper.step.explain())
picture = ScrollBox(stepper.svg)
assert picture.label_pt() >= 9
picture

# %% [markdown]
# ## Forward, node by node
# Each forward step applies its operation's formula. With 20 points, `x` is 20×1, `layer1/MatMul`
# turns it into 20×10 (ten hidden units per point), and `loss` is one number.

# %%
for s in trace:
    if s.phase == "forward" and s.op.opdef.kind == "op":
        print(s.explain())

# %% [markdown]
# ## Backward: the chain rule, node by node
# A gradient operation never sees the whole network. It gets the gradient arriving at its forward
# operation's output (∂L/∂output, computed by the steps before it) and multiplies by a *local*
# derivative. That is the chain rule, applied once per node, from the loss down:

# %%
for s in trace:
    if s.phase == "backward" and s.wrt is not None:
        print(s.explain())

# %% [markdown]
# The same rule in mathematical notation (each step has `.latex()`); here `layer2/Tanh`'s:

# %%
tanh_step = next(s for s in trace if s.phase == "backward" and s.op.gradient_of is prediction.op)
Math(tanh_step.latex())

# %% [markdown]
# Let us redo two links of the chain by hand, with the numbers from the trace. `grads[t]` is the
# gradient ∂L/∂t that the backward pass computed for the forward tensor `t`.
#
# * tanh: y = tanh(z), so ∂L/∂z = ∂L/∂y · (1 − y²), element by element;
# * the bias: `biases_L2` (1×1) was broadcast over the 20 rows, so its gradient is the *sum*
#   of the 20 row gradients.

# %%
grads = {s.wrt: s.output for s in trace if s.phase == "backward" and s.wrt is not None}
pred = trace.value(prediction)
by_hand = grads[prediction] * (1 - pred ** 2)
assert np.allclose(by_hand, grads[Wx_plus_b_L2])
assert np.isclose(grads[Wx_plus_b_L2].sum(), grads[biases_L2].item(), rtol=1e-5)
print("tanh rule by hand matches the trace")
print(f"∂L/∂biases_L2 by hand (the sum of 20 rows): {grads[Wx_plus_b_L2].sum():.4f}   "
      f"from the trace: {grads[biases_L2].item():.4f}")

# %% [markdown]
# In the widget's forward view the same story is written on the model itself: each node shows
# its value and its gradient (the labels hold the whole step's numbers; the colours show how far
# the step has got: green = value computed, red = its backward rule has run, yellow = now).
# Here at the step where `layer2/Tanh`'s rule sends the gradient back to `layer2/add`:

# %%
tanh2_grad = next(s.index for s in trace if s.phase == "backward" and s.op.gradient_of is prediction.op)
stepper.show_view("forward")
stepper.goto(tanh2_grad)
print(stepper.counter.value)
picture = ScrollBox(stepper.svg)
assert picture.label_pt() >= 9
picture

# %% [markdown]
# ## The update: when do the variables change?
# Only in the update steps at the end. Until then every variable still holds its old value; each
# update step writes w ← w − η·∂L/∂w into the session. Stepping back restores the old values.

# %%
for s in trace:
    if s.phase == "update":
        (variable, (before, after)), = s.writes.items()
        print(f"{s.index + 1}: {variable.op.name:<15} w ← w − η·∂L/∂w   first entry "
              f"{before.flat[0]:.4f} → {after.flat[0]:.4f}")

# %%
params = [Weights_L1, biases_L1, Weights_L2, biases_L2]
start = sess.run(params)
last_backward = max(s.index for s in trace if s.phase == "backward")
stepper.goto(last_backward)
unchanged = all(np.array_equal(a, b) for a, b in zip(start, sess.run(params)))
print(f"after the backward pass (step {last_backward + 1}), variables unchanged:", unchanged)
stepper.last()
after_trace = sess.run(params)
stepper.first()                                       # back to the start: values restored
sess.run(train_step, feed_dict=feed)                  # one ordinary training step
same = all(np.array_equal(a, b) for a, b in zip(after_trace, sess.run(params)))
print("last step of the trace == one sess.run(train_step):", same)
assert unchanged and same

# %% [markdown]
# ## Gradient check: is the backward pass right?
# A gradient can be estimated without any chain rule: nudge one weight w by a small ε and see how
# much the loss moves, (L(w + ε) − L(w − ε)) / 2ε. `GradCheck` does this for every entry of a
# variable, at the trace's data and the variables' values at the start of the step, and compares
# with the symbolic gradient. (The widget's panel does the same for the variable you choose.)

# %%
check = GradCheck(trace)
print("loss:", check.loss.name, "| variables:", [v.op.name for v in check.variables])
result = check.check("layer2/weights")
print(result.table(digits=3))
print("relative error below 1e-4:", result.error < 1e-4)
assert result.error < 1e-4

# %%
for v in check.variables:
    r = check.check(v)
    print(f"{r.name:<16} {str(r.symbolic.shape):<8} {'agree' if r.error < 1e-4 else 'DIFFER'}")

# %% [markdown]
# How small should ε be? Too large, and the straight line through L(w ± ε) misses the curve;
# too small, and the difference L(w + ε) − L(w − ε) drowns in float32 rounding (teachflow, like
# TensorFlow, computes in float32: about 7 significant digits).

# %%
eps_values = [10.0 ** -k for k in range(1, 8)]
errors = [check.check("layer1/weights", eps=e).error for e in eps_values]
best = eps_values[int(np.argmin(errors))]
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(eps_values, errors, "o-")
ax.set(xlabel="ε", ylabel="relative error", title="gradient check of layer1/weights")
plt.tight_layout()
plt.show()
assert errors[0] > min(errors) < errors[-1]          # too large and too small are both worse
Markdown(f"Here the best ε is {best:g}: larger ones are hurt by curvature, smaller ones by rounding.")

# %% [markdown]
# > **Concept: gates, and gradients that meet.** Backpropagation is local: each operation (a
# > "gate") multiplies the gradient arriving at its output by its own local derivative.
# > * an **add** gate z = x + y passes ∂L/∂z unchanged to both inputs (a *distributor*);
# > * a **multiply** gate z = x · y sends each input ∂L/∂z times the *other* input (a *swap*);
# > * a **max** gate sends ∂L/∂z to the larger input only (a *router*).
# >
# > When a tensor feeds several operations (a *fan-out*), the gradients coming back along the
# > paths add up — the multivariate chain rule, which `AddN` implements in the graph:
# >
# > $$\frac{\partial L}{\partial q} = \sum_{\text{consumers } c \text{ of } q} \frac{\partial L}{\partial c}\,\frac{\partial c}{\partial q}.$$
#
# ## Exercises
# Each exercise cell ends with `check(...)`: it says ✓, or gives a hint (never the answer).
#
# 1. **Fan-out.** z = (p + q) · q. What is ∂z/∂q at p = 1, q = 2? Work it out by hand (you can
#    check with `tf.gradients`). Store it in `dz_dq`.
# 2. **A gate.** A multiply gate z = x · y has inputs x = 3, y = −4 and receives the upstream
#    gradient ∂L/∂z = 2. What does it send back? Store the pair `(dL_dx, dL_dy)` in `gate`.

# %%
from teachflow.exercises import check

dz_dq = None   # exercise 1
gate = None    # exercise 2: (dL_dx, dL_dy)
display(check("l03.fanout", dz_dq), check("l03.mul_gate", gate))

# %% [markdown]
# 3. **A backward rule.** Write `tanh_backward(y, dy)`: given the output y = tanh(x) of the forward
#    pass and the incoming gradient dy = ∂L/∂y (arrays of the same shape), return ∂L/∂x. The check
#    runs it on random arrays. (Compare with the rule the trace printed for `layer1/Tanh`.)

# %%
def tanh_backward(y, dy):
    return None   # your code

check("l03.tanh_backward", tanh_backward)

# %% [markdown]
# 4. A 1-10-10-1 network (one more hidden layer, also with weights and biases) is trained with
#    `GradientDescentOptimizer`. How many **update** steps does one training step have? Store
#    the number in `n_updates`.
# 5. (No check.) Replace `GradientDescentOptimizer(0.1)` by `AdamOptimizer(0.01)`, trace one step
#    and open the widget: what do the update steps write besides the variables?

# %%
n_updates = None   # exercise 4
check("l03.n_updates", n_updates)
