"""Which op first made a NaN or an infinity?

``Session.run`` checks its fetched float values cheaply (``math.isfinite`` on a scalar, one
vectorised pass on an array). Only when one is not finite does it call :func:`report`, which
replays the plan's pure ops on the same feeds, op by op, without writing any variable or
advancing any random stream, finds the first op whose output is not finite although its inputs
are, and issues one :class:`NonFiniteWarning` naming that op, its inputs' ranges and a likely
cause. NumPy's own "divide by zero encountered in log" warnings, which name no op, are silenced
for teachflow's kernels and plans (the filter below): this warning replaces them.
"""
import warnings

import numpy as np

PLAN_MODULE = "teachflow.plan"   # the ``__name__`` a compiled plan runs under

_FILTER = dict(action="ignore", message=r".*encountered in", category=RuntimeWarning,
               module=r"teachflow(\.|$)")


def silence_numpy_warnings():
    """Install the filter (again: test runners reset the filters between tests); a Session
    calls it when it is created, never per run."""
    warnings.filterwarnings(**_FILTER)


silence_numpy_warnings()


class NonFiniteWarning(RuntimeWarning):
    """A fetched float value is NaN or infinite; the message names the op that produced it."""


_CAUSES = {
    "Log": "log of 0 or of a negative number (e.g. a probability that reached 0): clip the input "
           "(tf.log(tf.clip_by_value(p, 1e-10, 1.0))) or use tf.nn.softmax_cross_entropy_with_logits",
    "Log1p": "log1p of a number <= -1",
    "Sqrt": "square root of a negative number",
    "Rsqrt": "1/sqrt of 0 or of a negative number (add an epsilon)",
    "RealDiv": "division by zero (add an epsilon to the divisor)",
    "Reciprocal": "division by zero (1/0)",
    "Pow": "a power of 0 or of a negative number, or an overflow",
    "Exp": "exp of a large number overflows (above ~88 in float32): the values grew too large, "
           "often because the learning rate is too large",
}


def float_fetches(targets):
    """Positions of the fetched tensors with a float dtype (the ones ``run`` checks)."""
    return tuple(i for i, t in enumerate(targets)
                 if getattr(getattr(t, "dtype", None), "is_floating", False))


def _finite(v):
    try:
        return bool(np.isfinite(v).all())
    except TypeError:
        return True


def _describe(name, v):
    a = np.asarray(v)
    if a.dtype.kind not in "fiub" or a.size == 0:
        return f"{name} {a.dtype}{list(a.shape)}"
    with np.errstate(all="ignore"):
        finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
        rng = (f"in [{finite.min():.4g}, {finite.max():.4g}]" if finite.size else "no finite value")
    bad = ""
    if a.dtype.kind == "f":
        n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
        bad = "".join([f", {n_nan} NaN" if n_nan else "", f", {n_inf} inf" if n_inf else ""])
    zeros = ", has zeros" if a.dtype.kind in "fiu" and a.size and not np.all(a) else ""
    return f"{name} {rng}{bad}{zeros} (shape {list(a.shape)})"


def _likely_cause(op, inputs):
    if op.opdef.kind == "variable":
        return ("the variable already holds NaN/inf: an earlier update made it so, most often "
                "because the learning rate is too large and training diverged (lower it, or "
                "clip the gradients)")
    cause = _CAUSES.get(op.type)
    if cause:
        return cause
    big = max((float(np.nanmax(np.abs(a))) for a in inputs
               if np.asarray(a).dtype.kind == "f" and np.asarray(a).size and _finite(a)), default=0.0)
    if big > 1e15:
        return (f"overflow: the inputs reach magnitude {big:.3g}; the values grew too large, "
                "often because the learning rate is too large")
    return "an input value outside the op's domain"


def _replay(plan, feed_values):
    """Yield ``(op, input values, output values)`` for each pure op of ``plan`` in order, run
    by the plan's own bound kernels."""
    vals = dict(zip(plan.feeds, feed_values))
    for op in plan.ops:
        d = op.opdef
        if not op.outputs or (d.stateful and d.kind != "random") or d.ref_inputs:
            continue  # never write a variable while diagnosing
        if any(t not in vals for t in op.inputs):
            continue
        if all(t in vals for t in op.outputs):
            continue  # fed
        args = [vals[t] for t in op.inputs]
        try:
            out = plan.kernel(op)(*args)
        except Exception:  # noqa: BLE001 (a failing op cannot be the culprit we look for)
            continue
        outs = (out,) if len(op.outputs) == 1 else tuple(out)
        for t, v in zip(op.outputs, outs):
            vals[t] = v
        yield op, args, outs


def report(sess, plan, fetched, feed_values, checked):
    """Find and name the first op that produced a non-finite value (``checked``: the positions
    of the float fetches) and warn."""
    bad = [plan.targets[i] for i in checked if not _finite(fetched[i])]
    what = ", ".join(t.name for t in bad) or "a fetched value"
    for t, v in zip(plan.feeds, feed_values):
        if t.dtype.is_floating and not _finite(v):
            return _warn(f"sess.run fetched NaN/inf in {what}: the value fed for {t.name} already "
                         f"holds it ({_describe(t.name, v)}).")
    snapshot = sess.state.fork()  # random streams advanced by the replay are put back
    try:
        with np.errstate(all="ignore"):
            for op, args, outs in _replay(plan, feed_values):
                if all(_finite(v) for v in outs if np.asarray(v).dtype.kind == "f"):
                    continue
                ins = "; ".join(_describe(t.name, a) for t, a in zip(op.inputs, args)) or "none"
                return _warn(
                    f"sess.run fetched NaN/inf in {what}. The first op to produce a non-finite "
                    f"value is {op.type} op '{op.name}' (inputs: {ins}). Likely cause: "
                    f"{_likely_cause(op, args)}. tf.check_numerics(x, 'message') stops a run at "
                    "the first bad tensor.")
    finally:
        sess.state.restore(snapshot)
    return _warn(f"sess.run fetched NaN/inf in {what}, but a replay of the pure ops could not "
                 "locate it (it may come from a variable update in this run).")


def _warn(message):
    warnings.warn(message, NonFiniteWarning, stacklevel=4)
    return message
