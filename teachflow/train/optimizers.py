"""Optimizers with TF1's update rules, slot variables and op names.

``minimize`` = ``compute_gradients`` (tf.gradients) + ``apply_gradients`` (one Apply* op per
variable, under ``<Optimizer>/update_<var>/``). Each Apply* op is a node whose kernel writes
the variable and its slots (``w/Momentum``, ``w/Adam``, ``w/Adam_1`` ...) in the session.
"""
import contextlib

import numpy as np

from ..core.constant import convert_to_tensor
from ..core.graph import GraphKeys, Tensor, control_dependencies, get_default_graph, name_scope
from ..core.variables import Variable, assign_add, trainable_variables
from ..ops._util import make
from ..ops.control_ops import group
from ..ops.gradients import gradients
from ..ops.math_ops import cast
from . import update_ops  # noqa: F401  (registers the Apply* ops the optimizers add)


# --------------------------------------------------------------------------- optimizers
class Optimizer:
    """Base class: gradients, slots and the update ops for a list of variables.

    Slots follow TF1: ``get_slot(w, "m")`` is the variable ``w/Adam`` (named
    ``<var>/<optimizer name>``, made unique with ``_1``, ``_2`` in creation order); slots and
    non-slot variables (Adam's ``beta1_power``) are global, not trainable, and colocated with
    their variable.
    """

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name.")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}       # slot name ("m", "momentum", ...) -> {var: slot variable}
        self._non_slot = {}    # (name, graph) -> variable (Adam's beta powers)
        self._hyper = {}       # (name, dtype) -> tensor, rebuilt by every apply_gradients
        self._hyper_scope = None

    def get_name(self):
        return self._name

    def _check_hypers(self, **values):
        """Refuse a hyper-parameter that is not a number, a float tensor or a callable, at
        construction (TF1 fails later, inside ``minimize``, with a less direct message)."""
        for what, v in values.items():
            if callable(v) and not isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
                continue
            if isinstance(v, Tensor):
                if not v.dtype.is_floating:
                    raise TypeError(f"{type(self).__name__}: {what} must be a float tensor, got "
                                    f"{v.name} of dtype {v.dtype.name}.")
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"{type(self).__name__}: {what} must be a number (e.g. 0.01), a float "
                                f"tensor or a callable, got {v!r} ({type(v).__name__}).")
            if not np.isfinite(v):
                raise ValueError(f"{type(self).__name__}: {what} must be a finite number, got {v!r}.")

    # ----- slots
    def _get_or_make_slot(self, var, init_value, slot_name, op_name):
        """The slot ``slot_name`` of ``var``: a variable ``<var>/<op_name>`` filled with
        ``init_value``, created outside any control dependency or name scope (TF's init_scope)."""
        d = self._slots.setdefault(slot_name, {})
        if var not in d:
            g = var.graph
            if not var.shape.is_fully_defined():
                raise ValueError(f"{self._name} needs the full static shape of {var.op.name} to create "
                                 f"its slot {slot_name!r}, got {var.shape}.")
            value = np.full(var.shape.as_list(), init_value, dtype=var.dtype.np)
            with g.as_default(), g.name_scope(None), g.control_dependencies(None), g.device(var.device):
                d[var] = Variable(value, trainable=False, name=f"{var.op.name}/{op_name}")
        return d[var]

    def _zeros_slot(self, var, slot_name, op_name):
        return self._get_or_make_slot(var, 0.0, slot_name, op_name)

    def get_slot(self, var, name):
        """The slot variable ``name`` (``"m"``, ``"v"``, ``"momentum"``, ``"rms"``, ``"mg"``,
        ``"accumulator"``) of ``var``, or None."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        g = colocate_with.graph
        key = (name, g)
        v = self._non_slot.get(key)
        if v is None:
            with g.as_default(), g.name_scope(None), g.control_dependencies(None), \
                    g.device(colocate_with.device):
                v = Variable(initial_value, trainable=False, name=name)
            self._non_slot[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot.get((name, graph or get_default_graph()))

    def variables(self):
        """This optimizer's variables in the default graph (slots and non-slots), by name."""
        g = get_default_graph()
        out = [v for (_, vg), v in self._non_slot.items() if vg is g]
        out += [v for d in self._slots.values() for v in d.values() if v.graph is g]
        return sorted(out, key=lambda v: v.name)

    # ----- hyper-parameters
    def _t(self, name, value, dtype):
        """A hyper-parameter as a tensor of ``dtype``, made once per ``apply_gradients`` call in
        the optimizer's own scope (``Adam/learning_rate``). A Python number becomes a constant of
        the variable's dtype (so float64 models keep float64 precision); a tensor is cast."""
        key = (name, dtype)
        if key not in self._hyper:
            g = get_default_graph()
            with g.name_scope(self._hyper_scope) if self._hyper_scope else contextlib.nullcontext():
                if callable(value) and not isinstance(value, Tensor):
                    value = value()
                if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
                    t = cast(convert_to_tensor(value), dtype)
                else:
                    t = convert_to_tensor(value, dtype=dtype, name=name)
            self._hyper[key] = t
        return self._hyper[key]

    # ----- the TF1 protocol
    def compute_gradients(self, loss, var_list=None, gate_gradients=1, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """``[(gradient, variable), ...]`` of ``loss`` (None where a variable does not matter)."""
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        loss = convert_to_tensor(loss)
        if not loss.dtype.is_floating:
            raise TypeError(
                f"The loss must be a float tensor, but {loss.name} is {loss.dtype.name} (expected "
                f"float16, float32 or float64): gradients of integers do not exist. Compute the loss "
                f"in floats, e.g. tf.cast({loss.op.name}, tf.float32) before the ops that depend on "
                "the variables.")
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize: create tf.Variable(...)s before the optimizer, "
                             "or pass var_list=.")
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"var_list must hold tf.Variables, got {v!r}")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """One op that updates every variable with its gradient (and bumps ``global_step``).

        The op is named after the optimizer (``Adam``; with ``global_step`` that name goes to
        the step's AssignAdd, run after the group ``Adam/update``); each variable's update is
        ``Adam/update_<var>/ApplyAdam``."""
        gv = []
        for pair in grads_and_vars:
            try:
                g, v = pair
            except (TypeError, ValueError):
                raise TypeError(f"apply_gradients expects (gradient, variable) pairs, got {pair!r}") from None
            if not isinstance(v, Variable):
                raise TypeError(f"apply_gradients expects (gradient, variable) pairs, but {v!r} is not a "
                                "tf.Variable (are the pairs in the order (gradient, variable)?).")
            if g is not None:
                g = convert_to_tensor(g)
            gv.append((g, v))
        if not gv:
            raise ValueError("No variables provided to apply_gradients.")
        live = [(g, v) for g, v in gv if g is not None]
        if not live:
            raise ValueError(f"No gradients provided for any variable: {[v.op.name for _, v in gv]}.")
        g_ = live[0][1].graph
        with g_.as_default():
            self._create_slots([v for _, v in live])
            with name_scope(name, self._name) as scope:
                self._hyper, self._hyper_scope = {}, scope
                try:
                    updates = []
                    for grad, var in live:
                        with name_scope("update_" + var.op.name), g_.device(var.device):
                            updates.append(self._apply_dense(grad, var))
                    if global_step is None:
                        train_op = self._finish(updates, scope)
                    else:
                        with control_dependencies([self._finish(updates, "update")]), \
                                g_.device(global_step.device):
                            train_op = assign_add(global_step, np.ones((), global_step.dtype.np),
                                                  name=scope).op
                finally:
                    self._hyper_scope = None
            if isinstance(train_op, Tensor):
                train_op = train_op.op
            ref = g_.get_collection_ref(GraphKeys.TRAIN_OP)
            if train_op not in ref:
                ref.append(train_op)
        return train_op

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """``apply_gradients(compute_gradients(loss, var_list), global_step)``."""
        gv = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        if not any(g is not None for g, _ in gv):
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[v.op.name for _, v in gv]} and loss "
                f"{getattr(loss, 'name', loss)}: the loss does not depend on any of them (or only "
                "through ops without a gradient, such as tf.argmax or tf.cast to an integer).")
        return self.apply_gradients(gv, global_step=global_step, name=name)

    def _create_slots(self, var_list):
        pass

    def _finish(self, updates, name):
        return group(*updates, name=name)

    def _apply_dense(self, grad, var):
        raise NotImplementedError


