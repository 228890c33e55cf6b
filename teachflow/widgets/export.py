"""Animations for slides: a GIF, or one self-contained HTML file (frames as base64 PNGs and a
few lines of JavaScript for Play and a slider), from any view with ``render(t)`` and
``duration`` (``RaceView``, ``Flowchart``).

Frames are the very frames the widgets show (``render(t)`` at evenly spaced times), so an export
is deterministic: same race, same seed, same bytes. ``to_animation(view)`` gives a matplotlib
``FuncAnimation`` instead, for its own writers (``anim.save("race.mp4")``, ``anim.to_jshtml()``).
"""
import base64
import hashlib
import html
import io
import json
import math
from numbers import Integral, Real

import numpy as np
from PIL import Image

from ..core.files import atomic_write
from ..core.i18n import _, get_language


MAX_FRAMES = 2000   # ~3 minutes at 10 fps: more would take minutes to render and megabytes
MAX_FPS = 60
MAX_WIDTH = 4096


def _real(name, v, lo=None, hi=None, strict=False):
    """``v`` as a finite float within bounds, else a ValueError naming ``name``."""
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v) or (
            lo is not None and (v <= lo if strict else v < lo)) or (hi is not None and v > hi):
        rng = "" if lo is None else f" {'>' if strict else '>='} {lo}"
        rng += "" if hi is None else f" and <= {hi}"
        raise ValueError(f"{name} must be a finite number{rng}, got {v!r}")
    return float(v)


def _int(name, v, lo, hi):
    if isinstance(v, bool) or not isinstance(v, Integral) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(v)


def frame_times(duration, frames=60, start=0.0, end=None):
    """``frames`` evenly spaced times from ``start`` to ``end`` (default: the duration)."""
    duration = _real("duration", duration, 0.0)
    frames = _int("frames", frames, 1, MAX_FRAMES)
    start = _real("start", start, 0.0, duration)
    end = duration if end is None else _real("end", end, start, duration)
    return [float(t) for t in np.linspace(start, end, frames)]


def _check_output(fps, width):
    _real("fps", fps, 0.0, MAX_FPS, strict=True)
    if width is not None:
        _int("width", width, 16, MAX_WIDTH)


def render_frames(view, times):
    """PNG bytes of the view at each time."""
    return [view.render(t) for t in times]


def _scaled(png, width):
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if width is not None and img.width != width:
        img = img.resize((int(width), round(img.height * width / img.width)), Image.Resampling.LANCZOS)
    return img


