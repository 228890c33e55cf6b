"""The activations and bias ops on big arrays, cut into pieces for the pool (unary_ops.in_pieces):
the same bits as the one-call NumPy formulas they replace, for any thread count, special values
included (-0.0, NaN, ±inf, subnormals); small arrays still take the one call."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import threads
from teachflow.ops._util import make
from teachflow.testing import same_bits

SPECIAL = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-45, -1e-45, 1.0, -1.0, 3e38,
                    -3e38], np.float32)


def naive(op_type, *v):
    """The formulas as they were before the kernels were cut into pieces (and as TF1 writes them;
    BiasAddGrad: its sums grouped as its kernel and ReluGrad.bind_fused group them)."""
    with np.errstate(all="ignore"):  # NaN and inf are among the values on purpose
        return _naive(op_type, *v)


def _naive(op_type, *v):
    if op_type == "Relu":
        return np.maximum(v[0], 0, dtype=v[0].dtype)
    if op_type == "ReluGrad":
        return v[0] * (v[1] > 0)
    if op_type == "BiasAdd":
        return v[0] + v[1]
    if op_type == "BiasAddGrad":  # big: 1ᵀ·G per block of images (BiasAddGrad's), added in order
        g, blocks = v[0], threads.pieces(len(v[0]), v[0].nbytes, None)
        if len(blocks) > 1:
            part = [np.ones(g[a:b].size // g.shape[-1], g.dtype) @ g[a:b].reshape(-1, g.shape[-1])
                    for a, b in blocks]
            return np.add.reduce(np.array(part), axis=0)
        if g.ndim > 2:  # one block: the sum over the batch, then over the pixels
            g = np.add.reduce(g, axis=0).reshape(-1, g.shape[-1])
        return np.add.reduce(g, axis=0)
    if op_type == "Sigmoid":
        x = v[0]
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    if op_type == "SigmoidGrad":
        return v[1] * v[0] * (1 - v[0])
    if op_type == "Tanh":
        return np.tanh(v[0])
    if op_type == "TanhGrad":
        return v[1] * (1 - v[0] * v[0])
    if op_type == "Elu":
        return np.where(v[0] > 0, v[0], np.expm1(np.minimum(v[0], 0)))
    if op_type == "EluGrad":
        return np.where(v[1] > 0, v[0], v[0] * (v[1] + 1))
    if op_type == "Relu6":
        return np.clip(v[0], 0, 6).astype(v[0].dtype, copy=False)
    if op_type == "Relu6Grad":
        return v[0] * ((v[1] > 0) & (v[1] < 6))
    raise KeyError(op_type)


def values(shape, seed, dtype=np.float32, special=True):
    """Normal values with the special ones sprinkled in (and many exact zeros, as after a ReLU)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    x[rng.random(shape) < 0.2] = 0
    if special:  # float16 turns ±3e38 into ±inf
        flat = x.reshape(-1)
        where = rng.choice(flat.size, 3 * len(SPECIAL), replace=False)
        with np.errstate(over="ignore"):
            flat[where] = np.tile(SPECIAL.astype(dtype), 3)
    return x


def run(op_type, inputs, threads_=1):
    """The op bound by a session of ``threads_`` threads, on ``inputs`` (fed as they are)."""
    with tf.Graph().as_default():
        ps = [tf.placeholder(tf.as_dtype(v.dtype), v.shape) for v in inputs]
        out = make(op_type, ps)
        config = tf.ConfigProto(intra_op_parallelism_threads=threads_)
        with tf.Session(config=config) as sess:
            kernel = out.op.opdef.bind(out.op, sess)  # the kernel itself: no copy of the feeds
            return kernel(*inputs)


def cases(shape, seed, dtype=np.float32):
    x, g = values(shape, seed, dtype), values(shape, seed + 1, dtype)
    b = values(shape[-1:], seed + 2, dtype, special=False)
    y = naive("Relu", x)
    with np.errstate(over="ignore"):  # ReluGrad for any features, NaN included
        y.reshape(-1)[:len(SPECIAL)] = SPECIAL.astype(dtype)
    with np.errstate(over="ignore"):
        big, wide = x * 30, x * 3  # far into the flat tails, where exp underflows
    return {"Relu": (x,), "ReluGrad": (g, y), "BiasAdd": (x, b), "BiasAddGrad": (g,),
            "Sigmoid": (big,), "SigmoidGrad": (naive("Sigmoid", x), g), "Tanh": (wide,),
            "TanhGrad": (naive("Tanh", x), g), "Elu": (wide,), "EluGrad": (g, naive("Elu", wide)),
            "Relu6": (wide,), "Relu6Grad": (g, wide)}


