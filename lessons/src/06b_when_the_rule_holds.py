# %% [markdown]
# # When does the rule hold? Synchronous vs asynchronous, tested
#
# **You will be able to:** state the course's rule of thumb for choosing between synchronous and
# asynchronous training, say from experiments when it holds and when it does not (step size,
# variance of the compute times, number of devices), explain why staleness hurts large steps, and
# say what backup workers, bounded staleness and local SGD change.
#
# The rule: *small data and balanced devices: synchronous; big data and uneven devices:
# asynchronous.* Notebook 6 raced the two strategies on the curve fit (a 1-10-1 tanh network
# with a linear output, 200 points) to a target loss of 0.0025, below the constant predictor's
# MSE (0.0061) and above the noise floor σ² = 0.0004, over five seeds. With small steps,
# asynchronous training won on both the balanced and the uneven cluster. Here we vary what the
# rule is about, one thing at a time, and let the runs decide. Reminders from notebook 6: a
# device is **idle** when it is not computing (pulling, pushing, waiting); a gradient's
# **staleness** is the number of updates applied between the read of its parameters and its
# own update; the loss **noise** is the mean uphill step of the log-loss between evaluations.
# <!-- fixed: 200 0.0061 0.0004 (facts of the data set: its size, Var(y) and σ²) -->

# %%
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown, display
import teachflow.distributed as dist
from teachflow.widgets import Race
from teachflow.widgets.seeds import over_seeds
from teachflow.viz.timeline import plot_timeline
from teachflow.viz.training_plots import plot_losses, plot_staleness, staleness_pmf
from teachflow.exercises import check

plt.rcParams.update({"figure.dpi": 120, "font.size": 10})
x, y = dist.curve_fit_data()
SIGMA2, CONSTANT, TARGET = 0.02 ** 2, float(np.var(y)), 0.0025
assert SIGMA2 < TARGET < CONSTANT
SEEDS = (0, 1, 2, 3, 4)
RACE = dict(workers=8, target_loss=TARGET, duration=1200.0)

# %% [markdown]
# ## Staleness: what theory predicts
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
assert abs(st.mean() - 7) < 0.2 and abs(np.mean(st == 0) - 1 / 8) < 0.01
plot_staleness(textbook)
plt.title("8 exponential devices, free network", fontsize=10)
plt.show()

# %% [markdown]
# A stale gradient points downhill *from where the parameters were*. With a small step that is
# nearly as good as a fresh one. With a large step, the parameters have moved far since the
# gradient was computed, and the N − 1 steps applied meanwhile all used old information: the
# updates overshoot and the loss oscillates, or diverges. Synchronous training has no staleness:
# its barrier costs time instead. So the step size should matter.
#
# ## Experiment 1: step size and compute-time variance
# Three clusters of 8 devices: *balanced* (equal speeds, compute times within about 10 %),
# *stragglers* (the same, but each computation is 5 times slower with probability 5 %) and
# *uneven* (the slowest device 4 times slower than the fastest, plus the stragglers). Two step
# sizes: lr 0.2 (notebook 6) and lr 0.4 (async: lr / 8 per gradient, as before). Five seeds each.
#
# **Predict before running:** on the *balanced* cluster with the *large* step (lr 0.4), which
# strategy reaches the target first on most seeds?

# %%
prediction_large = None   # "sync" or "async"

# %%
CLUSTERS = {"balanced": {}, "stragglers": {"stragglers": 0.05},
            "uneven": {"spread": 4.0, "stragglers": 0.05}}
STEPS = {"small": 0.2, "large": 0.4}
grid = {(c, s): over_seeds(SEEDS, lr=lr, **RACE, **changes)
        for s, lr in STEPS.items() for c, changes in CLUSTERS.items()}


def cell(table, name):
    if not table.reached_all(name):
        return f"missed on {table.times(name).count(None)} seeds"
    return f"{table.mean(name):.0f} ± {table.spread(name):.0f} s"


