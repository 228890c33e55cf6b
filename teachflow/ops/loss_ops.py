"""The losses on logits: softmax cross-entropy (sparse labels or probability rows), the
logistic loss, and ``l2_loss``, each with its gradient beside it.

They are computed from logits with the log-sum-exp shift (subtract the row maximum before
``exp``), so they never overflow, and the two softmax ops return their gradient as a second
output (``backprop``), as TF's kernels do: the backward pass only scales it by the incoming
gradient.
"""
import numpy as np

from ..core.constant import convert_to_tensor
from ..core.graph import name_scope
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import floating, make
from .activation_ops import log_softmax
from .array_ops import expand_dims, reshape
from .math_ops import multiply, subtract
from .selection_ops import stop_gradient
from .unary_ops import negative, sigmoid


__all__ = ["sparse_softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits_v2", "sigmoid_cross_entropy_with_logits", "l2_loss"]


# --------------------------------------------------------------------------- cross-entropy losses
def _bad_labels(labels, n_classes):
    bad = labels[(labels < 0) | (labels >= n_classes)]
    if bad.size:
        raise ValueError(f"Received a label value of {bad.flat[0]} which is outside the valid range "
                         f"of [0, {n_classes}). Labels must be class indices; label values: "
                         f"{' '.join(map(str, labels.ravel()[:10]))}"
                         f"{' ...' if labels.size > 10 else ''}")


@register
class SparseSoftmaxCrossEntropyWithLogits(OpDef):
    """Loss ``−log softmax(logits)[label]`` per row and its gradient, in one pass."""
    batching = "all"
    formula = "loss = ln Σⱼ e^(zⱼ − m) − (z_label − m),  m = max z;  backprop = softmax(z) − onehot(label)"
    grad_formulas = ("∂L/∂z = ∂L/∂loss ⊙ (softmax(z) − onehot(label))", None)
    num_outputs = 2

    def infer(self, op):
        z, y = op.inputs
        if not y.dtype.is_integer:
            raise ShapeError(f"labels must be integer class indices, got {y.dtype.name}",
                             hint="for one-hot or probability labels use "
                                  "tf.nn.softmax_cross_entropy_with_logits_v2")
        if z._dims is not None and len(z._dims) != 2:
            raise ShapeError(f"logits must be 2-D [batch_size, num_classes], got shape {fmt(z._dims)}")
        if y._dims is not None and len(y._dims) != 1:
            raise ShapeError(f"labels must be 1-D [batch_size] class indices, got shape {fmt(y._dims)}",
                             hint="for one-hot labels use softmax_cross_entropy_with_logits_v2; "
                                  "else tf.reshape(labels, [-1])")
        n = None
        if z._dims is not None and y._dims is not None:
            a, b = z._dims[0], y._dims[0]
            if a is not None and b is not None and a != b:
                raise ShapeError(f"logits and labels must have the same first dimension, got "
                                 f"logits shape {fmt(z._dims)} and labels shape {fmt(y._dims)}")
            n = a if a is not None else b
        elif z._dims is not None:
            n = z._dims[0]
        zd = z._dims if z._dims is not None else (n, None)
        return [((n,), z.dtype), ((n, zd[1]), z.dtype)]

    def kernel(self, op, z, labels):
        n, c = z.shape
        if n and (labels.min() < 0 or labels.max() >= c):
            _bad_labels(labels, c)
        rows = np.arange(n)
        e = z - np.maximum.reduce(z, axis=1, keepdims=True)  # shifted: each row's largest logit is 0
        loss = -e[rows, labels]
        np.exp(e, out=e)
        s = np.add.reduce(e, axis=1)
        loss += np.log(s)
        e /= s.reshape(n, 1)                  # softmax
        e[rows, labels] -= 1                  # softmax − onehot
        return loss, e

    def gradient(self, op, g, _g_backprop):
        return [multiply(op.outputs[1], reshape(g, [-1, 1])), None]