OPS = ["Relu", "ReluGrad", "BiasAdd", "BiasAddGrad", "Sigmoid", "SigmoidGrad", "Tanh", "TanhGrad",
       "Elu", "EluGrad", "Relu6", "Relu6Grad"]


def small_pieces(monkeypatch):
    monkeypatch.setattr(threads, "PARALLEL_MIN_BYTES", 1)  # every array is "big"
    monkeypatch.setattr(threads, "PIECE_BYTES", 256)       # and comes in many small pieces
    monkeypatch.setattr(threads, "blas_threads", lambda: 1)


@pytest.mark.parametrize("op_type", OPS)
@pytest.mark.parametrize("shape", [(40, 28, 28, 32), (3, 700, 1000), (50, 300)])
def test_values_are_the_naive_formulas_bits(op_type, shape):
    """Big arrays (cut into pieces with the real thresholds) and the DNN tutorial's small one."""
    inputs = cases(shape, 1)[op_type]
    expected = naive(op_type, *inputs)
    for n in (1, 2):
        same_bits(run(op_type, inputs, n), expected)


@pytest.mark.parametrize("op_type", OPS)
@pytest.mark.parametrize("shape,dtype", [((7, 5, 6, 3), np.float32), ((13, 11), np.float32),
                                         ((5, 4, 9), np.float64), ((2, 3, 4, 5, 6), np.float16)])
def test_pieces_on_several_threads_give_the_same_bits(monkeypatch, op_type, shape, dtype):
    """Many small pieces on 1 and on 3 threads: the naive formula's bits both times."""
    inputs = cases(shape, 2, dtype)[op_type]
    small_pieces(monkeypatch)  # (before the naive formula: BiasAddGrad's blocks are the pieces')
    expected = naive(op_type, *inputs)
    for n in (1, 3):
        same_bits(run(op_type, inputs, n), expected)


@pytest.mark.parametrize("op_type", OPS)
def test_views_that_are_not_contiguous(monkeypatch, op_type):
    """∂L/∂y as Conv2DBackpropInput gives it (a crop of a padded array), a transposed input:
    cut along the batch axis instead, the same bits."""
    small_pieces(monkeypatch)
    rng = np.random.default_rng(5)
    padded = values((6, 9, 9, 4), 5)
    crop = padded[:, :8, :8]
    turned = values((4, 8, 8, 6), 6).transpose(3, 1, 2, 0)
    with np.errstate(over="ignore"):  # Relu6 between 0 and 6 too
        crop4, turned4 = (padded * 4)[:, :8, :8], (turned.transpose(3, 1, 2, 0) * 4).transpose(3, 1, 2, 0)
    b = rng.standard_normal(4).astype(np.float32)
    inputs = {"Relu": [(crop,), (turned,)], "ReluGrad": [(crop, naive("Relu", turned)),
                                                         (turned, naive("Relu", crop))],
              "BiasAdd": [(crop, b), (turned, b)], "BiasAddGrad": [(crop,), (turned,)],
              "Sigmoid": [(crop,), (turned,)], "Tanh": [(crop,), (turned,)],
              "SigmoidGrad": [(naive("Sigmoid", turned), crop), (naive("Sigmoid", crop), turned)],
              "TanhGrad": [(naive("Tanh", turned), crop), (np.tanh(crop), turned)],
              "Elu": [(crop,), (turned,)], "Relu6": [(crop4,), (turned4,)],
              "EluGrad": [(crop, naive("Elu", turned)), (turned, naive("Elu", crop))],
              "Relu6Grad": [(crop, turned4), (turned, crop4)]}[op_type]
    for args in inputs:
        assert not all(a.flags.c_contiguous for a in args)
        for n in (1, 3):
            same_bits(run(op_type, args, n), naive(op_type, *args))


@pytest.mark.parametrize("op_type", OPS)
def test_small_arrays_take_one_call(monkeypatch, op_type):
    """Below threads.PARALLEL_MIN_BYTES nothing is cut (the pool is never asked)."""
    def fail(*a, **k):
        raise AssertionError("a small array was cut into pieces")
    monkeypatch.setattr(threads, "split", fail)
    inputs = cases((50, 300), 3)[op_type]
    same_bits(run(op_type, inputs, 2), naive(op_type, *inputs))


def test_relu_of_big_arrays_shares_one_zeros_array():
    """Relu's pieces compare against a read-only zeros array (NumPy's vector loop), never
    allocated per call once it is long enough."""
    from teachflow.ops import unary_ops
    x = values((30, 100, 1000), 7)
    run("Relu", (x,), 2)
    z = unary_ops._CONSTANTS[np.dtype(np.float32), "0"]
    assert not z.flags.writeable and not z.any()
    run("Relu", (x,), 2)
    assert unary_ops._CONSTANTS[np.dtype(np.float32), "0"] is z


