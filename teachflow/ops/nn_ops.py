"""Neural-network ops: bias_add, in_top_k, dropout, moments and batch normalization, embeddings --
each with its gradient beside it. Activations and softmax are in ``activation_ops``, the losses
on logits in ``loss_ops``."""
import numpy as np

from ..core import dtypes as _dtypes
from ..core import threads
from ..core.constant import convert_to_tensor
from ..core.graph import Tensor, name_scope
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ._util import floating, make, number_arg
from .array_ops import squeeze
from .math_ops import add, multiply, squared_difference, subtract
from .random_ops import get_seed
from .reduce_ops import reduce_mean, reduce_sum
from .selection_ops import stop_gradient
from .unary_ops import bind_pooled, negative, rsqrt


__all__ = ["bias_add", "in_top_k", "dropout", "moments", "batch_normalization", "xw_plus_b",
           "embedding_lookup"]


# --------------------------------------------------------------------------- bias_add
@register
class BiasAdd(OpDef):
    batching = "elementwise"
    formula = "y = x + b   (b added along the last axis, the channels)"
    grad_formulas = ("∂L/∂x = ∂L/∂y", "∂L/∂b = Σ of ∂L/∂y over every axis but the last")

    # A big array: as rows of W·C values plus the bias repeated W times (NumPy's loop then runs
    # over rows of 896 values, not of C = 32: 0.39 against 0.66 ms for 100×28×28×32), cut into
    # pieces of rows for the pool. The same additions, so the same bits.
    def kernel(self, op, x, b, pool=None):
        if x.nbytes < threads.PARALLEL_MIN_BYTES or not x.flags.c_contiguous or x.ndim < 2 \
                or b.shape != x.shape[-1:]:
            return np.add(x, b)
        c, reps = x.shape[-1], 1
        for d in reversed(x.shape[1:-1]):  # rows of at most 4096 values (the bias stays in L1)
            if reps * d * c > 4096:
                break
            reps *= d
        rows, bias = x.reshape(-1, reps * c), np.tile(b, reps)
        out = np.empty(x.shape, np.result_type(x, b))
        outs = out.reshape(rows.shape)
        threads.split(pool or threads.pool_for(None),
                      lambda i, j: np.add(rows[i:j], bias, out=outs[i:j]), len(rows), x.nbytes)
        return out

    def bind(self, op, session):
        return bind_pooled(self.kernel, op, session, small=np.add)

    def infer(self, op):
        x, b = op.inputs
        if x.dtype != b.dtype:
            raise ShapeError(f"bias_add: value is {x.dtype.name} but bias is {b.dtype.name}",
                             hint="tf.cast one of them")
        if b._dims is not None and len(b._dims) != 1:
            raise ShapeError(f"bias_add: bias must be 1-D, got shape {fmt(b._dims)}")
        if x._dims is not None:
            if len(x._dims) < 2:
                raise ShapeError(f"bias_add: value must have rank >= 2, got rank {len(x._dims)}",
                                 hint="the bias is added to every row; use tf.add for vectors")
            c, n = x._dims[-1], None if b._dims is None else b._dims[0]
            if c is not None and n is not None and c != n:
                raise ShapeError(f"bias_add: the bias has {n} entries but the value has {c} "
                                 "channels (its last dimension)",
                                 hint="NHWC: channels go last; the bias needs one entry per channel")
        return x._dims, x.dtype

    def gradient(self, op, g):
        return [g, make("BiasAddGrad", [g])]


