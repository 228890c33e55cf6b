"""Variable scopes and ``get_variable``: variables shared by name, as TF1's ``variable_scope.py``.

``with tf.variable_scope("hidden1", reuse=tf.AUTO_REUSE):`` names the variables
``get_variable`` makes (``hidden1/kernel``) and opens a name scope for the ops built inside.
"""
import contextlib

import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.graph import GraphKeys, Tensor, check_op_name, get_default_graph
from ..core.shapes import fmt
from ..core.variables import Variable
from . import init_ops


class _AutoReuse:
    def __repr__(self):
        return "tf.AUTO_REUSE"


AUTO_REUSE = _AutoReuse()


class VariableScope:
    """A named space for ``get_variable``: ``reuse`` decides whether names are shared."""

    def __init__(self, name, reuse=None, initializer=None, dtype=None, original_name_scope=""):
        self.name = name
        self.reuse = reuse
        self.initializer = initializer
        self.dtype = dtype
        self.original_name_scope = original_name_scope

    def reuse_variables(self):
        self.reuse = True

    def __repr__(self):
        return f"<VariableScope {self.name!r} reuse={self.reuse}>"


def get_variable_scope():
    stack = get_default_graph()._var_scope_stack
    return stack[-1] if stack else VariableScope("")


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, reuse=None,
                   dtype=None):
    """``with tf.variable_scope("hidden1", reuse=tf.AUTO_REUSE):`` -- names for get_variable
    (``hidden1/kernel``) and a name scope for the ops built inside."""
    g = get_default_graph()
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full, ns_name = name_or_scope.name, name_or_scope.original_name_scope or None
        reuse = name_or_scope.reuse if reuse is None else reuse
        initializer = initializer or name_or_scope.initializer
    else:
        if name_or_scope is None:
            if default_name is None:
                raise ValueError("variable_scope needs a name or a default_name.")
            leaf = _unique_var_scope(g, parent.name, default_name)
        else:
            leaf = name_or_scope
        full = f"{parent.name}/{leaf}" if parent.name else leaf
        ns_name = leaf
    if parent.reuse is True and reuse is None:
        reuse = True
    if parent.reuse is AUTO_REUSE and reuse is None:
        reuse = AUTO_REUSE
    with g.name_scope(ns_name) as ns:
        scope = VariableScope(full, reuse, initializer or parent.initializer,
                              dtype or parent.dtype, ns)
        g._var_scope_stack.append(scope)
        try:
            yield scope
        finally:
            g._var_scope_stack.pop()


def _unique_var_scope(g, parent, base):
    used = {name.split("/")[len(parent.split("/")) if parent else 0] for name in g._var_store
            if name.startswith(parent + "/" if parent else "")}
    if base not in used:
        return base
    i = 1
    while f"{base}_{i}" in used:
        i += 1
    return f"{base}_{i}"


def _variable_shape(full, shape, new=True):
    """A variable's shape as ints (``None`` allowed only when sharing an existing variable:
    a new one must be fully defined, TF1's rule), else a clear error."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    dims = getattr(shape, "dims", shape)  # a TensorShape
    if isinstance(dims, (str, bytes)):
        raise TypeError(f"get_variable({full!r}): shape must be a list of ints, got {shape!r}.")
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"get_variable({full!r}): shape must be a list of ints, got {shape!r}.") from None
    for d in dims:
        if d is None and not new:
            continue
        if d is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead "
                             f"was {fmt(dims)}.")
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(f"get_variable({full!r}): every dimension of the shape must be a "
                             f"non-negative int, got {d!r} in {shape!r}.")
    return tuple(None if d is None else int(d) for d in dims)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                 collections=None):
    """Create the variable ``<scope>/name``, or with ``reuse`` return the existing one."""
    g = get_default_graph()
    scope = get_variable_scope()
    if not isinstance(name, str):
        raise TypeError(f"get_variable: name must be a string (the first argument), got {name!r} "
                        f"({type(name).__name__}); call it as tf.get_variable('w', shape=[...]).")
    full = f"{scope.name}/{name}" if scope.name else name
    check_op_name(full, "variable name")
    if shape is not None:
        shape = _variable_shape(full, shape, new=full not in g._var_store)
    dtype = _dtypes.as_dtype(dtype or scope.dtype or _dtypes.float32)
    if full in g._var_store:
        if not scope.reuse:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        v = g._var_store[full]
        if shape is not None and not v.shape.is_compatible_with(shape):
            raise ValueError(f"Trying to share variable {full}, but specified shape {fmt(shape)} "
                             f"and found shape {fmt(v._dims)}.")
        if v.dtype != dtype:
            raise ValueError(f"Trying to share variable {full}, but specified dtype {dtype.name} "
                             f"and found dtype {v.dtype.name}.")
        return v
    if scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    init = initializer if initializer is not None else scope.initializer
    if init is None:
        init = init_ops.glorot_uniform_initializer() if dtype.is_floating else init_ops.zeros_initializer()
    if isinstance(init, (Tensor, np.ndarray, list, int, float)):
        initial = init if shape is None else (lambda: convert_to_tensor(init, dtype=dtype))
        if isinstance(init, Tensor):
            initial = init
    else:
        if shape is None:
            raise ValueError(f"get_variable({full!r}) needs a shape when the initializer is a function.")
        shape = tuple(shape)
        initial = lambda: init(shape, dtype=dtype)  # noqa: E731
    with g.name_scope(None):
        v = Variable(initial, trainable=trainable, collections=collections, name=full, dtype=dtype)
    g._var_store[full] = v
    if regularizer is not None:
        with g.name_scope(full + "/Regularizer/"):
            loss = regularizer(v)
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return v
