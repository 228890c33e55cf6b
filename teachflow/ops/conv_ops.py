"""Convolution over NHWC images: Conv2D, its two gradient ops and ``tf.nn.conv2d``.

A convolution is one matrix product: every output pixel needs the ``kh×kw×C`` input values
under the filter, so we lay those windows out as the rows of a matrix (*im2col*, a strided
view of the padded input, copied once) and multiply by the filter reshaped to ``(kh·kw·C, F)``.
The gradients reuse the same picture: ``∂L/∂W = colsᵀ·∂L/∂Y``, and ``∂L/∂X`` multiplies
``∂L/∂Y·Wᵀ`` and adds each window's share back where the window came from (*col2im*).
The window geometry (TF's SAME/VALID rule), im2col and col2im live in ``windows.py``.

Speed, without changing the maths: the im2col matrix (and a padded input, where needed) are
work arrays kept from step to step (the padding's zeros are written once), filled a piece of
the batch at a time, and the piece is multiplied while it is still in the cache; a big product's pieces run
on the session's thread pool (``core/threads.py``: BLAS itself runs one thread); the plan may
fuse Conv2D -> BiasAdd -> Relu [-> MaxPool] (``Conv2D.bind_fused``: the bias and the ReLU on each
piece right after its product, the pooling on each block of images it finishes);
Conv2DBackpropFilter takes the forward pass's matrix back instead of building it again; col2im
copies or adds straight into the result. Very big batches are processed in chunks so the matrix
stays bounded. ``benchmarks/bench_conv_stages.py`` times each stage.
"""
import weakref

import numpy as np

from ..core import threads
from ..core.constant import convert_to_tensor
from ..core.opdef import OPS, OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import float_check, make
from .nn_ops import bias_blocks
from .windows import (_check_attrs, _check_nhwc, _col2im, _col2im_ops, _cols_copies,  # noqa: F401
                      _crop, _data_format, _fill_cols, _geometry, _im2col, _nhwc_arg, _pad, _Padded,
                      _padding, _saved, _spatial, _take_saved, _unpadded_pays, out_size)

COLS_BYTES = 128 * 2 ** 20  # im2col matrices larger than this are built a chunk of images at a time
SMALL_GEMM = 10 ** 6  # multiply-adds of a "small" product for OpenBLAS (see _cols_t_times)
NARROW = 1000         # a filter gradient of at most this many values is cut into such products
SMALL_PIECES = 32     # ... when that takes at most this many of them (more: slower with AVX2)
# col2im's pieces: bigger than the cache-sized ones of the other stages, since part of its cost
# is per piece (a product, a few strided copies/additions, each a few µs of Python holding the
# GIL, which the other thread then waits for): CNN conv2's input gradient, one thread, AVX-512,
# with its piece-sized planes (_PieceArrays): 5.1 ms with 1 MB pieces, 4.9 with 2 MB, 4.8 with
# 4 MB (8 pieces: at least threads.PIECES); 5×5 stride 2 on 128×14×14×32: 5.3, 4.7, 4.6.
COL2IM_PIECE_BYTES = 4 * 2 ** 20
COL2IM_STRIDE1_BYTES = 8 * 2 ** 20  # stride 1: col2im rather than a convolution from planes this big
BIAS_ROW = 2 ** 15  # values of the fused bias's row at most (128 KiB of float32; _bias_row)


