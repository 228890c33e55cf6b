"""Reversing along an axis: ``tf.reverse`` (ReverseV2) and ``tf.reverse_sequence``, which reverses
only the first ``seq_lengths[b]`` entries of each example ``b`` (the backward half of a
bidirectional RNN reads each sequence from its own last real step). Both are permutations, so
each one's gradient is the same reversal of the incoming gradient."""
import numpy as np

from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt, normalize_axis
from ._util import make


@register
class ReverseV2(OpDef):
    formula = "y = x read backwards along the given axes"
    grad_formulas = ("∂L/∂x = ∂L/∂y read backwards along the same axes",)

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    def bind(self, op, session):
        axes = op.attrs["axis"]
        return lambda x: np.flip(x, axes) if axes else x

    def gradient(self, op, g):
        return [make("ReverseV2", [g], axis=op.attrs["axis"])]


def reverse(tensor, axis, name=None):
    """``tf.reverse(x, axis=[1])``: ``x`` with the order of its entries along ``axis`` reversed."""
    x = convert_to_tensor(tensor)
    axes = normalize_axis(axis, x.ndim, "tf.reverse: axis")
    return make("ReverseV2", [x], name or "ReverseV2", axis=axes)


@register
class ReverseSequence(OpDef):
    formula = "y[b] = x[b] with its first seq_lengths[b] steps reversed, the rest as they were"
    grad_formulas = ("∂L/∂x = ∂L/∂y with the same steps reversed", None)

    def infer(self, op):
        x, lengths = op.inputs
        batch_axis = op.attrs["batch_axis"]
        if lengths._dims is not None and len(lengths._dims) != 1:
            raise ShapeError(f"reverse_sequence: seq_lengths must be a vector, got shape "
                             f"{fmt(lengths._dims)}")
        if x._dims is not None and lengths._dims is not None and None not in (
                x._dims[batch_axis], lengths._dims[0]) and x._dims[batch_axis] != lengths._dims[0]:
            raise ShapeError(f"reverse_sequence: seq_lengths has {lengths._dims[0]} entries but the "
                             f"batch axis {batch_axis} of the input has size {x._dims[batch_axis]}")
        return x._dims, x.dtype

    def kernel(self, op, x, lengths):
        seq_axis, batch_axis = op.attrs["seq_axis"], op.attrs["batch_axis"]
        steps = x.shape[seq_axis]
        if np.any(lengths < 0) or np.any(lengths > steps):
            bad = lengths[(lengths < 0) | (lengths > steps)][0]
            raise ValueError(f"reverse_sequence: seq_lengths holds {bad}, outside [0, {steps}] "
                             f"(the number of steps on axis {seq_axis}).")
        y = np.array(x, copy=True)
        xb, yb = np.moveaxis(x, (batch_axis, seq_axis), (0, 1)), np.moveaxis(y, (batch_axis, seq_axis), (0, 1))
        for b, n in enumerate(lengths):
            yb[b, :n] = xb[b, :n][::-1]
        return y

    def gradient(self, op, g):
        return [make("ReverseSequence", [g, op.inputs[1]], **op.attrs), None]


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,
                     seq_dim=None, batch_dim=None):
    """TF1's ``tf.reverse_sequence``: for each example ``b`` along ``batch_axis`` (default 0),
    reverse its first ``seq_lengths[b]`` entries along ``seq_axis``; the padding stays put."""
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths)
    if not lengths.dtype.is_integer:
        raise TypeError(f"reverse_sequence: seq_lengths must hold integers, got {lengths.dtype.name}.")
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = (batch_dim if batch_dim is not None else 0) if batch_axis is None else batch_axis
    if seq_axis is None:
        raise ValueError("reverse_sequence needs seq_axis (the time axis).")
    if x.ndim is None:
        raise ShapeError(f"reverse_sequence: {x.name} needs a known rank.")
    (s,), (b,) = normalize_axis(seq_axis, x.ndim, "seq_axis"), normalize_axis(batch_axis, x.ndim, "batch_axis")
    if s == b:
        raise ValueError(f"reverse_sequence: seq_axis and batch_axis must differ, both are {s}.")
    return make("ReverseSequence", [x, lengths], name or "ReverseSequence", seq_axis=s, batch_axis=b)
