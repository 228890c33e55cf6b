"""Gantt timelines of a simulated run: one row for the parameter server, one per device.

``plot_timeline(result)`` shows what every device did and when: compute (blue), pull parameters
(green), push a gradient (orange), wait at the barrier (grey); work thrown away is hatched. The
server's row marks every update with a tick and the version it wrote; compute bars wide enough
carry the version they read (``v3``), so staleness can be read off the picture. For synchronous
runs faint lines across all rows show the barrier at each update.

``draw_timeline(ax, result, ...)`` draws into given axes and returns the artists: the race
widget draws a timeline once and afterwards only moves its cursor.
"""
from dataclasses import dataclass, field

import numpy as np

from ..core.i18n import N_, _

KIND_COLORS = {
    "compute": "#4C78A8",
    "pull": "#54A24B",
    "push": "#F58518",
    "wait": "#C9C9C9",
    "apply": "#222222",
    "idle": "#FFFFFF",
}
KIND_LABELS = {      # translated where shown: _(KIND_LABELS[kind])
    "compute": N_("compute gradient"),
    "pull": N_("pull parameters"),
    "push": N_("push gradient"),
    "wait": N_("wait (barrier)"),
    "apply": N_("update (new version)"),
}
PIPELINE_LABELS = {"forward": N_("forward"), "backward": N_("backward"), "transfer": N_("transfer")}
BAR_HEIGHT = 0.72
FIGURE_DPI = 120   # figures this module creates: sharp on a projector, text >= 9 pt


def row_keys(result):
    """Rows of a timeline, top to bottom: the server (``"ps"``, or ``"all"`` for a ring
    all-reduce), then workers 0..N-1 (every device of the cluster, even one that never ran)."""
    events = _events(result)
    workers = sorted({e.worker for e in events if isinstance(e.worker, int)})
    n = getattr(getattr(result, "cluster", None), "size", None)
    if n is not None:
        workers = list(range(n))
    servers = sorted({e.worker for e in events if not isinstance(e.worker, int)})
    return (servers or ["ps"]) + workers


def row_label(key):
    if isinstance(key, int):
        return f"w{key}"
    return {"ps": _("server"), "all": _("all (apply)")}.get(key, str(key))


def _events(result):
    return list(getattr(result, "events", result))


@dataclass
class Timeline:
    """The artists of one drawn timeline: ``bars`` (kind -> PolyCollection), ``dropped``,
    ``updates`` (ticks on the server row), ``barriers`` (lines across rows, or None),
    ``labels`` (version texts), and ``y`` (row key -> y position)."""
    ax: object
    rows: list
    y: dict
    bars: dict = field(default_factory=dict)
    dropped: object = None
    updates: object = None
    barriers: object = None
    labels: list = field(default_factory=list)


def _rects(events, y, t_min, t_max):
    verts = []
    for e in events:
        a, b = max(e.start, t_min), min(e.end, t_max)
        if b <= a:
            continue
        yc = y[e.worker]
        y0, y1 = yc - BAR_HEIGHT / 2, yc + BAR_HEIGHT / 2
        verts.append(((a, y0), (a, y1), (b, y1), (b, y0)))
    return np.array(verts, dtype=float).reshape(-1, 4, 2)


def draw_timeline(ax, result, t_min=0.0, t_max=None, versions=True, barriers="auto",
                  legend=True, label_min_px=20, max_labels=400, fontsize=9):
    """Draw ``result``'s event log (a RunResult or a list of Events) on ``ax``; returns a
    ``Timeline``. ``t_min``/``t_max`` crop the time axis (default: the whole run).
    ``versions``: label compute bars with the version read and server ticks with the version
    written, where there is room (``label_min_px``), at most ``max_labels`` labels.
    ``fontsize`` (points) is used for every text; 9 or more stays readable on a projector.
    ``barriers``: lines across all rows at each update ("auto": for runs with a barrier)."""
    events = _events(result)
    rows = row_keys(result)
    y = {k: i for i, k in enumerate(rows)}
    if t_max is None:
        t_max = max((e.end for e in events), default=1.0) or 1.0
    view = [e for e in events if e.end >= t_min and e.start <= t_max and e.worker in y]
    tl = Timeline(ax, rows, y)
    _draw_bars(ax, tl, view, y, t_min, t_max)
    applies = _draw_updates(ax, tl, view, y, rows, barriers, result)
    _style_axes(ax, rows, t_min, t_max, fontsize)
    if versions:
        tl.labels = _version_labels(ax, view, applies, y, t_min, t_max, label_min_px,
                                    max_labels, fontsize)
    if legend:
        _legend(ax, tl, applies, fontsize)
    return tl


