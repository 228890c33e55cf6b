"""``tf.map_fn``, ``tf.scan``, ``tf.foldl`` and ``tf.foldr``: a function applied along the first
dimension of ``elems``, with TF1's arguments, structures and errors (TF1's ``functional_ops.py``).

Each is one ``tf.while_loop``, as in TF1, so the number of elements may be known only at run
time and gradients flow through the loop's own gradient. Where TF1 uses a TensorArray, here an
iteration reads element ``i`` with ``gather`` and appends its output to the outputs so far with
``concat`` (a loop variable whose first dimension grows, as in ``tf.nn.dynamic_rnn``).
``elems`` (and ``initializer``, the outputs) may be nested lists/tuples of tensors.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import constant, convert_to_tensor
from ..core.graph import get_default_graph
from ..core.shapes import TensorShape
from .array_ops import concat, expand_dims, reshape
from .compare_ops import greater_equal, less
from .control_flow_ops import _describe, _flatten, _pack, _same_structure, while_loop
from .index_ops import gather
from .selection_ops import shape

__all__ = ["map_fn", "scan", "foldl", "foldr"]


# ----------------------------------------------------------------------------- shared pieces
def _elements(elems, fn):
    """The flat tensors of ``elems`` (each at least 1-D) and their number of elements ``n``:
    a Python int when known while building, else a scalar tensor read at run time."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    flat = [convert_to_tensor(e, name="elem") for e in _flatten(elems)]
    if not flat:
        raise ValueError("elems must be a tensor or a (nested) list/tuple of tensors, got an empty "
                         "structure.")
    for t in flat:
        if t._dims is not None and len(t._dims) < 1:
            raise ValueError("elems must be a 1+ dimensional Tensor, not a scalar" if len(flat) == 1
                             else f"elements in elems must be 1+ dimensional Tensors, not scalars "
                                  f"({t.name} is a scalar)")
    n_static = TensorShape([None])
    for t in flat:
        if t._dims is not None:
            n_static = _merge_first(n_static, t)
    n = n_static.dims[0]
    return flat, (n if n is not None else shape(flat[0])[0])


def _merge_first(n_static, t):
    try:
        return n_static.merge_with(TensorShape([t._dims[0]]))
    except ValueError:
        raise ValueError(f"All elements of elems must have the same first dimension: {t.name} has "
                         f"{t._dims[0]} but another has {n_static.dims[0]}.") from None


def _read(flat, i, structure):
    """Element ``i`` of every tensor of ``elems``, packed as ``elems``."""
    return _pack(structure, iter([gather(t, i) for t in flat]))


def _append(acc, out, rows, first=False):
    """``acc`` (``rows`` outputs so far, of any shape while building) with ``out`` added as a new
    last row (first row with ``first``). The reshape gives an empty start its row shape."""
    acc = reshape(acc, concat([expand_dims(rows, 0), shape(out)], 0))
    row = expand_dims(out, 0)
    return concat([row, acc] if first else [acc, row], 0)


def _empty(dtype):
    """No outputs yet: an empty accumulator, shaped by the first ``_append``."""
    return constant(np.zeros(0, dtype.np), dtype=dtype, name="no_outputs")


def _check_outputs(flat_out, dtypes, what, hint):
    for k, (t, d) in enumerate(zip(flat_out, dtypes)):
        if t.dtype != d:
            raise TypeError(f"{what}: output {k} of fn ({t.name}) is {t.dtype.name} but "
                            f"{d.name} was expected; {hint}")


def _structure_error(expected, got, what):
    return ValueError(f"The two structures don't have the same nested structure: {what} is "
                      f"{_describe(expected)} but fn returned {_describe(got)}.")


def _stacked(accs, n, row_dims):
    """The outputs after the loop shaped ``[n] + row shape``: static where known (TF1's
    set_shape), and a reshape when the rows' shape is fully known, so that no elements at all
    still give ``[0] + row shape``."""
    out = []
    for acc, dims in zip(accs, row_dims):
        if dims is not None and None not in dims:
            acc = reshape(acc, [n] + list(dims))
        elif dims is not None:
            acc.set_shape(TensorShape([n if isinstance(n, int) else None] + list(dims)))
        out.append(acc)
    return out


# ----------------------------------------------------------------------------- map_fn
def map_fn(fn, elems, dtype=None, parallel_iterations=10, back_prop=True, swap_memory=False,
           infer_shape=True, name=None):
    """``fn`` applied to each element of ``elems`` (unpacked along the first dimension), the
    results stacked (TF1's ``tf.map_fn``). ``fn`` returns the structure of ``elems`` unless
    ``dtype`` gives another one (a dtype, or a nested list/tuple of dtypes).
    ``parallel_iterations=None`` means 10, as in TF1's graph mode."""
    g = get_default_graph()
    with g.name_scope(name or "map"):
        flat, n = _elements(elems, fn)
        out_structure = elems if dtype is None else dtype
        out_dtypes = ([t.dtype for t in flat] if dtype is None
                      else [_dtypes.as_dtype(d) for d in _flatten(dtype)])
        row_dims = [None] * len(out_dtypes)

        def body(i, *accs):
            out = fn(_read(flat, i, elems))
            if not _same_structure(out_structure, out):
                raise _structure_error(out_structure, out, "dtype" if dtype is not None else "elems")
            flat_out = [convert_to_tensor(t) for t in _flatten(out)]
            _check_outputs(flat_out, out_dtypes, "map_fn", "give map_fn's dtype the structure and dtypes "
                           "fn returns (e.g. dtype=tf.int32 or dtype=(tf.float32, tf.int32)).")
            row_dims[:] = [t._dims for t in flat_out]
            return [i + 1] + [_append(a, t, i) for a, t in zip(accs, flat_out)]

        loop_vars = [constant(0, name="i")] + [_empty(d) for d in out_dtypes]
        invariants = [TensorShape([])] + [TensorShape(None)] * len(out_dtypes)
        results = while_loop(lambda i, *_: less(i, n), body, loop_vars, shape_invariants=invariants,
                             parallel_iterations=parallel_iterations or 10, back_prop=back_prop,
                             swap_memory=swap_memory, return_same_structure=True)
        accs = _stacked(results[1:], n, row_dims if infer_shape else [None] * len(row_dims))
        return _pack(out_structure, iter(accs))


