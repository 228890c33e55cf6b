"""Simulated multi-device training: real gradients, virtual clock.

Data parallelism (each worker computes gradients of the same model on its own data shard)::

    import teachflow.distributed as dist
    sync = dist.simulate("sync", workers=8, model="curve_fit", updates=300, lr=0.2,
                         compute=dist.Exponential(1.0), slowdown={7: 4.0}, seed=0)
    fast = dist.simulate("async", workers=8, model="curve_fit", updates=3000, lr=0.05, seed=0)
    sync.summary(), fast.summary()          # updates/s, idle fraction, staleness, ...
    fast.to_chrome_trace("async.json")      # open in https://ui.perfetto.dev

Strategies: ``Synchronous(backups=b)``, ``Asynchronous(staleness_aware=...)``,
``BoundedStaleness(bound=s)``, ``LocalSGD(period=H)``. Devices: ``Constant``, ``Exponential``,
``ShiftedExponential``, ``LogNormal``, ``WithStragglers``, per-device ``slowdown``. Networks:
``FreeNetwork``, ``ParameterServerNetwork(latency, bandwidth, shards)``, ``RingAllReduce``.
Model parallelism (one graph split over devices with ``tf.device``, run as a GPipe pipeline):
``Pipeline``.
"""
from .asynchronous import Asynchronous, BoundedStaleness
from .clock import EventQueue
from .devices import (ComputeTime, Constant, Exponential, ShiftedExponential, LogNormal,
                      WithStragglers, Device, Cluster, harmonic)
from .events import (Event, HistoryPoint, KINDS, summarize, time_to_target, loss_noise,
                     events_to_csv, read_events_csv, history_to_csv, read_history_csv,
                     chrome_trace, write_chrome_trace, read_chrome_trace, write_atomic,
                     LogFileError)
from .models import (GraphModel, ShardSampler, FunctionSampler, Quadratic, LinearRegression,
                     NumpyCurveFit, curve_fit, digits, curve_fit_data, digits_data)
from .network import Network, FreeNetwork, ParameterServerNetwork, RingAllReduce
from .pipeline import Pipeline, Stage
from .runner import (MAX_EVENTS, ParameterServer, estimate_events, RunResult, SimulationStopped, SimulationTooLarge,
                     Strategy)
from .simulation import simulate, make_strategy, make_model
from .synchronous import Synchronous, LocalSGD

__all__ = [
    "simulate", "make_strategy", "make_model",
    "Synchronous", "Asynchronous", "BoundedStaleness", "LocalSGD", "Strategy",
    "ComputeTime", "Constant", "Exponential", "ShiftedExponential", "LogNormal",
    "WithStragglers", "Device", "Cluster", "harmonic",
    "Network", "FreeNetwork", "ParameterServerNetwork", "RingAllReduce",
    "ParameterServer", "RunResult", "EventQueue", "SimulationTooLarge", "SimulationStopped", "MAX_EVENTS", "estimate_events",
    "Event", "HistoryPoint", "KINDS", "summarize", "time_to_target", "loss_noise",
    "events_to_csv", "read_events_csv", "history_to_csv", "read_history_csv",
    "chrome_trace", "write_chrome_trace", "read_chrome_trace", "write_atomic", "LogFileError",
    "GraphModel", "ShardSampler", "FunctionSampler", "Quadratic", "LinearRegression",
    "NumpyCurveFit", "curve_fit", "digits", "curve_fit_data", "digits_data",
    "Pipeline", "Stage",
]
