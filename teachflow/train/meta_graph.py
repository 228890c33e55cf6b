"""Meta graphs: the graph itself saved beside a checkpoint, as data only, and rebuilt from it.

``Saver.save(sess, "ckpt/model")`` also writes ``ckpt/model.meta``;
``tf.train.import_meta_graph("ckpt/model.meta")`` rebuilds that graph in the default graph and
returns a ``Saver`` for its variables, so a program can resume training or reuse a trained
layer without the code that built it (TF1's import-based transfer learning).

The format (``teachflow-meta-graph-1``) is one JSON object, documented here because a student
may open it:

- ``format``; ``sha256``: the SHA-256 of the rest, in canonical JSON (sorted keys, no spaces);
- ``ops``: in creation order (so every input exists before it is used), each
  ``{name, type, inputs: ["op:0", ...], control_inputs: [op names], device, attrs, shapes,
  gradient_of, grad_input_index, grad_incoming, variable}``. ``type`` must be a registered
  op type (``core/opdef.py``'s ``OPS``), so a file can only ask for kernels teachflow already
  has; ``shapes`` are the static output shapes (``null`` for an unknown dimension);
  ``gradient_of``/``grad_input_index``/``grad_incoming`` keep what ``tf.gradients`` marked
  (the step-through reads them); ``variable`` (for a ``tf.Variable``) holds
  ``{initial_value, initializer, trainable}``;
- ``collections``: ``{key: [item, ...]}``, an item being ``{"variable": name}``,
  ``{"tensor": "op:0"}``, ``{"op": name}`` or a plain string/number/bool. Items of other
  kinds are left out with a warning, as TF1 does;
- ``var_store``: ``{full name: variable name}`` for ``tf.get_variable`` reuse.
- ``control_flow`` (only in the meta graph of a graph with ``tf.cond``/``tf.while_loop``,
  hence also ``dynamic_rnn``): which ops form each branch or loop body (and their gradients),
  and what each Cond/While/WhileGrad op runs, as plain data; ``meta_control_flow.py``
  documents and checks it.

Attribute values are tagged data: JSON numbers, strings, bools and null as themselves;
``{"float": "nan"|"inf"|"-inf"}``; ``{"tuple": [...]}``, ``{"list": [...]}``;
``{"dtype": "float32"}``; ``{"slice": [start, stop, step]}``; ``{"ellipsis": null}``;
``{"array": {"dtype", "shape", "data"}}`` (a Const's value: ``data`` the flat list of
elements, strings as Latin-1 text of their bytes), or ``{"array": {"dtype", "shape", "fill"}}``
for an array holding one value everywhere (an optimizer's zero slots). Anything else (a Python callable, an
object) is refused when saving, naming the op and the attribute.

Reading treats every byte as data: the file's size is bounded before it is read, the checksum
checked, every field validated (names by TF1's rule, op types against ``OPS``, attribute
values by kind, array sizes before allocation) before the first op is added, so a bad file
adds nothing to the graph and never runs code.
"""
import hashlib
import json
import math
import os
import warnings

import numpy as np

from ..core import dtypes as _dtypes
from ..core import errors
from ..core.files import atomic_write
from ..core.graph import (Operation, Tensor, check_op_name, check_scope_name,
                          get_default_graph)
from ..core.opdef import OPS
from ..core.shapes import TensorShape
from ..core.variables import Variable
from . import meta_control_flow as _cf

FORMAT = "teachflow-meta-graph-1"
MAX_FILE_BYTES = 256 * 2 ** 20        # a graph with a few large constants; above is refused unread
MAX_OPS = 500_000
MAX_ARRAY_ELEMENTS = 32 * 2 ** 20
MAX_TENSOR_ELEMENTS = 2 ** 31           # an imported op may not promise a larger tensor
MAX_DEPTH = 8                         # nesting of attribute values (tuples of tuples ...)
MAX_STRING = 4096                     # an attribute string, a device, a collection key
MAX_LIST = 1024                       # elements of a tuple/list attribute (arrays are separate)
ARRAY_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                "bool", "string")
_OP_KEYS = {"name", "type", "inputs", "control_inputs", "device", "attrs", "shapes",
            "gradient_of", "grad_input_index", "grad_incoming", "variable"}
