"""Convolution and pooling: values against naive loops, TF's SAME rule, gradients, chunking."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.ops import conv_ops
from teachflow.testing import check_gradients

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)


def pads(size, k, s, padding, d=1):
    span = (k - 1) * d + 1
    if padding == "VALID":
        return (size - span) // s + 1, 0
    out = -(-size // s)
    return out, max((out - 1) * s + span - size, 0) // 2


def naive_conv(x, w, s, padding, d=(1, 1)):
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    oh, pt = pads(h, kh, s[0], padding, d[0])
    ow, pl = pads(wd, kw, s[1], padding, d[1])
    out = np.zeros((n, oh, ow, f))
    for y in range(oh):
        for xx in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, q = y * s[0] + i * d[0] - pt, xx * s[1] + j * d[1] - pl
                    if 0 <= r < h and 0 <= q < wd:
                        out[:, y, xx, :] += x[:, r, q, :] @ w[i, j]
    return out


def naive_pool(x, k, s, padding, how):
    n, h, wd, c = x.shape
    oh, pt = pads(h, k[0], s[0], padding)
    ow, pl = pads(wd, k[1], s[1], padding)
    out = np.zeros((n, oh, ow, c))
    for y in range(oh):
        for xx in range(ow):
            r0, q0 = y * s[0] - pt, xx * s[1] - pl
            win = x[:, max(r0, 0):r0 + k[0], max(q0, 0):q0 + k[1], :]
            out[:, y, xx] = win.max(axis=(1, 2)) if how == "max" else win.mean(axis=(1, 2))
    return out


def run(t):
    with tf.Session(graph=t.graph) as sess:
        return sess.run(t)


@st.composite
def conv_case(draw):
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID":
        h, w = max(h, kh), max(w, kw)
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return (draw(st.integers(1, 2)), h, w, draw(st.integers(1, 3))), (kh, kw), s, padding


@SETTINGS
@given(case=conv_case(), f=st.integers(1, 3), seed=st.integers(0, 99))
def test_conv2d_matches_naive_loops(case, f, seed):
    tf.reset_default_graph()
    xs, (kh, kw), s, padding = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(xs), rng.standard_normal((kh, kw, xs[3], f))
    y = tf.nn.conv2d(x, w, strides=[1, s[0], s[1], 1], padding=padding)
    expected = naive_conv(x, w, s, padding)
    assert y.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(run(y), expected, atol=1e-12)


def test_conv2d_with_dilation_matches_naive_loops():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 7, 6, 2)), rng.standard_normal((3, 2, 2, 3))
    for padding in ("SAME", "VALID"):
        y = tf.nn.conv2d(x, w, strides=1, padding=padding, dilations=[1, 2, 2, 1])
        np.testing.assert_allclose(run(y), naive_conv(x, w, (1, 1), padding, (2, 2)), atol=1e-12)


@pytest.mark.parametrize("size,k,s,expected", [
    (28, 3, 1, (28, 1, 1)), (28, 3, 2, (14, 0, 1)), (5, 2, 2, (3, 0, 1)), (4, 3, 3, (2, 1, 1)),
    (7, 1, 3, (3, 0, 0)), (2, 5, 1, (2, 2, 2)),
])
def test_same_padding_rule(size, k, s, expected):
    out, (before, after) = conv_ops.out_size(size, k, s, "SAME")
    assert (out, before, after) == expected
    assert before == (before + after) // 2


@SETTINGS
@given(case=conv_case(), seed=st.integers(0, 99))
def test_pooling_matches_naive_loops(case, seed):
    tf.reset_default_graph()
    xs, k, s, padding = case
    x = np.random.default_rng(seed).standard_normal(xs)
    mp = tf.nn.max_pool(x, ksize=[1, k[0], k[1], 1], strides=[1, s[0], s[1], 1], padding=padding)
    ap = tf.nn.avg_pool(x, ksize=[1, k[0], k[1], 1], strides=[1, s[0], s[1], 1], padding=padding)
    np.testing.assert_allclose(run(mp), naive_pool(x, k, s, padding, "max"))
    np.testing.assert_allclose(run(ap), naive_pool(x, k, s, padding, "avg"))


@SETTINGS
@given(case=conv_case(), f=st.integers(1, 2), seed=st.integers(0, 99))
def test_conv2d_gradients(case, f, seed):
    xs, (kh, kw), s, padding = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(xs), rng.standard_normal((kh, kw, xs[3], f))
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, strides=[1, s[0], s[1], 1], padding=padding), [x, w])


def naive_input_gradient(g, x_shape, w, s, padding, d=(1, 1)):
    """∂L/∂X of a convolution by the loops of naive_conv, each product's share added back."""
    n, h, wd, c = x_shape
    kh, kw, _, f = w.shape
    _, pt = pads(h, kh, s[0], padding, d[0])
    _, pl = pads(wd, kw, s[1], padding, d[1])
    dx = np.zeros(x_shape)
    for y in range(g.shape[1]):
        for xx in range(g.shape[2]):
            for i in range(kh):
                for j in range(kw):
                    r, q = y * s[0] + i * d[0] - pt, xx * s[1] + j * d[1] - pl
                    if 0 <= r < h and 0 <= q < wd:
                        dx[:, r, q, :] += g[:, y, xx, :] @ w[i, j].T
    return dx


