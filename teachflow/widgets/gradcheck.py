"""The gradient check: the gradient a trace computed symbolically, beside finite differences.

``GradCheck(trace)`` finds the loss (the forward output the backward pass was seeded from, or
``loss=``) and the trainable variables that got a gradient; ``check(variable)`` nudges the
variable's entries by ±eps, one at a time, re-runs the loss with the trace's feed and the
variables' values *at the start of the trace* (whatever the cursor has written since), and
compares (L(w+eps) − L(w−eps)) / 2eps with the symbolic gradient: a ``GradCheckResult``.
``GradCheckPanel`` is the widget: a variable menu, a Check button and the result table.

The engine computes in float32, so eps must not be tiny: 1e-3 balances the truncation error of
central differences (~eps²) against float32 rounding of the loss (~1e-7 / eps).
"""
import html

import numpy as np

from ..core.graph import GraphKeys
from ..core.i18n import N_, _
from ..testing import numeric_gradient, relative_error
from ..core.formatting import number, pad
from ..core.formatting import value_shape as shape_text
from .tables import CSS

EPS = 1e-3
MAX_ENTRIES = 200   # larger variables are checked on a seeded sample of this many entries
AGREE, CLOSE = 1e-4, 1e-2


def loss_of(trace):
    """The tensor the trace's backward pass started from (the input of its ``grad_ys``
    OnesLike seed), or None when the run had no backward pass."""
    for s in trace:
        op = s.op
        if s.phase == "backward" and op.type == "OnesLike" and op.gradient_of is not None and op.inputs:
            return op.inputs[0]
    return None


def gradient_targets(trace):
    """``{gradient tensor: forward tensor t it is ∂L/∂t of}`` for the backward steps of a trace:
    the op that finishes a rule (its ``wrt``), an AddN summing the paths into t, and the seed
    (``∂L/∂L = 1``)."""
    of = {}
    for s in trace:
        if s.phase != "backward" or not s.outputs:
            continue
        op = s.op
        target = s.wrt
        if target is None and op.type == "AddN":
            parts = {of.get(t) for t in op.inputs}
            if len(parts) == 1 and None not in parts:
                target = parts.pop()
        if target is None and op.type == "OnesLike" and op.gradient_of is not None and op.inputs:
            target = op.inputs[0]
        if target is not None:
            of[op.outputs[0]] = target
    return of


def gradients_by_tensor(trace):
    """``{forward tensor t: ∂L/∂t as computed in the trace}``: the value of the gradient op whose
    ``wrt`` is t; where several paths meet, the AddN that sums their gradients (it runs last)."""
    return {target: trace.value(g) for g, target in gradient_targets(trace).items()}


def variables_read(trace):
    """``{variable tensor: value}`` for every variable the forward pass read (start values)."""
    return {s.op.outputs[0]: s.output for s in trace
            if s.phase == "forward" and s.op.opdef.kind == "variable"}


