"""EventIndex: what a frame shows at time t is read straight from the event log."""
import math

import numpy as np
import pytest

import teachflow.distributed as dist
from teachflow.widgets import EventIndex, Race
from teachflow.widgets.frames import IDLE

NET = dist.ParameterServerNetwork(latency=0.1, bandwidth=float("inf"))


def run(strategy="sync", network=NET, **kw):
    opts = dict(workers=4, model="numpy_curve_fit", compute=dist.LogNormal(1.0, 0.2),
                network=network, until=15.0, lr=0.05, batch_size=8, seed=0, eval_every=1,
                target_loss=0.05)
    opts.update(kw)
    return dist.simulate(strategy, **opts)


@pytest.mark.parametrize("strategy", ["sync", "async", "ssp", "local", "backup"])
def test_activity_is_the_event_covering_t(strategy):
    r = run(strategy, bound=1, backups=1)
    ix = EventIndex(r)
    rng = np.random.default_rng(0)
    for t in rng.uniform(0, 15, 200):
        for w in range(4):
            a = ix.activity(w, t)
            covering = [e for e in r.events if e.worker == w and e.start <= t < e.end]
            if covering:
                assert len(covering) == 1
                e = covering[0]
                assert (a.kind, a.start, a.end, a.version, a.dropped) == \
                    (e.kind, e.start, e.end, e.version_read, e.dropped)
            else:
                assert a.kind == IDLE


def test_server_version_counts_the_updates_so_far():
    r = run("async")
    ix = EventIndex(r)
    applies = [e for e in r.events if e.kind == "apply"]
    for e in applies[::7]:
        assert ix.version_at(e.start) == e.version_written
        assert ix.version_at(e.start - 1e-9) == e.version_written - 1
        assert ix.last_update(e.start) == e.start
    assert ix.version_at(0.0) == 0 and ix.last_update(0.0) is None


def test_messages_in_flight_and_how_far_they_got():
    r = run("sync")
    ix = EventIndex(r)
    pull = next(e for e in r.events if e.kind == "pull")
    t = pull.start + 0.25 * (pull.end - pull.start)
    frame = ix.frame_at(t)
    flows = {(f.worker, f.kind): f.progress for f in frame.flows}
    assert flows[pull.worker, "pull"] == pytest.approx(0.25)
    assert all(a.kind == "pull" for a in frame.activities)   # a step starts with every pull


def test_free_network_messages_glow_at_compute_boundaries():
    r = run("async", network=dist.FreeNetwork())
    ix = EventIndex(r, glow=0.2)
    c = next(e for e in r.events if e.kind == "compute" and e.worker == 2 and e.start > 1)
    frame = ix.frame_at(c.start + 0.05)
    assert any(f.worker == 2 and f.kind == "pull" and f.progress == pytest.approx(0.25)
               for f in frame.flows)
    frame = ix.frame_at(c.end + 0.1)     # its gradient was just pushed (and the next pull starts)
    assert any(f.worker == 2 and f.kind == "push" for f in frame.flows)
    assert EventIndex(r, glow=0).frame_at(c.start + 0.05).flows == ()


def test_barrier_waiting_count():
    r = run("sync")
    ix = EventIndex(r)
    wait = next(e for e in r.events if e.kind == "wait")
    t = wait.end - 1e-6
    frame = ix.frame_at(t)
    want = sum(1 for e in r.events if e.kind == "wait" and e.start <= t < e.end)
    assert frame.waiting == want >= 1


def test_losses_up_to_t_and_noise_matches_the_summary():
    r = run("async")
    ix = EventIndex(r)
    frame = ix.frame_at(7.5)
    assert frame.loss_time and max(frame.loss_time) <= 7.5
    assert len(frame.loss) == sum(h.time <= 7.5 for h in r.history)
    end = ix.frame_at(1e9)
    assert end.noise == pytest.approx(r.summary()["loss_noise"], rel=1e-9)
    assert end.reached == r.summary()["time_to_target"]
    before = ix.frame_at(end.reached - 1e-9)
    assert before.reached is None


def test_frames_are_deterministic_for_a_seed():
    a = Race(workers=6, spread=2.0, duration=20.0, model="numpy_curve_fit").run()
    b = Race(workers=6, spread=2.0, duration=20.0, model="numpy_curve_fit").run()
    c = Race(workers=6, spread=2.0, duration=20.0, model="numpy_curve_fit", seed=1).run()
    for t in (0.0, 3.3, 11.0, 20.0):
        assert a.frame_at(t) == b.frame_at(t)
    assert a.frame_at(11.0) != c.frame_at(11.0)


def test_nan_losses_of_timing_only_runs():
    r = dist.simulate("async", workers=3, until=5.0, seed=0)
    f = EventIndex(r).frame_at(3.0)
    assert all(math.isnan(v) for v in f.loss) and math.isnan(f.noise) and f.reached is None
