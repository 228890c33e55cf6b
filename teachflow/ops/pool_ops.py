"""Pooling over NHWC images: MaxPool and AvgPool, their gradient ops and ``tf.nn`` functions.

Each window's maximum (or mean) is taken one tap at a time over strided views of the padded
input (``windows.py``): kh·kw whole-array passes, no per-window Python loop. MaxPool keeps
which tap won each window (its argmax) for MaxPoolGrad, which routes the gradient there; a
graph without a MaxPoolGrad (inference) gets the maxima alone. The plan may fuse Conv2D ->
BiasAdd -> Relu -> MaxPool (``MaxPool.bind_ahead``: each block of images pooled right after
the convolution finishes it, while it is in the cache).

When the session's pool has several threads, a big batch (``PARALLEL_MIN_BYTES``) is cut into
pieces of a few images (``threads.split``) that the threads share; otherwise the whole batch
is one call. Every output value is computed by the same operations in the same order whatever
the cut, so the result is the same bits for any number of threads.
"""
import functools
import threading
import weakref

import numpy as np

from ..core import threads
from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError
from ._util import float_check, make
from .windows import (_check_attrs, _check_nhwc, _crop, _data_format, _geometry, _nhwc_arg, _pad,
                      _padding, _saved, _spatial, _take_saved, _window, out_size)


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

    def bind(self, op, session):
        pool = threads.pool_for(session)
        return lambda *values: self.kernel(op, *values, pool=pool)


# A piece of pooling is a dozen short NumPy calls, the GIL taken back between them, so a
# helper thread that the system stops while it holds the GIL stalls the caller too. Measured on
# the shared 2-core machine (load 1.4-5; bench_pool.py, bench_cnn_profile.py): two threads made
# the CNN's pooling of 5-6 MB slower (0.7 -> 0.8-2.5 ms per step, wall) and paid only on the
# raw example's 12.8 MB with a core free (MaxPool 1.6 -> 0.85 ms; about even under load).
PARALLEL_MIN_BYTES = 8 * 2 ** 20  # smaller inputs run in one call on the calling thread


def _split(pool, fn, n, nbytes):
    """``fn(start, stop)`` over pieces of the batch on the pool's threads (``threads.split``)
    when the input is big. Every output element is computed by the same operations whatever
    the cut, so other inputs (told by one comparison) and a one-thread pool take the whole
    batch in one call: the fewest NumPy calls, and the same bits as any cut."""
    if nbytes < PARALLEL_MIN_BYTES or pool.threads == 1:
        fn(0, n)
    else:
        threads.split(pool, fn, n, nbytes)


def _gradient_array(x_shape, dtype, op, geometry):
    """The padded ∂L/∂X to fill, and whether the windows tile it (each input in exactly one
    window: every element gets written, so it needs no zeros first)."""
    (kh, kw), (sh, sw) = op.attrs["ksize"], op.attrs["strides"]
    oh, ow, ph, pw = geometry
    n, h, w, c = x_shape
    shape = (n, h + sum(ph), w + sum(pw), c)
    tiled = (sh, sw) == (kh, kw) and (oh * sh, ow * sw) == shape[1:3]
    return (np.empty if tiled else np.zeros)(shape, dtype), tiled


