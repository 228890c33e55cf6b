"""Numerical gradient checks: the symbolic gradient beside central differences.

``check_gradients`` is what every op's test uses; ``numeric_gradient`` also serves the
step-through's gradient-check panel (it feeds a perturbed value for any tensor, variables included).
"""
import numpy as np

from .ops.gradients import gradients
from .core.graph import Graph
from .core.session import Session


def numeric_gradient(sess, y, x, feed_dict=None, value=None, eps=1e-6, entries=None):
    """∂(sum y)/∂x by central differences, feeding ``x`` (any tensor, e.g. a variable) with
    ``value ± eps`` one element at a time. ``value`` defaults to x's current value; ``entries``
    (flat indices) limits the work to some elements, the others being NaN."""
    feed = dict(feed_dict or {})
    base = np.array(sess.run(x, feed) if value is None else value, dtype=np.float64)
    grad = np.zeros_like(base) if entries is None else np.full(base.shape, np.nan)
    flat, gflat = base.reshape(-1), grad.reshape(-1)
    for i in (range(flat.size) if entries is None else entries):
        old = flat[i]
        flat[i] = old + eps
        feed[x] = base
        up = float(np.sum(sess.run(y, feed), dtype=np.float64))
        flat[i] = old - eps
        feed[x] = base
        down = float(np.sum(sess.run(y, feed), dtype=np.float64))
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a − b| / max(1, |a|, |b|): small for both tiny and large gradients."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.size == 0:
        return 0.0
    scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    return float(np.max(np.abs(a - b) / scale))


def check_gradients(build, inputs, eps=1e-6, tol=1e-6, seed=0, wrt=None):
    """Assert that ``tf.gradients`` of ``build(*tensors)`` matches central differences.

    ``inputs`` are float64 arrays (or ints, passed as constants-by-feed); each becomes a
    placeholder of its exact shape. A non-scalar output ``y`` is reduced as ``sum(y · R)`` with a
    fixed random ``R`` so every output element matters. Returns the worst relative error.
    """
    from . import ops as _ops  # noqa: F401  (registers the ops)
    from .core.constant import placeholder
    from .core.dtypes import as_dtype
    from .ops.math_ops import multiply
    from .ops.reduce_ops import reduce_sum

    rng = np.random.default_rng(seed)
    g = Graph()
    with g.as_default():
        arrays = [np.asarray(a) for a in inputs]
        phs = [placeholder(as_dtype(a.dtype), a.shape, name=f"in{i}") for i, a in enumerate(arrays)]
        y = build(*phs)
        proj = rng.standard_normal(y.shape.as_list()) if y.shape.ndims else 1.0
        loss = reduce_sum(multiply(y, np.asarray(proj, dtype=y.dtype.np)))
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"] if wrt is None else list(wrt)
        grads = gradients(loss, [phs[i] for i in wrt])
        feed = dict(zip(phs, arrays))
        with Session(graph=g) as sess:
            symbolic = sess.run([gr if gr is not None else loss for gr in grads], feed)
            worst = 0.0
            for k, i in enumerate(wrt):
                if grads[k] is None:
                    raise AssertionError(f"tf.gradients returned None for input {i} of {y.op.type}")
                num = numeric_gradient(sess, loss, phs[i], feed, arrays[i], eps)
                err = relative_error(symbolic[k], num)
                if err > tol:
                    raise AssertionError(
                        f"Gradient of {y.op.type} w.r.t. input {i} (shape {arrays[i].shape}) is off: "
                        f"relative error {err:.3g} > {tol:g}\nsymbolic:\n{symbolic[k]}\nnumeric:\n{num}")
                worst = max(worst, err)
    return worst


def same_bits(a, b):
    """Assert ``a`` and ``b`` are equal to the bit (-0.0 is not 0.0; NaN where the other is
    NaN), with the same dtype and shape: how fused and threaded kernels are checked against
    the ops one by one."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    bits = np.dtype(f"u{a.itemsize}")
    np.testing.assert_array_equal(a[~nan].view(bits), b[~nan].view(bits))
