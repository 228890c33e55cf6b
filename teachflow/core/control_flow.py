"""Control-flow contexts: which ops belong to a ``tf.cond`` branch or a ``tf.while_loop`` body.

While a branch or body function runs, the graph's current context is a ``ControlFlowContext``
(TF1 keeps a CondContext/WhileContext stack the same way). Every op created then belongs to
it (``op.context``) and is run only by the Cond/While op that owns the context, through a
sub-plan compiled with the same machinery as ``sess.run``; the outer plan never prunes such an
op into its straight-line code.

A tensor from outside that an op of the context reads is *captured*: it becomes an input of
the owning op, so the outer plan computes it first and the sub-plan is fed its value. A
gradient context (the backward pass of a branch or a loop body) also reads tensors of its
*forward* context: those are *stashed*, kept by the forward run (per iteration for a loop, as
TF1 keeps them on stacks) and fed to the backward sub-plan.
"""


class ControlFlowContext:
    """The ops built inside one branch, loop, or the gradient of one of them.

    ``kind``: "cond", "while", "cond_grad" or "while_grad"; ``label``: what a student reads
    ("true", "false", "body" ...); ``outer``: the enclosing context (None: the graph's top
    level); ``forward``: for a gradient context, the context whose values it reads."""

    def __init__(self, kind, label, outer=None, forward=None):
        self.kind, self.label, self.outer, self.forward = kind, label, outer, forward
        self.ops = []
        self.captures = {}          # outer tensor -> None, in order of first use
        self.stashed = {}           # tensor of ``forward`` -> None, in order of first use
        self.control_captures = []  # outer ops an op inside waits for
        self.gradients = []         # gradient contexts reading this one's values
        self.op = None              # the op that runs this context, once it exists
        if forward is not None:
            forward.gradients.append(self)

    def encloses(self, other):
        """Is ``other`` this context or one nested inside it?"""
        while other is not None:
            if other is self:
                return True
            other = other.outer
        return False

    def adopt(self, op):
        """Make ``op`` (just created while this context is current) one of its ops."""
        op.context = self
        self.ops.append(op)
        refs = op.opdef.ref_inputs
        for i, t in enumerate(op.inputs):
            if i not in refs:  # a variable an op writes is handed over as itself, never a value
                self._see(t, op)
        inner = []
        for c in op.control_inputs:
            if self.encloses(c.context):
                inner.append(c)
            elif c not in self.control_captures:
                self.control_captures.append(c)  # the owning op waits for it instead
        op.control_inputs = inner

    def capture(self, t):
        """Note that this context gives back ``t`` (a branch or body may return an outer tensor
        unchanged): made outside, it is captured like an input."""
        self._see(t, None)

    def _see(self, t, op):
        src = t.op.context
        if self.encloses(src):
            return
        if self.forward is not None and src is self.forward:
            self.stashed.setdefault(t)
            return
        if src is not None and not src.encloses(self) and not _reads_forward(self, src):
            user = f"an input of '{op.name}'" if op is not None else f"a result of {self.describe()}"
            raise ValueError(
                f"Cannot use '{t.name}' as {user}: it was made inside "
                f"{src.describe()}, and a value made there exists only while it runs. Return it "
                "from the branch or loop body and use the tf.cond/tf.while_loop output instead.")
        self.captures.setdefault(t)

    def describe(self):
        what = {"cond": "the {} branch of a tf.cond", "while": "the {} of a tf.while_loop",
                "cond_grad": "the gradient of a tf.cond's {} branch",
                "while_grad": "the gradient of a tf.while_loop's {}"}[self.kind]
        return what.format(self.label)

    def __repr__(self):
        return f"<ControlFlowContext {self.kind} {self.label}>"


def _reads_forward(ctx, src):
    """May ``ctx`` read ``src`` through an enclosing gradient context (captured there, stashed
    by the gradient context whose forward context made it)?"""
    c = ctx.outer
    while c is not None:
        if c.forward is not None and c.forward is src:
            return True
        c = c.outer
    return False


def check_top_level(op):
    """An op at the graph's top level may not read a value made inside a branch or loop."""
    for t in op.inputs:
        if t.op.context is not None:
            raise ValueError(
                f"Cannot use '{t.name}' as an input of '{op.name}': it was made inside "
                f"{t.op.context.describe()}, and a value made there exists only while it runs. "
                "Return it from the branch or loop body and use the tf.cond/tf.while_loop output.")
