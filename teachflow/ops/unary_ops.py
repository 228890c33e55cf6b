"""Element-wise functions of one tensor (neg, abs, square, sqrt, exp, log, tanh, sigmoid, relu,
floor ...), each with its gradient beside it.

The activations a training step runs on big arrays (relu, sigmoid, tanh and their gradients)
cut arrays of ``threads.PARALLEL_MIN_BYTES`` or more into cache-sized pieces (``in_pieces``) that
the session's pool runs on both cores; each piece is computed in its output's own memory, with no
array-sized temporaries. Smaller arrays are computed whole, as before. The results are the same
bits as the formulas' plain NumPy expressions (tests/nn/test_nn_elementwise.py)."""
import numpy as np

from ..core import threads
from ..core.constant import convert_to_tensor
from ..core.opdef import OPS, OpDef, register
from ._util import float_check, make
from .math_ops import add, multiply, pow, realdiv  # noqa: A004 (pow: TF's name)


# --------------------------------------------------------------------------- big arrays in pieces
def in_pieces(pool, fn, out, *arrays):
    """``fn(out_piece, *array_pieces)`` over cache-sized pieces of ``out`` and ``arrays`` (all of
    one shape) on ``pool`` (``threads.split``; None: the default pool); returns ``out``. Below
    ``threads.PARALLEL_MIN_BYTES``, one call on the whole arrays. C-contiguous arrays are cut flat
    at multiples of 16 elements (whole 64-byte cache lines of float32), others along axis 0. The
    cut depends on the sizes only, so the result is the same bits for any thread count."""
    if out.nbytes < threads.PARALLEL_MIN_BYTES:
        fn(out, *arrays)
        return out
    pool = pool or threads.pool_for(None)
    every = (out,) + arrays
    if all(a.flags.c_contiguous for a in every):
        flat = [a.reshape(-1) for a in every]
        n = out.size

        def piece(a, b):
            a, b = 16 * a, min(16 * b, n)
            fn(*[f[a:b] for f in flat])
        threads.split(pool, piece, -(-n // 16), out.nbytes)
    else:
        threads.split(pool, lambda a, b: fn(*[f[a:b] for f in every]), len(out), out.nbytes)
    return out


_CONSTANTS = {}  # (dtype, value) -> a read-only array of it, as long as the longest piece asked for


def constant_piece(x, value=0):
    """``value`` in ``x``'s shape and dtype, read-only, shared by every piece (no allocation).

    ``np.maximum(x, z)`` with an array ``z`` of zeros runs NumPy's vector loop; against the
    scalar 0 an element-at-a-time loop, 2.5x slower (0.75 against 0.3 ms for 10 MB of float32)."""
    if x.nbytes > 4 * threads.PARALLEL_MIN_BYTES:  # a rare huge piece (a long row of a view):
        return np.broadcast_to(np.asarray(value, x.dtype), x.shape)  # nothing kept for it
    key = (x.dtype, str(value))  # str: -0.0 is not 0.0
    z = _CONSTANTS.get(key)
    if z is None or z.size < x.size:
        z = np.full(x.size, value, x.dtype)
        z.flags.writeable = False
        _CONSTANTS[key] = z
    return z[:x.size].reshape(x.shape)


def bind_pooled(kernel, op, session, small=None):
    """What ``bind`` returns: ``kernel(op, *values, pool)`` with the session's pool. ``small``:
    a NumPy function that is the kernel on arrays below ``threads.PARALLEL_MIN_BYTES``, called
    directly for them (a bare ufunc's speed on the DNN tutorial's small arrays)."""
    pool = threads.pool_for(session)
    if len(op.inputs) == 1:
        if small is None:
            return lambda x: kernel(op, x, pool)
        return lambda x: small(x) if x.nbytes < threads.PARALLEL_MIN_BYTES else kernel(op, x, pool)
    if len(op.inputs) == 2:
        if small is None:
            return lambda a, b: kernel(op, a, b, pool)
        return lambda a, b: (small(a, b) if a.nbytes < threads.PARALLEL_MIN_BYTES
                             else kernel(op, a, b, pool))
    return lambda *values: kernel(op, *values, pool)


class _Unary(OpDef):
    batching = "elementwise"
    def infer(self, op):
        x = op.inputs[0]
        return x._dims, x.dtype


@register
class Neg(_Unary):
    formula = "y = −x"
    grad_formulas = ("∂L/∂x = −∂L/∂y",)
    ufunc = staticmethod(np.negative)

    def gradient(self, op, g):
        return [negative(g)]


@register
class Abs(_Unary):
    formula = "y = |x|"
    grad_formulas = ("∂L/∂x = ∂L/∂y ⊙ sign(x)",)
    ufunc = staticmethod(np.abs)

    def gradient(self, op, g):
        return [multiply(g, sign(op.inputs[0]))]


@register
class Sign(_Unary):
    formula = "y = sign(x)"
    differentiable = False
    ufunc = staticmethod(np.sign)


@register
class Square(_Unary):
    formula = "y = x²"
    grad_formulas = ("∂L/∂x = 2x ⊙ ∂L/∂y",)
    ufunc = staticmethod(np.square)

    def gradient(self, op, g):
        return [multiply(g, multiply(op.inputs[0], 2))]


@register
class Sqrt(_Unary):
    formula = "y = √x"
    grad_formulas = ("∂L/∂x = ∂L/∂y / (2y)",)
    ufunc = staticmethod(np.sqrt)

    def gradient(self, op, g):
        return [make("SqrtGrad", [op.outputs[0], g])]


@register
class SqrtGrad(OpDef):
    formula = "∂L/∂x = ∂L/∂y ⊙ 0.5 / y"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    def kernel(self, op, y, g):
        return g * 0.5 / y


@register
class Rsqrt(_Unary):
    formula = "y = 1/√x"
    grad_formulas = ("∂L/∂x = −½·y³ ⊙ ∂L/∂y",)

    def kernel(self, op, x):
        return 1 / np.sqrt(x)

    def gradient(self, op, g):
        y = op.outputs[0]
        return [multiply(g, multiply(pow(y, 3), -0.5))]


@register
class Exp(_Unary):
    formula = "y = eˣ"
    grad_formulas = ("∂L/∂x = ∂L/∂y ⊙ y",)
    ufunc = staticmethod(np.exp)

    def gradient(self, op, g):
        return [multiply(g, op.outputs[0])]


@register
class Log(_Unary):
    formula = "y = ln x"
    grad_formulas = ("∂L/∂x = ∂L/∂y / x",)
    ufunc = staticmethod(np.log)

    def gradient(self, op, g):
        return [realdiv(g, op.inputs[0])]


@register
class Log1p(_Unary):
    formula = "y = ln(1 + x)"
    grad_formulas = ("∂L/∂x = ∂L/∂y / (1 + x)",)
    ufunc = staticmethod(np.log1p)

    def gradient(self, op, g):
        return [realdiv(g, add(op.inputs[0], 1))]


@register
class Reciprocal(_Unary):
    formula = "y = 1/x"
    grad_formulas = ("∂L/∂x = −∂L/∂y ⊙ y²",)
    ufunc = staticmethod(np.reciprocal)

    def gradient(self, op, g):
        return [negative(multiply(g, square(op.outputs[0])))]


@register
class Sin(_Unary):
    formula = "y = sin x"
    grad_formulas = ("∂L/∂x = ∂L/∂y ⊙ cos x",)
    ufunc = staticmethod(np.sin)

    def gradient(self, op, g):
        return [multiply(g, cos(op.inputs[0]))]


@register
class Cos(_Unary):
    formula = "y = cos x"
    grad_formulas = ("∂L/∂x = −∂L/∂y ⊙ sin x",)
    ufunc = staticmethod(np.cos)

    def gradient(self, op, g):
        return [negative(multiply(g, sin(op.inputs[0])))]


@register
class Tanh(_Unary):
    formula = "y = tanh x"
    grad_formulas = ("∂L/∂x = ∂L/∂y ⊙ (1 − y²)",)

    def kernel(self, op, x, pool=None):
        if x.nbytes < threads.PARALLEL_MIN_BYTES:
            return np.tanh(x)
        return in_pieces(pool, lambda o, xp: np.tanh(xp, out=o),
                         np.empty(x.shape, np.tanh(x.reshape(-1)[:1]).dtype), x)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session, small=np.tanh)

    def gradient(self, op, g):
        return [make("TanhGrad", [op.outputs[0], g])]


@register
class TanhGrad(OpDef):
    formula = "∂L/∂x = ∂L/∂y ⊙ (1 − y²)"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    # A big array: per piece, y·y, then 1 − that, then times ∂L/∂y, in the output's memory.
    def kernel(self, op, y, g, pool=None):
        if g.nbytes < threads.PARALLEL_MIN_BYTES or g.shape != y.shape or g.dtype != y.dtype:
            return g * (1 - y * y)

        def piece(o, yp, gp):
            np.multiply(yp, yp, out=o)
            np.subtract(1, o, out=o)
            np.multiply(gp, o, out=o)
        return in_pieces(pool, piece, np.empty(g.shape, g.dtype), y, g)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)

    def gradient(self, op, gg):
        y, g = op.inputs
        return [multiply(gg, multiply(multiply(g, y), -2)), make("TanhGrad", [y, gg])]


