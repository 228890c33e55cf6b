"""``tf.cond``, ``tf.case`` and ``tf.while_loop``, with TF1's arguments, structures and errors.

Each builds its branch or body functions inside a ``ControlFlowContext`` (``core/control_flow.py``)
and adds one Cond or While op (``control_flow_defs.py``) that runs them: only the taken branch,
the body once per iteration.
"""
from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.control_flow import ControlFlowContext
from ..core.graph import Operation, Tensor, get_default_graph
from ..core.opdef import OPS
from ..core.shapes import TensorShape, fmt
from .compare_ops import greater
from .control_flow_defs import Branch, WhileSpec, arg, assert_true, make_cond
from .math_ops import add_n, cast
from .selection_ops import identity

__all__ = ["cond", "case", "while_loop"]


# ----------------------------------------------------------------------------- structures
def _flatten(s):
    """The tensors (or other leaves) of a nested list/tuple, in order."""
    if isinstance(s, (list, tuple)):
        return [x for item in s for x in _flatten(item)]
    return [s]


def _pack(structure, flat):
    """``flat`` (an iterator) poured into the shape of ``structure``."""
    if isinstance(structure, (list, tuple)):
        items = [_pack(s, flat) for s in structure]
        if hasattr(structure, "_fields"):  # a namedtuple (an LSTMStateTuple)
            return type(structure)(*items)
        return type(structure)(items)
    return next(flat)


def _describe(s):
    if isinstance(s, (list, tuple)):
        inner = ", ".join(_describe(x) for x in s)
        return f"[{inner}]" if isinstance(s, list) else f"({inner}{',' if len(s) == 1 else ''})"
    if isinstance(s, Operation):
        return "operation"
    return "tensor" if isinstance(s, Tensor) else type(s).__name__


def _same_structure(a, b):
    if isinstance(a, (list, tuple)) != isinstance(b, (list, tuple)):
        return False
    if isinstance(a, Operation) != isinstance(b, Operation):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    return True


def _tensors(values, what, pivot=None):
    """Every leaf of ``values`` as a tensor (numbers become constants here, in the branch). An
    op a branch returns (``lambda: train_op``) becomes ``pivot`` read after it, as in TF1."""
    out = []
    for v in _flatten(values):
        if isinstance(v, Operation) and pivot is not None:
            with get_default_graph().control_dependencies([v]):
                out.append(identity(pivot, name="op_done"))
            continue
        if isinstance(v, Operation):
            raise TypeError(f"{what} returned the operation '{v.name}'; a loop body returns new "
                            "values of the loop variables (tensors).")
        if v is None:
            raise ValueError(f"{what} returned None; it must return tensors (or numbers).")
        out.append(convert_to_tensor(v))
    return out


