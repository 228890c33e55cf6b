"""The Chinese edition: every zh notebook is its English source translated by its catalogue, every
catalogue is complete and current, and the Chinese prose passes the claim guard.

Runs no notebook (nbval runs lessons/zh/*.ipynb like the English ones): the sync check compares
cell sources with ``translate.translate(source)``, built in memory.
"""
import importlib.util
import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
_spec = importlib.util.spec_from_file_location("translate", ROOT / "tools" / "translate.py")
translate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translate)
import build_lessons  # noqa: E402  (tools/ is on the path now)

ZH = ROOT / "lessons" / "zh"
CATALOGUES = sorted((ZH / "po").glob("*.po"))
NOTEBOOKS = sorted(ZH.glob("*.ipynb"))
ENGLISH = sorted(p.stem for p in (ROOT / "lessons" / "src").glob("*.py"))


def _src(stem):
    return ROOT / "lessons" / "src" / f"{stem}.py"


def _ids(paths):
    return [p.stem for p in paths]


def test_the_chinese_edition_has_lessons_1_to_4():
    assert {p.stem for p in NOTEBOOKS} >= {s for s in ENGLISH if s[:2] in ("01", "02", "03", "04")}


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_zh_notebook_equals_its_source_translated(nb_path):
    assert nb_path.stem in ENGLISH, f"{nb_path.name} has no English source lessons/src/{nb_path.stem}.py"
    want = translate.translate(_src(nb_path.stem), "zh")
    have = nbformat.read(str(nb_path), as_version=4).cells
    hint = f"rebuild it: python tools/build_lessons.py --lang zh lessons/src/{nb_path.stem}.py"
    assert [c.cell_type for c in have] == [c.cell_type for c in want], f"{nb_path.name}: cells differ; {hint}"
    for i, (h, w) in enumerate(zip(have, want)):
        assert h.source == w.source, f"{nb_path.name} cell {i} differs from source + catalogue; {hint}"
    assert have[0].source == translate.switch_cell("zh") and 'set_language("zh")' in have[0].source


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_zh_notebook_has_a_catalogue(nb_path):
    assert translate.catalogue_path(_src(nb_path.stem)).exists()


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids(CATALOGUES))
def test_every_catalogue_has_its_notebook(po):
    assert (ZH / f"{po.stem}.ipynb").exists(), f"build it: python tools/build_lessons.py --lang zh lessons/src/{po.stem}.py"


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids(CATALOGUES))
def test_catalogue_is_complete_and_current(po):
    assert po.stem in ENGLISH, f"{po.name}: no lesson lessons/src/{po.stem}.py (stale catalogue)"
    assert translate.problems(_src(po.stem), translate.read_catalogue(po)) == []


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids(CATALOGUES))
def test_chinese_prose_states_no_typed_result(po):
    cells = translate.translate(_src(po.stem), "zh")
    assert build_lessons.claim_problems(cells, po.name) == []


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids(CATALOGUES))
def test_translation_keeps_code_spans_formulas_links_and_fixed_facts(po):
    """A translator may reword everything but code, LaTeX, images and declared facts."""
    cat = translate.read_catalogue(po)
    keep = re.compile(r"`[^`]+`|\$\$.*?\$\$|!\[[^\]]*\]\([^)]*\)|<!--\s*fixed:.*?-->", re.S)
    for m in cat:
        if m.context == translate.MARKDOWN and m.id and m.string:
            missing = [k for k in keep.findall(m.id) if k not in m.string]
            assert not missing, f"{po.name}: the translation of {m.id[:50]!r} drops {missing}"
            links = re.findall(r"\]\(([^)]*)\)", m.id)
            assert len(re.findall(r"\]\(([^)]*)\)", m.string)) == len(links), f"{po.name}: a link went missing"


@pytest.mark.parametrize("po", CATALOGUES, ids=_ids(CATALOGUES))
def test_relative_links_of_the_zh_edition_resolve(po):
    cat = translate.read_catalogue(po)
    for m in cat:
        if m.context == translate.MARKDOWN and m.string:
            for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", m.string):
                if "://" not in target:
                    assert (ZH / target).exists(), f"{po.name}: link {target} does not resolve from lessons/zh/"


