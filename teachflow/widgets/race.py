"""The race: the same model trained by several strategies on the same simulated cluster.

``Race(workers=8, spread=4.0).run()`` simulates each strategy (same devices, same compute-time
draws, same data shards, same starting point) and then answers, for any simulated time t,
``frame_at(t)``: what every device is doing, the server's version, the losses so far, and a
one-line verdict (who reached the target loss first, whose loss was steadier, and which
strategy to recommend). ``RaceView`` draws a frame, ``RaceWidget`` puts controls around it.

Fair learning rates: ``lr`` is the step of one synchronous update, which averages N gradients.
Asynchronous strategies (async, SSP) apply every gradient on its own, so each gets ``lr / N``
(``async_lr`` overrides); K-async and K-batch-async average K gradients, so ``K·lr / N``: per
gradient computed, all move the parameters equally far (with SSP bound 0 this is exactly
synchronous SGD). Each strategy declares its rule (``Strategy.race_lr``).

The strategies on offer, their help texts and colours come from the strategy registry
(``teachflow.distributed.registry``).
"""
import math
from dataclasses import dataclass, fields, replace
from numbers import Integral, Real

from .. import distributed as dist
from ..core.formatting import pad
from ..core.i18n import N_, _
from .frames import EventIndex, cursor_time

STRATEGIES = dist.registry.keys()
STRATEGY_HELP = {key: dist.registry.strategy_class(key).help for key in STRATEGIES}
STRATEGY_TITLES = {key: dist.registry.strategy_class(key).title for key in STRATEGIES}
MAX_DURATION = 3600.0  # simulated seconds: a race of an hour of 1-second steps runs in seconds