@register
class BiasAddGrad(OpDef):
    formula = "∂L/∂b = Σ of ∂L/∂y over every axis but the last"

    def infer(self, op):
        g = op.inputs[0]
        return (None if g._dims is None else g._dims[-1:]), g.dtype

    # A small array: the sum over the batch first, whose rows are H·W·C values long, then over
    # the H·W pixels. NumPy sums long rows fast, and rows of only C values slowly: summing the
    # N·H·W rows of C at once took 4× longer (1.0 against 0.26 ms for 100×28×28×32).
    # A big array (more than one of ``bias_blocks``: cache-sized blocks of images, fixed by the
    # sizes only): each block's sums per channel as 1ᵀ·G, G its rows of C values (one BLAS
    # matrix-vector product: 0.11 against 0.18 ms for NumPy's sums of 100×28×28×32 in cache),
    # and the blocks' sums added in order -- the grouping ReluGrad.bind_fused uses while each
    # block of ∂L/∂z is in the cache, so fused and unfused give the same bits. One call, not on
    # the pool: it streams through memory once (0.31-0.35 ms for 10 MB from memory, 0.37-0.40
    # before). Small arrays keep NumPy's sums: BLAS's longer call was slower from a cold cache
    # (the DNN tutorial's 50×300: 28 against 15 µs).
    def kernel(self, op, g):
        if g.nbytes <= threads.PIECE_BYTES < threads.PARALLEL_MIN_BYTES or g.ndim < 2 or g.dtype.kind != "f":
            return _sums(g)  # one block for sure (threads.pieces): no more Python than needed
        blocks = bias_blocks(len(g), g.nbytes)
        return bias_sums([bias_block(g[a:b], len(blocks) == 1) for a, b in blocks])

    def gradient(self, op, gg):
        from .creation_ops import broadcast_like
        return [broadcast_like(gg, op.inputs[0])]


def bias_blocks(n, nbytes):
    """BiasAddGrad's blocks of the ``n`` images (rows) of a float array of ``nbytes``:
    ``[(start, stop), ...]``, cache-sized (``threads.pieces``), depending on the sizes only.
    Each block's sums are ``bias_block``'s, added in order (``bias_sums``)."""
    return threads.pieces(n, nbytes, None)


def bias_block(g, alone):
    """A block's sums per channel (the last axis): 1ᵀ·G over its rows (any layout, the same
    bits); ``alone`` (the array is one block): NumPy's sums, over the batch, then the pixels."""
    if alone:
        return _sums(g)
    rows = g.reshape(-1, g.shape[-1])
    return _ones(len(rows), g.dtype) @ rows


def _sums(g):
    """NumPy's sums over every axis but the last: over the batch, then over the pixels."""
    if g.ndim > 2:
        g = np.add.reduce(g, axis=0).reshape(-1, g.shape[-1])
    return np.add.reduce(g, axis=0)


def bias_sums(part):
    """∂L/∂b from the blocks' sums: added in order."""
    return part[0] if len(part) == 1 else np.add.reduce(np.array(part), axis=0)


_ONES = {}  # dtype -> a read-only vector of ones, as long as the longest asked for


def _ones(n, dtype):
    v = _ONES.get(dtype)
    if v is None or len(v) < n:
        v = np.ones(max(n, 1024), dtype)
        v.flags.writeable = False
        _ONES[dtype] = v
    return v[:n]


