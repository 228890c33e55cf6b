"""The two classic flowcharts of data-parallel training, set in motion by a real event log.

Synchronous: the parameter server sends the same parameters to every device (pull); each device
computes a gradient on its own data shard and sends it (push) to the barrier; when all gradients
are in, their mean updates the parameters, and the next step starts. Asynchronous: the same
boxes without the barrier; each gradient updates the parameters the moment it arrives, so the
version a device computed on is often behind the server's.

``Flowchart([sync_result, async_result])`` draws one panel per run, side by side, sharing the
clock. Arrows light up while a message travels (green: parameters down, orange: gradient up),
a dot shows how far it got; device boxes say what the device does and on which version; the
barrier fills up as gradients arrive; the server flashes when it writes a new version.
``render(t)`` -> PNG bytes (only moving artists are redrawn); ``widget()`` -> Play + scrubber.
"""
import numpy as np

from ..core.i18n import N_, _
from ..distributed import registry
from ..viz.timeline import KIND_COLORS
from ..viz.training_plots import strategy_color
from .canvas import FrameCanvas, new_figure
from .frames import EventIndex, cursor_time

TINTS = {"compute": "#D6E4F2", "pull": "#DDEFD9", "push": "#FDE3C8", "wait": "#E6E6E6",
         "idle": "#FFFFFF"}
IDLE_ARROW = "#CFCFCF"


def panel_title(strategy, name=None, width=None):
    """A panel's title: the run's name (default: the title its strategy declares) over the
    help line the strategy declares in the registry (``distributed/registry.py``), so every
    registered strategy, K-async and K-batch-async included, is titled without a table here.
    ``width``: characters per line (the help wraps to it)."""
    import textwrap
    entry = registry.entry(strategy)
    help_line = _(entry.help) if entry.help else entry.title or str(strategy)
    lines = textwrap.wrap(help_line, width) if width else [help_line]
    return "\n".join([name or entry.title or str(strategy)] + lines)


def describe(activity, barrier):
    """What a device box says, e.g. ``"computing\\non v3"``."""
    k, v = activity.kind, activity.version
    if k == "compute":
        text = _("computing\non v{version}") if not activity.dropped else _("computing on v{version}\n(too late)")
        return text.format(version=v)
    if k == "pull":
        return _("pulling\nv{version}").format(version=v)
    if k == "push":
        return _("pushing\ngradient")
    if k == "wait":
        return _("waiting at\nthe barrier") if barrier else _("waiting\n(bound)")
    return _("idle")


BARRIER_TEXTS = {"gradients": N_("barrier: {waiting}/{need} gradients in"),
                 "parameters": N_("barrier: {waiting}/{need} parameters in")}


