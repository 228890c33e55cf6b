"""Model parallelism: a graph split with tf.device, run as a GPipe pipeline."""
import json

import numpy as np
import pytest

import teachflow as tf
import teachflow.distributed as dist

WIDTH, S = 16, 3


def chain(stages=S, width=WIDTH, dtype=tf.float32):
    """x -> [MatMul -> Tanh] on /gpu:0 ... /gpu:S-1 -> mean square loss on the last device."""
    g = tf.Graph()
    with g.as_default():
        h = x = tf.placeholder(dtype, [None, width], name="x")
        params = []
        for s in range(stages):
            with tf.device(f"/gpu:{s}"), tf.name_scope(f"stage{s}"):
                W = tf.Variable(np.eye(width, dtype=dtype.np), name="W")
                h = tf.tanh(tf.matmul(h, W))
                params.append(W)
        with tf.device(f"/gpu:{stages - 1}"):
            loss = tf.reduce_mean(tf.square(h))
        grads = tf.gradients(loss, params)
    return x, loss, grads


def only_matmuls(op, mb):
    return 1.0 if op.type == "MatMul" else 0.0


@pytest.mark.parametrize("M", [1, 4, 8])
def test_forward_pipeline_from_a_graph(M):
    _, loss, _ = chain()
    r = dist.Pipeline.from_graph(loss, batch_size=8 * M, microbatches=M, cost=only_matmuls,
                                 latency=0.0, bandwidth=float("inf")).run()
    assert r.devices == [f"/gpu:{s}" for s in range(S)]
    assert r.makespan == M + S - 1                       # the GPipe fill and drain
    assert r.bubble_fraction == pytest.approx((S - 1) / (M + S - 1))


def test_forward_and_backward_with_transfers():
    M, batch, lat, bw = 4, 32, 1e-3, 1e6
    _, _, grads = chain()
    r = dist.Pipeline.from_graph(grads, batch_size=batch, microbatches=M, cost=only_matmuls,
                                 latency=lat, bandwidth=bw).run()
    # every device runs its forward MatMul and its gradient MatMuls for every microbatch
    per_dev = [sum(1 for e in r.events if e.worker == d and e.kind == "compute" and e.duration > 0)
               for d in range(S)]
    assert per_dev == [M * 2, M * 3, M * 3]     # the first stage needs no gradient for x
    # backward ops are placed with their forward op (unplaced gradient ops are colocated)
    assert all(e.worker in range(S) for e in r.events if e.kind == "compute")
    # each crossing edge moves a (batch/M, WIDTH) float32 activation (forward) or gradient
    sends = [e for e in r.events if e.kind == "push"]
    assert len(sends) == 2 * (S - 1) * M
    one = lat + (batch // M) * WIDTH * 4 / bw
    assert all(e.duration == pytest.approx(one) for e in sends)
    # GPipe flush: no backward before the last forward
    last_f = max(e.end for e in r.events if e.label.startswith("F"))
    first_b = min(e.start for e in r.events if e.label.startswith("B") and e.duration > 0)
    assert first_b >= last_f
    # devices do one thing at a time
    for d in range(S):
        iv = sorted((e.start, e.end) for e in r.events if e.worker == d)
        assert all(a[1] <= b[0] + 1e-12 for a, b in zip(iv, iv[1:]))


def test_more_microbatches_shrink_the_bubble():
    _, _, grads = chain()
    bubbles = [dist.Pipeline.from_graph(grads, batch_size=64, microbatches=M, speed=1e6,
                                        overhead=0.0, latency=0.0).run().bubble_fraction
               for M in (1, 2, 8, 32)]
    assert bubbles == sorted(bubbles, reverse=True)
    assert bubbles[0] > 0.5 and bubbles[-1] < 0.25


def test_default_cost_counts_flops():
    _, loss, _ = chain()
    r = dist.Pipeline.from_graph(loss, batch_size=10, microbatches=1, speed=1e6, overhead=0.0,
                                 latency=0.0).run()
    mm = [e for e in r.events if e.label.endswith("MatMul")]
    assert mm and all(e.duration == pytest.approx(2 * 10 * WIDTH * WIDTH / 1e6) for e in mm)


def test_pipeline_trace_export(tmp_path):
    _, _, grads = chain()
    r = dist.Pipeline.from_graph(grads, batch_size=16, microbatches=4).run()
    r.to_chrome_trace(tmp_path / "p.json")
    data = json.loads((tmp_path / "p.json").read_text())
    names = {t["args"]["name"] for t in data["traceEvents"] if t.get("name") == "thread_name"}
    assert {"/gpu:0", "/gpu:1", "/gpu:2", "/gpu:0->/gpu:1"} <= names
    assert dist.read_events_csv(r.to_csv(tmp_path / "p.csv")) == r.events


def test_microbatches_must_divide_the_batch():
    _, loss, _ = chain()
    with pytest.raises(ValueError, match="microbatches"):
        dist.Pipeline.from_graph(loss, batch_size=10, microbatches=4)
