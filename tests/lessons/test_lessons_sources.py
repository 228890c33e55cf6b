"""Lesson sources and notebooks stay in step, and no lesson types a result into its prose.

Runs no notebook: the sync check compares cell sources only, and the claim guard reads the
percent-format sources (the same check ``tools/build_lessons.py`` runs before building).
"""
import importlib.util
import pathlib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_lessons", ROOT / "tools" / "build_lessons.py")
build_lessons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_lessons)

SOURCES = build_lessons.sources()
# Lessons being rebuilt on another branch (issue 12, part B); drop an entry once it is merged.
def _ids(paths):
    return [str(p.relative_to(ROOT / "lessons")) for p in paths]


def test_every_folder_of_lessons_is_found():
    assert any(p.parent == ROOT / "lessons" / "src" for p in SOURCES)
    assert any(p.parent == ROOT / "lessons" / "solutions" / "src" for p in SOURCES)


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_notebook_cells_equal_their_source(src):
    nb_path = build_lessons.notebook_path(src)
    assert nb_path.exists(), f"{src.name} has no notebook: run tools/build_lessons.py {src}"
    want = build_lessons.parse(src.read_text(encoding="utf-8"))
    have = nbformat.read(str(nb_path), as_version=4).cells
    assert [c.cell_type for c in have] == [c.cell_type for c in want], \
        f"{nb_path.name}: cells differ from {src.name}; rebuild it"
    for i, (h, w) in enumerate(zip(have, want)):
        assert h.source == w.source, f"{nb_path.name} cell {i} differs from {src.name}; rebuild it"


