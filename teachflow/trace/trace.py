"""Step through one ``sess.run``: every op it executes, in order, forward -> backward -> update.

``step_through(sess, fetches, feed_dict)`` executes the run once, op by op, on a *shadow* copy
of the session's variables (the same kernels ``sess.run`` uses), and records each op's inputs
and outputs. The Trace is then a cursor: moving through forward and backward steps changes
nothing; moving past an update step writes what that op writes into the real session, and
moving back before it restores the earlier value.
"""
import copy

from ..core.graph import Operation, Tensor
from ..core.session import Session, _flatten
from .explain import shape_str, summary, to_latex

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
            return "∂L/∂L = 1 (the seed of the backward pass)"
        if self.op.type == "AddN" and f is not None:
            return "∂L/∂t = Σ over the paths through t (gradients from several consumers add up)"
        own = self.op.opdef.formula or self.op.type
        if f is not None:  # an intermediate op of a backward rule
            rules = "; ".join(r for r in f.opdef.grad_formulas if r)
            return f"{own}   (a part of {f.type}'s rule: {rules})" if rules else own
        return own

    def explain(self):
        """One line of plain text with real shapes (and real numbers for small tensors)."""
        op = self.op
        out = summary(self.output)
        if self.phase == "forward":
            if op.opdef.kind in ("placeholder", "variable", "constant"):
                what = {"placeholder": "fed", "variable": "reads variable", "constant": "constant"}[op.opdef.kind]
                return f"{op.name} ({what}) = {out}"
            ins = ", ".join(shape_str(v) for v in self.inputs)
            return f"{op.name}: {op.opdef.formula or op.type}   ({ins} → {shape_str(self.output)}) = {out}"
        if self.phase == "backward":
            target = f"∂L/∂{_short(self.wrt.name)}" if self.wrt is not None else op.name
            head = f"backward of {self.forward_op.name}: " if self.forward_op is not None else ""
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
        leaves = []
        if isinstance(fetches, (Tensor, Operation, str)):
            leaves = [fetches]
        else:
            _flatten(fetches, leaves)
        g = sess.graph
        targets = [g.as_graph_element(x) for x in leaves]
        feeds = {g.as_graph_element(k): v for k, v in (feed_dict or {}).items()}
        self.feed_dict = feeds
        fed_values = sess._feed_values(_FeedCheck(list(feeds)), feeds) if feeds else []
        fed = dict(zip(feeds, fed_values))
        ops = _ops_to_run(targets, fed)
        phases = {}
        for op in ops:
            phases[op] = _phase(op, phases)
        order = sorted(ops, key=lambda o: (PHASES.index(phases[o]), o._id))
        self._snapshot = dict(sess._values)
        shadow = Session.__new__(Session)
        shadow.graph, shadow._values, shadow._rngs, shadow._plans = g, dict(sess._values), \
            copy.deepcopy(sess._rngs), {}
        shadow._closed = False
        env = dict(fed)
        self.steps = []
        for op in order:
            if not op.outputs and not op.opdef.stateful:
                continue
            if op.opdef.kind == "placeholder" and op.outputs[0] in fed:
                ins, outs = [], [fed[op.outputs[0]]]
            else:
                refs = op.opdef.ref_inputs
                ins = [t if i in refs else env[t] for i, t in enumerate(op.inputs)]
                before = {t: shadow._values.get(t) for i, t in enumerate(op.inputs) if i in refs}
                result = op.opdef.bind(op, shadow)(*ins)
                outs = list(result) if len(op.outputs) > 1 else ([result] if op.outputs else [])
                ins = [shadow._values.get(t) if i in refs else v for i, (t, v) in
                       enumerate(zip(op.inputs, ins))]
            for t, v in zip(op.outputs, outs):
                env.setdefault(t, v)
            writes = {}
            if phases[op] == "update":
                writes = {t: (before[t], shadow._values.get(t)) for t in before}
                writes.update({t: (self._snapshot.get(t), shadow._values[t]) for t in shadow._values
                               if t not in writes and shadow._values[t] is not self._snapshot.get(t)
                               and not any(s.writes.get(t) for s in self.steps)})
            incoming = env.get(op.grad_incoming) if op.grad_incoming is not None else None
            self.steps.append(Step(len(self.steps), op, phases[op], ins, outs, writes, incoming))
        self._values = env
        self._result_leaves = [env.get(t) if isinstance(t, Tensor) else None for t in targets]
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
        from ..core.session import _rebuild
        if isinstance(self.fetches, (Tensor, Operation, str)):
            return self._result_leaves[0]
        return _rebuild(self.fetches, iter(self._result_leaves), self.session.graph)

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
        values = self.session._values
        for t in self._touched:
            before = self._snapshot.get(t)
            if before is None:
                values.pop(t, None)
            else:
                values[t] = before
        for s in self.steps[:self.position + 1]:
            for t, (_, after) in s.writes.items():
                values[t] = after

    def __repr__(self):
        counts = {p: sum(1 for s in self.steps if s.phase == p) for p in PHASES}
        return (f"<Trace {len(self.steps)} steps: {counts['forward']} forward, {counts['backward']} "
                f"backward, {counts['update']} update; at step {self.position}>")


class _FeedCheck:
    """The part of a run plan that ``Session._feed_values`` needs to check feeds."""

    def __init__(self, feeds):
        self.feeds = feeds
        self.feed_np = [f.dtype.np for f in feeds]
        self.feed_dims = [f._dims for f in feeds]


def _ops_to_run(targets, fed):
    """Like the session's pruning, but keeping the placeholders that were fed (as steps)."""
    seen = set()
    stack = [t.op if isinstance(t, Tensor) else t for t in targets]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.opdef.kind == "placeholder" and op.outputs and op.outputs[0] in fed:
            continue
        refs = op.opdef.ref_inputs
        for i, t in enumerate(op.inputs):
            if i not in refs and t.op not in seen:
                stack.append(t.op)
        stack.extend(c for c in op.control_inputs if c not in seen)
    return sorted(seen, key=lambda o: o._id)


def step_through(sess, fetches, feed_dict=None):
    """Execute ``sess.run(fetches, feed_dict)`` op by op and return the replayable Trace."""
    return Trace(sess, fetches, feed_dict)