# ----------------------------------------------------------------------------- while_loop
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """Repeat ``body`` while ``cond`` is true (TF1's ``tf.while_loop``).

    ``loop_vars`` is a tensor or a (nested) list/tuple of tensors; ``cond(*loop_vars)`` returns a
    boolean scalar and ``body(*loop_vars)`` new values of the same structure, dtypes and shapes
    (``shape_invariants`` may relax a shape, e.g. ``tf.TensorShape([None, 2])``). Tensors from
    outside the loop may be read in both. Returns the final values, in the structure of
    ``loop_vars`` (a single loop variable comes back as a tensor, as in TF1)."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if loop_vars is None or (isinstance(loop_vars, (list, tuple)) and not _flatten(loop_vars)):
        raise ValueError("No loop variables provided")
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    g = get_default_graph()
    with g.name_scope(name or "while") as scope:
        init = [convert_to_tensor(v) for v in _flatten(structure)]
        dims = _invariants(init, structure, shape_invariants)
        limit = _max_iterations(maximum_iterations)
        ctx = ControlFlowContext("while", "body", outer=g.flow_context)
        with g.control_flow_context(ctx):
            args = [arg(d, t.dtype, "LoopVar") for d, t in zip(dims, init)]
            packed = _pack(structure, iter(args))
            pred = _loop_condition(cond(*packed))
            result = body(*packed)
            result = _body_result(result, structure, args, dims)
        spec = WhileSpec(ctx, args, pred, result, limit is not None, back_prop)
        inputs = init + list(ctx.captures) + ([limit] if limit is not None else [])
        with g.control_dependencies(ctx.control_captures):
            op = g.create_op(OPS["While"], inputs, {"parallel_iterations": int(parallel_iterations),
                             "back_prop": bool(back_prop)}, scope, control_flow=spec)
        ctx.op = op
    out = _pack(structure, iter(op.outputs[:-1]))
    return out[0] if single or (len(out) == 1 and not return_same_structure) else out


def _invariants(init, structure, shape_invariants):
    if shape_invariants is None:
        return [t._dims for t in init]
    shapes = _flatten([shape_invariants] if not isinstance(structure, (list, tuple))
                      or not isinstance(shape_invariants, (list, tuple)) else shape_invariants)
    if len(shapes) != len(init):
        raise ValueError(f"shape_invariants has {len(shapes)} shapes for {len(init)} loop variables: "
                         "give one shape per loop variable, in the structure of loop_vars.")
    dims = []
    for t, s in zip(init, shapes):
        inv = TensorShape(s).dims if not isinstance(s, TensorShape) else s.dims
        if not TensorShape(inv).is_compatible_with(t._dims):
            raise ValueError(f"The shape invariant specified for {t.name} is not compatible with the "
                             f"initial shape of the loop variable. It enters the loop with shape "
                             f"{fmt(t._dims)}, but the specified shape invariant is {fmt(inv)}.")
        dims.append(inv)
    return dims


def _max_iterations(maximum_iterations):
    if maximum_iterations is None:
        return None
    m = convert_to_tensor(maximum_iterations)
    if not m.dtype.is_integer or (m._dims is not None and m._dims != ()):
        raise ValueError(f"maximum_iterations must be an integer scalar, got {m.dtype.name} of shape "
                         f"{fmt(m._dims)}.")
    return m


def _loop_condition(pred):
    pred = convert_to_tensor(pred)
    if pred.dtype != _dtypes.bool_ or (pred._dims is not None and pred._dims != ()):
        raise ValueError(f"The while loop's cond must return a boolean scalar, got {pred.dtype.name} "
                         f"of shape {fmt(pred._dims)}.")
    return pred


def _body_result(result, structure, args, dims):
    """The body's outputs, checked against the loop variables (TF1's errors)."""
    if not isinstance(result, (list, tuple)):
        result = [result]
    if isinstance(result, (list, tuple)) and len(structure) == 1 and not isinstance(structure[0], (list, tuple)) \
            and len(result) != 1:
        result = [result]
    if not _same_structure(list(structure), list(result)):
        raise ValueError(f"The two structures don't have the same nested structure: the loop variables "
                         f"are {_describe(list(structure))} but the body returned {_describe(list(result))}. "
                         "The body must return new values for every loop variable, in the same structure.")
    outs = _tensors(result, "The while loop's body")
    for a, t, d in zip(args, outs, dims):
        if t.dtype != a.dtype:
            raise TypeError(f"The loop variable {a.name} enters the loop as {a.dtype.name} but the body "
                            f"returns {t.dtype.name} ({t.name}): cast it (tf.cast) to keep the dtype.")
        if not TensorShape(d).is_compatible_with(t._dims) or _more_general(t._dims, d):
            raise ValueError(
                f"Input tensor '{a.name}' enters the loop with shape {fmt(d)}, but has shape "
                f"{fmt(t._dims)} after one iteration. To allow the shape to vary across iterations, "
                "use the `shape_invariants` argument of tf.while_loop to specify a less-specific shape.")
    return outs


def _more_general(dims, invariant):
    """Is ``dims`` less specific than the invariant (unknown where the invariant is known)?"""
    if invariant is None:
        return False
    if dims is None:
        return True
    return any(d is None and i is not None for d, i in zip(dims, invariant))


# ----------------------------------------------------------------------------- cond
def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (TF1's ``tf.cond``): only the taken branch's
    ops run. Both functions return the same structure of tensors (a tensor, or nested
    lists/tuples); a one-element list comes back as its tensor unless ``strict=True``."""
    true_fn = fn1 if true_fn is None else true_fn
    false_fn = fn2 if false_fn is None else false_fn
    if isinstance(pred, bool):
        raise TypeError("pred must not be a Python bool")
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    pred = convert_to_tensor(pred)
    if pred.dtype != _dtypes.bool_ or (pred._dims is not None and pred._dims != ()):
        raise ValueError(f"tf.cond's pred must be a boolean scalar, got {pred.dtype.name} of shape "
                         f"{fmt(pred._dims)} ({pred.name}).")
    g = get_default_graph()
    with g.name_scope(name or "cond") as scope:
        branches, results = [], []
        for label, fn in (("true", true_fn), ("false", false_fn)):
            ctx = ControlFlowContext("cond", label, outer=g.flow_context)
            with g.control_flow_context(ctx):
                result = fn()
                outs = _tensors(result, f"{label}_fn", pivot=pred)
            branches.append(Branch(ctx, [], outs))
            results.append(result)
        _check_branches(results, branches)
        op = make_cond(pred, branches, name=scope)
    # where both branches returned an op, the result is the Cond op itself (run it for its effect)
    leaves = [op if isinstance(a, Operation) and isinstance(b, Operation) else t for a, b, t in
              zip(_flatten(results[0]), _flatten(results[1]), op.outputs[:-1])]
    out = _pack(results[0], iter(leaves))
    if not strict and isinstance(out, (list, tuple)) and len(out) == 1 and not hasattr(out, "_fields"):
        return out[0]
    return out


