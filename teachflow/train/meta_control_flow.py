"""Control flow in a meta graph: ``tf.cond``/``tf.while_loop`` (and their gradients) as data.

A Cond, While or WhileGrad op runs the ops of its branches or body, which the Python code of
``tf.cond``/``tf.while_loop`` gathered into ``ControlFlowContext`` objects when it ran. The meta
graph keeps them as plain data under the top-level key ``control_flow`` (written only when the
graph has control flow):

- ``contexts``: a list, each ``{kind, label, outer, forward}``; ``kind`` is one of "cond",
  "while", "cond_grad", "while_grad", ``label`` "true"/"false" (a branch) or "body";
  ``outer``/``forward`` are indices of *earlier* contexts (or null), so they cannot form a cycle;
- ``members``: ``{op name: context index}`` for every op made inside a branch or body;
- ``specs``: ``{op name: spec}`` for every Cond/While/WhileGrad op. A *branch* is
  ``{context, args: ["op:0", ...], outputs: [...]}``; a Cond's spec is
  ``{type: "Cond", branches: [true, false], n_args, has_frame}``, a While's
  ``{type: "While", body, pred, has_max, back_prop}``, a WhileGrad's
  ``{type: "WhileGrad", body, forward: While op name, m, caps: [...]}``.

Reading checks every field against the file's own ops (each context owned by exactly one op
made after all its members, Args belonging to their branch, kinds and labels from the fixed
sets) before the graph is touched. Importing then replays the build: each member op is created
inside its rebuilt context (which records captures and stashed values exactly as the original
build did), and each Cond/While/WhileGrad op is given its rebuilt spec.
"""
from ..core.control_flow import ControlFlowContext
from ..ops.control_flow_defs import Branch, CondSpec, WhileGradSpec, WhileSpec

KINDS = {"cond": ("true", "false"), "while": ("body",), "cond_grad": ("true", "false"),
         "while_grad": ("body",)}
OWNER_KINDS = {"Cond": ("cond", "cond_grad"), "While": ("while",), "WhileGrad": ("while_grad",)}
MAX_CONTEXTS = 100_000
MAX_LIST = 4096
_SPEC_KEYS = {"Cond": {"type", "branches", "n_args", "has_frame"},
              "While": {"type", "body", "pred", "has_max", "back_prop"},
              "WhileGrad": {"type", "body", "forward", "m", "caps"}}


# --------------------------------------------------------------------------- writing
def control_flow_dict(ops):
    """The ``control_flow`` entry for graph ops ``ops`` (creation order); None without any."""
    members = {op.name: op.context for op in ops if op.context is not None}
    owners = [op for op in ops if op.control_flow is not None]
    if not members and not owners:
        return None
    index = {}

    def number(ctx):  # outer and forward first: every reference points to an earlier entry
        if ctx is None:
            return None
        if ctx not in index:
            for c in (ctx.outer, ctx.forward):
                number(c)
            index[ctx] = len(index)
        return index[ctx]

    for op in ops:
        if op.context is not None:
            number(op.context)
        for ctx in getattr(op.control_flow, "contexts", ()):
            number(ctx)
    contexts = sorted(index, key=index.get)
    return {"contexts": [{"kind": c.kind, "label": c.label, "outer": number(c.outer),
                          "forward": number(c.forward)} for c in contexts],
            "members": {name: index[c] for name, c in members.items()},
            "specs": {op.name: _spec_dict(op, index) for op in owners}}


def _branch_dict(b, index):
    return {"context": index[b.ctx], "args": [t.name for t in b.args],
            "outputs": [t.name for t in b.outputs]}


def _spec_dict(op, index):
    s = op.control_flow
    if isinstance(s, CondSpec):
        return {"type": "Cond", "branches": [_branch_dict(b, index) for b in s.branches],
                "n_args": s.n_args, "has_frame": s.has_frame}
    if isinstance(s, WhileSpec):
        return {"type": "While", "body": _branch_dict(s.body, index), "pred": s.pred.name,
                "has_max": s.has_max, "back_prop": s.back_prop}
    if isinstance(s, WhileGradSpec):
        return {"type": "WhileGrad", "body": _branch_dict(s.body, index), "forward": s.forward.name,
                "m": s.m, "caps": [t.name for t in s.caps]}
    raise TypeError(f"op {op.name!r} runs a {type(s).__name__}, which a meta graph cannot hold")


