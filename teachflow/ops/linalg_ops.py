"""Square-matrix algebra: ``tf.matrix_inverse``, ``tf.matrix_determinant``, ``tf.matrix_transpose``
(also ``tf.linalg.inv``, ``det``, ``matrix_transpose``). All work on the last two axes, so a
batch of matrices ``[..., n, n]`` is handled at once, as in TF1.

The closed-form linear regression of classic courses, ``W = (XᵀX)⁻¹ Xᵀ y``, is the usual use.
"""
import numpy as np

from ..core.constant import convert_to_tensor
from ..core.errors import InvalidArgumentError
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import float_check, make


def _square(op, api):
    x = op.inputs[0]
    if x._dims is None:
        return None
    if len(x._dims) < 2:
        raise ShapeError(f"{api} needs matrices (rank ≥ 2, the last two axes square), got shape "
                         f"{fmt(x._dims)}", hint="tf.reshape a vector to [n, 1] or [1, n]")
    n, m = x._dims[-2:]
    if n is not None and m is not None and n != m:
        raise ShapeError(f"{api} needs square matrices, got {n}×{m} (shape {fmt(x._dims)})",
                         hint="for least squares use (XᵀX)⁻¹Xᵀ: tf.matmul(x, x, transpose_a=True)")
    return x._dims


@register
class MatrixInverse(OpDef):
    """``Y = A⁻¹`` (``adjoint=True``: ``(Aᵀ)⁻¹``) for each matrix of the batch."""
    formula = "Y = A⁻¹"
    latex = r"Y = A^{-1}"
    grad_formulas = ("∂L/∂A = −Yᵀ · ∂L/∂Y · Yᵀ",)

    def infer(self, op):
        return _square(op, "matrix_inverse"), op.inputs[0].dtype

    def kernel(self, op, a):
        a = np.swapaxes(a, -1, -2) if op.attrs["adjoint"] else a
        try:
            return np.linalg.inv(a).astype(a.dtype, copy=False)
        except np.linalg.LinAlgError:
            raise InvalidArgumentError(
                f"Input is not invertible: '{op.name}' got a singular matrix (determinant 0). Add a "
                "small multiple of the identity (ridge regression) or use fewer, independent features.",
                op) from None

    def gradient(self, op, g):
        from .math_ops import matmul
        from .unary_ops import negative
        y = op.outputs[0]
        if op.attrs["adjoint"]:   # Y = (Aᵀ)⁻¹: ∂L/∂A = −Y · (∂L/∂Y)ᵀ · Y
            return [negative(matmul(y, matmul(g, y, transpose_a=True)))]
        return [negative(matmul(y, matmul(g, y, transpose_b=True), transpose_a=True))]


@register
class MatrixDeterminant(OpDef):
    """``d = det(A)`` for each matrix of the batch (shape ``[...]``)."""
    formula = "d = det(A)"
    latex = r"d = \det A"
    grad_formulas = ("∂L/∂A = ∂L/∂d · d · A⁻ᵀ",)

    def infer(self, op):
        dims = _square(op, "matrix_determinant")
        return (None if dims is None else dims[:-2]), op.inputs[0].dtype

    def kernel(self, op, a):
        return np.asarray(np.linalg.det(a), dtype=a.dtype)

    def gradient(self, op, g):
        from .array_ops import expand_dims
        from .math_ops import multiply
        a, d = op.inputs[0], op.outputs[0]
        inv_t = make("MatrixInverse", [a], adjoint=True)       # A⁻ᵀ, as TF1's rule
        scale = expand_dims(expand_dims(multiply(g, d), -1), -1)
        return [multiply(scale, inv_t)]


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002 (TF's argument name)
    """``tf.matrix_inverse(A)``: A⁻¹ of each square matrix (``adjoint=True``: of Aᵀ)."""
    x = convert_to_tensor(input)
    float_check(x, "MatrixInverse")
    return make("MatrixInverse", [x], name or "MatrixInverse", adjoint=bool(adjoint))


def matrix_determinant(input, name=None):  # noqa: A002
    """``tf.matrix_determinant(A)``: det(A) of each square matrix."""
    x = convert_to_tensor(input)
    float_check(x, "MatrixDeterminant")
    return make("MatrixDeterminant", [x], name or "MatrixDeterminant")


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """``tf.matrix_transpose(A)``: swap the last two axes (each matrix of a batch transposed).
    As in TF1 it is a ``Transpose`` op with the permutation ``[0, …, r−1, r−2]``."""
    from .array_ops import transpose
    x = convert_to_tensor(a)
    if x.ndim is None:
        raise ShapeError(f"matrix_transpose needs a known rank, but {x.name} has an unknown shape")
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose needs a tensor of rank ≥ 2, got {x.name} of shape {fmt(x._dims)}")
    perm = list(range(x.ndim - 2)) + [x.ndim - 1, x.ndim - 2]
    return transpose(x, perm, name=name)
