"""Strategies that must coincide do, exactly: bit for bit where the arithmetic is the same, and
to float64 rounding (atol 1e-12) where only the order of additions differs."""
import numpy as np
import pytest

import teachflow.distributed as dist

ATOL = 1e-12


def close(a, b):
    return all(np.allclose(x, y, rtol=0, atol=ATOL) for x, y in zip(a, b))


@pytest.fixture(params=["linear", "numpy_curve_fit"])
def model(request):
    return dist.make_model(request.param, seed=1)


NET = dist.ParameterServerNetwork(latency=0.01, bandwidth=2e4)


@pytest.mark.parametrize("network", [None, NET], ids=["free", "ps"])
def test_ssp_with_bound_zero_is_synchronous(model, network):
    # each SSP gradient is applied alone with lr; a sync step averages N: so lr_ssp = lr / N
    n, steps, lr = 4, 40, 0.2
    common = dict(workers=n, model=model, compute=dist.Exponential(1.0), network=network,
                  batch_size=8, seed=5)
    sync = dist.simulate("sync", updates=steps, lr=lr, eval_every=1, **common)
    ssp = dist.simulate("ssp", bound=0, updates=steps * n, lr=lr / n, eval_every=n, **common)
    assert close(sync.params, ssp.params)
    # same clock: the last apply of each SSP round happens when the sync step applies
    sync_t = [e.start for e in sync.events if e.kind == "apply"]
    ssp_t = [e.start for e in ssp.events if e.kind == "apply"][n - 1::n]
    assert sync_t == ssp_t
    assert np.allclose(sync.losses, ssp.losses, rtol=0, atol=ATOL)
    # and the same compute intervals
    comp = lambda r: sorted((e.worker, e.start, e.end) for e in r.events if e.kind == "compute")
    assert comp(sync) == comp(ssp)


def test_async_with_one_worker_is_serial_sgd(model):
    lr, steps, b = 0.05, 300, 16
    r = dist.simulate("async", workers=1, model=model, updates=steps, lr=lr, batch_size=b,
                      seed=2, eval_every=1)
    params = model.initial_params()
    batches = dist.ShardSampler(model.n_examples, 1, b, seed=2).stream(0)
    losses = [model.evaluate(params)[0]]
    for _ in range(steps):
        g, _ = model.gradients(params, next(batches))
        params = [p - lr * gi for p, gi in zip(params, g)]
        losses.append(model.evaluate(params)[0])
    assert all(np.array_equal(p, q) for p, q in zip(r.params, params))
    assert np.array_equal(r.losses, np.array(losses))
    assert {e.staleness for e in r.events if e.kind == "apply"} == {0}


def test_sync_n_workers_batch_b_is_one_worker_batch_nb(model):
    n, b, steps = 4, 5, 30
    rng = np.random.default_rng(0)
    perms = [rng.permutation(model.n_examples)[:n * b] for _ in range(steps + 1)]
    many = dist.FunctionSampler(lambda w, k: perms[k][w * b:(w + 1) * b])
    one = dist.FunctionSampler(lambda w, k: perms[k])
    r_many = dist.simulate("sync", workers=n, model=model, updates=steps, lr=0.1, sampler=many)
    r_one = dist.simulate("sync", workers=1, model=model, updates=steps, lr=0.1, sampler=one)
    assert close(r_many.params, r_one.params)


def test_full_batch_sync_is_full_batch_gradient_descent(model):
    n, steps, lr = 4, 20, 0.1
    r = dist.simulate("sync", workers=n, model=model, updates=steps, lr=lr, batch_size=None)
    params = model.initial_params()
    for _ in range(steps):
        g, _ = model.gradients(params, None)
        params = [p - lr * gi for p, gi in zip(params, g)]
    assert close(r.params, params)


@pytest.mark.parametrize("network", [None, NET, dist.RingAllReduce(0.01, 1e4)],
                         ids=["free", "ps", "ring"])
def test_local_sgd_with_period_one_is_synchronous(model, network):
    common = dict(workers=3, model=model, compute=dist.LogNormal(1.0, 0.5), network=network,
                  updates=25, lr=0.1, batch_size=8, seed=4, eval_every=1)
    sync = dist.simulate("sync", **common)
    local = dist.simulate("local", period=1, **common)
    assert local.events == sync.events          # the same log, event for event
    assert close(local.params, sync.params)
    assert np.allclose(local.losses, sync.losses, rtol=0, atol=ATOL)


def test_ssp_with_a_huge_bound_is_asynchronous(model):
    common = dict(workers=4, model=model, compute=dist.Exponential(1.0), network=NET,
                  updates=200, lr=0.05, batch_size=8, seed=6, eval_every=1)
    a = dist.simulate("async", **common)
    s = dist.simulate("ssp", bound=10_000, **common)
    assert s.events == a.events
    assert all(np.array_equal(p, q) for p, q in zip(a.params, s.params))


def test_staleness_aware_lr_changes_nothing_without_staleness(model):
    common = dict(workers=1, model=model, updates=50, lr=0.05, seed=1)
    a = dist.simulate("async", **common)
    b = dist.simulate("async", staleness_aware=True, **common)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))


def test_staleness_aware_lr_divides_by_staleness():
    # Quadratic a = 1: each update is x ← x − lr_τ·x_read; replay it from the log
    r = dist.simulate("async", workers=3, model=dist.Quadratic(a=1.0), updates=30, lr=0.3,
                      staleness_aware=True, compute=dist.Exponential(1.0), seed=0)
    xs = {0: 1.0}
    for e in (e for e in r.events if e.kind == "apply"):
        lr = 0.3 / max(1, e.staleness)
        xs[e.version_written] = xs[e.version_written - 1] - lr * xs[e.version_read]
    assert r.params[0][0] == pytest.approx(xs[30], abs=1e-15)


def test_common_random_numbers_across_strategies():
    # worker w's k-th computation takes the same time under every strategy
    kw = dict(workers=5, compute=dist.Exponential(1.0), seed=9)

    def durations(r):
        out, end = {}, max(e.end for e in r.events)
        for e in r.events:   # not the work dropped by a backup or cut off by the end of the run
            if e.kind == "compute" and not e.dropped and e.end < end:
                out.setdefault(e.worker, []).append(e.end - e.start)
        return out

    runs = [dist.simulate("sync", updates=40, **kw), dist.simulate("async", updates=200, **kw),
            dist.simulate("ssp", bound=1, updates=200, **kw),
            dist.simulate("local", period=3, updates=20, **kw)]
    ds = [durations(r) for r in runs]
    for w in range(5):
        k = min(len(d[w]) for d in ds)
        assert k >= 30
        for d in ds[1:]:
            assert np.allclose(d[w][:k], ds[0][w][:k], rtol=1e-12, atol=1e-12)