@register
class Sigmoid(_Unary):
    formula = "y = σ(x) = 1 / (1 + e⁻ˣ)"
    grad_formulas = ("∂L/∂x = ∂L/∂y ⊙ y(1 − y)",)

    # Stable for large |x|: with e = exp(−|x|) (of a non-positive number only), y = 1/(1 + e)
    # for x ≥ 0 and e/(1 + e) below. The numerator is max(e, [x ≥ 0]) (e ≤ 1; a NaN stays NaN):
    # no np.where, whose element-by-element choice took 17 ms for 100×28×28×32 float32, against
    # 2.1 ms now on one thread.
    def kernel(self, op, x, pool=None):
        def piece(o, xp):
            np.abs(xp, out=o)
            np.negative(o, out=o)
            np.exp(o, out=o)
            d = np.add(o, 1)
            np.maximum(o, np.greater_equal(xp, 0), out=o)
            np.divide(o, d, out=o)
        out = np.empty(x.shape, x.dtype)
        return in_pieces(pool, piece, out, x)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)

    def gradient(self, op, g):
        return [make("SigmoidGrad", [op.outputs[0], g])]


@register
class SigmoidGrad(OpDef):
    formula = "∂L/∂x = ∂L/∂y ⊙ y(1 − y)"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    # A big array: per piece, ∂L/∂y·y, then times (1 − y), in the output's memory.
    def kernel(self, op, y, g, pool=None):
        if g.nbytes < threads.PARALLEL_MIN_BYTES or g.shape != y.shape or g.dtype != y.dtype:
            return g * y * (1 - y)

        def piece(o, yp, gp):
            np.multiply(gp, yp, out=o)
            np.multiply(o, np.subtract(1, yp), out=o)
        return in_pieces(pool, piece, np.empty(g.shape, g.dtype), y, g)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)


