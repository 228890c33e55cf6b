"""The animated flowcharts: boxes and arrows say what the event log says."""
import pytest

from teachflow.widgets import Race
from teachflow.widgets.flowchart import Flowchart, describe
from teachflow.widgets.frames import Activity


@pytest.fixture(scope="module")
def chart():
    race = Race(workers=4, spread=2.0, duration=8.0, model="numpy_curve_fit").run()
    return race, race.flowchart(dpi=50)


def test_one_panel_per_run_with_a_barrier_only_for_sync(chart):
    race, fc = chart
    assert [p.index.name for p in fc.panels] == ["sync", "async"]
    sync, asy = fc.panels
    assert sync.barrier and sync.barrier_text is not None
    assert not asy.barrier and asy.barrier_text is None
    assert fc.duration == pytest.approx(8.0)


def test_device_boxes_and_arrows_follow_the_log(chart):
    race, fc = chart
    r = race.results["sync"]
    push = next(e for e in r.events if e.kind == "push" and e.worker == 1)
    t = (push.start + push.end) / 2
    fc.render(t)
    sync = fc.panels[0]
    frame = fc.frame[0]
    assert [x.get_text() for x in sync.labels] == [describe(a, True) for a in frame.activities]
    assert sync.labels[1].get_text() == "pushing\ngradient"
    colors = sync.shafts.get_colors()
    lit = [i for i, c in enumerate(colors) if tuple(c[:3]) != (207 / 255,) * 3]
    assert 4 + 1 in lit                                   # worker 1's push arrow (after 4 pulls)
    assert len(sync.packets.get_offsets()) == len(frame.flows)
    assert sync.barrier_text.get_text() == f"barrier: {frame.waiting}/4 gradients in"
    assert sync.version.get_text() == f"parameters v{frame.version}"


def test_server_flashes_right_after_an_update(chart):
    race, fc = chart
    apply = next(e for e in race.results["sync"].events if e.kind == "apply")
    fc.render(apply.start + 0.01)
    assert fc.panels[0].flash.get_visible()
    assert fc.panels[0].barrier_text.get_text().endswith("update!")
    fc.render(apply.start - 0.01)
    assert not fc.panels[0].flash.get_visible()


def test_descriptions():
    assert describe(Activity("compute", 0, 1, 3), True) == "computing\non v3"
    assert describe(Activity("compute", 0, 1, 3, True), True) == "computing on v3\n(too late)"
    assert describe(Activity("wait", 0, 1, 3), True) == "waiting at\nthe barrier"
    assert describe(Activity("wait", 0, 1, 3), False) == "waiting\n(bound)"
    assert describe(Activity("idle"), False) == "idle"


def test_same_run_same_pictures():
    a = Race(workers=3, duration=5.0, model="numpy_curve_fit").run().flowchart(dpi=40)
    b = Race(workers=3, duration=5.0, model="numpy_curve_fit").run().flowchart(dpi=40)
    assert a.render(2.2) == b.render(2.2)
    assert a.frame == b.frame


def test_flowchart_of_a_single_run_and_its_widget(chart):
    race, _ = chart
    fc = Flowchart(race.results["async"], dpi=40)
    assert len(fc.panels) == 1
    player = fc.widget(frames=10)
    player.scrubber.value = 4.0
    assert fc.frame[0].time == 4.0 and player.image.value[:4] == b"\x89PNG"


def test_panel_titles_come_from_the_strategy_registry():
    """No table of titles in the flowchart: every registered strategy (K-async and K-batch-async
    too) is titled by what it declares, and a new strategy needs nothing here."""
    from teachflow.distributed import registry
    from teachflow.widgets.flowchart import panel_title
    assert {"k_async", "k_batch_async"} <= set(registry.keys())
    for key in registry.keys():
        cls = registry.strategy_class(key)
        assert panel_title(key) == f"{cls.title}\n{cls.help}"
        assert panel_title(key, "my run", 30).split("\n")[0] == "my run"
    race = Race(workers=4, duration=6.0, model="numpy_curve_fit",
                strategies=("k_async", "k_batch_async")).run()
    fc = race.flowchart(dpi=60)
    fc.render(2.0)
    renderer = fc.figure.canvas.get_renderer()
    clock = fc.clock.get_window_extent(renderer)
    for panel, key in zip(fc.panels, ("k_async", "k_batch_async")):
        title = panel.ax.title
        name, *help_lines = title.get_text().split("\n")
        assert name == panel.index.name
        assert " ".join(help_lines) == registry.strategy_class(key).help
        assert title.get_window_extent(renderer).y1 < clock.y0     # under the clock, not on it
