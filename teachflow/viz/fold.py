"""Name scopes as boxes within boxes, and folding a scope into one node, as TensorBoard does.

``fold(ops, collapse=..., expand=...)`` turns the chosen ops into what is drawn:

- ``nodes``: one per op, or one per *collapsed* scope standing for all its ops;
- ``edges``: between drawn nodes, the tensors of many ops aggregated into one edge
  (kind ``data``, ``ref`` = an update writing a variable, or ``control``);
- ``clusters``: the expanded scopes, nested. A scope holding a single thing is not drawn
  as a box of its own (its content joins the enclosing scope).

An op whose name is also a scope (a variable ``dense/kernel`` with its slots
``dense/kernel/Adam``) lives inside that scope, so folding the scope folds the op with it.

Control flow draws as boxes too: the ops of a ``tf.cond`` branch sit in a box labelled "true"
or "false", the ops of a ``tf.while_loop`` in a "while loop" box, both inside the box of the
Cond/While op (its name), whose node the branches' outputs join; a loop's body outputs go
back to its loop variables along a dashed back edge.
"""
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from .labels import safe_id

AUTO_LIMIT = 45  # collapse="auto" folds scopes until at most this many nodes are drawn


@dataclass
class Node:
    id: str
    ops: list                  # the ops drawn by this node (one, unless a scope is folded)
    scope: str = None          # the folded scope's path, None for a single op
    cluster: str = ""          # the drawn cluster it sits in ("" = top level)

    @property
    def op(self):
        return self.ops[0] if self.scope is None else None


@dataclass
class Edge:
    id: str
    src: str                   # node ids
    dst: str
    kind: str                  # "data", "ref" (writes a variable) or "control"
    tensors: list = field(default_factory=list)   # the tensors it carries (none for control)
    src_ops: list = field(default_factory=list)   # producer ops (of each tensor / control input)


@dataclass
class Cluster:
    path: str
    id: str
    parent: str                # path of the enclosing drawn cluster, "" for the top
    label: str                 # the path relative to the parent ("layer1", "gradients/dense")
    ops: list = field(default_factory=list)       # every op drawn somewhere inside
    kind: str = ""             # "cond" / "while" for a branch or loop body, "" for a scope


FLOW_MARK = "~"   # starts a path segment standing for a branch or loop body (no op name has it)
FLOW_LABELS = {"cond": "{} branch", "while": "while loop: condition + {}",
               "cond_grad": "gradient of the {} branch", "while_grad": "gradient of the loop {}, last iteration first"}


def flow_homes(ops):
    """``({op: drawn path}, {path: (label, kind)})`` for the ops of branches and loop bodies
    (and the Cond/While ops running them): a branch's path is its op's, plus ``~true``."""
    homes, labels = {}, {}

    def path(ctx):
        p = f"{base(ctx.op)}/{FLOW_MARK}{ctx.label}"
        labels[p] = (FLOW_LABELS[ctx.kind].format(ctx.label), ctx.kind.replace("_grad", ""))
        return p

    def base(owner):
        if owner.context is None or owner.context.op is None:
            return owner.name
        return path(owner.context) + "/" + owner.name.rpartition("/")[2]

    for op in ops:
        if op.control_flow is not None:
            homes[op] = base(op)
        elif op.context is not None and op.context.op is not None:
            homes[op] = path(op.context)
    return homes, labels


@dataclass
class Folded:
    nodes: list
    edges: list
    clusters: list
    node_of: dict              # op name -> node id (folded ops map to their scope's node)
    collapsed: list            # the scopes drawn as one node


def _prefixes(path):
    """``"a/b/c"`` -> ``["a", "a/b", "a/b/c"]``."""
    if not path:
        return []
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _patterns(spec):
    if spec is None or spec is False:
        return []
    if isinstance(spec, str):
        return [spec]
    return list(spec)


