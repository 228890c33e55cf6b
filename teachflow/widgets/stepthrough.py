"""StepThrough: one ``sess.run`` of a training step, op by op, forward -> backward -> update.

``StepThrough(trace)`` (a ``teachflow.trace.step_through`` Trace) shows the graph with the
current node highlighted and the finished ones marked, buttons, Play with a speed control, a
step slider, the phase, the values going in and out of the current op (small matrices as
tables of numbers, larger tensors as heatmaps), the step's rule in words and in LaTeX, and a
gradient check. Moving the cursor moves the Trace's cursor, so the session's variables are
updated exactly when an update step is passed (and restored when going back).

Two pictures, toggled: ``"all"``, the graph with its gradient and update ops (each step is its
own node); ``"forward"``, the model alone with value | gradient written under each node
(micrograd style), where a backward step lights up the forward op whose rule it applies and an
update step the variable it writes. Each picture is laid out once (``GraphView``); a step only
re-colours it (``GraphView.highlight``), so stepping stays within a few milliseconds even for
a graph of 200 ops. Without Graphviz's ``dot`` (or after ``viz.set_renderer("browser")``) the
picture is a ``viz.browser`` GraphWidget: the page lays the graph out once with Graphviz-WASM and
re-colours it by node id at each step, with the same styles. The logic lives in plain classes: ``StepPicture`` (highlight per step),
``StepDetails`` (HTML and heatmaps per step), ``GradCheck`` (gradcheck.py); ``StepThrough`` only
wires them to ipywidgets, so tests drive it with ``button.click()`` and ``slider.value = i``.

CSS classes of the widget's parts (stable, for browser tests):

==================  ===========================================================================
tf-stepthrough      the whole widget (a VBox)
tf-step-first       button: go to the first step      tf-step-prev   button: one step back
tf-step-next        button: one step forward          tf-step-last   button: go to the last step
tf-step-play        ipywidgets.Play (jsdlink: Play -> slider, in the browser)
tf-step-speed       slider: milliseconds per step while playing (jsdlink -> Play's interval)
tf-step-slider      IntSlider, the current step index (0 .. n-1)
tf-step-counter     Label, text ``step i / n`` (i counts from 1), then where inside control flow
                    the op ran (``step 12 / 40 · while: iteration 3``)
tf-step-phase       HTML: ``forward a/b · backward c/d · update e/f``; the current phase's span has
                    class ``tf-phase-current`` and ``data-phase="forward|backward|update"``
tf-step-view        ToggleButtons: ``all`` (with gradient ops) or ``forward`` (value | gradient)
tf-step-graph       HTML (or, drawn in the browser, the GraphWidget) holding the SVG inline; each node is ``<g id="<viz node id>"
                    class="node">`` (the op's name, or its folded scope's); the current one is
                    filled and stroked as ``viz.HIGHLIGHTS["current"]``
tf-step-details     HTML: the step's op, phase, and its input/output/gradient values
tf-step-heatmaps    HBox of heatmaps (each a VBox with class ``tf-step-heatmap``: caption + Image)
tf-step-explain     HTML: the rule in words, with shapes and numbers (``Step.explain()``)
tf-step-latex       HTMLMath: the rule in LaTeX (``Step.latex()``)
tf-gradcheck        the gradient-check panel (``tf-gradcheck-variable`` Dropdown,
                    ``tf-gradcheck-run`` Button, ``tf-gradcheck-result`` HTML)
==================  ===========================================================================
"""
import bisect
import html

from ..core.graph import Tensor
from ..core.i18n import N_, _, on_language_change
from ..core.plan import flatten_fetches
from ..trace import PHASES
from ..viz import render
from ..viz.restyle import style_of
from .gradcheck import GradCheckPanel, gradient_targets, gradients_by_tensor
from ..core.formatting import value_shape as shape_text
from .tables import CSS, Heatmap, is_numeric, is_small, value_html

# the picture shrinks to the panel's width (never grows); tall graphs scroll
_SVG_CSS = "<style>.tf-step-svg svg{max-width:100%;height:auto}</style>"

VIEWS = {"all": N_("all ops, with gradients"), "forward": N_("model: value | gradient")}
PHASE_NAMES = {"forward": N_("forward"), "backward": N_("backward"), "update": N_("update")}

