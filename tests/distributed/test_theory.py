"""The simulator against queueing and optimisation theory.

Tolerances are a few standard errors of the Monte-Carlo estimate (stated per test); every run is
seeded, so the tests are deterministic.
"""
import math

import numpy as np
import pytest

import teachflow.distributed as dist
from teachflow.distributed import harmonic


def timing_run(strategy, workers, compute, updates, seed=0, **kw):
    return dist.simulate(strategy, workers=workers, compute=compute, updates=updates, seed=seed, **kw)


def test_harmonic_numbers():
    assert harmonic(0) == 0
    assert harmonic(1) == 1
    assert harmonic(4) == pytest.approx(1 + 1 / 2 + 1 / 3 + 1 / 4, abs=1e-15)


# ----------------------------------------------------------------------------- synchronous

def test_sync_step_time_is_m_times_harmonic_number():
    # N = 8 i.i.d. Exponential(mean m): E[step] = E[max] = m·H_8 = 2.718·m. The std of one step is
    # m·sqrt(Σ 1/k²) ≈ 1.24·m, so over 10,000 steps the standard error is 0.45 %: tolerance 2 %.
    m, n, steps = 0.5, 8, 10_000
    s = timing_run("sync", n, dist.Exponential(m), steps).summary()
    assert s["time_per_update"] == pytest.approx(m * harmonic(n), rel=0.02)
    # each worker computes m per step of m·H_N: idle 1 − 1/H_N = 0.632 (tolerance 0.01 absolute)
    assert s["idle_fraction"] == pytest.approx(1 - 1 / harmonic(n), abs=0.01)


@pytest.mark.parametrize("workers,backups", [(10, 2), (6, 3)])
def test_backup_workers_step_time(workers, backups):
    # needing N = workers − b of workers exponential gradients: m·(H_workers − H_b); tolerance 2 %
    m, steps = 1.0, 10_000
    s = timing_run("sync", workers, dist.Exponential(m), steps, backups=backups).summary()
    expected = m * (harmonic(workers) - harmonic(backups))
    assert s["time_per_update"] == pytest.approx(expected, rel=0.02)
    assert s["wasted_fraction"] > 0  # the late workers' work was thrown away


def test_constant_compute_sync_is_exactly_the_slowest_device():
    r = timing_run("sync", 4, dist.Constant(1.0), 10, slowdown={2: 3.0})
    s = r.summary()
    assert s["time_per_update"] == 3.0
    assert s["idle_fraction"] == pytest.approx(1 - (1 + 1 + 3 + 1) / (4 * 3.0), abs=1e-12)


# ----------------------------------------------------------------------------- asynchronous

@pytest.mark.parametrize("compute", [dist.Exponential(1.0), dist.LogNormal(1.0, 0.5)])
def test_async_throughput_is_sum_of_rates(compute):
    # heterogeneous workers (slowdowns) with means m_i: updates per second -> Σ 1/m_i.
    # 20,000 updates: a Poisson count has relative error 1/sqrt(20000) = 0.7 %; tolerance 3 %.
    slow = [1.0, 1.0, 2.0, 0.5, 4.0, 1.0]
    r = timing_run("async", len(slow), compute, 20_000, slowdown=slow)
    rate = sum(1 / (compute.mean * f) for f in slow)
    s = r.summary()
    assert s["updates_per_second"] == pytest.approx(rate, rel=0.03)
    assert s["idle_fraction"] == pytest.approx(0.0, abs=1e-9)  # nobody ever waits


def test_async_mean_staleness_is_n_minus_one():
    # N exponential workers, free communication: during one computation the N − 1 others
    # complete a Poisson(N − 1) number of updates, so staleness is geometric:
    # P(τ = k) = (1/N)·((N−1)/N)^k, mean N − 1. 20,000 updates; tolerance 3 % on the mean
    # (standard error ≈ 0.8 %) and 0.01 absolute on P(τ = 0) = 1/N.
    n = 8
    r = timing_run("async", n, dist.Exponential(1.0), 20_000)
    s = r.summary()
    assert s["mean_staleness"] == pytest.approx(n - 1, rel=0.03)
    counts = s["staleness_counts"]
    assert counts[0] / s["updates"] == pytest.approx(1 / n, abs=0.01)


