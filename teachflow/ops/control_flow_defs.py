"""The ops behind ``tf.cond`` and ``tf.while_loop``: Arg, Cond, While and WhileGrad.

A Cond or While op is one op of the outer run plan. Its kernel runs *sub-plans*: the ops of a
branch or of the loop body (their ``ControlFlowContext``), compiled once with the same ``Plan``
machinery as ``sess.run`` and fed the values the op receives. Only the taken branch runs; the
body runs once per iteration. ``Arg`` ops stand for what a sub-plan is fed (a loop variable, an
incoming gradient). Each Cond/While op has one extra output, its *frame* (dtype ``variant``):
what the forward run keeps for the gradient -- the taken branch and the values the backward
pass reads, or one such record per iteration (TF1 pushes them on stacks). The gradient of a
Cond is a Cond over the branches' gradients; the gradient of a While is a WhileGrad op, which
runs the body's gradient backwards over the kept iterations.
"""
import numpy as np

from ..core import dtypes as _dtypes
from ..core import errors
from ..core.control_flow import ControlFlowContext
from ..core.graph import get_default_graph
from ..core.i18n import N_, _
from ..core.opdef import OPS, OpDef, register
from ..core.plan import Plan, PlanStep
from .creation_ops import zeros_like
from .gradients import gradients

# how a step inside a tf.cond says where it ran (the step-through shows it)
_BRANCH = {"true": N_("{cond}: true branch"), "false": N_("{cond}: false branch")}


@register
class Arg(OpDef):
    """What a branch or loop body is fed each time it runs (a loop variable, a gradient)."""
    formula = "the value fed to this branch / loop iteration"
    kind = "placeholder"
    differentiable = False

    def infer(self, op):
        return op.attrs["shape"], op.attrs["dtype"]

    def kernel(self, op):
        raise RuntimeError(f"{op.name} is fed by the tf.cond/tf.while_loop that runs it.")


def arg(dims, dtype, name):
    """An Arg op in the current context; its output tensor."""
    g = get_default_graph()
    return g.create_op(OPS["Arg"], [], {"shape": dims, "dtype": dtype}, name).outputs[0]


class Branch:
    """One sub-graph an op runs: its context, the Arg tensors fed from the op's inputs, and the
    tensors it gives back (in order)."""

    def __init__(self, ctx, args, outputs):
        self.ctx, self.args, self.outputs = ctx, list(args), list(outputs)
        for t in self.outputs:
            ctx.capture(t)  # an outer tensor given back unchanged is fed in like any input

    def stash(self):
        """The tensors of this branch that some gradient of it reads (kept in the frame)."""
        return list(dict.fromkeys(t for gctx in self.ctx.gradients for t in gctx.stashed))

    def compile(self, session, fetches=None):
        """The sub-plan: fetches (default: the outputs, then the stash) from the frame's
        stashed values, the Args and the captured outer tensors, in that order."""
        stash = self.stash()
        feeds = list(self.ctx.stashed) + self.args + list(self.ctx.captures)
        return Plan(session, (self.outputs + stash) if fetches is None else fetches, feeds,
                    context=self.ctx), stash


def _in_frame(gen, label):
    """Re-yield the PlanSteps of ``gen`` labelled with where they ran; return its result."""
    while True:
        try:
            step = next(gen)
        except StopIteration as stop:
            return stop.value
        step.frame = (label,) + step.frame
        yield step


def _drain(gen):
    """The result of a kernel generator run without stepping (it yields nothing then)."""
    try:
        next(gen)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("a control-flow kernel yielded a step while not stepping")


def _run(plan, values, label, stepping):
    """Run a sub-plan: straight through, or step by step (a generator either way)."""
    if not stepping:
        return plan.run(values)
    return (yield from _in_frame(plan.walk(values), label))


class Feeder:
    """How a sub-plan's feed values (``Branch.compile``'s order: stashed, Args, captures) are
    taken from the op's inputs, worked out once when the op is bound."""

    def __init__(self, op, ctx, first_arg, n_args):
        pos = {t: i for i, t in enumerate(op.inputs)}
        self.stashed = list(ctx.stashed)
        self.args = slice(first_arg, first_arg + n_args)
        self.caps = [pos[t] for t in ctx.captures]

    def values(self, inputs, frame_values=None, args=None):
        """The feed values; ``args`` replaces the op's own Args inputs (a loop's gradients)."""
        stashed = [frame_values[t] for t in self.stashed] if self.stashed else []
        args = list(inputs[self.args]) if args is None else list(args)
        return stashed + args + [inputs[i] for i in self.caps]