def _chunks(n, bytes_per_image):
    """Groups of images whose im2col matrix fits in ``COLS_BYTES`` (memory stays bounded)."""
    step = max(1, int(COLS_BYTES // max(bytes_per_image, 1)))
    return [(a, min(a + step, n)) for a in range(0, n, step)]


def _parts(n, flops, nbytes):
    """Pieces of a product over ``n`` images or rows (``threads.pieces``): cache-sized, and
    enough of them for the pool's threads to share when the product is big."""
    return threads.pieces(n, nbytes, flops)


class _Scratch:
    """One reusable work array of a bound kernel (the im2col matrix and its gradient), so a
    training loop allocates none per step. A smaller batch uses the front of the array; an
    array lent out (to the backward pass) is not reused until it is given back.

    ``take(..., zeros=key)``: the caller writes only some entries of each row, the same ones
    for the same ``key`` (the im2col matrix of a padded input: the taps on the padding stay
    zero), so the array is zeroed when it is new or was last used for another key, not every
    time. The array's key is remembered through a weak reference (no array is kept alive)."""

    def __init__(self):
        self._free, self._zeroed = None, (None, None)

    def take(self, shape, dtype, zeros=None):
        buf, self._free = self._free, None
        size = int(np.prod(shape))
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(size, dtype)
        ref, key = self._zeroed
        if zeros is not None and (key != zeros or ref() is not buf):
            buf.fill(0)
            self._zeroed = weakref.ref(buf), zeros
        elif zeros is None and ref is not None and ref() is buf:
            self._zeroed = None, None  # this caller writes everything: its zeros are gone
        return buf[:size].reshape(shape)

    def give(self, a):
        self._free = a if a.base is None else a.base


class _PieceArrays:
    """Work arrays a piece of a kernel needs only while it runs (col2im's planes): a piece takes
    one and gives it back, so there is one per thread at most and it stays in the cache from
    piece to piece. ``take(size, dtype, most)`` allocates ``most`` values (the biggest piece),
    so pieces of different sizes share the arrays. (list.pop/append: safe between threads.)"""

    def __init__(self):
        self._free = []

    def take(self, size, dtype, most):
        try:
            buf = self._free.pop()
        except IndexError:  # none free (another thread may have taken the last one)
            buf = None
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(max(size, most), dtype)
        return buf[:size]

    def give(self, a):
        self._free.append(a if a.base is None else a.base)


def _bias_row(bias, oh, ow):
    """The bias repeated over ``r`` whole output image rows (r·ow·F values, ``_bias_relu``):
    ``r`` the largest divisor of ``oh`` that keeps the row within ``BIAS_ROW`` values."""
    r = max(d for d in range(1, oh + 1) if oh % d == 0 and (d == 1 or d * ow * len(bias) <= BIAS_ROW))
    return np.tile(bias, r * ow)


def _bias_relu(y, brow, zrow):
    """BiasAdd (``y + b``, along the channels) and then Relu (``max(y, 0)``) on one output piece,
    in place: elementwise, so the same bits as both ops run on the whole output afterwards.

    Layout: the piece is seen as rows of a few output image rows each (``_bias_row``: a whole
    image when it has at most ``BIAS_ROW`` values), ``brow`` is the bias repeated along such a
    row and ``zrow`` (None: no ReLU) that many zeros. NumPy's cost is per inner run: runs of F
    values took 1.7× as long as runs of ow·F, and those 1.45× as long as runs of a whole image
    (the CNN's conv1, 28·28·32 values: 0.54 -> 0.37 ms for 10 MB); ``max`` against a zero
    *scalar* took 3× as long as against a zero row (the same values)."""
    rows = y.reshape(-1, len(brow))
    np.add(rows, brow, out=rows)
    if zrow is not None:
        np.maximum(rows, zrow, out=rows)


# --------------------------------------------------------------------------- convolution
@register
class Conv2D(OpDef):
    batching = "first"
    formula = "Y[n,y,x,f] = Σ over i,j,c of Xpad[n, y·s+i, x·s+j, c] · W[i,j,c,f]   (im2col · W)"
    latex = r"Y = \mathrm{im2col}(X)\, W"
    grad_formulas = ("∂L/∂X = col2im(∂L/∂Y · Wᵀ)", "∂L/∂W = im2col(X)ᵀ · ∂L/∂Y")

    def infer(self, op):
        x, w = op.inputs
        _check_nhwc(x, "input", "Conv2D")
        if w._dims is not None and len(w._dims) != 4:
            raise ShapeError(f"Conv2D expects a filter of rank 4 [height, width, in_channels, "
                             f"out_channels], got shape {fmt(w._dims)}")
        if x.dtype != w.dtype:
            raise ShapeError(f"Conv2D: input is {x.dtype.name} but filter is {w.dtype.name}",
                             hint="tf.cast one of them")
        k = (None, None) if w._dims is None else w._dims[:2]
        _check_attrs(op, [d or 1 for d in k])
        if x._dims is not None and w._dims is not None:
            c, cf = x._dims[3], w._dims[2]
            if c is not None and cf is not None and c != cf:
                hint = "the filter's third dimension must equal the input's channels (last axis)"
                if x._dims[1] == cf:
                    hint = f"is the input NCHW? teachflow is NHWC: tf.transpose(x, [0, 2, 3, 1])"
                raise ShapeError(f"Conv2D: the input has {c} channels but the filter expects {cf} "
                                 f"(input {fmt(x._dims)}, filter {fmt(w._dims)})", hint=hint)
        if x._dims is None or None in k:
            return None, x.dtype
        n, oh, ow = _spatial(op, x._dims, k)
        return (n, oh, ow, None if w._dims is None else w._dims[3]), x.dtype

    # Layout: the im2col matrix has one row per output pixel (n, y, x) and one column per filter
    # tap and channel (i, j, c), row-major, so that (1) the filter W[i, j, c, f] is that matrix's
    # partner as it is stored, a (kh·kw·C, F) matrix, (2) the product's rows are the NHWC output,
    # written in place, and (3) each piece of the batch is one contiguous block of rows: one BLAS
    # call per piece, and pieces run on the pool's threads without touching each other.
    # Per piece: its windows copied into the matrix, the product, and (fused, ``bind_fused``) the
    # bias and the ReLU, all while it is in the cache, then (``ahead``) the MaxPool of the blocks
    # of whole images this piece finished (``MaxPool.bind_ahead``). The windows come straight from X where
    # few copies do it (``_unpadded_pays``: the matrix keeps zeros on the padding, written once);
    # else the piece's images are first copied into a padded work array, its border written once.
    def kernel(self, op, x, w, saved=None, scratch=None, pool=None, padded=None, bias=None,
               relu=False, pads=None, ahead=None):
        scratch, pool, padded = scratch or _Scratch(), pool or threads.pool_for(None), padded or _Padded()
        kh, kw, c, f = w.shape
        n, h, wd, _ = x.shape
        if pads is None:
            oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        else:  # stride 1 with the padding given (the input gradient as a convolution)
            (ph, pw), oh, ow = pads, h + sum(pads[0]) - kh + 1, wd + sum(pads[1]) - kw + 1
        k, pad = kh * kw * c, ph != (0, 0) or pw != (0, 0)
        wmat = w.reshape(k, f)
        out = np.empty((n, oh, ow, f), dtype=np.result_type(x, w))
        if bias is not None:  # fused (bind_fused): a row of bias, of zeros (_bias_row)
            brow = _bias_row(bias, oh, ow)
            zrow = np.zeros_like(brow) if relu else None
        if saved is not None and op in saved:  # the last matrix was never taken back: return it
            _, old, owner = saved.pop(op)
            owner.give(old)
        groups = _chunks(n, oh * ow * k * x.itemsize)
        direct = not pad or _unpadded_pays(kh, kw, c, oh, ow, op, ph, pw, h, wd)
        zeros = (h, wd, oh, ow, kh, kw, c, ph, pw, op.attrs["strides"], op.attrs.get("dilations"))
        if ahead is not None:  # fused with a MaxPool (MaxPool.bind_ahead): told of each piece done
            pooled, done = ahead(out)
        for a, b in groups:
            cols = scratch.take(((b - a) * oh * ow, k), out.dtype, zeros if pad and direct else None)
            parts = _parts(b - a, 2 * (b - a) * oh * ow * k * f, (b - a) * oh * ow * k * out.itemsize)
            if direct:  # the windows straight from x (the padding's zeros stay in cols)
                src, inner, spans = x[a:b], None, (ph, pw)
            else:  # from a padded work array, its border written once, the images copied in
                src = padded.take((b - a, h, wd, c), ph, pw, x.dtype)
                inner, spans = _crop(src, ph, pw, x.shape), ((0, 0), (0, 0))
            copies = _cols_copies(cols.reshape(b - a, oh, ow, kh, kw, c), src, kh, kw, oh, ow, op, *spans)

            def piece(p, a=a, cols=cols, parts=parts, copies=copies, inner=inner):
                i0, i1 = parts[p]
                if inner is not None:  # this piece's images into the padded work array first
                    np.copyto(inner[i0:i1], x[a + i0:a + i1])
                _fill_cols(copies, i0, i1)
                rows = cols[i0 * oh * ow:i1 * oh * ow]
                y = out[a + i0:a + i1]
                np.matmul(rows, wmat, out=y.reshape(-1, f))
                if bias is not None:
                    _bias_relu(y, brow, zrow)
                if ahead is not None:
                    done(a + i0, a + i1)
            pool.run(piece, len(parts))
            if saved is not None and len(groups) == 1:
                saved[op] = (weakref.ref(x), cols, scratch)
            else:
                scratch.give(cols)
        return out if ahead is None else (out, pooled)

    def bind(self, op, session):
        work = _saved(session), _Scratch(), threads.pool_for(session), _Padded()
        return lambda x, w: self.kernel(op, x, w, *work)

    def bind_fused(self, op, session, activation, max_pool=None, keep=True):
        """Conv2D -> BiasAdd [-> Relu [-> MaxPool]] as one kernel ``f(x, w, bias)`` (the plan
        fuses them when the values between have no other use, like TF's ``_FusedConv2D``): the
        bias and the ReLU go onto each piece of the output right after its product, while it
        is in the cache. With ``max_pool`` (a MaxPool op reading the Relu's value), each block
        of images is also pooled as soon as its pieces are done (``MaxPool.bind_ahead``), and
        ``f`` returns (Relu's value, MaxPool's value), or the pooled value alone when not
        ``keep``. The same bits as the ops one after another (the first three are elementwise,
        no pooling window crosses an image), and the im2col matrix is still left for
        Conv2DBackpropFilter, the argmax for MaxPoolGrad."""
        if activation not in (None, "Relu") or (max_pool is not None and activation != "Relu"):
            raise ValueError(f"Conv2D.bind_fused: activation must be None or 'Relu' ('Relu' with a "
                             f"max_pool), got {activation!r}")
        work, relu = (_saved(session), _Scratch(), threads.pool_for(session), _Padded()), activation == "Relu"
        if max_pool is None:
            ahead = None
        else:
            ahead = max_pool.opdef.bind_ahead(max_pool, session, keep)
            pool_alone = (max_pool.opdef.bind(max_pool, session) if keep  # (it may keep the argmax)
                          else lambda y: max_pool.opdef.kernel(max_pool, y, pool=work[2]))

        def fused_conv2d(x, w, bias):
            bias = np.asarray(bias)
            if bias.shape == w.shape[3:] and bias.dtype == x.dtype == w.dtype:
                y = self.kernel(op, x, w, *work, bias=bias, relu=relu, ahead=ahead)
            else:  # an unusual bias: unfused (and its errors)
                y = self.kernel(op, x, w, *work) + bias
                y = np.maximum(y, 0, dtype=y.dtype) if relu else y
                if ahead is not None:
                    y = y, pool_alone(y)
            return y if ahead is None or keep else y[1]
        return fused_conv2d

    def gradient(self, op, g):
        x, w = op.inputs
        return [make("Conv2DBackpropInput", [x, w, g], **op.attrs),
                make("Conv2DBackpropFilter", [x, w, g], **op.attrs)]


@register
class Conv2DBackpropInput(OpDef):
    """∂L/∂X of a convolution (inputs: X, used only for its shape; the filter; ∂L/∂Y)."""
    formula = ("∂L/∂X = col2im(∂L/∂Y · Wᵀ): each window's share added back where it was read "
               "(stride 1: ∂L/∂Y convolved with W turned 180°)")

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[2].dtype

    # One product per piece of the batch and window row i, ∂L/∂Y (rows, F) times that row of the
    # transposed filter (F, kw·C), gives every window's share as planes (kh, rows, kw·C) (the
    # GEMM's time as one product); col2im then sums each pixel's taps (``_col2im_ops``: along the
    # height by contiguous additions within the planes, then into the piece's part of the
    # result, a pixel's first tap copied and the others added): no padded array, no zeroing first.
    # The planes are needed only while their piece runs: each piece takes a piece-sized work
    # array (``_PieceArrays``, one per thread at most) that stays in the cache from piece to
    # piece, instead of writing a whole-batch matrix out to memory (CNN conv2: 22.6 MB).
    def kernel(self, op, x, w, g, scratch=None, pool=None, padded=None, pieces=None):
        scratch, pool, padded = scratch or _Scratch(), pool or threads.pool_for(None), padded or _Padded()
        if op.attrs["strides"] == (1, 1) and op.attrs.get("dilations", (1, 1)) == (1, 1):
            (kh, kw, c, f), (oh, ow, _, _) = w.shape, _geometry(x.shape, w.shape[:2], op)
            if 2 * c > f or x.shape[0] * oh * ow * kh * kw * c * g.itemsize < COL2IM_STRIDE1_BYTES:
                return self.as_convolution(op, x, w, g, scratch, pool, padded)
        return self.by_col2im(op, x, w, g, pieces or _PieceArrays(), pool)

    @staticmethod
    def by_col2im(op, x, w, g, work, pool):
        """∂L/∂X = col2im(∂L/∂Y · Wᵀ), a piece of the batch at a time (see the layout above)."""
        kh, kw, c, f = w.shape
        n = x.shape[0]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        per_image = oh * ow * kh * kw * c  # values of an image's planes
        w_rows = np.ascontiguousarray(w.reshape(kh, kw * c, f).transpose(0, 2, 1))  # (kh, F, kw·C)
        dx = np.empty(x.shape, dtype=g.dtype)
        parts = threads.pieces(n, n * per_image * g.itemsize, 2 * n * per_image * f, COL2IM_PIECE_BYTES)
        most = max(b - a for a, b in parts) * per_image

        def piece(p):
            a, b = parts[p]
            buf = work.take((b - a) * per_image, g.dtype, most)
            planes = buf.reshape(kh, (b - a) * oh * ow, kw * c)
            np.matmul(g[a:b].reshape(-1, f), w_rows, out=planes)
            planes = planes.reshape(kh, b - a, oh, ow, kw, c)
            _col2im(_col2im_ops(dx[a:b], planes, kh, kw, oh, ow, op, ph, pw))
            work.give(buf)
        pool.run(piece, len(parts))
        return dx

    @staticmethod
    def as_convolution(op, x, w, g, scratch, pool, padded):
        """Stride 1: ∂L/∂X[n,p,q,c] = Σ over i,j,f of ∂L/∂Y[n, p+pt−i, q+pl−j, f]·W[i,j,c,f] is
        itself a VALID convolution: of ∂L/∂Y padded by k−1−pad on each side, with the filter
        turned 180° and its channel axes swapped. One im2col GEMM with the long inner dimension
        kh·kw·F, and no col2im. Its im2col matrix (kh·kw·F values a pixel) against col2im's
        planes (kh·kw·C): the kernel takes col2im when C ≤ F/2 and the planes are big
        (``COL2IM_STRIDE1_BYTES``): the raw example's 5×5 from 32 to 64 channels, batch 128,
        22.9 -> 15.4 ms (one thread's CPU, AVX-512); 3×3 from 32 to 64 on 28×28: 34.3 -> 25.5 ms
        (batch 128), 8.7 -> 5.7 (32), 1.70 -> 1.58 (8), but 0.38 -> 0.40 (2); with C = 2·F
        (3×3, 64 to 16 channels) col2im took 1.7× as long at every batch size."""
        kh, kw, _, _ = w.shape
        _, _, ph, pw = _geometry(x.shape, (kh, kw), op)
        pads = (kh - 1 - ph[0], kh - 1 - ph[1]), (kw - 1 - pw[0], kw - 1 - pw[1])
        turned = np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))  # (kh, kw, F, C)
        return OPS["Conv2D"].kernel(_VALID, g, turned, None, scratch, pool, padded, pads=pads)

    def bind(self, op, session):
        work = _Scratch(), threads.pool_for(session), _Padded(), _PieceArrays()
        return lambda x, w, g: self.kernel(op, x, w, g, *work)


