"""Variables: named tensors whose values persist in a Session between runs.

A Variable *is* the output tensor of its ``VariableV2`` op, so it can be used wherever a
tensor can (and fed, which the cluster simulator uses to compute gradients at old
parameters). Its value lives in the session's ``SessionState`` (``sess.state``); ops that write it (Assign, optimizer
updates) take it as a *ref input*: the plan hands them the Variable itself, not its value.
"""
import contextlib

import numpy as np

from . import dtypes as _dtypes
from . import errors
from .constant import convert_to_tensor
from .graph import GraphKeys, Tensor, get_default_graph
from .opdef import OPS, OpDef, register
from .shapes import ShapeError, TensorShape, fmt


@register
class VariableV2(OpDef):
    """Reads the variable's current value from the session."""
    formula = "w = current value of the variable"
    kind = "variable"
    differentiable = False

    def infer(self, op):
        return op.attrs["shape"], op.attrs["dtype"]

    def bind(self, op, session):
        values, var, state = session.state.values, op.outputs[0], session.state

        def read():
            try:
                return values[var]
            except KeyError:
                return state.read(var)  # raises the error that says what to run first
        return read


class _StateOp(OpDef):
    """An op that writes a variable, given as ref input 0."""
    ref_inputs = (0,)
    stateful = True
    differentiable = False
    kind = "update"

    def infer(self, op):
        var, value = op.inputs[0], op.inputs[1]
        if var.dtype != value.dtype:
            raise ShapeError(f"{self.type}: the variable is {var.dtype.name} but the value is "
                             f"{value.dtype.name}", hint="tf.cast the value")
        try:
            TensorShape(var._dims).merge_with(value._dims)
        except ShapeError:
            if op.attrs.get("validate_shape", True):
                raise ShapeError(f"Shapes must be equal (variable {fmt(var._dims)}, value "
                                 f"{fmt(value._dims)})", hint="reshape the value") from None
        return var._dims, var.dtype


@register
class Assign(_StateOp):
    formula = "w ← value"

    def bind(self, op, session):
        values, dims = session.state.values, op.inputs[0]._dims

        def assign(var, value):
            value = np.array(value, dtype=var.dtype.np)  # a copy: later edits of a fed array don't leak in
            if dims is not None and op.attrs.get("validate_shape", True) and (
                    len(dims) != value.ndim or any(d is not None and d != s for d, s in zip(dims, value.shape))):
                raise errors.InvalidArgumentError(
                    f"Assign to {var.op.name}: value of shape {fmt(value.shape)} does not fit the "
                    f"variable's shape {fmt(dims)}.", op)
            values[var] = value
            return value
        return assign


def _current(values, var, op):
    try:
        return values[var]
    except KeyError:
        raise errors.FailedPreconditionError(
            f"Attempting to use uninitialized value {var.op.name} in {op.name}.", op) from None


@register
class AssignAdd(_StateOp):
    formula = "w ← w + delta"

    def bind(self, op, session):
        values = session.state.values

        def assign_add(var, delta):
            new = values[var] = _current(values, var, op) + delta
            return new
        return assign_add


@register
class AssignSub(_StateOp):
    formula = "w ← w − delta"

    def bind(self, op, session):
        values = session.state.values

        def assign_sub(var, delta):
            new = values[var] = _current(values, var, op) - delta
            return new
        return assign_sub


@register
class IsVariableInitialized(OpDef):
    formula = "is the variable set?"
    ref_inputs = (0,)
    differentiable = False

    def infer(self, op):
        return (), _dtypes.bool_

    def bind(self, op, session):
        state = session.state
        return lambda var: np.bool_(var in state)


class Variable(Tensor):
    """``tf.Variable(initial_value, name=...)``: a trainable parameter (by default).

    Creates three things, as TF1 does: the variable node ``name``, its initializer
    ``name/Assign``, and (when ``initial_value`` is a callable) ``name/Initializer/...``.
    """

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 name=None, dtype=None, expected_shape=None, constraint=None):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value (a value, a tensor or a callable).")
        g = get_default_graph()
        # like TF1's init_scope: a variable's own ops ignore surrounding control dependencies
        with g.control_dependencies(None), g.name_scope(name or "Variable") as scope:
            if callable(initial_value):
                with g.name_scope("Initializer"):
                    init = convert_to_tensor(initial_value(), dtype=dtype, name="initial_value")
            elif isinstance(initial_value, Tensor):
                init = initial_value
                if dtype is not None and init.dtype != _dtypes.as_dtype(dtype):
                    from ..ops.math_ops import cast
                    init = cast(init, dtype)
            else:
                init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
            shape = init._dims if validate_shape else None
            # the variable node is named after the scope itself (``w``; its ops are ``w/...``)
            op = g.create_op(OPS["VariableV2"], [], {"shape": shape, "dtype": init.dtype},
                             scope.rstrip("/"), exact_name=True)
        Tensor.__init__(self, op, 0, shape, init.dtype)
        op.outputs[0] = self
        self.initial_value = init
        self.trainable = trainable
        with g.control_dependencies(None), g.name_scope(scope):
            self.initializer = g.create_op(OPS["Assign"], [self, init],
                                           {"validate_shape": validate_shape}, "Assign")
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        g.add_to_collections(collections, self)

    # ----- TF1 Variable API
    def value(self):
        return self

    def read_value(self):
        from ..ops.array_ops import identity
        return identity(self, name="read")

    def initialized_value(self):
        return self.initial_value

    def assign(self, value, use_locking=False, name=None, read_value=True):
        return _state_op("Assign", self, value, name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return _state_op("AssignAdd", self, delta, name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return _state_op("AssignSub", self, delta, name)

    def load(self, value, session=None):
        """Set the value directly in ``session`` (no op is added to the graph)."""
        from .session import _session_or_default
        sess = _session_or_default(session, self)
        value = np.array(value, dtype=self.dtype.np)
        if not TensorShape(self._dims).is_compatible_with(value.shape):
            raise ValueError(f"Cannot load a value of shape {fmt(value.shape)} into {self.op.name} "
                             f"of shape {fmt(self._dims)}.")
        sess.state.write(self, value)

    def _as_graph_element(self):
        return self

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}_ref>"


def _state_op(kind, var, value, name):
    value = convert_to_tensor(value, dtype=var.dtype)
    return var.graph.create_op(OPS[kind], [var, value], {}, name or kind).outputs[0]


def assign(ref, value, validate_shape=True, use_locking=None, name=None):
    """``tf.assign(w, value)``: an op that sets ``w`` when run; its output is the new value."""
    value = convert_to_tensor(value, dtype=ref.dtype)
    return ref.graph.create_op(OPS["Assign"], [ref, value], {"validate_shape": validate_shape},
                               name or "Assign").outputs[0]


def assign_add(ref, value, use_locking=None, name=None):
    return _state_op("AssignAdd", ref, value, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return _state_op("AssignSub", ref, value, name)


def is_variable_initialized(variable):
    return variable.graph.create_op(OPS["IsVariableInitialized"], [variable], {},
                                    "IsVariableInitialized").outputs[0]


def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of ``var_list``."""
    from ..ops.control_ops import group
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """One op (named ``init``) that initializes every global variable."""
    return variables_initializer(global_variables(), name="init")


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_local")


initialize_all_variables = global_variables_initializer


# ----- variable scopes and get_variable (sharing by name)
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


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                 collections=None):
    """Create the variable ``<scope>/name``, or with ``reuse`` return the existing one."""
    g = get_default_graph()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
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
        from ..ops import init_ops
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
