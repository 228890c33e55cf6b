"""Lesson 6 (synchronous vs asynchronous training): predict a race, then let the simulator decide.

Predict-then-run items are checked against the outcome of the very experiment the lesson runs
(re-run here from the same settings, over the same seeds), so the answer is stored nowhere;
theory items are checked against the formula on the student's own numbers.
"""
import functools
import math

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import exercise

TARGET = 0.0025                 # the lesson's target loss: below the constant predictor's MSE
SEEDS = (0, 1, 2, 3, 4)
RACE = dict(workers=8, target_loss=TARGET, duration=1200.0, model="numpy_curve_fit")
CLUSTERS = {                    # the clusters the lesson races on (RaceConfig settings)
    "balanced": {},
    "stragglers": {"stragglers": 0.05},
    "uneven": {"spread": 4.0, "stragglers": 0.05},
}
STEPS = {"small": 0.2, "large": 0.4}   # lr of one synchronous step (async: lr / N per gradient)
SWEEP = dict(lr=0.2, stragglers=0.05, batch_size=4, target_loss=TARGET, duration=3000.0,
             model="numpy_curve_fit")
SWEEP_N = (4, 8, 16, 32)
STRATEGY_NAMES = {"sync": N_("sync"), "async": N_("async")}


@functools.lru_cache(maxsize=None)
def race_table(cluster, step="small", seeds=SEEDS):
    """The lesson's race on ``cluster`` with ``step`` size, over ``seeds`` (a ``SeedTable``)."""
    from teachflow.widgets.seeds import over_seeds
    return over_seeds(seeds, lr=STEPS[step], **RACE, **CLUSTERS[cluster])


@functools.lru_cache(maxsize=None)
def sweep_ratios(seeds=SEEDS[:3]):
    """Mean sync time over mean async time to the target, for each N of ``SWEEP_N``."""
    from teachflow.widgets.seeds import over_seeds
    return tuple(over_seeds(seeds, workers=n, **SWEEP).ratio("sync", "async") for n in SWEEP_N)


def _strategy(answer):
    text = str(answer).strip().lower()
    if text in ("sync", "synchronous"):
        return "sync"
    if text in ("async", "asynchronous"):
        return "async"
    raise ValueError(_('answer "sync" or "async", got {answer!r}').format(answer=answer))


def _predicted(answer, table, what):
    guess, truth = _strategy(answer), table.winner()
    n = len(table.seeds)
    if guess == truth:
        return True, _("{strategy} reached the target first on {wins} of {n} seeds {where}.").format(
            strategy=_(STRATEGY_NAMES[truth]), wins=table.wins(truth), n=n, where=_(what))
    return False, _("{strategy} reached the target first on only {wins} of {n} seeds {where}.").format(
        strategy=_(STRATEGY_NAMES[guess]), wins=table.wins(guess), n=n, where=_(what))


@exercise("l06.balanced_race",
          N_("on 8 equal devices nobody waits long at the barrier, but asynchronous gradients are "
          "about N - 1 updates old; with small steps, which effect costs more time?"))
def _balanced_race(answer):
    return _predicted(answer, race_table("balanced"), N_("on the balanced cluster"))


@exercise("l06.large_steps",
          N_("with lr 0.4 a gradient computed 7 updates ago overshoots; the barrier costs the same "
          "as before on equal devices."))
def _large_steps(answer):
    return _predicted(answer, race_table("balanced", "large"),
                      N_("on the balanced cluster with large steps"))


@exercise("l06.step_16",
          N_("a synchronous step waits for the slowest of N devices; the expected maximum of N "
          "exponential times of mean m is m x H_N, H_N = 1 + 1/2 + ... + 1/N."))
def _step_16(answer):
    expected = 0.5 * sum(1 / k for k in range(1, 17))
    value = float(answer)
    if abs(value - expected) <= 0.02 * expected:
        return True, _("m x H_16; now measure it with dist.simulate and compare.")
    if abs(value - 0.5) <= 0.01:
        return False, _("that is the mean time of one device, not of the slowest of 16.")
    return False, _("{value:g} s is not within 2 % of the expected step.").format(value=value)


@exercise("l06.straggler_step",
          N_("each of the N computations of a step is a straggler with probability p, independently; "
          "first find the probability that none of them is."))
def _straggler_step(answer):
    value = float(answer)
    expected = 1 - (1 - 0.05) ** 32
    if abs(value - expected) <= 0.005:
        return True, _("so almost every synchronous step of 32 devices waits for a straggler.")
    if abs(value - 0.05) <= 0.005 or abs(value - 32 * 0.05) <= 0.005:
        return False, _("the events 'device i straggles' are not exclusive: use the complement.")
    return False, _("{value:g} is not the probability.").format(value=value)


@exercise("l06.n_sweep",
          N_("with N devices a synchronous step waits for the slowest of N; the chance that one of "
          "them straggles is 1 - (1 - p)^N. Does the barrier cost more or less as N grows?"))
def _n_sweep(answer):
    text = str(answer).strip().lower()
    if text not in ("grows", "shrinks"):
        raise ValueError(_('answer "grows" or "shrinks", got {answer!r}').format(answer=answer))
    ratios = sweep_ratios()
    grows = all(b > a for a, b in zip(ratios, ratios[1:]))
    shrinks = all(b < a for a, b in zip(ratios, ratios[1:]))
    truth = "grows" if grows else "shrinks" if shrinks else "neither"
    if text == truth:
        return True, _("the sync/async time ratio went from {first:.2f} at N = {n_first} to {last:.2f} "
                       "at N = {n_last}.").format(first=ratios[0], n_first=SWEEP_N[0], last=ratios[-1],
                                                  n_last=SWEEP_N[-1])
    return False, _("the runs disagree with that.")
