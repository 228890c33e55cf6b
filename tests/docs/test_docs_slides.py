"""The slides made by docs/make_slides.py: present, small, and made from a moving picture."""
import importlib.util
import io
import os

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLIDES = os.path.join(ROOT, "docs", "slides")


def _module():
    spec = importlib.util.spec_from_file_location("make_slides", os.path.join(ROOT, "docs", "make_slides.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_animated_lesson_has_a_small_gif_and_a_page():
    names = ["lesson06_flowcharts", "lesson06_race_balanced", "lesson06_race_uneven",
             "lesson07_pipeline"]
    for name in names:
        gif = os.path.join(SLIDES, name + ".gif")
        im = Image.open(gif)
        assert im.format == "GIF" and im.n_frames > 10
        assert os.path.getsize(gif) < 600_000, f"{name}.gif is too large for a slide"
        with open(os.path.join(SLIDES, name + ".html"), encoding="utf-8") as f:
            page = f.read()
        assert page.startswith("<!DOCTYPE html>") and "://" not in page   # nothing fetched


def test_pipeline_view_moves_its_cursor():
    mod = _module()
    view = mod.PipelineView(mod.lesson07_pipeline(), "test")
    assert view.duration > 0
    first, middle = view.render(0.0), view.render(view.duration / 2)
    assert first != middle
    assert Image.open(io.BytesIO(middle)).format == "PNG"


def test_lesson3_step_through_page():
    with open(os.path.join(SLIDES, "lesson03_step_through.html"), encoding="utf-8") as f:
        page = f.read()
    assert page.startswith("<!DOCTYPE html>") and "://" not in page.replace("http://www.w3.org", "")
    assert page.count("</script>") == 1 and "<svg" in page
    assert os.path.getsize(os.path.join(SLIDES, "lesson03_step_through.html")) < 600_000


def test_svg_player_stores_changed_lines_and_escapes_text():
    mod = _module()
    frames = ['<svg>\n<g fill="red"/>\n</svg>', '<svg>\n<g fill="blue"/>\n</svg>']
    page = mod.svg_player(frames, ["a </script> b", "second"], "T <b>")
    assert '{"1": "<g fill=\\"blue\\"/>"}' in page          # only the changed line of frame 2
    assert page.count("</script>") == 1 and "T &lt;b&gt;" in page
    import pytest
    with pytest.raises(ValueError, match="layout"):
        mod.svg_player(frames + ["<svg>\n</svg>"], ["a", "b", "c"], "t")