def _draw_bars(ax, tl, view, y, t_min, t_max):
    """One PolyCollection per kind of work, and the hatched work a strategy threw away."""
    from matplotlib.collections import PolyCollection
    for kind in ("compute", "pull", "push", "wait"):
        sel = [e for e in view if e.kind == kind and not e.dropped]
        if sel:
            tl.bars[kind] = ax.add_collection(PolyCollection(
                _rects(sel, y, t_min, t_max), facecolors=KIND_COLORS[kind], edgecolors="white",
                linewidths=0.3))
    dropped = [e for e in view if e.dropped and e.kind != "apply"]
    if dropped:
        tl.dropped = ax.add_collection(PolyCollection(
            _rects(dropped, y, t_min, t_max), facecolors="#F2F2F2",
            edgecolors=[KIND_COLORS.get(e.kind, "#888888") for e in dropped
                        if min(e.end, t_max) > max(e.start, t_min)],
            hatch="////", linewidths=0.6))


def _draw_updates(ax, tl, view, y, rows, barriers, result):
    """Server ticks at each update (and dotted barriers across all rows); the updates drawn."""
    applies = sorted((e for e in view if e.kind == "apply" and not e.dropped),
                     key=lambda e: e.start)
    if applies:
        ty = np.array([e.start for e in applies])
        ys = np.array([y[e.worker] for e in applies], dtype=float)
        tl.updates = ax.vlines(ty, ys, ys + BAR_HEIGHT / 2,     # lower half; labels above
                               colors=KIND_COLORS["apply"], linewidths=1.0)
        has_barrier = any(e.kind == "wait" for e in view) and len(applies) <= 150
        if barriers is True or (barriers == "auto" and has_barrier and _synchronous(result)):
            tl.barriers = ax.vlines(ty, -0.5, len(rows) - 0.5, colors=KIND_COLORS["apply"],
                                    linewidths=0.6, linestyles=":", alpha=0.5)
    return applies


def _style_axes(ax, rows, t_min, t_max, fontsize):
    """Limits, row labels (thinned so they never overlap), the time axis."""
    ax.set_xlim(t_min, t_max)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    row_px = _row_px(ax, len(rows))
    every = max(1, int(np.ceil((fontsize + 2) * ax.figure.dpi / 72 / row_px)))
    ticks = [i for i, k in enumerate(rows) if not isinstance(k, int) or k % every == 0]
    ax.set_yticks(ticks, [row_label(rows[i]) for i in ticks], fontsize=fontsize)
    ax.tick_params(axis="x", labelsize=fontsize + 1)
    ax.set_xlabel(_("simulated time (s)"), fontsize=fontsize + 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(ax, tl, applies, fontsize):
    """The legend above the axes: only the kinds drawn."""
    from matplotlib.patches import Patch
    kinds = [k for k in ("compute", "pull", "push", "wait") if k in tl.bars]
    handles = [Patch(facecolor=KIND_COLORS[k], label=_(KIND_LABELS[k])) for k in kinds]
    if tl.dropped is not None:
        handles.append(Patch(facecolor="#F2F2F2", edgecolor="#888888", hatch="////",
                             label=_("dropped work")))
    if applies:
        from matplotlib.lines import Line2D
        handles.append(Line2D([], [], color=KIND_COLORS["apply"], marker="|", linestyle="",
                              markersize=8, label=_(KIND_LABELS["apply"])))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles),
              fontsize=fontsize, frameon=False, borderaxespad=0.2, handlelength=1.2,
              columnspacing=1.0)


def _row_px(ax, n_rows):
    """Height of one row in pixels (before any layout engine moves the axes)."""
    return max(ax.get_window_extent().height, 1.0) / max(n_rows, 1)


def _synchronous(result):
    strategy = getattr(result, "strategy", None)
    if strategy is None:
        return True
    from ..distributed import Asynchronous
    return not isinstance(strategy, Asynchronous)