# forward view: a node's colour says how far the step has got with it
STATE_STYLES = {
    "current": "current",
    "done": "done",                 # value computed
    "pending": "pending",           # not reached yet
    "partial": {"fill": "#e6f4e6", "stroke": "#2e7d32", "stroke-width": "1.5"},   # some of a folded box
    "gradient": {"fill": "#f8c9c9", "stroke": "#b83b3b", "stroke-width": "2"},    # ∂L/∂ computed
    "updated": {"fill": "#ffd699", "stroke": "#d07000", "stroke-width": "2.5"},   # variable written
    "skipped": {"opacity": "0.3", "fill": "#eeeeee", "stroke": "#999999"},  # a tf.cond branch not taken
}


def fetch_ops(trace):
    """The ops a trace's fetches name (what its picture is drawn from)."""
    leaves = flatten_fetches(trace.fetches)
    g = trace.session.graph
    out = []
    for x in leaves:
        el = g.as_graph_element(x)
        op = el.op if isinstance(el, Tensor) else el
        if op not in out:
            out.append(op)
    return out


def forward_values(trace):
    """``{tensor: value}`` of every forward step's outputs."""
    return {t: v for s in trace if s.phase == "forward" for t, v in zip(s.op.outputs, s.outputs)}


def _short(name):
    return name[:-2] if name.endswith(":0") else name


class StepPicture:
    """One laid-out picture of a trace's graph (``view`` "all" or "forward", folded by
    ``collapse``) and its colours at any step: ``svg(position)``; ``node_of(i)`` is the node id
    that step i lights up (None when the picture does not draw it)."""

    def __init__(self, trace, view="all", collapse="auto"):
        from ..viz import draw
        if view not in VIEWS:
            raise ValueError(f"view must be one of {sorted(VIEWS)}, got {view!r}")
        self.trace, self.kind = trace, view
        gv = draw(fetch_ops(trace), view=view, collapse=collapse)
        if view == "forward":
            gv = gv.annotate(values=forward_values(trace), grads=gradients_by_tensor(trace))
        self.view = gv
        self.anchors = [self._anchor(s) for s in trace]          # op name lit up by each step
        members = {}                                               # node id -> [step index]
        for s, name in zip(trace, self.anchors):
            nid = gv.node_id(name) if name is not None else None
            if nid is not None:
                members.setdefault(nid, []).append(s.index)
        self.members = members
        # the ops of a tf.cond branch not taken: drawn faint and dashed at every step
        skipped = {gv.node_id(s.op.name) for s in getattr(trace, "skipped", ())}
        self.skipped = sorted(n for n in skipped if n is not None and n not in members)
        self._rep = {n.id: n.ops[0].name for n in gv.folded.nodes}   # a name highlight() maps to n
        self._phase = [s.phase for s in trace]

    def _anchor(self, step):
        op = step.op
        if self.kind == "all" or step.phase == "forward":
            return op.name
        if step.phase == "backward":
            return op.gradient_of.name if op.gradient_of is not None else None
        refs = op.opdef.ref_inputs                # update: the variable it writes
        return op.inputs[refs[0]].op.name if refs and op.inputs else None

    def node_of(self, i):
        name = self.anchors[i] if 0 <= i < len(self.anchors) else None
        return self.view.node_id(name) if name is not None else None

    def states(self, position):
        """``{node id: state}`` (see STATE_STYLES) for every node some step lights up, and
        "skipped" for the ops of an untaken branch."""
        out = dict.fromkeys(self.skipped, "skipped")
        for nid, idx in self.members.items():
            done = bisect.bisect_left(idx, position)          # steps of this node before the cursor
            if done < len(idx) and idx[done] == position:
                out[nid] = "current"
            elif done == 0:
                out[nid] = "pending"
            elif self.kind == "forward":
                phases = {self._phase[i] for i in idx[:done]}
                if "update" in phases:
                    out[nid] = "updated"
                elif "backward" in phases:
                    out[nid] = "gradient"
                else:
                    fwd = [i for i in idx if self._phase[i] == "forward"]
                    out[nid] = "done" if fwd and fwd[-1] < position else "partial"
            else:
                out[nid] = "done" if done == len(idx) else "partial"
        return out

    def edges(self, position):
        """``{(source op, destination op): "current"}``: the tensors flowing into the current
        step (forward: its inputs; backward, forward picture: the edge the gradient goes back
        along)."""
        if not 0 <= position < len(self.trace):
            return {}
        s = self.trace[position]
        if self.kind == "forward" and s.phase == "backward":
            w, f = s.wrt, s.op.gradient_of
            return {(w.op.name, f.name): "current"} if w is not None and f is not None else {}
        if self.kind == "forward" and s.phase == "update":
            return {}
        return {(t.op.name, s.op.name): "current" for t in s.op.inputs}

    def highlights(self, position):
        """``(nodes, edges)`` to highlight at step ``position`` (``GraphView.highlight``'s)."""
        nodes = {self._rep[nid]: STATE_STYLES[state] for nid, state in self.states(position).items()}
        return nodes, self.edges(position)

    def svg(self, position):
        """The SVG at step ``position`` (no new layout)."""
        nodes, edges = self.highlights(position)
        return self.view.highlight(nodes, edges=edges)

    def styles(self, position):
        """``{element id: SVG attributes}`` at step ``position``: what the browser renderer
        re-colours its own drawing with (the same colours ``svg`` gives)."""
        nodes, edges = self.highlights(position)
        return {eid: style_of(st) for eid, st in self.view.styles_by_id(nodes, edges).items()}