def test_a_training_step_on_big_batches_matches_the_one_thread_run(monkeypatch):
    """Conv -> bias -> relu and back, through tf.gradients, in small pieces: 1 and 3 threads,
    the same bits."""
    rng = np.random.default_rng(8)
    xv = rng.standard_normal((6, 8, 8, 2)).astype(np.float32)
    wv = rng.standard_normal((3, 3, 2, 5)).astype(np.float32)

    def step(n):
        with tf.Graph().as_default():
            x, w = tf.constant(xv), tf.constant(wv)
            b = tf.constant(np.linspace(-0.3, 0.3, 5).astype(np.float32))
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), b))
            loss = tf.reduce_sum(h * h)
            grads = tf.gradients(loss, [x, b])
            with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=n)) as sess:
                return sess.run([h] + grads)
    small_pieces(monkeypatch)
    for a, b in zip(step(1), step(3)):
        same_bits(a, b)


@pytest.mark.parametrize("value", [np.array(-2.5, np.float32), np.array(-0.0), np.arange(-4, 5, dtype=np.int32),
                                   np.arange(-3, 3, dtype=np.int64).reshape(2, 3)])
def test_relu_of_scalars_and_integers(value):
    """A 0-d value and integer tensors keep their dtype and TF's values."""
    got = run("Relu", (value,), 2)
    same_bits(got, naive("Relu", value))


def test_a_huge_piece_is_not_kept(monkeypatch):
    """A non-contiguous array with a short batch axis is cut into huge pieces: compared against a
    broadcast constant, not a kept array of that size; the same bits."""
    from teachflow.ops import unary_ops
    monkeypatch.setattr(unary_ops, "_CONSTANTS", {})
    monkeypatch.setattr(threads, "PARALLEL_MIN_BYTES", 4096)
    x = values((2, 3000, 8), 9).transpose(0, 2, 1)  # 2 pieces of 96 kB
    for op_type in ("Relu", "Elu"):
        for n in (1, 2):
            same_bits(run(op_type, (x,), n), naive(op_type, x))
    assert all(z.nbytes <= 4 * 4096 for z in unary_ops._CONSTANTS.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_grad_of_every_pair_of_special_values(monkeypatch, dtype):
    """ReluGrad is TF1's gradients * (features > 0) for every (∂L/∂y, y) pair of special values,
    in pieces on 1 and 3 threads: a negative ∂L/∂y where y ≤ 0 or NaN gives -0.0, an infinite
    or NaN one gives NaN there, and ∂L/∂y passes unchanged where y > 0 (+inf and the smallest
    subnormal included)."""
    special = SPECIAL.astype(dtype) if dtype != np.float16 else np.array(
        [-0.0, 0.0, np.nan, np.inf, -np.inf, 6e-8, -6e-8, 1.0, -1.0, 6e4, -6e4], dtype)
    g, y = (a.reshape(-1) for a in np.meshgrid(special, special, indexing="ij"))
    g, y = np.tile(g, 40).reshape(-1, 8), np.tile(y, 40).reshape(-1, 8)  # many pieces
    expected = naive("ReluGrad", g, y)
    small_pieces(monkeypatch)
    for n in (1, 3):
        got = run("ReluGrad", (g, y), n)
        same_bits(got, expected)
        off = ~(y > 0)
        finite = np.isfinite(g)
        assert np.all(got[off & finite] == 0)
        np.testing.assert_array_equal(np.signbit(got[off & finite]), np.signbit(g[off & finite]))
        assert np.all(np.isnan(got[off & ~finite]))
        same_bits(got[~off & ~np.isnan(g)], g[~off & ~np.isnan(g)])
        assert np.all(np.isnan(got[~off & np.isnan(g)]))


def test_gradients_through_relu_and_bias_add_in_pieces(monkeypatch):
    """The pieced kernels' gradients against central differences (float64): relu(x + b) with
    respect to x and b, and ReluGrad's own gradient (the second derivative's path), every
    array cut into many pieces."""
    from teachflow.testing import check_gradients
    small_pieces(monkeypatch)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 4, 5, 6))
    x[np.abs(x) < 0.05] = 0.3  # off the kink at 0, where central differences straddle it
    b = rng.standard_normal(6) * 0.01
    check_gradients(lambda x, b: tf.nn.relu(tf.nn.bias_add(x, b)), [x, b])
    g = rng.standard_normal(x.shape)
    check_gradients(lambda g, x: make("ReluGrad", [g, tf.nn.relu(x)]), [g, x], wrt=[0])
