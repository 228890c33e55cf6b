"""col2im (the input gradient of a strided or dilated convolution): a pixel's first tap copied,
the others added, checked against a plain padded-array loop on many geometries, and the same
bits for any thread count."""
import itertools

import numpy as np
import pytest

from teachflow.core import threads
from teachflow.core.opdef import OPS
from teachflow.ops import conv_ops, windows


class _Op:
    def __init__(self, strides, padding, dilations=(1, 1)):
        self.attrs = {"strides": strides, "dilations": dilations, "padding": padding}


def reference_col2im(planes, shape, op):
    """Every window's values added back where it read them, tap by tap, into a padded array
    (the textbook loop), then the padding cut off. ``planes``: (kh, N, oh, ow, kw, C)."""
    kh, n, oh, ow, kw, c = planes.shape
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs["dilations"]
    _, h, wd, _ = shape
    ph = windows.out_size(h, kh, sh, op.attrs["padding"], dh)[1]
    pw = windows.out_size(wd, kw, sw, op.attrs["padding"], dw)[1]
    dxp = np.zeros((n, h + sum(ph), wd + sum(pw), c))
    for i, j in itertools.product(range(kh), range(kw)):
        rows, cols = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh), slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)
        dxp[:, rows, cols] += planes[i, :, :, :, j]
    return dxp[:, ph[0]:ph[0] + h, pw[0]:pw[0] + wd]


def new_col2im(planes, shape, op, cut=None):
    """``_col2im_ops`` + ``_col2im``, a piece of images ``[i0, i1)`` at a time (``cut``)."""
    kh, _, oh, ow, kw, _ = planes.shape
    _, _, ph, pw = windows._geometry(shape, (kh, kw), op)
    dx = np.full(shape, np.nan, planes.dtype)  # col2im writes every pixel: no NaN may survive
    for i0, i1 in cut or [(0, shape[0])]:
        piece = planes[:, i0:i1].copy()
        windows._col2im(windows._col2im_ops(dx[i0:i1], piece, kh, kw, oh, ow, op, ph, pw))
    return dx


GEOMETRIES = [  # (H, W), (kh, kw), strides, padding, dilations
    *[((h, w), (k, k), (s, s), pad, (1, 1)) for (h, w), k, s, pad in itertools.product(
        [(8, 8), (9, 7)], [1, 2, 3, 4, 5], [1, 2, 3], ["SAME", "VALID"])],
    ((28, 28), (3, 3), (2, 2), "SAME", (1, 1)),   # the CNN's conv2
    ((14, 14), (5, 5), (2, 2), "SAME", (1, 1)),   # pads on both sides
    ((10, 11), (2, 5), (3, 1), "SAME", (1, 1)),
    ((10, 11), (5, 2), (1, 3), "VALID", (1, 1)),
    ((9, 8), (3, 2), (1, 1), "SAME", (2, 2)),
    ((9, 8), (3, 3), (2, 1), "VALID", (1, 2)),
    ((11, 9), (3, 3), (2, 3), "SAME", (3, 2)),
    ((5, 5), (5, 5), (1, 1), "SAME", (2, 2)),     # windows larger than the image
]


@pytest.mark.parametrize("size,k,s,padding,d", GEOMETRIES)
@pytest.mark.parametrize("n,c", [(1, 1), (1, 3), (6, 4)])
def test_col2im_equals_the_padded_array_loop(size, k, s, padding, d, n, c):
    """Strides 1-3, kernels 1-5, SAME/VALID, odd/even sizes, dilation, grey and multi-channel:
    every pixel gets the sum of the taps that read it (0 where none does), to float rounding."""
    op = _Op(s, padding, d)
    shape = (n,) + size + (c,)
    oh, ow, _, _ = windows._geometry(shape, k, op)
    planes = np.random.default_rng(sum(size) + 7 * k[0] + k[1]).standard_normal((k[0], n, oh, ow, k[1], c))
    want = reference_col2im(planes, shape, op)
    got = new_col2im(planes, shape, op)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    if n > 1:  # a piece of images at a time: the very same bits
        cut = [(0, 1), (1, 4), (4, n)]
        np.testing.assert_array_equal(new_col2im(planes, shape, op, cut), got)


def test_col2im_equals_add_at_on_float32():
    """The CNN's conv2 geometry in float32 against np.add.at (unbuffered, tap by tap)."""
    op = _Op((2, 2), "SAME")
    shape = (3, 28, 28, 8)
    planes = np.random.default_rng(1).standard_normal((3, 3, 14, 14, 3, 8)).astype(np.float32)
    want = np.zeros((3, 29, 29, 8), np.float32)
    for i, j in itertools.product(range(3), range(3)):
        rows, cols = np.meshgrid(np.arange(14) * 2 + i, np.arange(14) * 2 + j, indexing="ij")
        np.add.at(want, (slice(None), rows, cols), planes[i, :, :, :, j])
    got = new_col2im(planes, shape, op)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want[:, :28, :28], rtol=1e-5, atol=1e-5)


def test_the_first_taps_of_3x3_stride_2_tile_an_even_image():
    """3×3 stride 2 SAME on 28 (padding after only): taps 0 and 1 of every window are first and
    are copied in one go; tap 2 of window o is added where tap 0 of window o + 1 was copied."""
    firsts, others, missed = windows._sum_order(14, 3, 2, 1, 0, 28)
    assert firsts == ((0, 2, 0, 14),)
    assert others == ((2, 0, 13, 0, 1),)
    assert missed == ()
    firsts, others, missed = windows._sum_order(10, 1, 3, 1, 0, 28)  # 1×1 stride 3: gaps
    assert firsts == ((0, 1, 0, 10),) and others == ()
    assert missed == tuple(p for p in range(28) if p % 3)