def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` with the bias on the last axis (NHWC): one entry per channel."""
    if data_format not in (None, "NHWC", "N...C"):
        raise ValueError(f"bias_add: teachflow supports data_format='NHWC' only (channels last), "
                         f"got {data_format!r}")
    x = convert_to_tensor(value)
    b = convert_to_tensor(bias, dtype=x.dtype)
    return make("BiasAdd", [x, b], name or "BiasAdd")


def xw_plus_b(x, weights, biases, name=None):
    """``x·W + b``: the affine map of a dense layer."""
    from .math_ops import matmul
    with name_scope(name, "xw_plus_b"):
        return bias_add(matmul(x, weights), biases)


# --------------------------------------------------------------------------- in_top_k
@register
class InTopK(OpDef):
    """Is each target class among the k highest predictions of its row?"""
    batching = "all"
    formula = "yᵢ = #{j : predᵢⱼ > predᵢ,targetᵢ} < k   (ties count in; bad targets or non-finite → false)"
    differentiable = False

    def infer(self, op):
        p, t = op.inputs
        if not t.dtype.is_integer:
            raise ShapeError(f"in_top_k: targets must be integer class indices, got {t.dtype.name}",
                             hint="for one-hot targets pass tf.argmax(targets, 1)")
        if p._dims is not None and len(p._dims) != 2:
            raise ShapeError(f"in_top_k: predictions must be 2-D [batch_size, num_classes], got "
                             f"{fmt(p._dims)}")
        if t._dims is not None and len(t._dims) != 1:
            raise ShapeError(f"in_top_k: targets must be 1-D [batch_size], got {fmt(t._dims)}",
                             hint="tf.reshape(targets, [-1])")
        n = None if p._dims is None else p._dims[0]
        if t._dims is not None:
            if n is not None and t._dims[0] is not None and n != t._dims[0]:
                raise ShapeError(f"in_top_k: {n} rows of predictions but {t._dims[0]} targets")
            n = n if n is not None else t._dims[0]
        return (n,), _dtypes.bool_

    def kernel(self, op, p, t):
        n, c = p.shape
        if len(t) != n:
            raise ValueError(f"in_top_k: {n} rows of predictions but {len(t)} targets")
        ok = (t >= 0) & (t < c)
        target = p[np.arange(n), np.where(ok, t, 0)]
        higher = (p > target[:, None]).sum(axis=1)
        return ok & np.isfinite(target) & (higher < op.attrs["k"])


def in_top_k(predictions, targets, k, name=None):
    """Bool per row: is ``targets[i]`` among the ``k`` largest ``predictions[i]``?"""
    p = convert_to_tensor(predictions)
    t = convert_to_tensor(targets)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"in_top_k: k must be a non-negative int, got {k!r}.")
    return make("InTopK", [p, t], name or "in_top_k", k=int(k))


# --------------------------------------------------------------------------- dropout
@register
class DropoutMask(OpDef):
    """A fresh random keep-mask per run, already scaled so the expected value is unchanged."""
    formula = "mask = [u < keep_prob] / keep_prob,  u ~ U[0, 1)  (one u per element)"
    differentiable = False
    stateful = True
    kind = "random"

    def infer(self, op):
        x, k = op.inputs
        if k._dims not in (None, ()):
            raise ShapeError(f"dropout: keep_prob must be a scalar, got shape {fmt(k._dims)}")
        ns = op.attrs["noise_shape"]
        if ns is None:
            return x._dims, x.dtype
        return tuple(None if d != 1 and x._dims is None else d if d == 1 else x._dims[i]
                     for i, d in enumerate(ns)), x.dtype

    def bind(self, op, session):
        rng, ns = session.state.rng(op), op.attrs["noise_shape"]

        def mask(x, keep_prob):
            keep = float(keep_prob)
            if not 0 < keep <= 1:
                raise ValueError(f"dropout: keep_prob must be in (0, 1], got {keep}")
            shape = x.shape if ns is None else tuple(1 if d == 1 else s for d, s in zip(ns, x.shape))
            u = rng.random(shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
            return ((u < keep) * (1 / keep)).astype(x.dtype, copy=False)
        return mask


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability ``1 − keep_prob`` and scale the rest by
    ``1/keep_prob`` (a new mask on every run). ``keep_prob`` may be a placeholder."""
    x = floating(x, "dropout")
    if rate is not None:
        if keep_prob is not None:
            raise ValueError("dropout: pass keep_prob or rate, not both")
        if not isinstance(rate, Tensor) and not hasattr(rate, "_as_graph_element"):
            number_arg(rate, "dropout", "rate")
        keep_prob = 1 - rate if isinstance(rate, (int, float)) else subtract(1.0, rate)
    if keep_prob is None:
        raise ValueError("dropout needs keep_prob (or rate)")
    if not isinstance(keep_prob, Tensor) and not hasattr(keep_prob, "_as_graph_element"):
        number_arg(keep_prob, "dropout", "keep_prob")
    if isinstance(keep_prob, (int, float, np.number)):
        if not 0 < keep_prob <= 1:
            raise ValueError(f"dropout: keep_prob must be a scalar in (0, 1], got {keep_prob}")
        if keep_prob == 1:
            return x
    if noise_shape is not None:
        noise_shape = tuple(int(d) for d in noise_shape)
        if x.ndim is not None and len(noise_shape) != x.ndim:
            raise ShapeError(f"dropout: noise_shape {list(noise_shape)} needs one entry per axis of "
                             f"x {fmt(x._dims)}")
    with name_scope(name, "dropout", [x]):
        k = convert_to_tensor(keep_prob, dtype=x.dtype, name="keep_prob")
        s1, s2 = get_seed(seed)
        m = make("DropoutMask", [x, k], "mask", noise_shape=noise_shape, seed=s1, seed2=s2)
        return multiply(x, m, name="mul")


# --------------------------------------------------------------------------- moments, batch norm
def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """``(mean, variance)`` of ``x`` over ``axes`` (variance about the mean, not unbiased)."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    x = floating(x, "moments")
    with name_scope(name, "moments", [x]):
        mean = reduce_mean(x, axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(x, stop_gradient(mean)), axes, keepdims=True,
                               name="variance")
        if not keep:
            mean = squeeze(mean, list(axes), name="Squeeze")
            variance = squeeze(variance, list(axes), name="Squeeze_1")
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale·(x − mean)/√(variance + ε) + offset``, as TF1 builds it:
    ``x·inv + (offset − mean·inv)`` with ``inv = scale·rsqrt(variance + ε)``."""
    with name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        inv = rsqrt(add(variance, variance_epsilon))
        if scale is not None:
            inv = multiply(inv, scale)
        shift = negative(multiply(mean, inv)) if offset is None else subtract(offset, multiply(mean, inv))
        return add(multiply(x, inv), shift)


# --------------------------------------------------------------------------- embeddings
def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """``tf.nn.embedding_lookup(embeddings, word_ids)``: the rows ``params[ids]`` (a gather on
    axis 0; the gradient adds into the looked-up rows, summing repeats).

    ``params`` may be a list of shards (TF1's partitioned variables): with ``"mod"`` id ``p``
    lives in shard ``p % n`` at row ``p // n``; with ``"div"`` the shards hold consecutive
    blocks. ``max_norm`` clips each looked-up embedding to that L2 norm."""
    from .array_ops import concat
    from .index_ops import gather
    from .math_ops import maximum
    from .unary_ops import sqrt, square
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"embedding_lookup: partition_strategy must be 'mod' or 'div', "
                         f"got {partition_strategy!r}")
    shards = list(params) if isinstance(params, (list, tuple)) else [params]
    if not shards:
        raise ValueError("embedding_lookup needs at least one params tensor.")
    with name_scope(name, "embedding_lookup"):
        shards = [convert_to_tensor(p) for p in shards]
        ids = convert_to_tensor(ids)
        if not ids.dtype.is_integer:
            raise TypeError(f"embedding_lookup: ids must be integers (int32 or int64), but {ids.name} "
                            f"is {ids.dtype.name}. Use tf.cast(ids, tf.int32).")
        if len(shards) == 1:
            out = gather(shards[0], ids)
        else:
            sizes = [p._dims[0] if p._dims else None for p in shards]
            if None in sizes:
                raise ShapeError("embedding_lookup over several shards needs each shard's number of "
                                 "rows to be known, got shapes " + ", ".join(fmt(p._dims) for p in shards))
            n, total = len(sizes), sum(sizes)
            if partition_strategy == "mod":
                expected = [len(range(i, total, n)) for i in range(n)]
            else:
                expected = [total // n + (1 if i < total % n else 0) for i in range(n)]
            if sizes != expected:
                raise ValueError(f"embedding_lookup: shards of {sizes} rows do not match the "
                                 f"{partition_strategy!r} partition of {total} ids into {n} shards "
                                 f"(expected {expected} rows)")
            table = concat(shards, 0)
            if partition_strategy == "mod":  # id p -> row offset[p % n] + p // n of the joined table
                offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
                p = np.arange(total)
                where = (offsets[p % n] + p // n).astype(ids.dtype.np)
                ids = gather(convert_to_tensor(where), ids)
            out = gather(table, ids)
        if max_norm is not None:
            if out.ndim is None or ids.ndim is None:
                raise ShapeError("embedding_lookup with max_norm needs known ranks")
            axes = list(range(ids.ndim, out.ndim))
            norm = sqrt(reduce_sum(square(out), axis=axes, keepdims=True))
            clip = convert_to_tensor(max_norm, dtype=out.dtype)
            out = out * clip / maximum(norm, clip)
        return out
