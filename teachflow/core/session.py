"""Session: executes parts of a graph, holding the values of variables between runs.

``run`` compiles a *plan* once per (fetches, feeds) signature: it prunes the graph to the ops
the fetches need (stopping at fed tensors), orders them, binds each op's kernel and generates
one straight-line Python function, a flat list of kernel calls. ``plan_source(fetches, feeds)``
shows that function: it is what ``sess.run`` really does.
"""
import re
import sys
import threading
from math import isfinite as _isfinite

import numpy as np
from numpy import isfinite as _np_isfinite

from . import errors, numerics, threads
from .config import check_config, placement_log
from .graph import VALID_OP_NAME, Graph, Operation, Tensor, get_default_graph
from .shapes import fmt
from .slicing import split_runner


class _Plan:
    """A compiled run: ``fn(feed_values) -> fetch values`` plus what is needed to check feeds."""

    __slots__ = ("fn", "feeds", "feed_np", "feed_dims", "ops", "source", "line_ops", "code", "split",
                 "finite", "finite_scalars", "finite_arrays", "targets", "int_feeds")


class Session:
    """``with tf.Session() as sess: sess.run(fetches, feed_dict)``.

    Variable values live here, so two sessions on one graph are independent.
    """

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        if not isinstance(self.graph, Graph):
            raise TypeError(f"Session expects a tf.Graph, got {self.graph!r}")
        self._values = {}      # Variable -> ndarray
        self._rngs = {}        # random Operation -> numpy Generator
        self._plans = {}
        self._closed = False
        self._default_ctx = None
        self._config = check_config(config)
        threads.apply_blas_policy()  # once per process: BLAS on one thread (see core/threads.py)
        numerics.silence_numpy_warnings()

    # ----- lifecycle
    def close(self):
        self._closed = True
        self._plans.clear()

    @property
    def closed(self):
        return self._closed

    def as_default(self):
        return _DefaultSession(self)

    def __enter__(self):
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._default_ctx.__exit__(*exc)
        self._default_ctx = None
        self.close()

    # ----- running
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Compute ``fetches`` (a tensor, an op, a name, or a nested list/tuple/dict of them)."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        single = isinstance(fetches, (Tensor, Operation))
        if single:
            leaves, key = (fetches,), fetches
        else:
            leaves, key = [], _structure_key(fetches, self.graph, [])
            _flatten(fetches, leaves)
        feed_keys = tuple(feed_dict) if feed_dict else ()
        plan = self._plans.get((key, feed_keys))
        if plan is None:
            plan = self._compile(leaves, feed_keys)
            self._plans[(key, feed_keys)] = plan
            if self._config is not None and self._config.log_device_placement:
                print("\n".join(placement_log(plan.ops)), file=sys.stderr)  # as TF1, once per plan
        values = self._feed_values(plan, feed_dict) if feed_keys else ()
        try:
            out = (plan.split or plan.fn)(values)  # split: big inference batches in slices
        except errors.OpError:
            raise
        except Exception as e:  # name the op that failed, from the generated line number
            raise _op_error(plan, e) from e
        # cheap float-fetch checks (math.isfinite on a scalar); only a NaN/inf starts a search
        for i in plan.finite_scalars:
            if not _isfinite(out[i]):
                self._non_finite(plan, out, values)
                break
        for i in plan.finite_arrays:
            if not _np_isfinite(out[i]).all():
                self._non_finite(plan, out, values)
                break
        if single:
            v = out[0]
            return v[()] if type(v) is np.ndarray and not v.shape else v  # 0-d -> NumPy scalar, as TF
        it = iter(v[()] if type(v) is np.ndarray and not v.shape else v for v in out)
        return _rebuild(fetches, it, self.graph)

    def _non_finite(self, plan, out, values):
        """A fetched float is NaN/inf: name the op that made it, once per plan."""
        checked = plan.finite
        plan.finite, plan.finite_scalars, plan.finite_arrays = (), (), ()
        numerics.report(self, plan, out, values, checked)

    def _feed_values(self, plan, feed_dict):
        values = []
        for t, np_dtype, dims, v in zip(plan.feeds, plan.feed_np, plan.feed_dims, feed_dict.values()):
            if isinstance(v, (Tensor, Operation)):
                raise TypeError(f"The value of a feed cannot be a tf.Tensor ({v.name}) when feeding "
                                f"{t.name}: feed NumPy arrays, lists or numbers (run the tensor first).")
            try:
                a = np.asarray(v, dtype=np_dtype)
            except (TypeError, ValueError, OverflowError) as e:
                raise errors.InvalidArgumentError(
                    f"Cannot feed {t.name}: the value could not be converted to {t.dtype.name} ({e}).",
                    t.op) from None
            if dims is not None:
                s = a.shape
                if len(s) != len(dims) or any(d is not None and d != x for d, x in zip(dims, s)):
                    raise errors.InvalidArgumentError(
                        f"Cannot feed value of shape {fmt(s)} for tensor '{t.name}', which has shape "
                        f"{fmt(dims)}." + _feed_hint(s, dims), t.op)
            values.append(a)
        try:
            int_feeds = plan.int_feeds
        except AttributeError:  # the stepper's plan-like object
            int_feeds = [i for i, t in enumerate(plan.feeds) if t.dtype.is_integer]
        for i in int_feeds:  # NumPy wraps -1 to 255 when casting an array: refuse, as TF1
            _check_int_range(plan.feeds[i], list(feed_dict.values())[i])
        return values

    # ----- planning
    def _compile(self, leaves, feed_keys):
        g = self.graph
        targets = [g.as_graph_element(x) for x in leaves]
        feeds = [g.as_graph_element(k) for k in feed_keys]
        for f in feeds:
            if not isinstance(f, Tensor):
                raise TypeError(f"feed_dict keys must be tensors, got operation {f.name}.")
        fed = {f: i for i, f in enumerate(feeds)}
        ops = _needed_ops(targets, fed)
        plan = _Plan()
        plan.feeds = feeds
        plan.feed_np = [f.dtype.np for f in feeds]
        plan.feed_dims = [f._dims for f in feeds]
        plan.int_feeds = tuple(i for i, f in enumerate(feeds) if f.dtype.is_integer)
        plan.ops = ops
        ns = {"__name__": numerics.PLAN_MODULE}
        names = {t: f"f{i}" for t, i in fed.items()}
        lines = ["def plan(feeds):"]
        line_ops = {}
        if feeds:
            lines.append(f"{'    ' + ', '.join(f'f{i}' for i in range(len(feeds))) + ', = feeds':<40}  # "
                         + ", ".join(_comment(f.name) for f in feeds))
        for j, op in enumerate(ops):
            d = op.opdef
            if not op.outputs and not d.stateful:
                continue  # a NoOp/group: it only orders other ops, which are already in the plan
            if d.kind == "variable":
                # read where used, as TF1's ref semantics do: a consumer that runs after an
                # assignment (control dependency) sees the new value
                ns[f"v{j}"] = d.bind(op, self)
                names.setdefault(op.outputs[0], f"v{j}()")
                continue
            if d.kind == "constant" and not op.inputs and op.type == "Const":
                ns[f"c{j}"] = op.attrs["value"]  # constants are bound once, not called
                names.setdefault(op.outputs[0], f"c{j}")
                continue
            ns[f"k{j}"] = d.bind(op, self)
            outs = [f"t{j}_{i}" for i in range(len(op.outputs))]
            for t, n in zip(op.outputs, outs):
                names.setdefault(t, n)
            refs = d.ref_inputs
            args = []
            for i, t in enumerate(op.inputs):
                if i in refs:  # a variable to write: pass the Variable itself, not its value
                    ns[f"r{j}_{i}"] = t
                    args.append(f"r{j}_{i}")
                else:
                    args.append(names[t])
            args = ", ".join(args)
            call = f"k{j}({args})"
            if len(outs) == 1:
                line = f"    {outs[0]} = {call}"
            elif outs:
                line = f"    {', '.join(outs)}, = {call}"
            else:
                line = f"    {call}"
            lines.append(f"{line:<40}  # {_comment(op.name)} ({_comment(op.type)})")
            line_ops[len(lines)] = op
        fetched = [names[t] if isinstance(t, Tensor) else "None" for t in targets]
        lines.append(f"    return ({', '.join(fetched)},)")
        plan.source = "\n".join(lines)
        plan.code = compile(plan.source, f"<teachflow plan {id(plan):x}>", "exec")
        exec(plan.code, ns)
        plan.fn = ns["plan"]
        plan.line_ops = line_ops
        plan.split = split_runner(self, plan, targets)
        plan.targets = targets
        plan.finite = numerics.float_fetches(targets)
        plan.finite_scalars = tuple(i for i in plan.finite if targets[i]._dims == ())
        plan.finite_arrays = tuple(i for i in plan.finite if targets[i]._dims != ())
        return plan

    def plan_source(self, fetches, feed_dict=None):
        """The generated Python source of the run plan for these fetches and feed keys.

        ``fN`` are fed values, ``vN()`` reads a variable, ``cN`` is a constant, ``kN`` the kernel
        of the op named in the comment; ``rN`` hands a variable to an op that writes it."""
        leaves = [fetches] if isinstance(fetches, (Tensor, Operation, str)) else []
        if not leaves:
            _flatten(fetches, leaves)
        return self._compile(leaves, tuple(feed_dict or ())).source

    # ----- state used by the variables, random ops, the stepper and the simulator
    def _rng_for(self, op):
        rng = self._rngs.get(op)
        if rng is None:
            s1, s2 = op.attrs.get("seed"), op.attrs.get("seed2")
            seed = None if s1 is None and s2 is None else [int(s1 or 0), int(s2 or 0)]
            rng = self._rngs[op] = np.random.default_rng(seed)
        return rng