class _Panel:
    """One flowchart (one run) in one Axes."""

    def __init__(self, ax, index, fontsize=10, title=None):   # the smallest text is fontsize - 1 >= 9 pt
        self.ax, self.index = ax, index
        n = self.n = index.n
        strategy = index.result.strategy
        self.barrier = strategy.barrier
        ax.set_xlim(-0.15, n + 0.15)
        ax.set_ylim(0.4, 10.5)
        ax.axis("off")
        ax.set_title(title or panel_title(strategy, index.name), fontsize=fontsize + 1,
                     color=strategy_color(strategy), fontweight="bold", linespacing=1.15)
        self._draw_server(ax, n, fontsize)
        xs, dy, dh = self._draw_devices(ax, n, fontsize)
        self._draw_arrows(ax, n, xs, dy + dh, fontsize)
        self._draw_barrier(ax, n, fontsize)
        self.artists = [self.flash, self.version, self.boxes, self.shafts, self.heads, self.packets,
                        *self.labels]
        if self.barrier:
            self.artists += [self.fill, self.barrier_text, self.apply_arrow]


    def _draw_server(self, ax, n, fontsize):
        """The parameter server box, its flash and version."""
        from matplotlib.patches import FancyBboxPatch
        ax.add_patch(FancyBboxPatch((0.05, 8.4), n - 0.1, 1.3, boxstyle="round,pad=0.05",
                                    facecolor="#FFF6D5", edgecolor="#8A6D00", linewidth=1.2))
        self.flash = FancyBboxPatch((0.05, 8.4), n - 0.1, 1.3, boxstyle="round,pad=0.05",
                                    facecolor="none", edgecolor="#D1495B", linewidth=3.0)
        ax.add_patch(self.flash)
        ax.text(n / 2, 9.35, _("parameter server"), ha="center", va="center", fontsize=fontsize + 1)
        self.version = ax.text(n / 2, 8.8, _("parameters v{version}").format(version=0), ha="center", va="center",
                               fontsize=fontsize + 2, fontweight="bold")

    def _draw_devices(self, ax, n, fontsize):
        """The devices (with an activity inset) and their data shards; ``(xs, y, height)``."""
        from matplotlib.collections import PolyCollection
        from matplotlib.patches import FancyBboxPatch
        xs = np.arange(n) + 0.5
        dw, dh, dy = 0.84, 1.5, 2.55
        ax.add_collection(PolyCollection(
            [((x - dw / 2, dy), (x - dw / 2, dy + dh), (x + dw / 2, dy + dh), (x + dw / 2, dy))
             for x in xs], facecolors="white", edgecolors="#555555", linewidths=0.8))
        iw, ih = dw - 0.08, dh - 0.5     # the inset that shows the activity, below the name
        self.boxes = ax.add_collection(PolyCollection(
            [((x - iw / 2, dy + 0.04), (x - iw / 2, dy + ih), (x + iw / 2, dy + ih),
              (x + iw / 2, dy + 0.04)) for x in xs], facecolors=TINTS["idle"], edgecolors="none"))
        self.labels = []
        for i, x in enumerate(xs):
            ax.text(x, dy + dh - 0.07, _("device {i}").format(i=i), ha="center", va="top", fontsize=fontsize,
                    fontweight="bold")
            self.labels.append(ax.text(x, dy + 0.52, _("idle"), ha="center", va="center",
                                       fontsize=fontsize - 0.5, linespacing=1.0))
            ax.add_patch(FancyBboxPatch((x - dw / 2 + 0.06, 0.75), dw - 0.12, 0.85,
                                        boxstyle="round,pad=0.03", facecolor="#F4F4F4",
                                        edgecolor="#999999", linewidth=0.6))
            ax.text(x, 1.17, _("data\nshard {i}").format(i=i), ha="center", va="center", fontsize=fontsize - 1,
                    color="#555555", linespacing=1.0)
            ax.annotate("", (x, dy), (x, 1.62), arrowprops=dict(arrowstyle="->", color="#999999",
                                                                 lw=0.8))
        return xs, dy, dh

    def _draw_arrows(self, ax, n, xs, device_top, fontsize):
        """Arrows: pull down on the left of each column, push up on the right."""
        from matplotlib.collections import LineCollection
        top = 8.35
        push_end = 6.35 if self.barrier else top
        self.pull_x, self.push_x = xs - 0.2, xs + 0.2
        self.pull_y = (top, device_top + 0.05)
        self.push_y = (device_top + 0.05, push_end)
        segs = [((x, self.pull_y[0]), (x, self.pull_y[1])) for x in self.pull_x] + \
               [((x, self.push_y[0]), (x, self.push_y[1])) for x in self.push_x]
        self.shafts = ax.add_collection(LineCollection(segs, colors=IDLE_ARROW, linewidths=1.2,
                                                       zorder=3))
        hx = np.r_[self.pull_x, self.push_x]
        hy = np.r_[[self.pull_y[1] + 0.12] * n, [self.push_y[1] - 0.12] * n]
        self.heads = ax.scatter(hx, hy, marker="v", s=60, c=[IDLE_ARROW] * (2 * n), zorder=4,
                                linewidths=0)
        self.heads.set_paths([_marker("v")] * n + [_marker("^")] * n)
        self.packets = ax.scatter([], [], s=56, zorder=6, edgecolors="black", linewidths=0.5)
        ax.text(self.pull_x[0] - 0.08, (self.pull_y[0] + self.pull_y[1]) / 2 + 0.6, _("pull"),
                rotation=90, ha="right", va="center", fontsize=fontsize - 1, color=KIND_COLORS["pull"])
        ax.text(self.push_x[-1] + 0.08, (self.push_y[0] + self.push_y[1]) / 2 - 0.4, _("push"),
                rotation=90, ha="left", va="center", fontsize=fontsize - 1, color=KIND_COLORS["push"])

    def _draw_barrier(self, ax, n, fontsize):
        """The barrier (synchronous strategies): fills up as gradients arrive."""
        from matplotlib.patches import Rectangle
        self.fill = self.barrier_text = self.apply_arrow = None
        if self.barrier:
            bx, bw = 0.05, n - 0.1
            ax.add_patch(Rectangle((bx, 6.35), bw, 0.95, facecolor="#F7F7F7", edgecolor="#444444",
                                   linewidth=1.0, zorder=2, alpha=0.9))
            self.fill = Rectangle((bx, 6.35), 0.0, 0.95, facecolor="#FBD3A6", edgecolor="none",
                                  zorder=2.5)
            ax.add_patch(self.fill)
            self.barrier_text = ax.text(n / 2, 6.82, "", ha="center", va="center",
                                        fontsize=fontsize, zorder=5)
            self.apply_arrow = ax.annotate("", (n - 0.02, 8.35), (n - 0.02, 7.3), zorder=3,
                                           arrowprops=dict(arrowstyle="-|>", color=IDLE_ARROW, lw=1.5))
            ax.text(n + 0.05, 7.85, _("apply\nmean"), ha="left", va="center", fontsize=fontsize - 1,
                    linespacing=1.0)
            self._bx, self._bw = bx, bw

    def draw(self, frame, glow):
        n = self.n
        self.boxes.set_facecolors([TINTS.get(a.kind, TINTS["idle"]) for a in frame.activities])
        for text, a in zip(self.labels, frame.activities):
            text.set_text(describe(a, self.barrier))
        colors = [IDLE_ARROW] * (2 * n)
        widths = [1.2] * (2 * n)
        pts, pcol = [], []
        for f in frame.flows:
            j = f.worker if f.kind == "pull" else n + f.worker
            colors[j], widths[j] = KIND_COLORS[f.kind], 2.6
            x = self.pull_x[f.worker] if f.kind == "pull" else self.push_x[f.worker]
            y0, y1 = self.pull_y if f.kind == "pull" else self.push_y
            pts.append((x, y0 + (y1 - y0) * f.progress))
            pcol.append(KIND_COLORS[f.kind])
        self.shafts.set_color(colors)
        self.shafts.set_linewidths(widths)
        self.heads.set_facecolors(colors)
        self.packets.set_offsets(np.array(pts).reshape(-1, 2))
        self.packets.set_facecolors(pcol)
        flash = frame.last_update is not None and frame.time - frame.last_update < glow
        self.flash.set_visible(flash)
        self.version.set_text(_("parameters v{version}").format(version=frame.version))
        if self.barrier:
            need = self.index.result.strategy.pushes_per_update(self.n)
            self.fill.set_width(self._bw * min(frame.waiting, need) / need)
            what = self.index.result.strategy.sends
            text = BARRIER_TEXTS.get(what, N_("barrier: {waiting}/{need} gradients in"))
            self.barrier_text.set_text(_(text).format(waiting=frame.waiting, need=need)
                                       + (_(" - update!") if flash else ""))
            self.apply_arrow.arrow_patch.set_color(KIND_COLORS["apply"] if flash else IDLE_ARROW)