class _VALID:
    """The attributes of a stride-1 VALID convolution (the input gradient of a stride-1 one)."""
    attrs = {"strides": (1, 1), "dilations": (1, 1), "padding": "VALID"}


@register
class Conv2DBackpropFilter(OpDef):
    """∂L/∂W of a convolution (inputs: X; the filter, used only for its shape; ∂L/∂Y)."""
    formula = "∂L/∂W = im2col(X)ᵀ · ∂L/∂Y"

    def infer(self, op):
        return op.inputs[1]._dims, op.inputs[2].dtype

    def bind(self, op, session):
        saved, forward, pool = _saved(session), op.gradient_of, threads.pool_for(session)

        def conv2d_backprop_filter(x, w, g):
            cols, scratch = _take_saved(saved, forward, x)
            if cols is None:
                return self.kernel(op, x, w, g, pool)
            try:  # the forward pass's im2col of this very X
                return _cols_t_times(cols, g, pool).reshape(w.shape)
            finally:
                scratch.give(cols)
        return conv2d_backprop_filter

    def kernel(self, op, x, w, g, pool=None):
        pool = pool or threads.pool_for(None)
        kh, kw, c, f = w.shape
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        xp = _pad(x, ph, pw)
        dw = np.zeros((kh * kw * c, f), dtype=g.dtype)
        for a, b in _chunks(x.shape[0], oh * ow * kh * kw * c * x.itemsize):
            cols = _im2col(xp[a:b], kh, kw, oh, ow, op).reshape(-1, kh * kw * c)
            dw += _cols_t_times(cols, g[a:b], pool)
        return dw.reshape(kh, kw, c, f)


