"""Words and formulas for a step: short value summaries, and plain text turned into LaTeX."""
import re

import numpy as np

SMALL = 12  # tensors with at most this many entries are shown number by number

_LATEX = [
    ("∂L/∂", r"\partial L/\partial "), ("∂", r"\partial "), ("·", r" \cdot "), ("⊙", r" \odot "),
    ("ᵀ", r"^{T}"), ("√", r"\sqrt"), ("Σ", r"\sum "), ("Π", r"\prod "), ("←", r"\leftarrow "),
    ("η", r"\eta "), ("μ", r"\mu "), ("β₁", r"\beta_1"), ("β₂", r"\beta_2"), ("ε", r"\epsilon "),
    ("ρ", r"\rho "), ("σ", r"\sigma"), ("−", "-"), ("²", "^{2}"), ("³", "^{3}"), ("ᵗ", "^{t}"),
    ("≥", r"\geq "), ("≤", r"\leq "), ("≠", r"\neq "), ("¬", r"\neg "), ("∧", r"\wedge "),
    ("∨", r"\vee "), ("⊕", r"\oplus "), ("⌊", r"\lfloor "), ("⌋", r"\rfloor "), ("⌈", r"\lceil "),
    ("⌉", r"\rceil "), ("ⁿ", "^{n}"), ("ˣ", "^{x}"), ("⁻", "^{-}"), ("₁", "_1"), ("₂", "_2"),
    ("ᵢ", "_i"), ("ⱼ", "_j"), ("ₙ", "_n"), ("…", r"\ldots "), ("×", r"\times "), ("≈", r"\approx "),
    ("#", r"\#"), ("~", r"\sim "), ("α", r"\alpha "), ("λ", r"\lambda "),
]
# words in a formula ("mean of x over axes", "fed value") are text, not a product of letters;
# function names are LaTeX operators
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9_]+(?:[ ,]+[A-Za-z][A-Za-z0-9_]+)*")
_FUNCTIONS = {"tanh", "ln", "log", "exp", "max", "min", "sin", "cos"}


def _word(m):
    run = m.group(0)
    if run in _FUNCTIONS:
        return "\\" + run + " "
    return r"\text{ " + run.replace("_", r"\_") + " }"


def to_latex(text):
    """A plain-text rule (``∂L/∂A = ∂L/∂C · Bᵀ``) in LaTeX (``\\partial L/\\partial A = ...``)."""
    out = _WORDS.sub(_word, text)
    for a, b in _LATEX:
        out = out.replace(a, b)
    return out.replace("_{", "_{").replace("  ", " ").strip()


def shape_str(value):
    shape = np.shape(value)
    return "scalar" if shape == () else "×".join(str(d) for d in shape)


def summary(value, digits=4):
    """``0.25`` for a scalar, ``[1, 2, 3]`` for a small tensor, else shape plus statistics."""
    if value is None:
        return "—"
    a = np.asarray(value)
    if a.dtype == object:
        return repr(value)
    if a.ndim == 0:
        return _num(a.item(), digits)
    if a.size <= SMALL:
        return np.array2string(a, precision=digits, separator=", ", suppress_small=True,
                               max_line_width=120).replace("\n", "")
    if a.dtype.kind in "fc" and a.size:
        # the mean in float64, and 0 when it is below the tensor's own rounding noise (the mean of
        # a float32 linspace(-0.5, 0.5) is 0, not 1.49e-09)
        mean = float(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64).mean().real)
        if abs(mean) <= 4 * np.finfo(a.dtype).eps * float(np.abs(a).max()):
            mean = 0.0
        return (f"[{shape_str(a)}] mean {_num(mean, 3)}, "
                f"min {_num(float(a.min()), 3)}, max {_num(float(a.max()), 3)}")
    return f"[{shape_str(a)}] {a.dtype.name}"


def _num(x, digits):
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{x:.{digits}g}"
