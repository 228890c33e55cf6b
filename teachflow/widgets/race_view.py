"""The race drawn: a picture per frame, and the widget with its controls.

``RaceView(race)`` lays out one row per strategy (left: a map of the cluster, the server in the
middle with its version counter, workers around it coloured by what they do, messages moving
along the spokes; right: the Gantt timeline with a moving time cursor, the future greyed out)
and, at the bottom, the loss against server updates and against simulated time, drawn up to
the cursor, and the verdict. Everything static is drawn once; a frame only moves artists
(``FrameCanvas``), so ``render(t)`` takes tens of milliseconds.

``RaceWidget()`` adds controls (devices, speed spread, stragglers, learning rate, batch size,
strategies, seed), a Run button, Play/Pause and a time scrubber.
"""
import gc
import html
import math
import textwrap
import threading

import numpy as np

from .. import distributed as dist
from ..core.i18n import N_, _, get_language, on_language_change
from ..viz.timeline import KIND_COLORS, KIND_LABELS, draw_timeline
from ..viz.training_plots import strategy_color
from .canvas import FrameCanvas, new_figure
from .race import STRATEGIES, STRATEGY_HELP, STRATEGY_TITLES, Race


TEXT_PT = 9     # the smallest text in the picture: readable on a projector (issue 12)


class ClusterMap:
    """The server (a square with its version) and the workers on a circle around it, in one
    Axes; ``draw(frame)`` colours workers by activity and moves the messages in flight.
    ``strategy`` (the run's Strategy) says whether there is a barrier and gives the colour."""

    def __init__(self, ax, n, label, fontsize=TEXT_PT + 1, strategy=None, max_version=0):
        # smallest text: fontsize - 1; the server box is wide enough for "v<max_version>"
        from matplotlib.collections import LineCollection
        from matplotlib.patches import FancyBboxPatch
        self.ax, self.n, self.label = ax, n, label
        self.barrier = bool(getattr(strategy, "barrier", False))
        ang = np.pi / 2 - 2 * np.pi * np.arange(n) / n
        self.pos = np.c_[np.cos(ang), np.sin(ang)]
        ax.set_xlim(-1.3, 1.3)
        ax.set_ylim(-1.42, 1.2)
        ax.set_aspect("equal")
        ax.axis("off")
        box = ax.get_position()     # points per data unit (equal aspect: the tighter direction)
        fig_w, fig_h = ax.figure.get_size_inches()
        per_unit = 72 * min(box.width * fig_w / 2.6, box.height * fig_h / 2.62)
        text_w = 0.68 * fontsize * (1 + len(str(max_version)))     # bold digits, in points
        hub_x = max(0.24, 0.5 * text_w / per_unit + 0.06)
        hub_y = max(0.24, 0.5 * 1.4 * fontsize / per_unit)
        self.hub = (hub_x, hub_y)
        # spokes start just outside the box's edge, in each worker's direction
        reach = np.minimum(hub_x / np.maximum(np.abs(self.pos[:, 0]), 1e-9),
                           hub_y / np.maximum(np.abs(self.pos[:, 1]), 1e-9))
        self.inner = self.pos * (np.minimum(reach, 0.8) + 0.08)[:, None]
        ax.add_collection(LineCollection(np.stack([self.inner, self.pos], 1), colors="#DDDDDD",
                                         linewidths=1.0, zorder=1))
        self.box = ax.add_patch(FancyBboxPatch((-hub_x, -hub_y), 2 * hub_x, 2 * hub_y,
                                    boxstyle="round,pad=0.02", facecolor="#FFF6D5",
                                    edgecolor="#8A6D00", linewidth=1.2, zorder=3))
        size = 110 if n <= 8 else max(18, 110 * 8 / n)
        self.workers = ax.scatter(self.pos[:, 0], self.pos[:, 1], s=size, c=[KIND_COLORS["idle"]] * n,
                                  edgecolors="#555555", linewidths=0.6, zorder=4)
        self.spokes = ax.add_collection(LineCollection(np.zeros((0, 2, 2)), linewidths=2.2, zorder=2))
        self.packets = ax.scatter([], [], s=22, zorder=5, edgecolors="black", linewidths=0.4)
        self.version = ax.text(0, 0, "v0", ha="center", va="center", fontsize=fontsize,
                               fontweight="bold", zorder=6)
        self.status = ax.text(0, -1.36, "", ha="center", va="center", fontsize=fontsize - 1,
                              color="#444444")
        ax.set_title(label, loc="left", fontsize=fontsize + 1, fontweight="bold",
                     color=strategy_color(strategy) if strategy is not None else "black", pad=1)
        self.artists = (self.spokes, self.workers, self.packets, self.version, self.status)

    def draw(self, frame):
        colors = [KIND_COLORS.get(a.kind, KIND_COLORS["idle"]) for a in frame.activities]
        self.workers.set_facecolors(colors)
        segs, seg_colors, pts, pt_colors = [], [], [], []
        for f in frame.flows:
            w = f.worker
            a, b = (self.inner[w], self.pos[w]) if f.kind == "pull" else (self.pos[w], self.inner[w])
            segs.append((a, b))
            seg_colors.append(KIND_COLORS[f.kind])
            pts.append(a + (b - a) * f.progress)
            pt_colors.append(KIND_COLORS[f.kind])
        self.spokes.set_segments(segs)
        self.spokes.set_color(seg_colors)
        self.packets.set_offsets(np.array(pts).reshape(-1, 2))
        self.packets.set_facecolors(pt_colors)
        self.version.set_text(f"v{frame.version}")
        if self.barrier:
            self.status.set_text(_("barrier: {waiting}/{n} waiting").format(waiting=frame.waiting, n=self.n))
        elif frame.waiting:
            self.status.set_text(_("{waiting} held back by the bound").format(waiting=frame.waiting))
        else:
            self.status.set_text(_("no barrier: nobody waits"))