_TOP_KEYS = {"format", "sha256", "ops", "collections", "var_store"}
_CF_KEY = "control_flow"  # present only in the meta graph of a graph with tf.cond/tf.while_loop
_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class MetaGraphError(ValueError):
    """A graph that cannot be written as data (an attribute holding code or an object)."""


# --------------------------------------------------------------------------- writing
def _float(x):
    x = float(x)
    if math.isfinite(x):
        return x
    return {"float": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _array(a):
    a = np.asarray(a)
    name = "string" if a.dtype.kind in "OSU" else a.dtype.name
    if name not in ARRAY_DTYPES:
        raise TypeError(f"an array of dtype {a.dtype.name} (supported: {', '.join(ARRAY_DTYPES)})")
    if a.size > 1 and name != "string" and (a.flat[0] == a).all() and not np.isnan(a.flat[0]):
        return {"array": {"dtype": name, "shape": list(a.shape),  # zeros, ones: one value
                          "fill": _encode(a.flat[0].item())}}
    flat = a.ravel().tolist()
    if name == "string":
        flat = [(x if isinstance(x, bytes) else str(x).encode()).decode("latin-1") for x in flat]
    elif a.dtype.kind == "f":
        flat = [_float(x) for x in flat]
    return {"array": {"dtype": name, "shape": list(a.shape), "data": flat}}


def _encode(v):
    """An attribute value as tagged JSON data; TypeError for anything that is not data."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return _float(v)
    if isinstance(v, _dtypes.DType):
        return {"dtype": v.name}
    if isinstance(v, TensorShape):
        return {"tuple": [_encode(d) for d in v.dims]} if v.dims is not None else None
    if isinstance(v, tuple):
        return {"tuple": [_encode(x) for x in v]}
    if isinstance(v, list):
        return {"list": [_encode(x) for x in v]}
    if isinstance(v, slice):
        return {"slice": [_encode(v.start), _encode(v.stop), _encode(v.step)]}
    if v is Ellipsis:
        return {"ellipsis": None}
    if isinstance(v, np.ndarray):
        return _array(v)
    raise TypeError(f"a {type(v).__module__}.{type(v).__qualname__}, which is not data")


def _item(v):
    if isinstance(v, Variable):
        return {"variable": v.op.name}
    if isinstance(v, Tensor):
        return {"tensor": v.name}
    if isinstance(v, Operation):
        return {"op": v.name}
    if v is None or isinstance(v, (bool, str)) or (isinstance(v, (int, float)) and math.isfinite(v)):
        return v
    return Ellipsis  # not data: left out


def meta_graph_dict(graph=None, collection_list=None, clear_devices=False):
    """The meta graph of ``graph`` (default: the default graph) as a sealed JSON-ready dict."""
    g = graph if graph is not None else get_default_graph()
    ops = []
    for op in g.get_operations():
        if OPS.get(op.type) is not op.opdef:
            raise MetaGraphError(f"Cannot write op {op.name!r} to a meta graph: its type {op.type!r} "
                                 "is not a registered op type, so it could not be rebuilt.")
        attrs = {}
        for k, v in op.attrs.items():
            try:
                attrs[k] = _encode(v)
            except TypeError as e:
                raise MetaGraphError(
                    f"Cannot write op {op.name!r} (type {op.type}) to a meta graph: its attribute "
                    f"{k!r} holds {e}; a meta graph holds only data (numbers, strings, bools, "
                    "dtypes, shapes, arrays).") from None
        rec = {"name": op.name, "type": op.type, "inputs": [t.name for t in op.inputs],
               "control_inputs": [c.name for c in op.control_inputs],
               "device": None if clear_devices else op.device, "attrs": attrs,
               "shapes": [None if t._dims is None else list(t._dims) for t in op.outputs],
               "gradient_of": op.gradient_of.name if op.gradient_of is not None else None,
               "grad_input_index": op.grad_input_index,
               "grad_incoming": op.grad_incoming.name if op.grad_incoming is not None else None,
               "variable": None}
        out = op.outputs[0] if op.outputs else None
        if isinstance(out, Variable):
            rec["variable"] = {"initial_value": out.initial_value.name,
                               "initializer": out.initializer.name, "trainable": bool(out.trainable)}
        ops.append(rec)
    collections = {}
    keys = g.get_all_collection_keys() if collection_list is None else collection_list
    for key in keys:
        if not isinstance(key, str):
            warnings.warn(f"meta graph: collection key {key!r} is not a string; left out.")
            continue
        items = [_item(v) for v in g.get_collection(key)]
        if any(i is Ellipsis for i in items):
            warnings.warn(f"meta graph: collection {key!r} holds items that are not graph elements "
                          "or plain values; they are left out (as TF1 does).")
        collections[key] = [i for i in items if i is not Ellipsis]
    var_store = {k: v.op.name for k, v in g._var_store.items() if isinstance(v, Variable)}
    body = {"format": FORMAT, "ops": ops, "collections": collections, "var_store": var_store}
    try:
        cf = _cf.control_flow_dict(g.get_operations())
    except TypeError as e:
        raise MetaGraphError(f"Cannot write the graph to a meta graph: {e}.") from None
    if cf is not None:
        body[_CF_KEY] = cf
    return dict(body, sha256=_checksum(body))


def _checksum(meta):
    body = {k: v for k, v in meta.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def meta_graph_bytes(graph=None, collection_list=None, clear_devices=False):
    """The ``.meta`` file's bytes for ``graph``."""
    meta = meta_graph_dict(graph, collection_list, clear_devices)
    return json.dumps(meta, indent=None, separators=(",", ":"), allow_nan=False).encode()


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False, strip_default_attrs=False,
                      save_debug_info=False, **kwargs):
    """``tf.train.export_meta_graph("model.meta")``: write the default graph (or ``graph``)
    as a meta graph file (written atomically); returns the meta graph as a dict."""
    if export_scope:
        raise NotImplementedError("tf.train.export_meta_graph(export_scope=...) is not supported "
                                  "in teachflow: export the whole graph and import it with "
                                  "import_scope= instead.")
    meta = meta_graph_dict(graph, collection_list, clear_devices)
    if filename is not None:
        atomic_write(os.fspath(filename),
                     json.dumps(meta, separators=(",", ":"), allow_nan=False).encode())
    return meta