def _cols_t_times(cols, g, pool):
    """colsᵀ·g for ∂L/∂Y ``g`` of shape (N, OH, OW, F): the products of ``_dw_cut``'s blocks of
    rows on the pool's threads, their results added in order (``_dw_sum``)."""
    f = g.shape[-1]
    g2 = g.reshape(-1, f)
    narrow, cut = _dw_cut(len(g), len(g2) // max(len(g), 1), cols.shape[1], f, g.itemsize)
    rows = [r for _, _, sub in cut for r in sub]
    partial = [None] * len(rows)

    def block(p):
        a, b = rows[p]
        partial[p] = _dw_block(cols[a:b], g2[a:b], narrow)
    pool.run(block, len(rows))
    return _dw_sum(partial)


def _dw_cut(n, per, k, f, itemsize):
    """How colsᵀ·∂L/∂Y is cut, by the sizes only: ``(narrow, [(a, b, rows), ...])`` for each of
    BiasAddGrad's blocks of images a..b (``nn_ops.bias_blocks``: ReluGrad.bind_fused computes
    ∂L/∂Y, the bias's sums and this product a block at a time), ``rows`` the block's rows (``per``
    of them per image) cut into products, whose results are added in order.

    A narrow product (a small dW, ``NARROW`` values at most: a grey image's first layer, 9 × 32)
    is cut into products of at most ``SMALL_GEMM`` multiply-adds, which OpenBLAS's AVX-512
    kernels run on their small-matrix path: 3× faster there (0.9 -> 0.27 ms for colsᵀ 9 × 78,400
    in cache), about the same with AVX2 -- when that takes at most ``SMALL_PIECES`` products (more
    were slower with AVX2). A big product (``threads.PARALLEL_MIN_FLOPS``) is cut into at least
    ``threads.PIECES``, for the pool's threads to share."""
    blocks = bias_blocks(n, n * per * f * itemsize)
    narrow = k * f <= NARROW
    cuts = [1] * len(blocks)
    small = [-(-(b - a) * per * k * f // SMALL_GEMM) for a, b in blocks]
    if narrow and len(blocks) < sum(small) <= SMALL_PIECES:
        cuts = small
    elif 2 * n * per * k * f >= threads.PARALLEL_MIN_FLOPS and len(blocks) < threads.PIECES:
        cuts = [-(-threads.PIECES // len(blocks))] * len(blocks)
    cut = []
    for (a, b), s in zip(blocks, cuts):
        r0, r = a * per, (b - a) * per
        s = max(1, min(s, r))
        cut.append((a, b, [(r0 + r * i // s, r0 + r * (i + 1) // s) for i in range(s)]))
    return narrow, cut


def _dw_block(cols, g, narrow):
    """One product colsᵀ·g of a block of rows; a wide one as (gᵀ·cols)ᵀ: cols read as stored,
    10-15% faster (AVX-512)."""
    return cols.T @ g if narrow else (g.T @ cols).T


def _dw_sum(partial):
    """The products' results added in order (the same bits however the pool ran them)."""
    return partial[0] if len(partial) == 1 else np.sum(partial, axis=0)


def conv2d(input=None, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=None, name=None, filters=None):
    """2-D convolution of NHWC images with a ``[kh, kw, in_channels, out_channels]`` filter."""
    _data_format(data_format)
    filter = filters if filter is None else filter
    x = convert_to_tensor(input)
    w = convert_to_tensor(filter, dtype=x.dtype)
    float_check(x, "Conv2D")
    return make("Conv2D", [x, w], name or "Conv2D", strides=_nhwc_arg(strides, "strides"),
                padding=_padding(padding), dilations=_nhwc_arg(dilations, "dilations", True))

