"""The race widget driven from Python, as a student would from the browser: press Run, move the
scrubber, press Play; check what is shown (cursor, version, losses up to the cursor, picture)."""
import html
import io

import numpy as np
import pytest
from PIL import Image

from teachflow.widgets import Player, Race, RaceWidget

SMALL = dict(workers=4, duration=20.0, model="numpy_curve_fit")


@pytest.fixture(scope="module")
def widget():
    return RaceWidget(frames=40, **SMALL)


def test_opens_on_the_finished_race(widget):
    assert widget.race.ran
    assert widget.time == widget.scrubber.value == 20.0
    assert widget.frame.time == 20.0
    assert "recommendation:" in widget.verdict.value
    assert widget.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_scrubbing_draws_the_frame_at_the_cursor(widget):
    widget.scrubber.value = 7.3
    f, view = widget.frame, widget.view
    assert widget.time == f.time == 7.3
    for s in f.strategies:
        assert view.maps[s.name].version.get_text() == f"v{s.version}"
        assert s.version == sum(e.kind == "apply" and e.start <= 7.3
                                for e in widget.race.results[s.name].events)
        xs = view.loss_lines[s.name].get_xdata()
        assert xs[-1] == 7.3 and np.all(xs <= 7.3)            # drawn up to the cursor
        assert list(xs[:-1]) == [t for t in s.loss_time]
        assert view.cursors[s.name].get_xdata()[0] == 7.3
        assert view.shades[s.name].get_x() == 7.3
    assert view.time_text.get_text() == "t =   7.3 s"
    # the widget shows the verdict so far as HTML under the picture (text is slow to draw)
    assert view.verdict_text is None
    assert widget.verdict.value == f"<b>Verdict:</b> {html.escape(f.verdict)}"
    assert f.verdict.startswith("t = 7.3 s: ")
    png = widget.image.value
    assert Image.open(io.BytesIO(png)).size == tuple(int(v) for v in
                                                     view.figure.canvas.get_width_height(physical=True))
    widget.scrubber.value = 12.0
    assert widget.image.value != png


def test_a_view_for_slides_draws_the_verdict_in_the_picture():
    view = Race(**SMALL).view(dpi=50)
    view.render(20.0)
    assert view.verdict_text.get_text().replace("\n", " ") == view.frame.verdict
    assert "recommendation:" in view.frame.verdict


def test_play_moves_the_scrubber(widget):
    widget.play.value = 10
    assert widget.scrubber.value == pytest.approx(10 * 20.0 / 40)
    assert widget.time == pytest.approx(5.0)
    widget.scrubber.value = 15.0          # a hand-moved scrubber moves Play along
    assert widget.play.value == 30


def test_play_at_the_end_rewinds(widget):
    widget.play.value = widget.play.max
    widget.play.playing = True
    assert widget.play.value == 0
    widget.play.playing = False


def test_run_uses_the_controls(widget):
    old = widget.race
    widget.controls["workers"].value = 6
    widget.controls["spread"].value = 3.0
    widget.controls["seed"].value = 2
    widget.strategy_boxes["ssp"].value = True
    widget.run_button.click()
    c = widget.race.config
    assert widget.race is not old and widget.race.ran
    assert (c.workers, c.spread, c.seed, c.strategies) == (6, 3.0, 2, ("sync", "async", "ssp"))
    assert c.duration == 20.0 and c.model == "numpy_curve_fit"    # kept from the first race
    assert [s.name for s in widget.frame.strategies] == ["sync", "async", "SSP (s=2)"]
    assert len(widget.frame.strategies[0].activities) == 6
    assert widget.status.value == ""


def test_bad_settings_are_reported_and_the_race_kept(widget):
    race = widget.race
    for box in widget.strategy_boxes.values():
        box.value = False
    widget.run_button.click()
    assert "at least one" in widget.status.value and widget.race is race
    widget.strategy_boxes["sync"].value = True
    # the controls cannot describe more devices than the batch can feed (200 examples)
    widget.controls["batch_size"].value = 24
    assert widget.controls["workers"].max == 200 // 24
    widget.controls["batch_size"].value = 1
    widget.controls["workers"].value = 32
    assert max(widget.controls["batch_size"].options) <= 200 // 32


def test_same_seed_same_picture_other_seed_other_picture():
    a = Race(**SMALL).view(dpi=50)
    b = Race(**SMALL).view(dpi=50)
    c = Race(seed=3, **SMALL).view(dpi=50)
    for t in (4.0, 11.5):
        pa = a.render(t)
        assert pa == b.render(t)
        assert pa != c.render(t)
    assert a.frame == b.frame


def test_player_calls_render_for_each_time():
    seen = []
    p = Player(lambda t: seen.append(t) or b"png", 10.0, frames=20)
    assert seen == [0.0]
    p.play.value = 3
    p.scrubber.value = 9.25
    assert seen == [0.0, 1.5, 9.25] and p.image.value == b"png"
    p.reset(lambda t: b"new", 4.0, t=4.0)
    assert p.scrubber.max == 4.0 and p.time == 4.0 and p.image.value == b"new"


def test_clock_line_follows_the_scrubber_with_each_servers_version():
    from teachflow.widgets import RaceWidget
    w = RaceWidget(workers=4, duration=10.0)
    assert "tf-race-clock" in w.clock._dom_classes and "tf-race-scrubber" in w.scrubber._dom_classes
    w.scrubber.value = 2.0
    early = w.clock.value
    w.scrubber.value = 9.0
    late = w.clock.value
    assert "t = 2.0 s" in early and "t = 9.0 s" in late
    for sf in w.frame.strategies:
        assert f"data-strategy='{sf.name}' data-version='{sf.version}'" in late
    assert early != late
