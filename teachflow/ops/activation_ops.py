"""Activation functions beyond ``relu``/``tanh``/``sigmoid`` (relu6, elu, selu, leaky_relu,
softplus, softsign) and softmax / log_softmax, each with its gradient beside it."""
import numpy as np

from ..core import threads
from ..core.graph import name_scope
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import floating, make, number_arg
from .math_ops import multiply, subtract
from .reduce_ops import reduce_sum
from .unary_ops import bind_pooled, constant_piece, exp, in_pieces, sigmoid


class _SameShape(OpDef):
    """An element-wise op: the output has the shape and dtype of input 0."""
    batching = "elementwise"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype


# --------------------------------------------------------------------------- activations
@register
class Elu(_SameShape):
    formula = "y = x if x > 0 else eˣ − 1"
    grad_formulas = ("∂L/∂x = ∂L/∂y where x > 0, else ∂L/∂y ⊙ (y + 1)",)

    # max(x, −0.0) + (eˣ − 1 of min(x, 0)): one of the two terms is a zero that leaves the other
    # as it is (x = −0.0 included), so the bits of np.where(x > 0, x, expm1(min(x, 0))) without
    # its element-by-element choice (11 ms for 100×28×28×32 float32; 1.5 ms now on one thread).
    # Big arrays in pieces.
    def kernel(self, op, x, pool=None):
        def piece(o, xp):
            np.minimum(xp, constant_piece(xp), out=o)
            np.expm1(o, out=o)
            np.add(np.maximum(xp, constant_piece(xp, -0.0)), o, out=o)
        out = np.empty(x.shape, np.result_type(x, np.float16))
        return in_pieces(pool, piece, out, x)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)

    def gradient(self, op, g):
        return [make("EluGrad", [g, op.outputs[0]])]


@register
class EluGrad(_SameShape):
    formula = "∂L/∂x = ∂L/∂y ⊙ (1 if y > 0 else y + 1)"

    # ∂L/∂y ⊙ min(y + 1, 1): y + 1 ≥ 1 exactly when y > 0, so the bits of
    # np.where(y > 0, g, g * (y + 1)) without the choice. Big arrays in pieces.
    def kernel(self, op, g, y, pool=None):
        if g.shape != y.shape or g.dtype != y.dtype:
            return np.where(y > 0, g, g * (y + 1))

        def piece(o, gp, yp):
            np.add(yp, 1, out=o)
            np.minimum(o, constant_piece(o, 1), out=o)
            np.multiply(gp, o, out=o)
        return in_pieces(pool, piece, np.empty(g.shape, g.dtype), g, y)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)


@register
class Selu(_SameShape):
    formula = "y = λ·x if x > 0 else λ·α·(eˣ − 1)   (λ ≈ 1.0507, α ≈ 1.6733)"
    grad_formulas = ("∂L/∂x = λ·∂L/∂y where x > 0, else ∂L/∂y ⊙ (y + λα)",)
    alpha, scale = 1.6732632423543772, 1.0507009873554805

    def kernel(self, op, x):
        a, s = self.alpha, self.scale
        return (s * np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))).astype(x.dtype, copy=False)

    def gradient(self, op, g):
        return [make("SeluGrad", [g, op.outputs[0]])]


@register
class SeluGrad(_SameShape):
    formula = "∂L/∂x = ∂L/∂y ⊙ (λ if y > 0 else y + λα)"

    def kernel(self, op, g, y):
        a, s = Selu.alpha, Selu.scale
        return np.where(y > 0, s * g, g * (y + s * a)).astype(g.dtype, copy=False)


@register
class LeakyRelu(_SameShape):
    formula = "y = x if x > 0 else α·x"
    grad_formulas = ("∂L/∂x = ∂L/∂y where x > 0, else α·∂L/∂y",)

    def kernel(self, op, x):
        return np.where(x > 0, x, x * np.asarray(op.attrs["alpha"], x.dtype))

    def gradient(self, op, g):
        return [make("LeakyReluGrad", [g, op.inputs[0]], alpha=op.attrs["alpha"])]


@register
class LeakyReluGrad(_SameShape):
    formula = "∂L/∂x = ∂L/∂y ⊙ (1 if x > 0 else α)"

    def kernel(self, op, g, x):
        return np.where(x > 0, g, g * np.asarray(op.attrs["alpha"], g.dtype))

    def gradient(self, op, gg):
        return [make("LeakyReluGrad", [gg, op.inputs[1]], alpha=op.attrs["alpha"]), None]


@register
class Relu6(_SameShape):
    formula = "y = min(max(x, 0), 6)"
    grad_formulas = ("∂L/∂x = ∂L/∂y where 0 < x < 6, else 0",)

    def kernel(self, op, x, pool=None):
        if x.nbytes < threads.PARALLEL_MIN_BYTES:
            return np.clip(x, 0, 6).astype(x.dtype, copy=False)
        return in_pieces(pool, lambda o, xp: np.clip(xp, 0, 6, out=o),
                         np.empty(x.shape, x.dtype), x)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)

    def gradient(self, op, g):
        return [make("Relu6Grad", [g, op.inputs[0]])]


@register
class Relu6Grad(_SameShape):
    formula = "∂L/∂x = ∂L/∂y ⊙ [0 < x < 6]"

    def kernel(self, op, g, x, pool=None):
        if g.nbytes < threads.PARALLEL_MIN_BYTES or g.shape != x.shape:
            return g * ((x > 0) & (x < 6))

        def piece(o, gp, xp):
            np.multiply(gp, np.logical_and(np.greater(xp, 0), np.less(xp, 6)), out=o)
        return in_pieces(pool, piece,
                         np.empty(g.shape, np.result_type(g, np.bool_)), g, x)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)