@pytest.mark.parametrize("k", [(1, 1), (2, 3), (3, 3), (5, 5), (3, 1)])
@pytest.mark.parametrize("s", [(1, 1), (2, 2), (1, 3), (3, 2)])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_input_gradient_col2im_matches_naive_loops(k, s, padding):
    """col2im adds several windows' rows in one go: every kernel/stride overlap pattern
    (strides above, equal to and below the window) against the naive loops."""
    tf.reset_default_graph()
    rng = np.random.default_rng(k[0] * 7 + k[1] + 10 * s[0] + s[1])
    for c in (1, 3):
        x, w = rng.standard_normal((2, 9, 8, c)), rng.standard_normal(k + (c, 2))
        xt = tf.constant(x)
        y = tf.nn.conv2d(xt, w, strides=[1, s[0], s[1], 1], padding=padding)
        g = rng.standard_normal(y.shape.as_list())
        (gx,) = tf.gradients(tf.reduce_sum(y * g), [xt])
        np.testing.assert_allclose(run(gx), naive_input_gradient(g, x.shape, w, s, padding),
                                   atol=1e-12)


@pytest.mark.parametrize("d", [(2, 2), (1, 2), (3, 1)])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_dilated_input_gradient_matches_naive_loops(d, padding):
    """Dilated windows go back tap by tap, clipped at the border (no padded array)."""
    tf.reset_default_graph()
    rng = np.random.default_rng(d[0] * 5 + d[1])
    x, w = rng.standard_normal((2, 9, 8, 3)), rng.standard_normal((3, 2, 3, 2))
    xt = tf.constant(x)
    y = tf.nn.conv2d(xt, w, strides=1, padding=padding, dilations=[1, d[0], d[1], 1])
    g = rng.standard_normal(y.shape.as_list())
    (gx,) = tf.gradients(tf.reduce_sum(y * g), [xt])
    np.testing.assert_allclose(run(gx), naive_input_gradient(g, x.shape, w, (1, 1), padding, d),
                               atol=1e-12)


def test_conv2d_gradients_with_dilation():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 6, 5, 2)), rng.standard_normal((2, 3, 2, 2))
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, strides=[1, 1, 2, 1], padding="SAME",
                                              dilations=[1, 2, 1, 1]), [x, w])


@SETTINGS
@given(case=conv_case(), seed=st.integers(0, 99))
def test_pool_gradients(case, seed):
    xs, k, s, padding = case
    # distinct values, well apart: no ties, so the max is differentiable
    x = np.random.default_rng(seed).permutation(np.prod(xs)).reshape(xs) * 0.1
    kw = dict(ksize=[1, k[0], k[1], 1], strides=[1, s[0], s[1], 1], padding=padding)
    check_gradients(lambda a: tf.nn.max_pool(a, **kw), [x])
    check_gradients(lambda a: tf.nn.avg_pool(a, **kw), [x])


def test_max_pool_gradient_goes_to_the_first_maximum_only():
    x = tf.constant(np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1))
    y = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    (g,) = tf.gradients(y, [x])
    assert run(g).reshape(2, 2).tolist() == [[0, 1], [0, 0]]


def test_overlapping_max_pool_gradient_accumulates():
    x = tf.constant(np.array([0.0, 5.0, 1.0, 0.0]).reshape(1, 1, 4, 1))
    y = tf.nn.max_pool(x, [1, 1, 3, 1], [1, 1, 1, 1], "VALID")  # both windows pick the 5
    (g,) = tf.gradients(y, [x])
    assert run(g).ravel().tolist() == [0, 2, 0, 0]


