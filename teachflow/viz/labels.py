"""Text for the picture: shapes (``?×784``), value summaries, stable ids, and escaping.

Shapes, numbers and values are written by ``core/formatting.py``, as in the step text and the
widget tables.

Everything a label shows goes through here, so that DOT and SVG never see a raw ``<``, ``&``
or ``"`` from an op name, and so that the same graph always gives the same text.
"""
import re

from ..core.formatting import number, shape_text  # noqa: F401  (number: re-exported)
from ..core.formatting import summary as _summary

_UNSAFE = re.compile(r"[^A-Za-z0-9_./\-]")


def safe_id(name):
    """An SVG/DOT-safe id for an op or scope name: ``layer1/MatMul`` stays as it is; any other
    character becomes ``_xHH_``. Stable: it depends only on the name."""
    return _UNSAFE.sub(lambda m: f"_x{ord(m.group()):x}_", name)


def html(text):
    """Escape text for a Graphviz HTML-like label (and for SVG/HTML)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def quoted(text):
    """A DOT double-quoted string for an escString attribute (tooltip): ``"..."``."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def dims(d):
    """A static shape as a teacher writes it (``core/formatting.py``: one rule everywhere)."""
    return shape_text(d)


def summary(value):
    """A node label's value line: ``core/formatting.summary`` with room for four entries."""
    return _summary(value, small=4)