@register
class Relu(_Unary):
    formula = "y = max(x, 0)"
    grad_formulas = ("∂L/∂x = ∂L/∂y where x > 0, else 0",)

    # -0.0 gives +0.0 and NaN stays NaN, as TensorFlow's. Against an array of zeros (NumPy's
    # vector loop; the same bits as against the scalar 0, 2.5-3x faster from 50×300 values up);
    # a big array in pieces.
    def kernel(self, op, x, pool=None):
        if x.nbytes < threads.PARALLEL_MIN_BYTES:
            return np.maximum(x, constant_piece(x))
        return in_pieces(pool,
                         lambda o, xp: np.maximum(xp, constant_piece(xp), out=o),
                         np.empty(x.shape, x.dtype), x)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)

    def gradient(self, op, g):
        return [make("ReluGrad", [g, op.outputs[0]])]


@register
class ReluGrad(OpDef):
    formula = "∂L/∂x = ∂L/∂y ⊙ [y > 0]"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    # TF1's very product, gradients * (features > 0): where y ≤ 0 (or NaN) a negative ∂L/∂y gives
    # -0.0 and an infinite one NaN. A big array: per piece, the mask [y > 0] as a piece-sized bool
    # array, converted to 1.0/0.0 into the output's own memory, then multiplied by ∂L/∂y in place
    # (no array-sized bool). The comparison into bool and the conversion are NumPy's fast loops;
    # comparing straight into a float output casts through a buffer, and multiplying by the bool
    # mask does too (then the next reader of the output, BiasAddGrad, was slower as well):
    # 5-7 % less time than the comparison into the float output (bench_elementwise.py --variants).
    def kernel(self, op, g, y, pool=None):
        if g.nbytes < threads.PARALLEL_MIN_BYTES or g.shape != y.shape:
            return g * (y > 0)

        return in_pieces(pool, relu_grad_into,
                         np.empty(g.shape, np.result_type(g, np.bool_)), g, y)

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session)

    def bind_fused(self, op, session, bias_grad, filter_grad=None, keep=True):
        """ReluGrad -> BiasAddGrad [-> Conv2DBackpropFilter] of its value, the backward pass of a
        layer with a bias and a ReLU, as one kernel (the plan's rule C): ``f(g, y)``, or
        ``f(g, y, x, w)`` with the filter gradient's first two inputs. It returns ∂L/∂z (only
        when ``keep``: used elsewhere), ∂L/∂b [and ∂L/∂W], a tuple when more than one.

        A big array is done a block of images at a time (BiasAddGrad's blocks): ∂L/∂z of the
        block, its sum over the images, and the filter gradient's products colsᵀ·∂L/∂z of its
        rows (with the forward pass's saved im2col matrix), while the block is in the cache;
        ∂L/∂z goes to memory only when kept (else into a block-sized work array of the thread).
        The same products and sums, added in the same order, as the three ops one by one, so the
        same bits (any thread count). Small arrays, or no saved matrix: the ops' own kernels."""
        from .relu_bias_grad import ReluBiasGrad  # (it imports conv_ops and nn_ops, which import this module)
        return ReluBiasGrad(op, session, bias_grad, filter_grad, keep)

    def gradient(self, op, gg):
        return [make("ReluGrad", [gg, op.inputs[1]]), None]


