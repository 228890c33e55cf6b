"""Communication costs: the parameter server's queue, sharding, ring all-reduce."""
import pytest

import teachflow.distributed as dist

N, P, B, L = 8, 1e6, 1e7, 0.003    # workers, message bytes, bytes/s, latency: P/B = 0.1 s


def step_time(network, workers=N):
    r = dist.simulate("sync", workers=workers, compute=dist.Constant(1.0), network=network,
                      updates=5, param_bytes=P)
    return r.summary()["time_per_update"]


def test_ring_allreduce_cost_formula():
    ring = dist.RingAllReduce(latency=L, bandwidth=B)
    assert ring.allreduce_time(N, P) == pytest.approx(2 * (N - 1) * L + 2 * (N - 1) / N * P / B)
    assert ring.allreduce_time(1, P) == 0
    assert step_time(ring) == pytest.approx(1.0 + ring.allreduce_time(N, P), abs=1e-12)


def test_single_parameter_server_serialises_messages():
    # pulls leave one after another (P/B each), so computations are staggered and the pushes
    # queue behind each other: step = 1 + 2L + (N + 1)·P/B
    ps = dist.ParameterServerNetwork(latency=L, bandwidth=B)
    assert step_time(ps) == pytest.approx(1.0 + 2 * L + (N + 1) * P / B, abs=1e-12)


def test_sharded_parameter_server_removes_the_bottleneck():
    # N shards: every message is limited only by the worker's own link: 1 + 2L + 2·P/B
    ps = dist.ParameterServerNetwork(latency=L, bandwidth=B, shards=N)
    assert step_time(ps) == pytest.approx(1.0 + 2 * L + 2 * P / B, abs=1e-12)
    assert step_time(ps) < step_time(dist.ParameterServerNetwork(L, B, shards=2)) < \
        step_time(dist.ParameterServerNetwork(L, B))


def test_async_throughput_is_capped_by_the_server_link():
    # 16 workers want 16 / 1.2 = 13.3 updates/s, but one server moves only B/P = 10 messages/s
    # each way: throughput -> 10/s (tolerance 2 %). Four shards lift the cap.
    kw = dict(workers=16, compute=dist.Constant(1.0), updates=3000, param_bytes=P)
    single = dist.simulate("async", network=dist.ParameterServerNetwork(0.0, B), **kw).summary()
    sharded = dist.simulate("async", network=dist.ParameterServerNetwork(0.0, B, shards=4), **kw).summary()
    assert single["updates_per_second"] == pytest.approx(B / P, rel=0.02)
    assert single["idle_fraction"] > 0.3
    assert 1.25 * single["updates_per_second"] < sharded["updates_per_second"] <= 16 / 1.2 + 1e-9


def test_link_queue():
    link = dist.network.Link(latency=0.5, bandwidth=10.0, shards=1)
    assert link.send(0.0, 10) == 1.5          # 1 s on the wire + latency
    assert link.send(0.0, 10) == 2.5          # queued behind the first
    assert link.send(5.0, 10) == 6.5          # idle again
    free = dist.network.Link(0.0, float("inf"))
    assert free.send(3.0, 1e9) == 3.0


def test_backups_on_a_congested_server_never_overlap_steps():
    # pulls of P/B = 0.1 s queue at a single server: the last workers' pulls can still be running
    # when the first gradients close the step; their work is cut and marked dropped
    r = dist.simulate("sync", workers=16, backups=8, compute=dist.Exponential(0.2),
                      network=dist.ParameterServerNetwork(0.0, B), param_bytes=P, updates=50)
    for w in range(16):
        iv = sorted((e.start, e.end) for e in r.events if e.worker == w)
        assert all(a[1] <= b[0] + 1e-12 for a, b in zip(iv, iv[1:]))
    assert any(e.dropped and e.kind == "pull" for e in r.events)