# --------------------------------------------------------------------------- reading
def _text(v, what, limit=MAX_STRING):
    if not isinstance(v, str) or len(v) > limit or not v.isprintable():
        raise ValueError(f"{what} must be printable text of at most {limit} characters, "
                         f"got {str(v)[:60]!r}")
    return v


def _decode(v, where, depth=0):
    """An attribute value from its tagged JSON form; ValueError naming ``where`` if it is not
    one of the documented kinds."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: values nested deeper than {MAX_DEPTH} levels")
    if v is None or isinstance(v, (bool, int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{where}: a non-finite number must be written as {{\"float\": ...}}")
        return v
    if isinstance(v, str):
        return _text(v, where)
    if not (isinstance(v, dict) and len(v) == 1):
        raise ValueError(f"{where}: expected a number, string, bool, null or a one-key tagged "
                         f"object, got {str(v)[:60]}")
    (tag, x), = v.items()
    if tag == "float" and x in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[x]
    if tag == "dtype" and isinstance(x, str) and x in _dtypes._BY_NAME:
        return _dtypes.as_dtype(x)
    if tag in ("tuple", "list") and isinstance(x, list) and len(x) <= MAX_LIST:
        items = [_decode(e, where, depth + 1) for e in x]
        return tuple(items) if tag == "tuple" else items
    if tag == "slice" and isinstance(x, list) and len(x) == 3 and all(
            e is None or (type(e) is int) for e in x):
        return slice(*x)
    if tag == "ellipsis" and x is None:
        return Ellipsis
    if tag == "array":
        return _decode_array(x, where)
    raise ValueError(f"{where}: unknown or malformed value tag {str(tag)[:40]!r} (expected float, "
                     "dtype, tuple, list, slice, ellipsis or array)")


def _decode_array(x, where):
    if not (isinstance(x, dict) and set(x) in ({"dtype", "shape", "data"}, {"dtype", "shape", "fill"})):
        raise ValueError(f"{where}: an array must be {{dtype, shape, data}} or {{dtype, shape, fill}}")
    dtype, shape = x["dtype"], x["shape"]
    if dtype not in ARRAY_DTYPES:
        raise ValueError(f"{where}: array dtype must be one of {', '.join(ARRAY_DTYPES)}, "
                         f"got {str(dtype)[:40]!r}")
    if not (isinstance(shape, list) and len(shape) <= 32 and all(
            type(d) is int and 0 <= d <= MAX_ARRAY_ELEMENTS for d in shape)):
        raise ValueError(f"{where}: array shape must be a list of at most 32 non-negative ints")
    n = 1
    for d in shape:
        n *= d
        if n > MAX_ARRAY_ELEMENTS:
            raise ValueError(f"{where}: an array of shape {shape} is larger than "
                             f"{MAX_ARRAY_ELEMENTS:,} elements")
    if "fill" in x:  # one value repeated: checked as a one-element array, then broadcast
        one = _decode_array({"dtype": dtype, "shape": [], "data": [x["fill"]]}, where)
        return np.full(shape, one, dtype=one.dtype)
    data = x["data"]
    if not isinstance(data, list) or len(data) != n:
        raise ValueError(f"{where}: array data must be a flat list of {n} elements (its shape "
                         f"{shape}), got {len(data) if isinstance(data, list) else type(data).__name__}")
    if dtype == "string":
        if not all(isinstance(e, str) and len(e) <= MAX_ARRAY_ELEMENTS for e in data):
            raise ValueError(f"{where}: a string array holds only strings")
        try:
            out = np.empty(n, dtype=object)
            out[:] = [e.encode("latin-1") for e in data]
        except UnicodeEncodeError:
            raise ValueError(f"{where}: string array elements must be Latin-1 text of bytes") from None
        return out.reshape(shape)
    if dtype == "bool":
        ok = all(type(e) is bool for e in data)
    elif dtype.startswith("float"):
        ok = all((type(e) in (int, float) and math.isfinite(e)) or
                 (isinstance(e, dict) and len(e) == 1 and e.get("float") in _SPECIAL_FLOATS)
                 for e in data)
        data = [_SPECIAL_FLOATS[e["float"]] if isinstance(e, dict) else e for e in data]
    else:
        info = np.iinfo(dtype)
        ok = all(type(e) is int and info.min <= e <= info.max for e in data)
    if not ok:
        raise ValueError(f"{where}: array elements do not all fit dtype {dtype}")
    return np.array(data, dtype=dtype).reshape(shape)


def _tensor_name(v, where):
    _text(v, where)
    op_name, sep, index = v.rpartition(":")
    if not sep or not index.isdigit() or len(index) > 6:
        raise ValueError(f"{where}: a tensor name looks like 'scope/op:0', got {v[:60]!r}")
    check_op_name(op_name, f"op name in {where}")
    return op_name, int(index)


def _check_op(rec, i):
    """The fields of op record ``i``, validated; returns them decoded (no graph touched)."""
    if not isinstance(rec, dict) or set(rec) != _OP_KEYS:
        raise ValueError(f"ops[{i}] must be an object with exactly the fields {sorted(_OP_KEYS)}")
    name = rec["name"]
    try:
        check_op_name(name, f"op name in ops[{i}]")
    except TypeError as e:
        raise ValueError(str(e)) from None
    where = f"op {name!r}"
    typ = rec["type"]
    if not isinstance(typ, str) or typ not in OPS:
        raise ValueError(f"{where} has unknown op type {str(typ)[:60]!r}: a meta graph may name "
                         "only op types registered in teachflow (core/opdef.py's OPS)")
    for key in ("inputs", "control_inputs", "shapes"):
        if not isinstance(rec[key], list) or len(rec[key]) > MAX_LIST:
            raise ValueError(f"{where}: {key} must be a list of at most {MAX_LIST} entries")
    inputs = [_tensor_name(t, f"{where} input {j}") for j, t in enumerate(rec["inputs"])]
    control = [check_op_name(_text(c, f"{where} control input"), f"control input of {where}")
               for c in rec["control_inputs"]]
    device = rec["device"]
    if device is not None:
        _text(device, f"{where} device", 256)
    if not isinstance(rec["attrs"], dict) or len(rec["attrs"]) > 64:
        raise ValueError(f"{where}: attrs must be an object of at most 64 entries")
    attrs = {}
    for k, v in rec["attrs"].items():
        _text(k, f"{where} attribute name", 64)
        attrs[k] = _decode(v, f"{where} attribute {k!r}")
    shapes = []
    for s in rec["shapes"]:
        if s is not None and not (isinstance(s, list) and len(s) <= 32 and all(
                d is None or (type(d) is int and 0 <= d < 2 ** 40) for d in s)):
            raise ValueError(f"{where}: shapes must be lists of ints or null, got {str(s)[:60]}")
        shapes.append(s)
    grad_of = rec["gradient_of"]
    if grad_of is not None:
        check_op_name(_text(grad_of, f"{where} gradient_of"), f"gradient_of of {where}")
    gii = rec["grad_input_index"]
    if gii is not None and not (type(gii) is int and 0 <= gii < MAX_LIST):
        raise ValueError(f"{where}: grad_input_index must be a small int or null")
    incoming = rec["grad_incoming"]
    if incoming is not None:
        incoming = _tensor_name(incoming, f"{where} grad_incoming")
    var = rec["variable"]
    if var is not None:
        if typ != "VariableV2" or not isinstance(var, dict) or set(var) != {
                "initial_value", "initializer", "trainable"} or type(var["trainable"]) is not bool:
            raise ValueError(f"{where}: variable must be {{initial_value, initializer, trainable}} "
                             "on a VariableV2 op")
        var = {"initial_value": _tensor_name(var["initial_value"], f"{where} initial_value"),
               "initializer": check_op_name(_text(var["initializer"], f"{where} initializer"),
                                            f"initializer of {where}"),
               "trainable": var["trainable"]}
    return dict(name=name, type=typ, inputs=inputs, control=control, device=device, attrs=attrs,
                shapes=shapes, gradient_of=grad_of, grad_input_index=gii, grad_incoming=incoming,
                variable=var)


def _check_item(v, where):
    if v is None or isinstance(v, (bool, int, float)):
        return ("value", v)
    if isinstance(v, str):
        return ("value", _text(v, where))
    if isinstance(v, dict) and len(v) == 1:
        (kind, name), = v.items()
        if kind in ("variable", "op"):
            return (kind, check_op_name(_text(name, where), f"op name in {where}"))
        if kind == "tensor":
            return (kind, _tensor_name(name, where))
    raise ValueError(f"{where}: an item must be {{variable|tensor|op: name}} or a plain value, "
                     f"got {str(v)[:60]}")


def read_meta_graph(path):
    """The validated contents of meta graph file ``path``: ``(ops, collections, var_store,
    control flow)`` (the last as ``meta_control_flow.check_control_flow`` returns it);
    DataLossError naming the file if anything is wrong."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            raw = f.read(min(size, MAX_FILE_BYTES) + 1)
    except FileNotFoundError:
        raise errors.NotFoundError(f"No meta graph file {path}: Saver.save writes one beside each "
                                   "checkpoint ('<prefix>.meta').") from None
    except IsADirectoryError:
        raise errors.NotFoundError(f"Meta graph {path} is a folder, not a file.") from None
    try:
        if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"it is larger than {MAX_FILE_BYTES // 2 ** 20} MiB")
        if not raw.lstrip()[:1] == b"{":
            raise ValueError("it is not a JSON object (TensorFlow's own protobuf .meta files "
                             "cannot be read: teachflow writes its meta graphs as JSON)")
        meta = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        if not isinstance(meta, dict):
            raise ValueError(f"it holds a JSON {type(meta).__name__}, not an object")
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown format {str(meta.get('format'))[:60]!r} (expected {FORMAT!r})")
        if set(meta) - {_CF_KEY} != _TOP_KEYS:
            raise ValueError(f"fields {sorted(meta)[:10]} differ from {sorted(_TOP_KEYS)} "
                             f"(and {_CF_KEY!r} for a graph with control flow)")
        if meta["sha256"] != _checksum(meta):
            raise ValueError("its sha256 does not match its content (the file was changed or damaged)")
        if not isinstance(meta["ops"], list) or len(meta["ops"]) > MAX_OPS:
            raise ValueError(f"ops must be a list of at most {MAX_OPS:,} entries")
        ops = [_check_op(rec, i) for i, rec in enumerate(meta["ops"])]
        flow = _cf.check_control_flow(meta.get(_CF_KEY), ops, _tensor_name)
        if not isinstance(meta["collections"], dict):
            raise ValueError("collections must be an object")
        collections = {}
        for key, items in meta["collections"].items():
            _text(key, "a collection key", 256)
            if not isinstance(items, list) or len(items) > MAX_OPS:
                raise ValueError(f"collection {key!r} must be a list")
            collections[key] = [_check_item(v, f"collection {key!r}") for v in items]
        if not isinstance(meta["var_store"], dict):
            raise ValueError("var_store must be an object")
        var_store = {}
        for k, v in meta["var_store"].items():
            var_store[check_op_name(k, "var_store name")] = check_op_name(_text(v, "var_store"),
                                                                          "var_store variable")
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as e:
        raise errors.DataLossError(f"Meta graph {path} is corrupt or not a teachflow meta graph: "
                                   f"{e}. Nothing was imported.") from None
    return ops, collections, var_store, flow


