"""The DOT text: deterministic, scopes as clusters, one style per kind of node, shapes on edges,
dotted control edges, device colours, legend, annotations and escaping."""
import re

import numpy as np
import pytest

import teachflow as tf
from teachflow.viz import NODE_STYLES, draw
from teachflow.viz.styles import DEVICE_PALETTE

from conftest import build_curve_fit


def node_line(src, node_id):
    m = re.search(rf'^\s*"{re.escape(node_id)}" \[.*$', src, re.M)
    assert m, f"no node {node_id!r} in the DOT text"
    return m.group(0)


def edge_line(src, a, b):
    m = re.search(rf'^\s*"{re.escape(a)}" -> "{re.escape(b)}" \[.*$', src, re.M)
    assert m, f"no edge {a} -> {b}"
    return m.group(0)


def has_style(line, key):
    st = NODE_STYLES[key]
    return f'fillcolor="{st["fillcolor"]}"' in line and f'shape="{st["shape"]}"' in line


def test_same_graph_gives_byte_identical_dot():
    build_curve_fit()
    first = draw(collapse=None).source
    tf.reset_default_graph()
    build_curve_fit()
    assert draw(collapse=None).source == first
    assert "0x" not in first  # no id()-like addresses


def test_the_classic_curve_fit_picture(curve):
    src = draw(collapse=None).source
    for scope in ("layer1", "layer2", "loss", "gradients", "GradientDescent"):
        assert f'subgraph "cluster-{scope}" {{' in src
    # each kind in its own style
    assert has_style(node_line(src, "x"), "placeholder")
    assert has_style(node_line(src, "y"), "placeholder")
    assert has_style(node_line(src, "layer1/Weights"), "variable")
    assert has_style(node_line(src, "layer1/MatMul"), "op")
    assert has_style(node_line(src, "gradients/layer1/MatMul_grad/MatMul_1"), "gradient")
    assert has_style(node_line(src, "GradientDescent/update_layer1/Weights/ApplyGradientDescent"),
                     "update")
    assert has_style(node_line(src, "GradientDescent/learning_rate"), "constant")
    # labels: op type and short name
    assert "<b>MatMul</b>" in node_line(src, "layer2/MatMul")
    assert "<b>Mul</b>" in node_line(src, "gradients/loss/Square_grad/mul_1")
    assert "mul_1" in node_line(src, "gradients/loss/Square_grad/mul_1")
    assert "<b>x</b>" in node_line(src, "x") and "placeholder ?×1" in node_line(src, "x")
    # shapes on edges
    assert "label=<?×1>" in edge_line(src, "x", "layer1/MatMul")
    assert "label=<1×10>" in edge_line(src, "layer1/Weights", "layer1/MatMul")
    assert "label=<?×10>" in edge_line(src, "layer1/MatMul", "layer1/add")
    # control dependencies dotted, updates write their variable (dashed)
    ctl = edge_line(src, "GradientDescent/update_layer1/Weights/ApplyGradientDescent", "GradientDescent")
    assert 'style="dotted"' in ctl
    ref = edge_line(src, "layer1/Weights", "GradientDescent/update_layer1/Weights/ApplyGradientDescent")
    assert 'style="dashed"' in ref and "--ref" in ref


def test_nested_clusters_follow_name_scopes(curve):
    src = draw(collapse=None).source
    # gradients/layer1/MatMul_grad is drawn inside gradients/layer1 inside gradients
    outer = src.index('subgraph "cluster-gradients" {')
    mid = src.index('subgraph "cluster-gradients/layer1" {')
    inner = src.index('subgraph "cluster-gradients/layer1/MatMul_grad" {')
    assert outer < mid < inner
    assert 'label=<MatMul_grad>' in src[inner:inner + 200]


def test_unscoped_graph_draws_flat(curve_unscoped):
    v = draw(view="forward", collapse=None)
    assert "subgraph" not in v.source
    assert len(v.folded.nodes) == len(v.ops) == 15
    full = draw(collapse=None).source
    assert 'subgraph "cluster-gradients" {' in full


