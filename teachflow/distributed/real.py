"""Training for real: the simulator's strategies on a Ray cluster, recorded in the same log.

::

    import teachflow.distributed as dist
    real = dist.train("async", workers=4, model="curve_fit", updates=200, lr=0.05,
                      compute=dist.Constant(0.05), slowdown={3: 4.0}, seed=0)
    real.summary()                     # measured updates/s, idle fraction, staleness ...
    sim = dist.calibrate(real).simulate()   # the simulator's prediction of the same run

``train`` takes the arguments of ``simulate`` wherever they mean the same (strategy, workers,
model, compute, slowdown, backups, bound, period, staleness_aware, updates, until, lr,
batch_size, seed, eval_every, target_loss, sampler) and returns the same ``RunResult``: its
events are intervals of wall-clock time since the start (process start-up excluded, reported as
``config["startup_seconds"]``), so every plot, the timeline, the race flowcharts, CSV and Chrome
trace export take a real run as they take a simulated one.

What is real: one parameter-server process per shard (``shards=``) and one worker process per
device, each worker with its own copy of the model (its teachflow graph) computing real gradients
on its own shard of the data; messages are Ray calls. A compute-time model (``compute=``,
``slowdown=``) makes each worker also *sleep* up to the time drawn for that computation (the same
draws as the simulator's), so an uneven cluster of realistic proportions fits on one laptop; with
no compute model the real cost is all there is. The arithmetic is the simulator's (same
minibatches, same order of additions), so the maths is exact where timing does not matter:
``replay(result)`` recomputes the final parameters from the event log alone.

Ray is optional (``pip install teachflow[ray]``) and imported only here, when a run starts.
``ray.init()`` on this machine by default; ``address="auto"`` (or ``"ray://host:10001"``) joins a
running cluster. Ray stays up after a run (starting it takes seconds); ``shutdown()`` stops it.
"""
import functools
import math
import re
import time


from .asynchronous import Asynchronous, BoundedStaleness
from .devices import Cluster, Constant
from .events import Event, HistoryPoint
from .models import GraphModel, ShardSampler
from .runner import Run, RunResult, clip, mean_of
from .simulation import make_model, make_strategy
from .synchronous import BackupWorkers, LocalSGD, Synchronous

INSTALL = "pip install teachflow[ray]"
BACKENDS = ("ray",)
ATTEMPTS = 3          # tries at starting Ray on this machine (see connect)
MODES = {Synchronous: "sync", BackupWorkers: "sync", LocalSGD: "local", Asynchronous: "async", BoundedStaleness: "async"}


def import_ray():
    """The ``ray`` module, or one ImportError that says how to install it."""
    try:
        import ray
    except ImportError as e:
        raise ImportError(f"backend='ray' needs Ray, which is not installed here: run "
                          f"`{INSTALL}` (or `pip install 'ray>=2.9'`)") from e
    return ray


def connect(address=None, **init_options):
    """Start Ray on this machine (``address=None``) or join a cluster (``"auto"``,
    ``"ray://head:10001"``), unless this process is connected already. Returns the module."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR",
               **init_options}
    # address=None means this machine: "local" starts a new Ray here, where a bare ray.init()
    # would join whatever cluster /tmp/ray/ray_current_cluster last named (maybe a dead one)
    options["address"] = "local" if address is None else address
    for attempt in range(ATTEMPTS):
        try:
            ray.init(**options)
            return ray
        except Exception as e:      # Ray raises a bare Exception for this
            # on a busy machine Ray's processes can miss its fixed 30 s start-up limit; the
            # second start is quicker (files cached), so try again before giving up
            if "timed out during startup" not in str(e) or attempt == ATTEMPTS - 1:
                raise
            ray.shutdown()
            _end_failed_start()
    return ray


def _end_failed_start():
    """A Ray start that timed out leaves its processes (children of this one) running, where
    they would slow the next try down: end them, by process id, and only those."""
    try:
        import psutil
    except ImportError:
        return
    mine = [p for p in psutil.Process().children(recursive=True) if _is_ray(p)]
    for p in mine:
        p.terminate()
    _, alive = psutil.wait_procs(mine, timeout=5)
    for p in alive:
        p.kill()


def _is_ray(process):
    try:
        command = " ".join(process.cmdline())
    except Exception:
        return False
    return (command.startswith("ray::") or "site-packages/ray/" in command
            or "/ray/core/src/" in command)


def shutdown():
    """Stop this process's Ray session (and the local Ray processes it started)."""
    try:
        import ray
    except ImportError:
        return
    if ray.is_initialized():
        _discard(ray)
        ray.shutdown()


# ----------------------------------------------------------------------------- the model

