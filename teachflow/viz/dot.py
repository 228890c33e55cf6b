"""Folded graph -> DOT text. Pure string building: the same graph gives byte-identical text.

Node ids are op (or scope) names, never ``id()``; nodes, clusters and edges are written in
the graph's creation order; every label is escaped (``labels.html``), every tooltip quoted.
"""
from collections import Counter

from ..core.i18n import N_, _
from . import styles as S
from .fonts import graph_font
from .labels import dims, html, number, quoted, summary

BIG = 250  # more drawn nodes than this: a faster, plainer layout (straight edges)


def _short(name, base=""):
    """``name`` relative to the cluster it is drawn in (``gradients/dense/MatMul_grad`` in
    ``gradients`` -> ``dense/MatMul_grad``); just the last part when that is too long."""
    rel = name[len(base) + 1:] if base and name.startswith(base + "/") else name
    return rel if len(rel) <= 32 else rel.rpartition("/")[2]


def _small(text, color="#555555", size=8):
    return f'<font point-size="{size}" color="{color}">{html(text)}</font>'


def _const_text(op):
    v = op.attrs.get("value")
    if v is not None and getattr(v, "size", 2) == 1:
        return "= " + number(v.reshape(()).item())
    return None


def _op_lines(op, key):
    """(bold first line, small second line or None) for a single op."""
    short = op.name.rpartition("/")[2]
    if key in ("placeholder", "variable") or (key == "constant" and op.type == "Const"):
        word = {"placeholder": _("placeholder"), "variable": _("variable"), "constant": _("const")}[key]
        t = op.outputs[0] if op.outputs else None
        extra = _const_text(op) if key == "constant" else (dims(t._dims) if t is not None else "")
        return short, f"{word} {extra}".strip()
    if key == "group":  # the name says what a group is for ("train", "init")
        return (short, op.type) if short.lower() != op.type.lower() else (op.type, None)
    second = [] if short.lower() == op.type.lower() else [short]
    if key == "update" and op.opdef.ref_inputs and op.inputs:   # which variable it writes
        second.append(_("writes {name}").format(name=op.inputs[op.opdef.ref_inputs[0]].op.name.rpartition("/")[2]))
    if op.type == "Const" and _const_text(op):
        second.append(_const_text(op))
    return op.type, " ".join(second) or None


def _grad_line(op):
    """``∂L/∂Weights_L1`` for the op that finally produces a forward input's gradient."""
    fwd, i = op.gradient_of, op.grad_input_index
    if fwd is None or i is None or i >= len(fwd.inputs):
        return None
    return "∂L/∂" + fwd.inputs[i].op.name.rpartition("/")[2]


_PLURAL = {"variable": N_("{n} variables"), "constant": N_("{n} constants"),
           "placeholder": N_("{n} placeholders"), "gradient": N_("{n} gradient ops"),
           "update": N_("{n} updates")}
_OPS = N_("{n} ops")


def _count(ops, roles):
    """``"12 ops"``, or ``"3 variables"`` when a folded scope holds only variables."""
    keys = {S.node_style_key(op, roles[op]) for op in ops}
    text = _PLURAL.get(keys.pop(), _OPS) if len(keys) == 1 else _OPS
    return _(text).format(n=len(ops))


def _role_of(ops, roles):
    got = {roles[op] for op in ops}
    return got.pop() if len(got) == 1 else "forward"


def _tooltip_op(op):
    out = ", ".join(f"{dims(t._dims)} {t.dtype.name}" for t in op.outputs) or _("no outputs")
    lines = [f"{op.name}  ({op.type})", op.opdef.explain(op), f"→ {out}"]
    if op.gradient_of is not None:
        lines.append(_("backward step of {name}").format(name=op.gradient_of.name))
    if op.device:
        lines.append(_("device {name}").format(name=op.device))
    return "\n".join(lines)


def _tooltip_scope(node):
    kinds = Counter(op.type for op in node.ops).most_common()
    shown = ", ".join(f"{n} {t}" for t, n in kinds[:6]) + (", …" if len(kinds) > 6 else "")
    return _("{scope}  (folded: {n} ops)").format(scope=node.scope, n=len(node.ops)) + f"\n{shown}"


