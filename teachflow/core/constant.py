"""Where data enters a graph: constants (values baked in) and placeholders (values fed at run
time), and ``convert_to_tensor``, which turns Python and NumPy values into constants."""
import numpy as np

from . import dtypes as _dtypes
from .errors import PLACEHOLDER_HINT
from .graph import Tensor, get_default_graph
from .i18n import hint
from .opdef import OPS, OpDef, register
from .shapes import ShapeError, fmt


@register
class Const(OpDef):
    """A value fixed when the graph is built."""
    formula = "y = constant"
    kind = "constant"
    differentiable = False

    def infer(self, op):
        v = op.attrs["value"]
        return v.shape, _dtypes.as_dtype(v.dtype)

    def bind(self, op, session):
        v = op.attrs["value"]
        return lambda: v


@register
class Placeholder(OpDef):
    """A hole in the graph, filled by ``feed_dict`` at run time."""
    formula = "y = fed value"
    kind = "placeholder"
    differentiable = False

    def infer(self, op):
        return op.attrs["shape"], op.attrs["dtype"]

    def bind(self, op, session):
        def missing():
            from .errors import InvalidArgumentError
            raise InvalidArgumentError(
                f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                f"{op.attrs['dtype'].name} and shape {fmt(op.attrs['shape'])}: pass "
                f"feed_dict={{{op.name.split('/')[-1]}: ...}} to sess.run."
                + hint(PLACEHOLDER_HINT).format(name=op.name), op)
        return missing

@register
class PlaceholderWithDefault(OpDef):
    """A placeholder that, when not fed, passes its input through."""
    formula = "y = fed value, else default"
    kind = "placeholder"
    differentiable = False

    def infer(self, op):
        return op.attrs["shape"], op.inputs[0].dtype

    def bind(self, op, session):
        return lambda x: x


def constant(value, dtype=None, shape=None, name="Const"):
    """A tensor whose value is fixed in the graph: ``tf.constant([[1., 2.]])``."""
    if value is None:
        raise ValueError("None values not supported (tf.constant got None): pass a number, a list "
                         "or an array.")
    try:
        dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.infer_dtype(value)
        arr = np.asarray(value)
        if arr.dtype.kind == "O" and arr.size:
            raise ValueError("it holds objects of mixed types or ragged nested lists")
    except ValueError as e:
        raise ValueError(f"tf.constant cannot make a tensor from {str(value)[:60]!r}: {e}. "
                         "Nested lists must be rectangular ([[1, 2], [3, 4]]).") from None
    if arr.dtype.kind == "f" and dt.is_integer:
        raise TypeError(f"Expected {dt.name} for tf.constant, got float value {value!r}.")
    try:
        arr = np.array(arr, dtype=dt.np)
    except (ValueError, TypeError, OverflowError) as e:
        raise ValueError(f"tf.constant cannot convert {str(value)[:60]!r} to {dt.name}: {e}") from None
    if dt == _dtypes.string:  # TF1 keeps bytes: sess.run prints b'Hello, TensorFlow!'
        arr = np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else bytes(s), otypes=[object])(arr)
    if shape is not None:
        shape = static_dims(shape, "tf.constant")
        if None in shape:
            raise ValueError(f"tf.constant: shape must be fully defined, got {shape!r}")
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=dt.np)
        elif arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
        else:
            raise ShapeError(f"tf.constant: a value with {arr.size} elements cannot have shape {fmt(shape)}")
    arr.setflags(write=False)
    return get_default_graph().create_op(OPS["Const"], [], {"value": arr}, name).outputs[0]




def static_dims(shape, fn):
    """A user's shape (``None``, an int, a list of ints/None, a TensorShape) as a tuple with
    ``None`` for unknown dimensions; anything else is an error naming ``fn``."""
    if shape is None:
        return None
    dims = getattr(shape, "dims", shape)
    if dims is None:
        return None
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        dims = (dims,)
    if isinstance(dims, (str, bytes, Tensor)) or not hasattr(dims, "__iter__"):
        raise TypeError(f"{fn}: shape must be a list of ints (None for an unknown dimension), "
                        f"got {shape!r}.")
    dims = tuple(dims)
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0):
            raise ValueError(f"{fn}: each dimension must be a non-negative int or None, got {d!r} "
                             f"in {shape!r}.")
    return tuple(None if d is None else int(d) for d in dims)


def placeholder(dtype, shape=None, name=None):
    """A tensor you must feed: ``x = tf.placeholder(tf.float32, [None, 784])``."""
    dims = static_dims(shape, "tf.placeholder")
    return get_default_graph().create_op(
        OPS["Placeholder"], [], {"dtype": _dtypes.as_dtype(dtype), "shape": dims},
        name or "Placeholder").outputs[0]


def placeholder_with_default(input, shape, name=None):
    x = convert_to_tensor(input)
    return get_default_graph().create_op(
        OPS["PlaceholderWithDefault"], [x], {"shape": static_dims(shape, "tf.placeholder_with_default")},
        name or "PlaceholderWithDefault").outputs[0]


def convert_to_tensor(value, dtype=None, name=None):
    """``value`` as a Tensor: tensors (and variables) pass through, anything else becomes a
    constant. With ``dtype``, a mismatching tensor is a TypeError (TF1 never casts silently)."""
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != _dtypes.as_dtype(dtype):
            raise TypeError(f"Tensor {value.name} has dtype {value.dtype.name}, but {_dtypes.as_dtype(dtype).name} "
                            f"is required here. Use tf.cast({value.op.name}, tf.{_dtypes.as_dtype(dtype).name}).")
        return value
    conv = getattr(value, "_as_graph_element", None)
    if conv is not None:
        return convert_to_tensor(conv(), dtype, name)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        # tf.stack, made by its registered type (core imports nothing from ops/)
        return get_default_graph().create_op(OPS["Pack"], [convert_to_tensor(v, dtype) for v in value],
                                             {"axis": 0}, name or "packed").outputs[0]
    return constant(value, dtype=dtype, name=name or "Const")