def _no_constant(name):
    raise ValueError(f"it holds the non-standard JSON constant {name}")


# --------------------------------------------------------------------------- rebuilding
def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """``saver = tf.train.import_meta_graph("ckpt/model.meta")``: add the saved graph to the
    default graph (under ``import_scope/`` if given), restore its collections, and return a
    ``Saver`` for its variables (None if it has none) -- then ``saver.restore(sess, prefix)``."""
    from .saver import Saver
    if isinstance(meta_graph_or_file, dict):
        raise TypeError("import_meta_graph takes the path of a .meta file in teachflow.")
    if not isinstance(meta_graph_or_file, (str, os.PathLike)) or not os.fspath(meta_graph_or_file):
        raise ValueError(f"import_meta_graph needs a .meta file path, got {meta_graph_or_file!r}.")
    ops, collections, var_store, (contexts, members, specs) = read_meta_graph(meta_graph_or_file)
    g = get_default_graph()
    prefix = ""
    if import_scope:
        check_scope_name(import_scope.rstrip("/"), nested=False)
        prefix = import_scope.rstrip("/") + "/"

    def full(name):
        return prefix + name

    # Every reference checked against the file's own ops before the graph is touched.
    path = os.fspath(meta_graph_or_file)
    try:
        _check_references(g, ops, collections, full)
    except (ValueError, TypeError) as e:
        raise errors.DataLossError(f"Meta graph {path} cannot be imported: {e}. Nothing was "
                                   "imported.") from None

    built = {}
    variables = []
    names_in_use = dict(g._names_in_use)
    flow = (_cf.make_contexts(contexts), members, specs)
    try:
        for rec in ops:
            _build(g, rec, built, full, clear_devices, variables, flow)
    except Exception as e:  # a record that passed the checks but not the op's own shape rule
        _undo(g, built)
        g._names_in_use = names_in_use
        raise errors.DataLossError(f"Meta graph {path} cannot be imported: {e}. Nothing was "
                                   "imported.") from None
    for var, rec in variables:
        src, idx = rec["initial_value"]
        var.initial_value = built[src].outputs[idx]
        var.initializer = built[rec["initializer"]]
    _restore_collections(g, collections, built)
    for k, v in var_store.items():
        if v in built and isinstance(built[v].outputs[0], Variable):
            g._var_store.setdefault(full(k), built[v].outputs[0])
    # the Saver restores the checkpoint's names (the file's) into the imported variables
    global_names = {ref for kind, ref in collections.get("variables", []) if kind == "variable"}
    var_list = {rec["name"]: built[rec["name"]].outputs[0] for rec in ops
                if rec["variable"] and rec["name"] in global_names}
    return Saver(var_list) if var_list else None