def test_backward_edges_point_down_and_forward_reuse_is_light(curve):
    src = draw(collapse=None).source
    # gradient -> gradient edges are written reversed with dir=back (backprop laid out downwards)
    e = edge_line(src, "gradients/layer2/Tanh_grad/TanhGrad", "gradients/loss/sub_grad/SumToShape_1")
    assert 'dir="back"' in e
    assert 'id="gradients/loss/sub_grad/SumToShape_1--gradients/layer2/Tanh_grad/TanhGrad"' in e
    reuse = edge_line(src, "layer1/Tanh", "gradients/layer1/Tanh_grad/TanhGrad")
    assert 'constraint="false"' in reuse


def test_legend_on_request(curve):
    assert "placeholder (data in)" not in draw().source
    src = draw(legend=True).source
    for key in ("placeholder", "variable", "op", "gradient", "update", "constant"):
        assert NODE_STYLES[key]["legend"] in src
    assert "control dependency" in src and "writes the variable" in src
    assert "random numbers" not in src   # only styles in use


def test_device_colours_and_legend(towers):
    src = draw(devices=True, collapse=None).source
    gpu0, gpu1, cpu0 = DEVICE_PALETTE[1], DEVICE_PALETTE[2], DEVICE_PALETTE[0]  # sorted names
    assert f'fillcolor="{gpu0}"' in node_line(src, "tower_0/MatMul")
    assert f'fillcolor="{gpu1}"' in node_line(src, "tower_1/MatMul")
    assert f'fillcolor="{cpu0}"' in node_line(src, "loss")
    # the kind still shows in the shape and border
    assert 'shape="cylinder"' in node_line(src, "tower_1/w")
    for dev in ("/cpu:0", "/gpu:0", "/gpu:1"):
        assert f"device {dev}</td>" in src
    assert "no device set" in src          # x and the gradient ops have no device
    # tensors sent between devices stand out (and only in device mode)
    cross = edge_line(src, "tower_0/Relu", "tower_1/MatMul")
    assert 'penwidth="2.5"' in cross and "sent from /gpu:0 to /gpu:1" in cross
    assert 'penwidth="2.5"' not in edge_line(src, "tower_1/w", "tower_1/MatMul")
    assert 'penwidth="2.5"' not in edge_line(src, "x", "tower_0/MatMul")     # x: no device set
    assert 'penwidth' not in edge_line(draw(collapse=None).source, "tower_0/Relu", "tower_1/MatMul")
    assert "tensor sent between devices" in src
    # a folded scope spread over devices is striped
    g = tf.get_default_graph()
    with tf.device("/gpu:0"), tf.name_scope("mixed"):
        a = tf.identity(towers["x"])
    with tf.device("/gpu:1"), tf.name_scope("mixed/"):
        tf.identity(a)
    assert g.get_operation_by_name("mixed/Identity_1").device == "/gpu:1"
    line = node_line(draw(devices=True, collapse=["mixed"]).source, "mixed")
    assert 'style="striped"' in line and f"{gpu0};0.500:{gpu1};0.500" in line


def test_annotations_under_nodes(curve):
    v = draw(view="forward").annotate(values={curve["loss"]: np.float32(0.25), "x": np.zeros((200, 1)),
                                              "layer1/Weights:0": np.ones((1, 10))},
                                      grads={"layer1/Weights": np.full((1, 10), 0.5)})
    src = v.source
    assert "value 0.25" in node_line(src, "loss/Mean")
    assert "value 200×1 μ=0 σ=0" in node_line(src, "x")
    w = node_line(src, "layer1/Weights")
    assert "value 1×10 μ=1 σ=0" in w and "grad 1×10 μ=0.5 σ=0" in w


def test_special_characters_are_escaped():
    # '<', '&', '"' and spaces are refused in names (TF1's rule); '>' is allowed and escaped
    a = tf.constant(1.0, name="a>b.c-d")
    tf.identity(a, name="x>y")
    src = draw(collapse=None).source
    assert '"a_x3e_b.c-d" [' in src
    assert "<b>a&gt;b.c-d</b>" in src
    assert 'tooltip="a>b.c-d  (Const)' in src
    for bad in ('a<b', 'a&b', 'a"c', "sp ace"):
        with pytest.raises(ValueError, match="not a valid node name"):
            tf.constant(1.0, name=bad)


def test_title(curve):
    assert "<b>Curve fit</b>" in draw(title="Curve fit").source