class RaceView:
    """Draws a ``Race`` (run first) frame by frame; see the module docstring. ``render(t)`` ->
    PNG bytes; ``frame`` is the last ``RaceFrame`` drawn; ``figure`` the matplotlib Figure.
    ``dpi`` sets the picture size (the figure is 10 inches wide); ``verdict=False`` leaves the
    verdict line out of the picture (the widget shows it as HTML: text is the slowest thing
    to draw)."""

    def __init__(self, race, dpi=80, width=10.0, verdict=True):
        if not race.ran:
            race.run()
        self.race = race
        self.duration = race.duration
        labels = list(race.results)
        n = race.config.workers
        row_h = max(1.75, 0.5 + 0.13 * (n + 1))   # 9-pt labels on every other row at 16 devices
        if len(labels) > 2:     # many strategies: thinner rows keep the picture (and frame time) in bounds
            row_h = max(1.5, min(row_h, 7.5 / len(labels)))
        self._wrap = int((width - 0.7) * 72 / (0.55 * TEXT_PT))   # characters per verdict line
        # the settings line wraps before the clock at the right ("t = 1234.5 s")
        about = textwrap.wrap(race.config.describe(), int((width - 2.3) * 72 / (0.58 * (TEXT_PT + 1))))
        extra = 0.19 * (len(about) - 1)
        top, loss_h, bottom = 0.7 + extra, 2.4, 0.55
        if verdict:     # room for the final verdict's lines (one more while racing, with many strategies)
            lines = len(textwrap.wrap(race.verdict(), self._wrap)) + (len(labels) > 2)
            bottom += 0.19 * max(2, lines)
        height = top + row_h * len(labels) + 0.25 + loss_h + bottom
        self.figure = fig = new_figure((width, height), dpi)
        gs = fig.add_gridspec(len(labels) + 1, 2, height_ratios=[row_h] * len(labels) + [loss_h],
                              width_ratios=[1, 3.3], left=0.08, right=0.985,
                              top=1 - top / height, bottom=bottom / height, hspace=0.35 / row_h,
                              wspace=0.12)
        self.canvas = FrameCanvas(fig)
        anim = self.canvas.animate
        label_px = 4.5 * TEXT_PT * dpi / 72   # a version label ("v1234") and a gap
        self.maps, self.cursors, self.shades = {}, {}, {}
        self.loss_lines, self.update_lines, self.heads, self.stars = {}, {}, {}, {}
        for i, (label, result) in enumerate(race.results.items()):
            m = ClusterMap(fig.add_subplot(gs[i, 0]), n, label, strategy=result.strategy,
                           max_version=race.indexes[i].version_at(self.duration))
            self.maps[label] = m
            ax = fig.add_subplot(gs[i, 1])
            draw_timeline(ax, result, t_max=self.duration, legend=False, fontsize=TEXT_PT,
                          label_min_px=label_px)
            ax.set_xlabel("")
            self.shades[label] = anim(_shade(ax, self.duration))
            self.cursors[label] = anim(ax.axvline(0, color="black", lw=1.3))
            anim(*m.artists)
        # losses
        ax_u = fig.add_subplot(gs[-1, 0])
        ax_t = fig.add_subplot(gs[-1, 1])
        self.ax_time, self.ax_updates = ax_t, ax_u
        target = race.config.target_loss
        max_updates = 1
        for ix in race.indexes:
            c = strategy_color(ix)
            self.loss_lines[ix.name] = anim(ax_t.plot([], [], color=c, lw=1.4, label=ix.name)[0])
            self.heads[ix.name] = anim(ax_t.plot([], [], "o", color=c, ms=4)[0])
            self.stars[ix.name] = anim(ax_t.plot([], [], "*", color=c, ms=12, markeredgecolor="black",
                                                 markeredgewidth=0.5)[0])
            self.update_lines[ix.name] = anim(ax_u.plot([], [], color=c, lw=1.2)[0])
            max_updates = max(max_updates, int(ix.history_updates[-1]))
        for axis in (ax_t, ax_u):
            axis.axhline(target, color="#555555", lw=0.9, ls="--")
            axis.set_yscale("log")
            axis.set_ylim(*_loss_limits(race, target))
            axis.tick_params(labelsize=TEXT_PT)
            for side in ("top", "right"):
                axis.spines[side].set_visible(False)
        ax_t.set_xlim(0, self.duration)
        ax_t.set_xlabel(_("simulated time (s)"), fontsize=TEXT_PT + 1)
        ax_t.set_ylabel(_("loss"), fontsize=TEXT_PT + 1)
        ax_t.legend(fontsize=TEXT_PT, loc="upper right", ncol=1 if len(labels) <= 3 else 2,
                    facecolor="white", edgecolor="none", framealpha=0.85)   # readable over the curves
        # above the dashed line at the right: by then the losses are mostly under it
        ax_t.text(self.duration, target, _("target {loss}").format(loss=f"{target:g}"), fontsize=TEXT_PT, va="bottom", ha="right",
                  color="#555555")
        self.loss_cursor = anim(ax_t.axvline(0, color="black", lw=1.0))
        ax_u.set_xlim(0, max_updates * 1.02)
        ax_u.set_xlabel(_("server updates"), fontsize=TEXT_PT + 1)
        ax_u.set_ylabel(_("loss"), fontsize=TEXT_PT + 1)
        # titles, legend, clock, verdict
        fig.text(0.055, 1 - 0.12 / height, "\n".join(about), fontsize=TEXT_PT + 1, va="top")
        from matplotlib.patches import Patch
        handles = [Patch(facecolor=KIND_COLORS[k], label=_(KIND_LABELS[k]))
                   for k in ("compute", "pull", "push", "wait")]
        if any(e.dropped for r in race.results.values() for e in r.events):   # only what a backup dropped
            handles.append(Patch(facecolor="#F2F2F2", edgecolor="#888888", hatch="////", label=_("dropped")))
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.25, 1 - (0.27 + extra) / height),
                   ncol=5, fontsize=TEXT_PT, frameon=False, handlelength=1.2, columnspacing=1.0)
        self.time_text = anim(fig.text(0.985, 1 - 0.12 / height, "", fontsize=TEXT_PT + 2,
                                       fontweight="bold", ha="right", va="top"))
        self.verdict_text = None
        if verdict:
            self.verdict_text = anim(fig.text(0.055, 0.1 / height, "", fontsize=TEXT_PT, va="bottom"))
        self.frame = None

    def draw(self, frame):
        """Move the artists to ``frame`` (a RaceFrame)."""
        t = frame.time
        for s in frame.strategies:
            self.maps[s.name].draw(s)
            self.cursors[s.name].set_xdata([t, t])
            shade = self.shades[s.name]
            shade.set_x(t)
            shade.set_width(max(self.duration - t, 0.0))
            ts, us, ls = np.asarray(s.loss_time), np.asarray(s.loss_updates), np.asarray(s.loss)
            ok = np.isfinite(ls) & (ls > 0)
            ts, us, ls = ts[ok], us[ok], ls[ok]
            self.update_lines[s.name].set_data(us, ls)
            if len(ls):
                # the parameters, hence the loss, stay put until the next update: hold the
                # last value up to the cursor
                self.loss_lines[s.name].set_data(np.r_[ts, t], np.r_[ls, ls[-1]])
                self.heads[s.name].set_data([t], [ls[-1]])
            else:
                self.loss_lines[s.name].set_data([], [])
                self.heads[s.name].set_data([], [])
            if s.reached is not None:
                self.stars[s.name].set_data([s.reached], [self.race.config.target_loss])
            else:
                self.stars[s.name].set_data([], [])
        self.loss_cursor.set_xdata([t, t])
        self.time_text.set_text(_("t = {time} s").format(time=f"{t:5.1f}"))
        if self.verdict_text is not None:
            self.verdict_text.set_text("\n".join(textwrap.wrap(frame.verdict, self._wrap)))
        self.frame = frame

    def update(self, t):
        """Compute and draw the frame at t (no rendering); returns the RaceFrame."""
        frame = self.race.frame_at(t)
        self.draw(frame)
        return frame

    def render(self, t, compress_level=1):
        """PNG bytes of the frame at simulated time t."""
        self.update(t)
        return self.canvas.png(compress_level)

    def image(self, t=None):
        """The frame at t (default: the end) for display in a notebook (smaller PNG)."""
        from IPython.display import Image
        return Image(self.render(self.duration if t is None else t, compress_level=9))