@register
class SoftmaxCrossEntropyWithLogits(OpDef):
    """Loss ``−Σ labels·log softmax(logits)`` per row and its gradient, in one pass."""
    batching = "all"
    formula = "loss = −Σⱼ pⱼ·(zⱼ − m − ln Σₖ e^(zₖ − m)),  m = max z;  backprop = softmax(z)·Σp − p"
    grad_formulas = ("∂L/∂z = ∂L/∂loss ⊙ (softmax(z)·Σp − p)",
                     "∂L/∂p = −∂L/∂loss ⊙ log_softmax(z)")
    num_outputs = 2

    def infer(self, op):
        z, p = op.inputs
        if z.dtype != p.dtype:
            raise ShapeError(f"logits are {z.dtype.name} but labels are {p.dtype.name}",
                             hint="labels are probabilities here (one-hot rows); tf.cast them, or use "
                                  "sparse_softmax_cross_entropy_with_logits for class indices")
        dims = z._dims
        for t in (z, p):
            if t._dims is not None and len(t._dims) != 2:
                raise ShapeError(f"logits and labels must be 2-D [batch_size, num_classes], got "
                                 f"{fmt(z._dims)} and {fmt(p._dims)}")
        if z._dims is not None and p._dims is not None:
            dims = []
            for a, b in zip(z._dims, p._dims):
                if a is not None and b is not None and a != b:
                    raise ShapeError(f"logits and labels must be the same shape, got logits "
                                     f"{fmt(z._dims)} and labels {fmt(p._dims)}",
                                     hint="labels are one row of class probabilities per example")
                dims.append(a if a is not None else b)
            dims = tuple(dims)
        elif dims is None:
            dims = p._dims
        return [(None if dims is None else dims[:1], z.dtype), (dims, z.dtype)]

    def kernel(self, op, z, p):
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        log_sm = shifted - np.log(s)
        loss = -(p * log_sm).sum(axis=1)
        e /= s
        e *= p.sum(axis=1, keepdims=True)
        e -= p
        return loss, e

    def gradient(self, op, g, _g_backprop):
        g = expand_dims(g, -1)
        return [multiply(op.outputs[1], g), multiply(negative(log_softmax(op.inputs[0])), g)]


def _rows(x, what):
    """``x`` as a 2-D tensor [rows, classes] (flattening leading axes), or x itself."""
    if x.ndim is None or x.ndim == 2:
        return x
    if x.ndim < 1:
        raise ShapeError(f"{what} needs at least one axis (the classes), got a scalar")
    return reshape(x, [-1, x._dims[-1]])


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Per-example ``−log softmax(logits)[label]``; ``labels`` are class indices (int).

    Labels outside ``[0, num_classes)`` are an error at run time, as in TF."""
    if _sentinel is not None:
        raise ValueError("Only call sparse_softmax_cross_entropy_with_logits with named arguments "
                         "(labels=..., logits=...).")
    if labels is None or logits is None:
        raise ValueError("sparse_softmax_cross_entropy_with_logits needs labels= and logits=.")
    z = floating(logits, "SparseSoftmaxCrossEntropyWithLogits")
    y = convert_to_tensor(labels)
    if z.ndim is not None and y.ndim is not None and z.ndim != y.ndim + 1:
        raise ShapeError(
            f"Rank mismatch in SparseSoftmaxCrossEntropyWithLogits: rank of labels (received "
            f"{y.ndim}) should equal rank of logits minus 1 (received {z.ndim}). Logits shape "
            f"{fmt(z._dims)}, labels shape {fmt(y._dims)}. Hint: labels are class indices "
            "[batch]; for one-hot labels use softmax_cross_entropy_with_logits_v2.")
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits"):
        if z.ndim is not None and z.ndim != 2:
            loss, _ = make("SparseSoftmaxCrossEntropyWithLogits",
                           [_rows(z, "logits"), reshape(y, [-1])], name)
            return reshape(loss, [-1 if d is None else d for d in y._dims])
        loss, _ = make("SparseSoftmaxCrossEntropyWithLogits", [z, y], name)
        return loss


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, dim=-1,
                                         name=None, axis=None):
    """Per-example ``−Σ labels·log softmax(logits)``; ``labels`` are probability rows (one-hot).

    Gradients flow into ``labels`` too (v2); wrap them in ``tf.stop_gradient`` if they are data."""
    if _sentinel is not None:
        raise ValueError("Only call softmax_cross_entropy_with_logits_v2 with named arguments "
                         "(labels=..., logits=...).")
    if labels is None or logits is None:
        raise ValueError("softmax_cross_entropy_with_logits needs labels= and logits=.")
    axis = dim if axis is None else axis
    z = floating(logits, "SoftmaxCrossEntropyWithLogits")
    p = convert_to_tensor(labels)
    if p.dtype != z.dtype:
        from .math_ops import cast
        p = cast(p, z.dtype)
    if z.ndim is not None and p.ndim is not None and z.ndim != p.ndim:
        raise ShapeError(f"softmax_cross_entropy_with_logits: logits {fmt(z._dims)} and labels "
                         f"{fmt(p._dims)} must be the same shape. Hint: labels are one-hot rows; "
                         "for class indices use sparse_softmax_cross_entropy_with_logits.")
    if axis not in (-1, None) and not (z.ndim is not None and axis == z.ndim - 1):
        raise ValueError("softmax_cross_entropy_with_logits in teachflow takes the classes on the "
                         f"last axis (dim=-1), got dim={axis}; tf.transpose the inputs first.")
    with name_scope(name, "softmax_cross_entropy_with_logits"):
        if z.ndim is not None and z.ndim != 2:
            loss, _ = make("SoftmaxCrossEntropyWithLogits", [_rows(z, "logits"), _rows(p, "labels")],
                           name)
            return reshape(loss, [-1 if d is None else d for d in z._dims[:-1]])
        loss, _ = make("SoftmaxCrossEntropyWithLogits", [z, p], name)
        return loss


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    """TF1's deprecated form: like ``_v2`` but no gradient flows into ``labels``."""
    if labels is not None:
        labels = stop_gradient(convert_to_tensor(labels))
    return softmax_cross_entropy_with_logits_v2(_sentinel, labels, logits, dim, name, axis)


