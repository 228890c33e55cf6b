"""Plots of simulated training runs, with the theory drawn over the measurement.

* ``plot_losses(results)``: loss against simulated time and against server updates, side by side.
* ``plot_staleness(result)``: how stale the applied gradients were, with the geometric law
  ``P(τ = k) = (1/N)(1 − 1/N)^k`` where it holds (asynchronous, N i.i.d. exponential workers,
  free communication).
* ``plot_throughput(results)``: updates and gradients per second, and idle time, as bars with
  the theoretical values as markers (``theory(result)`` says which formulas apply).
* ``plot_scaling()``: the synchronous step time against ``m·H_N`` and the asynchronous
  throughput against ``N/m``, for a growing number of workers.

``results`` is a dict ``{label: RunResult}`` or a list of RunResults (labelled by strategy).
Figures made here are drawn at ``FIGURE_DPI`` with no text under 9 pt (readable on a projector).
"""
import math

import numpy as np

from .. import distributed as _dist
from ..core.i18n import _
from ..distributed.registry import Theory  # noqa: F401  (re-exported: theory() returns it)

FIGURE_DPI = 120

STRATEGY_COLORS = {key: _dist.registry.strategy_class(key).color for key in _dist.registry.keys()}


def strategy_key(strategy):
    """The registry key of a strategy: from a Strategy, a RunResult, an ``EventIndex`` (anything
    with ``.result``), or a key/alias such as ``"sync"``. Display labels are not parsed."""
    strategy = getattr(strategy, "result", strategy)
    return _dist.registry.entry(strategy).key


def strategy_color(strategy):
    """The colour the strategy declares (same arguments as ``strategy_key``)."""
    strategy = getattr(strategy, "result", strategy)
    return _dist.registry.color(strategy)


def _labelled(results):
    if isinstance(results, dict):
        return list(results.items())
    if hasattr(results, "events"):
        results = [results]
    return [(str(r.strategy), r) for r in results]


# ----------------------------------------------------------------------------- theory

def theory(result):
    """The textbook values that apply to this run: a dict ``name -> Theory(value, formula)``
    declared by the run's strategy (``Strategy.theory``) for its cluster, with some of
    ``time_per_update``, ``updates_per_second``, ``gradients_per_second``, ``idle_fraction``,
    ``mean_staleness``. Only formulas whose assumptions hold are returned (a network with a
    fixed message time L that never queues; i.i.d. exponential or constant compute times)."""
    return dict(result.strategy.theory(result.cluster))


def staleness_pmf(n, kmax):
    """``P(τ = k) = (1/N)(1 − 1/N)^k`` for k = 0..kmax: the staleness of asynchronous SGD with N
    i.i.d. exponential workers and free communication (during one computation the other N − 1
    workers' updates arrive as a Poisson process; each next event is ours with probability 1/N)."""
    k = np.arange(kmax + 1)
    return (1.0 / n) * (1.0 - 1.0 / n) ** k


# ----------------------------------------------------------------------------- losses

def _finite_losses(result, x):
    h = result.history
    xs = np.array([getattr(p, "time" if x == "time" else "updates") for p in h], dtype=float)
    ys = np.array([p.loss for p in h], dtype=float)
    ok = np.isfinite(ys) & (ys > 0)
    return xs[ok], ys[ok]


def plot_loss(results, x="time", ax=None, target_loss=None, x_max=None, legend=True):
    """Evaluation loss of each run against ``x`` = ``"time"`` (simulated seconds) or
    ``"updates"`` (server updates), log scale, with the target loss dashed; returns the Axes."""
    import matplotlib.pyplot as plt
    if x not in ("time", "updates"):
        raise ValueError(f'x must be "time" or "updates", got {x!r}')
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 3.5), dpi=FIGURE_DPI)
    items = _labelled(results)
    for label, r in items:
        xs, ys = _finite_losses(r, x)
        ax.plot(xs, ys, color=strategy_color(r), lw=1.4, label=label)
        if target_loss is None:
            target_loss = getattr(r, "target_loss", None)
    if target_loss is not None:
        ax.axhline(target_loss, color="#555555", lw=0.9, ls="--", label=_("target {loss}").format(loss=f"{target_loss:g}"))
        if x == "time":
            for label, r in items:
                t = _reached(r, target_loss)
                if t is not None:
                    ax.plot([t], [target_loss], marker="*", ms=11, color=strategy_color(r),
                            markeredgecolor="black", markeredgewidth=0.5, linestyle="")
    ax.set_yscale("log")
    ax.set_xlabel(_("simulated time (s)") if x == "time" else _("server updates (parameter versions)"))
    ax.set_ylabel(_("loss"))
    if x_max is not None:
        ax.set_xlim(0, x_max)
    else:
        ax.set_xlim(left=0)
    _clip_loss_axis(ax, items)
    if legend:
        ax.legend(fontsize=9, frameon=False)
    return ax