def _shade(ax, duration):
    from matplotlib.patches import Rectangle
    r = Rectangle((0, 0), duration, 1, transform=ax.get_xaxis_transform(), facecolor="white",
                  alpha=0.72, edgecolor="none", zorder=10)
    ax.add_patch(r)
    return r


def _loss_limits(race, target):
    vals = []
    for ix in race.indexes:
        ls = ix.history_loss[np.isfinite(ix.history_loss) & (ix.history_loss > 0)]
        vals.extend(ls.tolist())
    if not vals:
        return target / 3, target * 30
    first = race.indexes[0].history_loss[0]     # every strategy starts from the same loss
    lo = min(min(vals), target) * 0.6
    hi = max(first if math.isfinite(first) else target * 30, target) * 2.5
    return lo, hi


CONTROL_TEXTS = {"workers": N_("devices"), "spread": N_("speed spread"), "stragglers": N_("straggler prob."),
                 "lr": N_("learning rate"), "batch_size": N_("batch size"), "seed": N_("seed")}
BACKGROUND_EVENTS = 50_000  # ~2 s of a race: longer ones run in the background with Stop


def _examples(race):
    """How many training examples the race's model has (None: no data, no limit)."""
    model = race.model
    if model is None:
        try:
            model = dist.make_model(race.config.model, seed=race.config.model_seed)
        except (ValueError, ImportError):
            return None
    n = getattr(model, "n_examples", None)
    return int(n) if n else None


