"""``tf.summary.scalar/histogram/image/text/merge/merge_all``: graph ops that record values.

Each is an ordinary node (it runs only when fetched) whose output is a string scalar: the
serialized ``Summary`` TF1 produces, or plain ``SummaryData`` without the tensorboard extra
(see ``data.py``). Names follow TF1: the op is named after its name scope (``train/loss``) and
that name is the tag TensorBoard shows; ``family=`` prefixes the tag to pick a TensorBoard tab.
"""
import re

import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.errors import InvalidArgumentError
from ..core.graph import GraphKeys, Tensor, add_to_collection, get_collection, get_default_graph
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ..ops._util import make
from . import data


class _Summary(OpDef):
    """Shared by the summary ops: a string scalar out, nothing to differentiate."""
    differentiable = False

    def infer(self, op):
        self.check(op)
        return (), _dtypes.string

    def check(self, op):
        pass


@register
class ScalarSummary(_Summary):
    formula = "summary = (tag, x)"

    def check(self, op):
        x = op.inputs[0]
        if x._dims is not None and len(x._dims) != 0:
            raise ShapeError(f"tf.summary.scalar needs a scalar (shape []), got shape {fmt(x._dims)}",
                             hint="reduce it first, e.g. tf.reduce_mean(x)")
        if not (x.dtype.is_floating or x.dtype.is_integer or x.dtype.is_bool):
            raise ShapeError(f"tf.summary.scalar needs a number, got {x.dtype.name}")

    def kernel(self, op, x):
        x = np.asarray(x)
        if x.shape != ():
            raise InvalidArgumentError(f"tf.summary.scalar '{op.name}' needs a scalar, got shape {x.shape}.", op)
        return data.finish([data.SummaryValue(op.attrs["tag"], "scalar", float(x))])


@register
class HistogramSummary(_Summary):
    formula = "summary = histogram of x (TF's buckets)"

    def check(self, op):
        if not (op.inputs[0].dtype.is_floating or op.inputs[0].dtype.is_integer):
            raise ShapeError(f"tf.summary.histogram needs numbers, got {op.inputs[0].dtype.name}")

    def kernel(self, op, x):
        x = np.asarray(x)
        if not np.all(np.isfinite(x)):
            raise InvalidArgumentError(
                f"Nan in summary histogram for: {op.attrs['tag']} (op '{op.name}'): the values "
                "contain NaN or Inf, often a diverging training run (try a smaller learning rate).", op)
        return data.finish([data.SummaryValue(op.attrs["tag"], "histogram", data.histogram(x))])


@register
class ImageSummary(_Summary):
    formula = "summary = the first max_outputs images of x as PNG"

    def check(self, op):
        dims = op.inputs[0]._dims
        if dims is not None and (len(dims) != 4 or dims[3] not in (None, 1, 3, 4)):
            raise ShapeError(f"tf.summary.image needs a batch of images [batch, height, width, "
                             f"channels] with 1, 3 or 4 channels, got shape {fmt(dims)}",
                             hint="tf.reshape(x, [-1, 28, 28, 1]) for flat grey images")

    def kernel(self, op, x):
        x = np.asarray(x)
        if x.ndim != 4 or x.shape[3] not in (1, 3, 4):
            raise InvalidArgumentError(f"tf.summary.image '{op.name}' needs [batch, h, w, 1|3|4], "
                                       f"got {x.shape}.", op)
        n, tag = op.attrs["max_outputs"], op.attrs["tag"]
        values = [data.SummaryValue(f"{tag}/image" if n == 1 else f"{tag}/image/{i}", "image",
                                    data.to_uint8(img)) for i, img in enumerate(x[:n])]
        return data.finish(values)


@register
class TextSummary(_Summary):
    formula = "summary = (tag, text)"

    def check(self, op):
        if op.inputs and op.inputs[0].dtype != _dtypes.string:
            raise ShapeError(f"tf.summary.text needs a string, got {op.inputs[0].dtype.name}")

    def kernel(self, op, *x):
        text = op.attrs["text"] if not x else np.asarray(x[0]).reshape(-1)[0]
        if isinstance(text, (bytes, np.bytes_)):
            text = bytes(text).decode("utf-8", "replace")
        return data.finish([data.SummaryValue(op.attrs["tag"], "text", str(text))])


@register
class MergeSummary(_Summary):
    formula = "summary = all input summaries together"

    def check(self, op):
        for t in op.inputs:
            if t.dtype != _dtypes.string:
                raise ShapeError(f"tf.summary.merge takes summary tensors, got {t.name} ({t.dtype.name})")

    def kernel(self, op, *parts):
        return data.merge(parts, op.name)


# ------------------------------------------------------------------ the TF1 functions
def _clean_tag(name):
    """TF1's clean_tag: characters other than letters, digits, '_', '-', '.', '/' become '_'."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"A summary name must be a string, got {name!r}")
    cleaned = re.sub(r"[^-/\w.]", "_", name).lstrip("/")
    return cleaned or "summary"


def _summary(op_type, name, inputs, family, collections, **attrs):
    name = _clean_tag(name)
    family = _clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    g = get_default_graph()
    with g.name_scope(base) as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        out = make(op_type, inputs, name=scope, tag=tag, **attrs)
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """``tf.summary.scalar("loss", loss)``: a summary of one number, plotted per step."""
    return _summary("ScalarSummary", name, [convert_to_tensor(tensor)], family, collections)


def histogram(name, values, collections=None, family=None):
    """``tf.summary.histogram("weights", w)``: the distribution of a tensor's values."""
    return _summary("HistogramSummary", name, [convert_to_tensor(values)], family, collections)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """``tf.summary.image("input", x_image, max_outputs=3)``: the first images of a batch."""
    if not isinstance(max_outputs, (int, np.integer)) or max_outputs < 1:
        raise ValueError(f"tf.summary.image: max_outputs must be a positive int, got {max_outputs!r}")
    return _summary("ImageSummary", name, [convert_to_tensor(tensor)], family, collections,
                    max_outputs=int(max_outputs))


def text(name, tensor, collections=None):
    """``tf.summary.text("notes", "a string")``: text shown in TensorBoard's Text tab. A Python
    string is kept in the op; a string tensor is read at run time."""
    if isinstance(tensor, (str, bytes)):
        t = tensor.decode("utf-8", "replace") if isinstance(tensor, bytes) else tensor
        return _summary("TextSummary", name, [], None, collections, text=t)
    return _summary("TextSummary", name, [convert_to_tensor(tensor)], None, collections, text=None)


def merge(inputs, collections=None, name=None):
    """``tf.summary.merge([s1, s2])``: one summary holding all of them."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("tf.summary.merge needs at least one summary tensor.")
    out = make("MergeSummary", inputs, name=name or "MergeSummary")
    for key in collections or ():
        add_to_collection(key, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """``tf.summary.merge_all()``: merge every summary in the collection; None if there is none."""
    found = [t for t in get_collection(key, scope) if isinstance(t, Tensor)]
    return merge(found, name=name) if found else None