def _reached(result, target):
    for h in result.history:
        if h.loss <= target:
            return h.time
    return None


def _clip_loss_axis(ax, items):
    """Log y-limits that keep a diverged run from squashing the others."""
    lo, hi = [], []
    for _label, r in items:
        ys = np.array([h.loss for h in r.history], dtype=float)
        ys = ys[np.isfinite(ys) & (ys > 0)]
        if len(ys):
            lo.append(ys.min())
            hi.append(ys[0])
    if lo:
        ax.set_ylim(min(lo) * 0.7, max(hi) * 3.0)


def plot_losses(results, target_loss=None, t_max=None, figsize=(11, 3.6)):
    """Loss against simulated time (left) and against server updates (right); returns the
    Figure. The left panel says who is faster in wall-clock terms, the right one how much each
    update is worth."""
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=figsize, dpi=FIGURE_DPI)
    plot_loss(results, "time", a, target_loss, t_max)
    plot_loss(results, "updates", b, target_loss, legend=False)
    a.set_title(_("loss against simulated time"), fontsize=10)
    b.set_title(_("loss against server updates"), fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- staleness

def plot_staleness(result, ax=None, theory_curve="auto", kmax=None, label=None):
    """Histogram of the staleness of applied gradients (updates that landed between a worker's
    read and its write), as frequencies, with the geometric law drawn over it (``theory_curve``:
    True, False, or "auto" = when its assumptions hold). Returns the Axes."""
    import matplotlib.pyplot as plt
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 3.5), dpi=FIGURE_DPI)
    st = np.array([e.staleness for e in result.events
                   if e.kind == "apply" and not e.dropped and e.staleness is not None], dtype=int)
    n = result.cluster.size
    if kmax is None:   # the bulk of the distribution, and at least 3N
        kmax = int(min(st.max(), max(3 * n, np.quantile(st, 0.995)))) if len(st) else 3 * n
    counts = np.bincount(st[st <= kmax], minlength=kmax + 1)
    freq = counts / max(len(st), 1)     # fractions of all updates (the tail beyond kmax too)
    label = label or str(result.strategy)
    ax.bar(np.arange(kmax + 1), freq, width=0.85, color=strategy_color(result), alpha=0.75,
           label=_("{label}: measured ({n} updates)").format(label=label, n=len(st)))
    if len(st):
        ax.axvline(st.mean(), color=strategy_color(result), lw=1.2, ls="--",
                   label=_("mean {value}").format(value=f"{st.mean():.2f}"))
    applies = theory_curve is True or (theory_curve == "auto" and "mean_staleness" in theory(result))
    if applies:
        k = np.arange(kmax + 1)
        ax.plot(k, staleness_pmf(n, kmax), "k.-", lw=1.0, ms=4,
                label=_("theory (1/N)(1−1/N)^k, N = {n}; mean N−1 = {mean}").format(n=n, mean=n - 1))
    ax.set_xlabel(_("staleness τ (updates between read and write)"))
    ax.set_ylabel(_("fraction of updates"))
    ax.set_xlim(-0.7, kmax + 0.7)
    ax.legend(fontsize=9, frameon=False)
    return ax


# ----------------------------------------------------------------------------- throughput

