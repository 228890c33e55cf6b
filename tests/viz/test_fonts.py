"""Chinese text renders: matplotlib figures fall back to the CJK font glyph by glyph in zh only
(English figures are unchanged to the pixel), Graphviz drawings name it, and a glyph missing from
every font is an error in the test suite (pyproject's filterwarnings; lessons/conftest.py for the
notebooks' kernels)."""
import io
import warnings

import pytest

import teachflow as tf
from teachflow.viz import fonts

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = pytest.mark.usefixtures("fresh_graph", "english_after")


@pytest.fixture
def english_after():
    yield
    tf.set_language("en")


def _render(title, label, legend):
    fig, ax = plt.subplots(figsize=(3, 2), dpi=60)
    ax.plot([0, 1], [1, 0], label=legend)
    ax.set_title(title)
    ax.set_xlabel(label)
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def test_a_chinese_figure_renders_with_every_glyph_in_zh():
    assert fonts.cjk_font(), "no CJK font: " + fonts.FIX
    tf.set_language("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a missing glyph would raise here
        png = _render("计算图与会话", "迭代周期", "损失（同步训练）")
    assert png.startswith(b"\x89PNG")


def test_without_the_fallback_the_missing_glyph_is_an_error():
    """What the suite's filter catches: in English no CJK font is added, so Chinese glyphs are
    missing and matplotlib's warning becomes an error (pyproject.toml filterwarnings)."""
    with pytest.raises(UserWarning, match="Glyph .* missing from font"):
        _render("计算图", "x", "y")


def test_english_figures_are_unchanged_to_the_pixel_after_a_visit_to_chinese():
    before = _render("loss against time", "simulated time (s)", "sync")
    tf.set_language("zh")
    tf.set_language("en")
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]
    assert _render("loss against time", "simulated time (s)", "sync") == before


def test_latin_text_keeps_its_font_in_chinese():
    """The CJK font is a fallback after the usual one, so English words and numbers in a Chinese
    figure look as in English."""
    en = _render("loss 0.25", "time (s)", "sync")
    tf.set_language("zh")
    assert matplotlib.rcParams["font.family"] == ["sans-serif", fonts.cjk_font()]
    assert _render("loss 0.25", "time (s)", "sync") == en


def test_graphviz_drawings_name_the_cjk_font_only_in_chinese():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    tf.reduce_sum(x * 2.0, name="total")
    english = tf.viz.draw().source
    assert 'fontname="Helvetica"' in english
    tf.set_language("zh")
    chinese = tf.viz.draw().source
    assert f'fontname="{fonts.cjk_font()}"' in chinese and "Helvetica" not in chinese


def test_graphviz_lays_out_chinese_text_in_the_cjk_font(tmp_path):
    from teachflow.viz import render
    if not render.dot_available():
        pytest.skip("Graphviz dot is not installed")
    tf.set_language("zh")
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    tf.reduce_sum(x * 2.0, name="total")
    view = tf.viz.draw(legend=True)
    svg = view.svg()
    assert fonts.cjk_font() in svg
    view.save(str(tmp_path / "g.png"))
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


def test_without_any_cjk_font_one_warning_names_the_fix(monkeypatch):
    monkeypatch.setattr(fonts, "_found", {"font": None})
    monkeypatch.setattr(fonts, "_warned", [])
    with pytest.warns(fonts.CJKFontWarning, match="fonts-noto-cjk") as record:
        tf.set_language("zh")
        assert fonts.graph_font() == "Helvetica"
        tf.set_language("en")
        tf.set_language("zh")
    assert len([w for w in record if issubclass(w.category, fonts.CJKFontWarning)]) == 1
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]


def test_doctor_names_the_chinese_font_or_the_fix(monkeypatch):
    from teachflow import doctor
    check = doctor.check_fonts()
    assert fonts.cjk_font() in check.found
    monkeypatch.setattr(fonts, "_found", {"font": None})
    check = doctor.check_fonts()
    assert check.ok is None and "fonts-noto-cjk" in check.fix


def test_chinese_glyphs_draw_something_else_than_the_empty_boxes_of_english():
    tf.set_language("zh")
    zh = _render("计算图", "x", "y")
    tf.set_language("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boxes = _render("计算图", "x", "y")
    assert zh != boxes
