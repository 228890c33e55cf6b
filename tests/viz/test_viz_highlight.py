"""Highlighting re-colours the laid-out SVG by stable node id, without a new layout."""
import re
import xml.etree.ElementTree as ET

import pytest

import teachflow as tf
from teachflow.viz import HIGHLIGHTS, SVG, draw
from teachflow.viz.restyle import Restyler

SVG_NS = "{http://www.w3.org/2000/svg}"


def group(svg, gid):
    root = ET.fromstring(svg)
    return next(g for g in root.iter(SVG_NS + "g") if g.get("id") == gid)


def shapes(g):
    return [e for e in g.iter() if e.tag in (SVG_NS + "path", SVG_NS + "polygon", SVG_NS + "ellipse")]


def geometry(svg):
    """Everything but colours: must not change when highlighting."""
    return re.sub(r' (fill|stroke|stroke-width|opacity)="[^"]*"', "", svg)


def test_current_done_pending(curve, dot):
    v = draw(collapse=None)
    base = v.svg()
    out = v.highlight({"layer1/MatMul": "current", "x": "done"}, default="pending")
    assert isinstance(out, SVG) and isinstance(out, str)
    cur = shapes(group(out, "layer1/MatMul"))[0]
    assert cur.get("fill") == HIGHLIGHTS["current"]["fill"]
    assert cur.get("stroke") == HIGHLIGHTS["current"]["stroke"]
    assert cur.get("stroke-width") == HIGHLIGHTS["current"]["stroke-width"]
    assert shapes(group(out, "x"))[0].get("fill") == HIGHLIGHTS["done"]["fill"]
    assert group(out, "layer2/MatMul").get("opacity") == "0.35"
    assert group(out, "layer1/MatMul").get("opacity") is None
    assert geometry(out) == geometry(base)          # same layout, only styles swapped
    assert v.svg() == base                           # the laid-out SVG itself is unchanged
    assert v.highlight({}) == base


def test_names_tensors_and_ops(curve, dot):
    v = draw(collapse=None)
    a = v.highlight({curve["pred"]: "current"})
    b = v.highlight({"layer2/Tanh:0": "current"})
    c = v.highlight(["layer2/Tanh"])                 # a list: all "current"
    assert a == b == c
    assert v.highlight({"no/such/op": "current"}) == v.svg()   # not drawn: ignored


def test_edges_by_tensor_and_by_pair(curve, dot):
    v = draw(collapse=None)
    out = v.highlight(edges={"layer1/MatMul:0": "current"})
    path = shapes(group(out, "layer1/MatMul--layer1/add"))
    assert {p.get("stroke") for p in path} == {HIGHLIGHTS["current"]["stroke"]}
    arrow = [p for p in path if p.tag == SVG_NS + "polygon"][0]
    assert arrow.get("fill") == HIGHLIGHTS["current"]["stroke"]    # arrowheads follow the line
    same = v.highlight(edges={("layer1/MatMul", "layer1/add"): "current"})
    assert same == out


def test_folded_scope_takes_the_strongest_state(curve, dot):
    v = draw(collapse=1)
    assert v.node_id("layer1/MatMul") == "layer1"
    out = v.highlight({"layer1/MatMul": "done", "layer1/add": "current", "layer1/Tanh": "pending"})
    assert shapes(group(out, "layer1"))[0].get("fill") == HIGHLIGHTS["current"]["fill"]
    out = v.highlight({"layer1/MatMul": "done", "layer1/Tanh": "pending"})
    assert group(out, "layer1").get("opacity") == "0.35"


def test_custom_style_and_unknown_style(curve, dot):
    v = draw(collapse=None)
    out = v.highlight({"x": {"fill": "#123456"}})
    assert shapes(group(out, "x"))[0].get("fill") == "#123456"
    with pytest.raises(ValueError, match="Unknown highlight style 'glow'"):
        v.highlight({"x": "glow"})


def test_restyler_on_hand_written_svg():
    svg = ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n'
           '<g id="a&#45;1" class="node"><title>a</title>'
           '<polygon fill="#ffffff" stroke="black" points="0,0 1,1"/><text>a</text></g>\n'
           '<g id="a&#45;1&#45;&#45;b" class="edge"><path fill="none" stroke="#555" d="M0,0"/>'
           '<polygon fill="#555" stroke="#555" points="1,1"/></g>\n</svg>\n')
    r = Restyler(svg)
    assert "a-1" in r and "a-1--b" in r             # ids un-escaped as Graphviz escapes "-"
    out = r.restyle({"a-1": "current", "a-1--b": "done"})
    assert out.startswith("<svg")
    assert 'fill="#ffe34d" stroke="#e65100" stroke-width="3" points="0,0 1,1"' in out
    assert '<path fill="none" stroke="#2e7d32" stroke-width="1.5" d="M0,0"/>' in out
    assert '<polygon fill="#2e7d32" stroke="#2e7d32" stroke-width="1.5" points="1,1"/>' in out
    assert '<text>a</text>' in out


def chain_graph(n_ops):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    h = x
    i = 0
    while len(tf.get_default_graph().get_operations()) < n_ops:
        with tf.name_scope(f"block{i // 10}"):
            h = tf.nn.relu(h * 0.5 + 1.0)
        i += 1
    return h


def test_rehighlighting_200_nodes_keeps_one_layout(dot):
    """Re-highlighting restyles the laid-out SVG: the geometry of every shape stays where it was
    (speed, <= 20 ms per step, is measured by benchmarks/bench_viz.py)."""
    chain_graph(200)
    v = draw(collapse=None)
    nodes = list(v.node_ids)
    assert len(v.folded.nodes) >= 200
    first = v.highlight({})                           # lay out and compile once

    def geometry(svg):
        return re.findall(r'\s(?:points|d|x|y|cx|cy|rx|ry)="([^"]*)"', svg)

    for k in range(1, 40):
        styles = {n: "done" for n in nodes[:k]}
        styles[nodes[k]] = "current"
        svg = v.highlight(styles, default="pending")
        assert geometry(svg) == geometry(first)
        assert current_fill_of(svg, v.node_id(nodes[k])) == HIGHLIGHTS["current"]["fill"]


def current_fill_of(svg, nid):
    g = group(svg, nid)
    shape = next(e for e in g.iter() if e.tag in (SVG_NS + "path", SVG_NS + "polygon",
                                                   SVG_NS + "ellipse"))
    return shape.get("fill")