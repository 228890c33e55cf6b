"""Windows over NHWC images: the geometry and helpers that convolution and pooling share.

Padding follows TF: ``VALID`` uses only whole windows (out = ⌈(in − k + 1)/s⌉); ``SAME``
gives out = ⌈in/s⌉ and pads ``pad_total = max((out − 1)·s + k − in, 0)`` zeros, ``pad_total//2``
before and the rest after. The window at tap (i, j) is a strided view of the padded input;
*im2col* lays every window out as a row (``rows[n, y, x, i, j, c]``) and *col2im* sums such
rows back where they were read (a pixel's first tap copied, the others added). ``_SAVED``
keeps what a forward kernel leaves for its gradient op, and the argument readers turn TF's
``strides``/``ksize``/``padding`` into (height, width).
"""
import functools
import weakref

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..core.shapes import ShapeError, fmt


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


class _Padded:
    """A padded copy of a batch of images kept from step to step by a bound kernel: the border
    is written once (when the geometry changes) and only the interior is copied in, a piece of
    the batch at a time, just before that piece's windows are read (while it is in the cache).
    ``np.pad`` allocated a fresh array every step and its pages were faulted in again (0.3-0.5
    ms for 100×28×28×32). Layout: (N, H + pads, W + pads, C), the NHWC input with its border."""

    def __init__(self):
        self._buf, self._key = None, None

    def take(self, shape, ph, pw, dtype, value=0):
        """The padded array for ``shape`` (N, H, W, C): the border holds ``value``; the
        interior (``_crop`` of it) is the caller's to write."""
        n, h, w, c = shape
        key = (h, w, c, ph, pw, np.dtype(dtype), value)
        if self._key != key or len(self._buf) < n:
            self._buf = np.full((n, h + sum(ph), w + sum(pw), c), value, dtype)
            self._key = key
        return self._buf[:n]


def _crop(xp, ph, pw, shape):
    """The unpadded part of a padded array (a view: no copy): a gradient, or where the images
    go in a ``_Padded`` work array."""
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


