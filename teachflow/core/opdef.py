"""OpDef: everything about one kind of operation, in one place.

An op type is a small class registered under its TF name (``"MatMul"``). It holds
- ``infer(op)``: the static shape rule -> ``[(shape, dtype), ...]`` (one pair per output);
- ``kernel(op, *values)``: the NumPy computation (or ``ufunc``, a NumPy function used as-is);
- ``gradient(op, *grads)``: the symbolic backward rule, building new ops, one result per input;
- ``formula`` / ``grad_formulas``: the human explanation shown by the stepper and the renderer.
Stateful ops (variables, assignments, random numbers) override ``bind(op, session)`` to reach
``session.state`` (a ``SessionState``: variable values and random streams).
"""
import functools

from . import i18n
from .errors import SHAPE_HINT
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
    batching = None        # how rows (axis 0) pass through, for big-batch slicing (see rowwise)
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

    def rowwise(self, op, batched):
        """Does row i of the output depend only on row i of the batched inputs (``batched``: one
        bool per input)? Then a big batch can run in slices (``core/slicing.py``). ``batching``
        names the usual rules: "elementwise" (the other operands broadcast without a batch
        axis), "all" (every input is batched), "first" (input 0 batched, the rest used whole)."""
        rule = ROW_RULES.get(self.batching)
        return rule(op, batched) if rule else False

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
                f"{shapes}.{hint}" + i18n.hint(SHAPE_HINT).format(name=op.name, shapes=shapes),
                hint=e.hint) from None
        if self.num_outputs == 1 and specs and not isinstance(specs, list):
            specs = [specs]
        return specs


def _elementwise_rows(op, batched):
    rank = len(op.outputs[0]._dims)
    for x, b in zip(op.inputs, batched):  # an unbatched operand must not reach axis 0
        if x._dims is None or (b and len(x._dims) != rank) or (
                not b and len(x._dims) == rank and x._dims[0] != 1):
            return False
    return rank >= 1


def _all_rows(op, batched):
    return all(batched)


def _first_rows(op, batched):
    return (batched[0] and not any(batched[1:]) and not op.attrs.get("transpose_a")
            and len(op.outputs[0]._dims) == len(op.inputs[0]._dims))


ROW_RULES = {"elementwise": _elementwise_rows, "all": _all_rows, "first": _first_rows}