def _check_references(g, ops, collections, full):
    """Raise ValueError unless every op name is new and valid and every input, control input,
    initializer and collection entry names something the file itself made earlier."""
    made = {}
    for rec in ops:
        n = rec["name"]
        if n in made:
            raise ValueError(f"the op name {n!r} appears twice")
        if full(n) in g._ops_by_name:
            raise ValueError(f"the graph already has an op named {full(n)!r}; import into a "
                             "fresh graph (tf.reset_default_graph()) or pass import_scope=")
        check_op_name(full(n))
        for (src, idx) in rec["inputs"] + ([rec["grad_incoming"]] if rec["grad_incoming"] else []):
            if src not in made or idx >= made[src]:
                raise ValueError(f"op {n!r} uses tensor '{src}:{idx}', which no earlier op makes")
        for c in rec["control"] + ([rec["gradient_of"]] if rec["gradient_of"] else []):
            if c not in made:
                raise ValueError(f"op {n!r} refers to op {c!r}, which is not an earlier op")
        made[n] = max(len(rec["shapes"]), 1)
    for rec in ops:
        if rec["variable"]:
            src, idx = rec["variable"]["initial_value"]
            if src not in made or rec["variable"]["initializer"] not in made:
                raise ValueError(f"variable {rec['name']!r} names an initializer not in the file")
    is_var = {rec["name"] for rec in ops if rec["variable"]}
    for key, items in collections.items():
        for kind, ref in items:
            if kind in ("variable", "op") and ref not in made:
                raise ValueError(f"collection {key!r} names op {ref!r}, which is not in the file")
            if kind == "tensor" and (ref[0] not in made or ref[1] >= made[ref[0]]):
                raise ValueError(f"collection {key!r} names tensor '{ref[0]}:{ref[1]}', which "
                                 "is not in the file")
            if kind == "variable" and ref not in is_var:
                raise ValueError(f"collection {key!r} names {ref!r} as a variable, but it is not one")