class _Scopes:
    """The scope tree of the chosen ops, and the rule deciding which scopes are folded."""

    def __init__(self, ops, roles=None, homes=None):
        self.ops = ops
        scopes = set()
        for op in ops:
            scopes.update(_prefixes(op.scope))
        homes = homes or {}
        self.home = {op: homes.get(op) or (op.name if op.name in scopes else op.scope) for op in ops}
        # how many chosen ops each scope holds (a scope of one op is never folded)
        self.size = {}
        forward = set()       # scopes holding some op of the model itself (not training machinery)
        for op in ops:
            is_forward = roles is None or roles.get(op, "forward") == "forward"
            for p in _prefixes(self.home[op]):
                self.size[p] = self.size.get(p, 0) + 1
                if is_forward:
                    forward.add(p)
        self.machinery = {p: p not in forward for p in self.size}
        self.depth = max((p.count("/") + 1 for p in self.size), default=0)

    def expanded(self, patterns):
        """Scopes matching ``patterns``, and their ancestors (to open a scope, open its parents)."""
        out = set()
        for p in self.size:
            if any(fnmatchcase(p, pat) for pat in patterns):
                out.update(_prefixes(p))
        return out

    def by_depth(self, depth, keep_open, machinery_depth=None):
        """Fold scopes at ``depth`` (gradient/optimizer scopes at ``machinery_depth``)."""
        md = depth if machinery_depth is None else machinery_depth

        def folded(p):
            d = md if self.machinery[p] else depth
            return p.count("/") + 1 >= d and p not in keep_open and self.size[p] > 1
        return folded

    def rule(self, collapse, expand=()):
        """A predicate ``folded(scope)`` for the ``collapse`` spec (see ``fold``)."""
        keep_open = self.expanded(_patterns(expand))
        if collapse is None or collapse is False:
            return lambda p: False
        if collapse == "auto":
            return self.auto(keep_open)
        if isinstance(collapse, bool) or isinstance(collapse, int):
            depth = 1 if collapse is True else int(collapse)
            if depth < 1:
                raise ValueError(f"collapse depth must be 1 or more, got {collapse}")
            return self.by_depth(depth, keep_open)
        pats = _patterns(collapse)
        if not all(isinstance(p, str) for p in pats):
            raise TypeError(f"collapse takes a depth, 'auto', or scope names/patterns, got {collapse!r}")
        return lambda p: p not in keep_open and self.size[p] > 1 and any(fnmatchcase(p, q) for q in pats)

    def node_key(self, op, folded):
        """The folded scope drawing ``op``, or None when ``op`` is drawn as itself."""
        for p in _prefixes(self.home[op]):
            if folded(p):
                return p
        return None

    def auto(self, keep_open, limit=AUTO_LIMIT):
        """The least folding that draws at most ``limit`` nodes: first the training machinery
        (gradient and optimizer scopes) deeper to shallower, then the model's own scopes."""
        if len(self.ops) <= limit:
            return lambda p: False
        big = self.depth + 1
        tries = [(big, d) for d in range(self.depth, 0, -1)] + [(d, 1) for d in range(self.depth, 0, -1)]
        folded = lambda p: False  # noqa: E731  (no scopes at all: nothing to fold)
        for depth, md in tries:
            folded = self.by_depth(depth, keep_open, md)
            if len({self.node_key(op, folded) or op for op in self.ops}) <= limit:
                return folded
        return folded


def fold(ops, collapse=None, expand=(), roles=None):
    """Group ``ops`` (in creation order) into drawn nodes, edges and clusters.

    ``collapse``: None (every scope open); an int ``d`` (fold every scope at depth ``d``: 1 folds
    ``layer1``, 2 folds ``layer1/dense``); scope names or glob patterns (``"gradients*"``);
    or ``"auto"`` (fold until at most ~45 nodes remain, gradient and optimizer scopes first).
    ``expand``: names/patterns of scopes to keep open (and their parents) whatever ``collapse`` says.
    ``roles``: ``{op: role}`` from ``select.roles`` (tells the training machinery from the model).
    """
    homes, flow_labels = flow_homes(ops)
    sc = _Scopes(ops, roles, homes)
    nodes, node_of = _nodes(ops, sc, sc.rule(collapse, expand))
    clusters = _clusters(nodes, flow_labels)
    edges = _edges(ops, node_of)
    return Folded(nodes, edges, clusters, node_of, [n.scope for n in nodes if n.scope is not None])


class _Ids:
    """Unique ids: the first use of a base is the base itself, later ones ``base-2``, ``base-3``."""

    def __init__(self):
        self.used = set()

    def new(self, base):
        i, nid = 1, base
        while nid in self.used:
            i += 1
            nid = f"{base}-{i}"
        self.used.add(nid)
        return nid


def _nodes(ops, sc, folded):
    """One node per op, or per folded scope; ``node_of``: op name -> node id."""
    nodes, by_key, node_of, ids = [], {}, {}, _Ids()
    for op in ops:
        scope = sc.node_key(op, folded)
        key = ("scope", scope) if scope is not None else ("op", op)
        node = by_key.get(key)
        if node is None:
            container = scope.rpartition("/")[0] if scope is not None else sc.home[op]
            node = Node(ids.new(safe_id(scope if scope is not None else op.name)), [], scope, container)
            by_key[key] = node
            nodes.append(node)
        node.ops.append(op)
        node_of[op.name] = node.id
    return nodes, node_of


