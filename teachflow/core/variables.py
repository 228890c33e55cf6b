"""Variables: named tensors whose values persist in a Session between runs.

A Variable *is* the output tensor of its ``VariableV2`` op, so it can be used wherever a
tensor can (and fed, which the cluster simulator uses to compute gradients at old
parameters). Its value lives in the session's ``SessionState`` (``sess.state``); ops that write it (Assign, optimizer
updates) take it as a *ref input*: the plan hands them the Variable itself, not its value.
The few ops a Variable builds around itself (``read``, a cast, the ``init`` group) are made by
their registered type, so this core module imports nothing from ``ops/``; ``get_variable`` and
variable scopes live in ``ops/variable_scope.py``.
"""
import numpy as np

from . import dtypes as _dtypes
from . import errors
from .errors import UNINITIALIZED_HINT
from .i18n import hint
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
            f"Attempting to use uninitialized value {var.op.name} in {op.name}."
            + hint(UNINITIALIZED_HINT).format(name=var.op.name), op) from None


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
                    init = g.create_op(OPS["Cast"], [init], {"DstT": _dtypes.as_dtype(dtype)},
                                       "Cast").outputs[0]
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
        return self.graph.create_op(OPS["Identity"], [self], {}, "read").outputs[0]

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


def _check_ref(kind, ref):
    if not isinstance(ref, Variable):
        what = f"the tensor {ref.name}" if isinstance(ref, Tensor) else repr(ref)
        raise TypeError(f"'{kind}' requires that input 'ref' be a mutable tensor (a tf.Variable), "
                        f"got {what}. Only variables can be assigned; to compute a new value, "
                        "use the op's result directly.")
    return ref


def _state_op(kind, var, value, name):
    var = _check_ref(kind, var)
    value = convert_to_tensor(value, dtype=var.dtype)
    return var.graph.create_op(OPS[kind], [var, value], {}, name or kind).outputs[0]


def assign(ref, value, validate_shape=True, use_locking=None, name=None):
    """``tf.assign(w, value)``: an op that sets ``w`` when run; its output is the new value."""
    ref = _check_ref("Assign", ref)
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
    """One op (a NoOp, as ``tf.group`` makes) that runs the initializers of ``var_list``."""
    g = get_default_graph()
    with g.control_dependencies([v.initializer for v in var_list]):
        return g.create_op(OPS["NoOp"], [], {}, name)


def global_variables_initializer():
    """One op (named ``init``) that initializes every global variable."""
    return variables_initializer(global_variables(), name="init")


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_local")


initialize_all_variables = global_variables_initializer