class TimingOnly:
    """No model: workers only spend their drawn times (``model=None``, as in ``simulate``)."""

    n_examples = None
    metric_name = "metric"

    def initial_params(self):
        return []

    def gradients(self, params, batch):
        return [], math.nan

    def evaluate(self, params):
        return math.nan, math.nan


def _same(obj):
    return obj


def model_builder(model, seed):
    """A function that builds the model in a worker process: models travel as recipes."""
    if model is None:
        return TimingOnly
    if isinstance(model, str):
        make_model(model, seed)          # an unknown name fails here, with the list of names
        return functools.partial(make_model, model, seed)
    if isinstance(model, GraphModel):
        raise ValueError("model: a GraphModel holds a session and cannot be sent to other "
                         "processes; pass its name (e.g. 'curve_fit') or a function that "
                         "builds it (e.g. lambda: dist.curve_fit(seed=0))")
    if hasattr(model, "gradients") and hasattr(model, "initial_params"):
        return functools.partial(_same, model)       # a NumPy model: each worker gets a copy
    if callable(model):
        return model
    raise ValueError(f"model must be a name such as 'curve_fit', a function building a model, "
                     f"a NumPy model object or None (timing only), got {model!r}")


def shard_layout(params, shards):
    """Which parameter arrays each server shard holds: the largest first, each to the least
    loaded shard (so shards carry about the same bytes). ``layout[k]`` is a sorted index list."""
    if shards > max(1, len(params)):
        raise ValueError(f"shards must be at most the number of parameter arrays "
                         f"({len(params)}), got {shards}")
    load, layout = [0] * shards, [[] for _ in range(shards)]
    for i in sorted(range(len(params)), key=lambda i: -params[i].nbytes):
        k = load.index(min(load))
        layout[k].append(i)
        load[k] += params[i].nbytes
    return [sorted(ix) for ix in layout]


# ----------------------------------------------------------------------------- train

def train(strategy="sync", workers=8, model=None, *, backend="ray", compute=None,
          slowdown=None, cluster=None, shards=1, backups=None, bound=None, period=None,
          staleness_aware=False, address=None, network=None, updates=None, until=None, lr=0.1,
          batch_size=16, seed=0, eval_every=None, target_loss=None, stop_at_target=False,
          sampler=None):
    """Run data-parallel training for real and return a ``RunResult`` (see the module
    docstring). Differences from ``simulate``: ``compute=None`` means no added time (the real
    cost only) instead of ``Exponential(1.0)``; ``network`` is the real one (``calibrate``
    models it); ``shards`` parameter-server processes; ``address`` of a Ray cluster;
    ``until`` is in wall-clock seconds."""
    strat, mode, devices, workers = _checked(strategy, workers, backend, network, stop_at_target,
                                             shards, backups, bound, period, staleness_aware,
                                             cluster, compute, slowdown)
    build = model_builder(model, seed)
    local_model = None if model is None else build()
    # the simulator's own checks of every option (and its defaults), on a stand-in cluster
    nominal = Cluster(workers, [d.compute for d in devices] if devices else Constant(1.0),
                      [d.slowdown for d in devices] if devices else None)
    check = Run(strat, nominal, local_model, updates=updates, until=until, lr=lr,
                batch_size=batch_size, seed=seed, eval_every=eval_every,
                target_loss=target_loss, sampler=sampler)
    strat.check(check)
    n = check.n
    params = [] if local_model is None else local_model.initial_params()
    if local_model is not None and getattr(local_model, "n_examples", None) is not None:
        sampler = sampler or ShardSampler(local_model.n_examples, n, batch_size, seed)
    else:
        sampler = None
    layout = shard_layout(params, shards) if params else [[] for _ in range(shards)]
    plan = {"mode": mode, "workers": n, "lr": check.lr, "updates": check.updates,
            "until": until, "eval_every": check.eval_every,
            "need": n - getattr(strat, "backups", 0) if mode == "sync" else n,
            "staleness_aware": bool(getattr(strat, "staleness_aware", False)),
            "bound": getattr(strat, "bound", None), "period": getattr(strat, "period", 1)}
    logs, reports, startup = _run(address, shards, n, params, layout, plan, build, sampler,
                                  devices, seed)
    events = _events(logs, reports[0])
    history = _history(reports, layout, local_model)
    final = _assemble([r["params"] for r in reports], layout)
    from .calibrate import fit_compute, fit_network
    measured = Cluster(n, [d.compute for d in devices] if devices
                       else fit_compute(events, n, strict=False),
                       [d.slowdown for d in devices] if devices else None,
                       network=fit_network(events, n))
    options = {"updates": check.updates, "until": until, "lr": check.lr,
               "batch_size": batch_size, "seed": seed, "eval_every": check.eval_every,
               "target_loss": target_loss}
    config = {"lr": check.lr, "seed": seed, "param_bytes": sum(p.nbytes for p in params),
              "backend": backend,
              "address": address, "shards": shards, "startup_seconds": startup,
              "compute": None if devices is None else [repr(d) for d in devices],
              "options": options, "sampler": sampler}
    return RealRunResult(strat, measured, events, history, final, local_model, target_loss,
                         config)


