"""The race as a plain object: configuration, fair learning rates, and the verdict."""
import math

import pytest

import teachflow.distributed as dist
from teachflow.widgets import Race, RaceConfig, StrategyFrame, verdict


def test_config_builds_the_cluster():
    c = RaceConfig(workers=5, spread=16.0, stragglers=0.1, latency=0.3)
    assert c.slowdowns() == [1.0, 2.0, 4.0, 8.0, 16.0]
    cl = c.cluster()
    assert [d.slowdown for d in cl.devices] == c.slowdowns()
    assert isinstance(cl.devices[0].compute, dist.WithStragglers)
    assert cl.network.latency == 0.3 and math.isinf(cl.network.bandwidth)
    assert isinstance(RaceConfig(latency=0).network(), dist.FreeNetwork)
    assert isinstance(RaceConfig(jitter=0).compute(), dist.Constant)
    assert RaceConfig(workers=1).slowdowns() == [1.0]


def test_fair_learning_rates():
    c = RaceConfig(workers=8, lr=0.4)
    assert c.lr_for("sync") == c.lr_for("backup") == c.lr_for("local") == 0.4
    assert c.lr_for("async") == c.lr_for("ssp") == 0.05
    assert RaceConfig(async_lr=0.1).lr_for("async") == 0.1


def test_strategies_are_set_up_from_the_config():
    c = RaceConfig(backups=2, bound=3, period=5)
    assert c.strategy("sync").backups == 0
    assert c.strategy("backup").backups == 2
    assert c.strategy("ssp").bound == 3
    assert c.strategy("local").period == 5


@pytest.mark.parametrize("changes,match", [
    (dict(workers=0), "workers"), (dict(spread=0.5), "spread"), (dict(stragglers=1.5), "stragglers"),
    (dict(lr=0), "lr"), (dict(strategies=()), "at least one"), (dict(strategies=("sync", "fast")), "unknown"),
    (dict(strategies=("sync", "sync")), "once"), (dict(strategies=("backup",), backups=8), "backups"),
    (dict(batch_size=2.5), "batch_size"), (dict(duration=-1), "duration"),
])
def test_config_errors_say_what_is_wrong(changes, match):
    with pytest.raises(ValueError, match=match):
        RaceConfig(**changes)


def test_unknown_setting_and_not_run_yet():
    with pytest.raises(ValueError, match="unknown race settings"):
        Race(devices=4)
    with pytest.raises(RuntimeError, match="run"):
        Race().frame_at(1.0)
    assert RaceConfig(strategies="async").strategies == ("async",)


def frame(name, reached=None, noise=0.01, loss=0.05):
    return StrategyFrame(name, 10.0, 3, (), (), 0, None, (0.0,), (0,), (loss,), reached, noise)


def test_verdict_prefers_a_steadier_strategy_that_is_nearly_as_fast():
    line, rec = verdict([frame("sync", 21.0, 0.003), frame("async", 18.0, 0.02)], 0.02, 60, True)
    assert rec == "sync"
    assert line.startswith("async reached loss 0.02 first (18.0 s vs 21.0 s for sync)")
    assert "sync's loss was steadier (noise 0.003 vs 0.020 for async)" in line
    assert "recommendation: sync (within 25% of the fastest and steadier)" in line


def test_verdict_picks_the_fastest_when_the_gap_is_large():
    line, rec = verdict([frame("sync", None, 0.0), frame("async", 28.0, 0.02)], 0.02, 60, True)
    assert rec == "async" and "never for sync" in line and "fastest to the target" in line
    line, rec = verdict([frame("sync", 40.0, 0.0), frame("async", 28.0, 0.02)], 0.02, 60, True,
                        tolerance=0.5)
    assert rec == "sync"


def test_verdict_before_the_end_and_without_a_winner():
    line, rec = verdict([frame("sync", None, 0.0, 0.03), frame("async", None, 0.02, 0.025)],
                        0.02, 12.5, False)
    assert rec is None
    assert line.startswith("t = 12.5 s: nobody reached loss 0.02 yet; lowest loss: async (0.025)")
    line, rec = verdict([frame("sync", None, 0.0, 0.03), frame("async", None, 0.02, 0.025)],
                        0.02, 60, True)
    assert rec == "async" and "lowest loss at the end" in line


def test_verdict_reports_divergence():
    blown = frame("async", None, math.nan, math.inf)
    line, rec = verdict([frame("sync", 30.0, 0.0), blown], 0.02, 60, True, initial_losses=[0.3, 0.3])
    assert rec == "sync" and "async diverged" in line


# ----------------------------------------------------------------------------- the lesson's claim

@pytest.fixture(scope="module")
def races():
    balanced = Race(workers=8).run()
    uneven = Race(workers=8, spread=4.0).run()
    return balanced, uneven


def test_balanced_cluster_recommends_sync_and_uneven_recommends_async(races):
    balanced, uneven = races
    assert balanced.recommendation() == "sync"
    assert uneven.recommendation() == "async"
    b, u = balanced.frame_at(60), uneven.frame_at(60)
    # balanced: both reach the target within 25 %; sync's loss is steadier
    assert b["sync"].reached <= 1.25 * b["async"].reached
    assert b["sync"].noise < b["async"].noise
    # uneven: the synchronous steps wait for the slowest device, async gets there far sooner
    assert u["async"].reached is not None
    assert u["sync"].reached is None or u["sync"].reached > 1.4 * u["async"].reached


def test_same_devices_and_data_for_every_strategy(races):
    balanced, _ = races
    sync, asy = balanced.results["sync"], balanced.results["async"]
    first = lambda r, w: next(e for e in r.events if e.worker == w and e.kind == "compute")
    for w in range(8):   # common random numbers: the first computation takes the same time
        assert first(sync, w).duration == pytest.approx(first(asy, w).duration)
    assert sync.history[0].loss == asy.history[0].loss


def test_table_lists_each_strategy(races):
    text = races[0].table()
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["strategy", "updates", "grads/s"]
    assert [ln.split()[0] for ln in lines[1:]] == ["sync", "async"]
