"""Draw a figure once, then only what moves: the trick that makes a frame cost milliseconds.

``FrameCanvas(figure)`` renders the figure's static parts once (axes, timelines, labels) and
keeps the pixels; each later ``png()`` restores them and draws only the artists registered with
``animate(...)`` (cursors, counters, curves), then encodes PNG bytes with Pillow. The bytes depend
only on what is drawn: same frame, same bytes.
"""
import io

from PIL import Image


def new_figure(figsize, dpi):
    """A matplotlib Figure with an Agg canvas, outside pyplot (no global state, never shown
    twice in a notebook, freed with its owner)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


class FrameCanvas:
    """Blitting renderer of one figure; see the module docstring."""

    def __init__(self, figure):
        self.figure = figure
        self.canvas = figure.canvas
        self.animated = []
        self._background = None

    def animate(self, *artists):
        """Register artists that change from frame to frame (drawn on top, in this order)."""
        for a in artists:
            a.set_animated(True)
            self.animated.append(a)
        return artists[0] if len(artists) == 1 else artists

    def invalidate(self):
        """Static parts changed: the next frame redraws the whole figure."""
        self._background = None

    def draw(self):
        """Render the current state into the canvas buffer."""
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for a in self.animated:
            if a.get_visible():
                self.figure.draw_artist(a)

    def image(self):
        """The current frame as a Pillow RGB image."""
        self.draw()
        w, h = self.canvas.get_width_height(physical=True)
        return Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")

    def png(self, compress_level=1, colors=256):
        """The current frame as PNG bytes. ``colors``: reduce to a palette of that many colours
        first (plots have few colours: the picture looks the same, and encoding is twice as fast
        and the bytes half as many); None keeps full RGB. Deterministic."""
        img = self.image()
        if colors:
            img = img.quantize(colors=int(colors), method=Image.Quantize.FASTOCTREE,
                               dither=Image.Dither.NONE)
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=compress_level)
        return buf.getvalue()


def figure_png(figure, dpi=None):
    """A whole figure as PNG bytes without a timestamp or software tag (so equal figures give
    equal bytes)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