def _checked(strategy, workers, backend, network, stop_at_target, shards, backups, bound, period,
             staleness_aware, cluster, compute, slowdown):
    """The options of ``train`` checked: ``(strategy, mode, devices or None, workers)``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if network is not None:
        raise ValueError("network: a real run uses the real network; calibrate(result).network "
                         "is the simulator's model of it")
    if stop_at_target:
        raise ValueError("stop_at_target: a real run evaluates the loss after the run, so it "
                         "cannot stop at the target; give updates= or until=")
    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
        raise ValueError(f"shards must be a positive integer (parameter-server processes), "
                         f"got {shards!r}")
    strat = make_strategy(strategy, backups=backups, bound=bound, period=period,
                          staleness_aware=staleness_aware)
    mode = MODES.get(type(strat))
    if mode is None:
        raise ValueError(f"strategy: {strat} has no real (Ray) implementation; real runs "
                         f"support {sorted(set(c.__name__ for c in MODES))}")
    if cluster is not None:
        if compute is not None or slowdown is not None:
            raise ValueError("cluster: give either cluster= or compute=/slowdown=, not both")
        if not isinstance(cluster, Cluster):
            raise ValueError(f"cluster must be a Cluster, got {cluster!r}")
        devices, workers = list(cluster.devices), cluster.size
    elif compute is not None:
        devices = Cluster(workers, compute, slowdown).devices
    elif slowdown is not None:
        raise ValueError("slowdown: a real gradient cannot be slowed down by a factor; give a "
                         "compute-time model too, e.g. compute=Constant(0.05), slowdown={3: 4.0}")
    else:
        devices = None
    return strat, mode, devices, workers


def _run(address, shards, n, params, layout, plan, build, sampler, devices, seed):
    """Start (or reuse) the processes, run, and return ``(logs, reports, startup_seconds)``."""
    ray = connect(address)
    began = time.time()
    servers, team = _processes(ray, shards, n, address)
    try:
        ray.get([s.setup.remote(k, [params[i] for i in ix], plan)
                 for k, (s, ix) in enumerate(zip(servers, layout))])
        ray.get(servers[0].connect.remote(servers[1:]))
        devs = devices or [None] * n
        ray.get([w.setup.remote(i, build, sampler, devs[i], seed, plan["mode"], plan["period"],
                                plan["lr"], servers, layout) for i, w in enumerate(team)])
        startup = time.time() - began
        t0 = time.time() + 0.05 + 0.01 * n       # every worker starts at once
        ray.get([s.start.remote(t0) for s in servers])
        logs = ray.get([w.run.remote(t0) for w in team])
        reports = ray.get([s.report.remote() for s in servers])
    except BaseException:
        _discard(ray)          # a failed or interrupted run leaves its processes in doubt
        raise
    return logs, reports, startup


class RealRunResult(RunResult):
    """A ``RunResult`` whose times were measured (wall clock), not simulated; its ``cluster``
    holds the compute models it was given (else the fitted ones) and the fitted network."""

    def __repr__(self):
        s = self.summary()
        return (f"<RunResult {self.strategy} on Ray: {s['updates']} updates in "
                f"{s['makespan']:.4g} s measured, idle {s['idle_fraction']:.1%}, "
                f"final loss {s['final_loss']:.4g}>")


_POOL = {"session": None, "servers": [], "workers": []}


def _processes(ray, shards, workers, address):
    """Server and worker processes for a run, reused from earlier runs of this Ray session:
    starting a process (Python, NumPy, teachflow) takes seconds, a run often less."""
    from . import ray_actors
    session = ray.get_runtime_context().get_job_id()
    if _POOL["session"] != session:
        _POOL.update(session=session, servers=[], workers=[])
    spread = {} if address is None else {"scheduling_strategy": "SPREAD"}
    for key, cls, count, extra in (("servers", ray_actors.ParameterShard, shards, {}),
                                   ("workers", ray_actors.Worker, workers, spread)):
        pool = _POOL[key]
        while len(pool) < count:
            pool.append(cls.options(num_cpus=0, **extra).remote())
    return _POOL["servers"][:shards], _POOL["workers"][:workers]


def _discard(ray):
    for a in _POOL["servers"] + _POOL["workers"]:
        ray.kill(a)
    _POOL.update(session=None, servers=[], workers=[])


def _assemble(pieces, layout):
    out = [None] * sum(len(ix) for ix in layout)
    for piece, ix in zip(pieces, layout):
        for i, p in zip(ix, piece):
            out[i] = p
    return out


def contributors_label(workers):
    return "from worker " + ",".join(str(w) for w in workers)


def contributors(event):
    """The workers whose gradients (or parameter copies) an apply event of a real run used."""
    return [int(w) for w in re.findall(r"\d+", event.label)]


def _events(logs, coordinator):
    t_end = coordinator["t_end"]
    events = [Event(w, kind, start, end, version, None, None, bool(dropped))
              for log in logs for (w, kind, start, end, version, dropped) in log]
    for t, vr, vw, staleness, used in coordinator["applies"]:
        events.append(Event("ps", "apply", t, t, vr, vw, staleness, False,
                            contributors_label(used)))
    events = clip(events, t_end)
    events = [e for e in events if e.end > e.start or e.kind == "apply"]
    events.sort(key=lambda e: (e.start, isinstance(e.worker, str)))
    return events


def _history(reports, layout, model):
    """Evaluate the servers' snapshots (taken at the evaluation versions) after the run, so
    evaluating never slows the server down."""
    by_version = [{v: params for (_, v, _, params, _) in r["snapshots"]} for r in reports]
    out = []
    for t, v, gradients, _, batch_loss in reports[0]["snapshots"]:
        pieces = []
        for k, snaps in enumerate(by_version):
            have = [u for u in snaps if u <= v]
            pieces.append(snaps[max(have)])
        params = _assemble(pieces, layout)
        loss, metric = (math.nan, math.nan) if model is None else model.evaluate(params)
        out.append(HistoryPoint(float(t), int(v), int(gradients), float(loss), float(metric),
                                math.nan if batch_loss is None else float(batch_loss)))
    final = reports[0]
    if out[-1].updates != final["version"]:
        params = _assemble([r["params"] for r in reports], layout)
        loss, metric = (math.nan, math.nan) if model is None else model.evaluate(params)
        out.append(HistoryPoint(float(final["t_end"]), final["version"], out[-1].gradients,
                                float(loss), float(metric), math.nan))
    return out


# ----------------------------------------------------------------------------- replay

class _Batches:
    """Random access to one worker's minibatch stream (the k-th batch, computed once)."""

    def __init__(self, stream):
        self.stream, self.seen = stream, []

    def __getitem__(self, k):
        while len(self.seen) <= k:
            self.seen.append(next(self.stream) if self.stream is not None else None)
        return self.seen[k]


