"""One way to write a tensor as text: graph labels, step explanations and widget tables use it.

``number`` writes a number (4 significant digits, ``true``/``false``, never ``-0``),
``shape_text`` a shape as a teacher writes it (``?×784``, ``scalar``), ``stats_text`` the
statistics of a big tensor, and ``summary`` one short line for any value: a scalar as a number,
a small tensor entry by entry, a larger one as its shape, mean and spread (``200×1 μ=0.12
σ=0.29``). So the same tensor reads the same in the picture, the step text and the widget.
``pad`` aligns text tables in columns as they are shown (a Chinese character takes two).
"""
import unicodedata

import numpy as np

DIGITS = 4   # significant digits of every number shown
SMALL = 12   # a tensor with at most this many entries is written entry by entry


def number(x, digits=DIGITS):
    """``0.2101``, ``-1.2e-05``, ``3``, ``true``, ``nan``: the same text everywhere."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x)).lower()
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    s = f"{x:.{digits}g}"
    return "0" if s == "-0" else s


def shape_text(dims):
    """A shape (static, with None for unknown sizes) as a teacher writes it: ``?×784``, ``?``
    (a vector of any length), ``scalar``, ``unknown`` when even the rank is unknown."""
    if dims is None:
        return "unknown"
    if len(dims) == 0:
        return "scalar"
    return "×".join("?" if x is None else str(x) for x in dims)


def value_shape(value):
    """The shape of a value: ``20×10``, or ``scalar``."""
    return shape_text(np.shape(value))


def _mean(a):
    """The mean in float64, and 0 when it is below the tensor's own rounding noise (the mean
    of a float32 ``linspace(-0.5, 0.5)`` is 0, not 1.49e-09)."""
    mean = float(a.astype(np.float64).mean())
    if a.dtype.kind == "f" and abs(mean) <= 4 * np.finfo(a.dtype).eps * float(np.abs(a).max()):
        return 0.0
    return mean


def stats_text(value):
    """``mean 0.1, min -0.7, max 0.7`` (``3 of 5 true`` for booleans, ``empty``)."""
    a = np.asarray(value)
    if a.size == 0:
        return "empty"
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} true"
    return f"mean {number(_mean(a))}, min {number(a.min())}, max {number(a.max())}"


def summary(value, small=SMALL):
    """One short line: a number, the entries of a tensor of at most ``small`` entries
    (``[1, 2, 3]``, ``2×2 [1, 2, 3, 4]``), else shape, mean and spread (``200×1 μ=0.12 σ=0.29``)."""
    if value is None:
        return "—"
    a = np.asarray(value)
    if a.dtype.kind not in "biuf":
        return f"{shape_text(a.shape)} {a.dtype}" if a.ndim else str(a.item())[:24]
    if a.size == 1:
        return number(a.reshape(()).item())
    if a.size == 0:
        return f"{shape_text(a.shape)} (empty)"
    if a.size <= small:
        inner = ", ".join(number(v) for v in a.reshape(-1).tolist())
        return f"[{inner}]" if a.ndim == 1 else f"{shape_text(a.shape)} [{inner}]"
    if a.dtype.kind == "b":
        return f"{shape_text(a.shape)} ({int(a.sum())} true)"
    return f"{shape_text(a.shape)} μ={number(_mean(a))} σ={number(a.astype(np.float64).std())}"


def pad(text, width, right=False):
    """``text`` padded with spaces to ``width`` columns as a terminal or a notebook's monospace
    output shows it (a Chinese character takes two), for aligned text tables in either language."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(0, width - shown)
    return fill + text if right else text + fill
