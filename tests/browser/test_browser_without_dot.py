"""Without Graphviz's ``dot`` on the kernel's PATH, the page lays graphs out itself (Graphviz
compiled to WebAssembly, shipped in the package): lesson 1 shows every graph as an SVG drawing with
the lesson's node names, and lesson 3's step-through highlights nodes by id as it does with dot."""
from test_browser_step_through import CURRENT_NODES, counter

# the SVG drawn by the page: node ids (Graphviz writes each node's DOT id as its <g id>)
GRAPHS = """els => els.map(svg => [...svg.querySelectorAll('g.node')].map(g => g.id))"""


def run_new_cell(lesson, code):
    """Add a cell at the end of the notebook, type ``code`` into it and run it."""
    page = lesson.page
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")                       # a new cell below, in command mode
    page.keyboard.press("Enter")                   # edit it
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")


def test_lesson_1_graphs_drawn_in_the_browser(open_lesson_without_dot, lab_without_dot):
    lesson = open_lesson_without_dot("01_graphs_and_sessions.ipynb")
    lesson.find(".jp-OutputArea-output >> text=Hint: run z in a session",
                "the output of the last cell (the self-check)", timeout=120_000)
    drawn = lesson.wait_count(".tf-graph .tf-graph-svg svg", 4, "graphs laid out in the browser (lesson 1 draws 4)",
                              timeout=90_000)
    ids = drawn.evaluate_all(GRAPHS)
    assert len(ids) == 4, ids
    first, scoped, folded, devices = (set(g) for g in ids)
    assert {"a", "b", "c"} <= first, first
    assert {"x", "hidden/weights", "hidden/relu", "output/weights", "output/logits"} <= scoped, scoped
    assert {"x", "hidden", "output"} <= folded and "hidden/relu" not in folded, folded
    assert {"x", "part1/w", "part2/w"} <= devices, devices
    # each drawing has a size, and no picture came from dot, and no DOT text was shown instead
    sizes = drawn.evaluate_all("els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert all(w > 50 and h > 30 for w, h in sizes), sizes
    assert lesson.page.locator(".jp-RenderedSVG img").count() == 0
    assert lesson.page.locator("text=program is not installed").count() == 0
    drawn.first.scroll_into_view_if_needed()
    lesson.shot("graphs-without-dot")

    # the page's layout went back to the kernel: a view drawn in the browser saves as SVG
    run_new_cell(lesson, "gv = draw(out, devices=True)\ngv")
    lesson.wait_count(".tf-graph .tf-graph-svg svg", 5, "the new cell's graph laid out in the browser")
    run_new_cell(lesson, 'print("saved", gv.save("drawn_in_browser.svg"))')
    lesson.find(".jp-OutputArea-output >> text=saved drawn_in_browser.svg", "the save() cell's output")
    saved = (lab_without_dot["root"] / "drawn_in_browser.svg").read_text(encoding="utf-8")
    assert saved.startswith("<svg") and 'id="part1/w"' in saved and 'class="node"' in saved, saved[:300]


def test_step_through_highlights_without_dot(open_lesson_without_dot):
    lesson = open_lesson_without_dot("03_inside_a_training_step.ipynb")
    widget = lesson.find(".tf-stepthrough", "the StepThrough widget", timeout=120_000)
    lesson.find(".tf-stepthrough .tf-step-graph.tf-graph svg g.node", "the browser-drawn graph inside the widget",
                timeout=90_000)
    lesson.find(".jp-OutputArea-output >> text=one update per variable", "the output of the last cell "
                "(the self-check)", timeout=120_000)
    widget.scroll_into_view_if_needed()
    counter_el = widget.locator(".tf-step-counter").element_handle()

    first_button = widget.locator(".tf-step-first")
    if first_button.is_enabled():
        first_button.click()
    lesson.wait_until("(el) => /step 1 \\//.test(el.innerText)", counter_el, "the counter at 'step 1 / n'")
    lesson.wait_until("(root) => (%s)(root).length === 1" % CURRENT_NODES, widget.element_handle(),
                      "one node highlighted at step 1")
    lesson.shot("step-1-without-dot")

    for expected_step in (2, 3):
        widget.locator(".tf-step-next").click()
        lesson.wait_until("([el, i]) => new RegExp(`step ${i} /`).test(el.innerText)", [counter_el, expected_step],
                          f"the counter moving to 'step {expected_step} / n' after pressing next")
        details = widget.locator(".tf-step-details").element_handle()   # its HTML is replaced per step
        lesson.wait_until("([el, i]) => (el.querySelector('.tf-step-head') || {innerText: ''}).innerText"
                          ".startsWith(`step ${i}:`)", [details, expected_step],
                          f"the details panel showing step {expected_step}")
        head = widget.locator(".tf-step-details .tf-step-head").inner_text()
        op_name = head.split(":", 1)[1].split("(")[0].strip()
        lesson.wait_until("([root, name]) => { const now = (%s)(root); return now.length === 1 && now[0] === name; }"
                          % CURRENT_NODES, [widget.element_handle(), op_name],
                          f"the browser-drawn SVG highlighting {op_name!r} at step {expected_step}")
    # finished steps are drawn done, steps still to come faded: the whole picture is restyled
    faded = widget.evaluate("(root) => root.querySelectorAll('.tf-step-graph g.node[opacity]').length")
    assert faded > 5, f"expected the steps still to come drawn faded, found {faded} faded nodes"
    at, n = counter(widget)
    assert (at, n) == (3, 34), (at, n)
    lesson.shot("step-3-without-dot")