class DotWriter:
    """Writes one picture. Options are plain values; see ``view.draw`` for their meaning."""

    def __init__(self, folded, roles, *, devices=False, legend=False, shapes=True, values=None,
                 grads=None, rankdir="BT", title=None):
        self.f, self.roles = folded, roles
        self.devices, self.legend, self.shapes = devices, legend, shapes
        self.values, self.grads = values or {}, grads or {}
        self.rankdir, self.title = rankdir, title
        self._top = "b" if rankdir == "BT" else "t"   # Graphviz flips cluster labels with BT
        all_devices = [op.device for n in folded.nodes for op in n.ops]
        self.device_colors = S.device_colors(all_devices) if devices else {}
        self.unplaced = devices and any(d is None for d in all_devices)
        self.used_styles = []          # legend entries, in order of first use
        self.used_edges = []
        self.node_role = {n.id: _role_of(n.ops, roles) for n in folded.nodes}
        self.node_devices = {n.id: {op.device for op in n.ops} for n in folded.nodes}

    # ----- nodes
    def _note(self, key):
        if key not in self.used_styles:
            self.used_styles.append(key)

    def node_attrs(self, node):
        if node.scope is None:
            op = node.op
            key = S.node_style_key(op, self.roles[op])
            first, second = _op_lines(op, key)
            grad_of = _grad_line(op)
            tooltip = _tooltip_op(op)
            style = dict(S.NODE_STYLES[key])
            name = op.name
        else:
            key = "scope"
            style = dict(S.NODE_STYLES["scope"])
            # the members' common look (all variables: a variable's colours), else their role's
            keys = {S.node_style_key(op, self.roles[op]) for op in node.ops}
            role = _role_of(node.ops, self.roles)
            base = (S.NODE_STYLES[keys.pop()] if len(keys) == 1 else S.ROLE_SCOPE_COLORS.get(role))
            if base is not None:
                style.update(fillcolor=base["fillcolor"], color=base["color"])
            first, second = _short(node.scope, node.cluster), _count(node.ops, self.roles)
            tooltip = _tooltip_scope(node)
            name, grad_of = node.scope, None
        self._note(key)
        lines = [f"<b>{html(first)}</b>"]
        if second:
            lines.append(_small(second))
        if grad_of:
            lines.append(_small(grad_of, S.GRAD_COLOR))
        if name in self.values:
            lines.append(_small(_("value {text}").format(text=summary(self.values[name])), S.VALUE_COLOR, 9))
        if name in self.grads:
            lines.append(_small(_("grad {text}").format(text=summary(self.grads[name])), S.GRAD_COLOR, 9))
        style.pop("legend", None)
        if self.devices:
            self._device_fill(node, style)
        attrs = {"id": quoted(node.id), "label": "<" + "<br/>".join(lines) + ">"}
        attrs.update({k: quoted(v) for k, v in style.items()})
        attrs["tooltip"] = quoted(tooltip)
        return attrs

    def _device_fill(self, node, style):
        cols = []
        for op in node.ops:
            c = self.device_colors.get(op.device, S.UNPLACED)
            if c not in cols:
                cols.append(c)
        if len(cols) == 1:
            style["fillcolor"] = cols[0]
        else:  # a folded scope spread over devices: stripes, one per device
            style["shape"] = "box"
            style["style"] = "striped"
            frac = 1.0 / len(cols)
            style["fillcolor"] = ":".join(f"{c};{frac:.3f}" for c in cols)

    # ----- edges
    def edge_attrs(self, e):
        if e.kind == "control":
            key = "control"
        elif e.kind == "ref":
            key = "ref"
        else:
            src_role = _role_of(e.src_ops, self.roles)
            if src_role == "gradient":
                key = "gradient"
            elif src_role in ("update", "init"):
                key = "update"
            elif self.node_role[e.dst] == "gradient":
                key = "into_gradient"
            else:
                key = "data"
        crossing = self._crossing(e) if self.devices and e.kind == "data" else None
        if crossing:
            key = "cross_device" if key == "data" else key
        if key in S.EDGE_LEGEND and key not in self.used_edges:
            self.used_edges.append(key)
        attrs = {"id": quoted(e.id)}
        attrs.update({k: quoted(v) for k, v in S.EDGE_STYLES[key].items()})
        # backprop laid out top-down: a gradient -> gradient edge is written dst -> src, dir=back
        reverse = key == "gradient" and self.node_role[e.dst] == "gradient"
        if reverse:
            attrs["dir"] = quoted("back")
        n = len(e.tensors) if e.kind != "control" else len(e.src_ops)
        if self.shapes and e.kind == "data" and not all(o.opdef.kind == "constant" and
                                                        o.type == "Const" for o in e.src_ops):
            text = dims(e.tensors[0]._dims) if n == 1 else _("{n} tensors").format(n=n)
            attrs["label"] = f"<{html(text)}>"
        if n > 1 and not crossing:
            attrs["penwidth"] = f"{min(1.0 + 0.4 * (n - 1), 4.0):.1f}"
        names = [t.name for t in e.tensors] if e.kind != "control" else [o.name for o in e.src_ops]
        more = "\n" + _("… {n} more").format(n=len(names) - 8) if len(names) > 8 else ""
        tip = "\n".join(names[:8]) + more
        if e.kind == "control":
            tip = _("runs after: {names}").format(names=tip)
        elif e.kind == "ref":
            tip = _("writes: {names}").format(names=tip)
        else:
            tip += ("  " + dims(e.tensors[0]._dims)) if n == 1 else ""
        if crossing:
            tip += "\n" + _("sent from {source} to {target}").format(source=crossing[0], target=crossing[1])
        attrs["tooltip"] = quoted(tip)
        return attrs, reverse

    def _crossing(self, e):
        """``(from device, to device)`` when both ends sit on one known, different device."""
        a, b = self.node_devices[e.src], self.node_devices[e.dst]
        if len(a) == 1 and len(b) == 1 and None not in a | b and a != b:
            return next(iter(a)), next(iter(b))
        return None

    # ----- the legend: an HTML table as the graph's label, under the drawing
    def legend_label(self):
        groups = [[], [], []]     # node styles, edge styles, devices: each group starts a row
        for key in (self.used_styles if self.legend else ()):
            st = S.NODE_STYLES[key]
            fill = st["fillcolor"] if not self.devices else "#ffffff"
            groups[0].append(f'<td bgcolor="{fill}" color="{st["color"]}" border="1">'
                             f'{html(_(st["legend"]))}</td>')
        for key in (self.used_edges if self.legend else ()):
            glyph, text = S.EDGE_LEGEND[key]
            groups[1].append(f'<td border="0"><font color="{S.EDGE_STYLES[key]["color"]}">{glyph}</font> '
                             f'{html(_(text))}</td>')
        if self.devices and self.legend:
            for dev, col in self.device_colors.items():
                text = html(_("device {name}").format(name=dev))
                groups[2].append(f'<td bgcolor="{col}" border="1">{text}</td>')
            if self.unplaced:
                text = html(_("no device set"))
                groups[2].append(f'<td bgcolor="{S.UNPLACED}" border="1">{text}</td>')
        rows = [g[i:i + 4] for g in groups for i in range(0, len(g), 4)]
        body = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
        if self.title:
            body = f'<tr><td colspan="4" border="0"><b>{html(self.title)}</b></td></tr>' + body
        return (f'<<table border="0" cellborder="1" cellspacing="3" cellpadding="3">'
                f'{body}</table>>')

    # ----- the whole text
    def write(self):
        f = self.f
        nodes_in = {}
        for n in f.nodes:
            nodes_in.setdefault(n.cluster, []).append(n)
        subs = {}
        for c in f.clusters:
            subs.setdefault(c.parent, []).append(c)
        body = []

        def emit_nodes(path, indent):
            for n in nodes_in.get(path, ()):
                a = self.node_attrs(n)
                body.append(f"{indent}{quoted(n.id)} [" + ", ".join(f"{k}={v}" for k, v in a.items()) + "];")

        def emit_cluster(c, indent):
            role = _role_of(c.ops, self.roles)
            st = S.CLUSTER_STYLES.get(role, S.CLUSTER_STYLES["forward"])
            body.append(f"{indent}subgraph {quoted(c.id)} {{")
            inner = indent + "  "
            body.append(f'{inner}graph [id={quoted(c.id)}, label=<{html(c.label)}>, style="rounded,filled", '
                        f'fillcolor="{st["fillcolor"]}", color="{st["color"]}", fontcolor="#555555", '
                        f'fontsize=10, labeljust=l, labelloc={self._top}, tooltip={quoted(c.path)}];')
            emit_nodes(c.path, inner)
            for sub in subs.get(c.path, ()):
                emit_cluster(sub, inner)
            body.append(f"{indent}}}")

        emit_nodes("", "  ")
        for c in subs.get("", ()):
            emit_cluster(c, "  ")
        for e in f.edges:
            a, reverse = self.edge_attrs(e)
            src, dst = (e.dst, e.src) if reverse else (e.src, e.dst)
            body.append(f"  {quoted(src)} -> {quoted(dst)} [" +
                        ", ".join(f"{k}={v}" for k, v in a.items()) + "];")
        # big drawings: cap the x-placement search and draw straight edges (spline routing
        # around hundreds of boxes takes Graphviz minutes, this takes seconds)
        big = ", nslimit=0.05, mclimit=0.3, remincross=false, splines=line" if len(f.nodes) > BIG else ""
        font = graph_font()     # Helvetica; a CJK font when the language is Chinese
        head = [
            "digraph teachflow {",
            f'  graph [id="graph", rankdir={self.rankdir}, bgcolor="white", fontname={quoted(font)}, '
            f'fontsize=10, nodesep=0.25, ranksep=0.3, pad=0.15, outputorder=edgesfirst{big}];',
            f'  node [fontname={quoted(font)}, fontsize=10, margin="0.10,0.04", height=0.3, width=0.3];',
            f'  edge [fontname={quoted(font)}, fontsize=9, arrowsize=0.6];',
        ]
        if self.legend or self.title:
            head.append(f"  graph [label={self.legend_label()}, labelloc=b, labeljust=l];")
        return "\n".join(head + body + ["}"]) + "\n"


def to_dot(folded, roles, **options):
    """The DOT text of a folded selection (``fold.fold``) with ``select.roles``."""
    return DotWriter(folded, roles, **options).write()
