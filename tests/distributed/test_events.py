"""The event log: determinism, consistency, CSV and Chrome-trace export."""
import json
import math
import os

import numpy as np
import pytest

import teachflow.distributed as dist

NET = dist.ParameterServerNetwork(latency=0.02, bandwidth=1e4)


def same_history(a, b):
    return len(a) == len(b) and np.array_equal(np.array(a, float), np.array(b, float), equal_nan=True)


def run(strategy="async", seed=0, **kw):
    opts = dict(workers=4, model="linear", compute=dist.Exponential(1.0), network=NET,
                updates=60, lr=0.05, batch_size=8, seed=seed)
    opts.update(kw)
    return dist.simulate(strategy, **opts)


@pytest.mark.parametrize("strategy,kw", [("sync", {}), ("async", {}), ("ssp", {"bound": 1}),
                                         ("local", {"period": 2}), ("backup", {"backups": 1})])
def test_same_seed_same_log(strategy, kw):
    a, b = run(strategy, **kw), run(strategy, **kw)
    assert a.events == b.events
    assert same_history(a.history, b.history)
    c = run(strategy, seed=1, **kw)
    assert c.events != a.events


@pytest.mark.parametrize("strategy,kw", [("sync", {}), ("async", {}), ("ssp", {"bound": 1}),
                                         ("local", {"period": 2}), ("backup", {"backups": 1})])
def test_log_is_consistent(strategy, kw):
    r = run(strategy, **kw)
    assert r.events and all(e.kind in dist.KINDS for e in r.events)
    for e in r.events:
        assert 0 <= e.start <= e.end
        assert isinstance(e.worker, int) or e.worker in ("ps", "all")
    # one worker does one thing at a time
    for w in range(4):
        mine = sorted((e.start, e.end) for e in r.events if e.worker == w and e.end > e.start)
        assert all(a[1] <= b[0] + 1e-12 for a, b in zip(mine, mine[1:]))
    # versions: every apply writes the next version, reading an older one
    applies = [e for e in r.events if e.kind == "apply"]
    assert [e.version_written for e in applies] == list(range(1, len(applies) + 1))
    for e in applies:
        assert e.staleness == e.version_written - 1 - e.version_read >= 0 or strategy in ("sync", "local", "backup")
    assert len(applies) == 60 == r.summary()["updates"]
    # the history starts at version 0, time 0 and ends at the last update
    assert r.history[0].time == 0 and r.history[0].updates == 0
    assert r.history[-1].updates == 60
    assert r.history[-1].time == applies[-1].end


@pytest.mark.parametrize("strategy,kw", [("async", {}), ("sync", {}), ("ssp", {"bound": 1}),
                                         ("local", {})])
def test_until_stops_in_simulated_time_and_cuts_work_in_flight(strategy, kw):
    # work still running at the end is cut there, but it was not thrown away by the strategy:
    # it is not marked dropped (a timeline hatches only work a backup or bound discarded)
    r = run(strategy, updates=None, until=7.5, **kw)
    assert max(e.end for e in r.events) == pytest.approx(7.5)
    assert any(e.end == 7.5 and e.end - e.start > 0 for e in r.events if e.kind != "wait")
    assert not any(e.dropped for e in r.events)
    assert r.summary()["wasted_fraction"] == 0.0


def test_backup_workers_drop_late_work_and_only_that():
    r = run("backup", workers=5, updates=None, until=7.5)
    applies = [e.start for e in r.events if e.kind == "apply"]
    dropped = [e for e in r.events if e.dropped]
    assert dropped and all(e.end in applies for e in dropped)   # cut by a closing step
    assert r.summary()["wasted_fraction"] > 0


def test_stop_at_target():
    r = dist.simulate("async", workers=4, model="linear", updates=5000, lr=0.05, batch_size=8,
                      target_loss=0.05, stop_at_target=True, eval_every=1)
    s = r.summary()
    assert s["updates"] < 5000
    assert s["time_to_target"] == pytest.approx(s["makespan"])
    assert r.history[-1].loss <= 0.05 < r.history[-2].loss


def test_csv_round_trip(tmp_path):
    r = run("ssp", bound=1)
    path = tmp_path / "log.csv"
    r.to_csv(path)
    back = dist.read_events_csv(path)
    assert back == r.events                       # exact: floats are written with repr
    hist = dist.read_history_csv(r.history_to_csv(tmp_path / "h.csv"))
    assert same_history(hist, r.history)
    assert sorted(os.listdir(tmp_path)) == ["h.csv", "log.csv"]   # no temporary files left


def test_chrome_trace_format_and_round_trip(tmp_path):
    r = run("sync")
    path = tmp_path / "trace.json"
    r.to_chrome_trace(path)
    data = json.loads(path.read_text())
    xs = [t for t in data["traceEvents"] if t["ph"] == "X"]
    assert len(xs) == len(r.events)
    for t, e in zip(xs, r.events):
        assert isinstance(t["pid"], int) and isinstance(t["tid"], int)
        assert t["ts"] == pytest.approx(e.start * 1e6) and t["dur"] == pytest.approx((e.end - e.start) * 1e6)
        assert t["cat"] == e.kind
    names = {t["args"]["name"] for t in data["traceEvents"] if t["ph"] == "M" and t["name"] == "thread_name"}
    assert {"worker 0", "worker 3", "parameter server"} <= names
    back = dist.read_chrome_trace(path)
    assert [(e.worker, e.kind, e.version_read, e.version_written) for e in back] == \
           [(e.worker, e.kind, e.version_read, e.version_written) for e in r.events]
    assert np.allclose([e.start for e in back], [e.start for e in r.events], rtol=0, atol=1e-9)


def test_atomic_write_replaces_and_cleans_up(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("old")
    dist.write_atomic(p, "new")
    assert p.read_text() == "new"
    assert os.listdir(tmp_path) == ["x.csv"]


def test_summary_from_a_hand_made_log():
    E = dist.Event
    log = [E(0, "compute", 0.0, 1.0, 0), E(1, "compute", 0.0, 2.0, 0), E(0, "wait", 1.0, 2.0, 0),
           E("ps", "apply", 2.0, 2.0, 0, 1, 0),
           E(0, "compute", 2.0, 3.0, 1), E("ps", "apply", 3.0, 3.0, 1, 2, 0),
           E(1, "compute", 2.0, 4.0, 1), E("ps", "apply", 4.0, 4.0, 1, 3, 1)]
    hist = [dist.HistoryPoint(0.0, 0, 0, 1.0, math.nan, math.nan),
            dist.HistoryPoint(2.0, 1, 2, 0.5, math.nan, 0.9),
            dist.HistoryPoint(4.0, 3, 4, 0.6, math.nan, 0.6)]
    s = dist.summarize(log, hist, target_loss=0.55)
    assert s["makespan"] == 4.0 and s["updates"] == 3
    assert s["updates_per_second"] == 0.75
    assert s["idle_fraction"] == pytest.approx(1 - 6.0 / 8.0)
    assert s["mean_staleness"] == pytest.approx(1 / 3)
    assert s["staleness_counts"] == {0: 2, 1: 1}
    assert s["time_to_target"] == 2.0
    assert s["final_loss"] == 0.6
    assert s["loss_noise"] == pytest.approx(np.log(0.6 / 0.5) / 2)


def test_timing_only_run_has_versions_but_no_losses():
    r = dist.simulate("async", workers=16, updates=500)
    assert r.params == []
    assert len([e for e in r.events if e.kind == "apply"]) == 500
    assert all(math.isnan(h.loss) for h in r.history)
