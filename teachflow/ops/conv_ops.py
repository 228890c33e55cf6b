"""Convolution and pooling over NHWC images, with their gradient ops.

A convolution is one matrix product: every output pixel needs the ``kh×kw×C`` input values
under the filter, so we lay those windows out as the rows of a matrix (*im2col*, a strided
view of the padded input, copied once) and multiply by the filter reshaped to ``(kh·kw·C, F)``.
The gradients reuse the same picture: ``∂L/∂W = colsᵀ·∂L/∂Y``, and ``∂L/∂X`` multiplies
``∂L/∂Y·Wᵀ`` and adds each window's share back where the window came from (*col2im*).

Speed, without changing the maths: the im2col matrix is written into a work array kept from
step to step, a piece of the batch at a time (the piece is multiplied while it is still in the
cache); a big product's pieces run on the session's thread pool (``core/threads.py``: BLAS
itself runs one thread); Conv2DBackpropFilter takes the forward pass's matrix back instead of
building it again. Very big batches are processed in chunks so the matrix stays bounded.

Padding follows TF: ``VALID`` uses only whole windows (out = ⌈(in − k + 1)/s⌉); ``SAME``
gives out = ⌈in/s⌉ and pads ``pad_total = max((out − 1)·s + k − in, 0)`` zeros, ``pad_total//2``
before and the rest after.
"""
import weakref

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..core import threads
from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import float_check, make

COLS_BYTES = 128 * 2 ** 20  # im2col matrices larger than this are built a chunk of images at a time
PIECE_BYTES = 2 ** 20  # im2col rows built and multiplied a piece at a time, while in the cache
PARALLEL_MIN_FLOPS = 40e6  # smaller products are not cut for the threads (bench_busy.py --threshold)
PIECES = 8  # at least this many pieces of a product above that, for the pool's threads to share


# --------------------------------------------------------------------------- geometry
def out_size(size, k, stride, padding, dilation=1):
    """Output length and ``(pad_before, pad_after)`` along one axis, by TF's rule."""
    if size is None:
        return None, None
    span = (k - 1) * dilation + 1
    if padding == "VALID":
        if size < span:
            raise ShapeError(f"the window ({span}) is larger than the input ({size}) with VALID padding",
                             hint="use padding='SAME', or a smaller window")
        return (size - span) // stride + 1, (0, 0)
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, (total // 2, total - total // 2)


def _geometry(shape, k, op):
    """(out_h, out_w, pads_h, pads_w) for an input of run-time ``shape`` (N, H, W, C)."""
    (sh, sw), (dh, dw), pad = op.attrs["strides"], op.attrs.get("dilations", (1, 1)), op.attrs["padding"]
    oh, ph = out_size(shape[1], k[0], sh, pad, dh)
    ow, pw = out_size(shape[2], k[1], sw, pad, dw)
    return oh, ow, ph, pw


def _pad(x, ph, pw, value=0):
    if ph == (0, 0) and pw == (0, 0):
        return x
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)


def _crop(xp, ph, pw, shape):
    """The unpadded part of a padded gradient (a view: no copy)."""
    if ph == (0, 0) and pw == (0, 0):
        return xp
    return xp[:, ph[0]:ph[0] + shape[1], pw[0]:pw[0] + shape[2], :]


def _window(xp, i, j, oh, ow, op):
    """The input values that window offset (i, j) sees, for every output pixel: (N, oh, ow, C)."""
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs.get("dilations", (1, 1))
    return xp[:, i * dh: i * dh + (oh - 1) * sh + 1: sh, j * dw: j * dw + (ow - 1) * sw + 1: sw, :]


def _im2col(xp, kh, kw, oh, ow, op):
    """The windows of ``xp`` as a strided view (N, oh, ow, kh, kw, C): no copy yet."""
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs.get("dilations", (1, 1))
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, (n, oh, ow, kh, kw, c), (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3),
                      writeable=False)


def _fill_cols(rows, xp, kh, kw, oh, ow, op):
    """Copy the windows of ``xp`` into ``rows`` (N, oh, ow, kh, kw, C), the im2col layout.

    A window row (kw taps × C channels) is one contiguous run of the input when the dilation
    is 1, so NumPy copies runs of kw·C values. With few channels (a grey image: C = 1) that run
    is short, and one copy per tap is faster: its runs go along an output row (ow values)."""
    if kw * xp.shape[3] >= 8 or op.attrs.get("dilations", (1, 1)) != (1, 1):
        np.copyto(rows, _im2col(xp, kh, kw, oh, ow, op))
        return
    for i in range(kh):
        for j in range(kw):
            rows[:, :, :, i, j, :] = _window(xp, i, j, oh, ow, op)