@register
class SigmoidCrossEntropyWithLogits(OpDef):
    """Per-element logistic loss from logits ``x`` and targets ``p`` (TF builds the same formula)."""
    batching = "elementwise"
    formula = "loss = max(x, 0) − x·p + ln(1 + e^−|x|)"
    grad_formulas = ("∂L/∂x = ∂L/∂loss ⊙ (σ(x) − p)", "∂L/∂p = −∂L/∂loss ⊙ x")

    def infer(self, op):
        x, p = op.inputs
        if x.dtype != p.dtype:
            raise ShapeError(f"logits are {x.dtype.name} but labels are {p.dtype.name}",
                             hint="tf.cast the labels to the logits' dtype")
        if x._dims is not None and p._dims is not None:
            if len(x._dims) != len(p._dims) or any(
                    a is not None and b is not None and a != b for a, b in zip(x._dims, p._dims)):
                raise ShapeError(f"logits and labels must have the same shape ({fmt(x._dims)} vs "
                                 f"{fmt(p._dims)})", hint="one 0/1 target per logit")
            return tuple(a if a is not None else b for a, b in zip(x._dims, p._dims)), x.dtype
        return (x._dims if x._dims is not None else p._dims), x.dtype

    def kernel(self, op, x, p):
        return (np.maximum(x, 0) - x * p + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    def gradient(self, op, g):
        x, p = op.inputs
        return [multiply(g, subtract(sigmoid(x), p)), negative(multiply(g, x))]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Element-wise logistic loss: independent yes/no targets ``labels`` in [0, 1]."""
    if _sentinel is not None:
        raise ValueError("Only call sigmoid_cross_entropy_with_logits with named arguments.")
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits needs labels= and logits=.")
    x = floating(logits, "SigmoidCrossEntropyWithLogits")
    p = convert_to_tensor(labels)
    if p.dtype != x.dtype:
        from .math_ops import cast
        p = cast(p, x.dtype)
    return make("SigmoidCrossEntropyWithLogits", [x, p], name or "logistic_loss")


# --------------------------------------------------------------------------- l2_loss
@register
class L2Loss(OpDef):
    formula = "y = Σ x² / 2"
    grad_formulas = ("∂L/∂x = ∂L/∂y · x",)

    def infer(self, op):
        return (), op.inputs[0].dtype

    def kernel(self, op, x):
        f = x.ravel()
        return np.asarray(np.dot(f, f) / 2, dtype=x.dtype)

    def gradient(self, op, g):
        return [multiply(op.inputs[0], g)]


def l2_loss(t, name=None):
    """``sum(t ** 2) / 2``: the weight-decay penalty."""
    return make("L2Loss", [floating(t, "L2Loss")], name or "L2Loss")
