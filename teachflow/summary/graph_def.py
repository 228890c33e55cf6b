"""A teachflow ``Graph`` as TensorFlow's ``GraphDef`` message, for TensorBoard's Graphs tab.

One ``NodeDef`` per op, with the op's full name (so name scopes become TensorBoard's
expandable boxes, the same clusters ``tf.viz`` draws), its TF op type, its inputs (``op``,
``op:1``, ``^op`` for a control input), its device, the element type, the static output shapes
(``_output_shapes``, which TensorBoard writes on the edges) and the op's simple attributes
(small constants included). Uses TensorBoard's published protos; never called without them.
"""
import numpy as np

from ..core import dtypes as _dtypes

_TYPE_NAMES = {"float16": "DT_HALF", "float32": "DT_FLOAT", "float64": "DT_DOUBLE", "int8": "DT_INT8",
               "int16": "DT_INT16", "int32": "DT_INT32", "int64": "DT_INT64", "uint8": "DT_UINT8",
               "bool": "DT_BOOL", "string": "DT_STRING"}
_DTYPE_ATTR_KINDS = ("constant", "placeholder", "variable")   # TF names the attr "dtype" there, else "T"
MAX_CONST_ELEMENTS = 1024   # larger constants are drawn without their value, as TF's own graph plugin does


def graph_def(graph, protos):
    """The ``GraphDef`` message for ``graph`` (a teachflow Graph)."""
    gpb = protos["graph_pb2"]
    out = gpb.GraphDef()
    out.versions.producer = 27    # TF 1.x's GraphDef version: readers know the layout
    for op in graph.get_operations():
        node = out.node.add(name=op.name, op=op.type, device=op.device or "")
        node.input.extend(t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"
                          for t in op.inputs)
        node.input.extend("^" + c.name for c in op.control_inputs)
        _fill_attrs(node, op, protos)
    return out


def _fill_attrs(node, op, protos):
    apb, types = protos["attr_value_pb2"], protos["types_pb2"]
    if op.outputs:
        key = "dtype" if op.opdef.kind in _DTYPE_ATTR_KINDS else "T"
        node.attr[key].CopyFrom(apb.AttrValue(type=_enum(op.outputs[0].dtype, types)))
        shapes = apb.AttrValue()
        for t in op.outputs:
            shapes.list.shape.add().CopyFrom(_shape_proto(t._dims, protos))
        node.attr["_output_shapes"].CopyFrom(shapes)
    for name, value in sorted(op.attrs.items()):
        if name in node.attr:
            continue
        attr = _attr(value, protos)
        if attr is not None:
            node.attr[name].CopyFrom(attr)


def _attr(value, protos):
    """An AttrValue for a plain attribute, or None for what TensorBoard would not show usefully."""
    apb = protos["attr_value_pb2"]
    if isinstance(value, (bool, np.bool_)):
        return apb.AttrValue(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return apb.AttrValue(i=int(value))
    if isinstance(value, (float, np.floating)):
        return apb.AttrValue(f=float(value))
    if isinstance(value, str):
        return apb.AttrValue(s=value.encode("utf-8"))
    if isinstance(value, _dtypes.DType):
        return apb.AttrValue(type=_enum(value, protos["types_pb2"]))
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (int, np.integer)) and
                                                          not isinstance(v, bool) for v in value):
        return apb.AttrValue(list=apb.AttrValue.ListValue(i=[int(v) for v in value]))
    if isinstance(value, np.ndarray) and value.size <= MAX_CONST_ELEMENTS and value.dtype.kind in "biuf":
        return apb.AttrValue(tensor=_tensor_proto(value, protos))
    return None


def _tensor_proto(array, protos):
    tpb = protos["tensor_pb2"]
    dtype = _dtypes.as_dtype(array.dtype)
    return tpb.TensorProto(dtype=_enum(dtype, protos["types_pb2"]),
                           tensor_shape=_shape_proto(array.shape, protos),
                           tensor_content=np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())


def _shape_proto(dims, protos):
    spb = protos["tensor_shape_pb2"]
    if dims is None:
        return spb.TensorShapeProto(unknown_rank=True)
    return spb.TensorShapeProto(dim=[spb.TensorShapeProto.Dim(size=-1 if d is None else int(d))
                                     for d in dims])


def _enum(dtype, types):
    return getattr(types, _TYPE_NAMES.get(dtype.name, "DT_INVALID"))
