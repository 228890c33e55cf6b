"""Simulated multi-device training: real gradients, virtual clock.

Data parallelism (each worker computes gradients of the same model on its own data shard)::

    import teachflow.distributed as dist
    sync = dist.simulate("sync", workers=8, model="curve_fit", updates=300, lr=0.2,
                         compute=dist.Exponential(1.0), slowdown={7: 4.0}, seed=0)
    fast = dist.simulate("async", workers=8, model="curve_fit", updates=3000, lr=0.05, seed=0)
    sync.summary(), fast.summary()          # updates/s, idle fraction, staleness, ...
    fast.to_chrome_trace("async.json")      # open in https://ui.perfetto.dev

Strategies: ``Synchronous(backups=b)``, ``Asynchronous(staleness_aware=...)``,
``BoundedStaleness(bound=s)``, ``LocalSGD(period=H)``, ``KAsync(k)``, ``KBatchAsync(k)``; each
declares its key, colour, help text and theory once (``registry``). Devices: ``Constant``,
``Exponential``, ``ShiftedExponential``, ``LogNormal``, ``WithStragglers``, per-device
``slowdown``. Networks: ``FreeNetwork``, ``ParameterServerNetwork(latency, bandwidth, shards)``,
``RingAllReduce``, ``ColocatedShards``.
Real runs on Ray (``pip install teachflow[ray]``): ``train(strategy, workers=..., model=...)``
takes ``simulate``'s arguments and returns the same ``RunResult`` with wall-clock times;
``calibrate(real).simulate()`` is the simulator fitted to it; ``replay(real)`` recomputes its
parameters from its event log.
Model parallelism (one graph split over devices with ``tf.device``, run as a GPipe pipeline):
``Pipeline``.
"""
from . import registry
from .asynchronous import Asynchronous, BoundedStaleness, KAsync, KBatchAsync
from .calibrate import Calibration, calibrate, compare
from .clock import EventQueue
from .devices import (ComputeTime, Constant, Exponential, ShiftedExponential, LogNormal,
                      WithStragglers, Device, Cluster, harmonic)
from .events import (Event, HistoryPoint, KINDS, summarize, time_to_target, loss_noise,
                     events_to_csv, read_events_csv, history_to_csv, read_history_csv,
                     chrome_trace, write_chrome_trace, read_chrome_trace, write_atomic,
                     LogFileError)
from .models import (GraphModel, ShardSampler, FunctionSampler, Quadratic, LinearRegression,
                     NumpyCurveFit, curve_fit, digits, curve_fit_data, digits_data)
from .network import (Network, FreeNetwork, ParameterServerNetwork, Collective, RingAllReduce,
                      ColocatedShards)
from .registry import Theory
from .pipeline import Pipeline, Stage
from .runner import (MAX_EVENTS, ParameterServer, estimate_events, RunResult, SimulationStopped, SimulationTooLarge,
                     Strategy)
from .simulation import simulate, make_strategy, make_model
from .real import train, replay, shutdown
from .synchronous import Synchronous, BackupWorkers, LocalSGD

__all__ = [
    "simulate", "make_strategy", "make_model",
    "Synchronous", "BackupWorkers", "Asynchronous", "BoundedStaleness", "LocalSGD", "KAsync",
    "KBatchAsync", "Strategy", "registry", "Theory",
    "ComputeTime", "Constant", "Exponential", "ShiftedExponential", "LogNormal",
    "WithStragglers", "Device", "Cluster", "harmonic",
    "Network", "FreeNetwork", "ParameterServerNetwork", "Collective", "RingAllReduce",
    "ColocatedShards",
    "ParameterServer", "RunResult", "EventQueue", "SimulationTooLarge", "SimulationStopped",
    "MAX_EVENTS", "estimate_events",
    "Event", "HistoryPoint", "KINDS", "summarize", "time_to_target", "loss_noise",
    "events_to_csv", "read_events_csv", "history_to_csv", "read_history_csv",
    "chrome_trace", "write_chrome_trace", "read_chrome_trace", "write_atomic", "LogFileError",
    "GraphModel", "ShardSampler", "FunctionSampler", "Quadratic", "LinearRegression",
    "NumpyCurveFit", "curve_fit", "digits", "curve_fit_data", "digits_data",
    "Pipeline", "Stage",
    "train", "replay", "shutdown", "calibrate", "Calibration", "compare",
]
