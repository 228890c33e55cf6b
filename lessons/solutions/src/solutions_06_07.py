# %% [markdown]
# # Teachers' solutions: lessons 6, 6b and 7
#
# For teachers only: every exercise of notebooks `06_sync_vs_async`, `06b_when_the_rule_holds`
# and `07_splitting_a_graph`, with its answer, how to get it, and the check the students run
# (it must say ✓ here). The predict-then-run items are checked against the lessons' own
# experiments, re-run by `teachflow.exercises`, so the answers below are computed, not typed.

# %%
import numpy as np
from IPython.display import Markdown, display
import teachflow.distributed as dist
from teachflow.widgets import Race
from teachflow.widgets.seeds import over_seeds
from teachflow.exercises import check
from teachflow.exercises import lesson06, lesson07


def solved(key, answer):
    """Show the check of ``answer``; it must pass."""
    result = check(key, answer)
    assert result.ok, result
    return result

# %% [markdown]
# ## Lesson 6
# **Prediction: the balanced race (lr 0.2).** The answer is whichever strategy reached the target
# first on most of the five seeds:

# %%
balanced = lesson06.race_table("balanced")
display(balanced)
solved("l06.balanced_race", balanced.winner())

# %% [markdown]
# What to discuss: on equal devices the barrier costs little (the slowest of 8 draws within
# about 10 % of 1 s), and with small steps a gradient 7 updates old is nearly as good as a fresh
# one; so the two are close, and what the barrier costs decides.
#
# **Exercise 1: one synchronous step of 16 exponential devices.** The step waits for the slowest
# of 16, whose expected time is m·H_16:

# %%
step_16 = 0.5 * dist.harmonic(16)
measured = dist.simulate("sync", workers=16, compute=dist.Exponential(0.5), updates=2000).summary()["time_per_update"]
assert abs(measured - step_16) < 0.05 * step_16
display(Markdown(f"0.5 s × H_16 = **{step_16:.3f} s**; measured over 2,000 steps: {measured:.3f} s."))
solved("l06.step_16", step_16)

# %% [markdown]
# **Exercise 2: the old target 0.02.** It lies above the constant predictor's MSE, so the race
# then times only the first phase of training, before the model knows even the mean of y:

# %%
x, y = dist.curve_fit_data()
old = over_seeds((0, 1, 2, 3, 4), workers=8, target_loss=0.02, duration=1200.0)
new = lesson06.race_table("balanced")
assert 0.02 > np.var(y)
display(old)
display(Markdown(
    f"To 0.02 the runs take {old.mean('sync'):.0f} s (sync) and {old.mean('async'):.0f} s "
    f"(async), {old.mean('sync') / new.mean('sync'):.0%} and {old.mean('async') / new.mean('async'):.0%} "
    f"of their time to the lesson's target {lesson06.TARGET}: the race would be decided by the "
    f"first few steps, where the constant predictor (MSE {np.var(y):.4f}) is still better than "
    f"the network."))

# %% [markdown]
# ## Lesson 6b
# **Prediction: large steps on the balanced cluster (lr 0.4).**

# %%
large = lesson06.race_table("balanced", "large")
display(large)
solved("l06.large_steps", large.winner())

# %% [markdown]
# **Prediction: the N-sweep.** The ratio (synchronous time) / (asynchronous time) for
# N = 4, 8, 16, 32 with 5 % stragglers:

# %%
ratios = lesson06.sweep_ratios()
trend = "grows" if all(b > a for a, b in zip(ratios, ratios[1:])) else "shrinks"
print([round(r, 2) for r in ratios], "->", trend)
solved("l06.n_sweep", trend)

# %% [markdown]
# **Exercise 1: the chance that a step of 32 devices meets a straggler.** The step avoids
# stragglers only if all 32 computations do, each with probability 0.95:

# %%
p_step = 1 - 0.95 ** 32
display(Markdown(f"1 − 0.95³² = **{p_step:.3f}**"))
solved("l06.straggler_step", p_step)

# %% [markdown]
# **Exercise 2: all five strategies on the balanced cluster with lr 0.4.**

# %%
five = Race(workers=8, lr=0.4, target_loss=lesson06.TARGET, duration=1200.0, model="numpy_curve_fit",
            strategies=("sync", "backup", "async", "ssp", "local")).run()
print(five.table())
print(five.verdict())
uneven = Race(workers=8, spread=4.0, stragglers=0.05, target_loss=lesson06.TARGET, duration=1200.0,
              model="numpy_curve_fit", strategies=("sync", "local")).run()
t_local = {"balanced, lr 0.4": five.summaries()["local SGD (H=4)"]["time_to_target"],
           "uneven, lr 0.2": uneven.summaries()["local SGD (H=4)"]["time_to_target"]}
reached = {k: v["time_to_target"] for k, v in five.summaries().items() if v["time_to_target"] is not None}
display(Markdown(
    f"First to the target: **{min(reached, key=reached.get)}**. "
    f"Local SGD: " + ", ".join(f"{k}: {'never' if v is None else f'{v:.0f} s'}" for k, v in t_local.items())
    + ". On equal devices the four local steps of every device take about the same time, so the "
      "averaging barrier waits little; on the uneven cluster every averaging waits for the slowest "
      "device's four computations."))

# %% [markdown]
# **Exercise 3: the asynchronous learning rate on the balanced cluster with lr 0.4.**

# %%
final = {}
with np.errstate(all="ignore"):      # the diverging run overflows on purpose
    for async_lr in (0.025, 0.1):
        r = Race(workers=8, lr=0.4, async_lr=async_lr, target_loss=lesson06.TARGET, duration=1200.0,
                 model="numpy_curve_fit").run()
        final[async_lr] = r.results["async"].history[-1].loss
        assert r.results["sync"].history[-1].loss < lesson06.TARGET       # the sync step 0.4 converges
        print(f"async_lr {async_lr}: {r.verdict()}")
assert final[0.025] < lesson06.TARGET and not final[0.1] < 1.0     # 0.1 diverges

# %% [markdown]
# What to discuss: an asynchronous step of lr per gradient is applied about N − 1 = 7 times on
# parameters the gradient's device has not seen yet, so its effective step is about 8 times
# larger before any device can correct it. So 0.1 per gradient diverges although the
# synchronous step of 0.4 converges, while 0.025 per gradient converges but makes each update
# worth less.
#
# ## Lesson 7
# **Exercise 1: the bubble of 3 equal stages and 6 microbatches**, (S − 1)/(M + S − 1):

# %%
from teachflow.distributed.pipeline import Pipeline, Stage
bubble = (3 - 1) / (6 + 3 - 1)
simulated = Pipeline.from_stages([Stage(f"gpu:{i}", 1.0, 2.0) for i in range(3)], microbatches=6).run()
assert abs(simulated.bubble_fraction - bubble) < 1e-9
print(f"bubble {bubble:.3f}, simulated {simulated.bubble_fraction:.3f}")
solved("l07.bubble", bubble)

# %% [markdown]
# **Exercise 2: bytes per step across a cut after a 128-wide layer, batch 50**, forward and
# backward:

# %%
nbytes = 2 * 50 * 128 * 4
print(f"{nbytes:,} bytes")
solved("l07.nbytes", nbytes)

# %% [markdown]
# **Prediction: the fastest cut on a 20 MB/s link, 4 microbatches.** <!-- fixed: 20 (2·10⁷ bytes/s) -->

# %%
times = lesson07.makespans(2e7)
fastest = min(times, key=times.get)
print({f"after hidden{k}": f"{v * 1e3:.2f} ms" for k, v in times.items()})
solved("l07.fastest_cut", fastest)
