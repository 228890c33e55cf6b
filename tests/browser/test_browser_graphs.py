"""Lesson 1 in a real browser: every graph the lesson draws shows up as a rendered picture."""


def test_lesson_1_draws_its_graphs(open_lesson):
    lesson = open_lesson("01_graphs_and_sessions.ipynb")
    lesson.find(".jp-OutputArea-output >> text=Hint: run z in a session", "the output of the last cell (the self-check)",
                timeout=120_000)
    pictures = lesson.wait_count(".jp-RenderedSVG img", 4, "rendered graph pictures (lesson 1 draws 4)")
    # each picture decoded to a real image (a broken SVG has no natural size)
    sizes = pictures.evaluate_all("els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    assert all(w > 50 and h > 50 for w, h in sizes), sizes
    pictures.first.scroll_into_view_if_needed()
    lesson.shot("graphs")
