# %% [markdown]
# # Synchronous versus asynchronous training
#
# **You will be able to:** say what each device does in synchronous and in asynchronous
# data-parallel training (read the parameters, compute a gradient on its own data, send it, wait
# or not), read the timeline of a cluster, explain why a synchronous step lasts as long as its
# slowest device and why asynchronous gradients are stale, and choose between the two for a given
# cluster from an experiment rather than from a slogan.
#
# In lesson 2 one device fitted a curve. Here the same curve fit (a 1-10-1 tanh network, 200
# points) is trained by a simulated cluster. Every device computes *real* gradients with
# teachflow on its own shard of the data; only the clock is simulated, from seeded models of how
# long each computation takes. Every run replays exactly.

# %%
import numpy as np
import matplotlib.pyplot as plt
import teachflow.distributed as dist
from teachflow.widgets import Race, RaceWidget, to_gif, save_html
from teachflow.viz.timeline import plot_timeline
from teachflow.viz.training_plots import (plot_losses, plot_staleness, plot_throughput,
                                          plot_scaling, staleness_pmf)

# %% [markdown]
# ## The two flowcharts, in motion
# Both modes keep the parameters on a **parameter server**. A step of **synchronous** training:
# every device pulls the same parameters, computes a gradient on its own minibatch and pushes
# it; a **barrier** waits for all of them; their mean updates the parameters (a new *version*).
# **Asynchronous** training has no barrier: each gradient updates the parameters the moment it
# arrives, and the device immediately pulls again.
#
# A `Race` simulates several strategies on the same cluster (same devices, same compute times,
# same data shards, same starting point). Here: 4 devices, the last one twice as slow as the
# first, 0.2 s per message, 10 simulated seconds.

# %%
small = Race(workers=4, spread=2.0, duration=10.0).run()
print(small.config.describe())
charts = small.flowchart()
charts.image(1.55)

# %% [markdown]
# At t = 1.55 s the synchronous devices 0 and 2 are already waiting at the barrier, device 1 is
# pushing its gradient (the orange dot) and device 3, the slowest, is still computing on version
# 0. On the right nobody waits: device 1 has just sent its gradient, while devices 0 and 2 pull
# (green) versions 1 and 2, both newer than the version 0 that device 3 is still computing on.
# Press Play, or drag the time slider:

# %%
# NBVAL_IGNORE_OUTPUT
charts.widget()

# %% [markdown]
# ## The same runs as timelines
# A timeline has one row per device and one for the server. Blue: computing (the label is the
# parameter version read); green / orange: pulling / pushing; grey: waiting at the barrier. The
# ticks on the server row are updates, each writing a new version.

# %%
plot_timeline(small.results["sync"], t_max=10.0)
plot_timeline(small.results["async"], t_max=10.0)
plt.show()

# %% [markdown]
# Synchronous: every row has grey gaps, and every step ends when the slowest device (row w3) is
# done. Asynchronous: no gaps, about four times as many updates; but look at the version labels:
# a gradient computed on version v is applied when the server is already at a later version. The
# difference is the gradient's **staleness**:

# %%
applies = [e for e in small.results["async"].events if e.kind == "apply"]
for e in applies[4:10]:
    print(f"t = {e.start:5.2f} s: gradient computed on v{e.version_read} "
          f"applied as v{e.version_written}, staleness {e.staleness}")

# %% [markdown]
# ## The race on a balanced cluster
# Eight devices of the same speed (each computation takes about 1 s, give or take 10 %), 0.2 s
# per message, 60 simulated seconds, target loss 0.02. Fair learning rates: the synchronous
# update averages 8 gradients with lr 0.2; an asynchronous update applies one gradient with
# lr 0.2 / 8, so per gradient computed both move the parameters equally far.

# %%
balanced = Race(workers=8).run()
print(balanced.config.describe())
print(balanced.table())
print(balanced.verdict())

# %%
balanced.view().image(30.0)

# %% [markdown]
# The picture at t = 30 s: on the left, each cluster as a map (server in the middle with its
# version, devices around it coloured by what they do, messages moving along the spokes); on the
# right, the timelines up to the time cursor; at the bottom, the loss against server updates and
# against simulated time. Asynchronous training is a little faster, because nobody waits for the
# slowest of the eight; but its loss jumps up and down, because its gradients are about 7 updates
# old. Synchronous training is nearly as fast and steadier. The widget lets you replay the race
# and change the cluster (press Run):

