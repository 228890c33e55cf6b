"""Timelines and training plots: what is drawn matches the event log; the theory drawn over the
measurements is the theory the simulator's own tests check."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import teachflow.distributed as dist  # noqa: E402
from teachflow.viz.timeline import KIND_COLORS, draw_timeline, plot_timeline, row_keys  # noqa: E402
from teachflow.viz.training_plots import (plot_loss, plot_losses, plot_scaling,  # noqa: E402
                                          plot_staleness, plot_throughput, staleness_pmf,
                                          strategy_color, strategy_key, theory)

NET = dist.ParameterServerNetwork(latency=0.1, bandwidth=float("inf"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def run(strategy, **kw):
    opts = dict(workers=4, model="numpy_curve_fit", compute=dist.LogNormal(1.0, 0.2),
                network=NET, until=12.0, lr=0.05, batch_size=8, seed=0)
    opts.update(kw)
    return dist.simulate(strategy, **opts)


@pytest.mark.parametrize("strategy", ["sync", "async"])
def test_one_bar_per_event_and_one_tick_per_update(strategy):
    r = run(strategy)
    fig, ax = plt.subplots()
    tl = draw_timeline(ax, r)
    assert tl.rows == ["ps", 0, 1, 2, 3] == row_keys(r)
    for kind in ("compute", "pull", "push"):
        want = sum(e.kind == kind and not e.dropped and e.end > e.start for e in r.events)
        assert len(tl.bars[kind].get_paths()) == want
    assert matplotlib.colors.same_color(tl.bars["compute"].get_facecolor()[0], KIND_COLORS["compute"])
    applies = [e for e in r.events if e.kind == "apply"]
    assert len(tl.updates.get_segments()) == len(applies)
    # synchronous runs show the barrier across all rows; asynchronous ones have none
    assert (tl.barriers is not None) == (strategy == "sync")
    assert ("wait" in tl.bars) == (strategy == "sync")


def test_compute_bars_carry_the_version_they_read():
    r = run("sync", until=6.0)
    fig, ax = plt.subplots(figsize=(12, 3))
    tl = draw_timeline(ax, r, versions=True)
    texts = [t.get_text() for t in tl.labels]
    read = {f"v{e.version_read}" for e in r.events if e.kind == "compute"}
    written = {f"v{e.version_written}" for e in r.events if e.kind == "apply"}
    assert read <= set(texts)          # every compute bar is wide enough at this size
    assert set(texts) <= read | written
    none = draw_timeline(plt.subplots()[1], r, versions=False)
    assert none.labels == []


def test_crop_to_a_window_and_hatch_dropped_work():
    r = run("backup", workers=5, backups=2, until=10.0)
    fig, ax = plt.subplots()
    tl = draw_timeline(ax, r, t_min=2.0, t_max=6.0)
    assert ax.get_xlim() == (2.0, 6.0)
    xs = np.concatenate([p.vertices[:, 0] for c in tl.bars.values() for p in c.get_paths()])
    assert xs.min() >= 2.0 and xs.max() <= 6.0
    assert tl.dropped is not None and tl.dropped.get_hatch() == "////"


def test_work_cut_off_by_the_end_of_the_run_is_not_hatched():
    r = run("async", until=7.5)
    tl = draw_timeline(plt.subplots()[1], r)
    assert tl.dropped is None
    labels = [t.get_text() for t in plt.gca().get_legend().get_texts()]
    assert "dropped work" not in labels
    b = run("backup", workers=5, backups=2, until=7.5)
    ax = plt.subplots()[1]
    tl = draw_timeline(ax, b)
    assert tl.dropped is not None
    assert "dropped work" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_timeline_titles_with_the_strategy():
    ax = plot_timeline(run("async"))
    assert ax.get_title(loc="right") == "async"


def test_strategy_colours_come_from_the_registry_not_the_label():
    assert strategy_key(dist.Synchronous()) == "sync" and strategy_key(dist.Synchronous(1)) == "backup"
    assert strategy_key(dist.BoundedStaleness(2)) == "ssp" and strategy_key(dist.LocalSGD(4)) == "local"
    assert strategy_key(dist.Asynchronous(staleness_aware=True)) == "async"
    assert strategy_key(run("async")) == "async" and strategy_key("k-async") == "k_async"
    assert strategy_color(dist.KBatchAsync(2)) == dist.KBatchAsync.color
    colors = [strategy_color(k) for k in dist.registry.keys()]
    assert len(set(colors)) == len(colors)                       # one colour each
    with pytest.raises(ValueError, match="one of"):
        strategy_key("sync+1 backups")                           # labels are not parsed


# ----------------------------------------------------------------------------- theory

def test_staleness_pmf_is_geometric():
    p = staleness_pmf(8, 400)
    assert p[0] == pytest.approx(1 / 8)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (np.arange(401) * p).sum() == pytest.approx(7.0, abs=1e-6)   # mean N − 1


def test_staleness_histogram_matches_the_geometric_law():
    # as in tests/distributed/test_theory.py: N = 8 exponential workers, free network; the
    # frequencies of τ = 0..7 within 0.01 of (1/N)(1 − 1/N)^k (20,000 updates: standard error
    # of each frequency ≤ 0.0024)
    n = 8
    r = dist.simulate("async", workers=n, compute=dist.Exponential(1.0), updates=20_000, seed=0)
    ax = plot_staleness(r)
    bars = [p.get_height() for p in ax.patches]
    assert np.allclose(bars[:8], staleness_pmf(n, 7), atol=0.01)
    theory_line = [ln for ln in ax.get_lines() if ln.get_label().startswith("theory")]
    assert len(theory_line) == 1
    assert np.allclose(theory_line[0].get_ydata()[:8], staleness_pmf(n, 7))
    assert theory(r)["mean_staleness"].value == n - 1


def test_no_geometric_curve_where_its_assumptions_fail():
    r = run("async")            # lognormal times, latency: not the textbook case
    ax = plot_staleness(r)
    assert not [ln for ln in ax.get_lines() if ln.get_label().startswith("theory")]
    assert "mean_staleness" not in theory(r)


def test_theory_for_sync_is_the_harmonic_number():
    r = dist.simulate("sync", workers=8, compute=dist.Exponential(0.5), updates=4000, seed=0)
    th, s = theory(r), r.summary()
    h8 = dist.harmonic(8)
    assert th["updates_per_second"].value == pytest.approx(1 / (0.5 * h8))
    assert th["updates_per_second"].formula == "1/(m·H_8)"
    assert s["updates_per_second"] == pytest.approx(th["updates_per_second"].value, rel=0.03)
    assert s["idle_fraction"] == pytest.approx(th["idle_fraction"].value, abs=0.01)


def test_theory_with_latency_and_heterogeneous_devices():
    # async throughput is Σ 1/(m_i + 2L) for any compute law (renewal); sync with constant
    # times is max m_i + 2L exactly
    slow = [1.0, 2.0, 4.0]
    a = dist.simulate("async", workers=3, compute=dist.LogNormal(1.0, 0.3), slowdown=slow,
                      network=NET, updates=6000, seed=1)
    want = sum(1 / (m + 0.2) for m in slow)
    assert theory(a)["updates_per_second"].value == pytest.approx(want)
    assert a.summary()["updates_per_second"] == pytest.approx(want, rel=0.03)
    s = dist.simulate("sync", workers=3, compute=dist.Constant(1.0), slowdown=slow, network=NET,
                      updates=50, seed=0)
    assert theory(s)["updates_per_second"].value == pytest.approx(1 / 4.2)
    assert s.summary()["time_per_update"] == pytest.approx(4.2)


def test_theory_says_nothing_for_queued_networks_or_ssp():
    queued = dist.ParameterServerNetwork(latency=0.01, bandwidth=1e6)
    assert theory(run("sync", network=queued)) == {}
    assert theory(run("ssp", bound=1)) == {}


# ----------------------------------------------------------------------------- figures

def test_loss_plots_draw_every_finite_evaluation():
    results = {"sync": run("sync"), "async": run("async")}
    fig = plot_losses(results, target_loss=0.05)
    a, b = fig.axes
    for ax, field in ((a, "time"), (b, "updates")):
        lines = {ln.get_label(): ln for ln in ax.get_lines()}
        for label, r in results.items():
            xs = [getattr(h, field) for h in r.history]
            assert list(lines[label].get_xdata()) == xs
    assert a.get_yscale() == "log"
    with pytest.raises(ValueError, match="time"):
        plot_loss(results, x="epochs")


def test_throughput_bars_and_theory_markers():
    s = dist.simulate("sync", workers=4, compute=dist.Exponential(1.0), updates=300, seed=0)
    a = dist.simulate("async", workers=4, compute=dist.Exponential(1.0), updates=1200, seed=0)
    fig = plot_throughput([s, a])
    left, right = fig.axes
    heights = [p.get_height() for p in left.patches]
    assert heights[0] == pytest.approx(s.summary()["updates_per_second"])
    assert heights[2] == pytest.approx(a.summary()["updates_per_second"])
    diamonds = [ln for ln in left.get_lines() if ln.get_marker() == "D"]
    assert len(diamonds) == 4   # updates/s and gradients/s for both


def test_scaling_plot_measures_each_n():
    fig = plot_scaling(workers=(1, 2, 4), steps=50)
    a, b = fig.axes
    assert list(a.get_lines()[0].get_xdata()) == [1, 2, 4]
    theory_line = a.get_lines()[1]
    assert theory_line.get_ydata()[3] == pytest.approx(dist.harmonic(4))


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]


@pytest.mark.parametrize("make", [
    lambda: plot_timeline(run("backup", workers=5, backups=1)).figure,
    lambda: plot_timeline(run("async", workers=8)).figure,
    lambda: plot_losses({"sync": run("sync"), "async": run("async")}),
    lambda: plot_throughput([run("sync"), run("async")]),
    lambda: plot_staleness(run("async", until=40.0)).figure,
    lambda: plot_scaling(workers=(1, 2, 4), steps=50),
])
def test_figures_are_legible_on_a_projector(make):
    fig = make()
    fig.canvas.draw()
    assert fig.dpi >= 120
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
    assert not small, f"text under 9 pt: {small[:5]}"


def test_pipeline_figure_is_legible():
    from teachflow.distributed.pipeline import Pipeline, Stage
    from teachflow.viz.timeline import plot_pipeline
    stages = [Stage("gpu:0", 1.0, 2.0), Stage("gpu:1", 1.0, 2.0)]
    fig = plot_pipeline(Pipeline.from_stages(stages, microbatches=4).run(), title="t").figure
    fig.canvas.draw()
    assert fig.dpi >= 120
    assert min(t.get_fontsize() for t in _texts(fig)) >= 9


def test_race_view_legend_names_dropped_work_only_when_there_is_some():
    from teachflow.widgets import Race

    def legend_texts(race):
        fig = race.view(dpi=40).figure
        return [t.get_text() for leg in fig.legends for t in leg.get_texts()]

    plain = Race(workers=4, duration=10.0, model="numpy_curve_fit").run()
    assert "dropped" not in legend_texts(plain)
    backup = Race(workers=4, duration=10.0, model="numpy_curve_fit", strategies=("sync", "backup")).run()
    assert any(e.dropped for e in backup.results["sync+1 backups"].events)
    assert "dropped" in legend_texts(backup)


def test_flowchart_text_is_legible():
    from teachflow.widgets import Race
    chart = Race(workers=4, duration=5.0, model="numpy_curve_fit").run().flowchart(dpi=120)
    chart.render(1.0)
    assert min(t.get_fontsize() for t in _texts(chart.figure)) >= 9


@pytest.mark.parametrize("workers, strategies", [(4, None), (16, None), (8, "all")])
def test_race_view_is_legible_on_a_projector(workers, strategies):
    """Every text of the race picture (widget and slides) is 9 pt or more at 120 dpi, and none
    is cut off at the figure's edge, for few and many devices and for every strategy at once."""
    from teachflow.widgets import Race
    from teachflow.widgets.race import STRATEGIES
    options = {} if strategies is None else {"strategies": STRATEGIES}
    view = Race(workers=workers, duration=30.0, model="numpy_curve_fit", **options).run().view(dpi=120)
    fig = view.figure
    for t in (view.duration / 2, view.duration):
        view.render(t)
        assert fig.dpi >= 120
        texts = _texts(fig)
        small = [(x.get_text(), x.get_fontsize()) for x in texts if x.get_fontsize() < 9]
        assert not small, f"text under 9 pt: {small[:5]}"
        renderer = fig.canvas.get_renderer()
        box = fig.bbox
        extents = [(x, x.get_window_extent(renderer)) for x in texts if not x.get_clip_on()]
        cut = [x.get_text() for x, e in extents if not (box.contains(*e.p0) and box.contains(*e.p1))]
        assert not cut, f"text cut off at the edge: {cut[:5]}"
        for m in view.maps.values():    # the server's version stays inside its box
            inside, box = m.version.get_window_extent(renderer), m.box.get_window_extent(renderer)
            assert box.x0 <= inside.x0 and inside.x1 <= box.x1, (m.label, m.version.get_text())
    assert any("target" in x.get_text() for x in texts) and any("Verdict" in x.get_text() or "reached"
                                                                 in x.get_text() for x in texts)
