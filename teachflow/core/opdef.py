"""OpDef: everything about one kind of operation, in one place.

An op type is a small class registered under its TF name (``"MatMul"``). It holds
- ``infer(op)``: the static shape rule -> ``[(shape, dtype), ...]`` (one pair per output);
- ``kernel(op, *values)``: the NumPy computation (or ``ufunc``, a NumPy function used as-is);
- ``gradient(op, *grads)``: the symbolic backward rule, building new ops, one result per input;
- ``formula`` / ``grad_formulas``: the human explanation shown by the stepper and the renderer.
Stateful ops (variables, assignments, random numbers) override ``bind(op, session)`` to reach
the session's variable values or random streams.
"""
import functools

from .shapes import ShapeError, fmt

OPS = {}


def register(cls):
    """Class decorator: instantiate the OpDef and file it under ``cls.type`` (default: its name)."""
    if "type" not in cls.__dict__:
        cls.type = cls.__name__
    if cls.type in OPS:
        raise ValueError(f"Op type {cls.type!r} is registered twice.")
    OPS[cls.type] = cls()
    return cls


class OpDef:
    type = "OpDef"
    formula = ""           # forward rule, plain text: "C = A·B"
    latex = ""             # the same in LaTeX
    grad_formulas = ()     # one plain-text backward rule per input: "∂L/∂A = ∂L/∂C·Bᵀ"
    num_outputs = 1
    stateful = False       # True: must run even if nothing reads its output (assign, apply)
    differentiable = True  # False: tf.gradients stops here (returns None for its inputs)
    ufunc = None           # a NumPy callable taking the input values directly (fast path)
    ref_inputs = ()        # input positions that are variables to write (passed as Variables)
    kind = "op"            # for the renderer: op, placeholder, variable, constant, update, ...

    def infer(self, op):
        raise NotImplementedError(f"{self.type} has no shape rule")

    def kernel(self, op, *values):
        raise NotImplementedError(f"{self.type} has no kernel")

    def bind(self, op, session):
        """The callable a run plan calls with the input values."""
        if self.ufunc is not None:
            return self.ufunc
        return functools.partial(self.kernel, op)

    def gradient(self, op, *grads):
        """Symbolic gradients w.r.t. each input (None where not differentiable)."""
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {self.type}).")

    def explain(self, op):
        """One line saying what this node computes."""
        return self.formula or self.type

    def infer_checked(self, op):
        try:
            specs = self.infer(op)
        except ShapeError as e:
            shapes = ", ".join(fmt(t._dims) for t in op.inputs)
            scope = op.scope or "(root)"
            hint = f" Hint: {e.hint}." if e.hint else ""
            raise ShapeError(
                f"{e} for '{op.name}' (op: {self.type}, scope: {scope}) with input shapes: "
                f"{shapes}.{hint}", hint=e.hint) from None
        if self.num_outputs == 1 and specs and not isinstance(specs, list):
            specs = [specs]
        return specs