def replay(result, model=None):
    """The final parameters recomputed from ``result``'s event log alone: every apply, in
    version order, uses the gradients of the workers it names (``contributors``) at the
    parameter version they read (``version_read``), on their next minibatches: synchronous step
    v uses each worker's v-th batch (H of them for local SGD), an asynchronous worker its
    gradients in order. Equal to ``result.params`` when the real run did exactly this maths."""
    model = result.model if model is None else model
    if model is None:
        raise ValueError("replay: a timing-only run has no parameters to replay")
    strat, cfg = result.strategy, result.config
    mode = MODES.get(type(strat))
    if mode is None:
        raise ValueError(f"replay: no replay for strategy {strat}")
    if mode == "async" and cfg.get("shards", 1) > 1:
        raise ValueError("replay: each shard of an asynchronous sharded server applies in its "
                         "own order; replay needs shards=1")
    lr, n = cfg["lr"], result.cluster.size
    sampler = cfg.get("sampler")
    if sampler is None and getattr(model, "n_examples", None) is not None:
        sampler = ShardSampler(model.n_examples, n, cfg["options"]["batch_size"], cfg["seed"])
    batches = [_Batches(None if sampler is None else sampler.stream(w)) for w in range(n)]
    H = getattr(strat, "period", 1)
    aware = bool(getattr(strat, "staleness_aware", False))
    versions = {0: model.initial_params()}
    taken = [0] * n
    applies = sorted((e for e in result.events if e.kind == "apply" and not e.dropped),
                     key=lambda e: e.version_written)
    for e in applies:
        base, prev, used = versions[e.version_read], versions[e.version_written - 1], contributors(e)
        if mode == "async":
            (w,) = used
            g, _ = model.gradients(base, batches[w][taken[w]])
            taken[w] += 1
            rate = lr / max(1, e.staleness) if aware else lr
            new = [p - rate * gi for p, gi in zip(prev, g)]
        elif mode == "sync":
            grads = [model.gradients(base, batches[w][e.version_read])[0] for w in used]
            new = [p - lr * g for p, g in zip(prev, mean_of(grads))]
        else:
            copies = []
            for w in used:
                p = base
                for k in range(H):
                    g, _ = model.gradients(p, batches[w][e.version_read * H + k])
                    p = [a - lr * b for a, b in zip(p, g)]
                copies.append(p)
            new = mean_of(copies)
        versions[e.version_written] = new
    return versions[max(versions)]