def _comment(name):
    """A name as it may appear in a comment of generated source: as is when it is a valid TF1
    name (no newline, quote or space can pass), else through ``repr``. Code never reads names:
    the plan refers to kernels, constants and feeds through its namespace."""
    return name if _SAFE_NAME.fullmatch(name) else repr(name)


_SAFE_NAME = re.compile(VALID_OP_NAME.pattern + r"(:[0-9]+)?")  # an op or a tensor name


def _needed_ops(targets, fed):
    """The ops that computing ``targets`` requires, in creation order (a topological order:
    every op is created after its inputs and control inputs)."""
    seen = set()
    stack = [t.op if isinstance(t, Tensor) and t not in fed else t for t in targets
             if not (isinstance(t, Tensor) and t in fed)]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        refs = op.opdef.ref_inputs
        for i, t in enumerate(op.inputs):
            if i not in refs and t not in fed and t.op not in seen:
                stack.append(t.op)
        stack.extend(c for c in op.control_inputs if c not in seen)
    return sorted(seen, key=lambda o: o._id)


def _op_error(plan, e):
    tb = e.__traceback__
    op = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == plan.code.co_filename:
            op = plan.line_ops.get(tb.tb_lineno)
        tb = tb.tb_next
    if op is None:
        return errors.OpError(f"{type(e).__name__}: {e}")
    shapes = ", ".join(fmt(t._dims) for t in op.inputs)
    return errors.InvalidArgumentError(
        f"{op.type} op '{op.name}' failed while running: {type(e).__name__}: {e} "
        f"(static input shapes: {shapes or 'none'}).", op)


