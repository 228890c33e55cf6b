"""Step through one ``sess.run``: every op it executes, in order, forward -> backward -> update.

``step_through(sess, fetches, feed_dict)`` walks the session's own run plan one op at a time
(``Plan.steps``: the very kernels ``sess.run`` calls, in the same order) and records each op's
inputs and outputs, shown phase by phase; the session's state is forked before and restored after, so tracing
changes nothing. The Trace is then a cursor: moving through forward and backward steps changes
nothing; moving past an update step writes what that op writes into the real session, and
moving back before it restores the earlier value.
"""
from ..core.graph import Tensor
from ..core.i18n import _
from ..core.formatting import summary
from ..core.formatting import value_shape as shape_str
from .explain import to_latex

PHASES = ("forward", "backward", "update")


class Step:
    """One executed op. ``inputs``/``outputs`` are the values; backward steps also know the
    forward op they differentiate (``forward_op``), the gradient flowing in (``incoming``) and
    the rule used (``rule``); update steps know ``writes``: ``{variable: (before, after)}``."""

    def __init__(self, index, op, phase, inputs, outputs, writes=None, incoming=None):
        self.index = index
        self.op = op
        self.phase = phase
        self.inputs = inputs
        self.outputs = outputs
        self.writes = writes or {}
        self.incoming = incoming

    @property
    def name(self):
        return self.op.name

    @property
    def output(self):
        return self.outputs[0] if self.outputs else None

    @property
    def forward_op(self):
        return self.op.gradient_of

    @property
    def wrt(self):
        """For the op that finishes a gradient rule: the forward input whose gradient it is."""
        f, i = self.op.gradient_of, self.op.grad_input_index
        return f.inputs[i] if f is not None and i is not None else None

    @property
    def rule(self):
        """The chain-rule step behind this op, in plain text."""
        f, i = self.op.gradient_of, self.op.grad_input_index
        if f is not None and i is not None and i < len(f.opdef.grad_formulas) and f.opdef.grad_formulas[i]:
            return f.opdef.grad_formulas[i]
        if f is not None and f.outputs and self.op.type == "OnesLike":
            return _("∂L/∂L = 1 (the seed of the backward pass)")
        if self.op.type == "AddN" and f is not None:
            return _("∂L/∂t = Σ over the paths through t (gradients from several consumers add up)")
        own = self.op.opdef.formula or self.op.type
        if f is not None:  # an intermediate op of a backward rule
            rules = "; ".join(r for r in f.opdef.grad_formulas if r)
            return _("{own}   (a part of {op}'s rule: {rules})").format(own=own, op=f.type, rules=rules) if rules else own
        return own

    def explain(self):
        """One line of plain text with real shapes (and real numbers for small tensors)."""
        op = self.op
        out = summary(self.output)
        if self.phase == "forward":
            if op.opdef.kind in ("placeholder", "variable", "constant"):
                what = {"placeholder": _("fed"), "variable": _("reads variable"),
                        "constant": _("constant")}[op.opdef.kind]
                return f"{op.name} ({what}) = {out}"
            ins = ", ".join(shape_str(v) for v in self.inputs)
            return f"{op.name}: {op.opdef.formula or op.type}   ({ins} → {shape_str(self.output)}) = {out}"
        if self.phase == "backward":
            target = f"∂L/∂{_short(self.wrt.name)}" if self.wrt is not None else op.name
            head = _("backward of {name}: ").format(name=self.forward_op.name) if self.forward_op is not None else ""
            return f"{head}{self.rule}   → {target} [{shape_str(self.output)}] = {out}"
        parts = [f"{_short(v.name)}: {summary(b)} → {summary(a)}" for v, (b, a) in self.writes.items()]
        return f"{op.name}: {op.opdef.formula or op.type}   " + "; ".join(parts)

    def latex(self):
        """The same step as a LaTeX line (for ``IPython.display.Math``)."""
        op = self.op
        if self.phase == "backward":
            rule = to_latex(self.rule)
            target = (r"\frac{\partial L}{\partial \mathtt{" + _tex_name(_short(self.wrt.name)) + "}}"
                      if self.wrt is not None else r"\mathtt{" + _tex_name(op.name) + "}")
            return rule + r"\quad\Rightarrow\quad " + target + r"\in\mathbb{R}^{" + _tex_shape(self.output) + "}"
        formula = to_latex(op.opdef.formula or op.type)
        name, value = op.name, self.output
        refs = op.opdef.ref_inputs
        if self.phase == "update" and refs and op.inputs[refs[0]] in self.writes:
            var = op.inputs[refs[0]]           # name the variable written, not the long op name
            name, value = _short(var.name), self.writes[var][1]
        return r"\mathtt{" + _tex_name(name) + r"}:\ " + formula + r"\quad\in\mathbb{R}^{" + _tex_shape(value) + "}"

    def __repr__(self):
        return f"<Step {self.index} {self.phase} {self.op.name} ({self.op.type})>"


