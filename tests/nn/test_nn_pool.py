"""Pooling kernels against window-by-window loops: exact values, ties, NaN, pieces on threads."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import pool_ops

pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py

# (input shape, window, strides, padding): tiled 2×2/2, SAME that pads, leftovers, overlapping
# windows, strides wider than windows, tall windows, one-pixel windows, 144-pixel windows
CASES = [
    ((3, 8, 8, 5), (2, 2), (2, 2), "VALID"),
    ((3, 7, 7, 5), (2, 2), (2, 2), "SAME"),
    ((2, 7, 9, 3), (2, 2), (2, 2), "VALID"),
    ((2, 7, 6, 4), (3, 3), (2, 2), "SAME"),
    ((2, 6, 7, 3), (3, 2), (1, 1), "VALID"),
    ((2, 9, 8, 2), (2, 2), (3, 3), "SAME"),
    ((2, 8, 5, 3), (3, 1), (3, 1), "SAME"),
    ((2, 4, 4, 3), (1, 1), (1, 1), "VALID"),
    ((1, 13, 12, 2), (12, 12), (1, 1), "VALID"),  # 144 taps: the argmax is int32
]


def windows(shape, k, s, padding):
    """Every window: (out y, out x, [(tap, row, col) for its taps in row-major order])."""
    (h, w), out, before = shape[1:3], [], []
    for size, kk, ss in zip((h, w), k, s):
        o = (size - kk) // ss + 1 if padding == "VALID" else -(-size // ss)
        out.append(o)
        before.append(0 if padding == "VALID" else max((o - 1) * ss + kk - size, 0) // 2)
    return out, [(y, x, [(i * k[1] + j, y * s[0] + i - before[0], x * s[1] + j - before[1])
                         for i in range(k[0]) for j in range(k[1])])
                 for y in range(out[0]) for x in range(out[1])]


def naive_max_pool(x, g, k, s, padding):
    """TF1's MaxPool one window at a time: pads are -inf; the winner is the first maximum in
    row-major order (a later tap wins only when strictly greater; after a NaN, none does, and
    the output is NaN). ∂L/∂X adds g·[tap won] tap by tap, as the kernel does."""
    (oh, ow), wins = windows(x.shape, k, s, padding)
    n, h, w, c = x.shape
    y, arg = np.empty((n, oh, ow, c), x.dtype), np.zeros((n, oh, ow, c), int)
    for b in range(n):
        for ch in range(c):
            for oy, ox, taps in wins:
                best, won = None, 0
                for t, r, q in taps:
                    v = x[b, r, q, ch] if 0 <= r < h and 0 <= q < w else -np.inf
                    if best is None:
                        best = v
                    elif v > best:
                        best, won = v, t
                    elif np.isnan(v):
                        best = v
                y[b, oy, ox, ch], arg[b, oy, ox, ch] = best, won
    dx = np.zeros(x.shape, g.dtype)
    for t in range(k[0] * k[1]):
        for oy, ox, taps in wins:
            _, r, q = taps[t]
            if 0 <= r < h and 0 <= q < w:
                dx[:, r, q] += g[:, oy, ox] * (arg[:, oy, ox] == t)
    return y, dx


def naive_avg_pool(x, g, k, s, padding):
    """The mean of each window's real inputs (taps added in row-major order), and ∂L/∂X: each
    tap adds its window's g / count, tap by tap."""
    (oh, ow), wins = windows(x.shape, k, s, padding)
    n, h, w, c = x.shape
    y, dx = np.empty((n, oh, ow, c), x.dtype), np.zeros(x.shape, g.dtype)
    count = {}
    for oy, ox, taps in wins:
        real = [(r, q) for _, r, q in taps if 0 <= r < h and 0 <= q < w]
        count[oy, ox] = x.dtype.type(len(real))
        total = x[:, real[0][0], real[0][1]].copy()
        for r, q in real[1:]:
            total += x[:, r, q]
        y[:, oy, ox] = total / count[oy, ox]
    for t in range(k[0] * k[1]):
        for oy, ox, taps in wins:
            _, r, q = taps[t]
            if 0 <= r < h and 0 <= q < w:
                dx[:, r, q] += g[:, oy, ox] / count[oy, ox]
    return y, dx