rows = ["| cluster | lr | sync: time to target | async: time to target | first on most seeds |",
        "|---|---:|---:|---:|---|"]
for (c, s), t in grid.items():
    w = t.winner()
    rows.append(f"| {c} | {STEPS[s]} | {cell(t, 'sync')} | {cell(t, 'async')} | "
                f"{w or 'no majority'} ({t.wins(w) if w else '-'} of {len(SEEDS)}) |")
display(Markdown("\n".join(rows)))
check("l06.large_steps", prediction_large)

# %%
# the claims of the next paragraph
assert all(grid[c, "small"].winner() == "async" for c in CLUSTERS)
assert grid["balanced", "large"].winner() == "sync"
assert grid["stragglers", "large"].winner() == "async" and grid["uneven", "large"].winner() == "async"
bl = grid["balanced", "large"]
display(Markdown(
    f"With small steps asynchronous training wins on every cluster. With large steps the "
    f"balanced cluster flips: synchronous training reaches the target in {bl.mean('sync'):.0f} s, "
    f"asynchronous in {bl.mean('async'):.0f} s ({bl.ratio('async', 'sync'):.1f} times as long). "
    f"As soon as compute times have a heavy tail (stragglers) or the devices differ, asynchronous "
    f"training wins again, even with large steps: on the uneven cluster synchronous training "
    f"needs {grid['uneven', 'large'].ratio('sync', 'async'):.1f} times as long."))

# %% [markdown]
# Why the flip: the loss of both runs on the balanced cluster with large steps (seed 0), with the
# constant-predictor line and the noise floor.

# %%
large = Race(lr=0.4, model="numpy_curve_fit", **RACE).run()
fig = plot_losses(large.results, target_loss=TARGET, figsize=(11, 3.4))
for ax in fig.axes:
    ax.axhline(CONSTANT, color="#8c564b", lw=1.0, ls="-.", label=f"constant predictor {CONSTANT:.4f}")
    ax.axhline(SIGMA2, color="#2ca02c", lw=1.0, ls=":", label=f"noise floor σ² = {SIGMA2:.4f}")
fig.axes[0].legend(fontsize=9, frameon=False, loc="upper right")
fig.suptitle("balanced cluster, lr 0.4, seed 0", fontsize=11)
fig.tight_layout()
plt.show()
below = {k: dist.time_to_target(r.history, CONSTANT) for k, r in large.results.items()}
at = {k: dist.time_to_target(r.history, TARGET) for k, r in large.results.items()}
fine = {k: at[k] - below[k] for k in at}
# the claim of the next paragraph
assert fine["async"] > 1.5 * fine["sync"]
display(Markdown(
    f"Both runs overshoot in their first steps (the spike at the left: lr 0.4 is a large step for "
    f"this network) and get below the constant-predictor line after {below['sync']:.0f} s "
    f"(synchronous) and {below['async']:.0f} s (asynchronous). The difference is in what follows, "
    f"bending the curve from the constant-predictor line down to the target: "
    f"{fine['sync']:.0f} s for synchronous training, {fine['async']:.0f} s for asynchronous "
    f"training, whose every update uses a gradient about 7 updates old. Fine adjustments with "
    f"large, stale steps overshoot; fresh averaged steps do not."))

# %% [markdown]
# ## Experiment 2: scale (how many devices)
# The data-size half of the rule is about scale: a big data set is spread over many devices (and
# trained for many steps). Our 200 points <!-- fixed: 200 --> cannot become big, but we can grow the number of
# devices N (batch 4 per device, lr 0.2, compute times within about 10 %, 5 % stragglers) and
# compare the mean time to the target of the two strategies over three seeds.
#
# **Predict before running:** as N grows from 4 to 32, does the ratio (synchronous time) /
# (asynchronous time) `"grows"` or `"shrinks"`?

# %%
prediction_sweep = None   # "grows" or "shrinks"

