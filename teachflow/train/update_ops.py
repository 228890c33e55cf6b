"""The ops an optimizer adds: one ``Apply*`` op per variable (kind "update"), whose kernel writes
the variable and its slots with TF1's update rule (``w ← w − η·∂L/∂w`` and its relatives).

Each op writes its rule twice, the same operations in the same order (so the same bits):
``update`` on whole arrays (small variables: the fewest NumPy calls), and ``piece`` on one
stretch of the arrays, into given outputs, with no temporaries but two scratch stretches
(``t``, ``u``: the calling thread's own, kept from step to step, so an update in place
allocates nothing). A variable of ``PIECES_MIN_BYTES`` or more runs ``piece``: over the arrays
as they are when they fit one cache-sized piece (``threads.pieces``), else over cache-sized
stretches of the flattened arrays -- on the caller's thread, or, for a variable of
``POOL_MIN_BYTES`` or more, on the session's pool (both cores). The cut depends on sizes only:
the same bits for any thread count. The whole-array formula makes a temporary per operation,
and those of a 3136×1024 variable do not fit the caches (Adam: 6.9 ms, in pieces 4.3 ms on one
core; ``bench_update_ops.py``). Adam is 12 NumPy passes either way (3 for m, 4 for v, 5 for w:
one rounding each, the bits of TF1's formula as written below); a pass over an L2-resident
piece costs 0.05-0.07 ns per float32 (the square root 0.27), so a piece gains by not
allocating and by staying in the cache, not by fewer operations.

Where the new values go: ``sess.run(w)`` hands out the very array the session stores (no copy),
and ``SessionState.fork`` (the step-through, NaN reports), ``PlanStep``'s before/after values,
a fetched view (``tf.reshape(w)``) all keep references to stored arrays, relying on an update
making a *new* array. So the pieced kernel writes into the stored array only when the session's
dict holds the only reference to it (``_unshared``: ``sys.getrefcount``, which counts every
holder -- a user's variable, a snapshot, a view's base --, no weak reference, as the conv and
pool kernels keep to what they leave for their gradients, and an array owning its memory);
otherwise into fresh arrays. A training loop (``sess.run([train_op, loss])``) updates in place,
as TF1's kernels do (like TF1 without ``use_locking``, another thread's run reading the variable
at that moment may see part of the update)."""
import sys
import threading
import weakref

import numpy as np

from ..core import threads
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt

# Smaller variables take ``update``: their temporaries stay in the caches, and a piece's checks
# (~5 µs) do not pay. Adam and RMSProp (12 passes or more) gain from 256 KB; the rules of 2-5
# passes (``pieces_scale`` 8: from 2 MB) did not below that, their temporaries being few
# (bench_update_ops.py, on a busy machine: 3136×64 Adam 0.23 ms whole, 0.21 in pieces;
# Adagrad 0.15 whole, 0.15-0.17 in pieces; 3136×1024 Adam 6.9 ms whole, 4.3 in pieces)
PIECES_MIN_BYTES = 2 ** 18
# Variables this big run their pieces on the session's pool; smaller ones on the caller's thread:
# a 3136×64 Adam (8 pieces) on both cores cost 0.44-0.60 ms of CPU time inside the CNN's step
# against 0.38 for the whole formula on one (bench_cnn_profile.py, a busy machine), the hand-overs
# and the second core's cold caches eating the gain
POOL_MIN_BYTES = 2 ** 21


def _refs(values, key):
    a = values[key]
    return sys.getrefcount(a)


_SOLE = _refs({0: np.empty(1)}, 0)  # the count when a dict holds the only reference (calibrated,
#                                     so it follows the interpreter's own counting)


def _unshared(values, var):
    """Does the session's dict hold the only reference to ``var``'s array (no weak one
    either: a kernel may key what it left for a later one on it, as Conv2D's im2col for
    Conv2DBackpropFilter), which owns its memory? Then nothing anyone can see changes when the
    update writes into it."""
    if _refs(values, var) != _SOLE:
        return False
    a = values[var]
    f = a.flags
    return f.owndata and f.writeable and f.c_contiguous and not weakref.getweakrefcount(a)


