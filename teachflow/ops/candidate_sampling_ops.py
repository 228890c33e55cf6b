"""Candidate sampling, as TF1's sampled losses use it (``tf.nn.nce_loss``): draw a few classes
out of many, and say how often each class is expected among the draws.

A sampler op takes the true classes ``[batch, num_true]`` and gives three outputs: the sampled
classes ``[num_sampled]`` (int64), the expected count of each true class ``[batch, num_true]``
and of each sampled class ``[num_sampled]`` (float32). TF1's rules (``range_sampler.cc``):
with ``unique=True`` draws repeat until ``num_sampled`` distinct classes came up, after
``num_tries`` draws, and a class of probability p is expected ``1 − (1 − p)^num_tries`` times;
without, ``p · num_sampled``. Seeded like every random op (graph seed + op seed, one stream
per op per session).
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import make
from .random_ops import get_seed


def expected_count(p, num_sampled, num_tries):
    """How often a class of probability ``p`` is expected among the draws (TF1's
    ``ExpectedCountHelper``)."""
    p = np.asarray(p, np.float64)
    if num_tries == num_sampled:
        return p * num_sampled
    return -np.expm1(num_tries * np.log1p(-p))


class _CandidateSampler(OpDef):
    num_outputs = 3
    differentiable = False
    stateful = True
    kind = "random"

    def infer(self, op):
        t, a = op.inputs[0], op.attrs
        if not t.dtype.is_integer:
            raise ShapeError(f"{self.type}: true_classes must be int64 (or int32) class ids, got {t.dtype.name}")
        if t._dims is not None and (len(t._dims) != 2 or t._dims[1] not in (None, a["num_true"])):
            raise ShapeError(f"{self.type}: true_classes must have shape [batch_size, num_true="
                             f"{a['num_true']}], got {fmt(t._dims)}")
        batch = None if t._dims is None else t._dims[0]
        return [((a["num_sampled"],), _dtypes.int64), ((batch, a["num_true"]), _dtypes.float32),
                ((a["num_sampled"],), _dtypes.float32)]

    def bind(self, op, session):
        rng, a = session.state.rng(op), op.attrs
        n, unique, range_max = a["num_sampled"], a["unique"], a["range_max"]
        draw, prob = self.draw, self.probability

        def sample(true_classes):
            t = np.asarray(true_classes)
            if t.size and (t.min() < 0 or t.max() >= range_max):
                raise ValueError(f"true_classes must lie in [0, range_max={range_max}), got values in "
                                 f"[{t.min()}, {t.max()}]")
            sampled, tries = _draw(rng, draw, n, unique, range_max)
            return (sampled, expected_count(prob(t, range_max), n, tries).astype(np.float32),
                    expected_count(prob(sampled, range_max), n, tries).astype(np.float32))
        return sample


def _draw(rng, draw, n, unique, range_max):
    """``n`` classes (distinct when ``unique``) and the number of draws it took."""
    if not unique:
        return draw(rng, n, range_max), n
    picked, seen, tries = [], set(), 0
    while len(picked) < n:
        for v in draw(rng, 2 * (n - len(picked)), range_max).tolist():
            tries += 1
            if v not in seen:
                seen.add(v)
                picked.append(v)
                if len(picked) == n:
                    break
    return np.asarray(picked, np.int64), tries


@register
class LogUniformCandidateSampler(_CandidateSampler):
    formula = "sampled ~ P(k) = log((k+2)/(k+1)) / log(range_max+1)"

    @staticmethod
    def draw(rng, n, range_max):  # TF1: floor(exp(u · log(range_max + 1))) − 1
        k = np.exp(rng.random(n) * np.log(range_max + 1.0)).astype(np.int64) - 1
        return np.minimum(k, range_max - 1)  # u just below 1 may round up to range_max

    @staticmethod
    def probability(k, range_max):
        k = np.asarray(k, np.float64)
        return np.log((k + 2.0) / (k + 1.0)) / np.log(range_max + 1.0)


@register
class UniformCandidateSampler(_CandidateSampler):
    formula = "sampled ~ U{0, …, range_max−1}"

    @staticmethod
    def draw(rng, n, range_max):
        return rng.integers(0, range_max, n, dtype=np.int64)

    @staticmethod
    def probability(k, range_max):
        return np.full(np.shape(k), 1.0 / range_max)


def _sampler(op_type, fn, true_classes, num_true, num_sampled, unique, range_max, seed, name):
    for what, v in (("num_true", num_true), ("num_sampled", num_sampled), ("range_max", range_max)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{fn}: {what} must be a positive int, got {v!r}.")
    if unique and num_sampled > range_max:
        raise ValueError(f"{fn}: cannot draw {num_sampled} distinct classes out of range_max="
                         f"{range_max} (unique=True needs num_sampled <= range_max).")
    t = convert_to_tensor(true_classes)
    s1, s2 = get_seed(seed)
    return make(op_type, [t], name or op_type, num_true=int(num_true), num_sampled=int(num_sampled),
                unique=bool(unique), range_max=int(range_max), seed=s1, seed2=s2)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """``(sampled_candidates, true_expected_count, sampled_expected_count)``: ``num_sampled``
    classes drawn with P(k) ∝ log((k+2)/(k+1)) (Zipf-like: small ids, frequent words, more often)."""
    return _sampler("LogUniformCandidateSampler", "tf.nn.log_uniform_candidate_sampler", true_classes,
                    num_true, num_sampled, unique, range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None,
                              name=None):
    """Like ``log_uniform_candidate_sampler`` with every class equally likely."""
    return _sampler("UniformCandidateSampler", "tf.nn.uniform_candidate_sampler", true_classes,
                    num_true, num_sampled, unique, range_max, seed, name)


@register
class AccidentalHits(OpDef):
    """Where a sampled class is one of the row's true classes: −FLOAT_MAX there, 0 elsewhere
    (TF1's ``compute_accidental_hits`` made dense, added to the sampled logits)."""
    formula = "y[i, j] = −FLOAT_MAX if sampled[j] ∈ true_classes[i] else 0"
    differentiable = False

    def infer(self, op):
        t, s = op.inputs[0], op.inputs[1]
        batch = None if t._dims is None else t._dims[0]
        return (batch, None if s._dims is None else s._dims[0]), op.attrs["dtype"]

    def kernel(self, op, true_classes, sampled):
        dt = op.attrs["dtype"].np
        hit = (np.asarray(true_classes)[:, :, None] == np.asarray(sampled)[None, None, :]).any(axis=1)
        return np.where(hit, -np.finfo(np.float32).max, 0).astype(dt)


def accidental_hits_mask(true_classes, sampled, dtype, name=None):
    return make("AccidentalHits", [true_classes, sampled], name or "AccidentalHits",
                dtype=_dtypes.as_dtype(dtype))