@dataclass(frozen=True)
class RaceConfig:
    """Everything a race depends on (a frozen value: equal configs give equal races).

    * ``workers``: simulated devices; ``spread``: mean time of the slowest device over the
      fastest (1 = balanced; device i is ``spread**(i/(N-1))`` times slower than device 0);
    * ``stragglers``: probability that one computation is ``straggler_slowdown`` times slower;
    * ``jitter``: spread of compute times (sigma of a LogNormal with mean 1 s);
    * ``latency``: seconds per message (pull or push), free bandwidth;
    * ``lr`` (one synchronous step; see the module docstring), ``async_lr`` (None: lr / N),
      ``batch_size`` (per worker), ``seed`` (compute times and data order);
    * ``model``: a name for ``teachflow.distributed.make_model`` (default: the curve fit of
      lesson 2), started from ``model_seed``;
    * ``strategies``: names from ``STRATEGIES`` (``backups``, ``bound``, ``period``, ``k`` set
      them up; ``k`` None: half the workers, rounded up);
    * ``duration`` (simulated seconds), ``target_loss``; ``tolerance``: the recommendation
      prefers a steadier strategy that reached the target within (1 + tolerance) x the time of
      the fastest.
    """
    workers: int = 8
    spread: float = 1.0
    stragglers: float = 0.0
    lr: float = 0.2
    batch_size: int = 8
    strategies: tuple = ("sync", "async")
    seed: int = 0
    duration: float = 60.0
    target_loss: float = 0.02
    latency: float = 0.2
    jitter: float = 0.1
    straggler_slowdown: float = 5.0
    async_lr: object = None
    backups: int = 1
    bound: int = 2
    period: int = 4
    model: str = "curve_fit"
    model_seed: int = 0
    tolerance: float = 0.25
    k: object = None

    def __post_init__(self):
        def integer(name, lo):
            v = getattr(self, name)
            if not isinstance(v, Integral) or isinstance(v, bool) or v < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")

        def number(name, lo, strict=False, hi=None):
            v = getattr(self, name)
            ok = isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v) and (
                v > lo if strict else v >= lo) and (hi is None or v <= hi)
            if not ok:
                rng = f"> {lo}" if strict else f">= {lo}"
                rng += f" and <= {hi}" if hi is not None else ""
                raise ValueError(f"{name} must be a number {rng}, got {v!r}")

        integer("workers", 1)
        integer("batch_size", 1)
        integer("seed", 0)
        integer("model_seed", 0)
        integer("backups", 0)
        integer("bound", 0)
        integer("period", 1)
        number("spread", 1.0)
        number("stragglers", 0.0, hi=1.0)
        number("straggler_slowdown", 1.0)
        number("lr", 0.0, strict=True)
        number("duration", 0.0, strict=True, hi=MAX_DURATION)
        number("target_loss", 0.0, strict=True)
        number("latency", 0.0)
        number("jitter", 0.0)
        number("tolerance", 0.0)
        if self.async_lr is not None:
            number("async_lr", 0.0, strict=True)
        if self.k is not None:
            integer("k", 1)
        strategies = (self.strategies,) if isinstance(self.strategies, str) else tuple(self.strategies)
        if not strategies:
            raise ValueError(f"strategies: choose at least one of {STRATEGIES}")
        bad = [s for s in strategies if s not in STRATEGIES]
        if bad:
            raise ValueError(f"strategies: unknown {bad}; choose from {STRATEGIES}")
        if len(set(strategies)) != len(strategies):
            raise ValueError(f"strategies: each strategy once, got {strategies}")
        if "backup" in strategies and self.backups >= self.workers:
            raise ValueError(f"backups must be smaller than workers ({self.workers}): every "
                             f"step needs at least one gradient, got backups={self.backups}")
        if self.k is not None and self.k > self.workers and any(
                s in strategies for s in ("k_async", "k_batch_async")):
            raise ValueError(f"k must be at most workers ({self.workers}): an update averages "
                             f"k gradients, got k={self.k}")
        object.__setattr__(self, "strategies", strategies)

    def slowdowns(self):
        """Per-device factors: ``spread**(i/(N-1))`` (device 0 fastest, the last one slowest)."""
        n = self.workers
        return [float(self.spread ** (i / (n - 1))) if n > 1 else 1.0 for i in range(n)]

    def compute(self):
        base = dist.LogNormal(1.0, self.jitter) if self.jitter > 0 else dist.Constant(1.0)
        if self.stragglers > 0:
            return dist.WithStragglers(base, self.stragglers, self.straggler_slowdown)
        return base

    def network(self):
        if self.latency == 0:
            return dist.FreeNetwork()
        return dist.ParameterServerNetwork(latency=self.latency, bandwidth=math.inf)

    def cluster(self):
        return dist.Cluster(self.workers, self.compute(), self.slowdowns(), self.network())

    def strategy(self, name):
        """The Strategy registered as ``name``, set up from this config."""
        k = (self.workers + 1) // 2 if self.k is None else self.k
        backups = self.backups if name == "backup" else None   # plain "sync" has none
        return dist.registry.strategy_class(name).from_options(
            backups=backups, bound=self.bound, period=self.period, k=k)

    def lr_for(self, name):
        """Learning rate of strategy ``name`` (see the module docstring)."""
        return self.strategy(name).race_lr(self.lr, self.workers, self.async_lr)

    def describe(self):
        """One line: the cluster and the training set-up."""
        cl = _("balanced") if self.spread == 1 else _("slowest device {spread}x slower").format(
            spread=f"{self.spread:g}")
        st = _(", {share} stragglers ({slowdown}x)").format(
            share=f"{self.stragglers:.0%}", slowdown=f"{self.straggler_slowdown:g}") if self.stragglers else ""
        return _("{workers} workers ({cluster}{stragglers}), {latency} s per message; lr {lr} (async: "
                 "{async_lr}/gradient), batch {batch}, seed {seed}").format(
            workers=self.workers, cluster=cl, stragglers=st, latency=f"{self.latency:g}", lr=f"{self.lr:g}",
            async_lr=f"{self.lr_for('async'):.3g}", batch=self.batch_size, seed=self.seed)


@dataclass(frozen=True)
class RaceFrame:
    """What the race shows at ``time``: one ``StrategyFrame`` per strategy and the verdict."""
    time: float
    strategies: tuple
    verdict: str
    recommendation: object = None

    def __getitem__(self, name):
        for s in self.strategies:
            if s.name == name:
                return s
        raise KeyError(f"no strategy {name!r} in this race; have {[s.name for s in self.strategies]}")