def test_ssp_sits_between_sync_and_async():
    kw = dict(workers=8, compute=dist.Exponential(1.0), updates=4000, seed=3)
    sync = dist.simulate("sync", **{**kw, "updates": 500}).summary()
    ssp = dist.simulate("ssp", bound=2, **kw).summary()
    asy = dist.simulate("async", **kw).summary()
    # per gradient: sync is slowest, async fastest; staleness is capped by the bound: while a
    # worker computes, each of the N − 1 others applies at most 2s + 1 gradients
    per_grad = lambda s: s["makespan"] / s["gradients"]
    assert per_grad(asy) < per_grad(ssp) < per_grad(sync)
    assert ssp["max_staleness"] <= (8 - 1) * (2 * 2 + 1) < asy["max_staleness"]
    assert ssp["mean_staleness"] < asy["mean_staleness"]


# ----------------------------------------------------------------------------- delayed gradients

def critical_step(tau):
    """η·a at which x_{k+1} = x_k − η·a·x_{k−τ} loses stability."""
    return 2 * math.sin(math.pi / (2 * (2 * tau + 1)))


def spectral_radius(c, tau):
    # characteristic polynomial of the recurrence: z^{τ+1} − z^τ + c = 0
    p = np.zeros(tau + 2)
    p[0], p[1] = 1.0, -1.0
    p[-1] += c
    return max(abs(np.roots(p)))


@pytest.mark.parametrize("tau", range(7))
def test_critical_step_formula(tau):
    # checked on the recurrence itself: the largest root has modulus 1 exactly at the formula,
    # below 1 just under it and above 1 just over it
    c = critical_step(tau)
    assert spectral_radius(c, tau) == pytest.approx(1.0, abs=1e-9)
    assert spectral_radius(0.99 * c, tau) < 1 < spectral_radius(1.01 * c, tau)


@pytest.mark.parametrize("tau", [0, 1, 3])
def test_async_with_fixed_delay_converges_below_and_diverges_above_critical_step(tau):
    # τ + 1 workers with equal constant compute times and free communication: after the first
    # round, every gradient is exactly τ updates stale. On f = ½·a·x² that is the recurrence above.
    a = 2.0
    c = critical_step(tau)
    results = {}
    for factor in (0.97, 1.03):
        r = dist.simulate("async", workers=tau + 1, model=dist.Quadratic(a=a), lr=factor * c / a,
                          compute=dist.Constant(1.0), updates=4000, seed=0)
        st = [e.staleness for e in r.events if e.kind == "apply"]
        assert set(st[tau + 1:]) == {tau}
        results[factor] = abs(r.params[0][0])
    assert results[0.97] < 1e-6   # |x0| = 1: converged
    assert results[1.03] > 1e6    # diverged


# ----------------------------------------------------------------------------- model parallelism

@pytest.mark.parametrize("S,M", [(4, 8), (3, 1), (2, 6)])
def test_gpipe_makespan_and_bubble(S, M):
    f, b = 1.0, 2.0
    p = dist.Pipeline.from_stages([dist.Stage(f"gpu:{i}", f, b) for i in range(S)], microbatches=M)
    r = p.run()
    assert r.makespan == (M + S - 1) * (f + b)
    assert r.bubble_fraction == pytest.approx((S - 1) / (M + S - 1), abs=1e-12)


def test_gpipe_transfers_add_fill_and_drain_latency():
    # transfers of c <= f, b seconds per hop add 2·(S−1)·c (forward and backward fill/drain)
    S, M, f, b, nbytes, bw = 4, 6, 1.0, 2.0, 5e5, 1e6
    c = nbytes / bw
    p = dist.Pipeline.from_stages([dist.Stage(f"gpu:{i}", f, b, nbytes) for i in range(S)],
                                  microbatches=M, bandwidth=bw)
    r = p.run()
    assert r.makespan == pytest.approx((M + S - 1) * (f + b) + 2 * (S - 1) * c, abs=1e-9)
    assert r.summary()["transfer_time"] == pytest.approx(2 * (S - 1) * M * c)
