"""Lesson 4 (a deep network for digits): parameter counts, scope patterns, softmax's gradient."""
import re

import numpy as np

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import compare_on_random_inputs, exercise

NAMES = ["hidden1/kernel", "hidden1/bias", "hidden2/kernel", "hidden2/bias", "hidden3/kernel",
         "hidden3/bias", "hidden4/kernel", "hidden4/bias", "outputs/kernel", "outputs/bias"]


def _dense_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


@exercise("l04.count_params", N_("a dense layer from a inputs to b units has an a×b kernel and b "
          "biases; add that up over consecutive pairs of sizes."))
def _count(student):
    if not callable(student):
        return False, _("the answer is a function {signature}.").format(signature="count_params(sizes)")
    rng = np.random.RandomState(4)
    for _trial in range(6):
        sizes = [int(s) for s in rng.randint(1, 800, size=rng.randint(2, 6))]
        got = student(sizes)
        if got != _dense_params(sizes):
            return False, _("count_params({sizes}) returned {got!r}.").format(sizes=sizes, got=got)
    return True, _("right for 6 random stacks of dense layers; compare with tf.trainable_variables() "
                   "after build().")


@exercise("l04.pattern", N_("get_collection(..., scope=pattern) keeps the names that re.match the "
          "pattern from their start; a character class like [ab] matches one of its characters."))
def _pattern(pattern):
    if not isinstance(pattern, str):
        return False, _("the answer is a regular expression, as a string.")
    picked = [n for n in NAMES if re.match(pattern, n)]
    want = [n for n in NAMES if n.split("/")[0] in ("hidden2", "hidden3")]
    if picked == want:
        return True, ""
    extra, missing = sorted(set(picked) - set(want)), sorted(set(want) - set(picked))
    return False, _("it selects {n_extra} name(s) it should not ({extra}) and misses {n_missing}.").format(
        n_extra=len(extra), extra=", ".join(extra) or _("none"), n_missing=len(missing))


def _softmax_inputs(rng):
    k = rng.randint(2, 11)
    return rng.normal(0, 3, k), int(rng.randint(k))


def _reference(logits, label):
    p = np.exp(logits - logits.max())
    p /= p.sum()
    p[label] -= 1.0
    return p


@exercise("l04.xent_grad", N_("first turn the logits into probabilities p with a softmax (subtract "
          "the largest logit before exp, so nothing overflows); the gradient of −log p[label] "
          "with respect to the logits is p minus the one-hot vector of the label."))
def _xent_grad(student):
    if not callable(student):
        return False, _("the answer is a function {signature}.").format(signature="xent_grad(logits, label)")
    return compare_on_random_inputs(student, _reference, _softmax_inputs, trials=8)