# --------------------------------------------------------------------------- reading
def check_control_flow(cf, ops, tensor_name):
    """``cf`` (the file's ``control_flow`` entry, or None) validated against the decoded op
    records ``ops``; ValueError naming the first problem. Returns ``(contexts, members,
    specs)`` with tensors as ``(op name, index)``."""
    if cf is None:
        cf = {"contexts": [], "members": {}, "specs": {}}
    if not isinstance(cf, dict) or set(cf) != {"contexts", "members", "specs"}:
        raise ValueError("control_flow must be an object with exactly contexts, members, specs")
    pos = {rec["name"]: i for i, rec in enumerate(ops)}
    types = {rec["name"]: rec["type"] for rec in ops}
    contexts = _check_contexts(cf["contexts"])
    members = cf["members"]
    if not isinstance(members, dict) or len(members) > len(ops):
        raise ValueError("control_flow members must be an object {op name: context index}")
    for name, c in members.items():
        if name not in pos:
            raise ValueError(f"control_flow members name op {str(name)[:60]!r}, which is not in the file")
        if type(c) is not int or not 0 <= c < len(contexts):
            raise ValueError(f"control_flow: op {name!r} is in context {str(c)[:20]}, which is not "
                             f"one of the {len(contexts)} contexts")
    specs, owner = _check_specs(cf["specs"], contexts, pos, types, members, tensor_name, ops)
    for name, typ in types.items():
        if typ in OWNER_KINDS and name not in specs:
            raise ValueError(f"op {name!r} ({typ}) has no control_flow spec saying what it runs")
    for i in range(len(contexts)):
        if i not in owner:
            raise ValueError(f"control_flow context {i} is run by no Cond/While/WhileGrad op")
    for name, c in members.items():
        if pos[name] >= pos[owner[c]]:
            raise ValueError(f"op {name!r} belongs to context {c}, but comes after {owner[c]!r}, "
                             "the op that runs it")
    for c, name in owner.items():
        if members.get(name) != contexts[c]["outer"]:
            raise ValueError(f"op {name!r} runs context {c}, but is not in that context's outer "
                             "context")
    return contexts, members, specs