class GradCheckResult:
    """One check: ``symbolic`` and ``numeric`` (arrays of the variable's shape; ``numeric`` is NaN
    where an entry was not sampled), ``entries`` (flat indices checked), ``error`` (relative
    error over those entries, see ``teachflow.testing.relative_error``), ``eps``."""

    def __init__(self, variable, symbolic, numeric, entries, eps):
        self.variable, self.symbolic, self.numeric = variable, symbolic, numeric
        self.entries, self.eps = entries, eps
        sym, num = symbolic.reshape(-1)[entries], numeric.reshape(-1)[entries]
        self.error = relative_error(sym, num)

    @property
    def name(self):
        return self.variable.name[:-2] if self.variable.name.endswith(":0") else self.variable.name

    @property
    def verdict(self):
        if self.error < AGREE:
            return _("the symbolic and the numeric gradient agree")
        if self.error < CLOSE:
            return _("close, but not equal: float32 rounding, or try another eps")
        return _("they differ: a wrong gradient rule?")

    def rows(self, limit=10):
        """``[(index text, symbolic, numeric)]`` for the first ``limit`` checked entries."""
        shape = self.symbolic.shape
        out = []
        for i in self.entries[:limit]:
            idx = np.unravel_index(int(i), shape) if shape else ()
            out.append(("[" + ",".join(str(int(k)) for k in idx) + "]",
                        float(self.symbolic.reshape(-1)[i]), float(self.numeric.reshape(-1)[i])))
        return out

    def table(self, limit=10, digits=4):
        """Plain text: the first entries side by side, then the relative error."""
        n, size = len(self.entries), self.symbolic.size
        which = (_("all {size} entries") if n == size else _("{n} of {size} entries")).format(n=n, size=size)
        lines = [_("gradient check of {name} ({shape}, {which}, eps = {eps})").format(
                     name=self.name, shape=shape_text(self.symbolic), which=which, eps=f"{self.eps:g}"),
                 "  " + pad(_("entry"), 8) + pad(_("symbolic"), 12, True) + pad(_("numeric"), 12, True)]
        for idx, s, m in self.rows(limit):
            lines.append(f"  {idx:<8}{number(s, digits):>12}{number(m, digits):>12}")
        if n > limit:
            lines.append("  " + _("... {n} more").format(n=n - limit))
        return "\n".join(lines)

    def __str__(self):
        return self.table() + "\n" + _("relative error {error}: {verdict}").format(
            error=f"{self.error:.1e}", verdict=self.verdict)

    def html(self, limit=10):
        rows = "".join(f"<tr><td>{idx}</td><td>{number(s)}</td><td>{number(m)}</td>"
                       f"<td>{number(s - m, 2)}</td></tr>" for idx, s, m in self.rows(limit))
        n, size = len(self.entries), self.symbolic.size
        which = (_("all {size} entries") if n == size else
                 _("{n} of {size} entries (a seeded sample)")).format(n=n, size=size)
        color = "#2e7d32" if self.error < AGREE else "#b35f00" if self.error < CLOSE else "#b71c1c"
        e = html.escape
        more = "<tr><td colspan='4'>" + e(_("… {n} more").format(n=n - limit)) + "</td></tr>" if n > limit else ""
        heads = "".join("<th>" + e(_(h)) + "</th>" for h in (N_("entry"), N_("symbolic"), N_("numeric"), N_("difference")))
        error = e(_("relative error {error}: {verdict}")).format(error=f"<b>{self.error:.2e}</b>",
                                                                 verdict=e(self.verdict))
        return (f"{CSS}<div style='line-height:1.4'><b>{e(self.name)}</b> ({shape_text(self.symbolic)}, {e(which)}, "
                f"eps = {self.eps:g})</div>"
                f"<table class='tf-values'><tr>{heads}</tr>{rows}{more}</table>"
                f"<div class='tf-gradcheck-error' style='color:{color};line-height:1.4'>{error}</div>")

    def __repr__(self):
        return f"<GradCheckResult {self.name}: relative error {self.error:.2e}>"