@register
class MaxPool(_Pool):
    formula = "Y[n,y,x,c] = max over the k×k window at (y·s, x·s) of X[n,·,·,c]"
    grad_formulas = ("∂L/∂X = ∂L/∂Y routed to the (first) maximum of each window, 0 elsewhere",)

    # Per piece of the batch, one pass per window tap (``_max_taps``): the running maximum, and
    # which tap holds it (the argmax, an int8 array shaped like Y, the first tap on ties), which
    # MaxPoolGrad takes back instead of searching every window again. Layout: each tap is a
    # strided view of the (padded) NHWC input, (N, oh, ow, C), read once; the running maxima,
    # the flags and the argmax are contiguous arrays shaped like Y. With no MaxPoolGrad in the
    # graph to take it (inference), no argmax: the maxima alone, in place in Y.
    def kernel(self, op, x, saved=None, pool=None):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)
        arg = None if saved is None else np.empty(out.shape, _arg_dtype(kh * kw))

        def piece(a, b):
            won = None if arg is None else arg[a:b]
            _max_taps(_pad(x[a:b], ph, pw, -np.inf), out[a:b], won, op)
        _split(pool or threads.pool_for(None), piece, len(x), x.nbytes)
        if saved is not None:
            saved[op] = (weakref.ref(x), arg, None)
        return out

    def bind(self, op, session):
        # The argmax is kept only for a MaxPoolGrad of this op already in the graph; one added
        # after this binding searches X again (``_argmax``): the same routing, later.
        saved, pool = _saved(session) if _argmax_wanted(op) else None, threads.pool_for(session)
        return lambda x: self.kernel(op, x, saved, pool)

    def bind_ahead(self, op, session, keep=True):
        """``start(y) -> (Y, done)``, for the plan's fused Conv2D -> BiasAdd -> Relu -> MaxPool
        (``Conv2D.bind_fused``): ``done(a, b)`` says that images a..b of ``y`` (the Relu's
        value, being filled piece by piece by the convolution) are final; Y fills as they are.
        ``keep``: ``y`` is returned too (else no MaxPoolGrad can ever read it: no argmax).

        Y is computed on blocks of whole images of about ``threads.PIECE_BYTES``, each by the
        thread that finishes its last image, while it is still in the cache (read back from
        memory in the training step, the CNN's 5 MB took 0.79 ms against 0.42 ms cache-hot;
        one call per piece of the convolution cost more, 0.54 ms against 0.33 ms in one call:
        NumPy's cost per call). The same ``_max_taps`` as ``kernel``'s pieces, so the same
        bits; no window crosses an image. The argmax is left for MaxPoolGrad as ``kernel``
        leaves it (the same key, for this very ``y``)."""
        saved = _saved(session) if keep and _argmax_wanted(op) else None
        kh, kw = op.attrs["ksize"]

        def start(y):
            oh, ow, ph, pw = _geometry(y.shape, (kh, kw), op)
            out = np.empty((y.shape[0], oh, ow, y.shape[3]), y.dtype)
            arg = None if saved is None else np.empty(out.shape, _arg_dtype(kh * kw))
            if saved is not None:
                saved[op] = (weakref.ref(y), arg, None)
            n, per = len(y), max(1, threads.PIECE_BYTES // max(y[:1].nbytes, 1))
            missing, lock = [min(per, n - a) for a in range(0, n, per)], threading.Lock()

            def done(a, b):  # count the block's images done; the last one's thread pools it
                ready = []
                with lock:
                    for k in range(a // per, (b - 1) // per + 1):
                        missing[k] -= min(b, (k + 1) * per) - max(a, k * per)
                        if missing[k] == 0:
                            ready.append(k)
                for k in ready:
                    s = slice(k * per, min(n, (k + 1) * per))
                    _max_taps(_pad(y[s], ph, pw, -np.inf), out[s], None if arg is None else arg[s], op)
            return out, done
        return start

    def gradient(self, op, g):
        return [make("MaxPoolGrad", [op.inputs[0], op.outputs[0], g], **op.attrs)]


def _argmax_wanted(op):
    """Whether ``op`` keeps its argmax: for a MaxPoolGrad of it already in the graph."""
    return any(c.type == "MaxPoolGrad" for c in op.outputs[0].consumers())


def _max_taps(xp, out, arg, op):
    """Each window's maximum of the padded ``xp`` into ``out``, the tap that holds it into
    ``arg`` (the first on ties; after a NaN the maximum stays NaN and the argmax stays put).

    Tap t raises the running maximum M where max(M, tap) > M, the same as tap > M (NaN
    included: every comparison with a NaN is false), so the comparison reads the new and the
    old maximum, two contiguous arrays, instead of the strided tap a second time: each tap is
    read once. The two maxima take turns in ``out`` and a scratch array, so that the last
    one lands in ``out``. ``arg`` None: the maxima alone, in the same order (the same bits)."""
    kh, kw = op.attrs["ksize"]
    oh, ow = out.shape[1:3]
    taps = [_window(xp, t // kw, t % kw, oh, ow, op) for t in range(kh * kw)]
    if arg is None:
        np.copyto(out, taps[0])
        for tap in taps[1:]:
            np.maximum(out, tap, out=out)
        return
    turns = [out, np.empty_like(out)] if len(taps) % 2 else [np.empty_like(out), out]
    np.copyto(turns[0], taps[0])
    arg.fill(0)
    tap, better = np.empty(out.shape, arg.dtype), np.empty(out.shape, bool)
    flags = better.view(np.int8)  # True/False as 1/0, with no conversion
    for t in range(1, len(taps)):
        old, new = turns[(t - 1) % 2], turns[t % 2]
        np.maximum(old, taps[t], out=new)  # (NaN propagates, as np.maximum does)
        np.greater(new, old, out=better)
        # arg = t where this tap is strictly greater: t exceeds every earlier tap's number,
        # so a maximum with better·t does it (much faster than a masked copy)
        np.multiply(flags, arg.dtype.type(t), out=tap)
        np.maximum(arg, tap, out=arg)


@register
class MaxPoolGrad(OpDef):
    """Each output's gradient goes to the input that won its window (the first, on ties)."""
    formula = "∂L/∂X[p] = Σ of ∂L/∂Y over the windows whose maximum is at p"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[2].dtype

    def bind(self, op, session):
        saved, forward, pool = _saved(session), op.gradient_of, threads.pool_for(session)
        return lambda x, y, g: self.kernel(op, x, y, g, _take_saved(saved, forward, x)[0], pool)

    # Per piece of the batch, one pass per tap: ∂L/∂Y where that tap won, 0 where it lost.
    # Where the windows tile the input, each tap's pass writes its positions once (no zeros
    # first, no sum); overlapping windows add up.
    def kernel(self, op, x, y, g, arg=None, pool=None):
        (kh, kw), (sh, sw) = op.attrs["ksize"], op.attrs["strides"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        dxp, tiled = _gradient_array(x.shape, g.dtype, op, (oh, ow, ph, pw))
        overlap = sh < kh or sw < kw  # else every input is in at most one window

        def piece(a, b):
            won = arg[a:b] if arg is not None else _argmax(x[a:b], op)
            dx, ga, hit = dxp[a:b], g[a:b], np.empty(won.shape, bool)
            part = np.empty(ga.shape, dxp.dtype) if overlap else None
            for t in range(kh * kw):
                np.equal(won, t, out=hit)
                win = _window(dx, t // kw, t % kw, oh, ow, op)
                if overlap:
                    win += np.multiply(ga, hit, out=part)
                else:
                    np.multiply(ga, hit, out=win)
        _split(pool or threads.pool_for(None), piece, len(x), dxp.nbytes)
        return _crop(dxp, ph, pw, x.shape)


def _arg_dtype(taps):
    return np.int8 if taps < 128 else np.int32


def _argmax(x, op):
    """Which tap of each window holds its maximum, searched again in ``x`` as MaxPool does
    (the same taps, NaN included), for a MaxPoolGrad whose forward pass saved none. TF's
    MaxPoolGrad also searches its input X again rather than matching Y."""
    kh, kw = op.attrs["ksize"]
    oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    arg = np.empty(out.shape, _arg_dtype(kh * kw))
    _max_taps(_pad(x, ph, pw, -np.inf), out, arg, op)
    return arg


def _counts(shape, op, dtype):
    """How many real (unpadded) inputs each output window of AvgPool covers: (1, oh, ow, 1),
    in ``dtype`` (read-only: kept per image size and window, a training loop asks every step)."""
    a = op.attrs
    return _counts_of(shape[1], shape[2], a["ksize"], a["strides"], a["padding"], np.dtype(dtype))


@functools.lru_cache(maxsize=256)
def _counts_of(h, w, ksize, strides, padding, dtype):
    def real(size, k, s):  # per output row (column): the window's rows inside the image
        n, (before, _) = out_size(size, k, s, padding)
        start = np.arange(n) * s - before
        return np.clip(start + k, 0, size) - np.clip(start, 0, size)
    count = np.outer(real(h, ksize[0], strides[0]), real(w, ksize[1], strides[1]))
    count = count.reshape(1, *count.shape, 1).astype(dtype)
    count.flags.writeable = False
    return count


@register
class AvgPool(_Pool):
    formula = "Y[n,y,x,c] = mean of X[n,·,·,c] over the k×k window (padding not counted)"
    grad_formulas = ("∂L/∂X = each ∂L/∂Y shared equally among the inputs of its window",)

    # Per piece of the batch: the taps added in row-major order, then divided by the count.
    def kernel(self, op, x, pool=None):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)
        count = _counts(x.shape, op, x.dtype)

        def piece(a, b):
            xp, part = _pad(x[a:b], ph, pw), out[a:b]
            np.copyto(part, _window(xp, 0, 0, oh, ow, op))
            for t in range(1, kh * kw):
                part += _window(xp, t // kw, t % kw, oh, ow, op)
            part /= count
        _split(pool or threads.pool_for(None), piece, len(x), x.nbytes)
        return out

    def gradient(self, op, g):
        return [make("AvgPoolGrad", [op.inputs[0], g], **op.attrs)]


@register
class AvgPoolGrad(OpDef):
    """∂L/∂X of an average pool (inputs: X, used only for its shape; ∂L/∂Y)."""
    formula = "∂L/∂X[p] = Σ over the windows covering p of ∂L/∂Y / (window count)"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[1].dtype

    def bind(self, op, session):
        pool = threads.pool_for(session)
        return lambda x, g: self.kernel(op, x, g, pool)

    # Per piece of the batch, each tap adds its share where it read. Where the windows tile
    # the input, each position is written once: share + 0 (the same bits as adding the share
    # to zeros, -0 included) with no zeros first.
    def kernel(self, op, x, g, pool=None):
        kh, kw = op.attrs["ksize"]
        oh, ow, ph, pw = _geometry(x.shape, (kh, kw), op)
        count = _counts(x.shape, op, g.dtype)
        dxp, tiled = _gradient_array(x.shape, g.dtype, op, (oh, ow, ph, pw))

        def piece(a, b):
            dx, share = dxp[a:b], g[a:b] / count
            for t in range(kh * kw):
                win = _window(dx, t // kw, t % kw, oh, ow, op)
                np.add(0 if tiled else win, share, out=win)
        _split(pool or threads.pool_for(None), piece, len(x), dxp.nbytes)
        return _crop(dxp, ph, pw, x.shape)



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

