# %% [markdown]
# # Fitting a curve with a graph
#
# **You will be able to:** build a computation graph with placeholders and variables, train it with
# `sess.run(train_step, feed_dict=...)`, and explain why the graph is defined *before* any data flows.
#
# This is the classic first TensorFlow 1.x program. The only change is the import line:
# `import teachflow as tf` instead of `import tensorflow as tf`.

# %%
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown
import teachflow as tf

plt.rcParams.update({"figure.dpi": 120, "font.size": 10})  # readable on a projector

tf.set_random_seed(1)
np.random.seed(1)

# %% [markdown]
# ## The data: 200 points of y = x² with a little noise
# The data stays outside the model. It enters only when we run the graph, through `feed_dict`.

# %%
x_data = np.linspace(-0.5, 0.5, 200)[:, np.newaxis]
noise = np.random.normal(0, 0.02, x_data.shape)
y_data = np.square(x_data) + noise
print(x_data.shape, y_data.shape)

# %% [markdown]
# ## The model: a 1-10-1 network with tanh on both layers
# Nothing is computed here. Each line adds nodes (operations) to the default graph; the
# placeholders `x` and `y` are holes to be filled later. `None` means "any batch size".

# %%
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
print(prediction)
print(loss)

# %% [markdown]
# `prediction` is not a number yet: it is a *symbol* with a static shape `(?, 1)`. The graph now holds
# the forward computation, the gradient operations that `minimize` added, and the update operations:

# %%
ops = tf.get_default_graph().get_operations()
print(len(ops), "operations, for example:")
for op in ops[:6]:
    print(f"  {op.name:<28} {op.type}")

# %% [markdown]
# ## Running: a session feeds data through the graph
# `sess.run(train_step, feed_dict=...)` runs one step of gradient descent on all 200 points. We
# count steps from 1, as the step-through widget of lesson 3 does, and record the MSE after each.

# %%
losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, 2000 + 1):
        sess.run(train_step, feed_dict={x: x_data, y: y_data})
        losses.append(sess.run(loss, feed_dict={x: x_data, y: y_data}))
    prediction_value = sess.run(prediction, feed_dict={x: x_data})
losses = np.array(losses)
final_mse = losses[-1]
print(f"MSE after step {len(losses)}: {final_mse:.5f}")

# %% [markdown]
# > **Concept: two lines every loss curve should be drawn against.**
# > * **The noise floor.** The data are y = x² + ε with noise ε of standard deviation σ = 0.02. Even
# >   the true curve x² misses each point by its noise, so its MSE is the noise's mean square, about
# >   σ² = 0.02². No model can get below it on new data; getting below it on the training data
# >   means fitting the noise (overfitting).
# > * **The constant predictor.** The best model that ignores x predicts the mean of y for every
# >   point; its MSE is the variance of y:
# >
# > $$\mathrm{MSE}_{\text{const}} = \frac{1}{n}\sum_i (y_i - \bar y)^2 = \mathrm{Var}(y).$$
# >
# > A loss above that line means the network has learned less than "always answer the average".
# > Real learning happens between the two lines; a target loss (lesson 6) must sit there too.

# %%
noise_floor = np.mean(noise ** 2)          # the MSE of the true curve x² on these 200 points
constant_mse = np.var(y_data)              # the MSE of predicting mean(y) everywhere
below_constant = int(np.argmax(losses < constant_mse)) + 1
target = 2 * 0.02 ** 2                      # "twice the noise floor"
reached = int(np.argmax(losses < target)) + 1
assert noise_floor < target < constant_mse and losses.min() < target
Markdown(f"On these data the noise floor is {noise_floor:.5f} and the constant predictor's MSE is "
         f"{constant_mse:.5f}, {constant_mse / noise_floor:.0f} times higher. The network beat the "
         f"constant predictor after step {below_constant}, needed {reached} steps to get below twice "
         f"σ² ({target:.4f}), and ended at {final_mse:.5f}, {final_mse / noise_floor:.2f} times the "
         f"noise floor of this sample.")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
steps = np.arange(1, len(losses) + 1)
ax1.plot(steps, losses, label="training MSE")
ax1.axhline(constant_mse, color="tab:red", ls="--", label="constant predictor")
ax1.axhline(noise_floor, color="tab:gray", ls=":", label="noise floor")
ax1.set(xlabel="training step", ylabel="MSE", yscale="log", title="loss while training")
ax1.legend(fontsize=9)
ax2.scatter(x_data, y_data, s=8, label="data")
ax2.plot(x_data, prediction_value, "r-", lw=3, label="prediction")
ax2.set(xlabel="x", ylabel="y", title="the fitted curve")
ax2.legend(fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercises
# Each exercise cell ends with `check(...)`: it says ✓, or gives a hint (never the answer).
#
# 1. Use 20 hidden units instead of 10 <!-- fixed: 20 -->. How many trainable parameters does the model have then?
#    Store your answer in `n_params`.

# %%
from teachflow.exercises import check

n_params = None  # your answer for exercise 1
check("l02.n_params", n_params)

# %% [markdown]
# 2. With learning rate 0.1 the MSE went below twice the noise floor after the number of steps
#    printed above. Rebuild the model with `GradientDescentOptimizer(0.5)` and find the first step
#    (counted from 1) after which its MSE is below the same target. Store it in `steps_lr_05`.
#    Then plot both loss curves: is the faster one also steadier?

# %%
steps_lr_05 = None  # your answer for exercise 2
check("l02.steps_to_target", steps_lr_05)