def _version_labels(ax, view, applies, y, t_min, t_max, min_px, max_labels, fontsize):
    """``v3`` inside compute bars wide enough, and the written versions on the server row
    (thinned so that labels never overlap)."""
    width_px = max(ax.get_window_extent().width, 1.0) if ax.figure is not None else 600.0
    px = width_px / max(t_max - t_min, 1e-12)
    out = []
    fits = _row_px(ax, len(y)) * BAR_HEIGHT >= fontsize * ax.figure.dpi / 72
    computes = [e for e in view if fits and e.kind == "compute" and e.version_read is not None
                and not e.dropped
                and (min(e.end, t_max) - max(e.start, t_min)) * px >= min_px]
    for e in computes[:max_labels]:
        a, b = max(e.start, t_min), min(e.end, t_max)
        out.append(ax.text((a + b) / 2, y[e.worker], f"v{e.version_read}", ha="center",
                           va="center", fontsize=fontsize, color="white", clip_on=True))
    if applies:
        spacing = (applies[-1].start - applies[0].start) / max(len(applies) - 1, 1) * px
        every = 1 if spacing >= min_px else int(np.ceil(min_px / max(spacing, 1e-9)))
        budget = max(0, max_labels - len(out))
        char_px = 0.62 * fontsize * ax.figure.dpi / 72
        last_x = -np.inf
        for e in applies:
            if e.version_written % every or budget == 0:
                continue
            need = max(min_px, (len(str(e.version_written)) + 1) * char_px + 5)
            if (e.start - last_x) * px < need:
                continue
            last_x = e.start
            budget -= 1
            out.append(ax.text(e.start, y[e.worker] - BAR_HEIGHT / 4, f"v{e.version_written}",
                               ha="center", va="center", fontsize=fontsize,
                               color=KIND_COLORS["apply"], clip_on=True))
    return out


def plot_timeline(result, ax=None, t_min=0.0, t_max=None, title=None, **options):
    """A Gantt chart of a run (see the module docstring); returns the Axes. Options go to
    ``draw_timeline``."""
    import matplotlib.pyplot as plt
    if ax is None:
        rows = len(row_keys(result))
        _fig, ax = plt.subplots(figsize=(10, 1.0 + 0.3 * rows), dpi=FIGURE_DPI)
    draw_timeline(ax, result, t_min=t_min, t_max=t_max, **options)
    if title is None:
        title = str(getattr(result, "strategy", ""))
    if title:   # above the legend row, which spans the width
        ax.set_title(title, loc="right", fontsize=10, pad=22 if options.get("legend", True) else 6)
    return ax


PIPELINE_COLORS = {"forward": "#4C78A8", "backward": "#E45756", "transfer": "#F58518"}


def plot_pipeline(result, ax=None, title=None, fontsize=9):
    """A Gantt chart of a model-parallel run (``Pipeline(...).run()``): one row per device
    (forward passes blue, backward passes red, labelled with the microbatch) and one per link
    between devices (transfers orange). Idle gaps are the pipeline *bubble*. Returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    events = _events(result)
    devices = list(getattr(result, "devices", []))
    links = sorted({e.worker for e in events if isinstance(e.worker, str)})
    rows = list(range(len(devices))) + links
    y = {k: i for i, k in enumerate(rows)}
    if ax is None:
        _fig, ax = plt.subplots(figsize=(10, 1.2 + 0.4 * len(rows)), dpi=FIGURE_DPI)
    t_max = max((e.end for e in events), default=1.0) or 1.0
    groups = {"forward": [], "backward": [], "transfer": []}
    for e in events:
        if isinstance(e.worker, str):
            groups["transfer"].append(e)
        else:
            groups["backward" if (e.label or "").startswith("B") else "forward"].append(e)
    for kind, sel in groups.items():
        if sel:
            ax.add_collection(PolyCollection(_rects(sel, y, 0.0, t_max), facecolors=PIPELINE_COLORS[kind],
                                             edgecolors="white", linewidths=0.4))
    # label each stage's run with its microbatch (F0, B3 ...) where the bar is wide enough
    row_px = ax.get_window_extent().width / t_max
    seen = set()
    for e in events:
        if isinstance(e.worker, str) or not e.label:
            continue
        tag = e.label.split()[0]
        key = (e.worker, tag)
        if key in seen or (e.end - e.start) * row_px < 2.2 * fontsize * ax.figure.dpi / 72:
            continue
        seen.add(key)
        ax.text((e.start + e.end) / 2, y[e.worker], tag, ha="center", va="center",
                fontsize=fontsize, color="white")
    ax.set_xlim(0, t_max)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), [devices[k] if isinstance(k, int) else k for k in rows],
                  fontsize=fontsize)
    ax.set_xlabel(_("simulated time (s)"), fontsize=fontsize + 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=[Patch(facecolor=c, label=_(PIPELINE_LABELS[k])) for k, c in PIPELINE_COLORS.items()
                       if groups[k]],
              loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=fontsize, frameon=False)
    if title:
        ax.set_title(title, loc="right", fontsize=10)
    return ax
