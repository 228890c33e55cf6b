"""The race over seeds: the same times as the race itself, and honest summaries."""
import math

import pytest

from teachflow.widgets import Race
from teachflow.widgets.seeds import SeedRun, SeedTable, over_seeds

SETTINGS = dict(workers=4, spread=2.0, target_loss=0.003, duration=400.0)


def test_times_are_the_races_times():
    table = over_seeds((0, 3), **SETTINGS)
    for seed in (0, 3):
        race = Race(seed=seed, model="numpy_curve_fit", **SETTINGS).run()
        frame = race.frame_at(race.duration)
        for name in ("sync", "async"):
            assert table.times(name)[table.seeds.index(seed)] == frame[name].reached


def test_summaries_and_majority():
    runs = [SeedRun("sync", 0, 10.0, 0.1), SeedRun("async", 0, 8.0, 0.1),
            SeedRun("sync", 1, 12.0, 0.1), SeedRun("async", 1, 14.0, 0.1),
            SeedRun("sync", 2, 11.0, 0.1), SeedRun("async", 2, None, 0.2)]
    t = SeedTable(None, runs)
    assert t.winners() == ["async", "sync", "sync"]
    assert t.winner() == "sync" and t.wins("sync") == 2
    assert t.mean("sync") == pytest.approx(11.0) and t.spread("sync") == pytest.approx(1.0)
    assert math.isinf(t.mean("async")) and not t.reached_all("async")
    md = t.markdown()
    assert "never" in md and "11 ± 1 s" in md and "2 of 3" in md
    tie = SeedTable(None, runs[:4])
    assert tie.winner() is None
    with pytest.raises(KeyError, match="no strategy 'ssp'"):
        t.times("ssp")


def test_bad_seeds_are_refused():
    with pytest.raises(ValueError, match="seeds"):
        over_seeds((), **SETTINGS)
    with pytest.raises(ValueError, match="seeds"):
        over_seeds((0, -1), **SETTINGS)
