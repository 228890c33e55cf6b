"""One race proves little: the same race over several seeds, as a small table with mean and spread.

``over_seeds(seeds=(0, 1, 2), workers=8, spread=4.0, target_loss=0.0025, duration=1200)`` runs
each strategy of a ``Race`` once per seed (the seed draws the compute times and the data order;
the model starts from the same parameters) and records the simulated time at which each reached
the target loss. Each run stops at the target (``stop_at_target``), so a table costs little more
than its slowest run; up to that moment a run is exactly the race's run, so the times are the ones
``Race(...).run()`` reports. Lessons render the table (``markdown()``) and state their verdicts from
``winner()``, ``mean()`` and ``spread()``, never from typed numbers.
"""
import math
from dataclasses import dataclass, replace

from .. import distributed as dist
from ..core.i18n import _
from .race import Race


@dataclass(frozen=True)
class SeedRun:
    """One strategy on one seed: when it reached the target (None: never), and its final loss."""
    strategy: str
    seed: int
    reached: object
    final_loss: float


class SeedTable:
    """Times to the target of each strategy on each seed; see the module docstring."""

    def __init__(self, config, runs):
        self.config, self.runs = config, tuple(runs)
        self.strategies = tuple(dict.fromkeys(r.strategy for r in self.runs))
        self.seeds = tuple(dict.fromkeys(r.seed for r in self.runs))

    def times(self, strategy):
        """Times to the target of ``strategy``, one per seed (None: not reached)."""
        self._known(strategy)
        return [r.reached for r in self.runs if r.strategy == strategy]

    def _known(self, strategy):
        if strategy not in self.strategies:
            raise KeyError(f"no strategy {strategy!r} in this table; have {list(self.strategies)}")

    def reached_all(self, strategy):
        return all(t is not None for t in self.times(strategy))

    def mean(self, strategy):
        """Mean time to the target (inf if some seed never reached it)."""
        ts = self.times(strategy)
        return math.inf if None in ts else sum(ts) / len(ts)

    def spread(self, strategy):
        """Sample standard deviation over the seeds (inf if some seed never reached the target)."""
        ts = self.times(strategy)
        if None in ts:
            return math.inf
        if len(ts) < 2:
            return 0.0
        m = sum(ts) / len(ts)
        return math.sqrt(sum((t - m) ** 2 for t in ts) / (len(ts) - 1))

    def winners(self):
        """Per seed, the strategy that reached the target first (None: nobody did)."""
        out = []
        for seed in self.seeds:
            got = [(r.reached, r.strategy) for r in self.runs if r.seed == seed and r.reached is not None]
            out.append(min(got)[1] if got else None)
        return out

    def wins(self, strategy):
        self._known(strategy)
        return sum(w == strategy for w in self.winners())

    def winner(self):
        """The strategy first to the target on a strict majority of seeds, else None."""
        ws = self.winners()
        for s in self.strategies:
            if ws.count(s) * 2 > len(ws):
                return s
        return None

    def ratio(self, slower, faster):
        """Mean time of ``slower`` over mean time of ``faster``."""
        return self.mean(slower) / self.mean(faster)

    def markdown(self):
        """The table as Markdown: one row per strategy, one column per seed, mean ± spread."""
        head = ("| " + _("strategy") + " | " + " | ".join(_("seed {seed}").format(seed=s) for s in self.seeds)
                + " | " + _("mean ± sd") + " | " + _("first on") + " |")
        rule = "|---|" + "---:|" * len(self.seeds) + "---:|---:|"
        rows = [head, rule]
        for s in self.strategies:
            cells = [_("never") if t is None else _("{seconds} s").format(seconds=f"{t:.0f}") for t in self.times(s)]
            ms = "—" if not self.reached_all(s) else _("{mean} ± {sd} s").format(
                mean=f"{self.mean(s):.0f}", sd=f"{self.spread(s):.0f}")
            wins = _("{wins} of {seeds}").format(wins=self.wins(s), seeds=len(self.seeds))
            rows.append(f"| {s} | " + " | ".join(cells) + f" | {ms} | {wins} |")
        return "\n".join(rows)

    def _repr_markdown_(self):
        return self.markdown()

    def __repr__(self):
        return self.markdown()


def over_seeds(seeds=(0, 1, 2), **changes):
    """Race the strategies of ``RaceConfig(**changes)`` once per seed; returns a ``SeedTable``.
    ``model`` (a name, see ``teachflow.distributed.make_model``) defaults here to the NumPy twin
    of the curve fit, several times faster than the teachflow graph and computing the same
    gradients."""
    seeds = tuple(seeds)
    if not seeds or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0, got {seeds!r}")
    changes.setdefault("model", "numpy_curve_fit")
    base = Race(**changes).config
    runs = []
    for seed in seeds:
        c = replace(base, seed=seed)
        m = dist.make_model(c.model, seed=c.model_seed)
        for name in c.strategies:
            r = dist.simulate(c.strategy(name), model=m, cluster=c.cluster(), until=c.duration,
                              lr=c.lr_for(name), batch_size=c.batch_size, seed=seed,
                              eval_every=1, target_loss=c.target_loss, stop_at_target=True)
            s = r.summary()
            runs.append(SeedRun(str(r.strategy), seed, s["time_to_target"], s["final_loss"]))
    return SeedTable(base, runs)
