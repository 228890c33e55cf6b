"""Which ops a picture shows: the part of the graph a target needs, and the view.

Every op falls in one of four roles, read off the graph rather than guessed from names:

- ``gradient``: built by ``tf.gradients`` (``op.gradient_of`` is set);
- ``update``: writes state while training (optimizer ``Apply*`` ops, ``global_step``), and what
  only those ops use (learning-rate constants, slot variables, the ``train`` group);
- ``init``: a variable's initializer and what only initializers use (``tf.random_normal`` feeding
  ``Variable/Assign``, the ``init`` group);
- ``forward``: everything else, the model itself.

A view is a set of roles: ``forward``; ``gradients`` (forward + gradient ops); ``all`` (+ updates).
Initializers are left out of pictures of a whole graph unless ``show_init=True``. A picture of
a tensor that a ``tf.cond`` or ``tf.while_loop`` computes also shows the branches or body it runs.
"""
from ..core.graph import Graph, Operation, Tensor, ancestors, get_default_graph

ROLES = ("forward", "gradient", "update", "init")
VIEWS = {
    "forward": ("forward",),
    "gradients": ("forward", "gradient"),
    "all": ("forward", "gradient", "update"),
}


def _as_op(x, graph):
    if isinstance(x, str):       # a name: looked up in ``graph``
        x = graph.as_graph_element(x)
    el = getattr(x, "_as_graph_element", None)
    if el is not None:
        x = el()
    if isinstance(x, Tensor):
        return x.op
    if isinstance(x, Operation):
        return x
    raise TypeError(f"draw() expects a Graph, a tensor, an op or a list of them, got {x!r}")


def targets(target, graph=None):
    """``(graph, target ops or None)``: None means "the whole graph"."""
    if target is None:
        return graph or get_default_graph(), None
    if isinstance(target, Graph):
        return target, None
    items = list(target) if isinstance(target, (list, tuple, set, frozenset)) else [target]
    if not items:
        raise ValueError("draw([]) has nothing to draw: pass a graph, a tensor or an op.")
    ops = [_as_op(x, graph or get_default_graph()) for x in items]
    g = ops[0].graph
    for op in ops:
        if op.graph is not g:
            raise ValueError(f"draw(): {op.name} is from another graph than {ops[0].name}.")
    return g, ops


def roles(graph):
    """``{op: role}`` for every op of ``graph`` (see the module docstring)."""
    ops = graph.get_operations()
    users = {op: [] for op in ops}          # data and control consumers
    for op in ops:
        for t in op.inputs:
            users[t.op].append(op)
        for c in op.control_inputs:
            users[c].append(op)
    role = {}
    for op in ops:                          # roles an op has by itself
        if op.gradient_of is not None:
            role[op] = "gradient"
        elif op.opdef.kind == "update":
            first = op.inputs[0] if op.inputs else None
            is_init = first is not None and getattr(first, "initializer", None) is op
            role[op] = "init" if is_init else "update"
    for op in ops:                          # groups (tf.group, init, train): the role of their members
        if op not in role and not op.inputs and op.control_inputs:
            got = {role.get(c) for c in op.control_inputs}
            if len(got) == 1 and None not in got:
                role[op] = got.pop()
    for op in reversed(ops):                # what only serves one role takes that role
        if op in role:
            continue
        got = {role.get(u, "forward") for u in users[op]}
        if got and got <= {"init"} and op.opdef.kind != "variable":
            role[op] = "init"
        elif got and got <= {"update", "init"} and "update" in got:
            role[op] = "update"
        else:
            role[op] = "forward"
    return role


def select(target=None, view="all", show_init=None, graph=None):
    """``(graph, ops in creation order, {op: role})`` for a picture of ``target`` in ``view``."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {sorted(VIEWS)}, got {view!r}")
    g, tops = targets(target, graph)
    role = roles(g)
    keep = set(VIEWS[view])
    if show_init is None:
        show_init = tops is not None  # asked for an op explicitly: show all it depends on
    if show_init:
        keep.add("init")
    pool = g.get_operations()
    if tops is not None:
        needed = with_control_flow(ancestors(tops))
        pool = [op for op in pool if op in needed]
    ops = [op for op in pool if role[op] in keep]
    return g, ops, role


def flow_contexts(op):
    """The branches / loop body a Cond, While or WhileGrad op runs (empty for other ops)."""
    return getattr(op.control_flow, "contexts", ()) if op.control_flow is not None else ()


def with_control_flow(ops):
    """``ops`` plus the ops of every branch and loop body they run (and what those need), so a
    picture of a tf.cond's output shows both branches."""
    ops = set(ops)
    todo = [op for op in ops if op.control_flow is not None]
    while todo:
        inner = [o for ctx in flow_contexts(todo.pop()) for o in ctx.ops if o not in ops]
        new = ancestors(inner) - ops
        ops |= new
        todo.extend(o for o in new if o.control_flow is not None)
    return ops