class StepDetails:
    """What the details panel shows for a step: ``slots(step)`` -> ``[(label, value)]``,
    ``html(step)`` -> the panel's HTML, ``heatmaps(step)`` -> ``[(caption, png)]`` for the values
    too large for a table."""

    def __init__(self, trace, heatmap=None):
        self.trace = trace
        self.heatmap = heatmap
        self.targets = gradient_targets(trace)              # gradient tensor -> forward tensor
        self.final = {}                                      # forward tensor -> its total gradient
        for g, t in self.targets.items():
            self.final[t] = g

    def label(self, tensor):
        """``∂L/∂layer1/weights`` for a gradient, ``layer1/MatMul`` for anything else."""
        t = self.targets.get(tensor)
        if t is not None:
            part = "" if self.final.get(t) is tensor else _(" (one path)")
            return f"∂L/∂{_short(t.name)}{part}"
        return _short(tensor.name)

    def slots(self, step):
        op = step.op
        if step.phase == "forward":
            kind = op.opdef.kind
            if kind in ("placeholder", "variable", "constant"):
                word = {"placeholder": _("fed: {name}"), "variable": _("value: {name}"),
                        "constant": _("constant: {name}")}[kind]
                return [(word.format(name=self.label(t)), v) for t, v in zip(op.outputs, step.outputs)]
            ins = [(_("in: {name}").format(name=self.label(t)), v) for t, v in zip(op.inputs, step.inputs)]
            return ins + [(_("out: {name}").format(name=self.label(t)), v) for t, v in zip(op.outputs, step.outputs)]
        if step.phase == "backward":
            out = []
            if step.incoming is not None:
                out.append((_("incoming: {name}").format(name=self.label(op.grad_incoming)), step.incoming))
            out += [(_("in: {name}").format(name=self.label(t)), v) for t, v in zip(op.inputs, step.inputs)
                    if t is not op.grad_incoming]
            return out + [(_("out: {name}").format(name=self.label(t)), v) for t, v in zip(op.outputs, step.outputs)]
        out = []
        for var, (before, after) in step.writes.items():
            out += [(_("{name} before").format(name=_short(var.name)), before),
                    (_("{name} after").format(name=_short(var.name)), after)]
        refs = op.opdef.ref_inputs
        return out + [(_("in: {name}").format(name=self.label(t)), v)
                      for i, (t, v) in enumerate(zip(op.inputs, step.inputs)) if i not in refs]

    def head(self, step):
        op = step.op
        what = f"<b>{html.escape(op.name)}</b> <span style='color:#666'>({html.escape(op.type)})</span>"
        if step.phase == "backward" and op.gradient_of is not None:
            what += " · " + html.escape(_("backward of {name}")).format(
                name=f"<b>{html.escape(op.gradient_of.name)}</b>")
        elif step.phase == "update":
            what += " · " + html.escape(_("update"))
        else:
            what += " · " + html.escape(_("forward"))
        if step.frame:
            what += f" · <span class='tf-step-where'>{html.escape(step.where)}</span>"
        step_text = html.escape(_("step {number}: ")).format(number=step.index + 1)
        return f"<div class='tf-step-head' data-step='{step.index}'>{step_text}{what}</div>"

    def html(self, step):
        if step is None:
            return CSS + "<i>" + html.escape(_("Nothing has run yet.")) + "</i>"
        slots = []
        for label, value in self.slots(step):     # side by side: y, pred and y − pred read as one
            shape = shape_text(value) if is_numeric(value) else ""
            slots.append(f"<div class='tf-slot'><div class='tf-slot-label'>{html.escape(label)} "
                         f"<span style='color:#888'>{shape}</span></div>{value_html(value)}</div>")
        return CSS + self.head(step) + f"<div class='tf-slots'>{''.join(slots)}</div>"

    def heatmaps(self, step):
        if step is None or self.heatmap is None:
            return []
        out = []
        for label, value in self.slots(step):
            if is_numeric(value) and not is_small(value):
                caption = f"{label}  ·  {shape_text(value)}  ·  {Heatmap.scale_text(value)}"
                out.append((caption, self.heatmap.png(value)))
        return out