def test_identical_backup_workers_are_used_equally_often():
    # 4 identical Exponential(1) devices, 1 backup, a single server whose pulls take P/B = 0.5 s
    # each: served in worker-index order, worker 0's gradient was used in 1780 of 2000 steps and
    # worker 3's in 1000 (seed 0). Pulls are now served (and ties broken) in a fresh seeded
    # random order per step, so each worker is used with probability 3/4 independently per step:
    # 1500 ± 19.4 (binomial standard deviation sqrt(2000·3/4·1/4)); tolerance 4 sd = 77.
    steps = 2000
    r = dist.simulate("sync", workers=4, backups=1, compute=dist.Exponential(1.0),
                      network=dist.ParameterServerNetwork(0.0, B), param_bytes=5 * P,
                      updates=steps, seed=0)
    used = [sum(1 for e in r.events if e.kind == "push" and e.worker == w and not e.dropped)
            for w in range(4)]
    print(f"gradients used per worker in {steps} steps: {used} (expected 1500 ± 77)")
    assert sum(used) == 3 * steps
    assert all(abs(u - 0.75 * steps) <= 77 for u in used), used


def test_equal_arrivals_are_broken_fairly():
    # constant times, a fixed message time: all four gradients arrive together; which one is
    # late is decided by the step's random order, not by the worker index (worker 3 used to be
    # dropped every step). Each is used 300 ± 8.7 times in 400 steps; tolerance 4 sd = 35.
    r = dist.simulate("sync", workers=4, backups=1, compute=dist.Constant(1.0), updates=400,
                      seed=1, network=dist.ParameterServerNetwork(0.1, float("inf")))
    used = [sum(1 for e in r.events if e.kind == "push" and e.worker == w and not e.dropped)
            for w in range(4)]
    assert sum(used) == 1200
    assert all(abs(u - 300) <= 35 for u in used), used


def test_colocated_shards_match_d2l():
    # d2l 12.7: 4 GPUs, 160 MB of gradients, 16 GB/s links. Each GPU aggregates one 40 MB shard:
    # it sends 3 pieces of 40 MB (7.5 ms) while receiving 3, then sends its updated shard back
    # the same way (7.5 ms): 15 ms per synchronisation, against 60 ms through one GPU.
    nbytes, bw = 160e6, 16e9
    net = dist.ColocatedShards(latency=0.0, bandwidth=bw)
    assert net.allreduce_time(4, nbytes) == pytest.approx(0.015, abs=1e-12)
    r = dist.simulate("sync", workers=4, compute=dist.Constant(1.0), network=net, updates=5,
                      param_bytes=nbytes)
    assert r.summary()["time_per_update"] == pytest.approx(1.015, abs=1e-12)
    # a single server over one such link: 4 pulls and 4 pushes of 10 ms queue: 1 + 5·10 ms
    one = dist.simulate("sync", workers=4, compute=dist.Constant(1.0), updates=5, param_bytes=nbytes,
                        network=dist.ParameterServerNetwork(0.0, bw)).summary()["time_per_update"]
    assert one == pytest.approx(1.0 + 5 * nbytes / bw, abs=1e-12)
    # with latency: one hop each way, not 2(N−1) as around a ring
    lat = dist.ColocatedShards(latency=1e-3, bandwidth=bw)
    assert lat.allreduce_time(4, nbytes) == pytest.approx(0.017)
    assert lat.allreduce_time(1, nbytes) == 0
    assert dist.RingAllReduce(1e-3, bw).allreduce_time(4, nbytes) == pytest.approx(0.021)
    # a collective: everyone takes part in every round
    with pytest.raises(ValueError, match="backups"):
        dist.simulate("sync", workers=4, backups=1, network=net, updates=2)
    with pytest.raises(ValueError, match="colocated"):
        dist.simulate("async", workers=4, network=net, updates=2)
    applies = {e.worker for e in r.events if e.kind == "apply"}
    assert applies == {"all"}        # every worker applies its own shard's update