# --------------------------------------------------------------------------- the update ops
class _Apply(OpDef):
    """Base for training ops: inputs are (var, slot..., hyper-parameters..., grad).

    A subclass gives ``update(var, slot..., hyper..., grad)`` -> (new var, new slot...) on whole
    arrays, and for big variables ``piece(out, ins, scalars, g)``: the same formula on one
    stretch, ``ins`` the (var, slot...) stretches read, ``out`` those written (possibly the
    same arrays), ``scalars(*hyper)`` the numbers it needs, computed once per step."""
    kind = "update"
    stateful = True
    differentiable = False
    slots = 0
    piece = None
    pieces_scale = 8  # in pieces from PIECES_MIN_BYTES × this

    @property
    def ref_inputs(self):
        return tuple(range(1 + self.slots))

    def infer(self, op):
        var, grad = op.inputs[0], op.inputs[-1]
        if var.dtype != grad.dtype:
            raise ShapeError(f"{self.type}: variable is {var.dtype.name}, gradient is {grad.dtype.name}")
        if not var.shape.is_compatible_with(grad._dims):
            raise ShapeError(f"{self.type}: the gradient's shape {fmt(grad._dims)} differs from the "
                             f"variable's {fmt(var._dims)}")
        return var._dims, var.dtype

    def make_update(self, op):
        return self.update

    def make_piece(self, op):
        return self.piece

    @staticmethod
    def scalars(*hyper):
        return hyper

    def bind(self, op, session):
        values = session.state.values
        update, piece, pool = self.make_update(op), self.make_piece(op), threads.pool_for(session)
        refs = op.inputs[:1 + self.slots]
        var, k = refs[0], len(refs)
        scale = self.pieces_scale

        def apply(*args):
            new = None
            if piece is not None and _big(values.get(var), scale):  # one cheap test for small ones
                new = self._in_pieces(piece, values, refs, args[k:-1], args[-1], pool)
            if new is None:
                try:
                    current = [values[r] for r in refs]
                except KeyError as e:
                    from ..core.errors import FailedPreconditionError
                    raise FailedPreconditionError(
                        f"Attempting to use uninitialized value {e.args[0].op.name} in {op.name}: run "
                        "tf.global_variables_initializer() after creating the optimizer.", op) from None
                new = update(*current, *args[k:])
            for r, v in zip(refs, new):
                values[r] = v
            return new[0]
        return apply

    def _in_pieces(self, piece, values, refs, hyper, g, pool):
        """``piece`` over cache-sized stretches (on ``pool`` when the work is big enough), into
        the stored arrays where nothing else sees them (``_unshared``), else into new ones;
        None when the values do not suit (uninitialized slots, other shapes or dtypes:
        ``update`` handles or reports those)."""
        own = [r in values and _unshared(values, r) for r in refs]  # before this holds them too
        ins = [values.get(r) for r in refs]
        w = ins[0]
        shape, dtype = w.shape, w.dtype
        if dtype.kind not in "fc" or not all(
                type(a) is np.ndarray and a.shape == shape and a.dtype == dtype for a in (*ins, g)):
            return None
        if not all(getattr(h, "dtype", None) == dtype and h.shape == () for h in hyper):
            return None  # (a 0-d array or a NumPy scalar, e.g. Adam's β powers after AssignMul)
        outs = ins if all(own) else [a if mine else np.empty(shape, dtype) for a, mine in zip(ins, own)]
        s, n, nbytes = self.scalars(*hyper), w.size, w.nbytes * (len(ins) + 1)
        pooled = w.nbytes >= POOL_MIN_BYTES
        parts = threads.pieces(n, nbytes, None if pooled else 0)  # (0: none for threads)
        if len(parts) == 1:  # the arrays as they are (a NumPy call takes any strides)
            t, u = _scratch(n, dtype)
            piece(outs, ins, s, g, t.reshape(shape), u.reshape(shape))
            return outs
        flat_in = [a.reshape(-1) for a in ins]  # a view (a copy where not contiguous: read only)
        flat_out = flat_in if outs is ins else [a.reshape(-1) for a in outs]
        flat_g = g.reshape(-1)
        s = [np.asarray(x) for x in s]  # 0-d arrays: a NumPy call takes them faster than scalars

        def run(i):
            a, b = parts[i]
            o = [x[a:b] for x in flat_out]
            piece(o, o if flat_out is flat_in else [x[a:b] for x in flat_in], s, flat_g[a:b],
                  *_scratch(b - a, dtype))
        if pooled and nbytes >= threads.PARALLEL_MIN_BYTES:
            pool.run(run, len(parts))
        else:
            for i in range(len(parts)):
                run(i)
        return outs


