"""``draw(graph_or_tensors)`` -> a GraphView: DOT text, SVG, files, and fast re-highlighting.

A view is laid out at most once (the first time its SVG is needed). ``highlight`` then
re-colours that SVG by stable node id without running Graphviz again; ``annotate`` and
``redraw`` change labels or folding, so they return a new view (laid out anew). Without ``dot``
(or after ``set_renderer("browser")``) a notebook shows the view as a widget that the page lays
out (``browser.py``); the page's SVG then comes back and serves ``svg()``, ``save`` and
``highlight`` as dot's would.
"""
import os

from ..core.files import atomic_write
from ..core.i18n import get_language
from . import render
from .dot import to_dot
from .fold import fold
from .labels import html
from .restyle import SVG, Restyler, strongest
from .select import select


DEFAULTS = dict(view="all", collapse="auto", expand=(), devices=False, legend=None, values=None,
                grads=None, shapes=True, show_init=None, rankdir="BT", title=None)


class GraphView:
    """A drawn graph. ``.source`` (DOT), ``.svg()``, ``.save(path)``, ``.highlight(...)``;
    shows itself in Jupyter (as SVG, or as DOT text plus an install hint without Graphviz).
    Made by ``draw(target, **options)``, which documents the options."""

    def __init__(self, target=None, **options):
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"draw() got unknown options {sorted(unknown)}; it takes {sorted(DEFAULTS)}")
        if options.get("rankdir", "BT") not in ("BT", "TB", "LR", "RL"):
            raise ValueError(f"rankdir must be BT, TB, LR or RL, got {options['rankdir']!r}")
        self.options = o = {**DEFAULTS, **options}
        self.graph, ops, self.roles = select(target, o["view"], o["show_init"])
        self._target = self.graph if target is None else target
        self.folded = fold(ops, o["collapse"], o["expand"], self.roles)
        self.ops = ops
        self.node_ids = dict(self.folded.node_of)     # op name -> node id
        self._single = {n.id: n.scope is None for n in self.folded.nodes}
        self._tensor_edges = None
        self._source = None
        self._svg = None
        self._restyler = None
        self._widget = None
        self._language = get_language()

    # ----- text and pictures
    @property
    def source(self):
        """The DOT text (deterministic: the same graph and options give the same bytes); drawn
        again in the current language after ``set_language``."""
        if self._language != get_language():
            self._language = get_language()
            self._source = self._svg = self._restyler = self._widget = None
        if self._source is None:
            o = self.options
            legend = o["legend"] if o["legend"] is not None else bool(o["devices"])
            self._source = to_dot(self.folded, self.roles, devices=o["devices"], legend=legend,
                                  shapes=o["shapes"], values=self._names(o["values"]),
                                  grads=self._names(o["grads"]), rankdir=o["rankdir"], title=o["title"])
        return self._source

    def svg(self):
        """The laid-out SVG text (Graphviz runs once per view; without it, the layout the
        browser drew when the view was shown). Raises GraphvizNotFound when neither exists."""
        self.source     # a switched language drops the old picture
        if self._svg is None:
            if not render.dot_available():
                raise render.GraphvizNotFound(render.SAVE_HINT)
            self.use_layout(render.run_dot(self.source, "svg").decode("utf-8"))
        return self._svg

    def use_layout(self, svg):
        """Take ``svg`` (laid out from this view's DOT, e.g. by the browser) as the view's
        picture, so ``svg()``, ``save`` and ``highlight`` need no ``dot``."""
        i = svg.find("<svg")
        if i < 0:
            raise ValueError("use_layout() expects the SVG text Graphviz laid out, got no <svg> element")
        self._svg, self._restyler = SVG(svg[i:]), None

    def save(self, path, format=None):
        """Write ``path`` as svg, png or pdf (from its extension), or ``.dot``/``.gv`` as DOT text."""
        path = os.fspath(path)
        fmt = (format or os.path.splitext(path)[1].lstrip(".")).lower()
        if fmt in ("dot", "gv"):
            data = self.source.encode("utf-8")
        elif fmt == "svg":                 # the same laid-out SVG the view shows and restyles
            data = self.svg().encode("utf-8")
        elif fmt in render.FORMATS:
            data = render.run_dot(self.source, fmt)
        else:
            raise ValueError(f"Cannot save {path!r}: use a .svg, .png, .pdf or .dot file name "
                             "(or pass format=).")
        # atomically: a failed save (a full disk, a killed kernel) keeps the previous picture
        return atomic_write(path, data)

    def to_graphviz(self):
        """The same picture as a ``graphviz.Source`` (for graphviz-package users)."""
        import graphviz
        return graphviz.Source(self.source)

    # ----- highlighting (no new layout)
    def node_id(self, name):
        """The id of the node drawing op or tensor ``name`` (an op of a folded scope -> the
        scope's box), or None if it is not drawn."""
        name = _name(name)
        return self.node_ids.get(name.split(":")[0] if ":" in name else name)

    def edge_ids(self, tensor):
        """Ids of the edges carrying ``tensor`` (a Tensor or ``"op:0"``)."""
        if self._tensor_edges is None:
            self._tensor_edges = {}
            for e in self.folded.edges:
                for t in e.tensors:
                    self._tensor_edges.setdefault(t.name, []).append(e.id)
        return list(self._tensor_edges.get(_name(tensor), ()))

    def highlight(self, nodes=None, edges=None, default=None):
        """New SVG text with ``nodes`` (``{op name: style}`` or a list of names, drawn
        ``"current"``) and ``edges`` (``{tensor name or (src op, dst op): style}``) restyled.
        Styles: "current", "done", "pending", "error", "selected" or a dict of SVG attributes.
        ``default`` styles every node and edge not named (e.g. ``"pending"``). Names that are
        not drawn are ignored. The layout is never redone: ids stay where they were."""
        if self._restyler is None:
            self._restyler = Restyler(self.svg())
        return self._restyler.restyle(self.styles_by_id(nodes, edges), default)

    def styles_by_id(self, nodes=None, edges=None):
        """``{element id: style}`` for ``highlight``'s ``nodes`` and ``edges`` (no layout needed:
        the browser renderer re-colours its own SVG with it)."""
        styles = {}
        for name, style in _items(nodes):
            nid = self.node_id(name)
            if nid is not None:
                styles.setdefault(nid, []).append(style)
        for key, style in _items(edges):
            if isinstance(key, tuple):
                src, dst = self.node_id(key[0]), self.node_id(key[1])
                ids = [e.id for e in self.folded.edges if e.src == src and e.dst == dst]
            else:
                ids = self.edge_ids(key)
            for eid in ids:
                styles.setdefault(eid, []).append(style)
        return {k: (v[0] if len(v) == 1 else strongest(v)) for k, v in styles.items()}

    # ----- new views
    def annotate(self, values=None, grads=None):
        """A new view with values and gradients written under the nodes (micrograd style):
        ``values={op, tensor or name: array}``; scalars print as numbers, arrays as shape and
        a short summary."""
        return self.redraw(values=values, grads=grads)

    def redraw(self, **changes):
        """A new view of the same target with some options changed (``collapse=1``, ...)."""
        return GraphView(self._target, **{**self.options, **changes})

    # ----- notebooks
    def widget(self):
        """The widget that lays this view out in the browser (one per view; see browser.py)."""
        if self._widget is None:
            from .browser import GraphWidget
            self._widget = GraphWidget()
            self._widget.observe(self._laid_out, names="laid_out")
            self._widget.show(self.source)
        return self._widget

    def _laid_out(self, change):
        svg = self._widget.svg_for(self.source)
        if svg is not None and self._svg is None:
            self.use_layout(svg)

    def _repr_mimebundle_(self, include=None, exclude=None):
        try:
            if render.renderer() == "browser":   # the same text/plain as with dot (nbval compares it)
                bundle = {**self.widget()._repr_mimebundle_()[0], "text/plain": repr(self)}
            elif render.renderer() == "text" and not render.dot_available():
                raise render.GraphvizNotFound(render.INSTALL_HINT)
            else:
                bundle = {"image/svg+xml": str(self.svg()), "text/plain": repr(self)}
        except (render.GraphvizNotFound, render.GraphvizError) as e:
            bundle = {"text/plain": f"{e}\n\n{self.source}",
                      "text/html": f"<p><b>{html(e)}</b></p><pre>{html(self.source)}</pre>"}
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle

    def __repr__(self):
        f = self.folded
        return (f"<GraphView view={self.options['view']!r}: {len(self.ops)} ops as {len(f.nodes)} nodes, "
                f"{len(f.edges)} edges, {len(f.clusters)} scopes, {len(f.collapsed)} folded>")

    def _names(self, mapping):
        if not mapping:
            return {}
        out = {}
        for key, value in mapping.items():
            name = _name(key)
            if ":" in name:
                op_name, _, idx = name.rpartition(":")
                name = op_name if idx == "0" else name
            nid = self.node_ids.get(name)
            if nid is not None and self._single.get(nid):   # members of folded boxes: not shown
                out[name] = value
        return out


