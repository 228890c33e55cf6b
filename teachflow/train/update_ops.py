"""The ops an optimizer adds: one ``Apply*`` op per variable (kind "update"), whose kernel writes
the variable and its slots with TF1's update rule (``w ← w − η·∂L/∂w`` and its relatives)."""
import numpy as np

from ..core.opdef import OpDef, register
from ..core.shapes import ShapeError, fmt


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
        values = session.state.values
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
        step = lr * g  # a fresh array: reuse it for the result (one allocation, not two)
        if type(step) is np.ndarray and step.shape == np.shape(w):
            return (np.subtract(w, step, out=step),)
        return (w - step,)  # scalars (NumPy returns no array to write into)


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


@register
class AssignMul(_Apply):
    """``w ← w·factor`` (Adam's running powers of β)."""
    formula = "w ← w · factor"

    def infer(self, op):
        return op.inputs[0]._dims, op.inputs[0].dtype

    @staticmethod
    def update(w, factor):
        return (w * factor,)
