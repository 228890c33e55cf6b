"""Text for the picture: shapes (``?×784``), value summaries, stable ids, and escaping.

Everything a label shows goes through here, so that DOT and SVG never see a raw ``<``, ``&``
or ``"`` from an op name, and so that the same graph always gives the same text.
"""
import re

import numpy as np

_UNSAFE = re.compile(r"[^A-Za-z0-9_./\-]")


def safe_id(name):
    """An SVG/DOT-safe id for an op or scope name: ``layer1/MatMul`` stays as it is; any other
    character becomes ``_xHH_``. Stable: it depends only on the name."""
    return _UNSAFE.sub(lambda m: f"_x{ord(m.group()):x}_", name)


def html(text):
    """Escape text for a Graphviz HTML-like label (and for SVG/HTML)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def quoted(text):
    """A DOT double-quoted string for an escString attribute (tooltip): ``"..."``."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def dims(d):
    """A static shape as a teacher writes it: ``?×784``, ``?`` (a vector of any length),
    ``scalar``, ``unknown`` when even the rank is unknown."""
    if d is None:
        return "unknown"
    if len(d) == 0:
        return "scalar"
    return "×".join("?" if x is None else str(x) for x in d)


def number(x):
    """A short, deterministic number: ``0.5321``, ``-1.2e-05``, ``3``."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x)).lower()
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    s = f"{x:.4g}"
    return "0" if s == "-0" else s


def summary(value):
    """One short line for a value: a scalar as a number, a small array as its entries, a
    larger one as shape plus mean and spread (``200×1 μ=0.12 σ=0.29``)."""
    a = np.asarray(value)
    if a.dtype.kind not in "biuf":
        return f"{dims(a.shape)} {a.dtype}" if a.ndim else str(a.item())[:24]
    if a.size == 1:
        return number(a.reshape(()).item())
    if a.size == 0:
        return f"{dims(a.shape)} (empty)"
    if a.size <= 4:
        inner = ", ".join(number(v) for v in a.reshape(-1).tolist())
        return f"[{inner}]" if a.ndim == 1 else f"{dims(a.shape)} [{inner}]"
    if a.dtype.kind == "b":
        return f"{dims(a.shape)} {int(a.sum())} true"
    f = a.astype(np.float64)
    return f"{dims(a.shape)} μ={number(f.mean())} σ={number(f.std())}"