# %%
NS = (4, 8, 16, 32)
SWEEP = dict(lr=0.2, batch_size=4, target_loss=TARGET, duration=3000.0)
with_stragglers = [over_seeds((0, 1, 2), workers=n, stragglers=0.05, **SWEEP) for n in NS]
large_no_stragglers = [over_seeds((0, 1, 2), workers=n, **{**SWEEP, "lr": 0.4}) for n in NS]
ratio_s = [t.ratio("sync", "async") for t in with_stragglers]
ratio_l = [t.ratio("sync", "async") for t in large_no_stragglers]
p_straggle = [1 - 0.95 ** n for n in NS]
rows = ["| N | P(a step has a straggler) = 1 − 0.95^N | sync / async, 5 % stragglers, lr 0.2 | "
        "sync / async, no stragglers, lr 0.4 |", "|---:|---:|---:|---:|"]
for n, p, a, b in zip(NS, p_straggle, ratio_s, ratio_l):
    rows.append(f"| {n} | {p:.2f} | {a:.2f} | {b:.2f} |")
display(Markdown("\n".join(rows)))
check("l06.n_sweep", prediction_sweep)

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(NS, ratio_s, "o-", color="#D1495B", label="5 % stragglers, lr 0.2")
ax.plot(NS, ratio_l, "s-", color="#1F5FA8", label="no stragglers, lr 0.4")
ax.axhline(1.0, color="#555555", lw=0.9, ls="--")
ax.text(NS[0], 1.03, "above: async faster", fontsize=9, va="bottom")
ax.set(xscale="log", xlabel="devices N", ylabel="sync time / async time",
       title="time to the target, mean of 3 seeds")
ax.set_xticks(NS, [str(n) for n in NS])
ax.legend(fontsize=9, frameon=False)
plt.show()

# %%
# the claims of the next paragraph
assert all(b > a for a, b in zip(ratio_s, ratio_s[1:]))
assert ratio_l[0] > 1 and all(r < 1 for r in ratio_l[1:])
display(Markdown(
    f"With stragglers, the synchronous handicap grows with every doubling of N, from "
    f"{ratio_s[0]:.2f} at N = {NS[0]} to {ratio_s[-1]:.2f} at N = {NS[-1]}, where "
    f"{p_straggle[-1]:.0%} of the synchronous steps wait for at least one straggler. Without "
    f"stragglers and with large steps the trend reverses: the asynchronous gradients get staler "
    f"(mean staleness about N − 1) and synchronous training goes from "
    f"{ratio_l[0]:.2f} times the asynchronous time at N = {NS[0]} to {ratio_l[-1]:.2f} at "
    f"N = {NS[-1]}."))

# %% [markdown]
# ## The rule, restated from the runs
# The cells above assert each of these statements, so a re-run that contradicts one fails:
# * **Asynchronous** training wins when compute times are uneven or heavy-tailed (stragglers),
#   at both step sizes, and its lead grows with the number of devices, because a synchronous step
#   waits for the slowest of N and the chance that one of N straggles is 1 − (1 − p)^N.
# * **Synchronous** training wins on balanced, low-variance devices *when the steps are large
#   enough that stale gradients hurt*. How large depends on N, since the staleness is about
#   N − 1: with lr 0.4 and no stragglers, 4 devices still favoured asynchronous training, and 8
#   or more favoured synchronous training.
# * With small steps on balanced devices the two are close, and here asynchronous training was a
#   little ahead: "balanced devices: synchronous" is not a law.
#
# So the rule of thumb is a summary of two effects, the barrier's cost (grows with the variance
# of compute times and with N) against staleness's cost (grows with the step size and with N).
# Measure both on your own cluster, as you did here.
#
# ## What backups, bounded staleness and local SGD change
# Three classic compromises, raced on the uneven cluster:
# * **backup workers** (`sync+1 backups`): synchronous, but a step only waits for the first
#   N − 1 gradients; the slowest one is dropped (hatched in the timeline below);
# * **bounded staleness** (`SSP (s=2)`, stale synchronous parallel): asynchronous, but a device
#   that has had k gradients applied may start its next one only when every device has had at
#   least k − 2 applied. The bound is on the *clock gap* between devices (gradients applied per
#   device), not on staleness: a gradient's staleness counts the updates of *all* devices while it
#   was computed, up to (N − 1)(2s + 1);
# * **local SGD** (`H=4`): each device takes 4 steps on its own copy, then the copies are
#   averaged: four times fewer messages, but still a barrier at each averaging.