_local = threading.local()


def _scratch(n, dtype):
    """Two stretches of ``n`` elements for a piece's intermediate values: this thread's own,
    kept from piece to piece (a piece runs on one thread, to its end, before that thread takes
    another: any kernel, any session may use them), so a step allocates nothing. Per thread and
    dtype they grow to the biggest piece, about ``threads.PIECE_BYTES`` in all."""
    s = _local.__dict__.get(dtype)
    if s is None or s[0].size < n:
        s = _local.__dict__[dtype] = (np.empty(n, dtype), np.empty(n, dtype))
    return s[0][:n], s[1][:n]


def _big(a, scale):
    return type(a) is np.ndarray and a.nbytes >= PIECES_MIN_BYTES * scale


@register
class ApplyGradientDescent(_Apply):
    formula = "w ← w − η·∂L/∂w"
    latex = r"w \leftarrow w - \eta \, \partial L / \partial w"

    @staticmethod
    def update(w, lr, g):
        step = lr * g  # a fresh array: reuse it for the result (one allocation, not two)
        if type(step) is np.ndarray and step.shape == np.shape(w):
            return (np.subtract(w, step, out=step),)
        return (w - step,)  # scalars (NumPy returns no array to write into)

    @staticmethod
    def piece(out, ins, s, g, t, u):
        (w2,), (w,), (lr,) = out, ins, s
        np.subtract(w, np.multiply(lr, g, out=t), out=w2)


@register
class ApplyMomentum(_Apply):
    formula = "a ← μ·a + ∂L/∂w;  w ← w − η·a   (Nesterov: w ← w − η·(∂L/∂w + μ·a))"
    slots = 1

    def make_update(self, op):
        nesterov = op.attrs["use_nesterov"]

        def update(w, a, lr, mu, g):
            a = mu * a + g
            return (w - lr * (g + mu * a) if nesterov else w - lr * a), a
        return update

    def make_piece(self, op):
        nesterov = op.attrs["use_nesterov"]

        def piece(out, ins, s, g, t, u):
            (w2, a2), (w, a), (lr, mu) = out, ins, s
            np.add(np.multiply(mu, a, out=a2), g, out=a2)         # a ← μ·a + g
            if nesterov:                                            # w ← w − η·(g + μ·a)
                np.multiply(lr, np.add(g, np.multiply(mu, a2, out=t), out=t), out=t)
            else:                                                   # w ← w − η·a
                np.multiply(lr, a2, out=t)
            np.subtract(w, t, out=w2)
        return piece


@register
class ApplyAdam(_Apply):
    formula = ("m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  "
               "w ← w − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)")
    slots = 2
    pieces_scale = 1

    @staticmethod
    def update(w, m, v, b1p, b2p, lr, b1, b2, eps, g):
        lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g * g)
        return w - lr_t * m / (np.sqrt(v) + eps), m, v

    @staticmethod
    def scalars(b1p, b2p, lr, b1, b2, eps):
        return lr * np.sqrt(1 - b2p) / (1 - b1p), b1, 1 - b1, b2, 1 - b2, eps

    @staticmethod
    def piece(out, ins, s, g, t, u):
        (w2, m2, v2), (w, m, v), (lr_t, b1, c1, b2, c2, eps) = out, ins, s
        np.add(np.multiply(b1, m, out=m2), np.multiply(c1, g, out=t), out=m2)   # m ← β₁m + (1−β₁)g
        np.multiply(c2, np.multiply(g, g, out=t), out=t)
        np.add(np.multiply(b2, v, out=v2), t, out=v2)                           # v ← β₂v + (1−β₂)g²
        np.add(np.sqrt(v2, out=t), eps, out=t)
        np.divide(np.multiply(lr_t, m2, out=u), t, out=u)
        np.subtract(w, u, out=w2)                                               # w ← w − lr_t·m/(√v + ε)