def test_pot_templates_are_current():
    for stem in ENGLISH:
        pot = translate.catalogue_path(_src(stem), "zh", ".pot")
        assert pot.exists(), f"run tools/translate.py extract lessons/src/{stem}.py"
        have = {(m.context, m.id) for m in translate.read_catalogue(pot) if m.id}
        want = set(translate.messages(build_lessons.parse(_src(stem).read_text(encoding="utf-8"))))
        assert have == want, f"{pot.name} is out of date: run tools/translate.py extract"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_zh_graphs_stay_legible_and_show_no_error(nb_path):
    """Chinese labels are wider than English ones: the drawings must still be readable, and no
    stored output is an error or a warning (a missing glyph warns on stderr)."""
    from teachflow.viz.legible import MIN_TEXT_PT, ScrollBox, label_pt
    for i, cell in enumerate(nbformat.read(str(nb_path), as_version=4).cells):
        for out in cell.get("outputs", []):
            assert out.output_type != "error" and out.get("name") != "stderr", f"{nb_path.name} cell {i}: {out}"
            data = out.get("data", {})
            if "image/svg+xml" in data:
                assert label_pt(data["image/svg+xml"]) >= MIN_TEXT_PT, f"{nb_path.name} cell {i}: graph too wide"
            if "<svg" in data.get("text/html", "") and "overflow-x:auto" in data["text/html"]:
                assert ScrollBox(data["text/html"]).label_pt() >= MIN_TEXT_PT, f"{nb_path.name} cell {i}"


# ---------------------------------------------------------------- start page, guides and glossary
def _links(text):
    return [t for t in re.findall(r"\]\(([^)#\s]+)[^)]*\)", text) if "://" not in t]


def test_start_page_lists_both_editions_and_is_current():
    have = nbformat.read(str(build_lessons.START), as_version=4).cells
    want = build_lessons.start_page().cells
    assert [c.source for c in have] == [c.source for c in want], "run tools/build_lessons.py (it rewrites the start page)"
    text = want[0].source
    for stem in ENGLISH:
        assert f"]({stem}.ipynb)" in text
    for nb_path in NOTEBOOKS:
        assert f"](zh/{nb_path.name})" in text
    for target in _links(text):
        assert (ROOT / "lessons" / target).exists(), target
    assert all(c.cell_type == "markdown" for c in have)


@pytest.mark.parametrize("page", ["README.md", "zh/README.md", "zh/术语表.md"])
def test_course_guides_link_what_exists(page):
    path = ROOT / "lessons" / page
    for target in _links(path.read_text(encoding="utf-8")):
        resolved = (path.parent / target).resolve()
        lesson = resolved.parent == ZH.resolve() and resolved.suffix == ".ipynb" and resolved.stem in ENGLISH
        assert resolved.exists() or lesson, f"{page}: link {target} does not resolve"


def test_both_readmes_link_both_editions():
    english = (ROOT / "lessons" / "README.md").read_text(encoding="utf-8")
    chinese = (ZH / "README.md").read_text(encoding="utf-8")
    top = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "zh/README.md" in english and "../README.md" in chinese
    assert "lessons/zh/README.md" in top and "lessons/README.md" in top
    assert "术语表.md" in english and "术语表.md" in chinese
    for stem in ENGLISH:
        assert f"]({stem}.ipynb)" in chinese, f"lessons/zh/README.md does not list {stem}"


