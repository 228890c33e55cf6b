"""``train`` without Ray, and its argument checks (all before any Ray process starts)."""
import subprocess
import sys

import pytest

import teachflow.distributed as dist


def test_without_ray_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)       # `import ray` now fails
    with pytest.raises(ImportError, match=r"pip install teachflow\[ray\]"):
        dist.train("sync", workers=2, model="linear", updates=2)


def test_teachflow_never_imports_ray():
    code = ("import sys, teachflow, teachflow.distributed, teachflow.viz, teachflow.widgets; "
            "import teachflow.distributed.real, teachflow.distributed.calibrate; "
            "sys.exit('ray' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(backend="mpi"), "backend must be one of"),
    (dict(network=dist.FreeNetwork()), "network: a real run uses the real network"),
    (dict(slowdown={1: 4.0}), "slowdown: a real gradient cannot be slowed"),
    (dict(stop_at_target=True, target_loss=0.1), "stop_at_target"),
    (dict(shards=0), "shards must be a positive integer"),
    (dict(shards=9), "shards must be at most the number of parameter arrays"),
    (dict(backups=2), "backups must be in"),
    (dict(updates=None), "updates: say when to stop"),
    (dict(lr=-1.0), "lr must be a positive"),
    (dict(compute=dist.Constant(0.1), cluster=dist.Cluster(2)), "either cluster= or"),
])
def test_bad_arguments_are_named(kwargs, message):
    opts = dict(workers=2, model="linear", updates=3, **kwargs) if "updates" not in kwargs \
        else dict(workers=2, model="linear", **kwargs)
    with pytest.raises(ValueError, match=message):
        dist.train("sync", **opts)


def test_a_graph_model_object_must_travel_as_a_recipe():
    with pytest.raises(ValueError, match="pass its name"):
        dist.train("sync", workers=2, model=dist.curve_fit(), updates=2)


def test_strategies_without_a_real_implementation_are_refused():
    class Mine(dist.Synchronous):
        name = "mine"
    with pytest.raises(ValueError, match="has no real"):
        dist.train(Mine(), workers=2, model="linear", updates=2)


def test_shard_layout_balances_bytes():
    import numpy as np
    from teachflow.distributed.real import shard_layout
    params = [np.zeros(10), np.zeros(1), np.zeros(5), np.zeros(4)]
    layout = shard_layout(params, 2)
    assert sorted(i for ix in layout for i in ix) == [0, 1, 2, 3]
    loads = [sum(params[i].size for i in ix) for ix in layout]
    assert max(loads) - min(loads) <= 2
