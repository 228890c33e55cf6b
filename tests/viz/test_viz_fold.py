"""Folding name scopes into one box, with edges aggregated (as TensorBoard does)."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.viz import draw
from teachflow.viz.fold import AUTO_LIMIT


def edges(view):
    return {(e.src, e.dst, e.kind): e for e in view.folded.edges}


def test_fold_top_level_scopes(curve):
    v = draw(collapse=1)
    assert sorted(v.folded.collapsed) == ["GradientDescent", "gradients", "layer1", "layer2", "loss"]
    assert {n.id for n in v.folded.nodes} == {"x", "y", "layer1", "layer2", "loss", "gradients",
                                              "GradientDescent"}
    assert v.folded.clusters == []
    # members map to their box; edges between boxes are aggregated
    assert v.node_id("layer1/MatMul") == v.node_id("layer1/Weights:0") == "layer1"
    es = edges(v)
    assert len(es[("layer1", "layer2", "data")].tensors) == 1
    assert "label=<?×10>" in v.source
    assert ("layer1", "layer1", "data") not in es         # no self loops
    grads_to_updates = es[("gradients", "GradientDescent", "data")]
    assert len(grads_to_updates.tensors) == 4                 # one gradient per variable
    assert 'label=<4 tensors>' in v.source and 'penwidth=2.2' in v.source
    assert ("GradientDescent", "layer1", "data") not in es   # an update *writes* a variable:
    assert es[("layer1", "GradientDescent", "ref")].kind == "ref"  # a ref edge


def test_folded_box_label_and_style(curve):
    src = draw(collapse=1).source
    line = next(l for l in src.splitlines() if l.strip().startswith('"gradients" ['))
    assert 'shape="box3d"' in line and "<b>gradients</b>" in line and "gradient ops" in line
    assert 'fillcolor="#fbdcdc"' in line                   # a gradient-only scope in gradient colours


def test_fold_by_name_and_pattern(curve):
    v = draw(collapse=["gradients*", "GradientDescent"])
    assert sorted(v.folded.collapsed) == ["GradientDescent", "gradients"]
    assert 'subgraph "cluster-layer1" {' in v.source
    v2 = draw(collapse="layer?")
    assert sorted(v2.folded.collapsed) == ["layer1", "layer2"]


def test_fold_deeper_and_expand(curve):
    v = draw(collapse=2)
    assert "gradients/layer1" in v.folded.collapsed and "gradients" not in v.folded.collapsed
    assert 'subgraph "cluster-gradients" {' in v.source
    v = draw(collapse=1, expand=["gradients/layer2"])
    assert "gradients" not in v.folded.collapsed          # opened because a child is expanded
    assert "gradients/layer1" in v.folded.collapsed        # its other children stay folded
    assert "layer1" in v.folded.collapsed
    assert v.node_id("gradients/layer2/Tanh_grad/TanhGrad") == "gradients/layer2/Tanh_grad/TanhGrad"


def test_a_scope_of_one_op_is_neither_folded_nor_a_cluster():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.name_scope("solo"):
        y = tf.nn.relu(x)
    with tf.name_scope("pair"):
        tf.square(y) + 1.0
    v = draw(collapse=None)
    assert v.node_id("solo/Relu") == "solo/Relu"
    assert 'cluster-solo"' not in v.source and 'subgraph "cluster-pair" {' in v.source
    v = draw(collapse=1)
    assert v.folded.collapsed == ["pair"] and v.node_id("solo/Relu") == "solo/Relu"


def test_variable_and_its_slots_fold_together():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense"):
        w = tf.get_variable("kernel", [3, 1])
        out = tf.matmul(x, w)
    tf.train.AdamOptimizer(0.01).minimize(tf.reduce_mean(out))
    v = draw(collapse=None)
    # dense/kernel is an op *and* the scope of its slots dense/kernel/Adam, dense/kernel/Adam_1
    assert 'subgraph "cluster-dense/kernel" {' in v.source
    v = draw(collapse=2)
    assert v.node_id("dense/kernel") == v.node_id("dense/kernel/Adam_1") == "dense/kernel"
    line = next(l for l in v.source.splitlines() if l.strip().startswith('"dense/kernel" ['))
    assert "3 variables" in line and 'fillcolor="#dae8fc"' in line
    assert draw(view="forward", collapse=2).node_id("dense/kernel") == "dense/kernel"


def deep_model(blocks):
    x = tf.placeholder(tf.float32, [None, 8], name="x")
    h = x
    for i in range(blocks):
        with tf.variable_scope(f"block{i}"):
            w = tf.get_variable("w", [8, 8])
            h = tf.nn.relu(tf.matmul(h, w) + 0.1)
    tf.train.AdamOptimizer(0.01).minimize(tf.reduce_mean(tf.square(h)))


def test_auto_folds_training_machinery_first():
    deep_model(6)
    v = draw()  # collapse="auto"
    assert len(v.folded.nodes) <= AUTO_LIMIT
    assert "gradients" in v.folded.collapsed and "Adam" in v.folded.collapsed
    # the model's blocks stay open (only each variable is folded with its Adam slots)
    assert sorted(c for c in v.folded.collapsed if c.startswith("block"))[:2] == ["block0/w", "block1/w"]
    assert 'subgraph "cluster-block0" {' in v.source
    assert draw(view="forward").folded.collapsed == []                  # small: nothing folded


def test_auto_folds_the_model_when_it_must():
    deep_model(40)
    v = draw()      # even folded at depth 1 it is more than AUTO_LIMIT nodes: the most folded picture
    assert len(v.folded.nodes) == 47 > AUTO_LIMIT
    assert [c for c in v.folded.collapsed if c.startswith("block")] == [f"block{i}" for i in range(40)]


def test_bad_collapse_specs(curve):
    with pytest.raises(ValueError, match="depth must be 1 or more"):
        draw(collapse=0)
    with pytest.raises(TypeError, match="collapse takes"):
        draw(collapse=[1.5])


def test_edges_into_a_box_keep_their_tensors(curve):
    v = draw(collapse=["loss"])
    e = edges(v)[("layer2/Tanh", "loss", "data")]
    assert [t.name for t in e.tensors] == ["layer2/Tanh:0"]
    assert v.edge_ids("layer2/Tanh:0")[0] == "layer2/Tanh--loss"
    assert np.all([t.op.name.startswith("layer2") for t in e.tensors])


def test_auto_without_any_scope():
    h = tf.placeholder(tf.float32, [None, 2], name="x")
    for _ in range(60):
        h = tf.nn.relu(h)
    v = draw(h)
    assert len(v.folded.nodes) == 61 and v.folded.collapsed == []
