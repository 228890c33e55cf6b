"""How each kind of node looks: one table, so a lesson can point at it and a teacher can change it.

The shape says what a node *is* (data in, parameter, constant, operation, update); the fill
colour says the same again, or, with ``devices=True``, where it runs. Gradient ops keep the
operation's shape in their own colour, so the backward pass reads as a mirror of the forward one.
"""
from ..core.i18n import N_

# style key -> Graphviz node attributes, plus "legend" (what the legend says; translated where shown)
NODE_STYLES = {
    "placeholder": dict(shape="box", style="filled,rounded,bold", fillcolor="#fff2cc", color="#b58900",
                        legend=N_("placeholder (data in)")),
    "variable": dict(shape="cylinder", style="filled", fillcolor="#dae8fc", color="#3465a4",
                     legend=N_("variable (parameter)")),
    "constant": dict(shape="box", style="filled", fillcolor="#f2f2f2", color="#9a9a9a",
                     fontcolor="#444444", legend=N_("constant")),
    "op": dict(shape="box", style="filled,rounded", fillcolor="#ffffff", color="#444444",
               legend=N_("operation")),
    "random": dict(shape="box", style="filled,rounded", fillcolor="#eadcf2", color="#7b4f9d",
                   legend=N_("random numbers")),
    "gradient": dict(shape="box", style="filled,rounded", fillcolor="#fbdcdc", color="#b83b3b",
                     legend=N_("gradient op (tf.gradients)")),
    "update": dict(shape="box", style="filled,bold", fillcolor="#ffe0b3", color="#d07000",
                   legend=N_("optimizer update (writes a variable)")),
    "group": dict(shape="box", style="filled,rounded,dashed", fillcolor="#ffffff", color="#777777",
                  fontcolor="#444444", legend=N_("group (runs its control inputs)")),
    "init": dict(shape="box", style="filled,rounded,dashed", fillcolor="#eeeeee", color="#999999",
                 fontcolor="#555555", legend=N_("initializer")),
    "scope": dict(shape="box3d", style="filled", fillcolor="#eeeeee", color="#555555",
                  legend=N_("folded name scope")),
}

# a folded scope whose ops all share a role takes that role's colours (keeps the box3d shape)
ROLE_SCOPE_COLORS = {
    "gradient": NODE_STYLES["gradient"],
    "update": NODE_STYLES["update"],
    "init": NODE_STYLES["init"],
}

# scope clusters: a faint tint by role, so "gradients" and "Adam" read as the training machinery
CLUSTER_STYLES = {
    "forward": dict(fillcolor="#f7f7f7", color="#b0b0b0"),
    "gradient": dict(fillcolor="#fdf1f1", color="#dca3a3"),
    "update": dict(fillcolor="#fff6ea", color="#e7bd80"),
    "init": dict(fillcolor="#f7f7f7", color="#cccccc"),
}

EDGE_STYLES = {
    "data": dict(color="#555555", fontcolor="#666666"),
    "gradient": dict(color="#c0504d", fontcolor="#b83b3b"),   # produced by a gradient op
    "update": dict(color="#d07000", fontcolor="#b35f00"),     # produced by an update-side op
    "into_gradient": dict(color="#b5b5b5", fontcolor="#999999", constraint="false"),  # reused by backward
    "ref": dict(color="#d07000", style="dashed", dir="back", constraint="false"),
    "control": dict(color="#888888", style="dotted"),
    "cross_device": dict(color="#222222", penwidth="2.5"),   # devices=True: data must travel
}
EDGE_LEGEND = {
    "ref": ("◀╌╌", N_("update writes the variable")),
    "control": ("┈┈▶", N_("control dependency (runs first)")),
    "cross_device": ("━━▶", N_("tensor sent between devices")),
}

# devices: a qualitative palette (ColorBrewer Set3), assigned to device names in sorted order
DEVICE_PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
                  "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f", "#d9d9d9")
UNPLACED = "#ffffff"

# named highlight styles for the step-through: SVG attributes swapped in after layout
HIGHLIGHTS = {
    "current": {"fill": "#ffe34d", "stroke": "#e65100", "stroke-width": "3"},
    "done": {"fill": "#cdeccd", "stroke": "#2e7d32", "stroke-width": "1.5"},
    "pending": {"opacity": "0.35"},
    "error": {"fill": "#ffcdd2", "stroke": "#b71c1c", "stroke-width": "3"},
    "selected": {"stroke": "#1565c0", "stroke-width": "3"},
}
# when one folded box holds ops in several states, the later state in this list wins
HIGHLIGHT_PRIORITY = ("done", "selected", "pending", "current", "error")

FONT = "Helvetica"
VALUE_COLOR = "#1f5fa8"
GRAD_COLOR = "#b83b3b"


def node_style_key(op, role):
    """Which entry of NODE_STYLES draws ``op`` (given its role from ``select.roles``)."""
    kind = op.opdef.kind
    if role == "gradient":
        return "gradient"
    if role == "init":
        return "init"
    if kind in ("placeholder", "variable", "constant", "random"):
        return kind
    if kind == "update":
        return "update"
    if op.type == "NoOp":
        return "group"
    return "op"


def device_colors(devices):
    """``{device name: colour}``, deterministic: sorted names take the palette in order."""
    names = sorted({d for d in devices if d})
    return {d: DEVICE_PALETTE[i % len(DEVICE_PALETTE)] for i, d in enumerate(names)}
