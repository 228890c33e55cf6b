"""Simulated multi-device training: simulator speed and the straggler race.

Targets (issue 6):
* 16 workers × 2,000 updates of the curve-fit model (teachflow graph) in <= 10 s on 2 cores;
* timing-only mode: <= 20 µs of simulator overhead per event, 1,000 workers feasible;
* 8 workers with one 4× straggler: synchronous ~4× slower per update; asynchronous reaches the
  target loss sooner in simulated time, with a noisier loss.

Run: ``python benchmarks/bench_distributed.py``
"""
import time

import teachflow.distributed as dist


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def curve_fit_speed():
    print("== 16 workers x 2,000 updates of the curve fit (batch 8; target <= 10 s)")
    graph, numpy_twin = dist.curve_fit(), dist.NumpyCurveFit()
    cases = [
        ("sync, 2,000 steps = 32,000 gradients", "sync", 2000, 0.2),
        ("async, 32,000 updates = 2,000 per worker", "async", 32000, 0.05),
        ("ssp s=2, 32,000 updates", "ssp", 32000, 0.05),
        ("local SGD H=4, 500 averagings = 32,000 gradients", "local", 500, 0.2),
    ]
    for label, strategy, updates, lr in cases:
        for name, model in (("teachflow graph", graph), ("NumPy twin", numpy_twin)):
            r, sec = timed(lambda: dist.simulate(
                strategy, workers=16, model=model, updates=updates, lr=lr, batch_size=8,
                bound=2, period=4, compute=dist.Exponential(1.0), seed=0))
            s = r.summary()
            print(f"  {label:50s} {name:16s} {sec:6.2f} s wall   "
                  f"({s['gradients']} gradients, {len(r.events)} events, final loss {s['final_loss']:.5f})")


def timing_only_speed():
    print("== timing-only mode: simulator overhead per event (target <= 20 µs)")
    ps = dist.ParameterServerNetwork(latency=1e-4, bandwidth=1e9, shards=4)
    cases = [
        ("async, 1,000 workers, 200,000 updates, free network", "async", 1000, 200_000, None, {}),
        ("async, 1,000 workers, 100,000 updates, sharded PS", "async", 1000, 100_000, ps, {}),
        ("ssp s=3, 1,000 workers, 100,000 updates", "ssp", 1000, 100_000, None, {"bound": 3}),
        ("sync, 1,000 workers, 100 steps, sharded PS", "sync", 1000, 100, ps, {}),
        ("sync + 50 backups, 1,000 workers, 100 steps", "sync", 1000, 100, None, {"backups": 50}),
    ]
    for label, strategy, workers, updates, net, kw in cases:
        r, sec = timed(lambda: dist.simulate(strategy, workers=workers, updates=updates,
                                             network=net, compute=dist.Exponential(1.0), seed=0, **kw))
        n = len(r.events)
        print(f"  {label:52s} {n:8d} events {sec:6.2f} s  {sec / n * 1e6:5.2f} µs/event")


def straggler_race():
    print("== 8 workers, one 4x straggler (LogNormal(1, 0.05) compute; curve fit, batch 8;")
    print("   sync lr 0.1 on the average of 8 gradients, async lr 0.05; target loss 0.002)")
    model = dist.curve_fit()
    comp = dist.LogNormal(1.0, 0.05)
    rows = []
    for slow in (None, {7: 4.0}):
        common = dict(workers=8, model=model, compute=comp, slowdown=slow, batch_size=8, seed=0,
                      eval_every=1, target_loss=0.002)
        rows.append(("sync", slow, dist.simulate("sync", updates=300, lr=0.1, **common).summary()))
        rows.append(("async", slow, dist.simulate("async", updates=2400, lr=0.05, **common).summary()))
    print(f"  {'strategy':8s} {'straggler':9s} {'s/update':>9s} {'updates/s':>9s} {'idle':>6s} "
          f"{'staleness':>9s} {'t(target)':>9s} {'loss noise':>10s} {'final loss':>10s}")
    for name, slow, s in rows:
        ttt = "never" if s["time_to_target"] is None else f"{s['time_to_target']:.1f}"
        print(f"  {name:8s} {'yes' if slow else 'no':9s} {s['time_per_update']:9.3f} "
              f"{s['updates_per_second']:9.3f} {s['idle_fraction']:6.1%} {s['mean_staleness']:9.2f} "
              f"{ttt:>9s} {s['loss_noise']:10.5f} {s['final_loss']:10.5f}")
    by = {(n, bool(sl)): s for n, sl, s in rows}
    print(f"  sync slowdown per update from the straggler: "
          f"{by['sync', True]['time_per_update'] / by['sync', False]['time_per_update']:.2f}x; "
          f"async: {by['async', True]['time_per_update'] / by['async', False]['time_per_update']:.2f}x")
    print(f"  with the straggler, async reaches the target "
          f"{by['sync', True]['time_to_target'] / by['async', True]['time_to_target']:.1f}x sooner "
          f"(simulated time), with {by['async', True]['loss_noise'] / by['sync', True]['loss_noise']:.0f}x "
          f"the loss noise")


def theory_snapshot():
    print("== theory: synchronous step with N exponential(1) workers vs H_N; async throughput vs N")
    for n in (1, 4, 16, 64, 256):
        s = dist.simulate("sync", workers=n, updates=2000, compute=dist.Exponential(1.0)).summary()
        a = dist.simulate("async", workers=n, updates=20 * n + 2000, compute=dist.Exponential(1.0)).summary()
        print(f"  N={n:4d}: sync step {s['time_per_update']:.3f} (H_N {dist.harmonic(n):.3f}), "
              f"idle {s['idle_fraction']:.3f} (1-1/H_N {1 - 1 / dist.harmonic(n):.3f}); "
              f"async {a['updates_per_second']:.2f} updates/s (N {n}), staleness {a['mean_staleness']:.2f} (N-1 {n - 1})")


if __name__ == "__main__":
    curve_fit_speed()
    timing_only_speed()
    straggler_race()
    theory_snapshot()