@pytest.mark.parametrize("stride", [1, 2])  # 1: the input gradient is itself a convolution
def test_big_batches_are_chunked_with_the_same_result(monkeypatch, stride):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((9, 6, 6, 2)), rng.standard_normal((3, 3, 2, 4))
    xt, wt = tf.constant(x), tf.constant(w)
    y = tf.nn.conv2d(xt, wt, strides=[1, stride, stride, 1], padding="SAME")
    gx, gw = tf.gradients(tf.reduce_sum(y * y), [xt, wt])
    with tf.Session() as sess:
        whole = sess.run([y, gx, gw])
    monkeypatch.setattr(conv_ops, "COLS_BYTES", 1000)  # a few images per chunk
    with tf.Session() as sess:
        chunked = sess.run([y, gx, gw])
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_float32_in_float32_out():
    x = np.ones((1, 4, 4, 1), np.float32)
    w = np.ones((2, 2, 1, 1), np.float32)
    assert run(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")).dtype == np.float32
    assert run(tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")).dtype == np.float32
    assert run(tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")).dtype == np.float32


def _conv_and_grads(x, w, stride, padding, config=None):
    tf.reset_default_graph()
    xt, wt = tf.placeholder(tf.as_dtype(x.dtype), x.shape), tf.constant(w)
    y = tf.nn.conv2d(xt, wt, strides=[1, stride, stride, 1], padding=padding)
    p = tf.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    gx, gw = tf.gradients(tf.reduce_sum(p * p), [xt, wt])
    with tf.Session(config=config) as sess:
        return sess.run([y, p, gx, gw], {xt: x})


@pytest.mark.parametrize("stride,padding", [(1, "SAME"), (2, "SAME"), (2, "VALID")])
def test_pieces_on_several_threads_give_the_same_values(monkeypatch, stride, padding):
    """The batch cut into pieces run by a pool of 3 threads: the very same bits as one thread
    (the cut does not depend on the thread count), and the values of the naive loops."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 9, 8, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    whole = _conv_and_grads(x, w, stride, padding, tf.ConfigProto(intra_op_parallelism_threads=1))
    monkeypatch.setattr(conv_ops.threads, "PARALLEL_MIN_FLOPS", 0)  # every product "pays"
    monkeypatch.setattr(conv_ops.threads, "PIECE_BYTES", 256)   # and rows come in small pieces
    monkeypatch.setattr(conv_ops.threads, "blas_threads", lambda: 1)
    three = _conv_and_grads(x, w, stride, padding, tf.ConfigProto(intra_op_parallelism_threads=3))
    one = _conv_and_grads(x, w, stride, padding, tf.ConfigProto(intra_op_parallelism_threads=1))
    for a, b in zip(one, three):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    for a, b in zip(whole, three):  # one piece against many: the same to rounding
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(three[0], naive_conv(x, w, (stride, stride), padding), rtol=1e-4,
                               atol=1e-4)


def test_a_smaller_last_batch_reuses_the_work_arrays_correctly():
    """One session, batches of 6, 2 then 6 images (the work arrays are reused): every result
    equals a fresh session's, and no later run overwrites an earlier result."""
    rng = np.random.default_rng(4)
    w = rng.standard_normal((3, 3, 2, 4))
    x = tf.placeholder(tf.float64, [None, 5, 5, 2])
    wt = tf.constant(w)
    y = tf.nn.conv2d(x, wt, [1, 2, 2, 1], "SAME")
    fetches = [y] + tf.gradients(tf.reduce_sum(y * y), [x, wt])
    inputs = [rng.standard_normal((n, 5, 5, 2)) for n in (6, 2, 6)]
    with tf.Session() as sess:
        shared = [sess.run(fetches, {x: xv}) for xv in inputs]
    for xv, got in zip(inputs, shared):
        with tf.Session() as sess:
            fresh = sess.run(fetches, {x: xv})
        for a, b in zip(got, fresh):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(got[0], naive_conv(xv, w, (2, 2), "SAME"), atol=1e-12)


def test_max_pool_gradient_from_the_saved_argmax_equals_a_fresh_search():
    rng = np.random.default_rng(5)
    x = np.round(rng.standard_normal((2, 7, 7, 3)), 1)  # rounded: many ties
    xt = tf.constant(x)
    for k, s, padding in ((2, 2, "SAME"), (3, 2, "SAME"), (3, 1, "VALID")):
        y = tf.nn.max_pool(xt, [1, k, k, 1], [1, s, s, 1], padding)
        gv = rng.standard_normal(y.shape.as_list())
        gx, = tf.gradients(y, [xt], grad_ys=tf.constant(gv))
        with tf.Session() as sess:
            yv, saved = sess.run([y, gx])  # the forward pass's argmax is used
        grad_op = gx.op
        assert grad_op.type == "MaxPoolGrad"
        fresh = grad_op.opdef.kernel(grad_op, x, yv, gv)  # the windows searched again
        np.testing.assert_array_equal(saved, fresh)
        assert (fresh != 0).sum() <= yv.size  # one winner per window


def _unfused(x, w, b, stride, padding, activation, config):
    """Conv2D -> BiasAdd [-> Relu] as three ops in a session."""
    tf.reset_default_graph()
    y = tf.nn.bias_add(tf.nn.conv2d(tf.constant(x), tf.constant(w), [1, stride, stride, 1], padding),
                       tf.constant(b))
    if activation == "Relu":
        y = tf.nn.relu(y)
    with tf.Session(config=config) as sess:
        return sess.run(y)


def _fused(x, w, b, stride, padding, activation, config):
    """The same through ``Conv2D.bind_fused``; also returns the session and the conv op."""
    tf.reset_default_graph()
    xt = tf.placeholder(tf.float32, x.shape)
    y = tf.nn.conv2d(xt, tf.constant(w), [1, stride, stride, 1], padding)
    sess = tf.Session(config=config)
    f = y.op.opdef.bind_fused(y.op, sess, activation)
    return f(x, w, b), sess, y


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("activation", [None, "Relu"])
@pytest.mark.parametrize("shape,k,stride,padding", [((5, 9, 8, 3), 3, 1, "SAME"), ((4, 10, 10, 4), 3, 2, "SAME"),
                                                    ((3, 11, 9, 2), 2, 3, "VALID"), ((2, 12, 12, 1), 5, 1, "SAME")])
def test_fused_conv_bias_relu_is_bit_identical_to_the_three_ops(monkeypatch, threads, activation, shape,
                                                                k, stride, padding):
    """The fusion contract: ``bind_fused`` gives the very bits of Conv2D -> BiasAdd -> Relu
    (values chosen so that some outputs are exactly 0, -0 or negative), on 1 and 3 threads."""
    rng = np.random.default_rng(sum(shape) + k)
    x = rng.standard_normal(shape).astype(np.float32)
    x[0] = 0.0  # a whole image of zeros: its outputs are exactly the bias
    w = rng.standard_normal((k, k, shape[3], 6)).astype(np.float32)
    b = np.array([-0.0, 0.0, -0.5, 0.5, 1e-3, -2.0], np.float32)
    monkeypatch.setattr(conv_ops.threads, "PARALLEL_MIN_FLOPS", 0)
    monkeypatch.setattr(conv_ops.threads, "PIECE_BYTES", 512)   # several pieces
    monkeypatch.setattr(conv_ops.threads, "blas_threads", lambda: 1)
    config = tf.ConfigProto(intra_op_parallelism_threads=threads)
    expected = _unfused(x, w, b, stride, padding, activation, config)
    got, sess, _ = _fused(x, w, b, stride, padding, activation, config)
    sess.close()
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_array_equal(got.view(np.uint32), expected.view(np.uint32))  # -0 vs 0 too
    if activation == "Relu":
        assert (got >= 0).all() and (got == 0).any()


def test_fused_conv_leaves_its_im2col_for_the_filter_gradient():
    """After the fused forward pass, Conv2DBackpropFilter takes the saved matrix back (the key
    stays the Conv2D op) and gives the bits of a fresh im2col."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 9, 9, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    out, sess, y = _fused(x, w, b, 2, "SAME", "Relu", None)
    (gw,) = tf.gradients(tf.reduce_sum(y), [y.op.inputs[1]])
    assert gw.op.type == "Conv2DBackpropFilter"
    g = rng.standard_normal(out.shape).astype(np.float32)
    saved = conv_ops._saved(sess)
    assert y.op in saved
    from_saved = gw.op.opdef.bind(gw.op, sess)(x, w, g)
    assert y.op not in saved  # taken back
    fresh = gw.op.opdef.kernel(gw.op, x, w, g)
    np.testing.assert_array_equal(from_saved, fresh)
    sess.close()


def test_fused_conv_with_an_unusual_bias_falls_back_to_the_unfused_arithmetic():
    x = np.ones((1, 4, 4, 2), np.float32)
    w = np.ones((3, 3, 2, 3), np.float32)
    out, sess, _ = _fused(x, w, np.float64([-20.0, 0.5, 1.0]), 1, "SAME", "Relu", None)
    assert out.dtype == np.float64  # x + b as NumPy computes it, as BiasAdd would
    assert out[0, 0, 0].tolist() == [0.0, 8.5, 9.0]
    with pytest.raises(ValueError, match="activation"):
        sess.graph.get_operations()[-1].opdef.bind_fused(sess.graph.get_operations()[-1], sess, "Tanh")
    sess.close()


def test_a_narrow_filter_gradient_in_small_products_on_several_threads(monkeypatch):
    """A narrow ∂L/∂W (a grey image's first layer) is summed over small blocks of rows: the
    values of one big product to rounding, and the same bits on 1 and 3 threads."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((6, 10, 10, 1)).astype(np.float32)
    w = rng.standard_normal((3, 3, 1, 4)).astype(np.float32)
    one_block = _conv_and_grads(x, w, 1, "SAME", tf.ConfigProto(intra_op_parallelism_threads=1))
    monkeypatch.setattr(conv_ops, "SMALL_GEMM", 1000)  # 600 rows × 36 multiply-adds: 22 blocks
    monkeypatch.setattr(conv_ops.threads, "blas_threads", lambda: 1)
    cut = [_conv_and_grads(x, w, 1, "SAME", tf.ConfigProto(intra_op_parallelism_threads=t)) for t in (1, 3)]
    np.testing.assert_array_equal(cut[0][3], cut[1][3])
    np.testing.assert_allclose(cut[0][3], one_block[3], rtol=1e-5, atol=1e-5)
    assert not np.array_equal(cut[0][3], one_block[3])  # the blocks really were summed apart


def test_the_padded_work_array_holds_one_chunk_of_images_at_most(monkeypatch):
    """A big batch (an evaluation of the whole test set) keeps no whole padded copy alive
    (padding on both sides and 3 channels: the windows come from a padded copy)."""
    from teachflow.ops.windows import _Padded
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((12, 6, 6, 3)), rng.standard_normal((3, 3, 3, 3))
    op = tf.nn.conv2d(tf.constant(x), tf.constant(w), [1, 1, 1, 1], "SAME").op
    monkeypatch.setattr(conv_ops, "COLS_BYTES", 6 * 6 * 27 * 8 * 4)  # 4 images per chunk
    padded = _Padded()
    out = op.opdef.kernel(op, x, w, padded=padded)
    assert len(padded._buf) == 4 and padded._buf.shape[1:] == (8, 8, 3)
    np.testing.assert_allclose(out, naive_conv(x, w, (1, 1), "SAME"), atol=1e-12)


@pytest.mark.parametrize("shape,k,stride", [((3, 8, 8, 4), 3, 2), ((3, 9, 7, 1), 3, 1), ((2, 6, 6, 5), 2, 1)])
def test_windows_copied_from_the_unpadded_input_keep_zeros_on_the_padding(shape, k, stride):
    """Where the windows come straight from the unpadded input (padding on one side only, or a
    grey image) only the taps inside are written: the reused matrix must hold zeros on the
    padding, also when it last held something else (another geometry, the input gradient's
    matrix, garbage) and when it was lent to the filter gradient and given back. A window over
    the right edge may be copied whole (its taps past the row's end read the next row) and
    those taps set back to 0."""
    from teachflow.ops.windows import _geometry, _Padded, _unpadded_pays
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal(shape), rng.standard_normal((k, k, shape[3], 2))
    op = tf.nn.conv2d(tf.constant(x), tf.constant(w), [1, stride, stride, 1], "SAME").op
    scratch, padded = conv_ops._Scratch(), _Padded()
    scratch.give(np.full(10 ** 4, np.nan))  # garbage where the padding's zeros belong
    wide = np.pad(x, ((0, 0), (0, 0), (0, 2), (0, 0)))[:, :, :shape[2]]  # x, not stored row by row
    every_other = np.repeat(x, 2, axis=0)[::2]  # x, images stored row by row but apart
    for batch in (x, x[:2], x[:, 1:, 1:], x, wide, every_other):  # the geometry changes, comes back
        saved = {}
        out = op.opdef.kernel(op, batch, w, saved, scratch, padded=padded)
        np.testing.assert_allclose(out, naive_conv(batch, w, (stride, stride), "SAME"), atol=1e-12)
        _, cols, owner = saved.pop(op)  # lent to the filter gradient, which gives it back
        owner.give(cols)
        other = owner.take(cols.shape, cols.dtype)  # a user who writes every entry
        other[:] = np.nan
        owner.give(other)
    oh, ow, ph, pw = _geometry(shape, (k, k), op)
    assert _unpadded_pays(k, k, shape[3], oh, ow, op, ph, pw, *shape[1:3])  # the case under test
