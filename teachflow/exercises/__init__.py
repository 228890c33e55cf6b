"""Checked exercises for the lessons: ``check(key, answer)`` says right, or gives a hint.

Exercises of lesson NN live in ``lessonNN.py`` and register themselves with ``@exercise``.
"""
from teachflow.exercises._core import (Result, answer_hash, check, compare_on_random_inputs, exercise,
                                      exercises, hashed)

__all__ = ["Result", "answer_hash", "check", "compare_on_random_inputs", "exercise", "exercises",
           "hashed"]
