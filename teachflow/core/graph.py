"""The computation graph: Operations (nodes) joined by Tensors (edges).

Nothing here computes numbers. Building the graph only records *what* to compute: each
Operation knows its type (an OpDef, see ``core/opdef.py``), its input Tensors, its attributes,
its name scope and its device. Running it is the Session's job (``core/session.py``).
"""
import contextlib
import re
import threading

from .control_flow import check_top_level
from .shapes import TensorShape

# TF1's rules (tensorflow/python/framework/ops.py). An op name starts with a letter, digit or
# '.'; a scope opened inside another scope may also start with '_', '-', '/' or '>'. Names are
# checked with fullmatch: ``re.match(...$)`` would let a trailing newline through.
VALID_OP_NAME = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.\-/>]*")
VALID_SCOPE_NAME = re.compile(r"[A-Za-z0-9_.\-/>]*")
_NAME_RULE = "letters, digits and '.', then also '_', '-', '/', '>'"


def check_op_name(name, what="node name"):
    """``name`` if it is a valid TF1 op name, else TF1's ValueError ("... is not a valid node
    name"). Every name that reaches a graph passes here: ops, variables, checkpoint entries."""
    if not isinstance(name, str):
        raise TypeError(f"A {what} must be a string, got {name!r} ({type(name).__name__}).")
    if not VALID_OP_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid {what}: a name must match "
                         f"[A-Za-z0-9.][A-Za-z0-9_.\\-/>]* ({_NAME_RULE}).")
    return name


def check_scope_name(name, nested):
    """TF1's rule for ``name_scope(name)``: at the root a scope is an op-name prefix; nested,
    it may also start with '_', '-', '/' or '>'. A trailing '/' (re-enter a scope) is allowed."""
    if not isinstance(name, str):
        raise TypeError(f"A scope name must be a string, got {name!r} ({type(name).__name__}).")
    rx = VALID_SCOPE_NAME if nested else VALID_OP_NAME
    if not rx.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid scope name: use {_NAME_RULE}"
                         + ("." if nested else " (a root scope must not start with '_', '-', '/' or '>')."))
    return name


class GraphKeys:
    """Standard collection names, as in TF1."""
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    SUMMARIES = "summaries"
    SAVERS = "savers"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    VARIABLES = GLOBAL_VARIABLES


class Tensor:
    """One output of an Operation: a symbolic handle for a value that exists only during a run.

    ``name`` is ``"<op name>:<output index>"`` (``"layer1/MatMul:0"``); ``shape`` is the static
    shape known at graph-construction time, ``None`` marking a dimension fixed only by the feed.
    """

    __array_priority__ = 100  # so that ``ndarray * tensor`` defers to Tensor.__rmul__

    def __init__(self, op, value_index, shape, dtype):
        self.op = op
        self.value_index = value_index
        self._dims = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self._consumers = []

    # ----- identity and static facts
    @property
    def name(self):
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self):
        return self.op.graph

    @property
    def device(self):
        return self.op.device

    @property
    def shape(self):
        return TensorShape(self._dims)

    def get_shape(self):
        return TensorShape(self._dims)

    def set_shape(self, shape):
        """Narrow the static shape (e.g. ``(None, 784)`` -> ``(50, 784)``); a conflict is an error."""
        merged = TensorShape(self._dims).merge_with(shape)
        self._dims = merged.dims

    @property
    def ndim(self):
        return None if self._dims is None else len(self._dims)

    def consumers(self):
        """The Operations that take this tensor as an input."""
        return list(self._consumers)

    # ----- running
    def eval(self, feed_dict=None, session=None):
        """The value of this tensor in ``session`` (default: the default session)."""
        from .session import _session_or_default
        return _session_or_default(session, self).run(self, feed_dict)

    # ----- Python protocol: a Tensor is a symbol, not a value
    def __bool__(self):
        raise TypeError(
            f"Using a tf.Tensor ({self.name}) as a Python bool is not allowed: its value exists only "
            "inside sess.run. Use tf.where/tf.cond-style ops, or run it first.")

    def __iter__(self):
        raise TypeError(f"Tensor {self.name} is not iterable: index it (t[0]) or use tf.unstack-style ops.")

    def __len__(self):
        raise TypeError(f"len() of Tensor {self.name} is not defined; use its .shape.")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):  # identity, as in TF1 (tf.equal compares values)
        return self is other

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    def _as_graph_element(self):
        return self


