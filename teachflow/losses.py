"""``tf.losses``: a loss per example, weighted, reduced to a scalar and kept in a collection.

Every function computes per-element losses with ``tf.nn`` ops, multiplies by ``weights``
(a number or a tensor that broadcasts), reduces them (by default: the sum divided by the number
of non-zero weights, i.e. the mean when ``weights=1``) and adds the result to
``tf.GraphKeys.LOSSES``, where ``get_total_loss`` finds it.
"""
from .core.constant import convert_to_tensor
from .core.graph import GraphKeys, add_to_collection, get_collection, name_scope
from .core.shapes import fmt
from .ops.creation_ops import ones_like
from .ops.selection_ops import stop_gradient
from .ops.compare_ops import not_equal
from .ops.unary_ops import abs as _abs, log, negative
from .ops.math_ops import add, add_n, cast, maximum, multiply, squared_difference, subtract, truediv
from .ops.loss_ops import (sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                           sparse_softmax_cross_entropy_with_logits)
from .ops.reduce_ops import reduce_mean, reduce_sum


class Reduction:
    """How ``compute_weighted_loss`` turns weighted per-example losses into the result."""
    NONE = "none"
    SUM = "weighted_sum"
    MEAN = "weighted_mean"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_BY_NONZERO_WEIGHTS)


def _same_shape(labels, predictions, fn, what="labels"):
    """TF1 asserts that predictions and labels have compatible shapes: [5] vs [5, 1] would
    otherwise broadcast to [5, 5] and give a silently wrong loss."""
    if not predictions.shape.is_compatible_with(labels._dims):
        hint = ""
        p, l = predictions._dims, labels._dims
        if p is not None and l is not None and abs(len(p) - len(l)) == 1:
            hint = (" Hint: one of them has an extra axis of size 1; reshape it, e.g. "
                    "tf.reshape(labels, [-1, 1]) or tf.squeeze(predictions, axis=1).")
        raise ValueError(f"{fn}: shapes {fmt(p)} (predictions {predictions.name}) and {fmt(l)} "
                         f"({what} {labels.name}) are incompatible: they must be the same shape."
                         + hint)


def _is_one(w):
    return isinstance(w, (int, float)) and w == 1


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``losses·weights`` reduced as ``reduction`` says; added to ``loss_collection``."""
    if reduction not in Reduction.all():
        raise ValueError(f"Invalid reduction {reduction!r}; use one of tf.losses.Reduction.all()")
    with name_scope(scope, "weighted_loss"):
        losses = convert_to_tensor(losses)
        dt = losses.dtype
        weighted = losses if _is_one(weights) else multiply(losses, cast(convert_to_tensor(weights), dt))
        if reduction == Reduction.NONE:
            loss = weighted
        elif reduction == Reduction.SUM:
            loss = reduce_sum(weighted, name="value")
        elif _is_one(weights) and reduction != Reduction.MEAN:
            loss = reduce_mean(weighted, name="value")  # every weight is 1: a plain mean
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            loss = reduce_mean(weighted, name="value")
        else:
            w = multiply(cast(convert_to_tensor(weights), dt), ones_like(losses))  # broadcast
            if reduction == Reduction.MEAN:
                denom = reduce_sum(w)
            else:
                denom = reduce_sum(cast(not_equal(w, 0), dt), name="num_present")
            total = reduce_sum(weighted)
            loss = truediv(total, maximum(denom, 1e-12 if reduction == Reduction.MEAN else 1.0),
                           name="value")
        if loss_collection:
            add_to_collection(loss_collection, loss)
        return loss


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Mean (by default) of ``−log softmax(logits)[label]``; labels are class indices."""
    with name_scope(scope, "sparse_softmax_cross_entropy_loss"):
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Mean (by default) of ``−Σ onehot·log softmax(logits)``; ``label_smoothing`` ε mixes the
    one-hot rows with the uniform distribution: ``(1 − ε)·onehot + ε/num_classes``."""
    with name_scope(scope, "softmax_cross_entropy_loss"):
        logits = convert_to_tensor(logits)
        labels = cast(convert_to_tensor(onehot_labels), logits.dtype)
        if label_smoothing:
            n = logits.shape[-1]
            labels = add(multiply(labels, 1.0 - label_smoothing), label_smoothing / n)
        losses = softmax_cross_entropy_with_logits_v2(labels=stop_gradient(labels), logits=logits,
                                                      name="xentropy")
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Mean (by default) of the logistic loss of each logit against its 0/1 label."""
    with name_scope(scope, "sigmoid_cross_entropy_loss"):
        logits = convert_to_tensor(logits)
        labels = cast(convert_to_tensor(multi_class_labels), logits.dtype)
        if label_smoothing:
            labels = add(multiply(labels, 1.0 - label_smoothing), 0.5 * label_smoothing)
        losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Mean (by default) of ``(predictions − labels)²``."""
    with name_scope(scope, "mean_squared_error"):
        predictions = convert_to_tensor(predictions)
        labels = cast(convert_to_tensor(labels), predictions.dtype)
        _same_shape(labels, predictions, "mean_squared_error")
        losses = squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Mean (by default) of ``|predictions − labels|``."""
    with name_scope(scope, "absolute_difference"):
        predictions = convert_to_tensor(predictions)
        labels = cast(convert_to_tensor(labels), predictions.dtype)
        _same_shape(labels, predictions, "absolute_difference")
        losses = _abs(subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Mean (by default) of ``−y·log(p + ε) − (1 − y)·log(1 − p + ε)`` for probabilities p."""
    with name_scope(scope, "log_loss"):
        p = convert_to_tensor(predictions)
        y = cast(convert_to_tensor(labels), p.dtype)
        _same_shape(y, p, "log_loss")
        losses = subtract(negative(multiply(y, log(add(p, epsilon)))),
                          multiply(subtract(1.0, y), log(add(subtract(1.0, p), epsilon))))
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Put a loss you built yourself into the collection ``get_total_loss`` sums."""
    if loss_collection:
        add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 when there are none)."""
    losses = get_regularization_losses(scope)
    if not losses:
        return convert_to_tensor(0.0, name=name)
    return add_n(losses, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of every collected loss (and, by default, the regularization losses)."""
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses found: build them with tf.losses.* or add them with tf.losses.add_loss.")
    return add_n(losses, name=name)


from .unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.losses", globals())  # a missing tf.losses.<name>: an error naming the API