def test_glossary_pairs_every_required_term_with_english():
    glossary = (ZH / "术语表.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in glossary.splitlines() if line.startswith("| ")}
    for term in ("计算图", "会话", "占位符", "变量", "张量", "梯度", "反向传播", "前向传播", "链式法则", "损失",
                 "优化器", "学习率", "小批量", "迭代周期", "检查点", "迁移学习", "微调", "卷积", "全连接层",
                 "同步训练", "异步训练", "参数服务器", "工作节点", "掉队者", "陈旧度", "全归约", "数据并行",
                 "虚拟时钟"):
        row = next((line for key, line in rows.items() if key.startswith(term)), None)
        assert row and re.search(r"[A-Za-z]", row.split("|")[2]), f"the glossary lacks {term} with its English term"


# ---------------------------------------------------------------- the machinery, on small cases
def _catalogue(entries):
    from babel.messages.catalog import Catalog
    cat = Catalog(locale="zh_Hans_CN")
    for context, msgid, msgstr, *flags in entries:
        cat.add(msgid, msgstr, context=context, flags=flags)
    return cat


LESSON = '''# %% [markdown]
# # A lesson
# It runs 200 steps.

# %%
steps = 200  # how many steps
print(f"loss after {steps} steps", 'key')
'''


@pytest.fixture
def lesson(tmp_path):
    src = tmp_path / "src" / "99_x.py"
    src.parent.mkdir()
    src.write_text(LESSON, encoding="utf-8")
    return src


GOOD = [("markdown", "# A lesson\nIt runs 200 steps.", "# 一课\n它运行 200 步。"),
        ("comment", "# how many steps", "# 步数"),
        ("string", 'f"loss after {steps} steps"', 'f"{steps} 步之后的损失"')]


def test_translate_replaces_cells_strings_and_comments_token_by_token(lesson):
    cells = translate.translate(lesson, "zh", cat=_catalogue(GOOD))
    assert [c.cell_type for c in cells] == ["code", "markdown", "code"]
    assert cells[1].source == "# 一课\n它运行 200 步。"
    assert cells[2].source == "steps = 200  # 步数\nprint(f\"{steps} 步之后的损失\", 'key')"


def test_extract_offers_prose_not_keys(lesson):
    found = translate.messages(build_lessons.parse(lesson.read_text(encoding="utf-8")))
    assert found == [("markdown", "# A lesson\nIt runs 200 steps."), ("comment", "# how many steps"),
                     ("string", 'f"loss after {steps} steps"')]


@pytest.mark.parametrize("bad, why", [
    ([], "has no translation"),
    ([("markdown", "# An old cell", "# 旧的")], "stale"),
    ([("comment", "# gone", "# 没了")], "stale"),
    ([("string", 'f"loss after {steps} steps"', 'f"损失"')], "{fields}"),
    ([("string", 'f"loss after {steps} steps"', "f'{steps} 步'")], "same kind of literal"),
    ([("markdown", "# A lesson\nIt runs 200 steps.", "# 一课", "fuzzy")], "fuzzy"),
])
def test_build_refuses_an_incomplete_stale_fuzzy_or_broken_catalogue(lesson, bad, why):
    keys = {(b[0], b[1]) for b in bad}
    entries = [g for g in GOOD if (g[0], g[1]) not in keys and not (bad == [] and g[0] == "markdown")] + bad
    with pytest.raises(SystemExit, match=re.escape(why)):
        translate.translate(lesson, "zh", cat=_catalogue(entries))


def test_the_guard_reads_chinese_numbers_and_comparatives():
    cells = [nbformat.v4.new_code_cell("for step in range(2000): pass"),
             nbformat.v4.new_markdown_cell("训练2000步后，验证准确率约为０.９６。")]
    problems = build_lessons.claim_problems(cells)
    assert len(problems) == 1 and "0.96" in problems[0]
    claim = "异步训练比同步训练更快地达到目标。"
    for text in (claim, "微调优于从头训练。", "冻结的网络胜过从头训练。", "这样效果更好。"):
        cells = [nbformat.v4.new_code_cell("a, b = run()"), nbformat.v4.new_markdown_cell(text)]
        assert "comparative" in build_lessons.claim_problems(cells)[0], text
    asserted = [nbformat.v4.new_code_cell("a, b = run()\nassert a < b"), nbformat.v4.new_markdown_cell(claim)]
    fine = [nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_markdown_cell("比如，更新参数时要比较两个值。这场比赛的目标损失设得很低。哪个更快？")]
    assert build_lessons.claim_problems(asserted) == build_lessons.claim_problems(fine) == []


def test_the_guard_reads_numbers_written_in_chinese_numerals():
    cells = [nbformat.v4.new_code_cell("for step in range(2000): pass"),
             nbformat.v4.new_markdown_cell("训练两千步后，准确率约为百分之九十六，第三十步时最低。\n"
                                           "一一对应的三四个层，其中一层就够了。<!-- fixed: 三十 -->")]
    problems = build_lessons.claim_problems(cells)
    assert len(problems) == 1 and "九十六" in problems[0]
    assert [v for _, v in build_lessons.chinese_numbers("一万两千，一百零五，二十八，万一，千万")] == [12000, 105, 28]


def test_extract_merges_new_entries_and_keeps_translations(lesson, monkeypatch, tmp_path):
    monkeypatch.setattr(translate, "catalogue_path",
                        lambda src, lang="zh", suffix=".po": tmp_path / "po" / (pathlib.Path(src).stem + suffix))
    translate.write_catalogue(tmp_path / "po" / "99_x.po", _catalogue(GOOD + [("string", "'key'", "'键'")]))
    lesson.write_text(LESSON.replace("# how many steps", "# the number of steps")
                      .replace("It runs", "It now runs"), encoding="utf-8")
    translate.extract(lesson)
    po = translate.read_catalogue(tmp_path / "po" / "99_x.po")
    by_id = {(m.context, m.id): m for m in po if m.id}
    assert by_id[GOOD[2][:2]].string == GOOD[2][2]            # unchanged: the translation is kept
    assert by_id[("string", "'key'")].string == "'键'"          # added by hand, still in the code: kept
    assert ("comment", "# the number of steps") in by_id and ("comment", "# how many steps") not in by_id
    changed = by_id[("markdown", "# A lesson\nIt now runs 200 steps.")]
    assert changed.fuzzy or not changed.string              # a near match is offered, never trusted
    assert (tmp_path / "po" / "99_x.pot").exists()
    with pytest.raises(SystemExit):          # the changed cell is fuzzy or untranslated: not built
        translate.translate(lesson, "zh", cat=po)