class GradCheck:
    """Symbolic gradients of a trace beside central differences (see the module docstring).
    ``variables``: the trainable variables with a gradient in the trace, in the order read."""

    def __init__(self, trace, loss=None, eps=EPS, max_entries=MAX_ENTRIES, seed=0):
        self.trace, self.eps, self.max_entries, self.seed = trace, eps, max_entries, seed
        g = trace.session.graph
        self.loss = g.as_graph_element(loss) if isinstance(loss, str) else loss
        if self.loss is None:
            self.loss = loss_of(trace)
        self.grads = gradients_by_tensor(trace)
        self.start = variables_read(trace)
        trainable = set(g.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        self.variables = [v for v in self.start if v in trainable and v in self.grads]

    def variable(self, v):
        """A variable given as itself or by name (``"layer1/weights"``)."""
        if isinstance(v, str):
            for w in self.variables:
                if w.name == v or w.op.name == v:
                    return w
            raise KeyError(f"{v!r} is not a trainable variable with a gradient in this trace; "
                           f"choose one of {[w.op.name for w in self.variables]}")
        return v

    def check(self, variable, eps=None):
        """A ``GradCheckResult`` for ``variable`` (name or tensor)."""
        if self.loss is None:
            raise ValueError("This trace has no backward pass, so there is no loss to check: trace "
                             "a training step (minimize) or pass loss=.")
        v = self.variable(variable)
        if v not in self.grads:
            raise KeyError(f"The trace computed no gradient for {v.name}.")
        eps = self.eps if eps is None else eps
        symbolic = np.asarray(self.grads[v], dtype=np.float64)
        value = np.asarray(self.start[v], dtype=np.float64)
        feed = dict(self.trace.feed_dict)
        feed.update({w: val for w, val in self.start.items() if w is not v})
        sess = self.trace.session
        size = value.size
        if size <= self.max_entries:
            numeric = numeric_gradient(sess, self.loss, v, feed, value, eps)
            entries = np.arange(size)
        else:
            rng = np.random.default_rng(self.seed)
            entries = np.sort(rng.choice(size, self.max_entries, replace=False))
            numeric = numeric_gradient(sess, self.loss, v, feed, value, eps, entries=entries)
        return GradCheckResult(v, symbolic, numeric, entries, eps)


class GradCheckPanel:
    """The gradient check as a widget: a Dropdown of variables (``tf-gradcheck-variable``), a
    Check button (``tf-gradcheck-run``) and the result (``tf-gradcheck-result``). Choosing a
    variable checks it at once; ``result`` is the last ``GradCheckResult``."""

    def __init__(self, trace, loss=None, eps=EPS, max_entries=MAX_ENTRIES):
        import ipywidgets as W
        self.checker = GradCheck(trace, loss=loss, eps=eps, max_entries=max_entries)
        names = [v.op.name for v in self.checker.variables]
        self.dropdown = W.Dropdown(options=names, value=None, description=_("variable"),
                                   layout=W.Layout(width="320px"))
        self.eps = W.FloatLogSlider(value=eps, base=10, min=-7, max=-1, step=1, description="eps",
                                    readout_format=".0e", layout=W.Layout(width="280px"))
        self.button = W.Button(description=_("check"), icon="check", tooltip=_("central differences"))
        self.output = W.HTML()
        for w, cls in ((self.dropdown, "tf-gradcheck-variable"), (self.button, "tf-gradcheck-run"),
                       (self.output, "tf-gradcheck-result"), (self.eps, "tf-gradcheck-eps")):
            w.add_class(cls)
        loss = self.checker.loss
        loss_name = (loss.name[:-2] if loss.name.endswith(":0") else loss.name) if loss is not None else "L"
        head = W.HTML("<b>" + html.escape(_("Gradient check")) + "</b>: " + html.escape(
            _("∂{loss}/∂variable, symbolic (from the backward pass) beside (L(w+eps) − L(w−eps)) / 2eps")
            .format(loss=loss_name)))
        self.box = W.VBox([head, W.HBox([self.dropdown, self.eps, self.button]), self.output])
        self.box.add_class("tf-gradcheck")
        self.result = None
        if self.checker.loss is None or not names:
            self.output.value = "<i>" + html.escape(_("Nothing to check: this trace has no backward pass "
                                                      "(trace a training step, or pass loss=).")) + "</i>"
            self.button.disabled = self.dropdown.disabled = True
        self.button.on_click(lambda _b: self.run())
        self.dropdown.observe(lambda _c: self.run(), names="value")

    def run(self, variable=None):
        """Check ``variable`` (default: the one chosen) and show the result."""
        if variable is not None:
            name = variable if isinstance(variable, str) else variable.op.name
            if self.dropdown.value != name:
                self.dropdown.value = name     # its observer runs the check
                return self.result
        if self.dropdown.value is None:
            return None
        self.result = self.checker.check(self.dropdown.value, eps=self.eps.value)
        self.output.value = self.result.html()
        return self.result

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)