def _col2im(dxp, rows, kh, kw, oh, ow, op):
    """Add every window's values back where the window read them (the adjoint of im2col):
    ``dxp[n, y·sh + i·dh, x·sw + j·dw, c] += rows[n, y, x, i, j, c]``.

    Windows overlap (a pixel is read by several), so the sum goes tap by tap. With dilation 1
    the kw taps of a window row are one run of kw·C input values, and the windows x, x+g,
    x+2g ... with ``g = ⌈kw/sw⌉`` do not overlap: one addition handles all of them, whole
    runs at a time. That is kh·g additions of long runs (3×3, stride 2: 6) instead of kh·kw
    additions of runs of C values (NumPy's cost is per run, so this is 2-5× faster)."""
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs.get("dilations", (1, 1))
    if dw != 1:
        for i in range(kh):
            for j in range(kw):
                win = _window(dxp, i, j, oh, ow, op)
                np.add(win, rows[:, :, :, i, j, :], out=win)
        return
    g = -(-kw // sw)
    s0, s1, s2, s3 = dxp.strides
    for i in range(kh):
        for r in range(min(g, ow)):
            src = rows[:, :, r::g, i]  # (N, oh, windows, kw, C)
            dst = as_strided(dxp[:, i * dh:, r * sw:], src.shape, (s0, s1 * sh, s2 * sw * g, s2, s3))
            np.add(dst, src, out=dst)


def _chunks(n, bytes_per_image):
    """Groups of images whose im2col matrix fits in ``COLS_BYTES`` (memory stays bounded)."""
    step = max(1, int(COLS_BYTES // max(bytes_per_image, 1)))
    return [(a, min(a + step, n)) for a in range(0, n, step)]


def _parts(n, flops, nbytes):
    """Split ``n`` images (or rows) into pieces: small enough that a piece's rows stay in the
    cache between being written and being multiplied (``PIECE_BYTES``), and, when the product is
    big enough to pay for a thread hand-over, at least ``PIECES`` of them, so that each of the
    pool's threads takes a few (a thread slowed down by another program simply takes fewer).
    The cut depends on the sizes only, never on the thread count: results are the same bits on
    every machine."""
    k = -(-nbytes // PIECE_BYTES)
    if flops >= PARALLEL_MIN_FLOPS:
        k = max(k, PIECES)
    k = max(1, min(n, k))
    return [(n * i // k, n * (i + 1) // k) for i in range(k)]


class _Scratch:
    """One reusable work array of a bound kernel (the im2col matrix and its gradient), so a
    training loop allocates none per step. A smaller batch uses the front of the array; an
    array lent out (to the backward pass) is not reused until it is given back."""

    def __init__(self):
        self._free = None

    def take(self, shape, dtype):
        buf, self._free = self._free, None
        size = int(np.prod(shape))
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(size, dtype)
        return buf[:size].reshape(shape)

    def give(self, a):
        self._free = a if a.base is None else a.base


# The backward pass needs im2col(X) again for ∂L/∂W. Conv2D leaves the matrix it built here
# (per session, per op, while the same X is alive) and Conv2DBackpropFilter takes it back,
# instead of copying the windows out a second time; any other X is recomputed. MaxPool leaves
# the position of each window's maximum for MaxPoolGrad the same way.
_SAVED = weakref.WeakKeyDictionary()  # session -> {op: (weakref to X, saved array, scratch)}


def _saved(session):
    d = _SAVED.get(session)
    if d is None:
        d = _SAVED[session] = {}
    return d


def _take_saved(saved, op, x):
    """What ``op``'s forward pass saved for this very ``x``, or None (and the entry is gone)."""
    ref, value, scratch = saved.pop(op, (None, None, None))
    if ref is not None and ref() is x:
        return value, scratch
    if scratch is not None:
        scratch.give(value)
    return None, None


def _check_nhwc(t, what, op_type, hint_channels=True):
    d = t._dims
    if d is None or len(d) == 4:
        return
    hint = "conv and pool ops take NHWC images [batch, height, width, channels]"
    if len(d) == 3 and hint_channels:
        hint = ("the channel axis seems to be missing: tf.expand_dims(x, -1) or "
                f"tf.reshape(x, [-1, {d[1]}, {d[2]}, 1]) for grey images")
    elif len(d) == 2:
        hint = ("flat rows must be reshaped into images first, e.g. tf.reshape(x, [-1, 28, 28, 1]) "
                "for 784 pixels")
    raise ShapeError(f"{op_type} expects {what} of rank 4 [batch, height, width, channels] (NHWC), "
                     f"got rank {len(d)} shape {fmt(d)}", hint=hint)


def _check_attrs(op, k):
    pad = op.attrs["padding"]
    if pad not in ("SAME", "VALID"):
        raise ShapeError(f"padding must be 'SAME' or 'VALID', got {pad!r}")
    for s in op.attrs["strides"] + op.attrs.get("dilations", (1, 1)) + tuple(k):
        if not isinstance(s, int) or s < 1:
            raise ShapeError(f"strides, window sizes and dilations must be positive integers, got "
                             f"strides={op.attrs['strides']}, window={tuple(k)}")


def _spatial(op, x_dims, k):
    """Static output shape (N, oh, ow) of a window op on ``x_dims``."""
    if x_dims is None:
        return None, None, None
    oh, ow, _, _ = _geometry(x_dims, k, op)
    return x_dims[0], oh, ow


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
    def kernel(self, op, x, w, saved=None, scratch=None, pool=None):
        scratch, pool = scratch or _Scratch(), pool or threads.pool_for(None)
        kh, kw, c, f = w.shape
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        xp = _pad(x, ph, pw)
        n, k = x.shape[0], kh * kw * c
        wmat = w.reshape(k, f)
        out = np.empty((n, oh, ow, f), dtype=np.result_type(x, w))
        if saved is not None and op in saved:  # the last matrix was never taken back: return it
            _, old, owner = saved.pop(op)
            owner.give(old)
        groups = _chunks(n, oh * ow * k * x.itemsize)
        for a, b in groups:
            cols = scratch.take(((b - a) * oh * ow, k), out.dtype)
            parts = _parts(b - a, 2 * (b - a) * oh * ow * k * f, (b - a) * oh * ow * k * out.itemsize)

            def piece(p, a=a, cols=cols, parts=parts):
                i0, i1 = parts[p]
                rows = cols[i0 * oh * ow:i1 * oh * ow]
                rows.shape = (i1 - i0, oh, ow, kh, kw, c)
                _fill_cols(rows, xp[a + i0:a + i1], kh, kw, oh, ow, op)
                rows.shape = (-1, k)
                np.matmul(rows, wmat, out=out[a + i0:a + i1].reshape(-1, f))
            pool.run(piece, len(parts))
            if saved is not None and len(groups) == 1:
                saved[op] = (weakref.ref(x), cols, scratch)
            else:
                scratch.give(cols)
        return out

    def bind(self, op, session):
        saved, scratch, pool = _saved(session), _Scratch(), threads.pool_for(session)
        return lambda x, w: self.kernel(op, x, w, saved, scratch, pool)

    def gradient(self, op, g):
        x, w = op.inputs
        return [make("Conv2DBackpropInput", [x, w, g], **op.attrs),
                make("Conv2DBackpropFilter", [x, w, g], **op.attrs)]


@register
class Conv2DBackpropInput(OpDef):
    """∂L/∂X of a convolution (inputs: X, used only for its shape; the filter; ∂L/∂Y)."""
    formula = "∂L/∂X = col2im(∂L/∂Y · Wᵀ): each window's share added back where it was read"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[2].dtype

    # One GEMM per piece of the batch, ∂L/∂Y (rows, F) times the transposed filter (F, kh·kw·C),
    # gives every window's share laid out as im2col(X) is; col2im then adds the window rows back
    # onto the input pixels they read (kh·⌈kw/sw⌉ strided additions per piece).
    def kernel(self, op, x, w, g, scratch=None, pool=None):
        scratch, pool = scratch or _Scratch(), pool or threads.pool_for(None)
        kh, kw, c, f = w.shape
        n, h, wd, _ = x.shape
        k = kh * kw * c
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        wmat_t = w.reshape(k, f).T  # (F, kh·kw·C): a transposed view, BLAS reads it as is
        dxp = np.zeros((n, h + sum(ph), wd + sum(pw), c), dtype=g.dtype)
        for a, b in _chunks(n, oh * ow * k * g.itemsize):
            dcols = scratch.take(((b - a) * oh * ow, k), g.dtype)
            parts = _parts(b - a, 2 * (b - a) * oh * ow * k * f, dcols.nbytes)

            def piece(p, a=a, dcols=dcols, parts=parts):
                i0, i1 = parts[p]
                rows = dcols[i0 * oh * ow:i1 * oh * ow]
                np.matmul(g[a + i0:a + i1].reshape(-1, f), wmat_t, out=rows)
                rows.shape = (i1 - i0, oh, ow, kh, kw, c)
                _col2im(dxp[a + i0:a + i1], rows, kh, kw, oh, ow, op)
            pool.run(piece, len(parts))
            scratch.give(dcols)
        return _crop(dxp, ph, pw, x.shape)

    def bind(self, op, session):
        scratch, pool = _Scratch(), threads.pool_for(session)
        return lambda x, w, g: self.kernel(op, x, w, g, scratch, pool)


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
                return _cols_t_times(cols, g.reshape(-1, w.shape[3]), pool).reshape(w.shape)
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
            dw += _cols_t_times(cols, g[a:b].reshape(-1, f), pool)
        return dw.reshape(kh, kw, c, f)


def _cols_t_times(cols, g, pool):
    """colsᵀ·g; when that pays, the rows in blocks on the pool's threads, the blocks' sums added."""
    parts = _parts(len(cols), 2 * cols.size * g.shape[1], 0)
    partial = [None] * len(parts)

    def block(p):
        a, b = parts[p]
        partial[p] = cols[a:b].T @ g[a:b]
    pool.run(block, len(parts))
    return partial[0] if len(parts) == 1 else np.sum(partial, axis=0)


# --------------------------------------------------------------------------- pooling
class _Pool(OpDef):
    batching = "first"
    def infer(self, op):
        x = op.inputs[0]
        _check_nhwc(x, "input", self.type)
        k = op.attrs["ksize"]
        _check_attrs(op, k)
        if not x.dtype.is_floating:
            raise ShapeError(f"{self.type} needs floating-point input, got {x.dtype.name}")
        if x._dims is None:
            return None, x.dtype
        n, oh, ow = _spatial(op, x._dims, k)
        return (n, oh, ow, x._dims[3]), x.dtype


@register
class MaxPool(_Pool):
    formula = "Y[n,y,x,c] = max over the k×k window at (y·s, x·s) of X[n,·,·,c]"
    grad_formulas = ("∂L/∂X = ∂L/∂Y routed to the (first) maximum of each window, 0 elsewhere",)

    # One pass per window tap (i, j): the running maximum, and which tap holds it (the argmax,
    # an int8 array shaped like Y, the first tap on ties), which MaxPoolGrad takes back instead
    # of searching every window again.
    def kernel(self, op, x, saved=None):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        xp = _pad(x, ph, pw, -np.inf)
        out = _window(xp, 0, 0, oh, ow, op).copy()
        itype = np.int8 if kh * kw < 128 else np.int32
        arg, tap = np.zeros(out.shape, itype), np.empty(out.shape, itype)
        better = np.empty(out.shape, bool)
        for t in range(1, kh * kw):
            win = _window(xp, t // kw, t % kw, oh, ow, op)
            np.greater(win, out, out=better)
            np.maximum(out, win, out=out)  # (NaN propagates, as np.maximum does)
            # arg = t where this tap is strictly greater: t exceeds every earlier tap's number,
            # so a maximum with better·t does it (much faster than a masked copy)
            np.multiply(better, itype(t), out=tap)
            np.maximum(arg, tap, out=arg)
        if saved is not None:
            saved[op] = (weakref.ref(x), arg, None)
        return out

    def bind(self, op, session):
        saved = _saved(session)
        return lambda x: self.kernel(op, x, saved)

    def gradient(self, op, g):
        return [make("MaxPoolGrad", [op.inputs[0], op.outputs[0], g], **op.attrs)]


@register
class MaxPoolGrad(OpDef):
    """Each output's gradient goes to the input that won its window (the first, on ties)."""
    formula = "∂L/∂X[p] = Σ of ∂L/∂Y over the windows whose maximum is at p"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[2].dtype

    def bind(self, op, session):
        saved, forward = _saved(session), op.gradient_of
        return lambda x, y, g: self.kernel(op, x, y, g, _take_saved(saved, forward, x)[0])

    def kernel(self, op, x, y, g, arg=None):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        if arg is None:  # not saved by the forward pass (another X, or the op run alone)
            arg = _argmax(x, y, op)
        dxp = np.zeros((x.shape[0], x.shape[1] + sum(ph), x.shape[2] + sum(pw), x.shape[3]),
                       dtype=g.dtype)
        (sh, sw) = op.attrs["strides"]
        overlap = sh < kh or sw < kw  # else every input is in at most one window
        hit = np.empty(arg.shape, bool)
        for t in range(kh * kw):
            np.equal(arg, t, out=hit)
            win = _window(dxp, t // kw, t % kw, oh, ow, op)
            if overlap:
                win += g * hit
            else:
                np.multiply(g, hit, out=win)
        return _crop(dxp, ph, pw, x.shape)


def _argmax(x, y, op):
    """Which tap of each window holds the maximum ``y`` (the first on ties)."""
    kh, kw = op.attrs["ksize"]
    oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
    xp = _pad(x, ph, pw, -np.inf)
    arg = np.full(y.shape, -1, np.int32)
    for t in range(kh * kw):
        found = (arg < 0) & (_window(xp, t // kw, t % kw, oh, ow, op) == y)
        arg[found] = t
    return arg


def _counts(shape, op):
    """How many real (unpadded) inputs each output window of AvgPool covers: (1, oh, ow, 1)."""
    kh, kw = op.attrs["ksize"]
    oh, ow, ph, pw = _geometry(shape, (kh, kw), op)
    ones = _pad(np.ones((1, shape[1], shape[2], 1)), ph, pw)
    count = np.zeros((1, oh, ow, 1))
    for i in range(kh):
        for j in range(kw):
            count += _window(ones, i, j, oh, ow, op)
    return count


@register
class AvgPool(_Pool):
    formula = "Y[n,y,x,c] = mean of X[n,·,·,c] over the k×k window (padding not counted)"
    grad_formulas = ("∂L/∂X = each ∂L/∂Y shared equally among the inputs of its window",)

    def kernel(self, op, x):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        xp = _pad(x, ph, pw)
        out = _window(xp, 0, 0, oh, ow, op).copy()
        for i in range(kh):
            for j in range(kw):
                if i or j:
                    out += _window(xp, i, j, oh, ow, op)
        out /= _counts(x.shape, op).astype(x.dtype)
        return out

    def gradient(self, op, g):
        return [make("AvgPoolGrad", [op.inputs[0], g], **op.attrs)]


@register
class AvgPoolGrad(OpDef):
    """∂L/∂X of an average pool (inputs: X, used only for its shape; ∂L/∂Y)."""
    formula = "∂L/∂X[p] = Σ over the windows covering p of ∂L/∂Y / (window count)"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[1].dtype

    def kernel(self, op, x, g):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        share = g / _counts(x.shape, op).astype(g.dtype)
        n, h, w, c = x.shape
        dxp = np.zeros((n, h + sum(ph), w + sum(pw), c), dtype=g.dtype)
        for i in range(kh):
            for j in range(kw):
                _window(dxp, i, j, oh, ow, op)[...] += share
        return _crop(dxp, ph, pw, x.shape)


# --------------------------------------------------------------------------- public functions
def _nhwc_arg(v, what, default_one=False):
    """A TF ``strides``/``ksize``/``dilations`` argument -> (height, width)."""
    if v is None:
        if default_one:
            return (1, 1)
        raise ValueError(f"{what} is required")
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = [int(d) for d in v]
    if len(v) == 1:
        return (v[0], v[0])
    if len(v) == 2:
        return tuple(v)
    if len(v) == 4:
        if v[0] != 1 or v[3] != 1:
            raise ValueError(f"{what} {v}: teachflow (like TF on CPU) does not stride or pool over the "
                             "batch or channel axes; use [1, h, w, 1]")
        return (v[1], v[2])
    raise ValueError(f"{what} must be an int or a list of 1, 2 or 4 ints, got {v}")


def _padding(padding):
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID' (or 'same'/'valid'), got {padding!r}")
    return padding.upper()


def _data_format(data_format):
    if data_format not in (None, "NHWC", "channels_last"):
        raise ValueError(f"teachflow supports data_format='NHWC' only (channels last), got "
                         f"{data_format!r}; tf.transpose(x, [0, 2, 3, 1]) turns NCHW into NHWC")


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


def _pool(op_type, value, ksize, strides, padding, data_format, name):
    _data_format(data_format)
    x = convert_to_tensor(value)
    float_check(x, op_type)
    return make(op_type, [x], name or op_type, ksize=_nhwc_arg(ksize, "ksize"),
                strides=_nhwc_arg(strides, "strides"), padding=_padding(padding))


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """The maximum of each ``ksize`` window, windows ``strides`` apart (NHWC)."""
    return _pool("MaxPool", input if value is None else value, ksize, strides, padding,
                 data_format, name)


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """The mean of each ``ksize`` window (padded positions are not counted), NHWC."""
    return _pool("AvgPool", input if value is None else value, ksize, strides, padding,
                 data_format, name)