def _check_branches(results, branches):
    a, b = results
    if not _same_structure(a, b):
        raise ValueError(f"true_fn and false_fn must return the same structure: true_fn returned "
                         f"{_describe(a)}, false_fn returned {_describe(b)}.")
    for i, (x, y) in enumerate(zip(branches[0].outputs, branches[1].outputs)):
        if x.dtype != y.dtype:
            raise ValueError(f"Outputs of true_fn and false_fn must have the same type: output {i} is "
                             f"{x.dtype.name} ({x.name}) in true_fn but {y.dtype.name} ({y.name}) in "
                             "false_fn.")


# ----------------------------------------------------------------------------- case
def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """TF1's ``tf.case``: the function of the first true predicate (in order; a dict is sorted
    by the predicates' names, as TF1 does), else ``default`` (None: the last pair's function).
    With ``exclusive=True``, more than one true predicate is an error at run time."""
    if isinstance(pred_fn_pairs, dict):
        pairs = sorted(pred_fn_pairs.items(), key=lambda item: item[0].name)
    elif isinstance(pred_fn_pairs, (list, tuple)):
        pairs = list(pred_fn_pairs)
    else:
        raise TypeError("pred_fn_pairs must be a list, tuple, or dict")
    if not pairs:
        raise ValueError("pred_fn_pairs must not be empty")
    for p in pairs:
        if not isinstance(p, tuple) or len(p) != 2:
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple")
        if not callable(p[1]):
            raise TypeError("fn for pred %s must be callable." % getattr(p[0], "name", p[0]))
    preds = [convert_to_tensor(p) for p, _ in pairs]
    for p in preds:
        if p.dtype != _dtypes.bool_:
            raise TypeError(f"pred must be Tensor of type bool: {p.name}")
    if default is None:
        preds, fns, default = preds[:-1], [f for _, f in pairs[:-1]], pairs[-1][1]
    else:
        fns = [f for _, f in pairs]
    if not callable(default):
        raise TypeError("default must be callable.")
    g = get_default_graph()
    with g.name_scope(name or "case"):
        deps = [_exclusive_check([convert_to_tensor(p) for p, _ in pairs])] if exclusive and len(pairs) > 1 else []
        with g.control_dependencies(deps):
            fn = default
            for p, f in reversed(list(zip(preds, fns))):
                fn = _chain(p, f, fn, strict)
            return fn()


def _chain(pred, fn, otherwise, strict):
    return lambda: cond(pred, fn, otherwise, strict=strict)


def _exclusive_check(preds):
    """An Assert that at most one predicate is true (TF1's message)."""
    count = add_n([cast(p, _dtypes.int32) for p in preds])
    names = ", ".join(p.name for p in preds)
    return assert_true(greater(2, count),
                       f"Input error: exclusive=True: more than 1 conditions ({names}) evaluated as True")

