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

Usage: ``python tools/build_lessons.py [--check] [lessons/src/01_*.py ...]`` (``--check`` only
runs the guard, without executing anything).
"""
import pathlib
import re
import sys
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMALL = 10          # counts up to this are prose ("two layers", "lesson 4"), not results

# a number not glued to a word (hidden1, conv2, d2l, SHA-256) or to a decimal point on its left
_NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")
_LITERAL = re.compile(r"(?<![\w.])(\d+(?:_\d{3})*)(\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_FIXED = re.compile(r"<!--\s*fixed:(.*?)-->", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_CODE_SPAN = re.compile(r"```.*?```|`[^`]*`", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_COMPARATIVE = re.compile(r"\b(than|wins?|beats?|outperforms?)\b", re.I)


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
    """(text, value) of each number in a markdown cell's prose, and the set declared fixed."""
    fixed = set()
    for block in _FIXED.findall(markdown):
        fixed.update(_value(m.group(1), m.group(2)) for m in _NUMBER.finditer(block))
    prose = _LINK_TARGET.sub("]", _CODE_SPAN.sub(" ", _COMMENT.sub(" ", markdown)))
    return [(m.group(0), _value(m.group(1), m.group(2))) for m in _NUMBER.finditer(prose)], fixed, prose


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
        for sentence in re.split(r"(?<=[.!?])\s+", prose):
            if sentence.rstrip().endswith("?"):
                continue                                # a question asks, it claims nothing
            if _COMPARATIVE.search(sentence) and not any(
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


def build(src):
    from nbclient import NotebookClient
    src = pathlib.Path(src)
    cells = parse(src.read_text(encoding="utf-8"))
    problems = claim_problems(cells, src.name)
    if problems:
        raise SystemExit("not built, the prose states results no code computes:\n  " + "\n  ".join(problems))
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    out = notebook_path(src)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(out.parent)}}).execute()
    elapsed = time.perf_counter() - start
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{src.stem[:2]}-{i:03d}"  # stable ids: re-building gives clean diffs
        cell.metadata.pop("execution", None)    # wall-clock stamps would make every diff noisy
    tmp = out.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(out)
    print(f"built {out.relative_to(ROOT)} ({elapsed:.1f} s wall)")


def main(argv):
    check_only = "--check" in argv
    paths = [a for a in argv if a != "--check"] or sources()
    if check_only:
        problems = [p for path in paths for p in
                    claim_problems(parse(pathlib.Path(path).read_text(encoding="utf-8")), pathlib.Path(path).name)]
        print("\n".join(problems) or f"{len(paths)} sources: no typed results")
        return 1 if problems else 0
    for path in paths:
        build(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