# ----------------------------------------------------------------------------- Cond
class CondSpec:
    """What a Cond op runs: ``branches`` (true, false), and how its inputs are laid out:
    ``[pred, frame?, args..., captures...]``."""

    def __init__(self, branches, n_args, has_frame):
        self.branches, self.n_args, self.has_frame = branches, n_args, has_frame

    @property
    def first_arg(self):
        return 2 if self.has_frame else 1

    @property
    def contexts(self):
        return [b.ctx for b in self.branches]

    def joins(self):
        """``[(context, tensors it gives the op)]``: where the picture joins a branch to the op."""
        return [(b.ctx, b.outputs) for b in self.branches]


@register
class Cond(OpDef):
    """Runs one of two branches, chosen by a boolean scalar; the other's ops do not run."""
    formula = "out = true branch if pred else false branch"
    latex = r"\mathrm{out} = \mathrm{pred}\ ?\ \mathrm{true}() : \mathrm{false}()"
    stateful = True  # a branch may write variables or draw random numbers

    def infer(self, op):
        spec = _spec(op, CondSpec)
        t, f = spec.branches
        out = []
        out = [(_common(a._dims, b._dims), a.dtype) for a, b in zip(t.outputs, f.outputs)]
        return out + [((), _dtypes.variant)]

    def bind(self, op, session):
        return CondKernel(op, session)

    def gradient(self, op, *grads):
        return cond_gradient(op, grads)


class CondKernel:
    """The bound Cond op: both branches compiled once; a call runs the taken one."""

    def __init__(self, op, session):
        self.op, self.spec = op, op.control_flow
        spec = self.spec
        self.plans = [b.compile(session) for b in spec.branches]
        self.feeders = [Feeder(op, b.ctx, spec.first_arg, spec.n_args) for b in spec.branches]
        self.n_out = len(spec.branches[0].outputs)

    def sub_plans(self):
        return [(f"{b.ctx.label} branch", plan) for b, (plan, _) in zip(self.spec.branches, self.plans)]

    def _values(self, taken, inputs):
        return self.feeders[taken].values(inputs, inputs[1][1] if self.spec.has_frame else None)

    def _result(self, taken, out):
        stash = self.plans[taken][1]
        return list(out[:self.n_out]) + [(taken, dict(zip(stash, out[self.n_out:])) if stash else {})]

    def __call__(self, *inputs):
        taken = 0 if inputs[0] else 1
        return self._result(taken, self.plans[taken][0].run(self._values(taken, inputs)))

    def steps(self, *inputs):
        """The same, stepped: the other branch's ops as skipped steps, then the taken one's."""
        taken = 0 if inputs[0] else 1
        branches, name = self.spec.branches, self.op.name
        skipped = (_(_BRANCH[branches[1 - taken].ctx.label]).format(cond=name),)
        for op in self.plans[1 - taken][0].ops:
            yield PlanStep(op, [], [], {}, skipped, True)
        label = _(_BRANCH[branches[taken].ctx.label]).format(cond=name)
        out = yield from _in_frame(self.plans[taken][0].walk(self._values(taken, inputs)), label)
        return self._result(taken, out)


def make_cond(pred, branches, args=(), frame=None, name="cond"):
    """A Cond op running ``branches`` (their contexts built already); its outputs."""
    g = get_default_graph()
    captures = list(dict.fromkeys(t for b in branches for t in b.ctx.captures))
    control = list(dict.fromkeys(c for b in branches for c in b.ctx.control_captures))
    inputs = [pred] + ([frame] if frame is not None else []) + list(args) + captures
    spec = CondSpec(branches, len(args), frame is not None)
    with g.control_dependencies(control):
        op = g.create_op(OPS["Cond"], inputs, {}, name, control_flow=spec)
    for b in branches:
        b.ctx.op = op
    return op


def cond_gradient(op, grads):
    """A Cond over the branches' gradients (the taken branch's, zeros from the other)."""
    g, spec = op.graph, op.control_flow
    n_out = len(spec.branches[0].outputs)
    outs = [j for j in range(n_out) if op.outputs[j].dtype.is_floating]
    first_cap = spec.first_arg + spec.n_args
    caps = [i for i in range(first_cap, len(op.inputs)) if op.inputs[i].dtype.is_floating]
    if not outs or not caps:
        return [None] * len(op.inputs)
    branches = []
    for b in spec.branches:
        gctx = ControlFlowContext("cond_grad", b.ctx.label, outer=g.flow_context, forward=b.ctx)
        with g.control_flow_context(gctx):
            dys = [arg(op.outputs[j]._dims, op.outputs[j].dtype, "dy") for j in outs]
            xs = [op.inputs[i] for i in caps]
            gr = gradients([b.outputs[j] for j in outs], xs, grad_ys=dys, within=b.ctx)
            gr = [x if x is not None else zeros_like(c) for x, c in zip(gr, xs)]
        branches.append(Branch(gctx, dys, gr))
    gop = make_cond(op.inputs[0], branches, [grads[j] for j in outs], op.outputs[-1], name="cond_grad")
    result = [None] * len(op.inputs)
    for k, i in enumerate(caps):
        result[i] = gop.outputs[k]
    return result