# ----------------------------------------------------------------------------- scan
def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The running values of ``a = fn(a, x)`` over the elements ``x`` of ``elems``, stacked
    (TF1's ``tf.scan``). ``a`` starts as ``initializer``; without one, as the first element
    (the last with ``reverse``), which is then also the first output. ``reverse`` scans from the
    last element to the first; output ``k`` is still the value after element ``k``."""
    g = get_default_graph()
    with g.name_scope(name or "scan"):
        flat, n = _elements(elems, fn)
        init_structure = elems if initializer is None else initializer
        if initializer is None:
            start = n - 1 if reverse else 0
            a0 = [gather(t, start) for t in flat]
            accs0 = [expand_dims(a, 0) for a in a0]
            i0 = n - 2 if reverse else 1
        else:
            a0 = [convert_to_tensor(t) for t in _flatten(initializer)]
            accs0 = [_empty(a.dtype) for a in a0]
            i0 = n - 1 if reverse else 0

        def body(i, a, accs):
            out = fn(_pack(init_structure, iter(a)), _read(flat, i, elems))
            if not _same_structure(init_structure, out):
                raise _structure_error(init_structure, out,
                                       "the initializer" if initializer is not None else "elems")
            flat_out = [convert_to_tensor(t) for t in _flatten(out)]
            _check_outputs(flat_out, [t.dtype for t in a], "scan", "fn must return the dtypes of the "
                           "initializer (or of elems without one): cast it (tf.cast).")
            rows = (n - 1 - i) if reverse else i  # outputs so far
            new = [_append(acc, t, rows, first=reverse) for acc, t in zip(accs, flat_out)]
            return [i - 1 if reverse else i + 1, flat_out, new]

        invariants = [TensorShape([]), [TensorShape(a._dims) for a in a0], [TensorShape(None)] * len(a0)]
        cond = (lambda i, a, accs: greater_equal(i, 0)) if reverse else (lambda i, a, accs: less(i, n))
        _, _, accs = while_loop(cond, body, [convert_to_tensor(i0, dtype=_dtypes.int32), a0, accs0],
                                shape_invariants=invariants, parallel_iterations=parallel_iterations,
                                back_prop=back_prop, swap_memory=swap_memory)
        accs = _stacked(list(accs), n, [a._dims for a in a0] if infer_shape else [None] * len(a0))
        return _pack(init_structure, iter(accs))


# ----------------------------------------------------------------------------- foldl / foldr
def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """``fn(...fn(fn(initializer, x0), x1)..., x_{n-1})`` (TF1's ``tf.foldl``): the elements
    folded from the first; without ``initializer`` the first element starts the fold."""
    with get_default_graph().name_scope(name or "foldl"):
        return _fold(fn, elems, initializer, False, parallel_iterations, back_prop, swap_memory)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """``fn(...fn(fn(initializer, x_{n-1}), x_{n-2})..., x0)`` (TF1's ``tf.foldr``): the
    elements folded from the last; without ``initializer`` the last element starts the fold."""
    with get_default_graph().name_scope(name or "foldr"):
        return _fold(fn, elems, initializer, True, parallel_iterations, back_prop, swap_memory)


def _fold(fn, elems, initializer, reverse, parallel_iterations, back_prop, swap_memory):
    flat, n = _elements(elems, fn)
    structure = elems if initializer is None else initializer
    if initializer is None:
        a0 = [gather(t, n - 1 if reverse else 0) for t in flat]
        i0 = n - 2 if reverse else 1
    else:
        a0 = [convert_to_tensor(t) for t in _flatten(initializer)]
        i0 = n - 1 if reverse else 0

    def body(i, a):
        out = fn(_pack(structure, iter(a)), _read(flat, i, elems))
        if not _same_structure(structure, out):
            raise _structure_error(structure, out,
                                   "the initializer" if initializer is not None else "elems")
        return [i - 1 if reverse else i + 1, [convert_to_tensor(t) for t in _flatten(out)]]

    cond = (lambda i, a: greater_equal(i, 0)) if reverse else (lambda i, a: less(i, n))
    _, a = while_loop(cond, body, [convert_to_tensor(i0, dtype=_dtypes.int32), a0],
                      parallel_iterations=parallel_iterations, back_prop=back_prop,
                      swap_memory=swap_memory)
    return _pack(structure, iter(a))
