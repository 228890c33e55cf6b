"""What a TF1 program meets when it reaches past what teachflow speaks: a clear error.

A missing ``tf.<name>`` (or ``tf.nn.<name>``, ``tf.train.<name>`` ...) raises
``UnsupportedAPIError``, an ``AttributeError`` (so ``hasattr`` and IPython's completion behave),
whose message names the API and says it is not supported -- instead of Python's bare
"has no attribute" with a misleading "did you mean". Names removed before TensorFlow 1.0
(``tf.mul``, ``tf.select`` ...) name their replacement; names planned for teachflow (control
flow, RNNs) say so.
"""
import difflib
import numbers

README_HINT = "the README's \"What TF1 runs here\" lists what runs"


class UnsupportedAPIError(AttributeError):
    """A TF1 API teachflow does not implement (an AttributeError, so hasattr() is False)."""


# Pre-1.0 names, removed by TensorFlow 1.0 itself: what to write instead.
REMOVED = {
    "tf": {"mul": "tf.multiply", "sub": "tf.subtract", "neg": "tf.negative", "select": "tf.where",
           "pack": "tf.stack", "unpack": "tf.unstack", "batch_matmul": "tf.matmul",
           "scalar_summary": "tf.summary.scalar", "histogram_summary": "tf.summary.histogram",
           "image_summary": "tf.summary.image", "merge_summary": "tf.summary.merge",
           "merge_all_summaries": "tf.summary.merge_all", "audio_summary": "tf.summary.audio"},
    "tf.train": {"SummaryWriter": "tf.summary.FileWriter"},
    "tf.nn": {"rnn": "tf.nn.static_rnn"},
}

# TF1 APIs teachflow plans to support (issue 15's second part): say "not yet".
PLANNED = {
    "tf": {"TensorArray": "control flow"},
    "tf.nn": {},
}


def missing(namespace, name, known=()):
    """The exception for ``<namespace>.<name>`` not existing in teachflow (raise it)."""
    api = f"{namespace}.{name}"
    if name.startswith("_"):  # Python's own probing (__wrapped__, _repr_html_ ...): the plain error
        return AttributeError(f"module {namespace!r} has no attribute {name!r}")
    replacement = REMOVED.get(namespace, {}).get(name)
    if replacement:
        return UnsupportedAPIError(
            f"{api} was removed in TensorFlow 1.0 (TF1 programs use {replacement}); "
            f"teachflow speaks TF 1.x: write {replacement} instead.")
    topic = PLANNED.get(namespace, {}).get(name)
    if topic:
        return UnsupportedAPIError(
            f"{api} is not supported in teachflow yet ({topic} is planned; {README_HINT}).")
    close = difflib.get_close_matches(name, [n for n in known if not n.startswith("_")], n=1, cutoff=0.85)
    hint = f" Did you mean {namespace}.{close[0]}?" if close else ""
    return UnsupportedAPIError(f"{api} is not supported in teachflow: it implements part of the "
                               f"TF 1.x API ({README_HINT}).{hint}")


def module_getattr(namespace, names, lazy=None):
    """A module-level ``__getattr__`` (PEP 562) raising the clear error for ``namespace``;
    ``names`` (the module's ``globals()``) are what it has, for a "did you mean" on a typo;
    ``lazy`` maps a name to a function giving it on first use (a class from an optional extra)."""
    def __getattr__(name):
        if lazy and name in lazy:
            return lazy[name]()
        raise missing(namespace, name, names)
    return __getattr__


def concat(values, axis, name="concat"):
    """``tf.concat(values, axis)``; the pre-1.0 order ``tf.concat(axis, values)`` is an error
    naming the fix (TF 1.0 swapped the arguments)."""
    from .ops.array_ops import concat as _concat
    if isinstance(values, numbers.Integral) and isinstance(axis, (list, tuple)):
        raise TypeError(
            f"tf.concat({values}, [...]) uses the pre-1.0 argument order (axis first); TF 1.x "
            f"takes tf.concat(values, axis): write tf.concat([...], {values}).")
    return _concat(values, axis, name=name)