# %%
# NBVAL_IGNORE_OUTPUT
RaceWidget(balanced)

# %% [markdown]
# ## The race on an uneven cluster
# Same model, same learning rates, but the devices differ: the slowest is 4 times slower than the
# fastest (speeds spread evenly in between), and any computation may hit a hiccup that makes it 5
# times slower (probability 5 %).

# %%
uneven = Race(workers=8, spread=4.0, stragglers=0.05).run()
print(uneven.config.describe())
print(uneven.table())
print(uneven.verdict())

# %%
uneven.view().image(40.0)

# %%
# NBVAL_IGNORE_OUTPUT
RaceWidget(uneven)

# %% [markdown]
# Now every synchronous step waits for the slowest device (and for any hiccup): the fast devices
# spend half their time in grey. Asynchronous training keeps everybody busy and reaches the
# target long before. The two loss plots tell the whole story: against *updates*, synchronous
# training makes more progress per update (an averaged, fresh gradient); against *time*,
# asynchronous training makes many more updates.

# %%
plot_losses(uneven.results, target_loss=0.02)
plt.show()

# %% [markdown]
# ## Why: throughput, idle time, and the slowest of N
# The throughput (updates and gradients per second of simulated time) and the share of device
# time not spent computing, for both clusters:

# %%
plot_throughput({"sync, balanced": balanced.results["sync"],
                 "async, balanced": balanced.results["async"],
                 "sync, uneven": uneven.results["sync"],
                 "async, uneven": uneven.results["async"]})
plt.show()

# %% [markdown]
# The black diamonds are theory: an asynchronous device finishes one pull-compute-push cycle
# every m_i + 2L seconds (m_i: its mean compute time, L: one message), so the cluster makes
# Σ 1/(m_i + 2L) updates per second, whatever the spread. A synchronous step lasts as long as the
# **slowest** of the N devices. For N devices with exponentially distributed compute times of mean
# m, the expected maximum is m·H_N, where H_N = 1 + 1/2 + ... + 1/N ≈ ln N + 0.577: the step
# grows with every device you add, while asynchronous throughput grows like N.

# %%
print(f"H_8 = {dist.harmonic(8):.3f}, H_64 = {dist.harmonic(64):.3f}")
plot_scaling(workers=(1, 2, 4, 8, 16, 32, 64), steps=500)
plt.show()

# %% [markdown]
# ## Staleness
# While one asynchronous device computes, the others keep updating the parameters. With N
# devices whose compute times are exponential and free communication, the updates arriving in the
# meantime form a Poisson process, and each next update is ours with probability 1/N. So the
# staleness is geometric, P(τ = k) = (1/N)(1 − 1/N)^k, with mean N − 1. The measurement, 20,000
# updates of 8 devices (timing only: no model needed for this question):

