"""The exercise registry: each exercise is checked by behaviour or against a stored hash.

A lesson's exercise cell holds only the question and ``check(key, answer)``; the answer lives
nowhere in the notebook. A checker either runs the student's code on random inputs (a backward
function, a graph) or compares a normalised answer with a stored SHA-256. A wrong answer gets a
hint, never the answer. Lessons register their exercises in ``lessonNN.py`` beside this file.
"""
import hashlib
import numbers
from dataclasses import dataclass

import numpy as np

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
    """SHA-256 of a normalised answer: text stripped and lower-cased, numbers rounded to ``digits``,
    a tuple or list element by element (so ``(-8, 6)`` and ``[-8.0, 6.0]`` hash alike)."""
    return hashlib.sha256(_normalise(value, digits).encode("utf-8")).hexdigest()


def _normalise(value, digits):
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, numbers.Real) or (hasattr(value, "ndim") and getattr(value, "ndim") == 0
                                           and hasattr(value, "item")):
        number = round(float(value), digits)
        return f"{number + 0.0:.{digits}f}"            # + 0.0: -0.000 and 0.000 hash alike
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_normalise(v, digits) for v in value) + ")"
    return " ".join(str(value).strip().lower().split())


def hashed(stored, digits=3, what="answer"):
    """A checker comparing ``answer_hash(answer, digits)`` with ``stored``: the notebook and this
    package hold the hash, never the answer. Use as ``exercise(key, hint)(hashed("ab12..."))``."""
    def checker(answer):
        if answer_hash(answer, digits) == stored:
            return True, ""
        return False, f"{answer!r} is not the {what}."
    return checker


def compare_on_random_inputs(student, reference, make_inputs, trials=5, seed=0, rtol=1e-5, atol=1e-7):
    """Run ``student(*inputs)`` and ``reference(*inputs)`` on ``trials`` random inputs from
    ``make_inputs(rng)``; (ok, message). The message names the inputs' shapes, never the
    expected values, so a wrong answer learns where it fails but not what to return."""
    rng = np.random.RandomState(seed)
    for trial in range(trials):
        inputs = make_inputs(rng)
        want = np.asarray(reference(*inputs))
        got = student(*inputs)
        if got is None:
            return False, "your function returned None."
        got = np.asarray(got)
        shapes = ", ".join(str(np.shape(a)) for a in inputs)
        if got.shape != want.shape:
            return False, f"for inputs of shapes {shapes} it returned shape {got.shape}, expected {want.shape}."
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            return False, f"wrong values for inputs of shapes {shapes} (trial {trial + 1} of {trials})."
    return True, f"right on {trials} random inputs."


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
