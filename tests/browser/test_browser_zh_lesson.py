"""The Chinese lesson 6 in a real browser: its first cell switches the library to Chinese, so the
race widget's buttons, control labels, clock and verdict appear in Chinese, at the end of the
race, after pressing Run (a race computed in the kernel then) and while scrubbing back in time.

The texts are the zh catalogue's (teachflow/locale/zh); a widget left in English, or one that
falls back to English after Run, fails here."""
import re

from test_browser_race import scrub_to   # drags the time slider as a student does

HAN = re.compile(r"[\u4e00-\u9fff]")
# words of the English verdict and clock ("Verdict: async reached loss 0.0025 first ...")
ENGLISH = re.compile(r"\b(Verdict|reached|recommendation|steadier|server at|never|nobody)\b")


# the kernel has caught up when the clock ("t = 12.3 秒") shows the slider's own value
SETTLED = """([clock, readout]) => {
    const m = /t = ([\\d.]+) 秒/.exec(clock.innerText);
    const want = parseFloat(readout.textContent);
    return m !== null && Number.isFinite(want) && Math.abs(+m[1] - want) < 0.11;
}"""


def settled(lesson, widget, what):
    """Wait until the Chinese clock shows the slider's time; return that time."""
    readout = widget.locator(".tf-race-scrubber .widget-readout").first
    clock = widget.locator(".tf-race-clock")
    lesson.wait_until(SETTLED, [clock.element_handle(), readout.element_handle()], what, timeout=60_000)
    return float(re.search(r"t = ([\d.]+) 秒", clock.inner_text()).group(1))


def verdict(widget):
    text = widget.locator(".tf-race-verdict").inner_text().strip()
    assert text.startswith("结论："), f"the verdict is not in Chinese: {text!r}"
    assert not ENGLISH.search(text), f"English words left in the verdict: {text!r}"
    return text


def test_race_widget_of_the_chinese_lesson_speaks_chinese(open_lesson):
    lesson = open_lesson("zh/06_sync_vs_async.ipynb")
    lesson.find(".jp-RenderedMarkdown h1 >> text=同步训练与异步训练", "the Chinese title of lesson 6")
    # the last cell (exercise 1's check) has run: the kernel is free for the widget
    lesson.find(".jp-OutputArea-output >> text=l06.step_16", "the output of the last cell (the exercise check)",
                timeout=150_000)
    widget = lesson.find(".tf-race", "the race widget")
    widget.scroll_into_view_if_needed()

    assert widget.locator(".tf-race-run").inner_text().strip() == "运行"
    assert widget.locator(".tf-race-stop, button:has-text('停止')").count() >= 1, "no Stop button (停止)"
    labels = widget.locator(".widget-label").all_inner_texts()
    for label in ("设备数", "学习率", "时间（秒）"):
        assert label in labels, f"no control labelled {label!r} among {labels}"
    assert not any(re.fullmatch(r"(devices|learning rate|time \(s\)|seed|strategies:)", t) for t in labels), labels
    final = verdict(widget)
    assert "最先达到损失" in final and "推荐：" in final, final
    lesson.shot("zh-at-the-end")

    image = widget.locator(".tf-race-image")
    before_src = image.get_attribute("src")
    widget.locator(".tf-race-run").click()
    lesson.wait_until("([img, old]) => img.getAttribute('src') !== old", [image.element_handle(), before_src],
                      "a new picture after pressing 运行 (Run)", timeout=90_000)
    t_end = settled(lesson, widget, "the Chinese clock showing the slider's time after Run")
    assert "推荐：" in verdict(widget)
    clock = widget.locator(".tf-race-clock").inner_text()
    assert "服务器处于 v" in clock and HAN.search(clock), clock
    lesson.shot("zh-after-run")

    scrub_to(lesson.page, widget, 0.3)
    t_early = settled(lesson, widget, "the Chinese clock settling after scrubbing back")
    assert t_early < t_end, (t_early, t_end)
    early = verdict(widget)
    assert re.search(r"t = [\d.]+ 秒：", early), early          # a verdict in the middle of the race
    lesson.shot("zh-scrubbed")
