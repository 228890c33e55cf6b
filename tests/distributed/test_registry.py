"""The strategy registry: every strategy declares itself once, and the simulator, the plots and
the race widget read those declarations (never a display label, never a network's kind)."""
import ast
import pathlib

import pytest

import teachflow.distributed as dist
from teachflow.distributed import registry
from teachflow.widgets import race

ROOT = pathlib.Path(dist.__file__).resolve().parents[1]
KEYS = ("sync", "backup", "async", "ssp", "local", "k_async", "k_batch_async")
OPTIONS = dict(bound=1, period=3, k=3)     # "backup" defaults to one backup


def test_every_strategy_is_registered_once_in_menu_order():
    assert registry.keys() == KEYS
    colors = [registry.strategy_class(k).color for k in KEYS]
    assert len(set(colors)) == len(KEYS)
    for key in KEYS:
        cls = registry.strategy_class(key)
        assert cls.key == key and cls.title and cls.help and cls.color.startswith("#")
        assert cls.__dict__.get("key") == key            # declared on the class itself
        strategy = dist.make_strategy(key, **OPTIONS)
        assert isinstance(strategy, cls) and strategy.key == key
        assert registry.entry(strategy) is cls


def test_a_second_class_with_the_same_key_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        type("Clash", (dist.Strategy,), {"key": "sync"})


def test_aliases_and_old_spellings_still_work():
    assert isinstance(dist.make_strategy("synchronous"), dist.Synchronous)
    assert dist.make_strategy("sync", backups=2).key == "backup"          # sync with backups
    assert dist.make_strategy("backup").backups == 1
    assert dist.make_strategy("bounded-staleness", bound=2).key == "ssp"
    assert dist.make_strategy("K-async", k=2).name == "K-async (K=2)"
    assert dist.make_strategy("k_batch_async", k=5).name == "K-batch-async (K=5)"
    assert dist.Synchronous(backups=3).key == "backup" and isinstance(dist.Synchronous(3), dist.Synchronous)
    assert str(dist.Synchronous(1)) == "sync+1 backups"


def test_race_offers_every_registered_strategy_with_its_help():
    assert race.STRATEGIES == KEYS
    assert race.STRATEGY_HELP["k_async"] == dist.KAsync.help
    config = race.RaceConfig(workers=8, strategies=KEYS, lr=0.2, k=4)
    # per gradient computed every strategy moves the parameters equally far: lr / N each
    assert config.lr_for("sync") == 0.2 and config.lr_for("async") == pytest.approx(0.2 / 8)
    assert config.lr_for("k_async") == pytest.approx(4 * 0.2 / 8)
    assert config.lr_for("k_batch_async") == pytest.approx(4 * 0.2 / 8)
    assert config.strategy("sync").backups == 0 and config.strategy("backup").backups == 1
    assert race.RaceConfig(workers=5).strategy("k_async").k == 3          # default: half, rounded up
    with pytest.raises(ValueError, match="k must be at most workers"):
        race.RaceConfig(workers=4, strategies=("k_async",), k=5)


def test_race_runs_the_k_strategies():
    r = race.Race(workers=4, strategies=("sync", "k_async", "k_batch_async"), duration=15.0).run()
    assert list(r.results) == ["sync", "K-async (K=2)", "K-batch-async (K=2)"]
    assert r.summaries()["K-async (K=2)"]["gradients"] == 2 * r.summaries()["K-async (K=2)"]["updates"]


@pytest.mark.parametrize("folder", ["distributed", "viz", "widgets"])
def test_no_network_kind_switches_and_no_label_parsing(folder):
    # behaviour comes from methods on the network and declarations on the strategy
    for path in (ROOT / folder).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute):
                inner = node.left.value
                assert not (node.left.attr == "kind" and isinstance(inner, ast.Attribute)
                            and inner.attr == "network"), f"{path.name}:{node.lineno} network.kind switch"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "strategy_key":
                arg = node.args[0] if node.args else None
                assert not (isinstance(arg, ast.Attribute) and arg.attr in ("name", "label")), \
                    f"{path.name}:{node.lineno} parses a strategy out of its label"


def test_user_strategies_inherit_or_default_their_declarations():
    class Mine(dist.Synchronous):
        pass

    class Unregistered(dist.Strategy):
        name = "mine"

    assert registry.entry(Mine()).key == "sync" and registry.color(Mine()) == dist.Synchronous.color
    assert registry.color(Unregistered()) == dist.Strategy.color and Unregistered().theory(None) == {}
    assert "mine" not in registry.keys()
