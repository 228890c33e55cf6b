"""What a summary op computes, as plain data, and its TensorBoard encoding.

A summary kernel first computes plain values (``SummaryValue``: a tag, a kind, the numbers).
With the optional ``tensorboard`` package installed they are encoded as TF1 does: the serialized
``Summary`` protocol buffer (``bytes``), which ``FileWriter.add_summary`` writes into an event
file. Without it the kernel returns the plain ``SummaryData`` itself, so a program with summaries
still runs (and a student can look at the values); only writing files needs the extra.

The protocol definitions come from TensorBoard's published protos (``tensorboard.compat.proto``);
nothing here hand-rolls a wire format.
"""
import dataclasses
import importlib
import io
import sys

import numpy as np

INSTALL_HINT = "pip install 'teachflow[tensorboard]'  (or: pip install tensorboard)"


def load_protos():
    """TensorBoard's proto modules as a namespace, or None when the extra is not installed."""
    if "_protos" not in _CACHE:
        try:
            mods = {n: importlib.import_module(f"tensorboard.compat.proto.{n}")
                    for n in ("summary_pb2", "event_pb2", "graph_pb2", "node_def_pb2", "attr_value_pb2",
                              "tensor_pb2", "tensor_shape_pb2", "types_pb2")}
        except ImportError:
            mods = None
        _CACHE["_protos"] = mods
    return _CACHE["_protos"]


_CACHE = {}


@dataclasses.dataclass(frozen=True)
class SummaryValue:
    """One tagged value: kind "scalar" (a float), "histogram" (a dict of the HistogramProto
    fields), "image" (a uint8 array, height × width × channels) or "text" (a str)."""
    tag: str
    kind: str
    value: object


@dataclasses.dataclass(frozen=True)
class SummaryData:
    """A summary without the extra: what TF1 would serialize, as plain Python data."""
    values: tuple

    def __repr__(self):
        return f"SummaryData(tags={[v.tag for v in self.values]})"


def finish(values):
    """The kernel's result: serialized ``Summary`` bytes with the extra, else ``SummaryData``."""
    protos = load_protos()
    if protos is None:
        return _string_scalar(SummaryData(tuple(values)))
    return _string_scalar(to_proto(values, protos).SerializeToString())


def _string_scalar(x):
    """``x`` as a 0-d tf.string value (an object array): ``sess.run`` hands back ``x`` itself, and
    the step-through shows it as any other string tensor."""
    out = np.empty((), dtype=object)
    out[()] = x
    return out


def merge(parts, op_name):
    """MergeSummary's kernel: the values of every input, a tag appearing twice being an error."""
    protos = load_protos()
    values, seen = [], set()
    for part in parts:
        for v in _values_of(part, protos):
            if v.tag in seen:
                from ..core.errors import InvalidArgumentError
                raise InvalidArgumentError(
                    f"Duplicate tag {v.tag!r} found in the summaries merged by '{op_name}': give each "
                    "tf.summary op its own name.")
            seen.add(v.tag)
            values.append(v)
    if protos is None:
        return _string_scalar(SummaryData(tuple(values)))
    out = protos["summary_pb2"].Summary()
    out.value.extend(values)
    return _string_scalar(out.SerializeToString())


def _values_of(part, protos):
    if isinstance(part, np.ndarray) and part.shape == ():
        part = part[()]
    if isinstance(part, SummaryData):
        return to_proto(part.values, protos).value if protos is not None else part.values
    if isinstance(part, (bytes, np.bytes_)):
        if protos is None:
            raise TypeError("Serialized summaries need the tensorboard extra: " + INSTALL_HINT)
        return protos["summary_pb2"].Summary.FromString(bytes(part)).value
    raise TypeError(f"tf.summary.merge expects summary tensors (serialized Summary), got {type(part).__name__}")


def proto_class():
    """TF1's ``tf.Summary`` message class (``tf.Summary(value=[tf.Summary.Value(tag=..., simple_value=...)])``,
    for values computed in Python); needs the extra."""
    protos = load_protos()
    if protos is None:
        from ..unsupported import UnsupportedAPIError
        raise UnsupportedAPIError("tf.Summary is TensorBoard's Summary message: install the optional "
                                  f"extra with {INSTALL_HINT}, or log the value with tf.summary.scalar.")
    return protos["summary_pb2"].Summary


