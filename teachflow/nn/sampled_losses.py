"""Losses over a few sampled classes instead of all of them: ``tf.nn.nce_loss`` (word2vec's
noise-contrastive estimation) and ``tf.nn.sampled_softmax_loss``, built from ordinary ops as
TF1 builds them (``_compute_sampled_logits``), so their gradients come from those ops.

For each example: the logits of its true classes and of the ``num_sampled`` classes the sampler
drew (shared by the batch), each ``inputs · w_class + b_class − log(expected count of the
class)``; NCE scores every logit as a yes/no question (sigmoid cross entropy, true classes
labelled ``1/num_true``) and sums them per example; sampled softmax takes one softmax over them.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import name_scope
from ..ops.array_ops import concat, expand_dims, reshape
from ..ops.candidate_sampling_ops import accidental_hits_mask, log_uniform_candidate_sampler
from ..ops.creation_ops import ones_like, zeros_like
from ..ops.loss_ops import sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2
from ..ops.math_ops import cast, matmul
from ..ops.nn_ops import embedding_lookup
from ..ops.reduce_ops import reduce_sum
from ..ops.selection_ops import shape, stop_gradient
from ..ops.unary_ops import log


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, partition_strategy="mod",
             name="nce_loss"):
    """Per-example noise-contrastive loss ``[batch]``: ``weights`` ``[num_classes, dim]`` (or a
    list of shards), ``biases`` ``[num_classes]``, ``labels`` ``[batch, num_true]`` class ids,
    ``inputs`` ``[batch, dim]``. Without ``sampled_values`` the classes are drawn by
    ``tf.nn.log_uniform_candidate_sampler`` (unique, seeded by the graph seed)."""
    logits, targets = _compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        remove_accidental_hits, partition_strategy, name, "nce_loss")
    losses = sigmoid_cross_entropy_with_logits(labels=targets, logits=logits, name="sampled_losses")
    return reduce_sum(losses, 1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, partition_strategy="mod",
                         name="sampled_softmax_loss", seed=None):
    """Per-example softmax cross entropy ``[batch]`` over the true and the sampled classes only;
    a sampled class that is also a true class is left out (``remove_accidental_hits``)."""
    logits, targets = _compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        remove_accidental_hits, partition_strategy, name, "sampled_softmax_loss", seed=seed)
    return softmax_cross_entropy_with_logits_v2(labels=stop_gradient(targets), logits=logits)


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                            sampled_values, remove_accidental_hits, partition_strategy, name, fn,
                            seed=None):
    """``(logits [batch, num_true + num_sampled], targets of the same shape)``."""
    _check_counts(fn, num_sampled, num_classes, num_true)
    shards = list(weights) if isinstance(weights, (list, tuple)) else [weights]
    with name_scope(name, "compute_sampled_logits"):
        inputs = convert_to_tensor(inputs)
        labels = _labels(convert_to_tensor(labels), num_true, fn)
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True,
                                                           num_classes, seed=seed)
        sampled, true_count, sampled_count = (stop_gradient(convert_to_tensor(v)) for v in sampled_values)
        sampled = cast(sampled, _dtypes.int64) if sampled.dtype != _dtypes.int64 else sampled
        labels_flat = reshape(labels, [-1])
        true_w = embedding_lookup(shards, labels_flat, partition_strategy)   # [batch·num_true, dim]
        sampled_w = embedding_lookup(shards, sampled, partition_strategy)    # [num_sampled, dim]
        true_b = reshape(embedding_lookup(biases, labels_flat), [-1, num_true])
        sampled_b = embedding_lookup(biases, sampled)
        per_row = concat([[-1, num_true], shape(true_w)[1:2]], 0)  # [batch, num_true, dim]
        rows = expand_dims(inputs, 1) * reshape(true_w, per_row)    # row-wise dots
        true_logits = reduce_sum(rows, 2) + true_b
        sampled_logits = matmul(inputs, sampled_w, transpose_b=True) + sampled_b
        if remove_accidental_hits:
            sampled_logits = sampled_logits + accidental_hits_mask(labels, sampled, sampled_logits.dtype)
        true_logits = true_logits - log(_as(true_count, true_logits.dtype))
        sampled_logits = sampled_logits - log(_as(sampled_count, sampled_logits.dtype))
        logits = concat([true_logits, sampled_logits], 1)
        targets = concat([ones_like(true_logits) / np.asarray(num_true, true_logits.dtype.np),
                          zeros_like(sampled_logits)], 1)
        return logits, targets


def _check_counts(fn, num_sampled, num_classes, num_true):
    for what, v in (("num_sampled", num_sampled), ("num_classes", num_classes), ("num_true", num_true)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"tf.nn.{fn}: {what} must be a positive int, got {v!r}.")


def _labels(labels, num_true, fn):
    """Class ids ``[batch, num_true]`` as int64 (TF1 casts them too)."""
    if not labels.dtype.is_integer:
        raise TypeError(f"tf.nn.{fn}: labels must be integer class ids, but {labels.name} is "
                        f"{labels.dtype.name}. Use tf.cast(labels, tf.int64).")
    dims = labels._dims
    if dims is not None and (len(dims) != 2 or dims[1] not in (None, num_true)):
        raise ValueError(f"tf.nn.{fn}: labels must have shape [batch_size, num_true={num_true}], got "
                         f"{labels.shape}; reshape word ids with tf.reshape(ids, [-1, 1]).")
    return cast(labels, _dtypes.int64) if labels.dtype != _dtypes.int64 else labels


def _as(count, dtype):
    """The sampler's float32 expected counts in the logits' dtype (float64 logits in tests)."""
    return count if count.dtype == dtype else cast(count, dtype)
