"""The widgets, plots, graph legends and step explanations in Chinese after set_language("zh"),
and unchanged in English; every Chinese figure renders with all its glyphs (a missing glyph is
an error in the suite, pyproject.toml's filterwarnings)."""
import re

import numpy as np
import pytest

import teachflow as tf
from teachflow.trace import step_through
from teachflow.widgets import Race, RaceWidget
from teachflow.widgets.export import to_html
from teachflow.widgets.stepthrough import StepThrough

SMALL = dict(workers=4, duration=20.0, model="numpy_curve_fit")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    tf.set_language("zh")
    yield
    tf.set_language("en")


def test_the_race_widget_speaks_chinese_and_its_picture_has_every_glyph(chinese):
    w = RaceWidget(frames=10, **SMALL)
    assert (w.run_button.description, w.stop_button.description) == ("运行", "停止")
    assert w.controls["lr"].description == "学习率" and w.controls["workers"].description == "设备数"
    assert w.play.description == "播放" and w.scrubber.description == "时间（秒）"
    assert w.verdict.value.startswith("<b>结论：</b>") and "推荐：" in w.verdict.value
    assert w.verdict.value.rstrip().endswith("。")
    assert "服务器处于 v" in w.clock.value and "秒" in w.clock.value
    texts = [t.get_text() for t in w.view.figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert "模拟时间（秒）" in texts and "损失" in texts and "服务器更新次数" in texts
    assert any("个工作节点" in t for t in texts)       # the settings line
    w.scrubber.value = 5.0                             # drawn again: no glyph may be missing
    assert w.image.value[:4] == b"\x89PNG"
    assert w.verdict.value.startswith("<b>结论：</b>") and "t = 5.0 秒：" in w.verdict.value


def test_the_race_widget_stays_english_in_english():
    w = RaceWidget(frames=10, **SMALL)
    assert (w.run_button.description, w.play.description) == ("Run", "Play")
    assert w.verdict.value.startswith("<b>Verdict:</b>") and "recommendation:" in w.verdict.value
    assert not HAN.search(w.verdict.value + w.clock.value)


def test_a_verdict_reads_the_same_facts_in_both_languages(chinese):
    race = Race(**SMALL).run()
    zh = race.verdict()
    tf.set_language("en")
    en = race.verdict()
    assert zh != en and HAN.search(zh) and not HAN.search(en)
    numbers = re.compile(r"\d+(?:\.\d+)?")
    assert sorted(numbers.findall(zh)) == sorted(numbers.findall(en))   # same facts, other words
    assert race.recommendation() in zh


def test_the_step_through_speaks_chinese(chinese, curve_fit_step):
    f = curve_fit_step
    w = StepThrough(step_through(f["sess"], f["train"], f["feed"]))
    assert [b.description for b in (w.first_button, w.prev_button, w.next_button, w.last_button)] == \
        ["第一步", "后退", "前进", "最后一步"]
    assert w.counter.value == f"第 1 / {len(w.trace)} 步"
    assert "前向传播 1/" in w.phase.value and "反向传播 0/" in w.phase.value
    w.goto(20)
    step = w.trace[20]
    assert step.phase == "backward"
    assert "的反向传播：" in step.explain() and "的反向传播" in w.details.value
    assert "第 21 步：" in w.details.value and "输入：" in w.details.value
    assert [label for label, _key in w.view_toggle.options] == ["全部操作（含梯度）", "模型：值 | 梯度"]


def test_step_explanations_switch_with_the_language(curve_fit_step):
    f = curve_fit_step
    trace = step_through(f["sess"], f["train"], f["feed"])
    first_backward = next(s for s in trace.steps if s.phase == "backward")
    english = first_backward.explain()
    tf.set_language("zh")
    try:
        chinese = first_backward.explain()
    finally:
        tf.set_language("en")
    assert "seed of the backward pass" in english and "反向传播的起点" in chinese


def test_plots_in_chinese_render_every_glyph(chinese):
    import matplotlib
    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt
    race = Race(**SMALL).run()
    results = list(race.results.values())
    for fig in (tf.viz.plot_losses(results), tf.viz.plot_throughput(results),
                tf.viz.plot_staleness(race.results["async"]).figure,
                tf.viz.plot_timeline(results[0]).figure):
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
        assert any(HAN.search(t) for t in texts), texts
        fig.savefig(io.BytesIO(), format="png")     # a missing glyph raises here
        plt.close(fig)


def test_the_graph_legend_is_chinese_in_zh(chinese):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(tf.ones([2, 1]), name="w")
    tf.matmul(x, w, name="y")
    source = tf.viz.draw(legend=True).source
    assert "占位符（数据入口）" in source and "变量（参数）" in source and "操作" in source
    tf.set_language("en")
    assert "placeholder (data in)" in tf.viz.draw(legend=True).source


def test_an_exported_animation_page_plays_in_chinese(chinese, tmp_path):
    view = Race(workers=4, duration=10.0, model="numpy_curve_fit").view(dpi=40)
    page = to_html(view, frames=3)
    assert "&#9654; 播放</button>" in page and "t = 0.0 秒" in page
    assert '"\\u25b6 \\u64ad\\u653e"' in page          # the script's Play label, JSON-escaped
    from teachflow.widgets.export import gif_bytes, save_html
    path = save_html(view, tmp_path / "race.html", frames=2)
    assert '<html lang="zh">' in open(path, encoding="utf-8").read()
    assert gif_bytes(view, frames=2).startswith(b"GIF8")      # frames drawn with every glyph
    flowchart = Race(workers=4, duration=10.0, model="numpy_curve_fit").run().flowchart(dpi=40)
    assert gif_bytes(flowchart, frames=2).startswith(b"GIF8")


def test_a_gradient_check_speaks_chinese(chinese, curve_fit_step):
    from teachflow.widgets.gradcheck import GradCheck
    f = curve_fit_step
    check = GradCheck(step_through(f["sess"], f["train"], f["feed"]))
    result = check.check(check.variables[0])
    assert "相对误差" in result.html() and "符号梯度与数值梯度一致" in str(result)
    assert np.isfinite(result.error)


def test_open_widgets_and_graph_views_follow_a_switch_of_language(curve_fit_step):
    """Made in English, shown in Chinese after set_language (controls at once, pictures at the next
    frame drawn), and back."""
    f = curve_fit_step
    x = tf.get_default_graph().get_tensor_by_name("x:0")
    view = tf.viz.draw(x.graph, legend=True)
    step = StepThrough(step_through(f["sess"], f["train"], f["feed"]))
    race = RaceWidget(frames=10, **SMALL)
    race.scrubber.value = 6.0
    assert "placeholder (data in)" in view.source and race.run_button.description == "Run"
    try:
        tf.set_language("zh")
        assert "占位符（数据入口）" in view.source and "Helvetica" not in view.source
        assert step.next_button.description == "前进" and race.run_button.description == "运行"
        assert race.controls["seed"].description == "随机种子"
        step.next()                      # the next picture drawn speaks Chinese
        assert step.counter.value.startswith("第 2 / ") and "第 2 步：" in step.details.value
        race.scrubber.value = 7.0
        assert "t = 7.0 秒：" in race.verdict.value
        texts = [t.get_text() for t in race.view.figure.findobj(lambda a: hasattr(a, "get_text"))]
        assert "模拟时间（秒）" in texts
    finally:
        tf.set_language("en")
    assert "placeholder (data in)" in view.source and step.next_button.description == "next"
    race.scrubber.value = 8.0
    assert race.run_button.description == "Run" and "Verdict:" in race.verdict.value
    texts = [t.get_text() for t in race.view.figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert "simulated time (s)" in texts


def test_the_race_table_keeps_its_columns_in_chinese(chinese):
    """A Chinese character takes two columns in a terminal or a notebook's monospace output: the
    headings are padded by what they show, so the table stays aligned."""
    import unicodedata
    table = Race(**SMALL).run().table()
    lines = table.splitlines()
    assert lines[0].split() == ["策略", "更新数", "梯度/秒", "空闲", "陈旧", "达标时间", "噪声", "最终损失"]

    def shown(text):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    assert len({shown(line) for line in lines}) == 1, table