def pools(x, g, k, s, padding, config=None):
    """max_pool, avg_pool and their input gradients (for upstream gradient g), in one run."""
    tf.reset_default_graph()
    xt = tf.placeholder(tf.as_dtype(x.dtype), x.shape)
    kw = dict(ksize=[1, *k, 1], strides=[1, *s, 1], padding=padding)
    mp, ap = tf.nn.max_pool(xt, **kw), tf.nn.avg_pool(xt, **kw)
    gt = tf.constant(g)
    (gm,), (ga,) = tf.gradients(mp, [xt], grad_ys=gt), tf.gradients(ap, [xt], grad_ys=gt)
    with tf.Session(config=config) as sess:
        return sess.run([mp, gm, ap, ga], {xt: x})


def tied(shape, seed):
    """float32 values with many ties: ReLU'd integers (windows of equal zeros, equal maxima)."""
    rng = np.random.default_rng(seed)
    return np.maximum(rng.integers(-3, 3, shape), 0).astype(np.float32)


def upstream(x, k, s, padding, seed):
    (oh, ow), _ = windows(x.shape, k, s, padding)
    shape = (x.shape[0], oh, ow, x.shape[3])
    return np.random.default_rng(seed).standard_normal(shape).astype(x.dtype)


@pytest.mark.parametrize("shape,k,s,padding", CASES)
def test_pools_and_gradients_equal_the_window_loops(shape, k, s, padding):
    for seed, x in enumerate([tied(shape, 0), tied(shape, 1) * 0.5 - 1,
                              np.random.default_rng(2).standard_normal(shape).astype(np.float32)]):
        g = upstream(x, k, s, padding, seed)
        mp, gm, ap, ga = pools(x, g, k, s, padding)
        want_mp, want_gm = naive_max_pool(x, g, k, s, padding)
        want_ap, want_ga = naive_avg_pool(x, g, k, s, padding)
        for got, want in ((mp, want_mp), (gm, want_gm), (ap, want_ap), (ga, want_ga)):
            assert got.dtype == np.float32 and got.shape == want.shape
            np.testing.assert_array_equal(got, want)


def test_a_tie_gives_the_whole_gradient_to_the_first_maximum_in_row_major_order():
    # 2×2 windows: maxima tied at (0, 1) and (1, 0); (1, 0) and (1, 1); everywhere (all zeros)
    x = np.array([[1, 5, 2, 2, 0, 0], [5, 0, 7, 7, 0, 0]], np.float32).reshape(1, 2, 6, 1)
    g = np.array([10, 20, 30], np.float32).reshape(1, 1, 3, 1)
    _, gm, _, _ = pools(x, g, (2, 2), (2, 2), "VALID")
    assert gm.reshape(2, 6).tolist() == [[0, 10, 0, 0, 30, 0], [0, 0, 20, 0, 0, 0]]


@pytest.mark.filterwarnings("ignore::teachflow.core.numerics.NonFiniteWarning")
@pytest.mark.parametrize("shape,k,s,padding", [CASES[1], CASES[3], CASES[4]])
def test_nan_propagates_and_its_gradient_goes_where_it_always_went(shape, k, s, padding):
    """A NaN makes its window's maximum NaN; the gradient goes to the first maximum before
    the NaN (the running comparison stops there), as teachflow always did."""
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    x.reshape(-1)[::7] = np.nan
    g = upstream(x, k, s, padding, 4)
    mp, gm, _, _ = pools(x, g, k, s, padding)
    want_mp, want_gm = naive_max_pool(x, g, k, s, padding)
    assert np.isnan(mp).any()
    np.testing.assert_array_equal(mp, want_mp)
    np.testing.assert_array_equal(gm, want_gm)


@pytest.mark.parametrize("shape,k,s,padding", CASES[:5])
def test_pieces_on_three_threads_give_the_same_bits_as_one(monkeypatch, shape, k, s, padding):
    """The batch cut into one-image pieces run by a pool of 3 threads: the very same bits as
    one thread, which takes the whole batch in one call (before and after the sizes change)."""
    x = tied((7,) + shape[1:], 5) + np.random.default_rng(5).random((7,) + shape[1:], np.float32)
    g = upstream(x, k, s, padding, 6)
    whole = pools(x, g, k, s, padding, tf.ConfigProto(intra_op_parallelism_threads=1))
    monkeypatch.setattr(pool_ops, "PARALLEL_MIN_BYTES", 0)  # every array "pays"
    monkeypatch.setattr(pool_ops.threads, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pool_ops.threads, "PIECE_BYTES", 256)  # and comes in one-image pieces
    monkeypatch.setattr(pool_ops.threads, "blas_threads", lambda: 1)
    assert len(pool_ops.threads.pieces(7, x.nbytes, None)) == 7
    three = pools(x, g, k, s, padding, tf.ConfigProto(intra_op_parallelism_threads=3))
    one = pools(x, g, k, s, padding, tf.ConfigProto(intra_op_parallelism_threads=1))
    for a, b, c in zip(whole, one, three):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)
        assert a.tobytes() == c.tobytes()  # the same bits, signs of zeros included


