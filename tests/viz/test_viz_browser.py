"""The in-browser renderer, kernel side: who draws, what a notebook receives, and the page's layout
coming back (simulated here with dot's own SVG: the page runs the same Graphviz, compiled to
WebAssembly). The page side is tested in tests/browser/test_browser_without_dot.py."""
import re

import pytest

from teachflow.viz import GraphvizNotFound, INSTALL_HINT, HIGHLIGHTS, draw, render, set_renderer
from teachflow.viz import browser
from teachflow.viz.restyle import Restyler, style_of

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def default_renderer(monkeypatch):
    monkeypatch.delenv("TEACHFLOW_RENDERER", raising=False)
    monkeypatch.setattr(render, "_chosen", None)


@pytest.fixture
def laid_out(curve, dot):
    """``(view, svg)``: a view of the curve fit and dot's layout of it, made while dot is here."""
    v = draw()
    return v, render.run_dot(v.source).decode("utf-8")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not render.dot_available()


def test_without_dot_the_browser_draws_with_the_same_text(laid_out, no_dot):
    v, _ = laid_out
    assert render.renderer() == "browser"
    bundle = v._repr_mimebundle_()
    assert set(bundle) == {"text/plain", WIDGET}
    assert bundle["text/plain"] == repr(v)          # what nbval compares: as with dot
    w = v.widget()
    assert bundle[WIDGET]["model_id"] == w.model_id
    assert w.dot == v.source and w.key == browser.key_of(v.source)
    assert v.widget() is w                           # one widget per view, shown again as is


def test_with_dot_nothing_changes(curve, dot):
    v = draw()
    bundle = v._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"} and bundle["text/plain"] == repr(v)
    assert v._widget is None


def test_set_renderer(curve, dot, monkeypatch):
    set_renderer("browser")
    assert render.renderer() == "browser" and WIDGET in draw()._repr_mimebundle_()
    set_renderer("dot")
    assert "image/svg+xml" in draw()._repr_mimebundle_()
    set_renderer("auto")
    assert render.renderer() == "dot"
    with pytest.raises(ValueError, match="renderer must be one of"):
        set_renderer("wasm")
    monkeypatch.setattr(render, "_chosen", None)
    monkeypatch.setenv("TEACHFLOW_RENDERER", "browser")
    assert render.renderer() == "browser"
    monkeypatch.setenv("TEACHFLOW_RENDERER", "svg")
    with pytest.raises(ValueError, match="TEACHFLOW_RENDERER must be one of"):
        render.renderer()


def test_dot_asked_for_but_missing_shows_the_text(curve, no_dot):
    set_renderer("dot")
    bundle = draw()._repr_mimebundle_()
    assert bundle["text/plain"].startswith(INSTALL_HINT) and WIDGET not in bundle


def test_the_page_layout_serves_svg_save_and_highlight(laid_out, no_dot, tmp_path):
    v, svg = laid_out
    with pytest.raises(GraphvizNotFound, match="display it in a notebook first"):
        v.save(tmp_path / "g.svg")
    w = v.widget()
    w.laid_out = {"key": "0" * 16, "svg": svg}       # another graph's layout: ignored
    with pytest.raises(GraphvizNotFound):
        v.svg()
    w.laid_out = {"key": w.key, "svg": '<?xml version="1.0"?>\n' + svg}   # as the page sends it
    assert v.svg() == svg[svg.find("<svg"):]
    v.save(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text(encoding="utf-8") == v.svg()
    lit = v.highlight(["layer1/MatMul"])
    assert HIGHLIGHTS["current"]["fill"] in lit and HIGHLIGHTS["current"]["fill"] not in v.svg()
    with pytest.raises(GraphvizNotFound):            # png and pdf still need dot
        v.save(tmp_path / "g.png")


def test_styles_by_id_are_what_highlight_applies(laid_out):
    v, svg = laid_out
    nodes = {"layer1/MatMul": "current", "layer2/MatMul": "done"}
    edges = {("layer1/MatMul", "layer1/add"): "current"}
    styles = v.styles_by_id(nodes, edges)
    assert styles["layer1/MatMul"] == "current" and styles["layer2/MatMul"] == "done"
    edge_ids = [k for k in styles if k not in nodes]
    assert len(edge_ids) == 1 and edge_ids[0] in Restyler(svg).slots
    assert v.highlight(nodes, edges) == Restyler(svg).restyle(styles)


def test_the_shipped_scripts():
    """Two self-contained ES modules (anywidget's contract: a default export), nothing to fetch:
    Graphviz with its WASM inlined (sent once per kernel) and the small per-graph widget."""
    engine, view = (p.read_text(encoding="utf-8") for p in (browser.ENGINE_ASSET, browser.ASSET))
    assert 500_000 < len(engine) < 2_000_000 and len(view) < 10_000, (len(engine), len(view))
    assert browser.asset_size() == len(engine.encode()) + len(view.encode())
    for text in (engine, view):
        assert re.search(r"export\s*\{\s*\w+ as default\s*\}", text), "no default export (anywidget's ESM contract)"
        assert not re.search(r"https?://(?!www\.w3\.org/)", text), "the script names a URL to fetch"
        assert not re.search(r"(?<![.\w$])import\s*(?:[({*\"']|[\w$]+\s*from)", text), "the bundle must import nothing"
    assert browser.browser_available() and browser.unavailable_reason() is None


def test_one_engine_per_kernel(curve, dot):
    """Graphviz travels to the page once: every graph widget names the same engine widget."""
    a, b = draw().widget(), draw().widget()
    assert a.engine is b.engine and a.engine.model_id
    assert a.get_state()["engine"] == "IPY_MODEL_" + a.engine.model_id
    assert len(a.get_state()["_esm"]) < 10_000


def test_pending_svg_is_a_valid_small_picture():
    from xml.dom import minidom
    svg = browser.pending_svg("step 3 / 34 <drawn> in the widget above")
    doc = minidom.parseString(str(svg))
    assert doc.documentElement.tagName == "svg" and "&lt;drawn&gt;" in svg


def test_step_through_in_the_browser(curve_fit_step, monkeypatch, tmp_path):
    """Without dot the step-through's picture is a GraphWidget: each step sends colours by id
    (the same as dot's highlight), and once the page's layout is back, ``svg`` is the restyled
    drawing, identical to what dot would give for that layout."""
    from teachflow.trace import step_through
    from teachflow.widgets.stepthrough import StepThrough
    s = curve_fit_step
    trace = step_through(s["sess"], s["train"], s["feed"])
    assert render.dot_available(), INSTALL_HINT
    real_path = __import__("os").environ["PATH"]
    monkeypatch.setenv("PATH", str(tmp_path))
    st = StepThrough(trace)
    assert st.in_browser and "tf-step-graph" in st.graph._dom_classes
    assert "drawn in the widget above" in st.svg            # no layout in Python yet
    st.goto(5)
    current = st.node_id()
    assert st.graph.styles[current] == style_of("current")
    assert st.graph.dot == st.picture.view.source
    monkeypatch.setenv("PATH", real_path)
    svg = render.run_dot(st.graph.dot).decode("utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    st.graph.laid_out = {"key": st.graph.key, "svg": svg}   # the page's layout comes back
    assert st.svg == st.picture.svg(5) and HIGHLIGHTS["current"]["fill"] in st.svg
    st.show_view("forward")                                   # the other picture: a new layout
    assert st.graph.dot == st.picture.view.source and "drawn in the widget above" in st.svg
    st.next()
    assert st.graph.styles[st.node_id()] == style_of("current")