@register
class ApplyRMSProp(_Apply):
    formula = "ms ← ρ·ms + (1−ρ)g²;  mom ← μ·mom + η·g/√(ms + ε);  w ← w − mom"
    slots = 2
    pieces_scale = 1

    @staticmethod
    def update(w, ms, mom, lr, rho, mu, eps, g):
        ms = rho * ms + (1 - rho) * (g * g)
        mom = mu * mom + lr * g / np.sqrt(ms + eps)
        return w - mom, ms, mom

    @staticmethod
    def scalars(lr, rho, mu, eps):
        return lr, rho, 1 - rho, mu, eps

    @staticmethod
    def piece(out, ins, s, g, t, u):
        (w2, ms2, mom2), (w, ms, mom), (lr, rho, c, mu, eps) = out, ins, s
        np.multiply(c, np.multiply(g, g, out=t), out=t)
        np.add(np.multiply(rho, ms, out=ms2), t, out=ms2)                  # ms ← ρ·ms + (1−ρ)g²
        np.sqrt(np.add(ms2, eps, out=t), out=t)
        np.divide(np.multiply(lr, g, out=u), t, out=u)
        np.add(np.multiply(mu, mom, out=mom2), u, out=mom2)                # mom ← μ·mom + η·g/√(ms + ε)
        np.subtract(w, mom2, out=w2)


@register
class ApplyCenteredRMSProp(_Apply):
    formula = "mg ← ρ·mg + (1−ρ)g;  ms ← ρ·ms + (1−ρ)g²;  mom ← μ·mom + η·g/√(ms − mg² + ε);  w ← w − mom"
    slots = 3
    pieces_scale = 1

    @staticmethod
    def update(w, mg, ms, mom, lr, rho, mu, eps, g):
        mg = rho * mg + (1 - rho) * g
        ms = rho * ms + (1 - rho) * (g * g)
        mom = mu * mom + lr * g / np.sqrt(ms - mg * mg + eps)
        return w - mom, mg, ms, mom

    @staticmethod
    def scalars(lr, rho, mu, eps):
        return lr, rho, 1 - rho, mu, eps

    @staticmethod
    def piece(out, ins, s, g, t, u):
        (w2, mg2, ms2, mom2), (w, mg, ms, mom), (lr, rho, c, mu, eps) = out, ins, s
        np.add(np.multiply(rho, mg, out=mg2), np.multiply(c, g, out=t), out=mg2)   # mg ← ρ·mg + (1−ρ)g
        np.multiply(c, np.multiply(g, g, out=t), out=t)
        np.add(np.multiply(rho, ms, out=ms2), t, out=ms2)                          # ms ← ρ·ms + (1−ρ)g²
        np.subtract(ms2, np.multiply(mg2, mg2, out=t), out=t)
        np.sqrt(np.add(t, eps, out=t), out=t)
        np.divide(np.multiply(lr, g, out=u), t, out=u)
        np.add(np.multiply(mu, mom, out=mom2), u, out=mom2)    # mom ← μ·mom + η·g/√(ms − mg² + ε)
        np.subtract(w, mom2, out=w2)


@register
class ApplyAdagrad(_Apply):
    formula = "a ← a + g²;  w ← w − η·g/√a"
    slots = 1

    @staticmethod
    def update(w, a, lr, g):
        a = a + g * g
        return w - lr * g / np.sqrt(a), a

    @staticmethod
    def piece(out, ins, s, g, t, u):
        (w2, a2), (w, a), (lr,) = out, ins, s
        np.add(a, np.multiply(g, g, out=t), out=a2)          # a ← a + g²
        np.divide(np.multiply(lr, g, out=u), np.sqrt(a2, out=t), out=u)
        np.subtract(w, u, out=w2)                           # w ← w − η·g/√a


@register
class AssignMul(_Apply):
    """``w ← w·factor`` (Adam's running powers of β)."""
    formula = "w ← w · factor"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    @staticmethod
    def update(w, factor):
        return (w * factor,)