class GradientDescentOptimizer(Optimizer):
    """``w ← w − η·∂L/∂w``."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._check_hypers(learning_rate=learning_rate)
        self._lr = learning_rate

    def _apply_dense(self, grad, var):
        return make("ApplyGradientDescent", [var, self._t("learning_rate", self._lr, var.dtype), grad],
                    "ApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    """Heavy-ball momentum (``use_nesterov=True`` for Nesterov's variant), as TF1 writes it.
    Slot ``"momentum"`` (the variable ``w/Momentum``) starts at 0."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._check_hypers(learning_rate=learning_rate, momentum=momentum)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        a = self.get_slot(var, "momentum")
        return make("ApplyMomentum", [var, a, self._t("learning_rate", self._lr, var.dtype),
                                      self._t("momentum", self._momentum, var.dtype), grad],
                    "ApplyMomentum", use_nesterov=bool(self._nesterov))


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) in TF1's form: bias correction folded into the step size, and the
    running powers ``beta1_power``/``beta2_power`` kept as variables (updated after every
    variable's ApplyAdam). Slots ``"m"`` and ``"v"`` are the variables ``w/Adam``, ``w/Adam_1``."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False,
                 name="Adam"):
        super().__init__(use_locking, name)
        self._check_hypers(learning_rate=learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)
        self._lr, self._b1, self._b2, self._eps = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        # TF1: the powers live beside the first variable by name, made once per graph
        first = min(var_list, key=lambda v: v.name)
        for name, beta in (("beta1_power", self._b1), ("beta2_power", self._b2)):
            init = beta if isinstance(beta, Tensor) else np.asarray(beta, first.dtype.np)
            self._create_non_slot_variable(init, name, first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _get_beta_accumulators(self, graph=None):
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _apply_dense(self, grad, var):
        b1p, b2p = self._get_beta_accumulators(var.graph)
        dt = var.dtype
        return make("ApplyAdam", [var, self.get_slot(var, "m"), self.get_slot(var, "v"),
                                  cast(b1p, dt), cast(b2p, dt), self._t("learning_rate", self._lr, dt),
                                  self._t("beta1", self._b1, dt), self._t("beta2", self._b2, dt),
                                  self._t("epsilon", self._eps, dt), grad], "ApplyAdam")

    def _finish(self, updates, name):
        b1p, b2p = self._get_beta_accumulators()
        # one update op per power (TF1 builds mul + assign; a single op keeps the
        # step-through's update phase made of update ops only)
        with control_dependencies(updates), get_default_graph().device(b1p.device):
            u1 = make("AssignMul", [b1p, self._t("beta1", self._b1, b1p.dtype)], "update_beta1")
            u2 = make("AssignMul", [b2p, self._t("beta2", self._b2, b2p.dtype)], "update_beta2")
        return group(*updates, u1, u2, name=name)


class RMSPropOptimizer(Optimizer):
    """RMSProp as in TF1: slot ``"rms"`` (mean square, starts at 1), ``"mg"`` (mean gradient,
    only when ``centered``) and ``"momentum"``, created in that order, so the variables are
    ``w/RMSProp``, (``w/RMSProp_1`` = mg,) and ``w/RMSProp_1`` or ``w/RMSProp_2`` = momentum."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._check_hypers(learning_rate=learning_rate, decay=decay, momentum=momentum, epsilon=epsilon)
        self._lr, self._rho, self._mu, self._eps = learning_rate, decay, momentum, epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, 1.0, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        hyper = [self._t("learning_rate", self._lr, dt), self._t("decay", self._rho, dt),
                 self._t("momentum", self._mu, dt), self._t("epsilon", self._eps, dt), grad]
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            return make("ApplyCenteredRMSProp", [var, self.get_slot(var, "mg"), rms, mom] + hyper,
                        "ApplyCenteredRMSProp")
        return make("ApplyRMSProp", [var, rms, mom] + hyper, "ApplyRMSProp")


class AdagradOptimizer(Optimizer):
    """Adagrad: per-coordinate step sizes shrinking with the sum of squared gradients.
    Slot ``"accumulator"`` (the variable ``w/Adagrad``) starts at ``initial_accumulator_value``."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._check_hypers(learning_rate=learning_rate,
                           initial_accumulator_value=initial_accumulator_value)
        self._lr, self._init = learning_rate, initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, self._init, "accumulator", self._name)

    def _apply_dense(self, grad, var):
        return make("ApplyAdagrad", [var, self.get_slot(var, "accumulator"),
                                     self._t("learning_rate", self._lr, var.dtype), grad], "ApplyAdagrad")