def _check_contexts(contexts):
    if not isinstance(contexts, list) or len(contexts) > MAX_CONTEXTS:
        raise ValueError(f"control_flow contexts must be a list of at most {MAX_CONTEXTS:,}")
    out = []
    for i, c in enumerate(contexts):
        if not isinstance(c, dict) or set(c) != {"kind", "label", "outer", "forward"}:
            raise ValueError(f"control_flow context {i} must be {{kind, label, outer, forward}}")
        kind, label = c["kind"], c["label"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueError(f"control_flow context {i} has unknown kind {str(kind)[:40]!r} "
                             f"(expected one of {', '.join(KINDS)})")
        if label not in KINDS[kind]:
            raise ValueError(f"control_flow context {i} ({kind}) has label {str(label)[:40]!r} "
                             f"(expected {' or '.join(KINDS[kind])})")
        for key in ("outer", "forward"):
            ref = c[key]
            if ref is not None and (type(ref) is not int or not 0 <= ref < i):
                raise ValueError(f"control_flow context {i}: {key} must be the index of an earlier "
                                 f"context or null, got {str(ref)[:20]} (contexts may not form a cycle)")
        fwd = c["forward"]
        if kind.endswith("_grad") != (fwd is not None):
            raise ValueError(f"control_flow context {i}: a {kind} context "
                             f"{'needs' if kind.endswith('_grad') else 'has no'} forward context")
        if fwd is not None and (out[fwd]["kind"] != kind[:-5] or out[fwd]["label"] != label):
            raise ValueError(f"control_flow context {i} ({kind} {label}) has forward context "
                             f"{fwd}, which is a {out[fwd]['kind']} {out[fwd]['label']}")
        out.append(dict(c))
    return out


def _check_specs(specs, contexts, pos, types, members, tensor_name, ops):
    """The decoded specs and ``{context index: owning op name}``."""
    if not isinstance(specs, dict) or len(specs) > len(ops):
        raise ValueError("control_flow specs must be an object {op name: spec}")
    check = _SpecChecker(contexts, pos, types, members, tensor_name, ops)
    return {name: check.spec(name, s) for name, s in specs.items()}, check.owner


class _SpecChecker:
    """Checks Cond/While/WhileGrad specs against the file's ops and contexts, noting which op
    owns each context (each context may be owned once)."""

    def __init__(self, contexts, pos, types, members, tensor_name, ops):
        self.contexts, self.pos, self.types, self.members = contexts, pos, types, members
        self.tensor_name, self.ops, self.owner = tensor_name, ops, {}

    def tensor(self, v, where, before):
        src, idx = self.tensor_name(v, where)
        pos = self.pos
        if src not in pos or pos[src] >= before or idx >= max(len(self.ops[pos[src]]["shapes"]), 1):
            raise ValueError(f"{where} names tensor '{src}:{idx}', which no earlier op in the file makes")
        return src, idx

    def tensors(self, v, where, before):
        if not isinstance(v, list) or len(v) > MAX_LIST:
            raise ValueError(f"{where} must be a list of at most {MAX_LIST} tensor names")
        return [self.tensor(t, f"{where}[{j}]", before) for j, t in enumerate(v)]

    def branch(self, b, where, name):
        if not isinstance(b, dict) or set(b) != {"context", "args", "outputs"}:
            raise ValueError(f"{where} must be {{context, args, outputs}}")
        c, contexts = b["context"], self.contexts
        if type(c) is not int or not 0 <= c < len(contexts):
            raise ValueError(f"{where} names context {str(c)[:20]}, which is not in the file")
        if contexts[c]["kind"] not in OWNER_KINDS[self.types[name]]:
            raise ValueError(f"{where}: a {self.types[name]} op cannot run a "
                             f"{contexts[c]['kind']} context")
        if c in self.owner:
            raise ValueError(f"{where}: context {c} is already run by {self.owner[c]!r}")
        self.owner[c] = name
        args = self.tensors(b["args"], f"{where} args", self.pos[name])
        for src, _ in args:
            if self.types[src] != "Arg" or self.members.get(src) != c:
                raise ValueError(f"{where}: argument {src!r} is not an Arg op of context {c}")
        return {"context": c, "args": args,
                "outputs": self.tensors(b["outputs"], f"{where} outputs", self.pos[name])}

    def spec(self, name, s):
        if name not in self.pos:
            raise ValueError(f"control_flow specs name op {str(name)[:60]!r}, which is not in the file")
        typ, where, at = self.types[name], f"control_flow spec of {name!r}", self.pos[name]
        if typ not in OWNER_KINDS:
            raise ValueError(f"{where}: a {typ} op runs no branches or body")
        if not isinstance(s, dict) or s.get("type") != typ or set(s) != _SPEC_KEYS[typ]:
            raise ValueError(f"{where} must be an object with exactly {sorted(_SPEC_KEYS[typ])}")
        d = {"type": typ}
        if typ == "Cond":
            d["branches"] = self.cond_branches(s["branches"], where, name)
        else:
            d["body"] = self.branch(s["body"], f"{where} body", name)
        for key in ("n_args", "m"):
            if key in s:
                if type(s[key]) is not int or not 0 <= s[key] <= MAX_LIST:
                    raise ValueError(f"{where}: {key} must be a small non-negative int")
                d[key] = s[key]
        for key in ("has_frame", "has_max", "back_prop"):
            if key in s:
                if type(s[key]) is not bool:
                    raise ValueError(f"{where}: {key} must be true or false")
                d[key] = s[key]
        if typ == "While":
            d["pred"] = self.tensor(s["pred"], f"{where} pred", at)
        if typ == "WhileGrad":
            fwd = s["forward"]
            if not isinstance(fwd, str) or fwd not in self.pos or self.pos[fwd] >= at \
                    or self.types[fwd] != "While":
                raise ValueError(f"{where}: forward must name an earlier While op, got {str(fwd)[:60]!r}")
            d["forward"] = fwd
            d["caps"] = self.tensors(s["caps"], f"{where} caps", at)
        return d

    def cond_branches(self, branches, where, name):
        if not isinstance(branches, list) or len(branches) != 2:
            raise ValueError(f"{where}: branches must be a list of two (true, false)")
        out = [self.branch(b, f"{where} branch {j}", name) for j, b in enumerate(branches)]
        ks = [(self.contexts[b["context"]]["kind"], self.contexts[b["context"]]["label"]) for b in out]
        if [k[1] for k in ks] != ["true", "false"] or ks[0][0] != ks[1][0]:
            raise ValueError(f"{where}: branches must be a true and a false branch of one kind")
        return out


# --------------------------------------------------------------------------- rebuilding
def make_contexts(contexts):
    """Fresh ``ControlFlowContext`` objects for the file's context records (in order)."""
    made = []
    for c in contexts:
        outer = made[c["outer"]] if c["outer"] is not None else None
        forward = made[c["forward"]] if c["forward"] is not None else None
        made.append(ControlFlowContext(c["kind"], c["label"], outer=outer, forward=forward))
    return made


def make_spec(d, made, tensor, built):
    """The spec object a Cond/While/WhileGrad op runs, from its checked record."""
    def branch(b):
        return Branch(made[b["context"]], [tensor(t) for t in b["args"]],
                      [tensor(t) for t in b["outputs"]])
    if d["type"] == "Cond":
        return CondSpec([branch(b) for b in d["branches"]], d["n_args"], d["has_frame"])
    if d["type"] == "While":
        b = d["body"]
        return WhileSpec(made[b["context"]], [tensor(t) for t in b["args"]], tensor(d["pred"]),
                         [tensor(t) for t in b["outputs"]], d["has_max"], d["back_prop"])
    return WhileGradSpec(branch(d["body"]), built[d["forward"]], d["m"],
                         [tensor(t) for t in d["caps"]])


def own(op, spec):
    """Make ``op`` the owner of its spec's contexts; ValueError if what the rebuilt branches
    read is not among the op's inputs (the file's inputs and its branches disagree)."""
    _check_layout(op, spec)
    inputs = set(op.inputs)
    for ctx in spec.contexts:
        ctx.op = op
        missing = [t.name for t in ctx.captures if t not in inputs]
        if missing:
            raise ValueError(f"op {op.name!r} does not take {missing[0]!r} as an input, which its "
                             f"{ctx.describe()} reads")


def _check_layout(op, spec):
    """ValueError unless the spec's counts and its gradient's frame fit the rebuilt op (a
    consistent file always does: this is what the kernels rely on)."""
    def fail(what):
        raise ValueError(f"op {op.name!r} ({op.type}): {what}")
    if isinstance(spec, CondSpec):
        t, f = spec.branches
        if len(t.outputs) != len(f.outputs) or not len(t.args) == len(f.args) == spec.n_args:
            fail("its branches differ in their number of arguments or results")
        grad = t.ctx.kind == "cond_grad"
        if spec.has_frame != grad:
            fail("a cond gradient (and only one) reads the frame of its forward Cond")
        if grad:
            fwd = op.inputs[1].op
            if fwd.type != "Cond" or op.inputs[1] is not fwd.outputs[-1] or \
                    fwd.control_flow.contexts != [t.ctx.forward, f.ctx.forward]:
                fail("its frame input is not the frame of the Cond whose branches it differentiates")
    elif isinstance(spec, WhileSpec):
        if len(spec.args) != len(spec.outputs):
            fail("its body gives back a different number of values than it has loop variables")
    else:
        body, fwd = spec.body, spec.forward
        if len(body.args) != spec.m or len(body.outputs) != spec.m + len(spec.caps):
            fail("its body's arguments or results do not match m and caps")
        if body.ctx.forward is not fwd.control_flow.ctx or op.inputs[spec.m] is not fwd.outputs[-1]:
            fail(f"it does not differentiate the loop {fwd.name!r} it names")