def _drawn_scopes(nodes):
    """The scopes drawn as boxes: those holding two or more things, counting a scope that is not
    drawn by its contents (so a scope of one thing lends it to its parent)."""
    direct, subs, candidates = {}, {}, set()
    for node in nodes:
        direct.setdefault(node.cluster, []).append(node)
        candidates.update(_prefixes(node.cluster))
    for p in candidates:
        subs.setdefault(p.rpartition("/")[0], []).append(p)
    drawn, count = set(), {}
    for p in sorted(candidates, key=lambda s: -(s.count("/") + 1)):  # deepest first
        count[p] = len(direct.get(p, ())) + sum(1 if c in drawn else count[c] for c in subs.get(p, ()))
        if count[p] >= 2:
            drawn.add(p)
    return drawn


def _clusters(nodes, flow_labels=None):
    """Move each node into its innermost drawn scope; the clusters in creation order of their
    first member (a deterministic order). A branch or loop body is always a box."""
    flow_labels = flow_labels or {}
    drawn = _drawn_scopes(nodes) | {p for n in nodes for p in _prefixes(n.cluster) if p in flow_labels}

    def enclosing(path):
        for p in reversed(_prefixes(path)):
            if p in drawn:
                return p
        return ""

    for node in nodes:
        node.cluster = enclosing(node.cluster)
    clusters = {}
    for node in nodes:
        for p in (q for q in _prefixes(node.cluster) if q in drawn):
            if p not in clusters:
                parent = enclosing(p.rpartition("/")[0])
                label, kind = flow_labels.get(p, (p[len(parent) + 1:] if parent else p, ""))
                clusters[p] = Cluster(p, "cluster-" + safe_id(p), parent, label, kind=kind)
            clusters[p].ops.extend(node.ops)
    return list(clusters.values())


_EDGE_SUFFIX = {"data": "", "ref": "--ref", "control": "--ctl", "back": "--back"}


def _edges(ops, node_of):
    """Edges between drawn nodes, one per (source node, destination node, kind); a control edge
    is dropped where a data or ref edge already joins the two nodes."""
    visible = set(ops)
    edges, ids = {}, _Ids()

    def edge(src, dst, kind):
        e = edges.get((src, dst, kind))
        if e is None:
            e = edges[(src, dst, kind)] = Edge(ids.new(f"{src}--{dst}" + _EDGE_SUFFIX[kind]), src, dst, kind)
        return e

    for op in ops:
        dst = node_of[op.name]
        refs = op.opdef.ref_inputs
        for i, t in enumerate(op.inputs):
            src = node_of[t.op.name] if t.op in visible else dst
            if src != dst:
                e = edge(src, dst, "ref" if i in refs else "data")
                if t not in e.tensors:
                    e.tensors.append(t)
                    e.src_ops.append(t.op)
        for c in op.control_inputs:
            src = node_of[c.name] if c in visible else dst
            if src != dst:
                e = edge(src, dst, "control")
                if c not in e.src_ops:
                    e.src_ops.append(c)
    _flow_edges(ops, node_of, visible, edge)
    return [e for (s, d, k), e in edges.items()
            if k != "control" or ((s, d, "data") not in edges and (s, d, "ref") not in edges)]


def _flow_edges(ops, node_of, visible, edge):
    """A branch's outputs join its Cond op (a loop's condition its While op); a loop body's
    outputs go back to the loop variables (kind ``back``)."""
    for op in ops:
        spec = op.control_flow
        if spec is None:
            continue
        dst = node_of[op.name]
        for _, tensors in spec.joins():
            for t in tensors:
                src = node_of.get(t.op.name) if t.op in visible else None
                if src is not None and src != dst:
                    e = edge(src, dst, "data")
                    if t not in e.tensors:
                        e.tensors.append(t)
                        e.src_ops.append(t.op)
        for out, var in (spec.back_edges() if hasattr(spec, "back_edges") else ()):
            if out.op in visible and var.op in visible and node_of[out.op.name] != node_of[var.op.name]:
                e = edge(node_of[out.op.name], node_of[var.op.name], "back")
                e.tensors.append(out)
                e.src_ops.append(out.op)