def _short(name):
    return name[:-2] if name.endswith(":0") else name


def _tex_name(name):
    return name.replace("_", r"\_")


def _tex_shape(value):
    s = shape_str(value)
    return "1" if s == "scalar" else s.replace("×", r"\times ")


def _phase(op, phases):
    if op.opdef.kind == "update":
        return "update"
    if op.gradient_of is not None:
        return "backward"
    if any(phases.get(t.op) == "backward" for t in op.inputs):
        return "backward"
    return "forward"


class Trace:
    """The steps of one run, and a cursor over them (``position`` -1 means nothing has run)."""

    def __init__(self, sess, fetches, feed_dict=None):
        if sess.closed:
            raise RuntimeError("Attempted to step through a closed Session.")
        self.session = sess
        self.fetches = fetches
        g = sess.graph
        self.feed_dict = {g.as_graph_element(k): v for k, v in (feed_dict or {}).items()}
        plan = sess.plan(fetches, feed_dict)
        self._plan = plan
        state = sess.state
        self._snapshot = state.fork()  # the run writes the real state; restored right after
        env, phases, self.steps = {}, {}, []
        try:
            for ps in plan.steps(feed_dict):
                op = ps.op
                phases[op] = _phase(op, phases)
                for t, v in zip(op.outputs, ps.outputs):
                    env.setdefault(t, v)
                incoming = env.get(op.grad_incoming) if op.grad_incoming is not None else None
                writes = ps.writes if phases[op] == "update" else {}
                self.steps.append(Step(len(self.steps), op, phases[op], ps.inputs, ps.outputs,
                                       writes, incoming))
        finally:
            state.restore(self._snapshot)
        # shown phase by phase: a stable sort of the plan's order. Ops that need nothing of a
        # later phase but were created after it (the learning rate ``minimize`` adds) show forward.
        self.steps.sort(key=lambda s: PHASES.index(s.phase))
        for i, s in enumerate(self.steps):
            s.index = i
        self._values = env
        self._result_leaves = [env.get(t) if isinstance(t, Tensor) else None for t in plan.targets]
        self._touched = [t for s in self.steps for t in s.writes]
        self.position = -1

    # ----- sequence
    def __len__(self):
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __iter__(self):
        return iter(self.steps)

    def phase_range(self, phase):
        """``(first, last)`` step index of a phase, or None when the run has no such steps."""
        idx = [s.index for s in self.steps if s.phase == phase]
        return (idx[0], idx[-1]) if idx else None

    def value(self, tensor):
        """The value a tensor had in this run (any tensor the run computed or was fed)."""
        if isinstance(tensor, str):
            tensor = self.session.graph.as_graph_element(tensor)
        return self._values[tensor]

    @property
    def result(self):
        """What ``sess.run(fetches, feed_dict)`` returns for this run."""
        return self._plan.result(self.fetches, self._result_leaves)

    # ----- the cursor
    @property
    def current(self):
        return self.steps[self.position] if self.position >= 0 else None

    def goto(self, i):
        """Make step ``i`` the current one (-1: before the first); returns it."""
        if not -1 <= i < len(self.steps):
            raise IndexError(f"step {i} is not in this trace (0 to {len(self.steps) - 1}, or -1)")
        self.position = i
        self._sync_session()
        return self.current

    def next(self):
        return self.goto(min(self.position + 1, len(self.steps) - 1))

    def prev(self):
        return self.goto(max(self.position - 1, -1))

    def first(self):
        return self.goto(0 if self.steps else -1)

    def last(self):
        return self.goto(len(self.steps) - 1)

    def _sync_session(self):
        """Variables = the snapshot, plus the writes of every update step up to the cursor."""
        state = self.session.state
        for t in self._touched:
            before = self._snapshot.values.get(t)
            if before is None:
                state.forget(t)
            else:
                state.write(t, before)
        for s in self.steps[:self.position + 1]:
            for t, (_before, after) in s.writes.items():
                state.write(t, after)

    def __repr__(self):
        counts = {p: sum(1 for s in self.steps if s.phase == p) for p in PHASES}
        return (f"<Trace {len(self.steps)} steps: {counts['forward']} forward, {counts['backward']} "
                f"backward, {counts['update']} update; at step {self.position}>")


def step_through(sess, fetches, feed_dict=None):
    """Execute ``sess.run(fetches, feed_dict)`` op by op and return the replayable Trace."""
    return Trace(sess, fetches, feed_dict)
