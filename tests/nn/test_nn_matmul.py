"""MatMul on the session's pool: big products cut into pieces (by rows, by columns or over the
sum), the same bits on any thread count, and the fused MatMul -> BiasAdd [-> Relu] that the plan
uses giving exactly the values of the three ops run one after another."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import threads
from teachflow.core.opdef import OPS
from teachflow.ops import math_ops
from teachflow.testing import check_gradients

# (m, k, n) of C = A·B, one per way of cutting it (see math_ops._cut)
CUTS = {"rows": (37, 5, 11), "columns": (5, 13, 29), "k": (6, 200, 7)}
TRANSPOSES = [(False, False), (True, False), (False, True), (True, True)]


def small_pieces(monkeypatch):
    """Every product "pays" for the pool (so it comes in ``threads.PIECES`` pieces), and the
    partial sums of a cut over k are added in many small blocks of rows."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_FLOPS", 0)
    monkeypatch.setattr(threads, "PIECE_BYTES", 64)
    monkeypatch.setattr(threads, "blas_threads", lambda: 1)


def operands(rng, m, k, n, ta, tb, dtype):
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    bias = rng.standard_normal(n).astype(dtype)
    return a, b, bias


def bound(a, b, ta, tb, threads_, activation="unfused"):
    """MatMul's kernel (or fused kernel) as a plan binds it, in a session of ``threads_``."""
    tf.reset_default_graph()
    y = tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb)
    with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=threads_)) as sess:
        if activation == "unfused":
            return OPS["MatMul"].bind(y.op, sess)
        return OPS["MatMul"].bind_fused(y.op, sess, activation)


def unfused(x, bias, activation):
    """BiasAdd (``x + b``), then Relu (``max(x, 0)`` in x's dtype): the ops' own formulas."""
    y = x + bias
    return np.maximum(y, 0, dtype=y.dtype) if activation == "Relu" else y


@pytest.mark.parametrize("cut", sorted(CUTS))
@pytest.mark.parametrize("ta,tb", TRANSPOSES)
def test_pieces_on_several_threads_give_the_same_values(monkeypatch, cut, ta, tb):
    """Cut into pieces run by 1 or 3 threads: the very same bits (the cut depends on the sizes
    only), and one BLAS call's values to float32 rounding."""
    m, k, n = CUTS[cut]
    assert math_ops._cut(m, k, n) == cut
    a, b, _ = operands(np.random.default_rng(1), m, k, n, ta, tb, np.float32)
    whole = np.matmul(a.T if ta else a, b.T if tb else b)
    small_pieces(monkeypatch)
    calls = []
    monkeypatch.setattr(threads, "pieces", lambda *args, f=threads.pieces: calls.append(f(*args)) or calls[-1])
    one, three = bound(a, b, ta, tb, 1)(a, b), bound(a, b, ta, tb, 3)(a, b)
    assert len(calls[0]) > 2  # really cut into pieces
    assert one.dtype == np.float32 and one.shape == (m, n)
    np.testing.assert_array_equal(one, three)
    np.testing.assert_allclose(three, whole, rtol=1e-5, atol=1e-5 * np.abs(whole).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", [None, "Relu"])
@pytest.mark.parametrize("ta,tb", TRANSPOSES)
def test_fused_bias_and_relu_give_the_bits_of_the_three_ops(monkeypatch, dtype, activation, ta, tb):
    """bind_fused(a, b, bias) == Relu(BiasAdd(MatMul(a, b), bias)), bit for bit: for a small
    product (one call), for every cut on 1 and 3 threads, float32 and float64."""
    rng = np.random.default_rng(2)

    def check(m, k, n):
        a, b, bias = operands(rng, m, k, n, ta, tb, dtype)
        for t in (1, 3):
            want = unfused(bound(a, b, ta, tb, t)(a, b), bias, activation)
            got = bound(a, b, ta, tb, t, activation)(a, b, bias)
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)
            if activation == "Relu":
                assert (got == 0).any() and (got > 0).any()
    check(9, 7, 5)  # small: one product, then the bias and the max in place
    small_pieces(monkeypatch)
    for m, k, n in CUTS.values():
        check(m, k, n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_big_product_is_cut_and_fused_at_the_real_threshold(monkeypatch, dtype):
    """With teachflow's own thresholds: 50×784·784×300 (the DNN tutorial's biggest, 24 MFLOP)
    is one call; 128×640·640×512 (84 MFLOP) goes to the pool, fused or not, on 1 and 3 threads,
    and the fused values equal the three ops'."""
    rng = np.random.default_rng(3)
    taken = []
    monkeypatch.setattr(math_ops, "_product", lambda *args, f=math_ops._product: taken.append(1) or f(*args))
    a, b, bias = operands(rng, 50, 784, 300, False, False, dtype)
    np.testing.assert_array_equal(bound(a, b, False, False, 3)(a, b), a @ b)
    np.testing.assert_array_equal(bound(a, b, False, False, 3, "Relu")(a, b, bias),
                                  unfused(a @ b, bias, "Relu"))
    assert not taken
    a, b, bias = operands(rng, 128, 640, 512, False, False, dtype)
    results = {}
    for t in (1, 3):
        x = bound(a, b, False, False, t)(a, b)
        fused = bound(a, b, False, False, t, "Relu")(a, b, bias)
        np.testing.assert_array_equal(fused, unfused(x, bias, "Relu"))
        results[t] = x
    assert len(taken) == 4
    np.testing.assert_array_equal(results[1], results[3])
    np.testing.assert_allclose(results[3], a @ b, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-12)


def test_training_graph_gradients_are_the_same_bits_on_one_and_three_threads(monkeypatch):
    """A dense layer's forward and both gradient products (g·Wᵀ by columns, Xᵀ·g over the sum)
    through a session, cut into small pieces: 1 and 3 threads agree bit for bit."""
    rng = np.random.default_rng(4)
    xv = rng.standard_normal((40, 30)).astype(np.float32)
    wv = rng.standard_normal((30, 6)).astype(np.float32)
    small_pieces(monkeypatch)

    def run(t):
        tf.reset_default_graph()
        x, w = tf.placeholder(tf.float32, [None, 30]), tf.Variable(wv)
        y = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), tf.constant(np.ones(6, np.float32))))
        grads = tf.gradients(tf.reduce_sum(y * y), [x, w])
        with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=t)) as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run([y] + grads, {x: xv})
    for one, three in zip(run(1), run(3)):
        np.testing.assert_array_equal(one, three)


