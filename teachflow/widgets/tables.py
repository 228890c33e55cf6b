"""Tensors for the eye: small ones as HTML tables of numbers, larger ones as heatmaps.

``value_html(value)`` writes a scalar as a number, a small matrix (at most ``TABLE_ROWS`` x
``TABLE_COLS`` and ``TABLE_SIZE`` entries) as a ``<table>``, and anything larger as its shape,
mean, min and max; ``is_small(value)`` says which. ``Heatmap`` draws the large ones: one
matplotlib figure, reused with ``set_data`` for every tensor, and a cache of PNG bytes per array
object, so revisiting a step costs nothing. Colours are symmetric around zero (red positive,
blue negative), so the sign of a value or a gradient reads at a glance.
"""
import html
import io

import numpy as np

from ..core.formatting import number, stats_text
from ..core.i18n import _

TABLE_ROWS = 20     # a 20×1 column (the curve fit's 20 points) is still a table
TABLE_COLS = 12
TABLE_SIZE = 40     # more entries than this: a heatmap


def as_matrix(value):
    """A 2-D view of any tensor: a vector is one row, higher ranks keep their first axis."""
    a = np.asarray(value)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(a.shape[0], -1)


def is_numeric(value):
    return value is not None and np.asarray(value).dtype.kind in "biuf"


def is_small(value):
    """True when ``value`` is shown number by number (a scalar or a small matrix)."""
    a = np.asarray(value)
    if a.ndim == 0:
        return True
    if a.ndim > 2 or a.size > TABLE_SIZE:
        return False
    rows, cols = as_matrix(a).shape
    return rows <= TABLE_ROWS and cols <= TABLE_COLS


def html_table(value):
    """A small tensor as an HTML table (a vector as one row)."""
    m = as_matrix(value)
    rows = "".join("<tr>" + "".join(f"<td>{number(v)}</td>" for v in row) + "</tr>"
                   for row in m.tolist())
    return f'<table class="tf-matrix">{rows}</table>'


def value_html(value):
    """HTML for one value: a number, a table, or (for a heatmap's caption) shape and statistics."""
    if value is None:
        return "—"
    a = np.asarray(value)
    if not is_numeric(a):
        return html.escape(repr(value))
    if a.ndim == 0:
        return f"<b>{number(a.item())}</b>"
    if is_small(a):
        return html_table(a)
    return f"<i>{stats_text(a)}</i><br>" + html.escape(_("(heatmap below)"))


# widget HTML has a 28 px line height (ipywidgets' inline height): tables need their own
CSS = """<style>
.tf-values{border-collapse:collapse;font-size:12px;margin:2px 0;line-height:1.3}
.tf-values th{text-align:left;font-weight:normal;color:#555;padding:2px 8px 2px 0;
  vertical-align:top;white-space:nowrap}
.tf-values td{padding:2px 8px 2px 0;vertical-align:top}
.tf-values table.tf-matrix{border-collapse:collapse;font-family:monospace;font-size:11px;line-height:1.25}
.tf-values table.tf-matrix td{border:1px solid #ddd;padding:0 4px;text-align:right}
.tf-slots{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:flex-start;font-size:12px;
  line-height:1.3;margin-top:4px}
.tf-slot-label{color:#444;margin-bottom:2px;white-space:nowrap}
.tf-slot table.tf-matrix{border-collapse:collapse;font-family:monospace;font-size:11px;line-height:1.25}
.tf-slot table.tf-matrix td{border:1px solid #ddd;padding:0 4px;text-align:right}
.tf-step-head,.tf-step-rule{line-height:1.4}
</style>"""


class Heatmap:
    """PNG heatmaps of tensors from one reused matplotlib figure (see the module docstring)."""

    def __init__(self, width=2.8, height=1.5, dpi=72, cmap="RdBu_r"):
        from .canvas import new_figure
        self.figure = new_figure((width, height), dpi)
        self.ax = self.figure.add_axes([0, 0, 1, 1])
        self.ax.set_axis_off()
        self.image = self.ax.imshow(np.zeros((2, 2)), cmap=cmap, aspect="auto",
                                    interpolation="nearest", vmin=-1, vmax=1)
        self._cache = {}      # id(array) -> (array, png): the array is kept so its id stays unique

    def png(self, value):
        """PNG bytes of ``value`` (any shape; see ``as_matrix``), colours scaled to ±max|value|."""
        hit = self._cache.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        m = as_matrix(value).astype(np.float64)
        finite = m[np.isfinite(m)]
        scale = float(np.abs(finite).max()) if finite.size else 1.0
        rows, cols = m.shape
        self.image.set_data(m)
        self.image.set_extent((-0.5, cols - 0.5, rows - 0.5, -0.5))
        self.image.set_clim(-(scale or 1.0), scale or 1.0)
        self.ax.set_xlim(-0.5, cols - 0.5)
        self.ax.set_ylim(rows - 0.5, -0.5)
        canvas = self.figure.canvas
        canvas.draw()
        from PIL import Image
        w, h = canvas.get_width_height(physical=True)
        img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=1)
        out = buf.getvalue()
        self._cache[id(value)] = (value, out)
        return out

    @staticmethod
    def scale_text(value):
        """``colours ±0.7`` (what full red and full blue mean)."""
        a = np.asarray(value, dtype=np.float64)
        finite = a[np.isfinite(a)]
        return _("colours ±{scale}").format(scale=number(np.abs(finite).max()) if finite.size else "1")