class RaceWidget:
    """Controls + Run + Play/Pause + time scrubber + picture + verdict, around a ``Race``.

    ``RaceWidget()`` (default race) or ``RaceWidget(race)``; settings not on the controls
    (duration, target loss, latency, ...) come from the race's config. The verdict line under
    the picture follows the cursor (at the end: the final verdict). Widgets: ``controls``
    (name -> widget), ``run_button``, ``play``, ``scrubber``, ``image``, ``verdict``,
    ``status``, ``clock``. State: ``race``, ``view``, ``frame`` (last RaceFrame drawn), ``time``.

    CSS classes (stable, for browser tests): ``tf-race`` (the whole widget), ``tf-race-run``
    (Run button), ``tf-race-play`` (Play), ``tf-race-scrubber`` (time slider), ``tf-race-image``
    (the picture), ``tf-race-clock`` (HTML: the cursor's time and each server's version, one
    ``<span class="tf-race-version" data-strategy=... data-version=...>`` per strategy),
    ``tf-race-verdict``, ``tf-race-status``."""

    def __init__(self, race=None, frames=200, interval=100, dpi=80, **changes):
        import ipywidgets as widgets
        if race is None:
            race = Race(**changes)
        elif changes:
            race = Race(race.config, race.model, **changes)
        self.race, self.dpi, self.view = race, dpi, None
        self._make_settings(widgets, race.config, race)
        self._make_run_controls(widgets, race.config, frames, interval)
        self._arrange(widgets)
        self._show(race if race.ran else None)
        on_language_change(self._relabel)

    def _make_settings(self, W, c, race):
        """The sliders of the cluster and the run (devices and batch size kept consistent)."""
        style = {"description_width": "110px"}
        lay = W.Layout(width="320px")
        self.controls = {
            "workers": W.IntSlider(value=c.workers, min=1, max=32, style=style, layout=lay),
            "spread": W.FloatSlider(value=c.spread, min=1.0, max=8.0, step=0.5, style=style, layout=lay),
            "stragglers": W.FloatSlider(value=c.stragglers, min=0.0, max=0.5, step=0.05, style=style,
                                        layout=lay),
            "lr": W.FloatLogSlider(value=c.lr, base=10, min=-2, max=0, step=0.05, style=style, layout=lay,
                                   readout_format=".3g"),
            "batch_size": W.Dropdown(options=sorted({1, 2, 4, 8, 16, 24, c.batch_size}),
                                     value=c.batch_size, style=style, layout=lay),
            "seed": W.BoundedIntText(value=c.seed, min=0, max=10**6, style=style, layout=lay),
        }
        self._n_examples = _examples(race)
        self._sizes = sorted({1, 2, 4, 8, 16, 24, c.batch_size})
        self.controls["workers"].observe(self._fit_batch, names="value")
        self.controls["batch_size"].observe(self._fit_workers, names="value")
        self._fit_workers()
        self._fit_batch()

    def _make_run_controls(self, W, c, frames, interval):
        """The strategy boxes, Run/Stop, progress, the player and the texts it shows."""
        from .player import Player
        self.strategy_boxes = {s: W.Checkbox(value=s in c.strategies, description=STRATEGY_TITLES[s],
                                             indent=False,
                                             layout=W.Layout(width="120px" if len(STRATEGY_TITLES[s]) > 6
                                                             else "90px"))
                               for s in STRATEGIES}
        self.run_button = W.Button(button_style="primary", icon="play")
        self.stop_button = W.Button(icon="stop", disabled=True)
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0,
                                        layout=W.Layout(width="320px", display="none"))
        self._stop, self._thread = threading.Event(), None
        self.stop_button.on_click(lambda _b: self._stop.set())
        self.status = W.HTML()
        self.verdict = W.HTML()
        self.clock = W.HTML()
        self.run_button.on_click(self.run)
        self.player = Player(lambda t: b"", c.duration, frames=frames, interval=interval,
                             on_frame=self._on_frame)
        self.play, self.scrubber, self.image = self.player.play, self.player.scrubber, self.player.image
        self.play.observe(self._rewind, names="playing")

    def _arrange(self, W):
        """Lay the widgets out in ``self.box``."""
        ctl = list(self.controls.values())
        self.strategies_label = W.Label()
        self._label_controls()
        self.box = W.VBox([
            W.HBox(ctl[:3]), W.HBox(ctl[3:]),
            W.HBox([self.strategies_label] + list(self.strategy_boxes.values())
                   + [self.run_button, self.stop_button]),
            self.progress, self.status, self.player.controls, self.clock, self.image, self.verdict])
        for w, css in ((self.box, "tf-race"), (self.run_button, "tf-race-run"), (self.play, "tf-race-play"),
                       (self.scrubber, "tf-race-scrubber"), (self.image, "tf-race-image"),
                       (self.clock, "tf-race-clock"), (self.verdict, "tf-race-verdict"),
                       (self.status, "tf-race-status")):
            w.add_class(css)

    def _label_controls(self):
        """The words on the controls, in the current language."""
        for key, text in CONTROL_TEXTS.items():
            self.controls[key].description = _(text)
        self.controls["spread"].tooltip = _("slowest device's mean time / fastest's")
        for s, box in self.strategy_boxes.items():
            box.tooltip = _(STRATEGY_HELP[s])
        self.run_button.description = _("Run")
        self.stop_button.description = _("Stop")
        self.stop_button.tooltip = _("stop a long race (the previous one stays)")
        self.progress.description = _("running")
        self.strategies_label.value = _("strategies:")

    def _relabel(self, _language):
        """After ``set_language``: the controls at once; the picture and the verdict at the next
        frame drawn (``_render``), so a switch costs nothing for widgets no longer looked at."""
        self._label_controls()

    def _render(self, t):
        """The player's picture at t, drawn again in the current language after a switch."""
        if self._language != get_language():
            self._language = get_language()
            self.view = RaceView(self.race, dpi=self.dpi, verdict=False)
        return self.view.render(t)

    # ----- consistent controls: workers x batch size never exceeds the examples
    def _fit_workers(self, _change=None):
        """The devices slider stops where each worker's shard still holds one batch."""
        if self._n_examples:
            w = self.controls["workers"]
            w.max = max(1, min(32, self._n_examples // self.controls["batch_size"].value))

    def _fit_batch(self, _change=None):
        """The batch sizes offered fit in one worker's shard."""
        if self._n_examples:
            b = self.controls["batch_size"]
            shard = self._n_examples // max(1, self.controls["workers"].value)
            options = [x for x in self._sizes if x <= shard] or [1]
            if list(b.options) != options:
                value = b.value if b.value in options else max(options)
                b.options = options
                b.value = value

    # ----- state
    @property
    def frame(self):
        return None if self.view is None else self.view.frame

    @property
    def time(self):
        return self.player.time

    def config(self):
        """The RaceConfig the controls describe (other settings from the current race)."""
        values = {k: w.value for k, w in self.controls.items()}
        values["strategies"] = tuple(s for s, box in self.strategy_boxes.items() if box.value)
        from dataclasses import replace
        return replace(self.race.config, **values)

    # ----- actions
    def run(self, _button=None):
        """Simulate with the controls' settings and show the result (the Run button). A race
        estimated above ``BACKGROUND_EVENTS`` events (more than a second or two) runs in a
        background thread with a progress bar and the Stop button, so the kernel stays free."""
        if self._thread is not None and self._thread.is_alive():
            return
        try:
            race = Race(self.config(), self.race.model)
            background = race.estimated_events() > BACKGROUND_EVENTS
            if not background:
                race.run(progress=False)
        except ValueError as err:   # a setting that does not fit: say so, keep the old race
            self._say(str(err))
            return
        except KeyboardInterrupt:   # the notebook's interrupt button: keep the old race
            self._say(_("Stopped: the previous race is shown."))
            return
        if not background:
            self._show(race)
            return
        self._stop.clear()
        self.run_button.disabled, self.stop_button.disabled = True, False
        self.progress.value, self.progress.layout.display = 0.0, ""
        self._thread = threading.Thread(target=self._run_in_background, args=(race,), daemon=True)
        self._thread.start()

    def _run_in_background(self, race):
        try:
            race.run(progress=self._set_progress, stop=self._stop)
        except dist.SimulationStopped:
            self._say(_("Stopped: the previous race is shown."))
        except ValueError as err:
            self._say(str(err))
        else:
            self.progress.value = 1.0
            self._show(race)
        finally:
            self.run_button.disabled, self.stop_button.disabled = False, True
            self.progress.layout.display = "none"

    def _set_progress(self, fraction):
        self.progress.value = fraction

    def _say(self, message):
        self.status.value = f"<span style='color:#b00'>{html.escape(message)}</span>"

    def _show(self, race):
        if race is None:
            self.run()
            return
        self.race = race
        self.status.value = ""
        self.view, self._language = RaceView(race, dpi=self.dpi, verdict=False), get_language()
        self.player.reset(self._render, race.duration, t=race.duration)
        # the previous race's figures are garbage now: collect them here, once, rather than
        # in a full collection that would stall one frame of the scrubbing to come
        gc.collect()

    def _on_frame(self, t):
        if self.view is None or self.view.frame is None:
            return
        frame = self.view.frame
        self.verdict.value = "<b>" + html.escape(_("Verdict:")) + f"</b> {html.escape(frame.verdict)}"
        versions = " · ".join(
            f"<span class='tf-race-version' data-strategy='{html.escape(sf.name)}' "
            f"data-version='{sf.version}'>"
            + html.escape(_("{name}: server at v{version}").format(name=sf.name, version=sf.version))
            + "</span>" for sf in frame.strategies)
        clock = html.escape(_("t = {time} s").format(time=f"{t:.1f}"))
        self.clock.value = f"<b>{clock}</b> · {versions}"

    def _rewind(self, change):
        if change["new"] and self.play.value >= self.play.max:
            self.play.value = 0

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)