class Race:
    """A race between strategies; see the module docstring. ``Race(config)`` or
    ``Race(workers=16, spread=4)`` (overrides of ``RaceConfig``); ``model=`` a name (sets
    ``config.model``, see ``teachflow.distributed.make_model``) or a ready model object.
    After ``run()``: ``results`` (label -> RunResult) and ``indexes`` (one EventIndex each)."""

    def __init__(self, config=None, model=None, **changes):
        config = RaceConfig() if config is None else config
        if isinstance(model, str):      # a model name belongs to the config
            model, changes = None, {**changes, "model": model}
        if changes:
            names = {f.name for f in fields(RaceConfig)}
            unknown = sorted(set(changes) - names)
            if unknown:
                raise ValueError(f"unknown race settings {unknown}; RaceConfig has {sorted(names)}")
            config = replace(config, **changes)
        self.config, self.model = config, model
        self.results, self.indexes = {}, []

    def __repr__(self):
        state = "ran" if self.indexes else "not run"
        return f"<Race {', '.join(self.config.strategies)}: {self.config.describe()}; {state}>"

    def run(self, progress=None, stop=None):
        """Simulate every strategy (same cluster, seed and starting point); returns self.

        ``progress``: None (a tqdm bar for long runs), False, or a callable given the fraction of
        the whole race done; ``stop``: a ``threading.Event`` that ends the race when set
        (``teachflow.distributed.SimulationStopped``)."""
        c = self.config
        model = self.model if self.model is not None else dist.make_model(c.model, seed=c.model_seed)
        self.results, self.indexes = {}, []
        k = len(c.strategies)
        for i, name in enumerate(c.strategies):
            part = progress
            if callable(progress):
                def part(f, i=i):
                    progress((i + f) / k)
            r = dist.simulate(c.strategy(name), model=model, cluster=c.cluster(),
                              until=c.duration, lr=c.lr_for(name), batch_size=c.batch_size,
                              seed=c.seed, eval_every=1, target_loss=c.target_loss,
                              progress=part, stop=stop)
            label = str(r.strategy)
            self.results[label] = r
            self.indexes.append(EventIndex(r, label, c.target_loss))
        return self

    @property
    def ran(self):
        return bool(self.indexes)

    @property
    def duration(self):
        return float(self.config.duration)

    def _need_run(self):
        if not self.indexes:
            raise RuntimeError("the race has not run yet: call race.run() first")

    def frame_at(self, t):
        """The ``RaceFrame`` at simulated time t (clamped to [0, duration])."""
        self._need_run()
        t = cursor_time(t)
        t = min(max(t, 0.0), self.duration)
        frames = tuple(ix.frame_at(t) for ix in self.indexes)
        final = t >= self.duration
        line, rec = verdict(frames, self.config.target_loss, t, final, self.config.tolerance,
                            [ix.result.history[0].loss for ix in self.indexes])
        return RaceFrame(t, frames, line, rec)

    def verdict(self, t=None):
        """The one-line verdict at time t (default: the end of the race)."""
        return self.frame_at(self.duration if t is None else t).verdict

    def recommendation(self):
        """The strategy the experiment recommends (its label)."""
        return self.frame_at(self.duration).recommendation

    def summaries(self):
        """``{label: RunResult.summary()}``."""
        self._need_run()
        return {label: r.summary() for label, r in self.results.items()}

    def table(self):
        """The race's figures as aligned text (deterministic, for lessons and reports)."""
        def row(cells):
            return " ".join(pad(c, width, i > 0) for i, (c, (_h, width)) in enumerate(zip(cells, TABLE_COLUMNS)))

        rows = [row([_(head) for head, _w in TABLE_COLUMNS])]
        for label, s in self.summaries().items():
            ttt = _("never") if s["time_to_target"] is None else _fmt_t(s["time_to_target"])
            stale = "-" if math.isnan(s["mean_staleness"]) else f"{s['mean_staleness']:.1f}"
            gps = s["gradients"] / s["makespan"] if s["makespan"] else math.nan
            rows.append(row([label, f"{s['updates']:d}", f"{gps:.2f}", f"{s['idle_fraction']:.0%}", stale, ttt,
                             f"{s['loss_noise']:.3f}", f"{s['final_loss']:.4g}"]))
        return "\n".join(rows)

    def view(self, **options):
        """A ``RaceView`` (matplotlib) of this race; runs it first if needed."""
        from .race_view import RaceView
        if not self.indexes:
            self.run()
        return RaceView(self, **options)

    def estimated_events(self):
        """About how many events the race logs (all strategies): what decides whether a
        widget runs it in the background with a progress bar and a Stop button."""
        c = self.config
        return sum(dist.estimate_events(c.strategy(n), c.cluster(), None, c.duration)
                   for n in c.strategies)

    def flowchart(self, **options):
        """The animated flowcharts (``Flowchart``) of this race's runs."""
        from .flowchart import Flowchart
        if not self.indexes:
            self.run()
        return Flowchart(list(self.results.values()), **options)


