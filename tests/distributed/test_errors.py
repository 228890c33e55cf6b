"""Bad configurations are ValueErrors that name the parameter and say what was expected."""
import pytest

import teachflow.distributed as dist


@pytest.mark.parametrize("make,words", [
    (lambda: dist.Cluster(0), ["workers", "positive integer", "0"]),
    (lambda: dist.Cluster(-3), ["workers", "positive integer"]),
    (lambda: dist.Cluster(2.5), ["workers", "positive integer"]),
    (lambda: dist.simulate("sync", workers=0, updates=5), ["workers", "positive integer"]),
    (lambda: dist.Exponential(-1.0), ["mean", "positive"]),
    (lambda: dist.Exponential(0), ["mean", "positive"]),
    (lambda: dist.Constant(-2), ["seconds", "positive"]),
    (lambda: dist.ShiftedExponential(-1, 1), ["shift", "non-negative"]),
    (lambda: dist.LogNormal(1.0, -0.5), ["sigma", "non-negative"]),
    (lambda: dist.WithStragglers(dist.Constant(1), probability=1.5), ["probability", "[0, 1]"]),
    (lambda: dist.WithStragglers(dist.Constant(1), slowdown=0.5), ["slowdown", ">= 1"]),
    (lambda: dist.Cluster(4, slowdown={1: -2.0}), ["slowdown", "positive"]),
    (lambda: dist.Cluster(4, slowdown={7: 2.0}), ["slowdown", "worker index"]),
    (lambda: dist.Cluster(4, slowdown=[1, 2]), ["slowdown", "one factor per worker"]),
    (lambda: dist.ParameterServerNetwork(latency=-1), ["latency", "non-negative"]),
    (lambda: dist.ParameterServerNetwork(bandwidth=0), ["bandwidth", "positive"]),
    (lambda: dist.ParameterServerNetwork(shards=0), ["shards", "positive integer"]),
    (lambda: dist.RingAllReduce(latency=-0.1), ["latency", "non-negative"]),
    (lambda: dist.BoundedStaleness(-1), ["bound", ">= 0"]),
    (lambda: dist.simulate("ssp", bound=-2, updates=5), ["bound", ">= 0"]),
    (lambda: dist.simulate("ssp", updates=5), ["bound", "needs"]),
    (lambda: dist.LocalSGD(0), ["period", "positive integer"]),
    (lambda: dist.Synchronous(backups=-1), ["backups", "non-negative"]),
    (lambda: dist.simulate("sync", workers=4, backups=4, updates=5), ["backups", "[0, 3]"]),
    (lambda: dist.simulate("backup", workers=4, backups=6, updates=5), ["backups", "workers - 1"]),
    (lambda: dist.simulate("sync", workers=4, backups=1, updates=5, network=dist.RingAllReduce()),
     ["backups", "ring"]),
    (lambda: dist.simulate("async", workers=4, updates=5, network=dist.RingAllReduce()),
     ["network", "ring"]),
    (lambda: dist.simulate("sync", workers=2, updates=0), ["updates", ">= 1"]),
    (lambda: dist.simulate("sync", workers=2), ["updates", "until"]),
    (lambda: dist.simulate("sync", workers=2, until=-1.0), ["until", "positive"]),
    (lambda: dist.simulate("sync", workers=2, updates=5, lr=-0.1), ["lr", "positive"]),
    (lambda: dist.simulate("sync", workers=2, updates=5, eval_every=0), ["eval_every", ">= 1"]),
    (lambda: dist.simulate("nope", updates=5), ["strategy", "one of"]),
    (lambda: dist.simulate("sync", model="nope", updates=5), ["model", "one of"]),
    (lambda: dist.simulate("sync", workers=8, model="linear", batch_size=100, updates=5),
     ["batch_size", "shard"]),
    (lambda: dist.simulate("sync", workers=8, model="linear", batch_size=0, updates=5),
     ["batch_size", "positive"]),
    (lambda: dist.simulate("sync", workers=300, model="linear", updates=5), ["workers", "examples"]),
    (lambda: dist.Pipeline.from_stages([dist.Stage("a", -1.0)]), ["forward", "non-negative"]),
    (lambda: dist.Pipeline.from_stages([dist.Stage("a", 1.0)], microbatches=0),
     ["microbatches", "positive integer"]),
    (lambda: dist.Pipeline.from_stages([]), ["stages"]),
])
def test_bad_configuration_is_a_clear_value_error(make, words):
    with pytest.raises(ValueError) as info:
        make()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"


def test_event_queue_refuses_the_past():
    q = dist.EventQueue()
    q.push(1.0, "a")
    q.pop()
    with pytest.raises(ValueError, match="past"):
        q.push(0.5, "b")