def _restore_collections(g, collections, built):
    """Add the file's collections to ``g``, each entry mapped to the op or tensor built for it."""
    for key, items in collections.items():
        for kind, ref in items:
            if kind == "value":
                g.add_to_collection(key, ref)
            elif kind == "tensor":
                g.add_to_collection(key, built[ref[0]].outputs[ref[1]])
            elif kind == "variable":
                g.add_to_collection(key, built[ref].outputs[0])
            else:
                g.add_to_collection(key, built[ref])


def _build(g, rec, built, full, clear_devices, variables, flow):
    """Add the op of record ``rec``: inside its rebuilt branch/body context if it has one, and
    given its rebuilt spec if it is a Cond/While/WhileGrad (``flow``: contexts, members, specs)."""
    def tensor(ref):
        return built[ref[0]].outputs[ref[1]]

    made, members, specs = flow
    name = rec["name"]
    inputs = [tensor(ref) for ref in rec["inputs"]]
    control = [built[c] for c in rec["control"]]
    device = None if clear_devices else rec["device"]
    ctx = made[members[name]] if name in members else None
    spec = _cf.make_spec(specs[name], made, tensor, built) if name in specs else None
    with g.control_dependencies(None), g.control_flow_context(ctx), \
            g.control_dependencies(control), g.device(device):
        op = g.create_op(OPS[rec["type"]], inputs, rec["attrs"], full(name), exact_name=True,
                         control_flow=spec)
    built[name] = op
    if spec is not None:
        _cf.own(op, spec)
    # mark the name and its scopes as used, so new ops get fresh names (TF1's unique_name)
    parts = op.name.lower().split("/")
    for i in range(1, len(parts) + 1):
        key = "/".join(parts[:i])
        g._names_in_use[key] = max(g._names_in_use.get(key, 0), 1)
    if len(rec["shapes"]) != len(op.outputs):
        raise ValueError(f"op {rec['name']!r} ({rec['type']}) has {len(op.outputs)} outputs, the "
                         f"file says {len(rec['shapes'])}")
    for t, s in zip(op.outputs, rec["shapes"]):
        if s is not None:
            t.set_shape(s)  # a shape narrowed by set_shape when it was built
        if t._dims is not None and None not in t._dims and math.prod(t._dims) > MAX_TENSOR_ELEMENTS:
            raise ValueError(f"op {rec['name']!r} ({rec['type']}) would make a tensor of shape "
                             f"{list(t._dims)}, more than {MAX_TENSOR_ELEMENTS:,} elements")
    if rec["gradient_of"] is not None:
        op.gradient_of = built[rec["gradient_of"]]
        op.grad_input_index = rec["grad_input_index"]
        if rec["grad_incoming"] is not None:
            src, idx = rec["grad_incoming"]
            op.grad_incoming = built[src].outputs[idx]
    if rec["variable"] is not None:
        out = op.outputs[0]
        var = Variable.__new__(Variable)
        Tensor.__init__(var, op, 0, out._dims, out.dtype)
        op.outputs[0] = var
        var.trainable = rec["variable"]["trainable"]
        variables.append((var, rec["variable"]))


def _undo(g, built):
    """Take the ops of a failed import out of ``g`` again (they are the newest ops)."""
    ops = set(built.values())
    for op in ops:
        g._ops_by_name.pop(op.name, None)
        for t in op.inputs:
            if op in t._consumers:
                t._consumers.remove(op)
    g._ops[:] = [op for op in g._ops if op not in ops]
