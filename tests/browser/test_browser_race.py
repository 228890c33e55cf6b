"""Lesson 6 in a real browser: pressing Run and scrubbing time moves the time cursor and changes
the parameter-server version shown.

On a busy machine the kernel lags behind the page: a drag sends every intermediate slider value
and the kernel redraws them one after another, so the clock passes through stale times before
it shows where the handle stopped. Every check therefore first waits for the widget to settle:
the clock must show the time the slider itself reads."""
import re


def clock(widget):
    text = widget.locator(".tf-race-clock").inner_text()
    m = re.search(r"t = ([\d.]+) s", text)
    assert m, f"the race clock reads {text!r}"
    versions = widget.locator(".tf-race-version").evaluate_all(
        "els => els.map(e => [e.dataset.strategy, +e.dataset.version])")
    return float(m.group(1)), dict(versions)


def scrub_to(page, widget, fraction):
    """Drag the time slider's handle to ``fraction`` of the track, as a student scrubs."""
    track = widget.locator(".tf-race-scrubber .noUi-target, .tf-race-scrubber .slider-container").first
    handle = widget.locator(".tf-race-scrubber .noUi-handle").first
    box, knob = track.bounding_box(), handle.bounding_box()
    assert box and knob, "the time slider (track or handle) has no size on the page"
    y = knob["y"] + knob["height"] / 2
    page.mouse.move(knob["x"] + knob["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + fraction * box["width"], y, steps=8)
    page.mouse.up()


SETTLED = """([clock, readout]) => {
    const m = /t = ([\\d.]+) s/.exec(clock.innerText);
    const want = parseFloat(readout.textContent);
    return m !== null && Number.isFinite(want) && Math.abs(+m[1] - want) < 0.11;
}"""


def settled(lesson, widget, what, timeout=60_000):
    """Wait until the kernel has caught up: the clock shows the slider's own value (both to
    0.1 s). Returns ``(time, versions, slider value)`` read then."""
    readout = widget.locator(".tf-race-scrubber .widget-readout").first
    lesson.wait_until(SETTLED, [widget.locator(".tf-race-clock").element_handle(),
                                readout.element_handle()], what, timeout=timeout)
    t, versions = clock(widget)
    return t, versions, float(readout.inner_text())


def test_race_widget_run_and_scrub(open_lesson):
    lesson = open_lesson("06_sync_vs_async.ipynb")
    lesson.find(".jp-OutputArea-output >> text=no answer yet", "the output of the last cell (the exercise check)",
                timeout=150_000)
    widget = lesson.find(".tf-race", "the race widget")
    widget.scroll_into_view_if_needed()
    image = widget.locator(".tf-race-image")
    before_src = image.get_attribute("src")

    widget.locator(".tf-race-run").click()
    lesson.wait_until("([img, old]) => img.getAttribute('src') !== old", [image.element_handle(), before_src],
                      "a new picture after pressing Run", timeout=60_000)
    t_end, v_end, _ = settled(lesson, widget, "the clock showing the slider's time after Run")
    lesson.shot("after-run")

    scrub_to(lesson.page, widget, 0.2)
    t_early, v_early, s_early = settled(lesson, widget, "the clock settling after scrubbing back")
    lesson.shot("scrubbed-early")
    scrub_to(lesson.page, widget, 0.8)
    t_late, v_late, s_late = settled(lesson, widget, "the clock settling after scrubbing forward")
    lesson.shot("scrubbed-late")

    assert s_early < s_late, (s_early, s_late)      # the handle went back, then forward
    assert t_early < t_late < t_end + 1e-9, (t_early, t_late, t_end)
    assert t_early < 0.5 * t_end < t_late, (t_early, t_late, t_end)
    assert set(v_early) == set(v_late) and v_early, v_early
    assert all(v_late[s] > v_early[s] for s in v_late), f"versions did not advance: {v_early} -> {v_late}"