# %%
textbook = dist.simulate("async", workers=8, compute=dist.Exponential(1.0), updates=20_000, seed=0)
st = np.array([e.staleness for e in textbook.events if e.kind == "apply"])
print(f"mean staleness {st.mean():.2f} (theory N - 1 = 7)")
print(f"P(stale = 0)   {np.mean(st == 0):.3f} (theory 1/N = {staleness_pmf(8, 0)[0]:.3f})")
fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.5))
plot_staleness(textbook, ax=a)
plot_staleness(uneven.results["async"], ax=b, kmax=24)
a.set_title("8 exponential devices, free network", fontsize=10)
b.set_title("the uneven race: no textbook curve applies", fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# A stale gradient points downhill *from where the parameters were*. With a small learning rate
# that is nearly as good as a fresh one; with a large one, the delayed steps overshoot and the
# loss oscillates, or diverges (exercise 3). That is why the asynchronous learning rate is scaled
# down, and why its loss is noisier. (The learning rates are part of the experiment: tune one
# strategy's and the verdict may change; that is exercise 3 too.)
#
# ## The recommendation, derived from the experiment
# Run the race over a grid of clusters and let the verdict decide: the steadier strategy wins if
# it reaches the target within 25 % of the fastest time; otherwise the fastest wins.

# %%
print(f"{'speed spread':>12s} {'stragglers':>10s}   sync reaches 0.02   async reaches 0.02   recommendation")
for spread in (1.0, 2.0, 4.0):
    for stragglers in (0.0, 0.1):
        r = Race(workers=8, spread=spread, stragglers=stragglers).run()
        f = r.frame_at(r.duration)
        when = {s.name: "never" if s.reached is None else f"{s.reached:.1f} s" for s in f.strategies}
        print(f"{spread:12g} {stragglers:10.0%}   {when['sync']:>17s}   {when['async']:>18s}   "
              f"{r.recommendation()}")

# %% [markdown]
# **Balanced devices: synchronous.** It is nearly as fast, its loss is steadier and a run is
# exactly reproducible (the same averaged gradients, whatever the timing). **Uneven devices (or
# stragglers): asynchronous.** The barrier makes everybody wait for the slowest, every step.
#
# The size of the data set pushes the same way. With a lot of data, training lasts many steps,
# and the time lost at the barrier is paid again at every one of them; the data are redundant
# enough that a slightly stale gradient still points downhill. With little data, training is
# short, the waiting costs little in total, and the exact, steady synchronous updates are worth
# more. Hence the rule of thumb: *small data and balanced devices: synchronous; large data and
# uneven devices: asynchronous* (now you have seen why, and you can check it for your own cluster).
#
# ## What backups, bounded staleness and local SGD change
# Three classic compromises, raced on the uneven cluster:
# * **backup workers** (`sync+1 backups`): synchronous, but a step only waits for the first
#   N − 1 gradients; the slowest one is dropped (hatched in the timeline). The step no longer
#   waits for the single worst device;
# * **bounded staleness** (`SSP (s=2)`): asynchronous, but no device may get more than 2
#   gradients ahead of the slowest; staleness is capped, at the price of some waiting;
# * **local SGD** (`H=4`): each device takes 4 steps on its own copy, then the copies are
#   averaged: four times fewer messages, but still a barrier at each averaging.

# %%
compromises = Race(workers=8, spread=4.0, stragglers=0.05,
                   strategies=("sync", "backup", "async", "ssp", "local")).run()
print(compromises.table())
print(compromises.verdict())

# %%
compromises.view().image(60.0)

# %% [markdown]
# Backups help the synchronous run (it now reaches the target), but only as far as the
# second-slowest device: with a spread of speeds, dropping one gradient is not enough. Bounded
# staleness sits between synchronous and asynchronous, in speed and in steadiness. Local SGD
# communicates least, but waits at every averaging for the slowest device's four computations.
# On the balanced cluster (exercise 1) the picture changes again.
#
# ## For your slides
# Any race or flowchart exports as a GIF or as one self-contained HTML file (the frames are the
# widget's frames):

# %%
import os, tempfile
folder = tempfile.mkdtemp()
gif = to_gif(uneven.view(), os.path.join(folder, "race.gif"), frames=60, fps=8)
page = save_html(charts, os.path.join(folder, "flowcharts.html"), frames=40, fps=8)
print("GIF under 2 MB:", os.path.getsize(gif) < 2_000_000)
print("HTML page written:", os.path.basename(page))

# %% [markdown]
# ## Exercises
# 1. Race all five strategies on the **balanced** cluster (`Race(workers=8, strategies=(...))`).
#    Which one does the verdict recommend now, and why does local SGD do so much better here?
# 2. Predict the mean time of one synchronous step for 16 devices whose compute times are
#    exponential with mean 0.5 s, and free communication. Store your answer (in seconds) in
#    `step_16` and run the check; then measure it with
#    `dist.simulate("sync", workers=16, compute=dist.Exponential(0.5), updates=2000).summary()["time_per_update"]`.
# 3. The asynchronous learning rate was lr / N = 0.025 per gradient. Give it its own:
#    `Race(workers=8, async_lr=0.05).run().verdict()`, then `async_lr=0.1`. How does the verdict
#    change? Why does 0.1 diverge although the synchronous run is stable with 0.2 (hint: how many
#    steps computed on old parameters are applied before a device sees their effect)?

# %%
step_16 = None  # your answer for exercise 2, in seconds

# %%
def check(answer):
    expected = 0.5 * sum(1 / k for k in range(1, 17))
    if answer is None:
        return "Not answered yet: the step waits for the slowest of 16 devices."
    if abs(answer - expected) <= 0.02 * expected:
        return "Right! 0.5 s x H_16 = 1.69 s."
    return "Not quite: the expected maximum of N exponential times of mean m is m x H_N."

print(check(step_16))
