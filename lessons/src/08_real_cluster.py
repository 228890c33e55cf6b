# %% [markdown]
# # From simulation to a real cluster
#
# **You will be able to:** run the strategies of lesson 6 on a real cluster with Ray, read a real
# run with the same timeline and flowcharts, check that the maths is the simulator's, fit the
# simulator to a real run (calibration) and say where simulation and reality differ, and why.
#
# Lesson 6 ran every device on a virtual clock. Here each device is a real process: a
# **parameter-server** process holds the parameters, and one **worker** process per device
# builds its own copy of the curve-fit graph and computes real gradients on its own shard of the
# data. They talk through [Ray](https://www.ray.io), the engine used for distributed training in
# practice. On one laptop every process shares a few cores, so to get a cluster of realistic
# proportions each worker also *sleeps* up to a compute time drawn from the same model as in the
# simulation: 50 ms per gradient, and worker 3 four times slower.

# %%
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown
import teachflow.distributed as dist
from teachflow.distributed import real
from teachflow.viz import plot_real_vs_simulated, plot_timeline, plot_staleness
from teachflow.widgets.flowchart import Flowchart

CLUSTER = dict(workers=4, model="curve_fit", batch_size=8, seed=0,
               compute=dist.Constant(0.05), slowdown={3: 4.0})

# %% [markdown]
# Ray starts its own processes on this machine (on a lab cluster you would pass
# `address="auto"`; see the README). Starting them takes a few seconds: the first of the
# differences between a real cluster and the simulator, which has no processes to start.

# %%
# NBVAL_IGNORE_OUTPUT
ray = real.connect()
print(f"Ray is running with {int(ray.cluster_resources()['CPU'])} CPUs")

# %% [markdown]
# ## Synchronous training, for real
# `dist.train` takes the arguments of `dist.simulate` and returns the same kind of result: an
# event log (pull, compute, push, wait, apply), the loss history and the parameters. Only the
# clock differs: the times are wall-clock seconds, measured in each process.

# %%
sync = dist.train("sync", updates=10, lr=0.2, **CLUSTER)
plot_timeline(sync, title="synchronous, on Ray (wall clock)")
plt.show()

# %% [markdown]
# The picture of lesson 6 again: every step ends when worker 3 is done, and the three fast
# workers spend most of each step waiting (grey). Measured on this run:

# %%
# NBVAL_IGNORE_OUTPUT
def waiting_share(result, worker):
    span = result.summary()["makespan"]
    return sum(e.duration for e in result.events if e.worker == worker and e.kind == "wait") / span

fast_wait = np.mean([waiting_share(sync, w) for w in range(3)])
assert fast_wait > 0.5 > waiting_share(sync, 3)
Markdown(f"The fast workers waited **{fast_wait:.0%}** of the run, worker 3 only "
         f"**{waiting_share(sync, 3):.0%}**.")

# %% [markdown]
# Timing does not change the arithmetic of synchronous training: the same minibatches, averaged
# in the same order, give the same parameters as the simulated run.

# %%
simulated_sync = dist.simulate("sync", updates=10, lr=0.2, **CLUSTER)
diff = max(float(np.abs(a - b).max()) for a, b in zip(sync.params, simulated_sync.params))
assert diff <= 1e-12
print(f"real and simulated parameters agree to 1e-12: {diff <= 1e-12}")

# %% [markdown]
# ## Asynchronous training, for real
# No barrier: the server applies each gradient the moment it arrives. The apply events name the
# worker whose gradient they applied, and the version it was computed from.

# %%
fast = dist.train("async", updates=100, lr=0.05, **CLUSTER)
plot_timeline(fast, t_max=0.6, title="asynchronous, on Ray (first 0.6 s)")
plt.show()

# %% [markdown]
# Nobody waits, and the slow worker's gradients arrive very stale: while it computes one, the
# three others keep delivering theirs.

# %%
# NBVAL_IGNORE_OUTPUT
stale = {w: [e.staleness for e in fast.events
             if e.kind == "apply" and real.contributors(e) == [w]] for w in range(4)}
fast_staleness = np.mean(stale[0] + stale[1] + stale[2])
assert np.mean(stale[3]) > 2 * fast_staleness
assert not any(e.kind == "wait" for e in fast.events)
Markdown(f"Mean staleness of the fast workers' gradients: **{fast_staleness:.1f}** updates; "
         f"of worker 3's: **{np.mean(stale[3]):.1f}**.")

# %% [markdown]
# Which gradient landed when depends on the operating system's timing, so an asynchronous run
# never repeats exactly. But its log says exactly what happened: `dist.replay` recomputes the
# final parameters from the log alone (each update with the gradient of the worker it names, at
# the parameter version that worker read) and finds the real server's parameters.

# %%
replayed = dist.replay(fast)
assert all(np.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(replayed, fast.params))
print("replayed from the event log: same parameters as the real server")

