"""Exports for slides: GIF and self-contained HTML, deterministic for a seed."""
import base64
import io
import re

import pytest
from PIL import Image

from teachflow.widgets import Race
from teachflow.widgets.export import (frame_times, gif_bytes, save_html, to_animation, to_gif,
                                      to_html)


@pytest.fixture(scope="module")
def view():
    return Race(workers=4, duration=10.0, model="numpy_curve_fit").view(dpi=40)


def test_frame_times():
    assert frame_times(10.0, 5) == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert frame_times(10.0, 3, start=2.0, end=4.0) == [2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="frames"):
        frame_times(10.0, 0)


def test_gif_has_the_frames_and_is_deterministic(view, tmp_path):
    data = gif_bytes(view, frames=6, fps=5, hold=1.0)
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF" and im.n_frames == 6
    assert im.size == tuple(int(v) for v in view.figure.canvas.get_width_height(physical=True))
    assert im.info["duration"] == 200
    im.seek(5)
    assert im.info["duration"] == 1000          # the last frame is held
    again = Race(workers=4, duration=10.0, model="numpy_curve_fit").view(dpi=40)
    assert gif_bytes(again, frames=6, fps=5, hold=1.0) == data
    path = to_gif(view, tmp_path / "sub" / "race.gif", frames=4, width=200)
    small = Image.open(path)
    assert small.size[0] == 200 and small.n_frames == 4


def test_html_is_self_contained(view, tmp_path):
    html = to_html(view, frames=4, fps=4)
    frames = re.search(r"var frames = (\[.*?\])", html).group(1)
    pngs = re.findall(r'"([A-Za-z0-9+/=]+)"', frames)
    assert len(pngs) == 4
    assert all(base64.b64decode(p)[:4] == b"\x89PNG" for p in pngs)
    assert base64.b64decode(pngs[2]) == view.render(frame_times(view.duration, 4)[2])
    assert "http" not in html and "<script src" not in html
    assert to_html(view, frames=4, fps=4) == html
    path = save_html(view, tmp_path / "race.html", frames=3, title="race")
    text = open(path, encoding="utf-8").read()
    assert text.startswith("<!DOCTYPE html>") and "<h3>race</h3>" in text


def test_matplotlib_animation(view):
    anim = to_animation(view, frames=3)
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") >= 1 or "frames[" in html
    assert view.frame.time == pytest.approx(view.duration)


def test_html_frames_with_a_palette_are_smaller_and_deterministic(view):
    full = to_html(view, frames=3, fps=4)
    small = to_html(view, frames=3, fps=4, colors=32)
    frames = re.findall(r'"([A-Za-z0-9+/=]{200,})"', re.search(r"var frames = (\[.*?\])", small).group(1))
    assert len(frames) == 3
    img = Image.open(io.BytesIO(base64.b64decode(frames[1])))
    assert img.mode == "P" and len(img.getcolors()) <= 32
    assert img.size == Image.open(io.BytesIO(view.render(0.0))).size
    assert len(small) < len(full)
    assert to_html(view, frames=3, fps=4, colors=32) == small


def test_gif_palette_keeps_the_strategy_colours():
    from teachflow.viz.training_plots import STRATEGY_COLORS
    # lesson 6's uneven race as docs/make_slides.py exports it: thin curves on a busy picture
    view = Race(workers=8, spread=4.0, stragglers=0.05, target_loss=0.0025, duration=1200.0,
                model="numpy_curve_fit").view(dpi=100)
    im = Image.open(io.BytesIO(gif_bytes(view, frames=3, width=800, colors=128)))
    pal = im.getpalette()
    colours = [tuple(pal[i:i + 3]) for i in range(0, len(pal), 3)]
    for key in ("sync", "async"):
        want = tuple(int(STRATEGY_COLORS[key][i:i + 2], 16) for i in (1, 3, 5))
        nearest = min(sum((a - b) ** 2 for a, b in zip(c, want)) for c in colours)
        assert nearest <= 20 ** 2, f"the {key} colour {want} is lost in the GIF palette"
