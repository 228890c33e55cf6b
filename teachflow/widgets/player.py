"""Play/Pause, a time scrubber and a picture: the part every animated widget shares.

``Player(render, duration)`` shows ``render(t)`` (PNG bytes) for the scrubber's time t. The Play
button steps through ``frames`` equal time steps; moving the scrubber (by hand, by Play, or by
setting ``player.scrubber.value`` in Python) redraws at once. All logic runs in Python, so a test
can drive it without a browser.
"""
import ipywidgets as widgets

from ..core.i18n import _


class Player:
    """See the module docstring. ``on_frame(t)`` is called after each redraw."""

    def __init__(self, render, duration, frames=200, interval=100, on_frame=None,
                 width="100%"):
        self.render, self.on_frame = render, on_frame
        self.frames = int(frames)
        self.play = widgets.Play(value=0, min=0, max=self.frames, step=1, interval=int(interval),
                                 description=_("Play"), show_repeat=False)
        self.scrubber = widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01,
                                            description=_("time (s)"), readout_format=".1f",
                                            continuous_update=True,
                                            layout=widgets.Layout(width="70%"))
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=width))
        self.controls = widgets.HBox([self.play, self.scrubber])
        self.box = widgets.VBox([self.controls, self.image])
        self.time = None
        self._syncing = False
        self.reset(render, duration)
        self.play.observe(self._on_play, names="value")
        self.scrubber.observe(self._on_scrub, names="value")

    @property
    def dt(self):
        return self.duration / self.frames

    def reset(self, render, duration, t=0.0):
        """A new animation (after Run): new renderer and time range; shows time ``t``."""
        self.render, self.duration = render, float(duration)
        self._syncing = True
        try:
            self.scrubber.max = self.duration
            self.scrubber.step = self.dt
            self.scrubber.value = t
            self.play.value = int(round(t / self.dt))
        finally:
            self._syncing = False
        self.show(t)

    def _on_play(self, change):
        if not self._syncing:
            self.scrubber.value = min(self.duration, change["new"] * self.dt)

    def _on_scrub(self, change):
        if self._syncing:
            return
        t = change["new"]
        self._syncing = True    # keep the Play position in step with a hand-moved scrubber
        try:
            self.play.value = int(round(t / self.dt))
        finally:
            self._syncing = False
        self.show(t)

    def show(self, t):
        """Draw time t now."""
        self.time = float(t)
        self.image.value = self.render(self.time)
        if self.on_frame is not None:
            self.on_frame(self.time)

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)