def previous_max_taps(xp, oh, ow, op):
    """MaxPool's search before it compared the running maxima (kept as the reference): per
    tap, where the tap is strictly greater than the running maximum, then the maximum."""
    kh, kw = op.attrs["ksize"]
    out = pool_ops._window(xp, 0, 0, oh, ow, op).copy()
    arg = np.zeros(out.shape, pool_ops._arg_dtype(kh * kw))
    for t in range(1, kh * kw):
        win = pool_ops._window(xp, t // kw, t % kw, oh, ow, op)
        arg[win > out] = t
        np.maximum(out, win, out=out)
    return out, arg


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("shape,k,s,padding", CASES)
def test_the_search_gives_the_bits_of_the_previous_one(shape, k, s, padding):
    """Ties of +0 and -0, equal maxima, -inf and NaN anywhere in a window: the same maximum
    bits and the same argmax as the previous search, and a MaxPoolGrad without the saved
    argmax (searching X again) routes exactly as one with it."""
    from types import SimpleNamespace
    op = SimpleNamespace(type="MaxPool", attrs=dict(ksize=k, strides=s, padding=padding))
    values = np.array([-0.0, 0.0, 0.0, 1.0, 1.0, 2.0, -np.inf, np.nan], np.float32)
    for seed in range(4):
        x = np.random.default_rng(seed).choice(values, shape)
        if seed == 0:
            x[np.isnan(x)] = 1.0  # one input without NaN: every window has a maximum
        oh, ow, ph, pw = pool_ops._geometry(x.shape, k, op)
        xp = pool_ops._pad(x, ph, pw, -np.inf)
        out = np.empty((shape[0], oh, ow, shape[3]), x.dtype)
        arg = np.empty(out.shape, pool_ops._arg_dtype(k[0] * k[1]))
        pool_ops._max_taps(xp, out, arg, op)
        want_out, want_arg = previous_max_taps(xp, oh, ow, op)
        assert out.tobytes() == want_out.tobytes() and arg.tobytes() == want_arg.tobytes()
        alone = np.empty_like(out)
        pool_ops._max_taps(xp, alone, None, op)  # no MaxPoolGrad in the graph: maxima only
        assert alone.tobytes() == want_out.tobytes()
        np.testing.assert_array_equal(pool_ops._argmax(x, op), want_arg)


@pytest.mark.filterwarnings("ignore::teachflow.core.numerics.NonFiniteWarning")
def test_max_pool_grad_without_the_saved_argmax_routes_nan_windows_the_same():
    """The gradient op run alone (no forward pass in its run saved an argmax) searches X
    again: the same gradient, NaN windows included, as in training."""
    shape, k, s, padding = CASES[3]
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    x.reshape(-1)[::5] = np.nan
    g = upstream(x, k, s, padding, 8)
    mp, gm, _, _ = pools(x, g, k, s, padding)
    grad_op = next(o for o in tf.get_default_graph().get_operations() if o.type == "MaxPoolGrad")
    alone = grad_op.opdef.kernel(grad_op, x, mp, g)
    assert alone.tobytes() == gm.tobytes()


def test_a_gradient_added_after_the_forward_pass_ran_alone_routes_the_same():
    """An inference graph's MaxPool keeps no argmax; after tf.gradients, the run of the
    gradient binds MaxPool again (now keeping it): the same values as the window loops."""
    shape, k, s, padding = CASES[1]
    x = tied(shape, 9)
    g = upstream(x, k, s, padding, 10)
    xt = tf.placeholder(tf.float32, shape)
    y = tf.nn.max_pool(xt, [1, *k, 1], [1, *s, 1], padding)
    want_y, want_dx = naive_max_pool(x, g, k, s, padding)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {xt: x}), want_y)
        assert not pool_ops._saved(sess)  # nothing kept for a gradient that did not exist
        dx, = tf.gradients(y, [xt], grad_ys=tf.constant(g))
        np.testing.assert_array_equal(sess.run(dx, {xt: x}), want_dx)
