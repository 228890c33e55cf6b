"""Optimizers with TF1's update rules, slot variables and op names.

``minimize`` = ``compute_gradients`` (tf.gradients) + ``apply_gradients`` (one Apply* op per
variable, under ``<Optimizer>/update_<var>/``). Each Apply* op is a node whose kernel writes
the variable and its slots (``w/Momentum``, ``w/Adam``, ``w/Adam_1`` ...) in the session.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core.constant import convert_to_tensor
from ..core.gradients import gradients
from ..core.graph import GraphKeys, Tensor, control_dependencies, get_default_graph, name_scope
from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt
from ..core.variables import Variable, assign_add, trainable_variables
from ..ops._util import make
from ..ops.control_ops import group
from ..ops.math_ops import cast


# --------------------------------------------------------------------------- the update ops
class _Apply(OpDef):
    """Base for training ops: inputs are (var, slot..., hyper-parameters..., grad)."""
    kind = "update"
    stateful = True
    differentiable = False
    slots = 0

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

    def bind(self, op, session):
        values = session._values
        update = self.make_update(op)
        refs = op.inputs[:1 + self.slots]

        def apply(*args):
            try:
                current = [values[r] for r in refs]
            except KeyError as e:
                from ..core.errors import FailedPreconditionError
                raise FailedPreconditionError(
                    f"Attempting to use uninitialized value {e.args[0].op.name} in {op.name}: run "
                    "tf.global_variables_initializer() after creating the optimizer.", op) from None
            new = update(*current, *args[1 + self.slots:])
            for r, v in zip(refs, new):
                values[r] = v
            return new[0]
        return apply


@register
class ApplyGradientDescent(_Apply):
    formula = "w ← w − η·∂L/∂w"
    latex = r"w \leftarrow w - \eta \, \partial L / \partial w"

    @staticmethod
    def update(w, lr, g):
        return (w - lr * g,)


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


@register
class ApplyAdam(_Apply):
    formula = ("m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  "
               "w ← w − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)")
    slots = 2

    @staticmethod
    def update(w, m, v, b1p, b2p, lr, b1, b2, eps, g):
        lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g * g)
        return w - lr_t * m / (np.sqrt(v) + eps), m, v


@register
class ApplyRMSProp(_Apply):
    formula = "ms ← ρ·ms + (1−ρ)g²;  mom ← μ·mom + η·g/√(ms + ε);  w ← w − mom"
    slots = 2

    @staticmethod
    def update(w, ms, mom, lr, rho, mu, eps, g):
        ms = rho * ms + (1 - rho) * (g * g)
        mom = mu * mom + lr * g / np.sqrt(ms + eps)
        return w - mom, ms, mom


@register
class ApplyCenteredRMSProp(_Apply):
    formula = "mg ← ρ·mg + (1−ρ)g;  ms ← ρ·ms + (1−ρ)g²;  mom ← μ·mom + η·g/√(ms − mg² + ε);  w ← w − mom"
    slots = 3

    @staticmethod
    def update(w, mg, ms, mom, lr, rho, mu, eps, g):
        mg = rho * mg + (1 - rho) * g
        ms = rho * ms + (1 - rho) * (g * g)
        mom = mu * mom + lr * g / np.sqrt(ms - mg * mg + eps)
        return w - mom, mg, ms, mom


@register
class ApplyAdagrad(_Apply):
    formula = "a ← a + g²;  w ← w − η·g/√a"
    slots = 1

    @staticmethod
    def update(w, a, lr, g):
        a = a + g * g
        return w - lr * g / np.sqrt(a), a


# --------------------------------------------------------------------------- optimizers
class Optimizer:
    """Base class: gradients, slots and the update ops for a list of variables."""

    def __init__(self, use_locking, name):
        self._name = name
        self._slots = {}  # slot name -> {var: slot variable}
        self._hyper = {}

    def get_name(self):
        return self._name

    # ----- slots
    def _slot(self, var, slot_name, init_value=0.0):
        d = self._slots.setdefault(slot_name, {})
        if var not in d:
            g = get_default_graph()
            full = f"{var.op.name}/{slot_name}"
            value = np.full(var.shape.as_list(), init_value, dtype=var.dtype.np)
            with g.name_scope(None):
                d[var] = Variable(value, trainable=False, name=full)
        return d[var]

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        out = [v for d in self._slots.values() for v in d.values()]
        return out + list(getattr(self, "_non_slot", {}).values())

    def _t(self, name, value, dtype):
        """A hyper-parameter as a tensor of ``dtype`` (made once per optimizer and dtype)."""
        key = (name, dtype)
        if key not in self._hyper:
            if isinstance(value, Tensor):
                self._hyper[key] = cast(value, dtype)
            else:
                self._hyper[key] = convert_to_tensor(value, dtype=dtype, name=name)
        return self._hyper[key]

    # ----- the TF1 protocol
    def compute_gradients(self, loss, var_list=None, gate_gradients=1, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """``[(gradient, variable), ...]`` of ``loss`` (None where a variable does not matter)."""
        loss = convert_to_tensor(loss)
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
        """One op that updates every variable with its gradient (and bumps ``global_step``)."""
        gv = [(g, v) for g, v in grads_and_vars]
        if not any(g is not None for g, _ in gv):
            raise ValueError("No gradients provided for any variable, check your graph for ops that "
                             "do not support gradients, between variables "
                             f"{[v.op.name for _, v in gv]} and loss.")
        g_ = get_default_graph()
        live = [(g, v) for g, v in gv if g is not None]
        for _, v in live:
            self._create_slots(v)
        with name_scope(name, self._name) as scope:
            updates = []
            for grad, var in live:
                with name_scope("update_" + var.op.name):
                    updates.append(self._apply_dense(grad, var))
            finish = self._finish(updates, "update" if global_step is not None else scope)
            if global_step is None:
                train = finish
            else:
                with control_dependencies([finish]):
                    train = assign_add(global_step, np.ones((), global_step.dtype.np), name=scope).op
        train_op = train if not isinstance(train, Tensor) else train.op
        g_.add_to_collection(GraphKeys.TRAIN_OP, train_op)
        return train_op

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """``apply_gradients(compute_gradients(loss, var_list), global_step)``."""
        gv = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        return self.apply_gradients(gv, global_step=global_step, name=name)

    def _create_slots(self, var):
        pass

    def _finish(self, updates, name):
        return group(*updates, name=name)

    def _apply_dense(self, grad, var):
        raise NotImplementedError


class GradientDescentOptimizer(Optimizer):
    """``w ← w − η·∂L/∂w``."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._lr = learning_rate

    def _apply_dense(self, grad, var):
        return make("ApplyGradientDescent", [var, self._t("learning_rate", self._lr, var.dtype), grad],
                    "ApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    """Heavy-ball momentum (``use_nesterov=True`` for Nesterov's variant), as TF1 writes it."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._lr, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var):
        self._slot(var, "Momentum")

    def _apply_dense(self, grad, var):
        a = self._slot(var, "Momentum")
        return make("ApplyMomentum", [var, a, self._t("learning_rate", self._lr, var.dtype),
                                      self._t("momentum", self._momentum, var.dtype), grad],
                    "ApplyMomentum", use_nesterov=bool(self._nesterov))


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) in TF1's form: bias correction folded into the step size, and the
    running powers ``beta1_power``/``beta2_power`` kept as variables."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False,
                 name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._b1, self._b2, self._eps = learning_rate, beta1, beta2, epsilon
        self._non_slot = {}

    def _create_slots(self, var):
        if not self._non_slot:
            g = get_default_graph()
            with g.name_scope(None):
                self._non_slot["beta1_power"] = Variable(np.asarray(self._b1, var.dtype.np),
                                                         trainable=False, name="beta1_power")
                self._non_slot["beta2_power"] = Variable(np.asarray(self._b2, var.dtype.np),
                                                         trainable=False, name="beta2_power")
        self._slot(var, "Adam")
        self._slot(var, "Adam_1")

    def _get_beta_accumulators(self):
        return self._non_slot["beta1_power"], self._non_slot["beta2_power"]

    def _apply_dense(self, grad, var):
        b1p, b2p = self._get_beta_accumulators()
        dt = var.dtype
        return make("ApplyAdam", [var, self._slot(var, "Adam"), self._slot(var, "Adam_1"),
                                  cast(b1p, dt), cast(b2p, dt), self._t("learning_rate", self._lr, dt),
                                  self._t("beta1", self._b1, dt), self._t("beta2", self._b2, dt),
                                  self._t("epsilon", self._eps, dt), grad], "ApplyAdam")

    def _finish(self, updates, name):
        b1p, b2p = self._get_beta_accumulators()
        with control_dependencies(updates):
            u1 = make("AssignMul", [b1p, self._t("beta1", self._b1, b1p.dtype)], "update_beta1")
            u2 = make("AssignMul", [b2p, self._t("beta2", self._b2, b2p.dtype)], "update_beta2")
        return group(*updates, u1, u2, name=name)


@register
class AssignMul(_Apply):
    """``w ← w·factor`` (used for Adam's running powers of β)."""
    formula = "w ← w · factor"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    @staticmethod
    def update(w, factor):
        return (w * factor,)


class RMSPropOptimizer(Optimizer):
    """RMSProp as in TF1 (mean-square slot starts at 1; optional momentum and centering)."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._mu, self._eps, self._centered = learning_rate, decay, momentum, epsilon, centered

    def _create_slots(self, var):
        self._slot(var, "RMSProp", 1.0)
        self._slot(var, "Momentum")
        if self._centered:
            self._slot(var, "MG")

    def _apply_dense(self, grad, var):
        dt = var.dtype
        hyper = [self._t("learning_rate", self._lr, dt), self._t("decay", self._rho, dt),
                 self._t("momentum", self._mu, dt), self._t("epsilon", self._eps, dt), grad]
        if self._centered:
            return make("ApplyCenteredRMSProp", [var, self._slot(var, "MG"), self._slot(var, "RMSProp"),
                                                 self._slot(var, "Momentum")] + hyper, "ApplyCenteredRMSProp")
        return make("ApplyRMSProp", [var, self._slot(var, "RMSProp"), self._slot(var, "Momentum")] + hyper,
                    "ApplyRMSProp")


class AdagradOptimizer(Optimizer):
    """Adagrad: per-coordinate step sizes shrinking with the sum of squared gradients."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0:
            raise ValueError(f"initial_accumulator_value must be positive, got {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr, self._init = learning_rate, initial_accumulator_value

    def _create_slots(self, var):
        self._slot(var, "Adagrad", self._init)

    def _apply_dense(self, grad, var):
        return make("ApplyAdagrad", [var, self._slot(var, "Adagrad"),
                                     self._t("learning_rate", self._lr, var.dtype), grad], "ApplyAdagrad")


# --------------------------------------------------------------------------- global step and schedules
def get_global_step(graph=None):
    g = graph or get_default_graph()
    steps = g.get_collection(GraphKeys.GLOBAL_STEP)
    return steps[0] if steps else None


def get_or_create_global_step(graph=None):
    """The int64 scalar variable ``global_step`` (created on first use, not trainable)."""
    g = graph or get_default_graph()
    step = get_global_step(g)
    if step is None:
        with g.as_default(), g.name_scope(None):
            step = Variable(np.zeros((), np.int64), trainable=False, name="global_step",
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
    return step


create_global_step = get_or_create_global_step


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``lr · decay_rate^(global_step / decay_steps)`` (floored exponent with ``staircase``)."""
    from ..ops.math_ops import floor, multiply, pow, truediv
    with name_scope(name, "ExponentialDecay"):
        lr = convert_to_tensor(learning_rate, dtype=_dtypes.float32, name="learning_rate")
        p = truediv(cast(global_step, _dtypes.float32), float(decay_steps))
        if staircase:
            p = floor(p)
        return multiply(lr, pow(convert_to_tensor(float(decay_rate)), p))
