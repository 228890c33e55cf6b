"""Real runs on Ray (a local session shared by this module, stopped at its end): the maths is the
simulator's where timing does not matter, slow workers show as waits (sync) and staleness (async),
and every reader of a RunResult takes a real one. No wall-clock figure is asserted."""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
pytest.importorskip("ray")

import matplotlib.pyplot as plt  # noqa: E402

import teachflow.distributed as dist  # noqa: E402
from teachflow.distributed import real  # noqa: E402
from teachflow.distributed.real import contributors  # noqa: E402

ATOL = 1e-12
SLOW = 2          # the slow worker of the module's runs
# compute times of 40 ms keep the slow worker clearly slow even with every core busy
# (another process on each core adds scheduling delays of tens of ms)


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    real.connect(num_cpus=2)
    yield
    dist.shutdown()


def close(a, b):
    return len(a) == len(b) and all(np.allclose(x, y, rtol=0, atol=ATOL) for x, y in zip(a, b))


SYNC = dict(workers=3, model="curve_fit", updates=8, lr=0.2, batch_size=8, seed=3,
            compute=dist.Constant(0.04), slowdown={SLOW: 4.0}, eval_every=2)
ASYNC = dict(workers=3, model="curve_fit", updates=30, lr=0.1, batch_size=8, seed=3,
             compute=dist.Constant(0.04), slowdown={SLOW: 5.0}, eval_every=5)


@pytest.fixture(scope="module")
def sync_run():
    return dist.train("sync", shards=2, **SYNC)        # two server shards, graph model


@pytest.fixture(scope="module")
def async_run():
    return dist.train("async", **ASYNC)


def by_worker(result, kind):
    out = {}
    for e in result.events:
        if e.kind == kind and isinstance(e.worker, int):
            out[e.worker] = out.get(e.worker, 0.0) + e.duration
    return out


def test_sync_real_run_equals_the_simulated_run(sync_run):
    sim = dist.simulate("sync", **SYNC)
    assert close(sync_run.params, sim.params)
    assert [h.updates for h in sync_run.history] == [h.updates for h in sim.history]
    assert np.allclose(sync_run.losses, sim.losses, rtol=0, atol=ATOL)
    assert close(dist.replay(sync_run), sync_run.params)
    applies = [e for e in sync_run.events if e.kind == "apply"]
    assert [e.version_written for e in applies] == list(range(1, 9))
    assert all(contributors(e) == [0, 1, 2] for e in applies)


def test_sync_slow_worker_shows_as_waits_of_the_others(sync_run):
    wait = by_worker(sync_run, "wait")
    assert min(wait[0], wait[1]) > 2 * wait.get(SLOW, 0.0)
    compute = by_worker(sync_run, "compute")
    assert compute[SLOW] > 2 * max(compute[0], compute[1])


def test_async_run_replays_from_its_event_log(async_run, tmp_path):
    assert async_run.summary()["updates"] == 30
    assert close(dist.replay(async_run), async_run.params)
    # the log alone suffices: read back from CSV, it replays to the same parameters
    events = dist.read_events_csv(async_run.to_csv(tmp_path / "real.csv"))
    copy = real.RealRunResult(async_run.strategy, async_run.cluster, events,
                              async_run.history, async_run.params, async_run.model, None,
                              async_run.config)
    assert close(dist.replay(copy), async_run.params)
    # and a wrong log does not: claim a stale gradient was computed from fresh parameters
    i, e = next((i, e) for i, e in enumerate(events) if e.kind == "apply" and e.staleness > 0)
    copy.events = events[:i] + [e._replace(version_read=e.version_written - 1)] + events[i + 1:]
    assert not close(dist.replay(copy), async_run.params)


def test_async_slow_worker_shows_as_staleness(async_run):
    stale = {w: [] for w in range(3)}
    for e in async_run.events:
        if e.kind == "apply":
            (w,) = contributors(e)
            stale[w].append(e.staleness)
    fast = np.mean(stale[0] + stale[1])
    assert stale[SLOW] and np.mean(stale[SLOW]) > 1.5 * fast   # 5x in theory; RPCs blur it
    assert by_worker(async_run, "wait") == {}             # no barrier: nobody waits


def test_ssp_bound_and_staleness_aware_rate():
    r = dist.train("ssp", bound=1, staleness_aware=True, workers=3, model="numpy_curve_fit",
                   updates=24, lr=0.1, batch_size=8, seed=4, compute=dist.Constant(0.04),
                   slowdown={SLOW: 4.0})
    assert close(dist.replay(r), r.params)       # includes lr / max(1, staleness)
    applied = [0, 0, 0]
    for e in sorted((e for e in r.events if e.kind == "apply"), key=lambda e: e.version_written):
        (w,) = contributors(e)
        applied[w] += 1
        assert applied[w] - min(applied) <= 2    # a worker runs at most s + 1 ahead
    wait = by_worker(r, "wait")
    assert wait.get(0, 0) > 0 and wait.get(1, 0) > 0   # fast workers wait for the slow one


def test_backup_worker_is_dropped_and_the_rest_replays():
    r = dist.train("sync", backups=1, workers=3, model="numpy_curve_fit", updates=6, lr=0.2,
                   batch_size=8, seed=5, compute=dist.Constant(0.04), slowdown={SLOW: 6.0})
    applies = [e for e in r.events if e.kind == "apply"]
    assert len(applies) == 6 and all(len(contributors(e)) == 2 for e in applies)
    assert any(e.worker == SLOW and e.dropped for e in r.events)
    assert r.summary()["wasted_fraction"] > 0
    assert close(dist.replay(r), r.params)


