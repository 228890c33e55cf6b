"""Build each lesson notebook from its source, execute it in place, and refuse typed results.

A source is a Python file in "percent" format: ``# %%`` starts a code cell, ``# %% [markdown]``
a markdown cell whose lines are comments (``# text``). ``lessons/src/NN_x.py`` builds
``lessons/NN_x.ipynb``; any ``lessons/<folder>/src/x.py`` (the teachers' solutions, a
translation) builds ``lessons/<folder>/x.ipynb``. Executing stores the outputs nbval compares.

The claim guard: a lesson never types a result into its prose. Every number in a markdown cell
must be a setting the lesson's code also contains (a literal such as ``range(2000)``), a small
count (0-10), or be listed in an ``<!-- fixed: ... -->`` comment in that cell for facts that no
run can change (the size of a dataset). Anything else, e.g. "about 0.96" or "look at epoch 30",
is a typed result: render it from computed values (``IPython.display.Markdown``) instead. A
comparative sentence ("... than ...", "wins", "beats"; questions excepted) must sit next to a code cell with an
``assert`` that fails if a re-run makes it false. ``build`` refuses a lesson with problems;
``tests/lessons`` runs the same check on every stored source.

The guard reads Chinese prose as well: numbers against the characters (训练200步) or in Chinese
numerals (两千, 百分之九十六), and comparatives (比…快, 更好, 胜过, 优于).

Usage: ``python tools/build_lessons.py [--check] [--lang zh] [lessons/src/01_*.py ...]``
(``--check`` only runs the guard, without executing anything; ``--lang zh`` builds the Chinese
edition ``lessons/zh/`` from the English sources and ``lessons/zh/po/*.po``, every lesson that
has a catalogue when no source is named).
"""
import pathlib
import re
import sys
import time

import nbformat

if str(pathlib.Path(__file__).resolve().parent) not in sys.path:   # translate.py sits beside this file
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMALL = 10          # counts up to this are prose ("two layers", "lesson 4"), not results

