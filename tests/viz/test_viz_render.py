"""SVG, PNG and PDF through Graphviz; notebooks; and what happens without Graphviz."""
import os
import xml.etree.ElementTree as ET

import pytest

import teachflow as tf
from teachflow.viz import INSTALL_HINT, GraphvizError, GraphvizNotFound, dot_available, draw, render

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_svg_is_produced_and_well_formed(curve, dot):
    svg = draw(collapse=None).svg()
    assert svg.startswith("<svg")
    root = ET.fromstring(svg)                       # valid XML, even with escaped names
    ids = {g.get("id"): g.get("class") for g in root.iter(SVG_NS + "g")}
    assert ids["layer1/MatMul"] == "node"
    assert ids["x"] == "node"
    assert ids["cluster-layer1"] == "cluster"
    assert ids["x--layer1/MatMul"] == "edge"
    assert svg._repr_svg_() == svg


def test_svg_is_laid_out_once(curve, dot, monkeypatch):
    calls = []
    real = render.run_dot
    monkeypatch.setattr(render, "run_dot", lambda *a: calls.append(a) or real(*a))
    v = draw()
    v.svg(), v.svg(), v._repr_mimebundle_(), v.highlight({"x": "current"}), v.highlight({"y": "done"})
    assert len(calls) == 1


def test_save_by_extension(curve, dot, tmp_path):
    v = draw(collapse=1)
    assert v.save(tmp_path / "g.svg").endswith("g.svg")
    assert (tmp_path / "g.svg").read_text(encoding="utf-8").startswith("<svg")
    v.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    v.save(str(tmp_path / "g.pdf"))
    assert (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    v.save(tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == v.source
    v.save(tmp_path / "picture", format="png")
    assert (tmp_path / "picture").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        v.save(tmp_path / "g.jpg")


def test_notebook_display(curve, dot):
    bundle = draw()._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg") and "GraphView" in bundle["text/plain"]
    g = curve["graph"]._repr_mimebundle_()          # a Graph shows itself as a picture
    assert g["image/svg+xml"] == bundle["image/svg+xml"]
    only = draw()._repr_mimebundle_(include=["text/plain"])
    assert list(only) == ["text/plain"]


def test_to_graphviz(curve):
    assert draw().to_graphviz().source == draw().source


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """No Graphviz: an empty PATH, as on a fresh laptop."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not dot_available()


def test_without_graphviz_nothing_crashes(curve, no_dot, tmp_path, monkeypatch):
    monkeypatch.setattr(render, "_chosen", "dot")    # dot asked for (else the browser draws)
    v = draw()
    src = v.source                                   # DOT text needs no Graphviz
    bundle = v._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"].startswith(INSTALL_HINT) and src in bundle["text/plain"]
    assert "<pre>" in bundle["text/html"] and "&lt;b&gt;" in bundle["text/html"]
    for tool in ("apt install graphviz", "brew install graphviz", "conda install", "choco install"):
        assert tool in INSTALL_HINT
    assert "\n" not in INSTALL_HINT                  # one line
    g = curve["graph"]._repr_mimebundle_()
    assert g["text/plain"].startswith(INSTALL_HINT)
    with pytest.raises(GraphvizNotFound, match="install Graphviz"):
        v.save(tmp_path / "g.png")
    with pytest.raises(GraphvizNotFound):
        v.svg()
    assert not os.path.exists(tmp_path / "g.png")
    v.save(tmp_path / "g.dot")                       # DOT text can still be saved
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == src


def test_executable_lookup_is_what_decides(curve, monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    monkeypatch.setattr(render, "_chosen", "auto")
    assert not dot_available()
    assert "application/vnd.jupyter.widget-view+json" in draw()._repr_mimebundle_()  # the browser draws
    monkeypatch.setattr(render, "_chosen", "dot")
    assert "text/html" in draw()._repr_mimebundle_()


def test_a_failing_dot_is_reported(curve, monkeypatch):
    monkeypatch.setattr(render, "find_dot", lambda: "/bin/false")
    with pytest.raises(GraphvizError, match="dot failed"):
        draw().svg()
    assert "dot failed" in draw()._repr_mimebundle_()["text/plain"]


def test_unknown_format():
    with pytest.raises(ValueError, match="format must be one of"):
        render.run_dot("digraph {}", "gif")


def test_empty_graph(dot):
    v = draw(tf.Graph())
    assert v.svg().startswith("<svg") and "GraphView" in repr(v)
