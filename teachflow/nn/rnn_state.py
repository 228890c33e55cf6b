"""An RNN's state: ``LSTMStateTuple``, the nested tuples states are made of, and zeros for a
batch whose size may be known only at run time."""
import collections

from ..core.graph import Tensor
from ..ops.array_ops import expand_dims
from ..ops.creation_ops import broadcast_like, zeros


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state ``(c, h)``: the cell (memory) state and the output (hidden) state."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype.name} vs {h.dtype.name}")
        return c.dtype


def map_structure(fn, structure, *more):
    """``fn`` applied to the leaves of nested tuples (LSTMStateTuple, MultiRNNCell's tuple of
    states), keeping the structure: ``state_size`` and states share one shape of nesting."""
    if isinstance(structure, tuple):
        parts = [map_structure(fn, *items) for items in zip(structure, *more)]
        return type(structure)(*parts) if hasattr(structure, "_fields") else tuple(parts)
    return fn(structure, *more)


def flatten(structure):
    """The leaves of a nested tuple, in order."""
    if isinstance(structure, tuple):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def batch_reference(batch_size):
    """A tensor whose first axis is the batch, for zeros of an unknown batch size: ``batch_size``
    must be an int or TF1's idiom ``tf.shape(x)[0]`` (then ``x`` itself)."""
    op = batch_size.op
    if op.type == "StridedSlice" and op.inputs[0].op.type == "Shape" and op.attrs["key"] == (0,):
        return op.inputs[0].op.inputs[0]
    raise TypeError(f"zero_state: batch_size must be an int or tf.shape(x)[0], got the tensor "
                    f"{batch_size.name} (teachflow's shapes are static otherwise).")


def zeros_for_batch(batch, units, dtype):
    """Zeros of shape [batch, units]; ``batch`` is an int or a tensor whose axis 0 is the batch."""
    if isinstance(batch, Tensor):
        column = batch
        while column.ndim > 1:  # keep axis 0 only: x[:, 0] (values unused, only the batch size)
            column = column[(slice(None), 0)]
        return broadcast_like(zeros([units], dtype), expand_dims(column, 1))
    return zeros([batch, units], dtype)
