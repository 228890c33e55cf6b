"""Pooling over NHWC images: MaxPool and AvgPool, their gradient ops and ``tf.nn`` functions.

Each window's maximum (or mean) is taken one tap at a time over strided views of the padded
input (``windows.py``): kh·kw whole-array passes, no per-window Python loop. MaxPool keeps
which tap won each window (its argmax) for MaxPoolGrad, which routes the gradient there.
"""
import weakref

import numpy as np

from ..core.constant import convert_to_tensor
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError
from ._util import float_check, make
from .windows import (_check_attrs, _check_nhwc, _crop, _data_format, _geometry, _nhwc_arg, _pad,
                      _padding, _saved, _spatial, _take_saved, _window)


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

