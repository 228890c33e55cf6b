"""Order statistics and renewal rates the strategies' theory lines are built from.

* ``E[X_{k:n}]``, the k-th smallest of n i.i.d. compute times, in closed form for
  ``Exponential(m)``: ``m·(H_n − H_{n−k})`` (the gaps between exponential order statistics are
  independent, the j-th of mean ``m/(n−j)``); for ``ShiftedExponential(Δ, m)``: ``Δ`` plus the
  same; for ``Constant(c)``: ``c``.
* A worker that never waits completes gradients at rate ``1/(m_i + 2L)`` in the long run (the
  elementary renewal theorem, any law), so N of them complete ``Σ 1/(m_i + 2L)``.
"""
from .devices import Constant, Exponential, ShiftedExponential, harmonic
from .registry import Theory  # noqa: F401  (the strategies' theory methods return it)


def common_law(cluster):
    """The compute-time model every device shares (same class, same parameters, no slowdown),
    else None: the i.i.d. case the order-statistics formulas need."""
    devs = cluster.devices
    first = devs[0].compute
    for d in devs:
        if d.slowdown != 1.0 or type(d.compute) is not type(first) or vars(d.compute) != vars(first):
            return None
    return first


def kth_fastest(law, k, n):
    """``(E[X_{k:n}], formula)`` for an i.i.d. law with a closed form, else None."""
    h = f"H_{n}" if k == n else f"(H_{n} − H_{n - k})"
    gap = harmonic(n) - harmonic(n - k)
    if isinstance(law, Exponential):
        return law.mean * gap, f"m·{h}"
    if isinstance(law, ShiftedExponential):
        return law.shift + law.scale * gap, f"Δ + m·{h}"
    if isinstance(law, Constant):
        return law.seconds, "m"
    return None


def gradient_rate(cluster, L):
    """``Σ 1/(m_i + 2L)`` and its formula: gradients per second of workers that never wait."""
    rate = sum(1.0 / (d.mean_time + 2 * L) for d in cluster.devices)
    return rate, ("Σ 1/(m_i + 2L)" if L > 0 else "Σ 1/m_i")