def _marker(symbol):
    from matplotlib.markers import MarkerStyle
    m = MarkerStyle(symbol)
    return m.get_path().transformed(m.get_transform())


class Flowchart:
    """Animated flowcharts of one or several runs (see the module docstring). ``results``: a
    RunResult, a list of them, or a dict ``{label: RunResult}``; ``glow``: seconds the server
    flashes after an update (and, with a free network, that a message stays lit)."""

    def __init__(self, results, dpi=80, glow=0.15, panel_width=None):
        if hasattr(results, "events"):
            results = [results]
        items = list(results.items()) if isinstance(results, dict) else [(None, r) for r in results]
        self.indexes = [EventIndex(r, label, glow=glow) for label, r in items]
        self.glow = float(glow)
        self.duration = max(ix.duration for ix in self.indexes)
        n = max(ix.n for ix in self.indexes)
        pw = panel_width or max(6.6, 1.36 * n + 1.15)     # room for text of 9 pt and more
        chars = max(20, int(pw * 0.85 * 72 / (0.6 * 11)))     # the help line wraps to its panel
        titles = [panel_title(ix.result.strategy, ix.name, chars) for ix in self.indexes]
        top = 0.55 + 0.19 * max(t.count("\n") + 1 for t in titles)   # inches: clock, titles
        height = 5.7 + top
        self.figure = fig = new_figure((pw * len(self.indexes), height), dpi)
        fig.subplots_adjust(left=0.02, right=0.98, top=1 - top / height, bottom=0.02, wspace=0.12)
        self.canvas = FrameCanvas(fig)
        self.panels = []
        for i, ix in enumerate(self.indexes):
            p = _Panel(fig.add_subplot(1, len(self.indexes), i + 1), ix, title=titles[i])
            self.canvas.animate(*p.artists)
            self.panels.append(p)
        self.clock = self.canvas.animate(fig.text(0.5, 1 - 0.12 / height, "", ha="center", va="top",
                                                  fontsize=14, fontweight="bold"))
        self.frame = None

    def frame_at(self, t):
        """The ``StrategyFrame`` of each run at simulated time t (clamped to the runs)."""
        t = min(max(cursor_time(t), 0.0), self.duration)
        return tuple(ix.frame_at(t) for ix in self.indexes)

    def update(self, t):
        frames = self.frame_at(t)
        for p, f in zip(self.panels, frames):
            p.draw(f, self.glow)
        self.clock.set_text(_("simulated time t = {time} s").format(time=f"{frames[0].time:5.2f}"))
        self.frame = frames
        return frames

    def render(self, t, compress_level=1):
        """PNG bytes of the flowcharts at simulated time t."""
        self.update(t)
        return self.canvas.png(compress_level)

    def image(self, t=0.0):
        """The flowcharts at t for display in a notebook (smaller PNG)."""
        from IPython.display import Image
        return Image(self.render(t, compress_level=9))

    def widget(self, frames=120, interval=120):
        """Play/Pause + time scrubber over the runs (a ``Player``)."""
        from .player import Player
        return Player(self.render, self.duration, frames=frames, interval=interval)
