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
import teachflow as tf

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
# `sess.run(train_step, feed_dict=...)` runs one step of gradient descent on all 200 points.

# %%
losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(2000):
        sess.run(train_step, feed_dict={x: x_data, y: y_data})
        if step % 20 == 0:
            losses.append(sess.run(loss, feed_dict={x: x_data, y: y_data}))
    prediction_value = sess.run(prediction, feed_dict={x: x_data})
    final_mse = sess.run(loss, feed_dict={x: x_data, y: y_data})
print(f"final MSE: {final_mse:.5f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot(np.arange(len(losses)) * 20, losses)
ax1.set(xlabel="training step", ylabel="MSE", yscale="log", title="loss while training")
ax2.scatter(x_data, y_data, s=8, label="data")
ax2.plot(x_data, prediction_value, "r-", lw=3, label="prediction")
ax2.set(xlabel="x", ylabel="y", title="the fitted curve")
ax2.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercises
# 1. Change the learning rate to 0.5. Does the final MSE get lower or higher after 2000 steps?
# 2. Use 20 hidden units instead of 10. How many trainable parameters does the model have then?
#    Store your answer in `n_params` and run the check.

# %%
n_params = None  # your answer for exercise 2

# %%
def check(answer):
    expected = 1 * 20 + 20 + 20 * 1 + 1
    if answer is None:
        return "Not answered yet: count the weights and biases of both layers."
    return "Right!" if answer == expected else f"Not quite: count weights (1×20, 20×1) and biases (20, 1)."

print(check(n_params))
