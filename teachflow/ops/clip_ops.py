"""Gradient clipping: ``tf.clip_by_norm``, ``tf.global_norm``, ``tf.clip_by_global_norm``.

The classic use: ``grads, _ = tf.clip_by_global_norm(grads, 5.0)`` before
``optimizer.apply_gradients`` keeps one huge step (an exploding RNN gradient) from wrecking
training. Rescaling by the norm keeps the *direction* of the update and only shortens it.
"""
import numpy as np

from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import float_check, make
from .math_ops import add, minimum, multiply, realdiv, subtract


def _axes(op, x):
    axes = op.attrs["axes"]
    return None if axes is None else tuple(a % x.ndim for a in axes)


def _norm(x, axes):
    """‖x‖₂ over ``axes`` (all when None), kept broadcastable against x."""
    return np.sqrt(np.sum(np.square(x), axis=axes, keepdims=True))


@register
class ClipByNorm(OpDef):
    """``y = x · c / max(‖x‖, c)``: unchanged when ‖x‖ ≤ c, else rescaled to length c."""
    batching = None
    formula = "y = x · c / max(‖x‖₂, c)"
    latex = r"y = x \cdot \frac{c}{\max(\lVert x \rVert_2,\, c)}"
    grad_formulas = ("∂L/∂x = ∂L/∂y if ‖x‖ ≤ c, else (c/‖x‖)·(∂L/∂y − x·⟨x, ∂L/∂y⟩/‖x‖²)",
                     "∂L/∂c = 0 if ‖x‖ ≤ c, else Σ ∂L/∂y ⊙ x / ‖x‖")

    def infer(self, op):
        x, c = op.inputs
        if c._dims is not None and len(c._dims) != 0:
            raise ShapeError(f"clip_norm must be a scalar, got shape {fmt(c._dims)}")
        if x.dtype != c.dtype:
            raise ShapeError(f"clip_by_norm: t is {x.dtype.name} but clip_norm is {c.dtype.name}")
        return x._dims, x.dtype

    def kernel(self, op, x, c):
        n = _norm(x, _axes(op, x))
        return (x * c / np.maximum(n, c)).astype(x.dtype, copy=False)

    def gradient(self, op, g):
        x, c = op.inputs
        return [make("ClipByNormGrad", [g, x, c], wrt="t", axes=op.attrs["axes"]),
                make("ClipByNormGrad", [g, x, c], wrt="clip_norm", axes=op.attrs["axes"])]


@register
class ClipByNormGrad(OpDef):
    """The backward rule of ClipByNorm for one input (``wrt``: "t" or "clip_norm")."""
    formula = "∂L/∂x (or ∂L/∂c) of y = x · c / max(‖x‖, c)"
    differentiable = False

    def infer(self, op):
        g, x, c = op.inputs
        return (x._dims if op.attrs["wrt"] == "t" else c._dims), x.dtype

    def kernel(self, op, g, x, c):
        axes = _axes(op, x)
        n = _norm(x, axes)
        clipped = n > c
        safe = np.where(clipped, n, 1.0)
        if op.attrs["wrt"] == "t":
            dot = np.sum(x * g, axis=axes, keepdims=True)
            return np.where(clipped, c / safe * (g - x * dot / safe ** 2), g).astype(x.dtype, copy=False)
        return np.asarray(np.sum(np.where(clipped, g * x / safe, 0.0)), dtype=x.dtype)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``tf.clip_by_norm(t, 5.0)``: ``t`` rescaled to L2 norm ``clip_norm`` if it is longer
    (norm over ``axes``, every element by default: each row with ``axes=[1]``)."""
    x = convert_to_tensor(t)
    float_check(x, "ClipByNorm")
    c = convert_to_tensor(clip_norm, dtype=x.dtype)
    if axes is not None:
        if x.ndim is None:
            raise ShapeError(f"clip_by_norm with axes needs a known rank for {x.name}")
        axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
        for a in axes:
            if not -x.ndim <= int(a) < x.ndim:
                raise ValueError(f"clip_by_norm: axis {a} is out of range for {x.name} of rank {x.ndim}")
        axes = tuple(sorted({int(a) % x.ndim for a in axes}))
    return make("ClipByNorm", [x, c], name or "clip_by_norm", axes=axes)


@register
class GlobalNorm(OpDef):
    """``n = √(Σᵢ ‖tᵢ‖²)``: the length of all the tensors taken as one long vector."""
    formula = "n = √(Σᵢ ‖tᵢ‖₂²)"
    latex = r"n = \sqrt{\textstyle\sum_i \lVert t_i \rVert_2^2}"
    grad_formulas = ("∂L/∂tᵢ = ∂L/∂n · tᵢ / n",)

    def infer(self, op):
        dtypes = {t.dtype for t in op.inputs}
        if len(dtypes) != 1:
            raise ShapeError("global_norm needs tensors of one dtype, got "
                             + ", ".join(sorted(d.name for d in dtypes)))
        return (), op.inputs[0].dtype

    def kernel(self, op, *ts):
        total = sum(np.sum(np.square(t, dtype=np.float64)) for t in ts)
        return np.asarray(np.sqrt(total), dtype=op.outputs[0].dtype.np)

    def gradient(self, op, g):
        n = op.outputs[0]
        return [make("GlobalNormGrad", [g, t, n]) for t in op.inputs]


@register
class GlobalNormGrad(OpDef):
    formula = "∂L/∂tᵢ = ∂L/∂n · tᵢ / n"
    differentiable = False

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[1].dtype

    def kernel(self, op, g, t, n):
        return (g * t / n if n > 0 else np.zeros_like(t)).astype(t.dtype, copy=False)


def _tensor_list(t_list, api):
    if isinstance(t_list, (str, bytes)) or not hasattr(t_list, "__iter__") or hasattr(t_list, "op"):
        raise TypeError(f"{api} expects a list of tensors (None entries allowed), got {t_list!r}")
    return [None if t is None else convert_to_tensor(t) for t in t_list]


def global_norm(t_list, name=None):
    """``tf.global_norm([g1, g2])``: √(Σ ‖gᵢ‖²) over the tensors that are not None."""
    ts = [t for t in _tensor_list(t_list, "global_norm") if t is not None]
    if not ts:
        raise ValueError("global_norm needs at least one tensor that is not None.")
    for t in ts:
        float_check(t, "GlobalNorm")
    return make("GlobalNorm", ts, name or "global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``clipped, norm = tf.clip_by_global_norm(grads, 5.0)``: every tensor scaled by
    ``clip_norm / max(global_norm, clip_norm)``, so together they are no longer than clip_norm
    and keep their direction. None entries stay None (a variable the loss does not reach).
    Returns the list and the global norm before clipping, as TF1; an infinite norm gives NaNs."""
    ts = _tensor_list(t_list, "clip_by_global_norm")
    norm = global_norm(ts) if use_norm is None else convert_to_tensor(use_norm)
    c = convert_to_tensor(clip_norm, dtype=norm.dtype)
    # TF1's own formula: c · min(1/n, 1/c) = c / max(n, c), written with ops a student knows
    scale_if_finite = multiply(c, minimum(realdiv(1.0, norm), realdiv(1.0, c)))
    scale = add(scale_if_finite, subtract(norm, norm), name=name or "clip_by_global_norm")  # inf/NaN -> NaN
    clipped = [None if t is None else multiply(t, scale) for t in ts]
    return clipped, norm