# %%
compromises = Race(spread=4.0, stragglers=0.05, lr=0.2, model="numpy_curve_fit",
                   strategies=("sync", "backup", "async", "ssp", "local"), **RACE).run()
print(compromises.table())
print(compromises.verdict())

# %%
ssp = compromises.results["SSP (s=2)"]
counts, gap = np.zeros(8, int), 0
for end, w in sorted((e.end, e.worker) for e in ssp.events if e.kind == "push"):
    counts[w] += 1                       # a push ends when the server applies the gradient
    gap = max(gap, counts.max() - counts.min())
s_ssp = ssp.summary()
assert gap <= 2 + 1 < s_ssp["max_staleness"] <= 7 * (2 * 2 + 1)
display(Markdown(
    f"SSP (s = 2): the largest gap between the gradients applied of two devices was **{gap}** "
    f"(the rule allows s + 1 = 3 while a device finishes its last allowed gradient), yet the "
    f"staleness was {s_ssp['mean_staleness']:.1f} on average and up to "
    f"**{s_ssp['max_staleness']}** updates."))

# %%
ttt = {k: v["time_to_target"] for k, v in compromises.summaries().items()}
assert ttt["async"] < min(ttt["sync+1 backups"], ttt["SSP (s=2)"], ttt["local SGD (H=4)"])
assert ttt["sync+1 backups"] < ttt["sync"]
assert all(ttt["async"] < ttt[k] < ttt["sync"] for k in ("SSP (s=2)", "local SGD (H=4)"))
display(Markdown(
    f"Times to the target: " + ", ".join(f"{k} {v:.0f} s" for k, v in ttt.items()) + ". "
    f"Backups cut the synchronous time by {1 - ttt['sync+1 backups'] / ttt['sync']:.0%}, but a "
    f"step still waits for the second-slowest device; bounded staleness and local SGD sit "
    f"between synchronous and asynchronous training; on this cluster none beats plain "
    f"asynchronous training."))

# %% [markdown]
# The backup run, between 100 and 130 s: the hatched bars are the gradients the step did not wait
# for (thrown away); nothing else is hatched.

# %%
plot_timeline(compromises.results["sync+1 backups"], t_min=100.0, t_max=130.0)
plt.show()

# %% [markdown]
# ## For your slides
# Any race or flowchart exports as a GIF or as one self-contained HTML file (the frames are the
# widget's frames): `to_gif(race.view(), "race.gif", frames=60, fps=8)`,
# `save_html(race.flowchart(), "flowcharts.html")`. The course's own slides are made this way by
# `docs/make_slides.py` into `docs/slides/`.
#
# ## Exercises
# 1. With N = 32 devices and a straggler probability p = 0.05 per computation, what is the
#    probability that a synchronous step waits for at least one straggler? Store it in
#    `p_step`.
# 2. Race all five strategies on the **balanced** cluster with lr 0.4 (`Race(lr=0.4,
#    strategies=(...), ...)`). Which one reaches the target first now? How does local SGD compare
#    with its result on the uneven cluster, and why?
# 3. Give the asynchronous runs their own learning rate on the balanced cluster with lr 0.4:
#    `async_lr=0.025` (the small step's) and `async_lr=0.1`. How do the verdicts change? Explain
#    what you see with staleness (hint: how many steps computed on old parameters are applied
#    before a device sees their effect?).

# %%
p_step = None   # exercise 1
check("l06.straggler_step", p_step)