class Operation:
    """A node of the graph: an op type (``opdef``) applied to input tensors.

    Besides TF's fields, each op records ``gradient_of``: for an op that ``tf.gradients`` added,
    the forward op it differentiates (and ``grad_input_index``, which input's gradient it
    produces when it is the final op of that rule). The step-through and the renderer read these.
    """

    def __init__(self, graph, opdef, name, inputs, attrs, device, control_inputs):
        self.graph = graph
        self.opdef = opdef
        self.name = name
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.device = device
        self.control_inputs = list(control_inputs)
        self.outputs = []
        self.gradient_of = None
        self.grad_input_index = None
        self.grad_incoming = None
        self.context = None        # the tf.cond branch / tf.while_loop body it belongs to
        self.control_flow = None   # for a Cond/While op: the branches or body it runs
        self._id = len(graph._ops)

    @property
    def type(self):
        return self.opdef.type

    @property
    def is_gradient(self):
        return self.gradient_of is not None

    def values(self):
        return tuple(self.outputs)

    def get_attr(self, name):
        return self.attrs[name]

    @property
    def scope(self):
        """The name scope this op lives in (``"dnn/hidden1"`` for ``dnn/hidden1/MatMul``)."""
        return self.name.rpartition("/")[0]

    def run(self, feed_dict=None, session=None):
        """Run this op (for its side effects) in ``session`` (default: the default session)."""
        from .session import _session_or_default
        _session_or_default(session, self).run(self, feed_dict)

    def _as_graph_element(self):
        return self

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Graph:
    """A container of Operations plus the bookkeeping TF1 keeps beside them: names in use,
    the current name scope, device and control-dependency contexts, and collections."""

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._device = None
        self._control_deps = []          # stack of lists of ops
        self._collections = {}
        self._gradient_context = None   # (forward op, incoming grad) while tf.gradients builds
        self._flow_context = None       # the ControlFlowContext new ops belong to (None: top level)
        self._finalized = False
        self.seed = None                # graph-level seed (tf.set_random_seed)
        self._var_store = {}            # get_variable: full name -> Variable
        self._var_scope_stack = []      # VariableScope objects

    # ----- default graph
    @contextlib.contextmanager
    def as_default(self):
        """Make this graph the default for ops created in the ``with`` block."""
        _stack().append(self)
        try:
            yield self
        finally:
            _stack().pop()

    def finalize(self):
        """Forbid new ops (a guard against building ops inside a training loop)."""
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    # ----- names
    def unique_name(self, name, mark_as_used=True):
        """``name`` if unused, else ``name_1``, ``name_2`` ... (TF1's rule, case-insensitive)."""
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    def get_name_scope(self):
        return self._name_stack.rstrip("/")

    @contextlib.contextmanager
    def name_scope(self, name):
        """Prefix the names of ops created inside with ``name/``; yields the scope string.

        A name ending in ``/`` re-enters that exact scope; ``None`` or ``""`` goes to the root.
        """
        old = self._name_stack
        if name:
            check_scope_name(name, nested=bool(old))
        if not name:
            new = ""
        elif name.endswith("/"):
            new = "" if name == "/" else name  # TF1: "/" is the root scope
        else:
            new = self.unique_name(old + name) + "/"
        self._name_stack = new
        try:
            yield new
        finally:
            self._name_stack = old

    # ----- devices and control dependencies
    @contextlib.contextmanager
    def device(self, device_name):
        """Record ``device_name`` (``"/gpu:0"``, ``"/job:worker/task:1"``) on ops created inside."""
        if device_name is not None and not isinstance(device_name, str):
            raise TypeError(f"tf.device expects a device name string like '/cpu:0', got {device_name!r}")
        old = self._device
        self._device = device_name or None
        try:
            yield
        finally:
            self._device = old

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after ``control_inputs``; ``None`` clears outer ones."""
        if control_inputs is None:
            old, self._control_deps = self._control_deps, []
            try:
                yield
            finally:
                self._control_deps = old
            return
        ops = []
        for c in control_inputs:
            c = getattr(c, "_as_graph_element", lambda: c)()
            if isinstance(c, Tensor):
                c = c.op
            if not isinstance(c, Operation):
                raise TypeError(f"control_dependencies expects ops or tensors, got {c!r}")
            if c.graph is not self:
                raise ValueError(f"Control input {c.name} is from another graph.")
            ops.append(c)
        self._control_deps.append(ops)
        try:
            yield
        finally:
            self._control_deps.pop()

    @contextlib.contextmanager
    def gradient_context(self, forward_op, incoming):
        """Ops created inside are marked as part of the gradient of ``forward_op``."""
        old = self._gradient_context
        self._gradient_context = (forward_op, incoming)
        try:
            yield
        finally:
            self._gradient_context = old

    @contextlib.contextmanager
    def control_flow_context(self, ctx):
        """Ops created inside belong to ``ctx`` (a branch, a loop body, or their gradient);
        the control dependencies of the enclosing code apply to the op that runs ``ctx``."""
        old, old_deps = self._flow_context, self._control_deps
        self._flow_context, self._control_deps = ctx, []
        try:
            yield ctx
        finally:
            self._flow_context, self._control_deps = old, old_deps

    @property
    def flow_context(self):
        """The control-flow context new ops go into (None at the top level)."""
        return self._flow_context

    # ----- building
    def create_op(self, opdef, inputs, attrs=None, name=None, exact_name=False, control_flow=None):
        """Add one node: check the inputs, name it in the current scope, infer output shapes.

        ``exact_name`` uses ``name`` as given (already unique and scoped), as variables do;
        ``control_flow`` is what a Cond/While op runs (its OpDef reads it in ``infer``)."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified (an op was created "
                               "after graph.finalize(), often inside a training loop).")
        for t in inputs:
            if not isinstance(t, Tensor):
                raise TypeError(f"{opdef.type} expects tensors as inputs, got {t!r}")
            if t.graph is not self:
                raise ValueError(
                    f"Tensor {t.name} must be from the same graph as the new {opdef.type} op. "
                    "Build every part of a model inside one graph (or call tf.reset_default_graph() "
                    "before rebuilding it).")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"The name of a new {opdef.type} op must be a string, got {name!r} "
                            f"({type(name).__name__}).")
        base = name or opdef.type
        if exact_name or base.endswith("/"):  # TF1: a name ending in "/" is a scope used as is
            full = base.rstrip("/")
        else:
            full = self.unique_name(self._name_stack + base)
        if full != name and not VALID_OP_NAME.fullmatch(full) and name:
            check_op_name(name)  # name the culprit as the user wrote it
        check_op_name(full)
        control = [op for group in self._control_deps for op in group]
        op = Operation(self, opdef, full, inputs, dict(attrs or {}), self._device, control)
        op.control_flow = control_flow
        if self._flow_context is not None:
            self._flow_context.adopt(op)
        else:
            check_top_level(op)
        specs = opdef.infer_checked(op)
        op.outputs = [Tensor(op, i, shape, dtype) for i, (shape, dtype) in enumerate(specs)]
        if self._gradient_context is not None:
            op.gradient_of, op.grad_incoming = self._gradient_context
        for t in inputs:
            t._consumers.append(op)
        self._ops.append(op)
        self._ops_by_name[full] = op
        return op

    # ----- lookup
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(f"The graph has no operation named {name!r}.") from None

    def get_tensor_by_name(self, name):
        op_name, _, index = name.rpartition(":")
        if not op_name or not index.isdigit():
            raise ValueError(f"A tensor name looks like 'scope/op:0', got {name!r}.")
        op = self.get_operation_by_name(op_name)
        try:
            return op.outputs[int(index)]
        except IndexError:
            raise KeyError(f"Operation {op_name!r} has only {len(op.outputs)} outputs; "
                           f"{name!r} does not exist.") from None

    def as_graph_element(self, obj):
        """A Tensor or Operation from itself, a Variable, or a name (``"x:0"`` or ``"train"``)."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        el = getattr(obj, "_as_graph_element", None)
        if el is None:
            raise TypeError(f"Can not convert {obj!r} to a Tensor or Operation.")
        el = el()
        if el.graph is not self:
            raise ValueError(f"{el.name} is not an element of this graph.")
        return el

    # ----- collections
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in ([names] if isinstance(names, str) else names):
            self.add_to_collection(n, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        """A copy of collection ``name``; with ``scope``, only items whose name re.match-es it."""
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        rx = re.compile(scope)
        return [it for it in items if hasattr(it, "name") and rx.match(it.name)]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # ----- notebooks: a graph shows itself as a picture once a renderer is registered
    def _repr_mimebundle_(self, include=None, exclude=None):
        if _display[0] is None:
            return {"text/plain": repr(self)}
        return _display[0](self, include, exclude)

    def __repr__(self):
        return f"<teachflow.Graph with {len(self._ops)} ops>"


_display = [None]  # the notebook renderer of graphs; teachflow.viz registers one


def register_display(render):
    """Draw graphs in notebooks with ``render(graph, include, exclude) -> mimebundle`` (a hook,
    so the core never imports the drawing layer above it)."""
    _display[0] = render


def ancestors(ops, fed=(), follow_refs=True):
    """``ops`` and every op they depend on, through data and control inputs.

    The one pruning routine: a run plan walks it with ``fed`` (tensors given a value, so the
    walk stops there) and ``follow_refs=False`` (a variable an op only writes is not a
    dependency); pictures and the pipeline simulator walk every edge."""
    seen = set()
    stack = list(ops)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        refs = () if follow_refs else op.opdef.ref_inputs
        for i, t in enumerate(op.inputs):
            if i not in refs and t not in fed and t.op not in seen:
                stack.append(t.op)
        stack.extend(c for c in op.control_inputs if c not in seen)
    return seen


# ----- the default graph, per thread, as in TF1
_state = threading.local()
_global_default = [Graph()]


def _stack():
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


def get_default_graph():
    """The graph new ops go into: the innermost ``with g.as_default()``, else the global one."""
    s = _stack()
    return s[-1] if s else _global_default[0]


def reset_default_graph():
    """Start over with an empty global default graph (not allowed inside ``as_default``)."""
    if _stack():
        raise AssertionError("Do not use tf.reset_default_graph() inside a `with graph.as_default()` "
                             "block: leave the block first.")
    from .session import _clear_default_session_for
    old = _global_default[0]
    _global_default[0] = Graph()
    _clear_default_session_for(old)


def _graph_of(values):
    """The graph that ``values`` (tensors/ops, maybe nested) live in, else the default graph."""
    for v in values or ():
        g = getattr(v, "graph", None)
        if isinstance(g, Graph):
            return g
    return get_default_graph()


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """``with tf.name_scope("layer1") as scope:`` -- group ops under ``layer1/``."""
    g = _graph_of(values)
    n = name if name is not None else default_name
    if n is not None and not isinstance(n, str):
        raise TypeError(f"name_scope expects a string name, got {n!r}")
    with g.name_scope(n) as scope:
        yield scope


def device(device_name):
    """``with tf.device("/gpu:1"):`` -- record where ops created inside should run."""
    return get_default_graph().device(device_name)


def control_dependencies(control_inputs):
    """``with tf.control_dependencies([update]):`` -- ops created inside run after ``update``."""
    return get_default_graph().control_dependencies(control_inputs)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def set_random_seed(seed):
    """Set the graph-level seed: every random op then draws the same numbers in every run."""
    get_default_graph().seed = None if seed is None else int(seed)
