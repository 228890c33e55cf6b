"""The strategy registry: every strategy says once who it is, and everything else reads it.

A strategy class declares, as class attributes (the way an ``OpDef`` declares an op):

=================  ==========================================================================
``key``            the registry key (``"sync"``, ``"k_async"``, ...): ``simulate(key, ...)``,
                   the race widget's checkboxes, the colour of its plots
``aliases``        other spellings ``make_strategy`` accepts (``"synchronous"``, ...)
``title``          a short name for menus (``"K-async"``)
``color``          its colour in every plot, timeline and race picture
``help``           one line saying what it does (tooltips, flowchart titles)
``barrier``        True if workers wait for each other before an update (drawn as a barrier)
``sends``          what a push carries: ``"gradients"`` (local SGD: ``"parameters"``)
``order``          its place in menus
=================  ==========================================================================

and as methods: ``from_options(**options)`` (build one from ``make_strategy``'s keywords),
``theory(cluster)`` (its textbook lines, a dict ``name -> Theory``), ``race_lr(lr, workers,
async_lr)`` (the fair learning rate in a race) and ``pushes_per_update(workers)`` (what an
update waits for).
Subclassing ``Strategy`` with a ``key`` in the class body registers it; nothing ever parses a
strategy back out of its display label.
"""
from typing import NamedTuple

_REGISTRY = {}      # key -> Strategy class
_ALIASES = {}       # any accepted spelling -> key


class Theory(NamedTuple):
    """A textbook value and its formula as shown on plots (``"1/(m·H_8)"``)."""
    value: float
    formula: str


def register(cls):
    """Add a Strategy class (called by ``Strategy.__init_subclass__``); keys are unique."""
    key = cls.key
    if key in _REGISTRY and _REGISTRY[key] is not cls:
        raise ValueError(f"strategy key {key!r} is declared twice: by {_REGISTRY[key].__name__} "
                         f"and {cls.__name__}")
    _REGISTRY[key] = cls
    for name in (key, *cls.aliases):
        _ALIASES[_normal(name)] = key
    return cls


def _normal(name):
    return str(name).lower().replace("-", "_").replace(" ", "_")


def keys():
    """Registered keys in menu order: ``("sync", "backup", "async", ...)``."""
    return tuple(sorted(_REGISTRY, key=lambda k: (_REGISTRY[k].order, k)))


def strategy_class(name):
    """The Strategy class registered under ``name`` (a key or an alias); ValueError if none."""
    key = _ALIASES.get(_normal(name))
    if key is None:
        raise ValueError(f"strategy must be one of {keys()} or a Strategy object, got {name!r}")
    return _REGISTRY[key]


def entry(thing):
    """The class whose declarations describe a Strategy instance (its own class: declarations
    are inherited, so a user's subclass of ``Synchronous`` is drawn as sync, and an unregistered
    Strategy gets the base class's grey), a RunResult's strategy, a class, or a key/alias."""
    from .runner import Strategy
    strategy = getattr(thing, "strategy", thing)
    if isinstance(strategy, Strategy):
        return type(strategy)
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy
    return strategy_class(strategy)


def color(thing):
    """The colour of a strategy (instance, class, key or RunResult)."""
    return entry(thing).color
