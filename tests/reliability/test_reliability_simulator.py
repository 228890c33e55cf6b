"""Nothing hangs: random simulator configurations either run within their stated bound or are
refused at once with the setting named; extreme ones (10**9 updates, until=1e12, a mean compute
time of 1e-300 s, 10**6 workers, 10**9 microbatches) come back in well under a second."""
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow.distributed as dist
from teachflow.widgets import export
from teachflow.widgets.frames import cursor_time
from teachflow.widgets.race import Race, RaceConfig
from reliability_limits import time_limit

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@pytest.mark.parametrize("options,culprit", [
    (dict(updates=10 ** 9), "updates=1,000,000,000"),
    (dict(until=1e12), "until=1e+12"),
    (dict(compute=dist.Exponential(1e-300), until=10), "fastest mean compute time 1e-300"),
    (dict(updates=10 ** 7, until=1e9), "max_events"),
])
@pytest.mark.parametrize("strategy", ["sync", "async", "local"])
def test_runs_that_would_not_return_are_refused_at_once(strategy, options, culprit):
    t = time.perf_counter()
    with time_limit(5):
        with pytest.raises(dist.SimulationTooLarge, match="max_events") as err:
            dist.simulate(strategy, workers=8, **options)
    assert culprit in str(err.value)
    assert time.perf_counter() - t < 3.0       # at once (the run itself would take hours)


def test_a_million_workers_are_refused_before_anything_is_built():
    t = time.perf_counter()
    with time_limit(5):
        with pytest.raises(ValueError, match="workers=1,000,000 is more than"):
            dist.simulate("sync", workers=10 ** 6, updates=1)
    assert time.perf_counter() - t < 3.0       # at once (the run itself would take hours)


def test_max_events_lets_a_large_run_through_and_the_safety_net_holds():
    r = dist.simulate("async", workers=2, updates=100, max_events=500)
    assert r.summary()["updates"] == 100
    with pytest.raises(dist.SimulationTooLarge, match="max_events=50"):
        dist.simulate("async", workers=2, updates=100, max_events=50)
    with pytest.raises(ValueError, match="max_events must be an integer"):
        dist.simulate("async", workers=2, updates=10, max_events=-1)


def test_pipeline_microbatches_are_bounded():
    stages = [dist.Stage("a", 1, 1, 0), dist.Stage("b", 1, 1, 0)]
    with time_limit(5):
        with pytest.raises(dist.SimulationTooLarge, match="microbatches=1,000,000,000"):
            dist.Pipeline.from_stages(stages, microbatches=10 ** 9)
    assert dist.Pipeline.from_stages(stages, microbatches=8).run().microbatches == 8


numbers = st.one_of(st.integers(-3, 10 ** 10), st.floats(allow_nan=True, allow_infinity=True),
                    st.none(), st.sampled_from(["8", True, [1]]))


@SETTINGS
@given(strategy=st.sampled_from(["sync", "async", "ssp", "local", "backup"]),
       workers=st.one_of(st.integers(-2, 40), st.sampled_from([10 ** 6, 2.5, "8", None])),
       updates=numbers, until=numbers,
       mean=st.one_of(st.floats(1e-300, 1e6), st.sampled_from([0, -1, math.nan, math.inf])),
       lr=st.one_of(st.floats(-1, 1), st.sampled_from([math.nan, 0.05])))
def test_random_configs_run_within_bounds_or_are_refused(strategy, workers, updates, until,
                                                         mean, lr):
    """Any combination returns within 30 s: a result (then within max_events) or a ValueError
    (SimulationTooLarge is one) saying which setting is wrong. (max_events is lowered so that
    the runs the bound lets through stay short.)"""
    with time_limit(30):
        try:
            r = dist.simulate(strategy, workers=workers, updates=updates, until=until,
                              compute=dist.Exponential(mean), lr=lr, bound=1,
                              max_events=100_000, progress=False)
        except ValueError as e:
            msg = str(e)
            assert any(k in msg for k in ("updates", "until", "workers", "mean", "lr", "max_events",
                                          "backups", "bound")), msg
            return
    assert len(r.events) <= 100_000 + 4 * 40 + 1    # at most one update past the bound


# --------------------------------------------------------------------------- widget values
def test_race_settings_are_checked():
    for change, culprit in ((dict(duration=1e6), "duration"), (dict(spread=math.nan), "spread"),
                            (dict(workers=math.nan), "workers"), (dict(lr=math.inf), "lr"),
                            (dict(duration=-1), "duration"), (dict(strategies=("fast",)), "strategies")):
        with pytest.raises(ValueError, match=culprit):
            RaceConfig(**change)


@pytest.fixture(scope="module")
def small_race():
    return Race(workers=3, duration=8.0).run()


def test_nan_cursor_is_named(small_race):
    with pytest.raises(ValueError, match="t must be a simulated time"):
        small_race.frame_at(math.nan)
    with pytest.raises(ValueError, match="t must be a simulated time"):
        small_race.flowchart().frame_at(math.nan)
    with pytest.raises(ValueError, match="got 'soon'"):
        cursor_time("soon")
    assert small_race.frame_at(1e9).time == small_race.duration     # clamped, as before


@pytest.mark.parametrize("options,culprit", [
    (dict(fps=0), "fps"), (dict(fps=-5), "fps"), (dict(fps=math.nan), "fps"),
    (dict(frames=0), "frames"), (dict(frames=math.nan), "frames"), (dict(frames=10 ** 6), "frames"),
    (dict(width=-3), "width"), (dict(start=-1), "start"), (dict(end=1e9), "end"),
])
def test_export_options_are_checked_before_rendering(small_race, options, culprit):
    view = small_race.view(dpi=30)
    with time_limit(5):
        for fn in (export.gif_bytes, export.to_html):
            with pytest.raises(ValueError, match=culprit):
                fn(view, **options)


def test_html_title_is_text_not_markup(small_race):
    page = export.to_html(small_race.view(dpi=30), frames=2, title='<img src=x onerror="alert(1)">')
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


# --------------------------------------------------------------------------- long widget runs
def test_a_long_race_runs_in_the_background_and_stop_keeps_the_old_one():
    from dataclasses import replace
    from teachflow.widgets import race_view
    w = race_view.RaceWidget(duration=8.0)
    old = w.race
    w.race = Race(replace(old.config, duration=3600.0), old.model)   # a long race
    w.race.results, w.race.indexes = old.results, old.indexes
    t = time.perf_counter()
    with time_limit(30):
        w.run_button.click()
        assert time.perf_counter() - t < 3.0            # the kernel is free at once
        assert w._thread.is_alive() and not w.stop_button.disabled and w.run_button.disabled
        while w.progress.value == 0.0:
            time.sleep(0.05)
        w.stop_button.click()
        w._thread.join()
    assert "Stopped" in w.status.value and w.race.indexes is old.indexes
    assert w.run_button.disabled is False and w.stop_button.disabled is True


def test_a_background_race_that_finishes_is_shown(monkeypatch):
    from teachflow.widgets import race_view
    w = race_view.RaceWidget(duration=8.0)
    old = w.race
    monkeypatch.setattr(race_view, "BACKGROUND_EVENTS", 10)
    w.controls["seed"].value = 5
    with time_limit(30):
        w.run_button.click()
        w._thread.join()
    assert w.race is not old and w.race.config.seed == 5 and w.race.ran
    assert w.status.value == "" and w.progress.value == 1.0
