"""The import rule of docs/architecture.md, checked on the source: imports point down only.

An AST scan of every module of ``teachflow/`` (imports inside functions included): a package
imports only from its own layer or the layers below it; ``core/`` imports nothing but
``core/``; only the top (``teachflow/__init__.py``, ``exercises/``, ``__main__``) imports the
``teachflow`` package itself; and no module but ``core/session.py`` and ``core/plan.py``
touches a private attribute of ``Session``.
"""
import ast
import pathlib

import teachflow

ROOT = pathlib.Path(teachflow.__file__).parent

# bottom to top, as drawn in docs/architecture.md; a package may import its own layer and below
LAYERS = [
    {"core"},
    {"ops", "datasets", "unsupported"},
    {"layers", "nn", "losses", "debugging", "train", "testing", "keras", "linalg", "config",
     "summary", "contrib"},
    {"distributed"},
    {"trace"},
    {"viz"},
    {"widgets"},
    {"exercises", "course", "doctor", "__main__", "__init__"},
]
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}
TOP_ONLY = {"exercises", "course", "doctor", "__main__", "__init__"}     # may ``import teachflow`` itself
SESSION_OWNERS = {ROOT / "core" / "session.py", ROOT / "core" / "plan.py"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("").parts
        yield path, rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _package(rel):
    return rel[0]


def _imported(rel, node):
    """The teachflow modules an import node names, as tuples of parts below ``teachflow``."""
    if isinstance(node, ast.Import):
        return [tuple(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == "teachflow"]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0:
        if not node.module or node.module.split(".")[0] != "teachflow":
            return []
        base = tuple(node.module.split(".")[1:])
    else:
        here = rel[:-1]  # the package the module is in
        base = here[:len(here) - (node.level - 1)] + (tuple(node.module.split(".")) if node.module else ())
    if node.module is None or (node.level and not base):
        return [base + (a.name,) for a in node.names]
    return [base]


def _violations():
    out = []
    for path, rel, tree in _modules():
        src = _package(rel)
        for node in ast.walk(tree):
            for target in _imported(rel, node):
                where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                if not target:
                    if src not in TOP_ONLY:
                        out.append(f"{where} imports the teachflow package itself; import the module it needs")
                    continue
                dst = target[0]
                if dst == src:
                    continue
                if src not in LEVEL or dst not in LEVEL:
                    out.append(f"{where}: {src} -> {dst}: place the package in LAYERS (and in docs/architecture.md)")
                elif src == "core" or LEVEL[dst] > LEVEL[src]:
                    out.append(f"{where}: {src}/ imports {'.'.join(target)} from a layer above it")
    return out


def test_imports_point_down():
    assert _violations() == []


def _session_private_attributes():
    tree = ast.parse((ROOT / "core" / "session.py").read_text(encoding="utf-8"))
    names = set()
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("Session")):
        for node in ast.walk(cls):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and not node.name.startswith("__"):
                names.add(node.name)
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "self" and node.attr.startswith("_") and not node.attr.startswith("__")):
                names.add(node.attr)
    return names


def test_no_private_session_attribute_outside_the_session_and_plan():
    private = _session_private_attributes()
    assert {"_plans", "_closed"} <= private  # the scan sees the session's own state
    reaches = []
    for path, rel, tree in _modules():
        if path in SESSION_OWNERS:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in private
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                reaches.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} .{node.attr}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in private):
                reaches.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} getattr(..., {node.args[1].value!r})")
    assert reaches == []


def test_the_scan_catches_what_it_forbids(tmp_path):
    """The rule is not vacuous: an upward import in core and a private reach are found."""
    upward = ast.parse("def f():\n    from ..viz import draw\n")
    node = upward.body[0].body[0]
    assert _imported(("core", "graph"), node) == [("viz",)]
    assert _imported(("distributed", "models"), ast.parse("import teachflow as tf").body[0]) == [()]
    assert _imported(("ops", "__init__"), ast.parse("from . import math_ops").body[0]) == [("ops", "math_ops")]
    private = _session_private_attributes()
    reach = ast.parse("sess._plans.clear()")
    assert any(isinstance(n, ast.Attribute) and n.attr in private for n in ast.walk(reach))