# the columns of Race.table(): heading and width (the first left-aligned, the others right)
TABLE_COLUMNS = ((N_("strategy"), 18), (N_("updates"), 7), (N_("grads/s"), 7), (N_("idle"), 5),
                 (N_("stale"), 5), (N_("t(target)"), 9), (N_("noise"), 6), (N_("final loss"), 10))


# ----------------------------------------------------------------------------- the verdict

def _fmt_t(t):
    return _("{seconds} s").format(seconds=f"{t:.1f}")


def diverged(frame, initial_loss):
    """True if the loss blew up (non-finite, or 10x above where it started)."""
    last = frame.last_loss
    return not math.isfinite(last) or (math.isfinite(initial_loss) and last > 10 * initial_loss)


def verdict(frames, target, t, final, tolerance=0.25, initial_losses=None):
    """``(line, recommendation)`` from the strategy frames at time t.

    Who reached ``target`` first (and when the others did), whose loss was steadier (lower
    ``noise``: mean uphill step of the log-loss per evaluation), which runs diverged; when
    ``final``, the recommendation: the steadiest strategy that reached the target within
    ``(1 + tolerance)`` x the fastest time, else the fastest; if nobody reached it, the lowest
    loss. Before the end the line starts with the time and makes no recommendation."""
    initial_losses = initial_losses or [math.nan] * len(frames)
    blown = [f.name for f, l0 in zip(frames, initial_losses) if diverged(f, l0)]
    alive = [f for f in frames if f.name not in blown]
    parts = []
    reached = sorted((f for f in alive if f.reached is not None), key=lambda f: f.reached)
    rec = None
    if reached:
        first = reached[0]
        others = [f for f in frames if f is not first]
        comma = _(", ")
        vs = comma.join(_("{time} for {name}").format(time=_fmt_t(f.reached), name=f.name)
                        if f.reached is not None and f in reached
                        else (_("never for {name}") if final else _("not yet for {name}")).format(name=f.name)
                        for f in others)
        head = _("{name} reached loss {target} first ({time}").format(
            name=first.name, target=f"{target:g}", time=_fmt_t(first.reached))
        parts.append(head + (_(" vs {others})").format(others=vs) if vs else ")"))
    elif alive:
        best = min(alive, key=lambda f: f.last_loss if math.isfinite(f.last_loss) else math.inf)
        text = (_("nobody reached loss {target} in {t} s; lowest loss: {name} ({loss})") if final else
                _("nobody reached loss {target} yet; lowest loss: {name} ({loss})"))
        parts.append(text.format(target=f"{target:g}", t=f"{t:g}", name=best.name, loss=f"{best.last_loss:.3g}"))
    steady = sorted((f for f in alive if math.isfinite(f.noise)), key=lambda f: f.noise)
    if len(steady) >= 2:
        s0 = steady[0]
        rest = _(" vs {others}").format(others=_(", ").join(
            _("{noise} for {name}").format(noise=f"{f.noise:.3f}", name=f.name) for f in steady[1:]))
        parts.append(_("{name}'s loss was steadier (noise {noise}{rest})").format(
            name=s0.name, noise=f"{s0.noise:.3f}", rest=rest))
    if blown:
        parts.append(_("{names} diverged (lr too large for its gradients)").format(names=_(" and ").join(blown)))
    if final:
        if reached:
            fastest = reached[0]
            close = [f for f in reached if f.reached <= (1 + tolerance) * fastest.reached]
            pick = min(close, key=lambda f: (f.noise if math.isfinite(f.noise) else math.inf))
            why = _("fastest to the target") if pick is fastest else \
                _("within {share} of the fastest and steadier").format(share=f"{tolerance:.0%}")
            if pick is fastest and len(close) > 1:
                why = _("fastest and steadiest")
            rec = pick.name
        elif alive:
            rec, why = best.name, _("lowest loss at the end")
        if rec is not None:
            parts.append(_("recommendation: {name} ({why})").format(name=rec, why=why))
        line = _("{parts}.").format(parts=_("; ").join(parts))
    else:
        line = _("t = {time}: {parts}.").format(time=_fmt_t(t), parts=_("; ").join(parts))
    return line, rec