def gif_bytes(view, frames=60, fps=10, start=0.0, end=None, width=None, colors=96, hold=2.0):
    """The animation as GIF bytes: ``frames`` frames at ``fps``, the last one held ``hold``
    seconds; ``width`` in pixels (default: the view's), ``colors`` in the shared palette."""
    _check_output(fps, width)
    colors = _int("colors", colors, 2, 256)
    hold = _real("hold", hold, 0.0, 60.0)
    times = frame_times(view.duration, frames, start, end)
    images = [_scaled(p, width) for p in render_frames(view, times)]
    # one palette for all frames (no flicker), from the first, middle and last frame; an octree
    # keeps small saturated areas (a strategy's line colour) that median cut merges into greys
    picks = [images[0], images[len(images) // 2], images[-1]]
    w, h = images[0].size
    montage = Image.new("RGB", (w, h * len(picks)), "white")
    for i, im in enumerate(picks):
        montage.paste(im, (0, h * i))
    palette = montage.quantize(colors=int(colors), method=Image.Quantize.FASTOCTREE,
                               dither=Image.Dither.NONE)
    frames_p = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    step = int(round(1000 / fps))
    durations = [step] * (len(frames_p) - 1) + [max(step, int(hold * 1000))]
    buf = io.BytesIO()
    frames_p[0].save(buf, format="GIF", save_all=True, append_images=frames_p[1:],
                     duration=durations, loop=0)
    return buf.getvalue()


def to_gif(view, path, **options):
    """Write the animation as a GIF (options: see ``gif_bytes``); returns ``path``."""
    return atomic_write(path, gif_bytes(view, **options))


_PLAYER_JS = """
(function() {
  var root = document.getElementById(%(id)s);
  var frames = %(frames)s, times = %(times)s, delay = %(delay)d;
  var img = root.querySelector("img"), slider = root.querySelector("input"),
      button = root.querySelector("button"), label = root.querySelector("span");
  var timer = null;
  function show(i) {
    img.src = "data:image/png;base64," + frames[i];
    slider.value = i;
    label.textContent = %(time_before)s + times[i].toFixed(1) + %(time_after)s;
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = %(play)s; }
  button.onclick = function() {
    if (timer) { stop(); return; }
    if (+slider.value >= frames.length - 1) { show(0); }
    button.textContent = %(pause)s;
    timer = setInterval(function() {
      var i = +slider.value + 1;
      if (i >= frames.length) { stop(); return; }
      show(i);
    }, delay);
  };
  slider.oninput = function() { stop(); show(+slider.value); };
})();
"""


def to_html(view, frames=60, fps=10, start=0.0, end=None, width=None, title=None, colors=None):
    """One self-contained HTML fragment (no external files, no network): the frames as base64
    PNGs, a Play/Pause button and a time slider. Paste into slides or save with ``save_html``.
    ``width`` rescales the frames; ``colors`` (e.g. 64) stores each frame with a palette of that
    many colours, several times smaller for plots and diagrams. ``title`` is text (HTML-escaped),
    never markup."""
    _check_output(fps, width)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    times = frame_times(view.duration, frames, start, end)
    pngs = render_frames(view, times)
    if width is not None or colors is not None:
        out = []
        for p in pngs:
            img = _scaled(p, width)
            if colors is not None:
                img = img.quantize(colors=int(colors), method=Image.Quantize.FASTOCTREE,
                                   dither=Image.Dither.NONE)
            buf = io.BytesIO()
            img.save(buf, format="PNG", optimize=colors is not None)
            out.append(buf.getvalue())
        pngs = out
    data = [base64.b64encode(p).decode("ascii") for p in pngs]
    ident = "tf-anim-" + hashlib.sha1("".join(data[:2]).encode()).hexdigest()[:12]
    head = f"<h3>{html.escape(title)}</h3>" if title else ""
    before, _sep, after = _("t = {time} s").partition("{time}")
    js = _PLAYER_JS % {"id": json.dumps(ident), "frames": json.dumps(data),
                       "times": json.dumps([round(t, 4) for t in times]),
                       "delay": int(round(1000 / fps)), "play": json.dumps("\u25B6 " + _("Play")),
                       "pause": json.dumps("\u275A\u275A " + _("Pause")),
                       "time_before": json.dumps(before), "time_after": json.dumps(after)}
    first = html.escape(_("t = {time} s").format(time=f"{times[0]:.1f}"))
    play = html.escape(_("Play"))
    return (f'<div id="{ident}" style="font-family:sans-serif">{head}'
            f'<img style="max-width:100%" src="data:image/png;base64,{data[0]}">'
            f'<div><button>&#9654; {play}</button> '
            f'<input type="range" min="0" max="{len(data) - 1}" value="0" style="width:70%"> '
            f'<span>{first}</span></div><script>{js}</script></div>')


def save_html(view, path, **options):
    """Write ``to_html`` as a complete HTML page; returns ``path``."""
    body = to_html(view, **options)
    title = html.escape(_("teachflow animation"))
    page = (f"<!DOCTYPE html>\n<html lang=\"{get_language()}\"><head><meta charset=\"utf-8\"><title>{title}"
            f"</title></head><body>{body}</body></html>\n")
    return atomic_write(path, page.encode("utf-8"))


def to_animation(view, frames=60, fps=10, start=0.0, end=None):
    """A matplotlib ``FuncAnimation`` of the view's figure (its writers: ``.save(path)``,
    ``.to_jshtml()``); each frame redraws the whole figure, so it is slower than ``to_gif``."""
    from matplotlib.animation import FuncAnimation
    _check_output(fps, None)
    times = frame_times(view.duration, frames, start, end)

    def step(i):
        view.update(times[i])
        return []

    return FuncAnimation(view.figure, step, frames=len(times), interval=1000 / fps, blit=False,
                         repeat=False)