def test_local_sgd_equals_the_simulated_run():
    opts = dict(workers=2, model="numpy_curve_fit", updates=4, lr=0.1, batch_size=8, seed=6,
                period=3)
    r = dist.train("local", **opts)
    sim = dist.simulate("local", **opts)
    assert close(r.params, sim.params)
    assert sum(1 for e in r.events if e.kind == "compute") == 2 * 3 * 4
    assert r.summary()["gradients"] == sim.summary()["gradients"] == 24


def test_timing_only_run():
    r = dist.train("async", workers=2, updates=10, compute=dist.Constant(0.005), seed=1)
    s = r.summary()
    assert s["updates"] == 10 and r.params == [] and math.isnan(s["final_loss"])


def test_every_reader_takes_a_real_run(sync_run, async_run, tmp_path):
    from teachflow import viz
    from teachflow.widgets.flowchart import Flowchart
    from teachflow.widgets.frames import EventIndex
    for r in (sync_run, async_run):
        viz.plot_timeline(r)
        viz.plot_staleness(r)
        viz.theory(r)
        back = dist.read_chrome_trace(r.to_chrome_trace(tmp_path / "t.json"))
        assert len(back) == len(r.events)
        h = dist.read_history_csv(r.history_to_csv(tmp_path / "h.csv"))
        np.testing.assert_array_equal(np.array(h, float), np.array(r.history, float))
    viz.plot_loss([sync_run, async_run])
    viz.plot_throughput([sync_run, async_run])
    index = EventIndex(async_run)
    t = async_run.summary()["makespan"] / 2
    frame = index.frame_at(t)
    assert frame.version == sum(1 for e in async_run.events if e.kind == "apply" and e.start <= t)
    assert {a.kind for a in frame.activities} <= {"compute", "pull", "push", "wait", "idle"}
    chart = Flowchart({"sync (real)": sync_run, "async (real)": async_run})
    assert chart.render(t)[:4] == b"\x89PNG"
    plt.close("all")


def test_calibration_fits_each_worker(async_run):
    cal = dist.calibrate(async_run)
    t_end = max(e.end for e in async_run.events)   # work in flight at the end is cut there
    measured = [np.mean([e.duration for e in async_run.events if e.kind == "compute"
                         and e.worker == w and not e.dropped and e.end < t_end])
                for w in range(3)]
    assert np.allclose([m.mean for m in cal.compute], measured, rtol=1e-9)
    assert cal.compute[SLOW].mean > 3 * max(cal.compute[0].mean, cal.compute[1].mean)
    assert cal.network.latency > 0
    sim = cal.simulate()
    assert sim.summary()["updates"] == 30 and sim.cluster.size == 3
    figures = dist.compare(async_run, sim)
    assert set(figures) == {"updates_per_second", "idle_fraction", "mean_staleness"}
    from teachflow.viz import plot_real_vs_simulated
    fig = plot_real_vs_simulated(async_run, sim)
    assert len(fig.axes) == 5
    plt.close(fig)


def test_run_result_is_the_simulators(async_run):
    assert isinstance(async_run, dist.RunResult)
    assert async_run.config["backend"] == "ray" and async_run.config["startup_seconds"] >= 0
    kinds = {e.kind for e in async_run.events}
    assert kinds <= set(dist.KINDS) and {"pull", "compute", "push", "apply"} <= kinds
    assert all(e.end >= e.start >= 0 for e in async_run.events)


def test_race_view_replays_real_runs(sync_run, async_run):
    # the race picture reads only results and their event indexes: fill them with real runs
    from teachflow.widgets import Race
    from teachflow.widgets.frames import EventIndex
    runs = {"sync (Ray)": sync_run, "async (Ray)": async_run}
    duration = max(r.summary()["makespan"] for r in runs.values())
    race = Race(workers=3, duration=duration, target_loss=0.05)
    race.results = runs
    race.indexes = [EventIndex(r, label, 0.05) for label, r in runs.items()]
    view = race.view()
    assert view.render(duration / 2)[:4] == b"\x89PNG"
    frame = race.frame_at(duration)
    assert [f.version for f in frame.strategies] == [8, 30]
    plt.close("all")


@pytest.mark.parametrize("strategy", ["sync", "async"])
def test_until_stops_the_run_at_that_wall_clock_time(strategy):
    r = dist.train(strategy, workers=2, until=1.0, compute=dist.Constant(0.02),
                   model="numpy_curve_fit", lr=0.1, batch_size=8, seed=1)
    assert r.summary()["updates"] >= 1
    assert max(e.end for e in r.events) <= 1.0      # no update is taken after the deadline
    assert close(dist.replay(r), r.params)


def test_each_computation_lasts_at_least_its_drawn_time():
    # the simulator's compute-time models, stragglers included: worker w's k-th computation
    # sleeps up to the k-th draw of the simulator's stream for (seed, w)
    compute = dist.WithStragglers(dist.Exponential(0.01), probability=0.3, slowdown=5.0)
    r = dist.train("async", workers=2, updates=12, compute=compute, slowdown={1: 2.0}, seed=7)
    t_end = max(e.end for e in r.events)   # work in flight when the run ended is cut there
    for w, device in enumerate(dist.Cluster(2, compute, {1: 2.0}).devices):
        draws = device.stream(7)
        done = [e.duration for e in r.events if e.worker == w and e.kind == "compute"
                and not e.dropped and e.end < t_end]
        assert done and all(d >= next(draws) - 1e-4 for d in done)
