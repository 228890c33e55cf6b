"""Calibration recovers known models: fitted to a *simulated* run (no Ray needed), it finds the
compute times and message latency the simulation was given, and re-simulates the same figures."""
import math

import numpy as np
import pytest

import teachflow.distributed as dist
from teachflow.distributed.calibrate import fit_one, message_latency


def test_fit_one_is_the_shifted_exponential_mle():
    d = [0.2, 0.25, 0.3, 0.45]
    m = fit_one(d)
    assert isinstance(m, dist.ShiftedExponential)
    assert m.shift == 0.2 and math.isclose(m.mean, np.mean(d))
    assert isinstance(fit_one([0.1, 0.1]), dist.Constant)
    with pytest.raises(ValueError, match="finished no computation"):
        fit_one([])


@pytest.mark.parametrize("strategy", ["sync", "async"])
def test_calibrating_a_simulated_run_recovers_its_models(strategy):
    net = dist.ParameterServerNetwork(latency=0.01, bandwidth=math.inf)
    sim = dist.simulate(strategy, workers=3, compute=dist.Constant(0.5), slowdown={2: 2.0},
                        network=net, updates=40, seed=1)
    cal = dist.calibrate(sim)
    assert [round(m.mean, 9) for m in cal.compute] == [0.5, 0.5, 1.0]
    assert all(isinstance(m, dist.Constant) for m in cal.compute)
    assert cal.network.latency == pytest.approx(0.01, rel=0.05)
    again = cal.simulate(updates=40)
    figures = dist.compare(sim, again)
    assert figures["updates_per_second"][2] == pytest.approx(1.0, rel=0.05)
    assert figures["idle_fraction"][0] == pytest.approx(figures["idle_fraction"][1], abs=0.02)


def test_message_latency_ignores_compute_and_waits():
    E = dist.Event
    log = [E(0, "pull", 0.0, 0.1, 0), E(0, "compute", 0.1, 1.1, 0), E(0, "push", 1.1, 1.2, 0),
           E(0, "wait", 1.2, 2.0, 0), E(0, "pull", 2.0, 2.1, 1), E(0, "compute", 2.1, 3.1, 1),
           E(0, "push", 3.1, 3.2, 1)]
    # 3.2 s active, 2.0 s computing, 0.8 s waiting: 0.4 s of messages in 2 cycles
    assert message_latency(log, 1) == pytest.approx(0.1)


def test_calibrate_needs_a_run():
    with pytest.raises(ValueError, match="RunResult of a real run"):
        dist.calibrate([1, 2, 3])