class StepThrough:
    """The step-through widget (see the module docstring).

    ``StepThrough(trace, collapse="auto", view="all", loss=None, interval=600, start=None)``:
    ``collapse`` folds name scopes (as ``viz.draw``: "auto", a depth, patterns); ``view`` is
    the picture shown first; ``loss`` the tensor the gradient check differentiates (default:
    the one the backward pass was seeded from); ``interval`` ms per step when playing;
    ``start`` the first step shown (default: the trace's cursor, or step 0).

    State: ``position``, ``step`` (the current Step), ``svg`` (the picture's SVG text),
    ``view_name``; actions: ``goto(i)``, ``next()``, ``prev()``, ``first()``, ``last()``,
    ``show_view(name)``. Widgets: ``first_button``, ``prev_button``, ``next_button``,
    ``last_button``, ``play``, ``speed``, ``slider``, ``counter``, ``phase``, ``view_toggle``,
    ``graph``, ``details``, ``heatmap_box``, ``explain``, ``latex``, ``gradcheck`` (a
    GradCheckPanel), ``box`` (everything)."""

    def __init__(self, trace, collapse="auto", view="all", loss=None, interval=600, start=None,
                 max_height=560):
        import ipywidgets as W
        if len(trace) == 0:
            raise ValueError("This trace has no steps: step through a run that computes something.")
        self.trace, self.collapse, self.max_height = trace, collapse, int(max_height)
        n = len(trace)
        self._pictures = {}
        self.view_name = view
        self.picture = self._picture(view)
        self.details_model = StepDetails(trace, Heatmap())
        self._counts = {p: sum(1 for s in trace if s.phase == p) for p in PHASES}
        self._phase_start = {p: (trace.phase_range(p) or (n, n))[0] for p in PHASES}
        self.svg = None
        self._make_controls(W, n, interval, view)
        self._make_panels(W, trace, loss)
        self._arrange(W)
        self._wire()
        start = max(trace.position, 0) if start is None else int(start)
        if start == self.slider.value:
            self._show(start)
        else:
            self.slider.value = start
        on_language_change(self._relabel)

    def _make_controls(self, W, n, interval, view):
        """The buttons, Play, the speed and step sliders, the counter and the view toggle."""

        def button(icon, cls):
            b = W.Button(icon=icon, layout=W.Layout(width="92px"))
            b.add_class(cls)
            return b

        self.first_button = button("fast-backward", "tf-step-first")
        self.prev_button = button("step-backward", "tf-step-prev")
        self.next_button = button("step-forward", "tf-step-next")
        self.last_button = button("fast-forward", "tf-step-last")
        self.play = W.Play(value=0, min=0, max=n - 1, step=1, interval=int(interval), show_repeat=False)
        self.speed = W.IntSlider(value=int(interval), min=50, max=2000, step=50,
                                 layout=W.Layout(width="260px"))
        self.slider = W.IntSlider(value=0, min=0, max=n - 1, step=1,
                                  readout=False, continuous_update=True,
                                  layout=W.Layout(width="420px"))
        self.counter = W.Label()
        self.phase = W.HTML()
        self.view_toggle = W.ToggleButtons(options=[(_(label), key) for key, label in VIEWS.items()],
                                           value=view, style={"button_width": "190px"})
        self._label_controls()

    def _make_panels(self, W, trace, loss):
        """The graph (drawn by dot, or by the page), the details, heatmaps, explanation, formula
        and gradient-check panels."""
        graph_layout = W.Layout(flex="3 1 480px", min_width="320px")
        self.in_browser = render.renderer() == "browser"     # laid out by the page, not by dot
        if self.in_browser:
            from ..viz.browser import GraphWidget
            self.graph = GraphWidget(max_height=self.max_height, layout=graph_layout)
            self.graph.observe(self._on_layout, names="laid_out")
        else:
            self.graph = W.HTML(layout=graph_layout)
        self.details = W.HTML()
        self.heatmap_box = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self._heatmap_pool = []
        self.explain = W.HTML()
        self.latex = W.HTMLMath(layout=W.Layout(overflow="auto"))
        self.gradcheck = GradCheckPanel(trace, loss=loss)
        for w, cls in ((self.play, "tf-step-play"), (self.speed, "tf-step-speed"),
                       (self.slider, "tf-step-slider"), (self.counter, "tf-step-counter"),
                       (self.phase, "tf-step-phase"), (self.view_toggle, "tf-step-view"),
                       (self.graph, "tf-step-graph"), (self.details, "tf-step-details"),
                       (self.heatmap_box, "tf-step-heatmaps"), (self.explain, "tf-step-explain"),
                       (self.latex, "tf-step-latex")):
            w.add_class(cls)

    def _arrange(self, W):
        """Lay the widgets out in ``self.box``."""
        # browser-side links, one way: Play moves the slider, the speed sets Play's interval. (A
        # two-way link would echo every step Python shows back to the kernel as a late "move
        # the slider" message, undoing goto() calls that ran meanwhile.) Python observers below
        # do the same on the kernel side and keep Play in step with the slider.
        W.jsdlink((self.play, "value"), (self.slider, "value"))
        W.jsdlink((self.speed, "value"), (self.play, "interval"))
        right = W.VBox([self.details, self.heatmap_box, self.explain, self.latex],
                       layout=W.Layout(flex="2 1 360px", min_width="300px"))
        self.box = W.VBox([
            W.HBox([self.first_button, self.prev_button, self.play, self.next_button,
                    self.last_button, self.speed]),
            W.HBox([self.slider, self.counter, self.phase]),
            self.view_toggle,
            W.HBox([self.graph, right], layout=W.Layout(flex_flow="row wrap")),
            self.gradcheck.box,
        ])
        self.box.add_class("tf-stepthrough")

    def _wire(self):
        """Python-side wiring (the jslinks do the same in the browser without a round trip)."""
        self.first_button.on_click(lambda _b: self.first())
        self.prev_button.on_click(lambda _b: self.prev())
        self.next_button.on_click(lambda _b: self.next())
        self.last_button.on_click(lambda _b: self.last())
        self.slider.observe(self._on_slider, names="value")
        self.play.observe(self._on_play, names="value")
        self.play.observe(self._rewind, names="playing")
        self.speed.observe(self._on_speed, names="value")
        self.view_toggle.observe(lambda c: self.show_view(c["new"]), names="value")

    def _label_controls(self):
        """The words on the buttons and sliders, in the current language."""
        texts = ((self.first_button, N_("first"), N_("the first step")),
                 (self.prev_button, N_("back"), N_("one step back")),
                 (self.next_button, N_("next"), N_("one step forward")),
                 (self.last_button, N_("last"), N_("the last step")))
        for b, text, tip in texts:
            b.description, b.tooltip = _(text), _(tip)
        self.play.description, self.speed.description = _("play"), _("ms / step")
        self.slider.description = _("step")
        value = self.view_toggle.value
        self.view_toggle.options = [(_(label), key) for key, label in VIEWS.items()]
        self.view_toggle.value = value

    def _relabel(self, _language):
        """After ``set_language``: the controls at once, the step shown at the next move."""
        self._label_controls()

    # ----- state
    @property
    def position(self):
        return self.trace.position

    @property
    def step(self):
        return self.trace.current

    def node_id(self, i=None):
        """The picture's node id lit up by step ``i`` (default: the current step)."""
        return self.picture.node_of(self.position if i is None else i)

    # ----- actions
    def goto(self, i):
        """Show step ``i`` (negative counts from the end); returns the Step."""
        n = len(self.trace)
        i = i + n if i < 0 else i
        if not 0 <= i < n:
            raise IndexError(f"step {i} is not in this trace (0 to {n - 1})")
        if self.slider.value != i:
            self.slider.value = i        # its observer shows the step
        elif self.trace.position != i:
            self._show(i)
        return self.step

    def next(self):
        return self.goto(min(self.position + 1, len(self.trace) - 1))

    def prev(self):
        return self.goto(max(self.position - 1, 0))

    def first(self):
        return self.goto(0)

    def last(self):
        return self.goto(len(self.trace) - 1)

    def show_view(self, name):
        """Switch the picture: "all" (with gradient ops) or "forward" (value | gradient)."""
        if name not in VIEWS:
            raise ValueError(f"view must be one of {sorted(VIEWS)}, got {name!r}")
        self.view_name = name
        self.picture = self._picture(name)
        if self.view_toggle.value != name:
            self.view_toggle.value = name
        self._draw_graph()

    def refresh(self):
        """Redraw everything (after moving the Trace's cursor from outside the widget)."""
        i = max(self.trace.position, 0)
        if self.slider.value != i:
            self.slider.value = i        # its observer shows the step
        else:
            self._show(i)

    # ----- drawing
    def _picture(self, name):
        if name not in self._pictures:
            self._pictures[name] = StepPicture(self.trace, name, self.collapse)
        return self._pictures[name]

    def _on_slider(self, change):
        self._show(change["new"])
        if self.play.value != change["new"]:
            self.play.value = change["new"]

    def _on_play(self, change):
        if self.slider.value != change["new"]:
            self.slider.value = change["new"]

    def _on_speed(self, change):
        self.play.interval = int(change["new"])

    def _rewind(self, change):
        if change["new"] and self.play.value >= self.play.max:
            self.play.value = 0

    def _show(self, i):
        step = self.trace.goto(i)
        n = len(self.trace)
        self.counter.value = (_("step {number} / {total}").format(number=i + 1, total=n)
                              + (f" · {step.where}" if step.frame else ""))
        self.phase.value = self._phase_html(i)
        self._draw_graph()
        self.details.value = self.details_model.html(step)
        self._show_heatmaps(self.details_model.heatmaps(step))
        self.explain.value = (f"<div class='tf-step-rule' style='font-family:monospace;font-size:12px;"
                              "white-space:pre-wrap'>"
                              f"{html.escape(step.explain())}</div>")
        self.latex.value = f"$${step.latex()}$$"
        self.first_button.disabled = self.prev_button.disabled = i == 0
        self.next_button.disabled = self.last_button.disabled = i == n - 1

    def _draw_graph(self):
        if self.in_browser:
            position = self.trace.position
            self.graph.show(self.picture.view.source, self.picture.styles(position))
            self.svg = self._browser_svg(position)
            return
        self.svg = self.picture.svg(self.trace.position)
        self.graph.value = (f"{_SVG_CSS}<div class='tf-step-svg' style='overflow:auto;max-height:"
                            f"{self.max_height}px'>{self.svg}</div>")

    def _browser_svg(self, position):
        """``svg`` when the page draws: its layout re-coloured, once it has come back; until then
        a small picture saying where the drawing is."""
        try:
            return self.picture.svg(position)
        except render.GraphvizNotFound:
            from ..viz.browser import pending_svg
            return pending_svg(_("step {number} / {total} is drawn in the widget above").format(
                number=position + 1, total=len(self.trace)))

    def _on_layout(self, change):
        for picture in self._pictures.values():     # the page's layout of a picture comes back once
            svg = self.graph.svg_for(picture.view.source)
            if svg is not None and picture.view._svg is None:
                picture.view.use_layout(svg)
        self.svg = self._browser_svg(self.trace.position)

    def _phase_html(self, i):
        current = self.trace[i].phase
        spans = []
        for p in PHASES:
            total = self._counts[p]
            done = 0 if i < self._phase_start[p] else min(total, i - self._phase_start[p] + 1)
            cls = "tf-phase tf-phase-current" if p == current else "tf-phase"
            style = "font-weight:bold;background:#ffe34d;padding:0 4px" if p == current else "color:#666"
            name = html.escape(_(PHASE_NAMES[p]))
            spans.append(f"<span class='{cls}' data-phase='{p}' style='{style}'>{name} {done}/{total}</span>")
        return " · ".join(spans)

    def _show_heatmaps(self, maps):
        import ipywidgets as W
        while len(self._heatmap_pool) < len(maps):
            label = W.HTML(layout=W.Layout(width="210px"))
            image = W.Image(format="png", layout=W.Layout(width="202px"))
            box = W.VBox([label, image])
            box.add_class("tf-step-heatmap")
            self._heatmap_pool.append((box, label, image))
        for (box, label, image), (caption, png) in zip(self._heatmap_pool, maps):
            label.value = f"<div style='font-size:11px;line-height:1.3'>{html.escape(caption)}</div>"
            if image.value != png:
                image.value = png
        children = tuple(box for box, _, _ in self._heatmap_pool[:len(maps)])
        if self.heatmap_box.children != children:
            self.heatmap_box.children = children

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return (f"<StepThrough at step {self.position + 1} / {len(self.trace)} "
                f"({self.trace[self.position].phase}), view {self.view_name!r}>")
