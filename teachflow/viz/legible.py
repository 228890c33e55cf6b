"""How big a picture's labels look in a notebook cell, so lessons can assert they are legible.

A notebook shows an SVG at its natural size unless it is wider than the output area, which
then scales it down, text included. ``label_pt`` gives the size of the node labels (the
largest font in a graph drawing; edge annotations are smaller) after that scaling; a lesson asserts it stays >= 9 pt (readable on a
projector) and folds a graph that is too wide, or shows it in a ``ScrollBox`` at its natural
size. ``CELL_WIDTH_PT`` is a typical notebook output width (about 830 px).
"""
import re

CELL_WIDTH_PT = 620.0
MIN_TEXT_PT = 9.0

_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"')
_FONT = re.compile(r'font-size="([\d.]+)"')


def _text(svg):
    if hasattr(svg, "svg") and callable(svg.svg):
        svg = svg.svg()
    return str(getattr(svg, "data", svg))


def svg_width_pt(svg):
    """The natural width of an SVG, in points."""
    m = _WIDTH.search(_text(svg))
    if m is None:
        raise ValueError("not an SVG with a width")
    return float(m.group(1)) * (0.75 if m.group(2) == "px" else 1.0)


def label_pt(svg, cell_width_pt=CELL_WIDTH_PT):
    """The size (pt) at which the node labels of ``svg`` (its largest font) appear in a notebook
    output area ``cell_width_pt`` wide; ``None`` means not scaled (a ScrollBox)."""
    text = _text(svg)
    fonts = [float(f) for f in _FONT.findall(text)]
    if not fonts:
        raise ValueError("the SVG has no text with a font size")
    size = max(fonts)
    if cell_width_pt is None:
        return size
    return size * min(1.0, cell_width_pt / svg_width_pt(text))


class ScrollBox:
    """An SVG shown at its natural size in a horizontally scrolling box: a big graph keeps its
    labels readable instead of being shrunk to the cell's width."""

    def __init__(self, svg, height_pt=None):
        self.svg = _text(svg)
        self.height_pt = height_pt

    def label_pt(self):
        return label_pt(self.svg, cell_width_pt=None)

    def _repr_html_(self):
        height = f"max-height:{self.height_pt}pt;overflow-y:auto;" if self.height_pt else ""
        return (f'<div style="overflow-x:auto;{height}"><div style="width:{svg_width_pt(self.svg):.0f}pt">'
                f"{self.svg}</div></div>")

    def __repr__(self):
        return f"<ScrollBox: a {svg_width_pt(self.svg):.0f} pt wide picture at its natural size>"


__all__ = ["CELL_WIDTH_PT", "MIN_TEXT_PT", "ScrollBox", "label_pt", "svg_width_pt"]
