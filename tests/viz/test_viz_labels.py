"""Label text: shapes, value summaries, ids and escaping."""
import numpy as np

from teachflow.viz.labels import dims, html, number, quoted, safe_id, summary


def test_shapes_as_a_teacher_writes_them():
    assert dims((None, 784)) == "?×784"
    assert dims((None,)) == "?"
    assert dims(()) == "scalar"
    assert dims(None) == "unknown"
    assert dims((28, 28, 1)) == "28×28×1"


def test_value_summaries():
    assert summary(np.float32(0.53214)) == "0.5321"
    assert summary(np.array([[2.0]])) == "2"
    assert summary(np.array([1.0, 2.0, 3.0])) == "[1, 2, 3]"
    assert summary(np.array([[1, 2], [3, 4]])) == "2×2 [1, 2, 3, 4]"
    s = summary(np.arange(200.0).reshape(200, 1))
    assert s.startswith("200×1 μ=99.5 σ=")
    assert summary(np.zeros((0, 3))) == "0×3 (empty)"
    assert summary(np.array([True, False, True, True, False])) == "5 (3 true)"
    assert number(-0.0) == "0" and number(1e-5) == "1e-05" and number(float("nan")) == "nan"


def test_ids_are_stable_and_safe():
    assert safe_id("layer1/MatMul") == "layer1/MatMul"
    assert safe_id('a<b> "c"&d') == "a_x3c_b_x3e__x20__x22_c_x22__x26_d"
    assert safe_id("x") == safe_id("x")


def test_escaping():
    assert html('<b>&"') == "&lt;b&gt;&amp;&quot;"
    assert quoted('say "hi"\\\nnow') == '"say \\"hi\\"\\\\\\nnow"'
