"""Formulas for a step: plain text turned into LaTeX. (Values are written by
``core/formatting.py``, as in the graph labels and the widget tables.)"""
import re

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
