"""The plan's fusions: chains of adjacent ops run as one call, as TF's graph optimizer (Grappler's
remapper) fuses them: the later ops work on each piece of the first one's result while it is
still in the cache, with the same bits as the ops one by one (each OpDef's ``bind_fused`` builds
the fused kernel; ``core/plan.py`` puts the chain on one line of its generated function, names
the op that fails on an error, and still runs the ops one by one in ``steps()``, the step-through).

The rules (``find``): A, Conv2D|MatMul -> BiasAdd [-> Relu]; B, Conv2D -> BiasAdd -> Relu ->
MaxPool; C, ReluGrad -> BiasAddGrad [-> Conv2DBackpropFilter]. A fused chain returns the values
of its ops that something else uses (another op, a fetch, an op of a branch or loop body).
"""


FUSIBLE = ("Conv2D", "MatMul")  # ops whose OpDef has bind_fused(op, session, activation)
POOL_FUSIBLE = ("Conv2D",)  # ... and bind_fused(op, session, "Relu", max_pool=, keep=) (rule B)
GRAD_FUSIBLE = ("ReluGrad",)  # ops whose OpDef may have bind_fused(op, session, bias_grad, ...)


class Fused:
    """A fused chain of the plan: ``kernel`` runs the calls ``chain`` (adjacent indices of
    ``Plan.calls``) as one, at the last one's line; it takes the values of ``inputs`` (tensors
    computed outside the chain, in the order the kernel wants them) and returns the values of
    the ops at ``outputs`` (the chain's ops whose value is used outside it, in chain order):
    one value, or a tuple when there are several."""

    __slots__ = ("kernel", "chain", "inputs", "outputs")

    def __init__(self, kernel, chain, inputs, outputs):
        self.kernel, self.chain = kernel, tuple(chain)
        self.inputs, self.outputs = list(inputs), tuple(outputs)


def find(calls, ops, targets, session):
    """``{j: Fused}``: chains of ``calls`` to run as one call at index j, the last of the chain.

    A chain's calls come one right after the other (no other op runs in between); a value of
    the chain that something else uses (another op of the plan, a fetch, an op of a branch or
    loop body) is returned by the fused kernel, which gives the same bits as the ops one by one;
    ``steps()`` (the step-through) and the sliced runner still run them one by one. The rules:

    - A: Conv2D|MatMul -> BiasAdd [-> Relu] (what ``tf.layers.conv2d``/``dense`` build), the
      values in between used by nothing else: the bias and the ReLU on each piece of the
      product while it is in the cache;
    - B: Conv2D -> BiasAdd -> Relu -> MaxPool of the Relu's value: the pooling of each block of
      images right after the convolution finishes it (the Relu's value is returned too when
      used elsewhere, as in training: ReluGrad, MaxPoolGrad);
    - C: ReluGrad -> BiasAddGrad [-> Conv2DBackpropFilter] of the ReluGrad's value (the
      backward pass of a layer with a ReLU), when ReluGrad's OpDef has ``bind_fused``."""
    in_plan, fetched = set(ops), set(targets)
    idx = [j for j, (_, how, _) in enumerate(calls) if how == "call"]
    run = [calls[j][0] for j in idx]

    def used_outside(t, chain):  # a use by an op of a branch or loop body counts too
        return t in fetched or any(c not in chain for c in t._consumers
                                   if c in in_plan or c.context is not t.op.context)

    fusions, pos = {}, 0
    while pos < len(run):
        found = (_forward_chain(run, pos, used_outside, session)
                 or _backward_chain(run, pos, used_outside, session))
        if found is None:
            pos += 1
            continue
        kernel, n, inputs, outputs = found
        chain = idx[pos:pos + n]
        fusions[chain[-1]] = Fused(kernel, chain, inputs, [idx[pos + i] for i in outputs])
        pos += n
    return fusions


def _next_reads(run, pos, op_type, t, i=0):
    """The op at ``run[pos]`` when it is an ``op_type`` reading ``t`` as its input ``i``."""
    if pos < len(run) and run[pos].type == op_type and len(run[pos].inputs) > i and run[pos].inputs[i] is t:
        return run[pos]
    return None


def _forward_chain(run, pos, used_outside, session):
    """Rules A and B at ``run[pos]``: (kernel, length, inputs, returned positions) or None."""
    op = run[pos]
    if (op.type not in FUSIBLE or not hasattr(op.opdef, "bind_fused") or len(op.outputs) != 1
            or op.outputs[0].dtype.name not in ("float32", "float64")):
        return None
    bias = _next_reads(run, pos + 1, "BiasAdd", op.outputs[0])
    if bias is None or used_outside(op.outputs[0], {bias}):
        return None
    inputs = list(op.inputs) + [bias.inputs[1]]
    relu = _next_reads(run, pos + 2, "Relu", bias.outputs[0])
    if relu is None or used_outside(bias.outputs[0], {relu}):
        return op.opdef.bind_fused(op, session, None), 2, inputs, (1,)
    pool = _next_reads(run, pos + 3, "MaxPool", relu.outputs[0]) if op.type in POOL_FUSIBLE else None
    if pool is None:
        return op.opdef.bind_fused(op, session, "Relu"), 3, inputs, (2,)
    keep = used_outside(relu.outputs[0], {pool})
    kernel = op.opdef.bind_fused(op, session, "Relu", max_pool=pool, keep=keep)
    return kernel, 4, inputs, (2, 3) if keep else (3,)


def _backward_chain(run, pos, used_outside, session):
    """Rule C at ``run[pos]``: (kernel, length, inputs, returned positions) or None."""
    op = run[pos]
    if op.type not in GRAD_FUSIBLE or not hasattr(op.opdef, "bind_fused") or len(op.outputs) != 1:
        return None
    dz = op.outputs[0]
    bias_grad = _next_reads(run, pos + 1, "BiasAddGrad", dz)
    if bias_grad is None:
        return None
    filter_grad = _next_reads(run, pos + 2, "Conv2DBackpropFilter", dz, 2)
    if filter_grad is not None and any(t is dz or t is bias_grad.outputs[0] for t in filter_grad.inputs[:2]):
        filter_grad = None  # (it reads a value of the chain as an outside input)
    chain = [op, bias_grad] + ([filter_grad] if filter_grad is not None else [])
    keep = used_outside(dz, set(chain))
    inputs = list(op.inputs) + (list(filter_grad.inputs[:2]) if filter_grad is not None else [])
    kernel = op.opdef.bind_fused(op, session, bias_grad, filter_grad=filter_grad, keep=keep)
    return kernel, len(chain), inputs, tuple(range(0 if keep else 1, len(chain)))