@register
class Softplus(_SameShape):
    formula = "y = ln(1 + eˣ)   (computed as max(x, 0) + ln(1 + e^−|x|))"
    grad_formulas = ("∂L/∂x = ∂L/∂y ⊙ σ(x)",)

    def kernel(self, op, x):
        return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    def gradient(self, op, g):
        return [multiply(g, sigmoid(op.inputs[0]))]


@register
class Softsign(_SameShape):
    formula = "y = x / (1 + |x|)"
    grad_formulas = ("∂L/∂x = ∂L/∂y / (1 + |x|)²",)

    def kernel(self, op, x):
        return x / (1 + np.abs(x))

    def gradient(self, op, g):
        return [make("SoftsignGrad", [g, op.inputs[0]])]


@register
class SoftsignGrad(_SameShape):
    formula = "∂L/∂x = ∂L/∂y / (1 + |x|)²"

    def kernel(self, op, g, x):
        d = 1 + np.abs(x)
        return g / (d * d)


def _activation(op_type, default_name, **attrs):
    def f(features, name=None):
        x = floating(features, op_type)
        return make(op_type, [x], name or default_name, **attrs)
    f.__name__ = default_name.lower()
    f.__doc__ = f"Element-wise ``{OPS_FORMULA(op_type)}``."
    return f


def OPS_FORMULA(op_type):  # noqa: N802 (reads like the table it looks up)
    from ..core.opdef import OPS
    return OPS[op_type].formula


elu = _activation("Elu", "Elu")
selu = _activation("Selu", "Selu")
relu6 = _activation("Relu6", "Relu6")
softplus = _activation("Softplus", "Softplus")
softsign = _activation("Softsign", "Softsign")


def leaky_relu(features, alpha=0.2, name=None):
    """``x if x > 0 else alpha·x`` (TF1's default alpha is 0.2)."""
    x = floating(features, "LeakyRelu")
    number_arg(alpha, "leaky_relu", "alpha")
    return make("LeakyRelu", [x], name or "LeakyRelu", alpha=float(alpha))


# --------------------------------------------------------------------------- softmax
def _last_axis(op, what):
    x = op.inputs[0]
    if x._dims is not None and len(x._dims) < 1:
        raise ShapeError(f"{what} needs a tensor of rank >= 1 (classes on the last axis), got a scalar")


@register
class Softmax(_SameShape):
    formula = "yᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x)   (along the last axis)"
    grad_formulas = ("∂L/∂x = y ⊙ (∂L/∂y − Σ ∂L/∂y ⊙ y)",)

    def rowwise(self, op, batched):  # along the last axis: the rows stay apart unless rank 1
        return len(op.outputs[0]._dims) >= 2 and super().rowwise(op, batched)

    def infer(self, op):
        _last_axis(op, "softmax")
        return super().infer(op)

    def kernel(self, op, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def gradient(self, op, g):
        y = op.outputs[0]
        inner = reduce_sum(multiply(g, y), axis=-1, keepdims=True)
        return [multiply(subtract(g, inner), y)]


@register
class LogSoftmax(_SameShape):
    formula = "yᵢ = xᵢ − max x − ln Σⱼ e^(xⱼ − max x)   (along the last axis)"
    grad_formulas = ("∂L/∂x = ∂L/∂y − softmax(x) ⊙ Σ ∂L/∂y",)

    def rowwise(self, op, batched):  # along the last axis: the rows stay apart unless rank 1
        return len(op.outputs[0]._dims) >= 2 and super().rowwise(op, batched)

    def infer(self, op):
        _last_axis(op, "log_softmax")
        return super().infer(op)

    def kernel(self, op, x):
        z = x - x.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def gradient(self, op, g):
        total = reduce_sum(g, axis=-1, keepdims=True)
        return [subtract(g, multiply(exp(op.outputs[0]), total))]


def _on_last_axis(op_type, default_name, logits, axis, name):
    x = floating(logits, op_type)
    r = x.ndim
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, (int, np.integer))):
        raise TypeError(f"{default_name}: axis must be an int, got {axis!r} ({type(axis).__name__}).")
    if axis is not None and r is not None and not -r <= axis < r:
        raise ShapeError(f"{default_name}: axis {axis} is out of range for logits of shape "
                         f"{fmt(x._dims)} (expected -{r} <= axis < {r})")
    if axis is not None and r is not None:
        axis %= r
    if axis in (-1, None) or (r is not None and axis == r - 1):
        return make(op_type, [x], name or default_name)
    if r is None:
        raise ShapeError(f"{default_name} along axis {axis} needs a tensor of known rank")
    from .array_ops import transpose
    perm = list(range(r))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    with name_scope(name, default_name):
        return transpose(make(op_type, [transpose(x, perm)], default_name), perm)


def softmax(logits, axis=None, name=None, dim=None):
    """Probabilities from scores along ``axis`` (default: the last), shifted by the row
    maximum so ``exp`` never overflows."""
    return _on_last_axis("Softmax", "Softmax", logits, dim if axis is None else axis, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """``log(softmax(logits))`` computed directly (no log of a rounded-to-zero probability)."""
    return _on_last_axis("LogSoftmax", "LogSoftmax", logits, dim if axis is None else axis, name)
