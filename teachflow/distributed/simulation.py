"""One friendly call: ``simulate("async", workers=8, model="curve_fit", updates=2000)``."""
from . import registry
from .asynchronous import Asynchronous, BoundedStaleness, KAsync, KBatchAsync  # noqa: F401 (registers)
from .devices import Cluster
from .runner import Strategy
from .synchronous import BackupWorkers, LocalSGD, Synchronous  # noqa: F401 (registers)

STRATEGY_NAMES = registry.keys()   # ("sync", "backup", "async", "ssp", "local", "k_async", ...)
MODEL_NAMES = ("curve_fit", "digits", "digits_mlp", "numpy_curve_fit", "linear", "quadratic")


def make_strategy(strategy, backups=None, bound=None, period=None, staleness_aware=False, k=None):
    """A Strategy from a registry key (or alias): ``"sync"`` (``backups=b`` optional),
    ``"backup"`` (sync with ``backups``, default 1), ``"async"``, ``"ssp"`` (needs ``bound``),
    ``"local"`` (``period`` H, default 4), ``"k_async"`` and ``"k_batch_async"`` (need ``k``).
    A Strategy instance is returned as it is."""
    if isinstance(strategy, Strategy):
        return strategy
    cls = registry.strategy_class(strategy)
    return cls.from_options(backups=backups, bound=bound, period=period, k=k,
                            staleness_aware=staleness_aware)


def make_model(model, seed=0):
    """A model from a name in ``MODEL_NAMES`` (graph models need the teachflow engine); any
    other object is returned as it is; None means timing only."""
    if model is None or not isinstance(model, str):
        return model
    from . import models
    if model == "curve_fit":
        return models.curve_fit(seed=seed)
    if model == "digits":
        return models.digits(seed=seed)
    if model == "digits_mlp":
        return models.digits(hidden=32, seed=seed)
    if model == "numpy_curve_fit":
        return models.NumpyCurveFit(seed=seed)
    if model == "linear":
        return models.LinearRegression(seed=seed)
    if model == "quadratic":
        return models.Quadratic()
    raise ValueError(f"model must be one of {MODEL_NAMES}, a model object, or None (timing "
                     f"only), got {model!r}")


def simulate(strategy="sync", workers=8, model=None, *, compute=None, slowdown=None,
             network=None, cluster=None, backups=None, bound=None, period=None,
             staleness_aware=False, k=None, **options):
    """Simulate data-parallel training and return a ``RunResult``.

    ``strategy``: see ``make_strategy`` (``backups``, ``bound``, ``period``, ``staleness_aware``
    and ``k`` set it up). The cluster is ``Cluster(workers, compute, slowdown,
    network)`` unless ``cluster=`` is given. ``model``: a name, a model object (``GraphModel``,
    ``NumpyCurveFit``, ...) or None for a timing-only run. Other options go to
    ``Strategy.run``: ``updates``, ``until``, ``lr``, ``batch_size``, ``seed``, ``eval_every``,
    ``target_loss``, ``stop_at_target``, ``sampler``, ``param_bytes``.

    >>> r = simulate("async", workers=4, updates=100, seed=1)
    >>> r.summary()["updates"]
    100
    >>> simulate("k_async", k=2, workers=4, updates=10).summary()["gradients"]
    20
    """
    strat = make_strategy(strategy, backups, bound, period, staleness_aware, k)
    if cluster is None:
        cluster = Cluster(workers, compute, slowdown, network)
    model = make_model(model, seed=options.get("seed", 0))
    return strat.run(cluster, model, **options)
