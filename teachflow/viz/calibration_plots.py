"""A real run beside its calibrated simulation: two timelines on one time axis and the summary
figures (updates per second, idle fraction, mean staleness) as paired bars."""
import math

from ..core.i18n import N_, _
from .timeline import draw_timeline

FIGURES = (("updates_per_second", N_("updates / s"), 1.0),
           ("idle_fraction", N_("idle time (%)"), 100.0),
           ("mean_staleness", N_("mean staleness"), 1.0))
COLORS = {"real": "#4C78A8", "simulated": "#F58518"}


def plot_real_vs_simulated(real, simulated, t_max=None, figsize=(11, 5.6), title=None):
    """Real (top) and simulated (bottom) timelines from 0 to ``t_max`` (default: the shorter
    run) and the summaries side by side; returns the Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.gridspec import GridSpec

    a, b = real.summary(), simulated.summary()
    if t_max is None:
        t_max = min(a["makespan"], b["makespan"]) or 1.0
    fig = plt.figure(figsize=figsize)
    gs = GridSpec(6, 4, figure=fig, hspace=1.6, wspace=0.45)
    for rows, result, name in ((slice(0, 3), real, _("real (Ray, wall clock)")),
                               (slice(3, 6), simulated, _("simulated (calibrated)"))):
        ax = fig.add_subplot(gs[rows, :3])
        draw_timeline(ax, result, t_max=t_max, legend=rows.start == 0, fontsize=7)
        ax.set_xlabel(_("wall-clock time (s)") if result is real else _("simulated time (s)"),
                      fontsize=8)
        ax.set_title(name, loc="right", fontsize=9)
    for i, (key, label, scale) in enumerate(FIGURES):
        ax = fig.add_subplot(gs[2 * i:2 * i + 2, 3])
        values = [a[key] * scale, b[key] * scale]
        heights = [0.0 if math.isnan(v) else v for v in values]
        bars = ax.bar([_("real"), _("sim")], heights, color=[COLORS["real"], COLORS["simulated"]])
        for bar, v in zip(bars, values):
            ax.annotate(_("n/a") if math.isnan(v) else f"{v:.3g}", (bar.get_x() + bar.get_width() / 2,
                        bar.get_height()), ha="center", va="bottom", fontsize=7)
        ax.set_title(_(label), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.margins(y=0.25)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(title or _("{strategy}: real run and calibrated simulation").format(strategy=real.strategy),
                 fontsize=10)
    return fig
