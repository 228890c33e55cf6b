"""The backward pass of a layer with a bias and a ReLU as one kernel: ReluGrad -> BiasAddGrad
[-> Conv2DBackpropFilter] of its value, the plan's rule C (``ReluGrad.bind_fused``, ``core/plan.py``).

A big array is done a block of images at a time (BiasAddGrad's blocks, ``nn_ops.bias_blocks``):
∂L/∂z of the block (``unary_ops.relu_grad_into``, ReluGrad's own piece), its sums per channel
(``nn_ops.bias_block``) and the filter gradient's products colsᵀ·∂L/∂z of its rows
(``conv_ops._dw_cut``/``_dw_block``, with the forward pass's saved im2col matrix), while the block
is in the cache. Each op's unfused kernel uses these same functions and cuts, and the partial
results are added in the same order, so fused and unfused give the same bits for any thread
count (tests/nn/test_nn_relu_bias_grad_fused.py). ``bench_backward_chain.py`` times both.
"""
import threading

import numpy as np

from ..core import threads
from ..core.opdef import OPS
from .conv_ops import _dw_block, _dw_cut, _dw_sum, _saved, _take_saved
from .nn_ops import bias_block, bias_blocks, bias_sums
from .unary_ops import relu_grad_into


class ReluBiasGrad:
    """``ReluGrad.bind_fused``'s kernel: the three ops' bound kernels for what is not fused, and
    per thread a block's work arrays (a piece never calls the pool: a thread runs one at a time)."""

    def __init__(self, op, session, bias_grad, filter_grad, keep):
        self.pool, self.keep, self.filter_op = threads.pool_for(session), keep, filter_grad
        self.relu_grad = OPS["ReluGrad"].bind(op, session)
        self.bias_grad = bias_grad.opdef.bind(bias_grad, session)
        if filter_grad is not None:
            self.filter_grad = filter_grad.opdef.bind(filter_grad, session)
            self.saved = _saved(session)
        self.local = threading.local()

    def __call__(self, g, y, x=None, w=None):
        if g.nbytes < threads.PARALLEL_MIN_BYTES or g.shape != y.shape or g.dtype != y.dtype \
                or g.dtype.kind != "f" or g.ndim < 2:  # the ops one by one
            dz = self.relu_grad(g, y)
            if self.filter_op is None:
                return (dz, self.bias_grad(dz)) if self.keep else self.bias_grad(dz)
            out = [self.bias_grad(dz), self.filter_grad(x, w, dz)]
        elif self.filter_op is None:
            dz, out = self.blocks(g, y, None, self.keep)
        else:
            cols, scratch = _take_saved(self.saved, self.filter_op.gradient_of, x)
            try:
                dz, out = self.blocks(g, y, cols, self.keep or cols is None)
            finally:
                if cols is not None:
                    scratch.give(cols)
            if cols is None:  # no saved im2col matrix: the filter gradient's own kernel builds it
                out.append(OPS["Conv2DBackpropFilter"].kernel(self.filter_op, x, w, dz, self.pool))
            else:
                out[-1] = out[-1].reshape(w.shape)
        out = ([dz] if self.keep else []) + out
        return out[0] if len(out) == 1 else tuple(out)

    def blocks(self, g, y, cols, write):
        """(∂L/∂z or None, [∂L/∂b] + [colsᵀ·∂L/∂z] when ``cols``), a block of images at a time."""
        n, c = len(g), g.shape[-1]
        blocks = bias_blocks(n, g.nbytes)
        dz = np.empty(g.shape, g.dtype) if write else None
        part = [None] * len(blocks)
        if cols is not None:
            per = g[0].size // c
            narrow, cut = _dw_cut(n, per, cols.shape[1], c, g.itemsize)
            first = np.cumsum([0] + [len(rows) for _, _, rows in cut]).tolist()
            partial = [None] * first[-1]

        shape, size = g.shape[1:], g[0].size
        most = max(b - a for a, b in blocks) * size

        def piece(i):
            a, b = blocks[i]
            mask, work = self.work(most, None if write else g.dtype)
            mask = mask[:(b - a) * size].reshape((b - a,) + shape)
            d = dz[a:b] if dz is not None else work[:mask.size].reshape(mask.shape)
            relu_grad_into(d, g[a:b], y[a:b], mask)
            part[i] = bias_block(d, len(blocks) == 1)
            if cols is not None:
                rows = d.reshape(-1, c)
                for j, (r0, r1) in enumerate(cut[i][2]):
                    partial[first[i] + j] = _dw_block(cols[r0:r1], rows[r0 - a * per:r1 - a * per], narrow)
        self.pool.run(piece, len(blocks))
        return dz, [bias_sums(part)] + ([] if cols is None else [_dw_sum(partial)])

    def work(self, size, dtype):
        """This thread's work arrays (kept from call to call) of at least ``size`` values: a
        bool mask, and a block of ∂L/∂z in ``dtype`` (None when ∂L/∂z is kept)."""
        arrays = getattr(self.local, "arrays", None)
        if arrays is None or arrays[0].size < size or dtype is not None and (
                arrays[1] is None or arrays[1].dtype != dtype):
            arrays = self.local.arrays = (np.empty(size, np.bool_),
                                          None if dtype is None else np.empty(size, dtype))
        return arrays