def as_summary_proto(summary, protos):
    """A ``Summary`` message from what ``sess.run(summary_op)`` returned (bytes, plain data, or a
    ``Summary`` message already)."""
    Summary = protos["summary_pb2"].Summary
    if isinstance(summary, Summary):
        return summary
    if isinstance(summary, SummaryData):
        return to_proto(summary.values, protos)
    if isinstance(summary, (bytes, np.bytes_)):
        return Summary.FromString(bytes(summary))
    raise TypeError("add_summary expects the result of running a tf.summary op (serialized Summary "
                    f"bytes), got {type(summary).__name__}. Did you pass the op instead of "
                    "sess.run(op)?")


def to_proto(values, protos):
    pb = protos["summary_pb2"]
    out = pb.Summary()
    for v in values:
        if v.kind == "scalar":
            out.value.add(tag=v.tag, simple_value=v.value)
        elif v.kind == "histogram":
            out.value.add(tag=v.tag, histo=pb.HistogramProto(**v.value))
        elif v.kind == "image":
            h, w, c = v.value.shape
            out.value.add(tag=v.tag, image=pb.Summary.Image(
                height=h, width=w, colorspace=c, encoded_image_string=png_bytes(v.value)))
        elif v.kind == "text":
            meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="text"))
            tensor = protos["tensor_pb2"].TensorProto(
                dtype=protos["types_pb2"].DT_STRING, string_val=[v.value.encode("utf-8")],
                tensor_shape=protos["tensor_shape_pb2"].TensorShapeProto())
            out.value.add(tag=v.tag, metadata=meta, tensor=tensor)
        else:  # pragma: no cover - the ops below make only these kinds
            raise ValueError(f"unknown summary kind {v.kind!r}")
    return out


# ------------------------------------------------------------------ histogram (TF's buckets)
def _default_limits():
    """TF's default bucket edges: ±1e-12 growing by 10 % up to 1e20, then ±DBL_MAX, and 0."""
    pos, v = [], 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    pos.append(sys.float_info.max)
    return np.array([-x for x in reversed(pos)] + [0.0] + pos)


_LIMITS = _default_limits()


def histogram(values):
    """HistogramProto fields for ``values`` as TF1's HistogramSummary kernel fills them: counts in
    TF's default buckets (bucket i holds limits[i-1] ≤ x < limits[i]), runs of empty buckets
    collapsed into one."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    counts = np.bincount(np.searchsorted(_LIMITS, x, side="right"), minlength=len(_LIMITS))
    counts = counts[:len(_LIMITS)]
    limits, buckets, i = [], [], 0
    while i < len(counts):
        end, count = _LIMITS[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(counts) and counts[i] <= 0:
                end, count = _LIMITS[i], counts[i]
                i += 1
        limits.append(float(end))
        buckets.append(float(count))
    return {"min": float(x.min()) if x.size else sys.float_info.max,
            "max": float(x.max()) if x.size else -sys.float_info.max,
            "num": float(x.size), "sum": float(x.sum()), "sum_squares": float(np.dot(x, x)),
            "bucket_limit": limits, "bucket": buckets}


# ------------------------------------------------------------------ images
def to_uint8(image):
    """One image (height × width × channels) as TF1's ImageSummary normalizes it: uint8 kept;
    floats all ≥ 0 scaled so the largest is 255; with negatives, 0 goes to 128 and the largest
    magnitude to ±127; non-finite pixels painted red (TF's "bad colour")."""
    if image.dtype == np.uint8:
        return image
    x = np.asarray(image, dtype=np.float64)
    ok = np.isfinite(x).all(axis=-1)       # a pixel counts only if all its channels are finite
    finite = x[ok]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    if lo >= 0:
        scale, offset = (255.0 / hi if hi > 1e-6 else 0.0), 0.0
    else:
        big = max(-lo, abs(hi))
        scale, offset = (127.0 / big if big > 1e-6 else 0.0), 128.0
    y = np.clip(np.where(ok[..., None], x, 0.0) * scale + offset, 0, 255).astype(np.uint8)  # truncates, as TF
    if not ok.all():
        y[~ok] = np.array([255, 0, 0, 255][:x.shape[-1]], np.uint8)   # TF's default bad_color
    return y


def png_bytes(image):
    """PNG bytes of a uint8 image (Pillow comes with matplotlib, a core dependency)."""
    from PIL import Image
    pixels = image[:, :, 0] if image.shape[2] == 1 else image
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, format="PNG")
    return buf.getvalue()