def test_gradients_of_cut_products_match_central_differences(monkeypatch):
    small_pieces(monkeypatch)
    rng = np.random.default_rng(5)
    for ta, tb in TRANSPOSES:
        a, b, _ = operands(rng, 6, 40, 5, ta, tb, np.float64)
        check_gradients(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b])


def test_batched_products_keep_one_call_and_fuse():
    """A stack of matrices (rank 3) is one np.matmul; the fused form adds the bias to its rows."""
    rng = np.random.default_rng(6)
    a = rng.standard_normal((3, 4, 5)).astype(np.float32)
    b = rng.standard_normal((3, 5, 2)).astype(np.float32)
    bias = rng.standard_normal(2).astype(np.float32)
    np.testing.assert_array_equal(bound(a, b, False, False, 3, "Relu")(a, b, bias),
                                  unfused(a @ b, bias, "Relu"))


def test_bind_fused_names_a_wrong_activation():
    a = np.ones((2, 2), np.float32)
    with pytest.raises(ValueError, match="activation must be None or 'Relu', got 'Tanh'"):
        bound(a, a, False, False, 1, "Tanh")


@pytest.mark.parametrize("ta,tb", TRANSPOSES)
def test_one_call_transposes_matrices_and_stacks(ta, tb):
    """The one-call kernel transposes a matrix by ``.T`` and a stack by its last two axes: both
    the bits of np.matmul over swapped axes (the kernel before), in a session as through bind."""
    rng = np.random.default_rng(7)
    for batch in ((), (3,)):
        a = rng.standard_normal(batch + ((5, 4) if ta else (4, 5))).astype(np.float32)
        b = rng.standard_normal(batch + ((2, 5) if tb else (5, 2))).astype(np.float32)
        want = np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)
        got = bound(a, b, ta, tb, 1)(a, b)
        assert got.shape == batch + (4, 2)
        np.testing.assert_array_equal(got, want)
        tf.reset_default_graph()
        with tf.Session() as sess:
            np.testing.assert_array_equal(
                sess.run(tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb)), want)