def _valid(n_out, stride, offset, size):
    """The outputs ``[lo, hi)`` whose position ``o·stride + offset`` falls inside ``[0, size)``."""
    return max(0, -(offset // stride)), min(n_out, -((offset - size) // stride))


def _spans(n_out, k, stride, dil, pad, size):
    """One axis of the windows cut into ``(o0, o1, t0, t1)``: the outputs ``[o0, o1)`` read the
    taps ``[t0, t1)`` inside the input, the rest of their taps fall on the padding. The windows
    wholly inside are one span; each window over the border is a span of its own."""
    lo, hi = _valid(n_out, stride, -pad, size - (k - 1) * dil)
    if lo >= hi:  # no window is wholly inside (a window larger than the input)
        lo = hi = n_out
    spans = [(lo, hi, 0, k)] if lo < hi else []
    for o in [*range(lo), *range(hi, n_out)]:
        t0, t1 = _valid(k, dil, o * stride - pad, size)
        if t0 < t1:
            spans.append((o, o + 1, t0, t1))
    return spans


def _cols_copies(rows, x, kh, kw, oh, ow, op, ph, pw):
    """The copies that fill ``rows`` (N, oh, ow, kh, kw, C), the im2col layout, with the
    windows of the *unpadded* ``x``: ``[(destination, source), ...]``, views over the whole batch
    (a piece of images copies ``d[i0:i1]`` from ``s[i0:i1]``). Only the taps inside the input
    are written: the taps on the padding are left as they are (the caller keeps zeros there,
    written once into its reused matrix), and the input need not be copied into a padded array
    first (see ``_unpadded_pays``). With ``ph = pw = (0, 0)`` it copies every window of ``x``.

    The windows are cut along each axis into those wholly inside and those over the border
    (``_spans``); each pair of spans is one strided copy: SAME with stride 2 on an even size
    pads only the bottom and right, 4 copies, or 3 and a write of zeros, ``(destination, None)``,
    when the windows over the right edge are copied whole (``_over_the_right_edge``). The plan
    depends on the sizes only and is cached (a small batch's step pays no more Python than
    with the padded copy). A window row (kw taps × C channels) is one
    contiguous run of the input when the dilation is 1, so NumPy copies runs of kw·C values.
    With few channels (a grey image: C = 1) that run is short, and one copy per tap is faster:
    its runs go along an output row (ow values)."""
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs.get("dilations", (1, 1))
    n, h, wd, c = x.shape
    s0, s1, s2, s3 = x.strides
    if kw * c < 8:  # per tap (i, j): the outputs whose tap falls inside, by slicing (cheap)
        return [(rows[:, y0:y1, x0:x1, i, j],
                 x[:, p:p + (y1 - y0 - 1) * sh + 1:sh, q:q + (x1 - x0 - 1) * sw + 1:sw])
                for y0, y1, x0, x1, i, j, p, q in _tap_plan(kh, kw, oh, ow, sh, sw, dh, dw, ph, pw, h, wd)]
    row_major = s1 == wd * s2 and s2 == c * s3
    plan = _copy_plan(kh, kw, oh, ow, sh, sw, dh, dw, ph, pw, h, wd, row_major)
    strides = (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3)
    copies = []
    for y0, y1, x0, x1, i0, i1, j0, j1 in plan:
        dst = rows[:, y0:y1, x0:x1, i0:i1, j0:j1]
        if i0 is None:  # taps read past the row's end: back to the padding's zeros
            copies.append((dst, None))
            continue
        p, q = y0 * sh + i0 * dh - ph[0], x0 * sw + j0 * dw - pw[0]
        shape = (n, y1 - y0, x1 - x0, i1 - i0, j1 - j0, c)
        if x.flags.c_contiguous:  # a view of x's memory, checked to lie inside it (and cheap)
            src = np.ndarray(shape, x.dtype, x, p * s1 + q * s2, strides)
        else:
            src = as_strided(x[:, p:, q:], shape, strides, writeable=False)
        copies.append((dst, src))
    return copies


@functools.lru_cache(maxsize=256)
def _tap_plan(kh, kw, oh, ow, sh, sw, dh, dw, ph, pw, h, wd):
    """Per tap (i, j) of ``_cols_copies`` for a grey image: the windows ``[y0, y1) × [x0, x1)``
    whose tap is inside, and where the first of them reads, ``(y0, y1, x0, x1, i, j, p, q)``."""
    plan = []
    for i in range(kh):
        y0, y1 = _valid(oh, sh, i * dh - ph[0], h)
        for j in range(kw):
            x0, x1 = _valid(ow, sw, j * dw - pw[0], wd)
            if y0 < y1 and x0 < x1:
                plan.append((y0, y1, x0, x1, i, j, y0 * sh + i * dh - ph[0], x0 * sw + j * dw - pw[0]))
    return tuple(plan)


@functools.lru_cache(maxsize=256)
def _copy_plan(kh, kw, oh, ow, sh, sw, dh, dw, ph, pw, h, wd, row_major):
    """The copies of ``_cols_copies`` (not a grey image) as ``(y0, y1, x0, x1, i0, i1, j0, j1)``:
    the windows ``[y0, y1) × [x0, x1)`` and their taps ``[i0, i1) × [j0, j1)``; ``i0 = None``:
    those taps are set back to 0 after the copy that read them past a row's end. The same
    for every step, so cached."""
    plan = []
    for y0, y1, i0, i1 in _spans(oh, kh, sh, dh, ph[0], h):
        spans, blanks = _spans(ow, kw, sw, dw, pw[0], wd), []
        if row_major and i1 - i0 == kh and (y1 - 1) * sh + (kh - 1) * dh - ph[0] < h - 1:
            spans, blanks = _over_the_right_edge(spans, ow, kw, sw, dw, pw[0], wd)
        plan += [(y0, y1, x0, x1, i0, i1, j0, j1) for x0, x1, j0, j1 in spans if y0 < y1 and x0 < x1]
        plan += [(y0, y1, x0, x1, None, None, j0, j1) for x0, x1, j0, j1 in blanks]
    return tuple(plan)


def _over_the_right_edge(spans, n_out, k, stride, dil, pad, size):
    """The windows wholly inside joined with those right after them that hang over the right
    edge only, as one span of whole windows, and the taps of those that lie on the padding
    (``blanks``, to be set back to 0 after the copy): ``(spans, blanks)``.

    Within an image stored row by row, a tap past the end of a row reads the start of the
    next row: a valid value, only the wrong one. Copying those windows whole makes the
    destination of the big copy one contiguous block per image row of windows, and that copy
    18% faster (CNN conv2: 1.65 -> 1.36 ms for 4 copies, min of 40, loaded machine). The
    caller makes sure the rows read are not an image's last one (the next row is in the image)."""
    inner, right = spans[:1], [sp for sp in spans[1:] if sp[0] >= (spans[0][1] if spans else n_out)]
    if not inner or not right or inner[0][2:] != (0, k):
        return spans, []
    o1, blanks = inner[0][1], []
    for o0, _, t0, t1 in right:
        if o0 != o1 or t0 != 0 or o0 * stride + (k - 1) * dil - pad - size >= size:
            break
        blanks.append((o0, o0 + 1, t1, k))
        o1 = o0 + 1
    rest = [sp for sp in spans[1:] if not spans[0][1] <= sp[0] < o1]
    return [(inner[0][0], o1, 0, k)] + rest, blanks


def _fill_cols(copies, i0, i1):
    """Images ``[i0, i1)`` of each copy of ``_cols_copies``: a piece of the im2col matrix."""
    whole = i0 == 0 and i1 == len(copies[0][0]) if copies else True  # one piece: no slicing
    for dst, src in copies:
        if not whole:
            dst, src = dst[i0:i1], None if src is None else src[i0:i1]
        if src is None:
            dst[...] = 0
        else:
            np.copyto(dst, src)


def _unpadded_pays(kh, kw, c, oh, ow, op, ph, pw, h, wd):
    """Whether the windows are best copied straight from the unpadded input (``_cols_copies``
    with the padding): with one copy per tap (a grey image) or when at most 4 copies do it
    (the padding on one side of each axis). With padding on both sides there are up to 9 or 25,
    most of them small, and the padded copy was faster: 5×5 SAME from 32 to 64 channels on
    (128, 14, 14, 32) took 4.2 ms padded, 5.7 unpadded (``bench_conv_stages.py``, AVX-512)."""
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs.get("dilations", (1, 1))
    return kw * c < 8 or _span_count(oh, kh, sh, dh, ph[0], h) * _span_count(ow, kw, sw, dw, pw[0], wd) <= 4


@functools.lru_cache(maxsize=256)
def _span_count(n_out, k, stride, dil, pad, size):
    return len(_spans(n_out, k, stride, dil, pad, size))


@functools.lru_cache(maxsize=256)
def _sum_order(n_out, k, stride, dil, pad, size):
    """One axis of col2im: which windows' taps reach each input position, and in which order
    they are summed. Position ``p`` is read by tap ``t`` of window ``o`` when
    ``p = o·stride + t·dil − pad``; its sum starts with its *first* tap (the smallest ``t``),
    which is copied, and adds the others in ascending ``t``. Returned as ``(firsts, others,
    missed)``:

    * ``firsts``: ``(t0, m, o0, o1)``: taps ``t0 .. t0+m−1`` of the windows ``[o0, o1)`` are
      first where they land (with dilation 1, up to ``stride`` neighbouring taps with the same
      windows, or any number for one window, are one entry: their positions are side by side
      and distinct, one copy of longer runs);
    * ``others``: ``(t, o0, o1, tf, of)``: tap ``t`` of the windows ``[o0, o1)`` lands where
      tap ``tf`` of the windows ``[of, of + o1 − o0)`` is first, in ascending ``t``;
    * ``missed``: the positions no window reads (a stride larger than the window): zeros.

    3×3, stride 2, SAME on an even size (padding after only): taps 0 and 1 of every window are
    first and tile the axis exactly (one entry), tap 2 of window o lands on tap 0 of window
    o + 1. Depends on the sizes only (cached)."""
    role, missed = {}, []
    for p in range(size):
        reach = [(t, (p + pad - t * dil) // stride) for t in range(k) if (p + pad - t * dil) % stride == 0
                 and 0 <= (p + pad - t * dil) // stride < n_out]
        if not reach:
            missed.append(p)
            continue
        (tf, of), rest = reach[0], reach[1:]
        role[tf, of] = "first"
        for t, o in rest:
            role[t, o] = (tf, of - o)  # first tap, and how far its window is from this one
    firsts, others = [], []
    for t in range(k):
        for o0, o1, r in _runs([role.get((t, o)) for o in range(n_out)]):
            if r == "first":  # side by side: the previous entry's taps end at t, the same windows
                m0 = firsts[-1] if firsts else None
                if (m0 and dil == 1 and m0[0] + m0[1] == t and m0[2:] == (o0, o1)
                        and (m0[1] < stride or o1 - o0 == 1)):
                    firsts[-1] = (m0[0], m0[1] + 1, o0, o1)
                else:
                    firsts.append((t, 1, o0, o1))
            elif r is not None:
                others.append((t, o0, o1, r[0], o0 + r[1]))
    return tuple(firsts), tuple(others), tuple(missed)


def _runs(values):
    """``(start, stop, value)`` for each run of equal values in a list."""
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i, values[start]))
            start = i
    return runs


def _col2im_ops(dx, planes, kh, kw, oh, ow, op, ph, pw):
    """The copies and additions that put every window's values back where the window read
    them (the adjoint of im2col), ``dx[n, y·sh + i·dh − pt, x·sw + j·dw − pl, c] =
    Σ planes[i, n, y, x, j, c]``, into the unpadded ``dx`` (what the windows read from the
    padding is dropped); no read of ``dx`` first: a pixel's first tap is copied, and only the
    pixels no window reads (a stride longer than the window) are zeroed. ``dx``: C-contiguous.

    Layout: ``planes`` (kh, N, oh, ow, kw, C) holds one plane per window row ``i`` (the GEMM
    writes one product per ``i``), so a pixel's taps along the height are summed in place in
    the plane of its first tap by *contiguous* additions of whole rows of windows (``_sum_order``
    along the height: 3×3 stride 2, one addition of tap row 2 onto row 0 of the next windows).
    Then every first row goes into ``dx``: along the width a pixel's first tap is copied and the
    others are added, strided runs of C (or, for the side-by-side taps of ``_sum_order``'s
    ``firsts``, a longer run: 3×3 stride 2 copies runs of 2·C that fill each dx row and adds
    tap 2's runs of C). NumPy's cost is per run: an addition of a run of 32 floats costs about
    3 times a copy (CNN conv2: col2im 2.3 -> 1.2 ms, one thread, AVX-512).

    Returned as ``[(kind, destination, source), ...]`` in their order, for ``_col2im``: a few
    views (made in µs: a view of ``dx``'s memory rather than ``as_strided``), so made per piece."""
    (sh, sw), (dh, dw) = op.attrs["strides"], op.attrs.get("dilations", (1, 1))
    _, h, wd, _ = dx.shape
    rows_first, rows_other, rows_missed = _sum_order(oh, kh, sh, dh, ph[0], h)
    cols_first, cols_other, cols_missed = _sum_order(ow, kw, sw, dw, pw[0], wd)
    ops = [("zero", dx, (slice(None), list(rows_missed)))] if rows_missed else []
    if cols_missed:
        ops.append(("zero", dx, (slice(None), slice(None), list(cols_missed))))
    for i, y0, y1, i_first, yf in rows_other:  # along the height, in the planes
        ops.append(("add", planes[i_first, :, yf:yf + y1 - y0], planes[i, :, y0:y1]))
    s0, s1, s2, s3 = dx.strides
    width = _width_ops(cols_first, cols_other)
    for i0, m, y0, y1 in rows_first:
        src_rows = planes[i0:i0 + m, :, y0:y1].transpose(1, 2, 0, 3, 4, 5)  # (N, rows, m, ow, kw, C)
        p = y0 * sh + i0 * dh - ph[0]
        for kind, j0, mj, x0, x1 in width:
            q = x0 * sw + j0 * dw - pw[0]
            shape = src_rows.shape[:3] + (x1 - x0, mj, dx.shape[3])
            strides = (s0, s1 * sh, s1 * dh, s2 * sw, s2 * dw, s3)
            dst = np.ndarray(shape, dx.dtype, dx, p * s1 + q * s2, strides)  # a view (cheaper than as_strided)
            ops.append((kind, dst, src_rows[:, :, :, x0:x1, j0:j0 + mj]))
    return ops


def _width_ops(firsts, others):
    """``(kind, j0, m, x0, x1)`` along the width (``_sum_order``): the first taps copied, then
    the others added in ascending tap order (a tap's windows in one go, whichever tap is
    first where they land)."""
    adds = []
    for j, x0, x1, _, _ in others:
        if adds and adds[-1][1] == j and adds[-1][4] == x0:
            adds[-1] = ("add", j, 1, adds[-1][3], x1)
        else:
            adds.append(("add", j, 1, x0, x1))
    return [("copy", j0, m, x0, x1) for j0, m, x0, x1 in firsts] + adds


def _col2im(ops):
    """The steps of ``_col2im_ops``, in order: col2im of a piece."""
    for kind, dst, src in ops:
        if kind == "zero":
            dst[src] = 0
        elif kind == "copy":
            np.copyto(dst, src)
        else:
            np.add(dst, src, out=dst)


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

