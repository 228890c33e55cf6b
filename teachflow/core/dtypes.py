"""Data types: TF1's names (``tf.float32`` ...) mapped onto NumPy dtypes.

A DType is a small immutable object so that ``t.dtype == tf.float32`` reads as in TensorFlow,
while kernels work with the plain NumPy dtype (``dtype.np``).
"""
import numpy as np


class DType:
    """A tensor element type: ``name`` as TF spells it, ``np`` the NumPy dtype behind it."""

    __slots__ = ("name", "np")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def base_dtype(self):
        return self

    @property
    def is_floating(self):
        return self.np.kind == "f"

    @property
    def is_integer(self):
        return self.np.kind in "iu"

    @property
    def is_bool(self):
        return self.np.kind == "b"

    @property
    def size(self):
        """Bytes per element (used by the renderer and the network cost model)."""
        return self.np.itemsize

    def __eq__(self, other):
        if isinstance(other, _OpaqueDType):
            return other is self
        try:
            return self.np == as_dtype(other).np
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
bool_ = DType("bool", np.bool_)
string = DType("string", np.object_)



class _OpaqueDType(DType):
    """A value that is not an array: what a Cond/While op keeps of its forward run for the
    gradient (TF's ``variant``). Equal only to itself."""

    __slots__ = ()

    def __eq__(self, other):
        return other is self

    def __hash__(self):
        return hash(self.name)

    @property
    def is_floating(self):
        return False

    @property
    def is_integer(self):
        return False

    @property
    def is_bool(self):
        return False


variant = _OpaqueDType("variant", np.object_)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NP = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME["double"] = float64
_BY_NAME["float"] = float32
_BY_NAME["string"], _BY_NP[string.np] = string, string  # bytes objects, as TF1 returns them


def as_dtype(value):
    """Turn a DType, a NumPy dtype/type, or a name like ``"float32"`` into a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    try:
        return _BY_NP[np.dtype(value)]
    except (TypeError, KeyError):
        raise TypeError(
            f"Unsupported dtype {value!r}: expected one of "
            + ", ".join(d.name for d in _ALL)) from None


def infer_dtype(value):
    """The DType TF1 gives a Python/NumPy value: Python floats -> float32, ints -> int32,
    NumPy arrays keep their own dtype."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return as_dtype(value.dtype)
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return float32
    if arr.dtype.kind in "iu":
        return int32
    if arr.dtype.kind == "b":
        return bool_
    if arr.dtype.kind in "US":  # str / bytes: tf.constant("Hello, TensorFlow!")
        return string
    raise TypeError(f"Cannot make a tensor from {type(value).__name__} value {value!r}")
