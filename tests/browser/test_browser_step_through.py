"""Lesson 3 in a real browser: the step-through widget shows the graph, Next moves the
highlight to the next node (checked on the SVG, by node id), Play advances the counter, and the
details panel shows the current step's values."""
import re

CURRENT_FILL = "#ffe34d"  # teachflow.viz.HIGHLIGHTS["current"]["fill"]

CURRENT_NODES = """(root) => [...root.querySelectorAll('.tf-step-graph g.node')]
    .filter(g => g.querySelector('[fill="%s"]')).map(g => g.id)""" % CURRENT_FILL


def counter(widget):
    text = widget.locator(".tf-step-counter").inner_text()
    m = re.search(r"step (\d+) / (\d+)", text)
    assert m, f"the step counter reads {text!r}, expected 'step i / n'"
    return int(m.group(1)), int(m.group(2))


def test_step_through_widget_in_jupyterlab(open_lesson):
    lesson = open_lesson("03_inside_a_training_step.ipynb")
    widget = lesson.find(".tf-stepthrough", "the StepThrough widget", timeout=120_000)
    lesson.find(".tf-stepthrough .tf-step-graph svg g.node", "the graph SVG inside the widget")
    lesson.find(".jp-OutputArea-output >> text=one update per variable", "the output of the last cell "
                "(the self-check)", timeout=120_000)
    widget.scroll_into_view_if_needed()

    first_button = widget.locator(".tf-step-first")
    if first_button.is_enabled():  # disabled when the widget already shows step 1
        first_button.click()
    lesson.wait_until("(el) => /step 1 \\//.test(el.innerText)", widget.locator(".tf-step-counter").element_handle(),
                      "the step counter showing 'step 1 / n' after pressing first")
    first = widget.evaluate(CURRENT_NODES)
    assert len(first) == 1, f"expected one highlighted node at step 1, found {first}"
    lesson.shot("step-1")

    widget.locator(".tf-step-next").click()
    lesson.wait_until("(el) => /step 2 \\//.test(el.innerText)", widget.locator(".tf-step-counter").element_handle(),
                      "the step counter moving to 'step 2 / n' after pressing next")
    lesson.wait_until(
        "([root, before]) => { const now = (%s)(root); return now.length === 1 && now[0] !== before; }"
        % CURRENT_NODES.replace("(root) =>", "((root) =>").replace(".map(g => g.id)", ".map(g => g.id))"),
        [widget.element_handle(), first[0]], "the highlight moving to another SVG node after next")
    second = widget.evaluate(CURRENT_NODES)
    head = widget.locator(".tf-step-details .tf-step-head").inner_text()
    assert head.startswith("step 2:"), head
    op_name = head.split(":", 1)[1].split("(")[0].strip()
    assert second == [op_name], f"Next should highlight {op_name!r}, the SVG highlights {second}"
    # the details panel shows this step's values: at least one number
    details = widget.locator(".tf-step-details").inner_text()
    assert re.search(r"\d\.\d", details), f"no values in the details panel: {details[:200]!r}"
    lesson.shot("step-2")

    at, n = counter(widget)
    widget.locator(".tf-step-play button").first.click()   # Play
    lesson.wait_until(
        "([el, at]) => { const m = /step (\\d+) \\//.exec(el.innerText); return m && +m[1] >= at + 2; }",
        [widget.locator(".tf-step-counter").element_handle(), at], "Play advancing the step counter")
    widget.locator(".tf-step-play button").first.click()   # Pause
    later, _ = counter(widget)
    assert later >= at + 2 and n == 34, (at, later, n)
    lesson.shot("played")