def _check_int_range(t, v):
    """A fed array whose values do not fit the integer dtype of ``t`` is an error."""
    src = np.asarray(v)
    if src.dtype.kind not in "iuf" or src.dtype == t.dtype.np or not src.size:
        return
    info = np.iinfo(t.dtype.np)
    lo, hi = src.min(), src.max()
    if lo < info.min or hi > info.max or (src.dtype.kind == "f" and not np.isfinite([lo, hi]).all()):
        raise errors.InvalidArgumentError(
            f"Cannot feed {t.name}: the value holds numbers in [{lo}, {hi}], outside the range of "
            f"{t.dtype.name} [{info.min}, {info.max}] (NumPy would wrap them silently).", t.op)


def _feed_hint(s, dims):
    if len(s) != len(dims):
        if len(s) == len(dims) - 1:
            return " Hint: add an axis, e.g. value[:, None] or value.reshape(-1, 1)."
        return f" Hint: the value has rank {len(s)} but the tensor expects rank {len(dims)}."
    return ""


# ----- nested fetches
def _structure_key(f, graph, acc):
    if isinstance(f, (Tensor, Operation, str)):
        return f
    if isinstance(f, dict):
        return ("d",) + tuple((k, _structure_key(v, graph, acc)) for k, v in f.items())
    if isinstance(f, (list, tuple)):
        return (type(f),) + tuple(_structure_key(v, graph, acc) for v in f)
    if hasattr(f, "_as_graph_element"):
        return f
    raise TypeError(f"Fetch argument {f!r} has invalid type {type(f).__name__}: fetch tensors, ops, "
                    "tensor names, or lists/tuples/dicts of them.")


def _flatten(f, out):
    if isinstance(f, dict):
        for v in f.values():
            _flatten(v, out)
    elif isinstance(f, (list, tuple)) and not hasattr(f, "_as_graph_element"):
        for v in f:
            _flatten(v, out)
    else:
        out.append(f)


def _rebuild(f, it, graph):
    if isinstance(f, dict):
        return type(f)((k, _rebuild(v, it, graph)) for k, v in f.items())
    if isinstance(f, tuple) and hasattr(f, "_fields"):
        return type(f)(*[_rebuild(v, it, graph) for v in f])
    if isinstance(f, (list, tuple)):
        return type(f)(_rebuild(v, it, graph) for v in f)
    return next(it)


# ----- default session
_local = threading.local()


def _session_stack():
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


class _DefaultSession:
    def __init__(self, sess):
        self.sess = sess

    def __enter__(self):
        _session_stack().append(self.sess)
        return self.sess

    def __exit__(self, *exc):
        s = _session_stack()
        if s and s[-1] is self.sess:
            s.pop()


def get_default_session():
    s = _session_stack()
    return s[-1] if s else None


def _session_or_default(session, element):
    sess = session or get_default_session()
    if sess is None:
        raise ValueError(
            f"Cannot evaluate {element.name}: no default session is registered. Use "
            "`with tf.Session() as sess:` or pass session=sess (or use tf.InteractiveSession()).")
    if sess.graph is not element.graph:
        raise ValueError(f"Cannot evaluate {element.name}: the default session runs another graph.")
    return sess


def _clear_default_session_for(graph):
    s = _session_stack()
    s[:] = [x for x in s if x.graph is not graph]


class InteractiveSession(Session):
    """A Session that makes itself the default on creation (for notebooks and shells)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _session_stack().append(self)

    def close(self):
        super().close()
        s = _session_stack()
        if self in s:
            s.remove(self)