def relu_grad_into(out, g, y, mask=None):
    """ReluGrad's piece, ``out = g * (y > 0)`` (TF1's product, ``ReluGrad``'s comment says how):
    the mask into ``mask`` (a bool array of y's shape; None: a new one), converted into ``out``,
    then multiplied by ``g`` in place. Also the fused backward chain's (``relu_bias_grad``)."""
    np.copyto(out, np.greater(y, 0, out=mask))
    np.multiply(g, out, out=out)


@register
class Floor(_Unary):
    formula = "y = ⌊x⌋"
    differentiable = False
    ufunc = staticmethod(np.floor)


@register
class Ceil(_Unary):
    formula = "y = ⌈x⌉"
    differentiable = False
    ufunc = staticmethod(np.ceil)


@register
class Round(_Unary):
    formula = "y = round(x)"
    differentiable = False
    ufunc = staticmethod(np.round)


# --------------------------------------------------------------------------- functions
def _unary(op_type, default_name, floating=False):
    def f(x, name=None):
        x = convert_to_tensor(x)
        if floating:
            float_check(x, op_type)
        return make(op_type, [x], name or default_name)
    f.__name__ = default_name
    f.__doc__ = f"Element-wise ``{OPS[op_type].formula}``."
    return f


negative = _unary("Neg", "Neg")
abs = _unary("Abs", "Abs")  # noqa: A001 (TF's name)
sign = _unary("Sign", "Sign")
square = _unary("Square", "Square")
sqrt = _unary("Sqrt", "Sqrt", floating=True)
rsqrt = _unary("Rsqrt", "Rsqrt", floating=True)
exp = _unary("Exp", "Exp", floating=True)
log = _unary("Log", "Log", floating=True)
log1p = _unary("Log1p", "Log1p", floating=True)
reciprocal = _unary("Reciprocal", "Reciprocal", floating=True)
sin = _unary("Sin", "Sin", floating=True)
cos = _unary("Cos", "Cos", floating=True)
tanh = _unary("Tanh", "Tanh", floating=True)
sigmoid = _unary("Sigmoid", "Sigmoid", floating=True)
relu = _unary("Relu", "Relu")
floor = _unary("Floor", "Floor")
ceil = _unary("Ceil", "Ceil")
round = _unary("Round", "Round")  # noqa: A001
neg = negative