def plot_throughput(results, figsize=(11, 3.4)):
    """Bars per run: updates and gradients per second (left) and the share of worker time not
    spent computing (right); black diamonds mark the theory where it applies. Returns the
    Figure."""
    import matplotlib.pyplot as plt
    items = _labelled(results)
    fig, (a, b) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.6, 1]},
                               dpi=FIGURE_DPI)
    x = np.arange(len(items))
    w = 0.38
    any_theory = False
    for i, (label, r) in enumerate(items):
        s = r.summary()
        th = theory(r)
        grads = s["gradients"] / s["makespan"] if s["makespan"] > 0 else math.nan
        color = strategy_color(r)
        a.bar(i - w / 2, s["updates_per_second"], w, color=color)
        a.bar(i + w / 2, grads, w, color=color, alpha=0.45, hatch="//", edgecolor="white")
        b.bar(i, s["idle_fraction"], 0.6, color=color)
        marks = [(key, xpos, axis) for key, xpos, axis in (
            ("updates_per_second", i - w / 2, a), ("gradients_per_second", i + w / 2, a),
            ("idle_fraction", i, b)) if key in th]
        same = ("updates_per_second" in th and "gradients_per_second" in th
                and th["updates_per_second"].formula == th["gradients_per_second"].formula)
        for key, xpos, axis in marks:
            axis.plot([xpos], [th[key].value], "D", color="black", ms=5)
            any_theory = True
            if same and key == "gradients_per_second":
                continue                        # one formula for both bars, written once
            x_text = i if same and key == "updates_per_second" else xpos
            axis.annotate(th[key].formula, (x_text, th[key].value), textcoords="offset points",
                          xytext=(0, 6), ha="center", fontsize=9)
    for axis in (a, b):
        axis.set_xticks(x, [label for label, _r in items], fontsize=9)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    a.set_ylabel(_("per second of simulated time"))
    a.set_title(_("updates/s (solid) and gradients/s (hatched)"), fontsize=10)
    b.set_ylabel(_("idle fraction"))
    b.set_ylim(0, 1)
    b.set_title(_("worker time not spent computing"), fontsize=10)
    if any_theory:
        from matplotlib.lines import Line2D
        a.legend([Line2D([], [], marker="D", color="black", linestyle="")], [_("theory")],
                 loc="upper left", fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def plot_scaling(workers=(1, 2, 4, 8, 16, 32, 64), compute=None, steps=1000, seed=0, figsize=(11, 3.4)):
    """Timing-only runs for each number of workers N (i.i.d. ``compute`` times, default
    Exponential(1), free network): the synchronous step time against ``m·H_N ≈ m(ln N + 0.577)``
    and the asynchronous throughput against ``N/m``. Returns the Figure."""
    import matplotlib.pyplot as plt

    from .. import distributed as dist
    compute = dist.Exponential(1.0) if compute is None else compute
    m = compute.mean
    ns = np.array(sorted(workers))
    step, rate = [], []
    for n in ns:
        step.append(dist.simulate("sync", workers=int(n), compute=compute, updates=steps,
                                  seed=seed).summary()["time_per_update"])
        rate.append(dist.simulate("async", workers=int(n), compute=compute,
                                  updates=steps * int(n), seed=seed).summary()["updates_per_second"])
    fig, (a, b) = plt.subplots(1, 2, figsize=figsize, dpi=FIGURE_DPI)
    grid = np.arange(1, ns.max() + 1)
    a.plot(ns, step, "o", color=STRATEGY_COLORS["sync"], label=_("sync, measured"))
    if isinstance(compute, dist.Exponential):
        a.plot(grid, [m * dist.harmonic(k) for k in grid], "k-", lw=1, label=_("theory m·H_N"))
    a.set(xscale="log", xlabel=_("workers N"), ylabel=_("seconds per update"),
          title=_("synchronous: each step waits for the slowest"))
    b.plot(ns, rate, "o", color=STRATEGY_COLORS["async"], label=_("async, measured"))
    b.plot(grid, grid / m, "k-", lw=1, label=_("theory N/m"))
    b.set(xscale="log", yscale="log", xlabel=_("workers N"), ylabel=_("updates per second"),
          title=_("asynchronous: nobody waits"))
    for axis in (a, b):
        axis.set_xticks(ns, [str(n) for n in ns])
        axis.legend(fontsize=9, frameon=False)
        axis.title.set_fontsize(10)
    fig.tight_layout()
    return fig
