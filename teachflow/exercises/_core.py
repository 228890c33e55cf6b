"""The exercise registry: each exercise is checked by behaviour or against a stored hash.

A lesson's exercise cell holds only the question and ``check(key, answer)``; the answer lives
nowhere in the notebook. A checker either runs the student's code on random inputs (a backward
function, a graph) or compares a normalised answer with a stored SHA-256. A wrong answer gets a
hint, never the answer. Lessons register their exercises in ``lessonNN.py`` beside this file.
"""
import hashlib
from dataclasses import dataclass

_REGISTRY = {}


@dataclass(frozen=True)
class Exercise:
    key: str
    checker: object      # callable(answer) -> (ok, message)
    hint: str


@dataclass(frozen=True)
class Result:
    """What ``check`` returns: shown as one line in the notebook."""
    key: str
    ok: bool
    message: str

    def __bool__(self):
        return self.ok

    def __repr__(self):
        mark = "✓ correct" if self.ok else "✗ not yet"
        return f"{self.key}: {mark}" + (f" — {self.message}" if self.message else "")

    def _repr_markdown_(self):
        mark = "**✓ correct**" if self.ok else "**✗ not yet**"
        return f"`{self.key}`: {mark}" + (f" — {self.message}" if self.message else "")


def exercise(key, hint):
    """Decorator: register ``checker(answer) -> (ok, message)`` under ``key``."""
    def register(checker):
        if key in _REGISTRY:
            raise ValueError(f"exercise {key!r} is registered twice")
        _REGISTRY[key] = Exercise(key, checker, hint)
        return checker
    return register


def answer_hash(value, digits=3):
    """SHA-256 of a normalised answer: text stripped and lower-cased, numbers rounded to ``digits``."""
    if isinstance(value, bool) or value is None:
        text = repr(value)
    elif isinstance(value, (int, float)):
        text = f"{round(float(value), digits):.{digits}f}"
    else:
        text = " ".join(str(value).strip().lower().split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check(key, answer):
    """Check ``answer`` for exercise ``key``; a wrong or missing answer gets the hint."""
    _load_lessons()
    if key not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no exercise named {key!r}; known exercises: {known}")
    ex = _REGISTRY[key]
    if answer is None or answer is Ellipsis:
        return Result(key, False, "no answer yet. Hint: " + ex.hint)
    try:
        ok, message = ex.checker(answer)
    except Exception as exc:  # the student's code failed: say how, then hint
        return Result(key, False, f"your answer raised {type(exc).__name__}: {exc}. Hint: {ex.hint}")
    if not ok:
        message = (message + " " if message else "") + "Hint: " + ex.hint
    return Result(key, ok, message)


def exercises():
    """Keys of every registered exercise, sorted."""
    _load_lessons()
    return sorted(_REGISTRY)


def _load_lessons():
    import importlib
    import pkgutil
    from teachflow import exercises as package
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("lesson"):
            importlib.import_module(f"{package.__name__}.{info.name}")
