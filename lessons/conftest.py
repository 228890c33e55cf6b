"""nbval settings for the course, in one place (this file ships with the course, so a copy made
by ``python -m teachflow lessons DIR`` checks the same way: ``pytest --nbval DIR``).

- Graph pictures: the stored outputs were drawn by Graphviz's ``dot`` (an ``image/svg+xml``
  picture beside the view's text). Where ``dot`` is missing, the page draws graphs itself and the
  kernel only sends a widget reference, which nbval never compares; so there the SVG pictures are
  left out of the comparison. A view's ``text/plain`` does not depend on the renderer and is
  always compared; the text of an SVG string shown as such (``SVG(stepper.svg)``: dot's drawing,
  or a note that the page draws it) is compared as ``'<svg>…</svg>'``.
- ``sanitize.cfg`` beside this file is used when no other ``--nbval-sanitize-with`` is given, and
  the kernel is the one pytest runs in (``--nbval-current-env``) unless a kernel is named.
- A glyph missing from every font (Chinese text on a machine without a CJK font) is an error in
  the kernels too (``PYTHONWARNINGS``, which they inherit), not an empty box in a passing lesson.
"""
import os
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
SVG = "image/svg+xml"
SVG_TEXT = (r"'<svg\b[\s\S]*?</svg>(?:\\n)?'", "'<svg>…</svg>'")   # repr() of SVG text


def _drawn_by_dot():
    try:
        from teachflow.viz import render
    except ImportError:        # nbval then fails on the first cell with the real error
        return True
    return render.renderer() == "dot"


GLYPH_ERROR = "error:Glyph:UserWarning"      # matplotlib: "Glyph 35745 (...) missing from font(s) ..."


def pytest_configure(config):
    warned = os.environ.get("PYTHONWARNINGS", "")
    if GLYPH_ERROR not in warned.split(","):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [warned, GLYPH_ERROR]))
    option = config.option
    if hasattr(option, "nbval_sanitize_with") and not option.nbval_sanitize_with:
        option.nbval_sanitize_with = str(HERE / "sanitize.cfg")
    if hasattr(option, "nbval_current_env") and not getattr(option, "nbval_kernel_name", None):
        option.nbval_current_env = True


def pytest_collection_modifyitems(items):
    if _drawn_by_dot():
        return
    for item in items:
        notebook = getattr(item, "parent", None)
        skip = getattr(notebook, "skip_compare", None)
        if skip is not None and SVG not in skip and HERE in pathlib.Path(str(item.fspath)).resolve().parents:
            notebook.skip_compare = tuple(skip) + (SVG,)
            notebook.sanitize_patterns[SVG_TEXT[0]] = SVG_TEXT[1]   # kept by nbval's setup (update)