# %% [markdown]
# The flowcharts of lesson 6 play real runs too (drag the slider):

# %%
# NBVAL_IGNORE_OUTPUT
Flowchart({"sync on Ray": sync, "async on Ray": fast}).widget()

# %% [markdown]
# ## Calibration: the simulator fitted to the real run
# `dist.calibrate` reads the real run's log and fits the simulator's models: for each worker a
# compute-time model (the shortest computation plus exponential delays, fitted to the measured
# ones), and for the network the time a worker spends per message (pull or push) when it is
# neither computing nor waiting. Then the simulator replays the same strategy on that cluster.

# %%
# NBVAL_IGNORE_OUTPUT
calibration = dist.calibrate(fast)
for w, measured, model in calibration.table():
    print(f"worker {w}: measured {1e3 * measured:6.1f} ms per gradient -> {model}")
print(f"one message: {1e3 * calibration.network.latency:.2f} ms")

# %%
# NBVAL_IGNORE_OUTPUT
predicted = calibration.simulate()
plot_real_vs_simulated(fast, predicted, t_max=0.6)
plt.show()
figures = dist.compare(fast, predicted)
for name, (r, s, ratio) in figures.items():
    print(f"{name:20s} real {r:8.3f}   simulated {s:8.3f}   ratio {ratio:5.2f}")

# %% [markdown]
# The calibrated simulation predicts the real throughput closely, and the staleness roughly.
# The synchronous run is predicted from the *asynchronous* run's calibration: the devices and
# the network are the same whatever the strategy, so this is a prediction made before looking.

# %%
# NBVAL_IGNORE_OUTPUT
ahead = dist.simulate("sync", updates=10, lr=0.2, model=sync.model, batch_size=8, seed=0,
                      cluster=calibration.cluster())
throughput = ahead.summary()["updates_per_second"] / sync.summary()["updates_per_second"]
staleness_gap = abs(figures["mean_staleness"][1] - figures["mean_staleness"][0])
assert abs(figures["updates_per_second"][2] - 1) < 0.25 and abs(throughput - 1) < 0.25
assert staleness_gap < 1.5
Markdown(f"Async throughput predicted within **{abs(figures['updates_per_second'][2] - 1):.0%}**, "
         f"sync throughput within **{abs(throughput - 1):.0%}**; mean staleness within "
         f"**{staleness_gap:.2f}** updates.")

# %% [markdown]
# ## Where reality and simulation differ
# The staleness histograms show the first difference: in the simulation every fast worker takes
# exactly 50 ms, so the same pattern of arrivals repeats; on a real machine the times jitter and
# the staleness spreads.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2), sharey=True)
plot_staleness(fast, ax=axes[0], theory_curve=False, label="real")
plot_staleness(predicted, ax=axes[1], theory_curve=False, label="calibrated simulation")
plt.show()

# %% [markdown]
# Three sources of difference, each measured on the runs above:
#
# * **Process start-up.** Each worker is a Python process that imports NumPy and teachflow and
#   builds its graph before it can compute; the simulator starts at t = 0. (teachflow keeps the
#   processes for the next run, which then starts in milliseconds.)
# * **Serialization and messages.** A pull or a push is a remote call: the parameters are
#   serialized, copied between processes and deserialized. That time is the calibrated message
#   time, which the simulator charges through its network model.
# * **The operating system's scheduling.** Five processes (and Ray's own) share this machine's
#   few cores. A sleeping worker is woken when the scheduler gets round to it, so every
#   computation takes a little longer than its 50 ms, and by a varying amount.

# %%
# NBVAL_IGNORE_OUTPUT
stop = fast.summary()["makespan"]      # a computation still running then was cut off there
durations = [e.duration for e in fast.events if e.kind == "compute" and not e.dropped
             and e.worker != 3 and e.end < stop]
assert min(durations) >= 0.05          # a computation never ends before its drawn time
Markdown(f"Start-up of the first run: **{sync.config['startup_seconds']:.1f} s**; of the "
         f"second: **{fast.config['startup_seconds'] * 1e3:.0f} ms**. One message: "
         f"**{1e3 * calibration.network.latency:.1f} ms**. A 50 ms computation took "
         f"**{1e3 * np.mean(durations):.1f} ± {1e3 * np.std(durations):.1f} ms**.")

# %% [markdown]
# ## Try it
# * Make the slow worker 8 times slower (`slowdown={3: 8.0}`): how do the sync waits and the async
#   staleness change? Does the calibrated simulation still predict the throughput?
# * Add a backup worker (`dist.train("sync", backups=1, ...)`): the slow worker's late gradients
#   are dropped (hatched in the timeline).
# * With shorter computations (`Constant(0.005)`) the message time is no longer small beside the
#   compute time: what happens to the prediction?
#
# When you are done, stop Ray's processes:

# %%
dist.shutdown()
