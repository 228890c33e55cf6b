"""One value formatter: graph labels, step explanations and widget tables write a tensor alike."""
import numpy as np

from teachflow.core.formatting import number, shape_text, stats_text, summary
from teachflow.trace import summary as step_summary
from teachflow.viz.labels import summary as label_summary
from teachflow.widgets.tables import value_html


def test_numbers_and_shapes():
    assert number(np.float32(0.53214)) == "0.5321" and number(-0.0) == "0"
    assert number(True) == "true" and number(np.int64(3)) == "3" and number(float("-inf")) == "-inf"
    assert shape_text((None, 784)) == "?×784" and shape_text(()) == "scalar" and shape_text(None) == "unknown"


def test_summary_forms():
    assert summary(np.float64(0.25)) == "0.25"
    assert summary(np.array([[1.0, 2.0], [3.0, 4.5]])) == "2×2 [1, 2, 3, 4.5]"
    assert summary(np.arange(20.0)[:, None]) == "20×1 μ=9.5 σ=5.766"
    # a float32 linspace's mean is 0, not its rounding noise
    assert summary(np.linspace(-0.5, 0.5, 20, dtype=np.float32)).startswith("20 μ=0 σ=")
    assert summary(np.zeros((30,), bool)) == "30 (0 true)"
    assert stats_text(np.array([-0.7, 0.1, 0.9])) == "mean 0.1, min -0.7, max 0.9"


def test_the_picture_the_step_text_and_the_widget_agree():
    big = np.linspace(-1, 1, 200).reshape(20, 10) ** 3
    assert label_summary(big) == step_summary(big) == summary(big)
    small = np.array([0.123456, -2.5])
    assert label_summary(small) == step_summary(small) == "[0.1235, -2.5]"
    assert number(0.123456) in value_html(small)
    assert stats_text(big) in value_html(big)


def test_pad_counts_the_columns_a_chinese_character_takes():
    from teachflow.core.formatting import pad
    assert pad("loss", 6) == "loss  " and pad("loss", 6, right=True) == "  loss"
    assert pad("损失", 6) == "损失  " and pad("最终损失", 10, right=True) == "  最终损失"
    assert pad("toolong", 3) == "toolong"           # never cut
