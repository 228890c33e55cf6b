"""Element-wise arithmetic of two tensors, casts, sums of many, and matrix multiplication, each
with its gradient beside it. Functions of one tensor (exp, tanh, relu ...) are in ``unary_ops``;
the Tensor operators (``+``, ``*``, ``@``, ``[]`` ...) in ``overloads``.

Binary ops broadcast as NumPy does; their gradients sum the incoming gradient back to each
operand's shape with ``SumToShape`` (the step a student most often forgets).

A big matrix product runs in pieces on the session's threads (``_product``), and MatMul offers
the plan a fused MatMul + BiasAdd [+ Relu] (``MatMul.bind_fused``) with the unfused ops' bits.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core import threads
from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, broadcast, fmt
from ._util import make, pair


# --------------------------------------------------------------------------- helpers
class _Binary(OpDef):
    batching = "elementwise"
    def infer(self, op):
        x, y = op.inputs
        return broadcast(x._dims, y._dims), x.dtype


def _needs_reduce(x, other, out):
    """Could the gradient for ``x`` need summing over broadcast axes?"""
    if x._dims is None or out._dims is None or other._dims is None:
        return True
    if x._dims != out._dims:
        return True
    if len(other._dims) > len(x._dims):
        return True
    od = (1,) * (len(x._dims) - len(other._dims)) + other._dims  # missing leading axes act as 1
    return any(d is None and o is None for d, o in zip(x._dims, od))


def unbroadcast(grad, x, other):
    """``grad`` summed back to the shape of ``x`` (skipped when shapes provably agree)."""
    if _needs_reduce(x, other, grad):
        return make("SumToShape", [grad, x])
    return grad


@register
class SumToShape(OpDef):
    """Undo broadcasting: sum the gradient over the axes along which ``x`` was stretched."""
    formula = "∂L/∂x = Σ over broadcast axes of ∂L/∂z"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[0].dtype

    def kernel(self, op, g, x):
        shape = np.shape(x)
        gs = np.shape(g)
        if gs == shape:
            return g
        lead = len(gs) - len(shape)
        if lead:
            g = g.sum(axis=tuple(range(lead)))
        axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        return g

    def bind(self, op, session):
        return lambda g, x: self.kernel(op, g, x)

    def gradient(self, op, grad):
        from .creation_ops import broadcast_like
        return [broadcast_like(grad, op.inputs[0]), None]


# --------------------------------------------------------------------------- binary arithmetic
@register
class Add(_Binary):
    formula = "z = x + y"
    grad_formulas = ("∂L/∂x = ∂L/∂z summed over the axes x was broadcast along",
                     "∂L/∂y = ∂L/∂z summed over the axes y was broadcast along (for a bias: over the rows)")
    ufunc = staticmethod(np.add)

    def gradient(self, op, g):
        x, y = op.inputs
        return [unbroadcast(g, x, y), unbroadcast(g, y, x)]


@register
class Sub(_Binary):
    formula = "z = x − y"
    grad_formulas = ("∂L/∂x = ∂L/∂z summed over the axes x was broadcast along",
                     "∂L/∂y = −∂L/∂z summed over the axes y was broadcast along")
    ufunc = staticmethod(np.subtract)

    def gradient(self, op, g):
        x, y = op.inputs
        return [unbroadcast(g, x, y), unbroadcast(_neg(g), y, x)]


@register
class Mul(_Binary):
    formula = "z = x ⊙ y"
    grad_formulas = ("∂L/∂x = ∂L/∂z ⊙ y", "∂L/∂y = ∂L/∂z ⊙ x")
    ufunc = staticmethod(np.multiply)

    def gradient(self, op, g):
        x, y = op.inputs
        return [unbroadcast(multiply(g, y), x, y), unbroadcast(multiply(g, x), y, x)]


@register
class RealDiv(_Binary):
    formula = "z = x / y"
    grad_formulas = ("∂L/∂x = ∂L/∂z / y", "∂L/∂y = −∂L/∂z ⊙ x / y²")
    ufunc = staticmethod(np.true_divide)

    def gradient(self, op, g):
        x, y = op.inputs
        gy = _neg(multiply(g, realdiv(op.outputs[0], y)))
        return [unbroadcast(realdiv(g, y), x, y), unbroadcast(gy, y, x)]


class _IntegerDivision(_Binary):
    """Integer division by zero is an error in TF1 (NumPy only warns and returns 0)."""
    differentiable = False

    def bind(self, op, session):
        if not op.inputs[1].dtype.is_integer:
            return self.ufunc
        ufunc = self.ufunc

        def divide(x, y):
            if not np.all(y):
                from ..core.errors import InvalidArgumentError
                raise InvalidArgumentError(
                    f"Integer division by zero in {self.type} op '{op.name}': the divisor "
                    f"{op.inputs[1].name} contains 0.", op)
            return ufunc(x, y)
        return divide


@register
class FloorDiv(_IntegerDivision):
    formula = "z = ⌊x / y⌋"
    ufunc = staticmethod(np.floor_divide)


@register
class FloorMod(_IntegerDivision):
    formula = "z = x mod y"
    ufunc = staticmethod(np.mod)


@register
class Pow(_Binary):
    formula = "z = x ^ y"
    grad_formulas = ("∂L/∂x = ∂L/∂z ⊙ y·x^(y−1)", "∂L/∂y = ∂L/∂z ⊙ z·log x")
    ufunc = staticmethod(np.power)

    def gradient(self, op, g):
        x, y = op.inputs
        gx = multiply(g, multiply(y, pow(x, subtract(y, 1))))
        safe_log = make("Select", [greater(x, 0), _log(make("Select", [greater(x, 0), x, _ones(x)])),
                                   _zeros(x)])
        gy = multiply(g, multiply(op.outputs[0], safe_log))
        return [unbroadcast(gx, x, y), unbroadcast(gy, y, x)]


@register
class Maximum(_Binary):
    formula = "z = max(x, y)"
    grad_formulas = ("∂L/∂x = ∂L/∂z where x ≥ y", "∂L/∂y = ∂L/∂z where x < y")
    ufunc = staticmethod(np.maximum)

    def gradient(self, op, g):
        x, y = op.inputs
        return _select_grads(g, greater_equal(x, y), x, y)


@register
class Minimum(_Binary):
    formula = "z = min(x, y)"
    grad_formulas = ("∂L/∂x = ∂L/∂z where x ≤ y", "∂L/∂y = ∂L/∂z where x > y")
    ufunc = staticmethod(np.minimum)

    def gradient(self, op, g):
        x, y = op.inputs
        return _select_grads(g, less_equal(x, y), x, y)


def _select_grads(g, mask, x, y):
    zeros = make("ZerosLike", [g])
    gx = make("Select", [mask, g, zeros])
    gy = make("Select", [mask, zeros, g])
    return [unbroadcast(gx, x, y), unbroadcast(gy, y, x)]


@register
class SquaredDifference(_Binary):
    formula = "z = (x − y)²"
    grad_formulas = ("∂L/∂x = 2(x − y)⊙∂L/∂z", "∂L/∂y = −2(x − y)⊙∂L/∂z")

    def kernel(self, op, x, y):
        d = x - y
        return d * d

    def gradient(self, op, g):
        x, y = op.inputs
        gx = multiply(g, multiply(subtract(x, y), 2))
        return [unbroadcast(gx, x, y), unbroadcast(_neg(gx), y, x)]


# --------------------------------------------------------------------------- unary
@register
class Cast(OpDef):
    batching = "elementwise"
    formula = "y = x as another dtype"
    grad_formulas = ("∂L/∂x = ∂L/∂y cast back",)

    def infer(self, op):
        return op.inputs[0]._dims, op.attrs["DstT"]

    def kernel(self, op, x):
        return np.asarray(x).astype(op.attrs["DstT"].np)

    def gradient(self, op, g):
        x = op.inputs[0]
        if x.dtype.is_floating and op.attrs["DstT"].is_floating:
            return [cast(g, x.dtype)]
        return [None]


@register
class AddN(OpDef):
    formula = "y = x₁ + x₂ + … + xₙ"
    grad_formulas = ("∂L/∂xᵢ = ∂L/∂y",)

    def infer(self, op):
        dims = op.inputs[0]._dims
        for t in op.inputs[1:]:
            if t.dtype != op.inputs[0].dtype:
                raise ShapeError(f"AddN inputs must share a dtype ({op.inputs[0].dtype.name} vs "
                                 f"{t.dtype.name})")
            if dims is not None and t._dims is not None and len(dims) != len(t._dims):
                raise ShapeError(f"AddN inputs must all have the same shape, got "
                                 + ", ".join(fmt(u._dims) for u in op.inputs))
            if dims is None or t._dims is None:
                dims = dims if t._dims is None else t._dims
                continue
            merged = []
            for a, b in zip(dims, t._dims):
                if a is not None and b is not None and a != b:
                    raise ShapeError("AddN inputs must all have the same shape, got "
                                     + ", ".join(fmt(u._dims) for u in op.inputs))
                merged.append(a if a is not None else b)
            dims = tuple(merged)
        return dims, op.inputs[0].dtype

    def bind(self, op, session):
        if len(op.inputs) == 2:
            return np.add

        def add_all(*xs):
            total = xs[0] + xs[1]
            for x in xs[2:]:
                total += x
            return total
        return add_all

    def gradient(self, op, g):
        return [g] * len(op.inputs)


# --------------------------------------------------------------------------- matmul
@register
class MatMul(OpDef):
    batching = "first"
    formula = "C = A·B"
    latex = r"C = A B"
    grad_formulas = ("∂L/∂A = ∂L/∂C · Bᵀ", "∂L/∂B = Aᵀ · ∂L/∂C")

    def infer(self, op):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if a.dtype != b.dtype:
            raise ShapeError(f"MatMul inputs must share a dtype, got {a.dtype.name} and {b.dtype.name}",
                             hint="tf.cast one operand")
        if a._dims is None or b._dims is None:
            return None, a.dtype
        if len(a._dims) < 2 or len(b._dims) < 2:
            raise ShapeError(f"Shape must be rank 2 but is rank {min(len(a._dims), len(b._dims))}",
                             hint="matmul multiplies matrices; use tf.reshape(v, [1, -1]) or "
                                  "tf.expand_dims for a vector, or tf.multiply for element-wise")
        if len(a._dims) != len(b._dims):
            raise ShapeError(f"MatMul needs operands of equal rank, got {len(a._dims)} and {len(b._dims)}")
        m, k1 = (a._dims[-1], a._dims[-2]) if ta else (a._dims[-2], a._dims[-1])
        k2, n = (b._dims[-1], b._dims[-2]) if tb else (b._dims[-2], b._dims[-1])
        if k1 is not None and k2 is not None and k1 != k2:
            hint = "the inner dimensions must agree: (m×k)·(k×n)"
            other_b = b._dims[-2] if tb else b._dims[-1]
            other_a = a._dims[-1] if ta else a._dims[-2]
            if k1 == other_b:
                hint += f"; transposing b (transpose_b={not tb}) would make {fmt(a._dims)}·{fmt(b._dims)} fit"
            elif k2 == other_a:
                hint += f"; transposing a (transpose_a={not ta}) would make it fit"
            elif other_a == other_b or a._dims[-1] == b._dims[-1]:
                hint += "; did you swap the operands?"
            raise ShapeError(f"Dimensions must be equal, but are {k1} and {k2}", hint=hint)
        batch = a._dims[:-2]
        return batch + (m, n), a.dtype

    # Speed: BLAS runs one thread (core/threads.py says why). A product of two matrices worth at
    # least ``threads.PARALLEL_MIN_FLOPS`` is cut into pieces that the session's pool runs
    # (``_product``); a smaller one, or a batch of matrices, is one np.matmul as it always was,
    # after a check of a few attributes (well under a microsecond). Cutting the DNN's 23.5 MFLOP
    # products (X·W1, Xᵀ·g) for 2 threads was measured with the faster pool (bench_matmul.py's
    # "middle" part, one thread's work between calls as in a step; load 1-5 on 2 shared cores):
    # the median got slower on both kernels (X·W1 228/254 µs min/median in one call, 190/401 in 2
    # pieces with AVX2; 137/145 against 165/202 with AVX-512: a sleeping thread wakes in ~25 µs)
    # and the DNN epoch too (11,000 images, AVX2: 0.138 s one call, 0.161 s cut), so it is not.
    def bind(self, op, session):
        one_call, big, n_axis = _bound_product(op, session)

        def matmul(a, b):
            if a.ndim == 2 == b.ndim and 2 * a.size * b.shape[n_axis] >= threads.PARALLEL_MIN_FLOPS:
                return big(a, b)
            return one_call(a, b)
        return matmul

    def bind_fused(self, op, session, activation):
        """``f(a, b, bias)``: this product, then BiasAdd, then (activation "Relu") Relu, as the
        plan fuses them (TF's ``_FusedMatMul``): the same bits as the three ops one after the
        other, but the bias and the max are applied in place to each piece of the product right
        after it is computed, while it is in the cache, and no intermediate array is allocated."""
        if activation not in (None, "Relu"):
            raise ValueError(f"MatMul.bind_fused: activation must be None or 'Relu', got {activation!r}")
        relu = activation == "Relu"
        one_call, big, n_axis = _bound_product(op, session)

        def fused_matmul(a, b, bias):
            if a.ndim == 2 == b.ndim and 2 * a.size * b.shape[n_axis] >= threads.PARALLEL_MIN_FLOPS:
                return big(a, b, bias, relu)
            return _bias_relu(one_call(a, b), bias, relu)
        return fused_matmul

    def gradient(self, op, g):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            return [matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)]
        if not ta and tb:
            return [matmul(g, b), matmul(g, a, transpose_a=True)]
        if ta and not tb:
            return [matmul(b, g, transpose_b=True), matmul(a, g)]
        return [matmul(b, g, transpose_a=True, transpose_b=True),
                matmul(g, a, transpose_a=True, transpose_b=True)]


def _bound_product(op, session):
    """For a MatMul's attributes: (the one-call product, the cut product on the session's pool,
    the axis of ``b`` that is the result's columns)."""
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    pool = threads.pool_for(session)
    # A matrix is transposed by ``.T`` (0.04 µs; np.swapaxes takes 0.34 µs, a tenth of the
    # DNN's 50×10 products), a stack of them by swapping its last two axes.
    if not ta and not tb:
        one_call = np.matmul
    elif ta and not tb:
        def one_call(a, b):
            return np.matmul(a.T if a.ndim == 2 else np.swapaxes(a, -1, -2), b)
    elif tb and not ta:
        def one_call(a, b):
            return np.matmul(a, b.T if b.ndim == 2 else np.swapaxes(b, -1, -2))
    else:
        def one_call(a, b):
            return np.matmul(a.T if a.ndim == 2 else np.swapaxes(a, -1, -2),
                             b.T if b.ndim == 2 else np.swapaxes(b, -1, -2))

    def big(a, b, bias=None, relu=False):
        return _product(pool, a.T if ta else a, b.T if tb else b, bias, relu)
    return one_call, big, 0 if tb else 1


def _bias_relu(x, bias, relu):
    """``x + bias``, then ``max(x, 0)``, written into ``x`` (BiasAdd's and Relu's bits)."""
    if bias is not None:
        np.add(x, bias, out=x)
    if relu:
        np.maximum(x, 0, out=x, dtype=x.dtype)
    return x


def _cut(m, k, n):
    """Which axis of ``C(m×n) = A(m×k)·B(k×n)`` to cut into pieces: "rows" of A and C, "columns"
    of B and C, or the sum over "k" (each piece a partial sum of the whole C, added at the end).
    Each piece reads the operand that is not cut in full (BLAS packs it again), and a piece of
    the sum writes a whole partial C that is read back and added: the cut with the least of
    that extra memory traffic. Partials count 4× (and their sum is not one product's rounding),
    so a cut of C wins a near tie. fc1 of the raw CNN (batch 128, 3136→1024), one thread,
    Haswell kernel: A·B by rows 9.7 ms against 7.0 for one call, by columns 7.3."""
    rows, columns, partial_sums = k * n, m * k, 4 * m * n
    if rows <= min(columns, partial_sums):
        return "rows"
    return "columns" if columns <= partial_sums else "k"


def _product(pool, a, b, bias=None, relu=False):
    """``a·b`` of two matrices (views allowed, BLAS reads transposed and sliced views as they
    are), in pieces run on ``pool``, each followed in place by ``+ bias`` and the ReLU when asked.
    The pieces depend on the sizes only, so any thread count gives the same bits. There are
    ``threads.PIECES`` of them, not cache-sized ones: BLAS blocks for the cache itself, and every
    further piece packs the uncut operand once more (fc1's Xᵀ·G, SkylakeX kernel, one thread:
    one call 3.4 ms, 8 pieces 3.7, 13 pieces of 1 MiB 3.9)."""
    (m, k), n = a.shape, b.shape[1]
    flops, cut = 2 * m * k * n, _cut(m, k, n)
    if cut == "k":
        parts = threads.pieces(k, 0, flops)
        partial = [None] * len(parts)

        def piece(p):
            k0, k1 = parts[p]
            partial[p] = np.matmul(a[:, k0:k1], b[k0:k1])
        pool.run(piece, len(parts))
        out = partial[0]

        def add(r0, r1):  # the partial sums added in order, a block of rows at a time
            for q in partial[1:]:
                np.add(out[r0:r1], q[r0:r1], out=out[r0:r1])
            _bias_relu(out[r0:r1], bias, relu)
        threads.split(pool, add, m, out.nbytes)
        return out
    out = np.empty((m, n), np.result_type(a, b))
    if cut == "rows":
        parts = threads.pieces(m, 0, flops)

        def piece(p):
            r0, r1 = parts[p]
            _bias_relu(np.matmul(a[r0:r1], b, out=out[r0:r1]), bias, relu)
    else:
        parts = threads.pieces(n, 0, flops)

        def piece(p):
            c0, c1 = parts[p]
            _bias_relu(np.matmul(a, b[:, c0:c1], out=out[:, c0:c1]),
                       None if bias is None else bias[c0:c1], relu)
    pool.run(piece, len(parts))
    return out


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix product ``a·b`` (batched over leading axes), optionally transposing either operand."""
    a, b = pair(a, b, "MatMul")
    return make("MatMul", [a, b], name, transpose_a=bool(transpose_a or adjoint_a),
                transpose_b=bool(transpose_b or adjoint_b))


# --------------------------------------------------------------------------- public functions
def _binary(op_type, default_name):
    def f(x, y, name=None):
        x, y = pair(x, y, op_type)
        return make(op_type, [x, y], name or default_name)
    f.__name__ = default_name
    f.__doc__ = f"Element-wise ``{OPS_FORMULA[op_type]}`` with NumPy broadcasting."
    return f


from ..core.opdef import OPS  # noqa: E402
OPS_FORMULA = {k: v.formula for k, v in OPS.items()}

add = _binary("Add", "add")
subtract = _binary("Sub", "sub")
multiply = _binary("Mul", "mul")
realdiv = _binary("RealDiv", "truediv")
floordiv = _binary("FloorDiv", "floordiv")
floormod = _binary("FloorMod", "mod")
maximum = _binary("Maximum", "Maximum")
minimum = _binary("Minimum", "Minimum")
squared_difference = _binary("SquaredDifference", "SquaredDifference")
mod = floormod
sub = subtract
mul = multiply


def pow(x, y, name=None):  # noqa: A001 (TF's name)
    """Element-wise ``x ** y``."""
    x, y = pair(x, y, "Pow")
    return make("Pow", [x, y], name or "Pow")


def truediv(x, y, name=None):
    """``x / y``; integers are first cast to floats, as in TF1 (int32 -> float64)."""
    x, y = pair(x, y, "RealDiv")
    if not x.dtype.is_floating:
        target = _dtypes.float32 if x.dtype.np.itemsize <= 2 else _dtypes.float64
        x, y = cast(x, target), cast(y, target)
    return make("RealDiv", [x, y], name or "truediv")


divide = truediv
def div(x, y, name=None):
    """TF1's ``tf.div``: Python 2 division, so integers divide with floor (and dividing an
    integer by zero is an error), floats as ``x / y``."""
    x, y = pair(x, y, "Div")
    if x.dtype.is_integer:
        return floordiv(x, y, name=name)
    return realdiv(x, y, name=name)


def cast(x, dtype, name=None):
    """``x`` converted to ``dtype`` (a no-op when it already has it)."""
    x = convert_to_tensor(x)
    if dtype is None:
        raise TypeError(f"tf.cast of {x.name}: dtype is None; pass a dtype such as tf.float32.")
    dtype = _dtypes.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return make("Cast", [x], name or "Cast", DstT=dtype)


def to_float(x, name="ToFloat"):
    return cast(x, _dtypes.float32, name)


def to_int32(x, name="ToInt32"):
    return cast(x, _dtypes.int32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, _dtypes.int64, name)


def add_n(inputs, name=None):
    """The sum of a list of tensors of one shape."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("add_n needs at least one tensor.")
    if len(inputs) == 1:
        return inputs[0]
    return make("AddN", inputs, name or "AddN")


def _ones(x):
    return make("OnesLike", [x])


def _zeros(x):
    return make("ZerosLike", [x])


def _neg(x):
    return make("Neg", [x])


def _log(x):
    return make("Log", [x])


from .compare_ops import (greater, greater_equal, less, less_equal, logical_and,  # noqa: E402
                          logical_not, logical_or, logical_xor)