# a number not glued to a word (hidden1, conv2, d2l, SHA-256) or to a decimal point on its left
# (ASCII word characters only: in Chinese prose a number sits right against the characters, 训练200步)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![A-Za-z0-9_])")
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")
_LITERAL = re.compile(r"(?<![\w.])(\d+(?:_\d{3})*)(\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_FIXED = re.compile(r"<!--\s*fixed:(.*?)-->", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CODE_SPAN = re.compile(r"```.*?```|`[^`]*`", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_COMPARATIVE = re.compile(r"\b(than|wins?|beats?|outperforms?)\b", re.I)
# the same in Chinese: 比…快/慢/好…, 更好/更快…, 胜过, 优于, 不如 (not 比如, 比较, 比例, 对比, 更新)
_COMPARATIVE_ZH = re.compile(r"(?<!对)比(?![如较例率特值重分赛喻照])[^，。；！？]{0,20}?[快慢好差高低大小多少强弱准稳]"
                             r"|更(?:好|快|慢|差|准|稳)|胜过|优于|劣于|不如|赢|击败|战胜")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def parse(text):
    """The cells of a percent-format source, as nbformat cells (no outputs)."""
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.split("\n"))
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif body:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.split("\n"):
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    flush()
    return cells


def _value(digits, frac=""):
    return float(digits.replace(",", "").replace("_", "") + (frac or ""))


def code_literals(cells):
    """Every numeric literal written in the lesson's code cells (the settings a student sees)."""
    found = set()
    for cell in cells:
        if cell.cell_type == "code":
            source = re.sub(r"#.*", "", cell.source)       # a number in a comment is no setting
            found.update(_value(m.group(1), m.group(2)) for m in _LITERAL.finditer(source))
    return found


def prose_numbers(markdown):
    """(text, value) of each number in a markdown cell's prose, and the set declared fixed.
    Numbers written in Chinese numerals (两千, 二十八, 百分之九十六) count as well."""
    fixed = set()
    for block in _FIXED.findall(markdown):
        block = block.translate(_FULLWIDTH)
        fixed.update(_value(m.group(1), m.group(2)) for m in _NUMBER.finditer(block))
        fixed.update(value for _, value in chinese_numbers(block))
    prose = _LINK_TARGET.sub("]", _CODE_SPAN.sub(" ", _COMMENT.sub(" ", markdown))).translate(_FULLWIDTH)
    numbers = [(m.group(0), _value(m.group(1), m.group(2))) for m in _NUMBER.finditer(prose)]
    return numbers + chinese_numbers(prose), fixed, prose


_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万]+")


def _zh_value(text):
    """The value of a Chinese numeral such as 二十八 or 一万两千, or None when the characters are
    no single number (一一, 三四: "one by one", "three or four")."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in "零〇" and digit is None and (section or total):
            continue                              # 一百零五: 零 only holds a place
        if ch in _ZH_DIGITS:
            if digit is not None:
                return None                       # two digits in a row: a list, not a number
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
        else:                                     # 万
            total, section, digit = (total + section + (digit or 0)) * 10000, 0, None
    return total + section + (digit or 0)


def chinese_numbers(prose):
    """(text, value) of each number written in Chinese numerals in ``prose``."""
    found = ((m.group(0), _zh_value(m.group(0))) for m in _ZH_NUMERAL.finditer(prose))
    return [(text, value) for text, value in found if value is not None]


def claim_problems(cells, name="lesson"):
    """Typed results in the prose of ``cells``: one message per number or comparative sentence
    that no code computes or asserts. An empty list means the lesson passes the guard."""
    literals = code_literals(cells)
    problems = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        numbers, fixed, prose = prose_numbers(cell.source)
        for text, value in numbers:
            if value <= SMALL and value == int(value) or value in literals or value in fixed:
                continue
            line = next(l for l in prose.split("\n") if text in l).strip()
            problems.append(f"{name}, markdown cell {i}: the number {text} is typed into the prose "
                            f"({line[:90]!r}). Render it from computed values (IPython.display."
                            f"Markdown), or, if no run can change it, list it in <!-- fixed: {text} -->.")
        neighbours = [c for c in cells[max(i - 1, 0):i + 2] if c.cell_type == "code"]
        for sentence in _SENTENCE_END.split(prose):
            if sentence.rstrip().endswith(("?", "？")):
                continue                                # a question asks, it claims nothing
            if (_COMPARATIVE.search(sentence) or _COMPARATIVE_ZH.search(sentence)) and not any(
                    re.search(r"^\s*assert\b", c.source, re.M) for c in neighbours):
                problems.append(f"{name}, markdown cell {i}: the comparative claim "
                                f"{sentence.strip()[:90]!r} has no assert in the code cell before "
                                "or after it. Assert it, or render the sentence from the results.")
    return problems


def notebook_path(src):
    """``lessons/src/x.py`` -> ``lessons/x.ipynb``; ``lessons/F/src/x.py`` -> ``lessons/F/x.ipynb``."""
    src = pathlib.Path(src).resolve()
    if src.parent.name != "src":
        raise ValueError(f"{src}: lesson sources live in a folder named src/")
    return src.parent.parent / (src.stem + ".ipynb")


def sources():
    """Every lesson source under lessons/ (lessons, solutions, translations), sorted."""
    return sorted((ROOT / "lessons").glob("**/src/*.py"))


def build(src, lang=None):
    """Execute the lesson ``src`` and store it with its outputs: in English as
    ``notebook_path(src)``, or in ``lang`` as ``lessons/<lang>/<stem>.ipynb``, its cells
    translated by the lesson's catalogue (``tools/translate.py``)."""
    src = pathlib.Path(src)
    if lang is None:
        cells, out, prefix = parse(src.read_text(encoding="utf-8")), notebook_path(src), src.stem[:2]
    else:
        import translate
        cells, out, prefix = translate.translate(src, lang), translate.notebook_path(src, lang), lang + src.stem[:2]
    problems = claim_problems(cells, out.name)
    if problems:
        raise SystemExit("not built, the prose states results no code computes:\n  " + "\n  ".join(problems))
    execute(cells, out, prefix)


def execute(cells, out, prefix):
    """Run ``cells`` in a fresh kernel in ``out``'s folder and write the notebook ``out``."""
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(out.parent)}}).execute()
    elapsed = time.perf_counter() - start
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{prefix}-{i:03d}"        # stable ids: re-building gives clean diffs
        cell.metadata.pop("execution", None)    # wall-clock stamps would make every diff noisy
    tmp = out.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(out)
    print(f"built {out.relative_to(ROOT)} ({elapsed:.1f} s wall)")


START = ROOT / "lessons" / "00_START.ipynb"


def _title(cells):
    first = next(c for c in cells if c.cell_type == "markdown")
    return first.source.split("\n")[0].lstrip("#").strip()


def start_page():
    """The page ``make lessons`` opens: every lesson in both editions, each by its own title
    (a Chinese lesson not translated yet is marked so), with the guides and the glossary."""
    rows = []
    for src in sorted((ROOT / "lessons" / "src").glob("*.py")):
        number = src.stem.split("_")[0].lstrip("0")
        english = f"[{_title(parse(src.read_text(encoding='utf-8')))}]({src.stem}.ipynb)"
        zh = ROOT / "lessons" / "zh" / f"{src.stem}.ipynb"
        chinese = f"[{_title(nbformat.read(str(zh), as_version=4).cells)}](zh/{zh.name})" if zh.exists() else "（翻译中）"
        rows.append(f"| {number} | {english} | {chinese} |")
    text = "\n".join([
        "# teachflow: the course · 课程",
        "",
        "Choose a lesson in either edition; both run the same code. "
        "两个版本的每一课运行的是同一份代码，任选其一开始学习。",
        "",
        "| | English | 中文 |",
        "|---|---|---|",
        *rows,
        "",
        "- **For teachers**: class times, prerequisites and how the lessons are checked: [README.md](README.md)",
        "- **给老师**：课时、先修知识与课程说明：[zh/README.md](zh/README.md)",
        "- **术语表**（中文术语、英文原文与 TF1 API 名称对照）：[zh/术语表.md](zh/术语表.md)",
        "",
        "Run a lesson from the top (**Run → Run All Cells**); every lesson finishes in under a minute. "
        "运行一课时，从头依次运行所有单元格（**Run → Run All Cells**），每课不到一分钟即可运行完。"])
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text)]
    nb.cells[0]["id"] = "start-000"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_start_page():
    tmp = START.with_suffix(".tmp")
    nbformat.write(start_page(), str(tmp))
    tmp.replace(START)


def main(argv):
    check_only = "--check" in argv
    lang = None
    if "--lang" in argv:
        at = argv.index("--lang")
        if at + 1 >= len(argv):
            raise SystemExit("--lang needs a language, e.g. --lang zh")
        lang, argv = argv[at + 1], argv[:at] + argv[at + 2:]
    paths = [a for a in argv if a != "--check"] or \
        (sources() if lang is None else sorted((ROOT / "lessons" / lang / "po").glob("*.po")))
    paths = [ROOT / "lessons" / "src" / (pathlib.Path(p).stem + ".py") if lang else p for p in paths]
    if check_only:
        if lang:
            import translate
            problems = [p for path in paths for p in claim_problems(translate.translate(path, lang), path.name)]
        else:
            problems = [p for path in paths for p in
                        claim_problems(parse(pathlib.Path(path).read_text(encoding="utf-8")), pathlib.Path(path).name)]
        print("\n".join(problems) or f"{len(paths)} sources: no typed results")
        return 1 if problems else 0
    for path in paths:
        build(path, lang)
    write_start_page()       # the start page lists what exists now, in both editions
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
