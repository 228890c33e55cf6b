"""The exercise registry: each exercise is checked by behaviour or against a stored hash.

A lesson's exercise cell holds only the question and ``check(key, answer)``; the answer lives
nowhere in the notebook. A checker either runs the student's code on random inputs (a backward
function, a graph) or compares a normalised answer with a stored SHA-256. A wrong answer gets a
hint, never the answer. Lessons register their exercises in ``lessonNN.py`` beside this file.

Every text a student reads here is English in the source and translated when it is shown: a hint
is registered as its msgid (``N_``) and looked up by ``check``; a checker builds its message with
``_("... {named} ...").format(...)`` when it runs; ``Result`` translates its ✓/✗ mark when it is
displayed. So ``teachflow.set_language("zh")`` after import switches the feedback too.
"""
import hashlib
import numbers
from dataclasses import dataclass

import numpy as np

from teachflow.core.i18n import N_, _

_REGISTRY = {}


@dataclass(frozen=True)
class Exercise:
    key: str
    checker: object      # callable(answer) -> (ok, message)
    hint: str            # the English msgid, translated by ``check``


@dataclass(frozen=True)
class Result:
    """What ``check`` returns: shown as one line in the notebook (``message`` is in the language
    of the ``check`` call; the mark in the language of the display)."""
    key: str
    ok: bool
    message: str

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"{self.key}: {self._mark()}" + (f" — {self.message}" if self.message else "")

    def _repr_markdown_(self):
        return f"`{self.key}`: **{self._mark()}**" + (f" — {self.message}" if self.message else "")

    def _mark(self):
        return _("✓ correct") if self.ok else _("✗ not yet")


def exercise(key, hint):
    """Decorator: register ``checker(answer) -> (ok, message)`` under ``key``; ``hint`` is an
    English text marked ``N_("...")`` (translated when shown)."""
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


def hashed(stored, digits=3, what=N_("answer")):
    """A checker comparing ``answer_hash(answer, digits)`` with ``stored``: the notebook and this
    package hold the hash, never the answer. Use as ``exercise(key, hint)(hashed("ab12..."))``;
    ``what`` is an English text marked ``N_`` (translated when the checker runs)."""
    def checker(answer):
        if answer_hash(answer, digits) == stored:
            return True, ""
        return False, _("{answer!r} is not the {what}.").format(answer=answer, what=_(what))
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
            return False, _("your function returned None.")
        got = np.asarray(got)
        shapes = ", ".join(str(np.shape(a)) for a in inputs)
        if got.shape != want.shape:
            return False, _("for inputs of shapes {shapes} it returned shape {got}, expected {want}.").format(
                shapes=shapes, got=got.shape, want=want.shape)
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            return False, _("wrong values for inputs of shapes {shapes} (trial {trial} of {trials}).").format(
                shapes=shapes, trial=trial + 1, trials=trials)
    return True, _("right on {trials} random inputs.").format(trials=trials)


def check(key, answer):
    """Check ``answer`` for exercise ``key``; a wrong or missing answer gets the hint."""
    _load_lessons()
    if key not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no exercise named {key!r}; known exercises: {known}")
    ex = _REGISTRY[key]
    hint = _(ex.hint)
    if answer is None or answer is Ellipsis:
        return Result(key, False, _("no answer yet. Hint: {hint}").format(hint=hint))
    try:
        ok, message = ex.checker(answer)
    except Exception as exc:  # the student's code failed: say how, then hint
        return Result(key, False, _("your answer raised {error}: {detail}. Hint: {hint}").format(
            error=type(exc).__name__, detail=exc, hint=hint))
    if not ok:
        message = (_("{message} Hint: {hint}").format(message=message, hint=hint) if message
                   else _("Hint: {hint}").format(hint=hint))
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