# ----------------------------------------------------------------------------- While
class WhileSpec:
    """What a While op runs: its context, the loop variables' Args, the condition's output,
    the body's outputs; inputs are ``[initial values..., captures..., maximum_iterations?]``."""

    def __init__(self, ctx, args, pred, outputs, has_max, back_prop):
        self.ctx, self.args, self.pred, self.outputs = ctx, args, pred, outputs
        self.body = Branch(ctx, args, outputs)
        ctx.capture(pred)
        self.captures, self.has_max, self.back_prop = list(ctx.captures), has_max, back_prop

    @property
    def contexts(self):
        return [self.ctx]

    def joins(self):
        return [(self.ctx, [self.pred])]  # the loop ends when the condition is false

    def back_edges(self):
        """``[(body output, loop variable it becomes)]``: the picture's back edges."""
        return list(zip(self.outputs, self.args))


@register
class While(OpDef):
    """Runs the body while the condition holds; outputs the loop variables' final values."""
    formula = "while cond(v): v = body(v)"
    latex = r"\mathbf{while}\ \mathrm{cond}(v):\ v \leftarrow \mathrm{body}(v)"
    stateful = True

    def infer(self, op):
        spec = _spec(op, WhileSpec)
        return [(a._dims, a.dtype) for a in spec.args] + [((), _dtypes.variant)]

    def bind(self, op, session):
        return WhileKernel(op, session)

    def gradient(self, op, *grads):
        return while_gradient(op, grads)


class WhileKernel:
    """The bound While op: condition and body compiled once; a call loops."""

    def __init__(self, op, session):
        spec = self.spec = op.control_flow
        self.op, self.n = op, len(spec.args)
        feeds = spec.args + list(spec.ctx.captures)
        self.cond = Plan(session, [spec.pred], feeds, context=spec.ctx)
        self.body, self.stash = spec.body.compile(session)
        self.keep = spec.back_prop and bool(spec.ctx.gradients)
        pos = {t: i for i, t in enumerate(op.inputs)}
        self.caps = [pos[t] for t in spec.ctx.captures]

    def sub_plans(self):
        return [("loop condition", self.cond), ("loop body", self.body)]

    def __call__(self, *inputs):
        return _drain(self.steps(*inputs, stepping=False))

    def steps(self, *inputs, stepping=True):
        n, spec = self.n, self.spec
        values = list(inputs[:n])
        caps = [inputs[i] for i in self.caps]
        limit = int(inputs[-1]) if spec.has_max else None
        stack, i = [], 0
        while limit is None or i < limit:
            label = (_("{loop}: iteration {number}").format(loop=self.op.name, number=i + 1)
                     if stepping else None)
            go = yield from _run(self.cond, values + caps, label, stepping)
            if not go[0]:
                break
            out = yield from _run(self.body, values + caps, label, stepping)
            if self.keep:
                stack.append(dict(zip(self.stash, out[n:])))
            values = list(out[:n])
            i += 1
        return values + [stack]