def _input_gradient(x, w, g, op, n_threads, monkeypatch, piece_bytes):
    monkeypatch.setattr(conv_ops, "COL2IM_PIECE_BYTES", piece_bytes)
    monkeypatch.setattr(threads, "PARALLEL_MIN_FLOPS", 0)  # every product is cut for the threads
    return OPS["Conv2DBackpropInput"].kernel(op, x, w, g, pool=threads._Pool(n_threads))


@pytest.mark.parametrize("s,padding,d", [((2, 2), "SAME", (1, 1)), ((3, 2), "VALID", (1, 1)),
                                         ((1, 1), "SAME", (2, 2)), ((2, 1), "SAME", (1, 3))])
def test_input_gradient_same_bits_on_1_and_3_threads(monkeypatch, s, padding, d):
    """Conv2DBackpropInput cut into pieces of one image: 1 and 3 threads give the very same
    bits, equal to the naive sum; one piece for the whole batch gives the same to rounding."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 13, 12, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    op = _Op(s, padding, d)
    oh, ow, _, _ = windows._geometry(x.shape, (3, 3), op)
    g = rng.standard_normal((7, oh, ow, 4)).astype(np.float32)
    one = _input_gradient(x, w, g, op, 1, monkeypatch, 1)
    three = _input_gradient(x, w, g, op, 3, monkeypatch, 1)
    np.testing.assert_array_equal(one, three)
    whole = _input_gradient(x, w, g, op, 1, monkeypatch, 2 ** 30)
    np.testing.assert_allclose(whole, one, rtol=1e-5, atol=1e-5)
    planes = np.einsum("nyxf,ijcf->inyxjc", g.astype(np.float64), w.astype(np.float64))
    np.testing.assert_allclose(one, reference_col2im(planes, x.shape, op), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("k,padding", [((5, 5), "SAME"), ((3, 2), "VALID")])
def test_stride_1_takes_col2im_for_big_planes_with_few_channels(monkeypatch, k, padding):
    """Stride 1: col2im when C ≤ F/2 and the planes are big (``COL2IM_STRIDE1_BYTES``), else the
    gradient as a convolution; both equal the naive sum to float rounding."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 9, 8, 2))
    w = rng.standard_normal(k + (2, 4))
    op = _Op((1, 1), padding)
    oh, ow, _, _ = windows._geometry(x.shape, k, op)
    g = rng.standard_normal((3, oh, ow, 4))
    kernel, dx_op = OPS["Conv2DBackpropInput"], conv_ops.Conv2DBackpropInput
    taken = []  # which of the two ways the kernel took
    for way in ("by_col2im", "as_convolution"):
        real = getattr(dx_op, way)
        monkeypatch.setattr(dx_op, way, staticmethod(lambda *a, _r=real, _w=way: taken.append(_w) or _r(*a)))
    planes_bytes = 3 * oh * ow * k[0] * k[1] * 2 * 8
    monkeypatch.setattr(conv_ops, "COL2IM_STRIDE1_BYTES", planes_bytes)
    by_col2im = kernel.kernel(op, x, w, g)
    assert taken == ["by_col2im"]
    np.testing.assert_array_equal(by_col2im, dx_op.by_col2im(op, x, w, g, conv_ops._PieceArrays(),
                                                             threads._Pool(1)))
    monkeypatch.setattr(conv_ops, "COL2IM_STRIDE1_BYTES", planes_bytes + 1)
    taken.clear()
    as_convolution = kernel.kernel(op, x, w, g)
    assert taken == ["as_convolution"]
    np.testing.assert_array_equal(as_convolution, dx_op.as_convolution(
        op, x, w, g, conv_ops._Scratch(), threads._Pool(1), windows._Padded()))
    planes = np.einsum("nyxf,ijcf->inyxjc", g, w)
    want = reference_col2im(planes, x.shape, op)
    np.testing.assert_allclose(by_col2im, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(as_convolution, want, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(conv_ops, "COL2IM_STRIDE1_BYTES", 0)  # more channels than F/2: a convolution
    w2 = rng.standard_normal(k + (2, 3))
    g2 = rng.standard_normal((3, oh, ow, 3))
    taken.clear()
    np.testing.assert_array_equal(kernel.kernel(op, x, w2, g2), dx_op.as_convolution(
        op, x, w2, g2, conv_ops._Scratch(), threads._Pool(1), windows._Padded()))
    assert taken[0] == "as_convolution"


def test_a_big_batch_in_the_default_pieces_on_2_threads():
    """The CNN's conv2 geometry on 64 images (16 -> 32 channels), cut as the kernel cuts it by
    default (several images a piece): 1 and 2 threads the same bits, the naive sum to rounding."""
    rng = np.random.default_rng(8)
    x = np.zeros((64, 28, 28, 16), np.float32)
    w = rng.standard_normal((3, 3, 16, 32)).astype(np.float32)
    g = rng.standard_normal((64, 14, 14, 32)).astype(np.float32)
    op = _Op((2, 2), "SAME")
    assert len(threads.pieces(64, 64 * 196 * 9 * 16 * 4, 2 * 64 * 196 * 9 * 16 * 32,
                              conv_ops.COL2IM_PIECE_BYTES)) > 1
    one = OPS["Conv2DBackpropInput"].kernel(op, x, w, g, pool=threads._Pool(1))
    two = OPS["Conv2DBackpropInput"].kernel(op, x, w, g, pool=threads._Pool(2))
    np.testing.assert_array_equal(one, two)
    planes = np.einsum("nyxf,ijcf->inyxjc", g.astype(np.float64), w.astype(np.float64))
    np.testing.assert_allclose(one, reference_col2im(planes, x.shape, op), rtol=1e-4, atol=1e-4)
