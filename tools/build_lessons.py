"""Build lessons/NN_*.ipynb from their sources in lessons/src/*.py and execute them in place.

A source is a Python file in "percent" format: ``# %%`` starts a code cell, ``# %% [markdown]``
a markdown cell whose lines are comments (``# text``). Executing stores the outputs that nbval
compares later. Usage: ``python tools/build_lessons.py [lessons/src/01_*.py ...]``.
"""
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]


def parse(text):
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


def build(src):
    src = pathlib.Path(src)
    nb = nbformat.v4.new_notebook()
    nb.cells = parse(src.read_text(encoding="utf-8"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    out = ROOT / "lessons" / (src.stem + ".ipynb")
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(ROOT / "lessons")}}).execute()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{src.stem[:2]}-{i:03d}"  # stable ids: re-building gives clean diffs
    tmp = out.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(out)
    print("built", out.relative_to(ROOT))


if __name__ == "__main__":
    for path in sys.argv[1:] or sorted((ROOT / "lessons" / "src").glob("*.py")):
        build(path)