def _name(x):
    """The name of an op, tensor or Variable, or the string itself."""
    if isinstance(x, str):
        return x
    el = getattr(x, "_as_graph_element", None)
    x = el() if el is not None else x
    name = getattr(x, "name", None)
    if name is None:
        raise TypeError(f"Expected an op, a tensor or a name, got {x!r}")
    return name


def _items(spec):
    if not spec:
        return []
    if isinstance(spec, dict):
        return [(_name(k) if not isinstance(k, tuple) else tuple(_name(p) for p in k), v)
                for k, v in spec.items()]
    if isinstance(spec, (str, tuple)) or hasattr(spec, "_as_graph_element"):
        spec = [spec]
    return [(_name(k) if not isinstance(k, tuple) else tuple(_name(p) for p in k), "current")
            for k in spec]


def draw(target=None, *, view="all", collapse="auto", expand=(), devices=False, legend=None,
         values=None, grads=None, shapes=True, show_init=None, rankdir="BT", title=None):
    """Draw a computation graph, as a teacher would.

    target   a Graph (default: the default graph), or a tensor/op/Variable or a list of them
             (then only what they depend on is drawn).
    view     "forward" (the model), "gradients" (+ the ops tf.gradients added),
             "all" (+ optimizer updates).
    collapse fold name scopes into one box each: "auto" (fold gradient and optimizer scopes, then
             the model's, until ~45 nodes remain), None (never),
             a depth (1 folds top-level scopes such as ``layer1``), or names/patterns
             (``["gradients*", "Adam"]``); ``expand`` keeps the named scopes open.
    devices  fill colour by ``tf.device`` (with a legend of devices).
    legend   a small legend of the styles used (default: only with ``devices``).
    values, grads  ``{op, tensor or name: array}`` written under the nodes.
    shapes   label data edges with the tensor's static shape (``?×784``).
    show_init  draw variable initializers (default: only if they are among the targets' inputs).
    rankdir  "BT" (inputs at the bottom, as TensorBoard), "LR", "TB" or "RL".
    title    a caption under the picture.
    """
    return GraphView(target, view=view, collapse=collapse, expand=expand, devices=devices,
                     legend=legend, values=values, grads=grads, shapes=shapes, show_init=show_init,
                     rankdir=rankdir, title=title)