def while_gradient(op, grads):
    """A WhileGrad op: the body's gradient, run backwards once per forward iteration."""
    g, spec = op.graph, op.control_flow
    if not spec.back_prop:
        return [None] * len(op.inputs)
    n = len(spec.args)
    floats = [i for i in range(n) if spec.args[i].dtype.is_floating]
    caps = [t for t in spec.ctx.captures if t.dtype.is_floating]
    if not floats:
        return [None] * len(op.inputs)
    gctx = ControlFlowContext("while_grad", spec.ctx.label, outer=g.flow_context, forward=spec.ctx)
    with g.control_flow_context(gctx):
        dys = [arg(spec.args[i]._dims, spec.args[i].dtype, "dy") for i in floats]
        xs = [spec.args[i] for i in floats] + caps
        gr = gradients([spec.outputs[i] for i in floats], xs, grad_ys=dys, within=spec.ctx)
        d_args = [x if x is not None else zeros_like(a) for x, a in zip(gr[:len(floats)], xs)]
    cap_grads = [(c, x) for c, x in zip(caps, gr[len(floats):]) if x is not None]
    body = Branch(gctx, dys, d_args + [x for _, x in cap_grads])
    inputs = ([grads[i] for i in floats] + [op.outputs[-1]] + [c for c, _ in cap_grads]
              + list(gctx.captures))
    spec_g = WhileGradSpec(body, op, len(floats), [c for c, _ in cap_grads])
    with g.control_dependencies(gctx.control_captures):
        gop = g.create_op(OPS["WhileGrad"], inputs, {}, "while_grad", control_flow=spec_g)
    gctx.op = gop
    result = [None] * len(op.inputs)
    for k, i in enumerate(floats):
        result[i] = gop.outputs[k]
    pos = {t: i for i, t in enumerate(op.inputs)}
    for k, (c, _) in enumerate(cap_grads):
        result[pos[c]] = gop.outputs[len(floats) + k]
    return result


class WhileGradSpec:
    """What a WhileGrad op runs: the body's gradient (``body``: Args = incoming gradients of
    the float loop variables; outputs = their gradients one iteration back, then the captured
    tensors' gradients); inputs are ``[dys..., frame, captured tensors..., captures...]``."""

    def __init__(self, body, forward, m, caps):
        self.body, self.forward, self.m, self.caps = body, forward, m, caps

    @property
    def contexts(self):
        return [self.body.ctx]

    def joins(self):
        return [(self.body.ctx, self.body.outputs)]

    def back_edges(self):
        return list(zip(self.body.outputs[:self.m], self.body.args))


@register
class WhileGrad(OpDef):
    """The backward pass of a while loop: the body's gradient, last iteration first."""
    formula = "for each iteration, last first: ∂L/∂v ← body'(v)ᵀ·∂L/∂v; ∂L/∂w += ..."
    stateful = True

    def infer(self, op):
        spec = _spec(op, WhileGradSpec)
        return [(t._dims, t.dtype) for t in op.inputs[:spec.m]] + [(c._dims, c.dtype) for c in spec.caps]

    def bind(self, op, session):
        return WhileGradKernel(op, session)


class WhileGradKernel:
    def __init__(self, op, session):
        self.op, self.spec = op, op.control_flow
        self.plan, _ = self.spec.body.compile(session, fetches=self.spec.body.outputs)
        self.feeder = Feeder(op, self.spec.body.ctx, 0, 0)

    def sub_plans(self):
        return [("loop body's gradient, run once per iteration, last first", self.plan)]

    def __call__(self, *inputs):
        return _drain(self.steps(*inputs, stepping=False))

    def steps(self, *inputs, stepping=True):
        spec, m = self.spec, self.spec.m
        k = len(spec.caps)
        d, stack = list(inputs[:m]), inputs[m]
        acc = [np.zeros_like(v) for v in inputs[m + 1:m + 1 + k]]
        for j in range(len(stack) - 1, -1, -1):
            values = self.feeder.values(inputs, stack[j], d)
            label = (_("{loop}: backward iteration {number}").format(loop=spec.forward.name,
                                                                      number=j + 1)
                     if stepping else None)
            out = yield from _run(self.plan, values, label, stepping)
            d = list(out[:m])
            acc = [a + o for a, o in zip(acc, out[m:])]
        result = d + acc
        return result if len(result) > 1 else result[0]  # one output: the value itself


@register
class Assert(OpDef):
    """Fails the run with ``message`` when its boolean scalar input is false (tf.case's
    ``exclusive`` check)."""
    formula = "check: condition holds"
    stateful = True
    differentiable = False

    def infer(self, op):
        return []

    def kernel(self, op, ok):
        if not ok:
            raise errors.InvalidArgumentError(f"assertion failed: {op.attrs['message']}", op)


def assert_true(condition, message, name="Assert"):
    """An Assert op (run it, or make other ops depend on it)."""
    return get_default_graph().create_op(OPS["Assert"], [condition], {"message": message}, name)


# ----------------------------------------------------------------------------- helpers
def _spec(op, kind):
    spec = op.control_flow
    if not isinstance(spec, kind):
        raise ValueError(f"A {op.type} op ('{op.name}') is made by tf.cond/tf.while_loop, which "
                         "give it the branches or body it runs (a meta graph keeps them as data); it "
                         "cannot be built on its own.")
    return spec


def _common(a, b):
    """The most specific shape both ``a`` and ``b`` fit (unknown where they differ)."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))