def test_every_notebook_has_a_source():
    notebooks = [p for p in (ROOT / "lessons").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    built = {build_lessons.notebook_path(s) for s in SOURCES}
    # the Chinese edition lessons/zh/x.ipynb is built from lessons/src/x.py and its catalogue
    built |= {(ROOT / "lessons" / "zh" / s.name).resolve() for s in SOURCES if s.parent == ROOT / "lessons" / "src"
              for s in [s.with_suffix(".ipynb")] if (ROOT / "lessons" / "zh" / "po" / (s.stem + ".po")).exists()}
    built.add(build_lessons.START.resolve())     # the start page: generated, no code to run
    assert notebooks and not [p for p in notebooks if p.resolve() not in built]


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_prose_states_no_typed_result(src):
    cells = build_lessons.parse(src.read_text(encoding="utf-8"))
    assert build_lessons.claim_problems(cells, src.name) == []


def _cells(*parts):
    return [nbformat.v4.new_markdown_cell(p[3:]) if p.startswith("md:") else nbformat.v4.new_code_cell(p)
            for p in parts]


def test_guard_catches_a_typed_result():
    cells = _cells("for epoch in range(40):\n    train()",
                   "md:The validation accuracy dips at epoch 30 and ends near 0.96.")
    problems = build_lessons.claim_problems(cells)
    assert len(problems) == 2 and "30" in problems[0] and "0.96" in problems[1]
    assert "IPython.display.Markdown" in problems[0]


def test_guard_catches_a_rounded_parameter_count():
    cells = _cells("n = 64 * 300 + 300", "md:The DNN has about 36,000 parameters.")
    assert "36,000" in build_lessons.claim_problems(cells)[0]


def test_guard_accepts_settings_small_counts_code_and_declared_facts():
    cells = _cells("x = np.linspace(-0.5, 0.5, 200)\nlr = 0.1\nfor step in range(2_000): pass",
                   "md:We fit 200 points for 2,000 steps with lr 0.1 in two layers of a 1-10-1 net "
                   "(lesson 4, `conv2`, hidden1, `0.96` in code, SHA-256).",
                   "md:The 1,797 digits <!-- fixed: 1,797 --> are 8×8 images.")
    assert build_lessons.claim_problems(cells) == []


def test_a_number_in_a_code_comment_is_no_setting():
    cells = _cells("acc = train()  # about 0.96", "md:It reaches 0.96.")
    assert len(build_lessons.claim_problems(cells)) == 1


def test_comparative_claims_need_an_assert_next_to_them():
    typed = _cells("fine, scratch = run()", "md:Fine-tuning is better than training from scratch.")
    asserted = _cells("fine, scratch = run()\nassert fine > scratch",
                      "md:Fine-tuning is better than training from scratch.")
    question = _cells("fine, scratch = run()", "md:Which one wins, and is it better than scratch?")
    assert "comparative" in build_lessons.claim_problems(typed)[0]
    assert build_lessons.claim_problems(asserted) == build_lessons.claim_problems(question) == []


def test_build_refuses_a_lesson_with_a_typed_result(tmp_path):
    src = tmp_path / "src" / "99_bad.py"
    src.parent.mkdir()
    src.write_text("# %%\nx = 1\n\n# %% [markdown]\n# The loss ends at 0.0213.\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="0.0213"):
        build_lessons.build(src)
    assert not (tmp_path / "99_bad.ipynb").exists()


# ---------------------------------------------------------------- legible figures (lessons 1-5)
MINE = [p for p in SOURCES if p.stem[:2] in ("01", "02", "03", "04", "05") or p.parent.parent.name == "solutions"]


@pytest.mark.parametrize("src", MINE, ids=_ids(MINE))
def test_graph_labels_stay_legible_in_a_notebook_cell(src):
    from teachflow.viz.legible import MIN_TEXT_PT, ScrollBox, label_pt
    nb = nbformat.read(str(build_lessons.notebook_path(src)), as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/svg+xml" in data:
                assert label_pt(data["image/svg+xml"]) >= MIN_TEXT_PT, f"cell {i}: graph too wide, fold it"
            if "<svg" in data.get("text/html", "") and "overflow-x:auto" in data["text/html"]:
                assert ScrollBox(data["text/html"]).label_pt() >= MIN_TEXT_PT, f"cell {i}"


@pytest.mark.parametrize("src", MINE, ids=_ids(MINE))
def test_plots_are_sharp_and_their_text_readable(src):
    text = src.read_text(encoding="utf-8")
    if "plt." not in text:
        return
    import re
    dpi = re.search(r'"figure\.dpi":\s*(\d+)', text)
    size = re.search(r'"font\.size":\s*(\d+)', text)
    assert dpi and int(dpi.group(1)) >= 120 and size and int(size.group(1)) >= 9
    assert not re.search(r"fontsize\s*=\s*[1-8]\b", text), "text below 9 pt"


def test_legibility_measure_catches_a_shrunk_graph():
    from teachflow.viz.legible import label_pt
    wide = '<svg width="1240pt" height="100pt"><text font-size="10.00">a</text><text font-size="8.00">b</text></svg>'
    narrow = wide.replace("1240pt", "400pt")
    assert label_pt(wide) == pytest.approx(5.0) and label_pt(narrow) == 10.0


# ---------------------------------------------------------------- exercises: no answer in a lesson
def _check_outputs(nb_path):
    """{exercise key: True if its stored check output says correct} from a notebook's outputs."""
    import re
    found = {}
    for cell in nbformat.read(str(nb_path), as_version=4).cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown", "")
            for key, mark in re.findall(r"`(l\d\d\.[\w.]+)`: \*\*(✓|✗)", text):
                found[key] = mark == "✓"
    return found


def test_lessons_show_every_exercise_unanswered_and_the_solutions_answered():
    from teachflow.exercises import exercises
    keys = {k for k in exercises() if k[:3] in ("l01", "l02", "l03", "l04", "l05")}
    in_lessons = {}
    for src in SOURCES:
        if src.parent == ROOT / "lessons" / "src" and src.stem[:2] in ("01", "02", "03", "04", "05"):
            in_lessons.update(_check_outputs(build_lessons.notebook_path(src)))
    assert set(in_lessons) == keys, "every exercise of lessons 1-5 is checked in its lesson"
    assert not any(in_lessons.values()), "a lesson notebook stores a correct answer"
    solutions = _check_outputs(ROOT / "lessons" / "solutions" / "solutions_01_05.ipynb")
    assert set(solutions) == keys and all(solutions.values())
