"""The run plan: what one ``sess.run(fetches, feed_dict)`` executes, compiled once per signature.

A ``Plan`` is built from the fetches and the feed keys: the ops the fetches need (pruned at fed
tensors by ``graph.ancestors``, the one pruning routine), in creation order (a topological
order), each op's kernel bound to the session's ``SessionState``, the checks a fed value must
pass, and the fetch structure. It has two drivers over those same bound kernels:

- ``plan.fn(feed_values)``: one generated straight-line Python function, a flat list of kernel
  calls; ``Session.run`` executes it (``plan.source`` shows it). Like TF's graph optimizer
  (Grappler's remapper), it *fuses* chains of adjacent ops into one call that returns the
  values something else uses (``fusion.py``: ``Conv2D``/``MatMul`` -> ``BiasAdd`` [-> ``Relu``
  [-> ``MaxPool``]], ``ReluGrad`` -> ``BiasAddGrad`` [-> ``Conv2DBackpropFilter``]): the later
  ops work on each piece of the first one's result while it is still in the cache (the same
  bits); and, like
  TF's inter-op pool, it runs *adjacent independent* big ops at the same time in one line
  (``together``: a convolution's two gradients), when their inputs are big (``_groups``);
- ``plan.steps(feed_dict)``: the same ops run one at a time, yielding a ``PlanStep`` (inputs,
  outputs, variables written) per op; the step-through (``teachflow.trace``) walks it.

``SessionState`` holds what a session remembers between runs: variable values and one random
stream per random op. Kernels, the Saver, ``Variable.load`` and the tracer reach them only
through it.
"""
import functools
import re

import numpy as np

from . import dtypes as _dtypes, errors, fusion, numerics, threads
from .errors import FEED_SHAPE_HINT, UNINITIALIZED_HINT
from .i18n import hint
from .graph import VALID_OP_NAME, Operation, Tensor, ancestors
from .shapes import fmt
from .slicing import split_runner


_STRING = _dtypes.string.np


class SessionState:
    """Variable values and random streams of one session.

    ``values`` maps each Variable to its ndarray. Kernels are bound once and keep this dict, so
    it is updated in place, never replaced. Random streams are made on first use from the op's
    seeds (TF1 rules: one stream per op per session)."""

    __slots__ = ("values", "_rngs")

    def __init__(self):
        self.values = {}
        self._rngs = {}

    def read(self, var):
        """The value of ``var``; FailedPreconditionError when it was never set."""
        try:
            return self.values[var]
        except KeyError:
            raise errors.FailedPreconditionError(
                f"Attempting to use uninitialized value {var.op.name}: run "
                "sess.run(tf.global_variables_initializer()) (or restore a checkpoint) first."
                + hint(UNINITIALIZED_HINT).format(name=var.op.name), var.op) from None

    def get(self, var, default=None):
        return self.values.get(var, default)

    def __contains__(self, var):
        return var in self.values

    def write(self, var, value):
        self.values[var] = value

    def update(self, mapping):
        """Write several variables at once (the Saver's restore: all checked before any is set)."""
        self.values.update(mapping)

    def forget(self, var):
        """Make ``var`` uninitialized again."""
        self.values.pop(var, None)

    def rng(self, op):
        """The random stream (a NumPy Generator) of the random op ``op`` in this session."""
        rng = self._rngs.get(op)
        if rng is None:
            rng = self._rngs[op] = _new_rng(op)
        return rng

    def fork(self):
        """A snapshot of every value and every random stream's position, for ``restore``."""
        return StateSnapshot(dict(self.values),
                             {op: rng.bit_generator.state for op, rng in self._rngs.items()})

    def restore(self, snapshot):
        """Put the values and random streams back as they were at ``fork``, in place (bound
        kernels keep working); a stream first used after the fork starts again."""
        self.values.clear()
        self.values.update(snapshot.values)
        for op, rng in self._rngs.items():
            state = snapshot.rng_states.get(op)
            rng.bit_generator.state = state if state is not None else _new_rng(op).bit_generator.state


class StateSnapshot:
    """What ``SessionState.fork`` saw: ``values`` (Variable -> ndarray) and the random streams."""

    __slots__ = ("values", "rng_states")

    def __init__(self, values, rng_states):
        self.values = values
        self.rng_states = rng_states


def _new_rng(op):
    s1, s2 = op.attrs.get("seed"), op.attrs.get("seed2")
    seed = None if s1 is None and s2 is None else [int(s1 or 0), int(s2 or 0)]
    return np.random.default_rng(seed)


class PlanStep:
    """One op run by ``Plan.steps``: its input values (a variable an op writes shows its value
    before the op), its outputs, and ``writes``: ``{variable: (before, after)}``.

    Inside control flow, ``frame`` says where the op ran, outermost first (``("true branch",)``,
    ``("while iteration 3",)``); ``skipped`` marks an op of a branch not taken (no values)."""

    __slots__ = ("op", "inputs", "outputs", "writes", "frame", "skipped")

    def __init__(self, op, inputs, outputs, writes, frame=(), skipped=False):
        self.op, self.inputs, self.outputs, self.writes = op, inputs, outputs, writes
        self.frame, self.skipped = frame, skipped

    def __repr__(self):
        where = f" in {' / '.join(self.frame)}" if self.frame else ""
        return f"<PlanStep {self.op.name} ({self.op.type}){where}{' skipped' if self.skipped else ''}>"


class Plan:
    """The compiled form of one (fetches, feed keys) signature of a session.

    ``ops``: the ops run, in order; ``feeds``: the fed tensors; ``targets``: the fetched tensors
    and ops; ``fn``/``source``: the straight-line function ``Session.run`` calls; ``split``: the
    same run in slices for big inference batches (or None); ``steps()``: the stepped driver."""

    def __init__(self, session, fetches, feed_keys, context=None):
        g = session.graph
        self.context = context  # a sub-plan runs the ops of one tf.cond branch / loop body
        self.state = session.state
        self.single = not isinstance(fetches, (list, tuple, dict)) or hasattr(fetches, "_as_graph_element")
        self.targets = [g.as_graph_element(x) for x in flatten_fetches(fetches)]
        self.feeds = [g.as_graph_element(k) for k in feed_keys]
        for f in self.feeds:
            if not isinstance(f, Tensor):
                raise TypeError(f"feed_dict keys must be tensors, got operation {f.name}.")
        self.feed_np = [f.dtype.np for f in self.feeds]
        self.feed_dims = [f._dims for f in self.feeds]
        self.int_feeds = tuple(i for i, f in enumerate(self.feeds) if f.dtype.is_integer)
        self.finite = numerics.float_fetches(self.targets)  # the fetches run checks for NaN/inf
        fed = set(self.feeds)
        needed = ancestors([t.op if isinstance(t, Tensor) else t for t in self.targets
                            if t not in fed], fed=fed, follow_refs=False)
        self.ops = sorted(needed, key=lambda o: o._id)
        for op in self.ops:
            if op.context is not context:
                raise _foreign_op(op, context)
        # the ops whose value is fed (placeholders, or a variable fed to compute at other
        # parameters): the stepped driver shows them as steps giving the fed value
        self.fed_ops = list(dict.fromkeys(
            t.op for t in self.feeds if len(t.op.outputs) == 1 and t.op not in needed
            and t.op.context is context  # a sub-plan shows its Args, not the outer values fed in
            and (t in self.targets or any(c in needed for c in t._consumers))))
        self._bind(session)
        self._generate()
        self.split = split_runner(self) if context is None else None

    # ----- binding and code generation
    def _bind(self, session):
        """One entry per op that does something: (op, how, kernel or constant value)."""
        self.calls = []
        for op in self.ops:
            d = op.opdef
            if not op.outputs and not d.stateful:
                continue  # a NoOp/group: it only orders other ops, which are already in the plan
            if d.kind == "variable":
                # read where used, as TF1's ref semantics do: a consumer that runs after an
                # assignment (control dependency) sees the new value
                self.calls.append((op, "read", d.bind(op, session)))
            elif d.kind == "constant" and not op.inputs and op.type == "Const":
                self.calls.append((op, "const", op.attrs["value"]))  # bound once, not called
            else:
                self.calls.append((op, "call", d.bind(op, session)))
        self._bound = {op: (how, k) for op, how, k in self.calls}
        self.fusions = _fusions(self.calls, self.ops, self.targets, session)
        self.groups = _groups(self.calls, self.fusions,
                              threads.inter_op_threads(getattr(session, "config", None)))
        self.pool = threads.pool_for(session) if self.groups else None
        if self.pool is not None and self.pool.threads == 1:
            self.groups = []  # one thread: every op one after another, as written

    def _generate(self):
        """Write ``calls`` as one Python function; every name in it is made from an index
        (``fN``, ``kN`` ...); op names appear only in comments, checked or quoted."""
        ns = {"__name__": numerics.PLAN_MODULE}
        names = {t: f"f{i}" for i, t in enumerate(self.feeds)}
        lines = ["def plan(feeds):"]
        self.line_ops = {}
        if self.feeds:
            lines.append(f"{'    ' + ', '.join(f'f{i}' for i in range(len(self.feeds))) + ', = feeds':<40}  # "
                         + ", ".join(_comment(f.name) for f in self.feeds))
        for j, (op, how, k) in enumerate(self.calls):  # values that are no lines, first:
            if how in ("read", "const"):  # a line of a group may come before them
                v = f"v{j}" if how == "read" else f"c{j}"
                ns[v] = k
                names.setdefault(op.outputs[0], v + "()" if how == "read" else v)
        fused_away = {i for f in self.fusions.values() for i in f.chain[:-1]}
        grouped = {j: g for g in self.groups for j in g}
        for j, (op, how, k) in enumerate(self.calls):
            if j in fused_away or how != "call" or (j in grouped and j != grouped[j][0]):
                continue  # computed by a fused chain's last call or a group's line; no line
            if j in grouped:
                self._together_lines(grouped[j], ns, names, lines)
                continue
            if j in self.fusions:
                lines.append(self._fused_line(j, ns, names))
            else:
                lines.append(self._plain_line(j, ns, names))
            self.line_ops[len(lines)] = self._first_op(j)
        fetched = [names[t] if isinstance(t, Tensor) else "None" for t in self.targets]
        lines.append(f"    return ({', '.join(fetched)},)")
        self.source = "\n".join(lines)
        self.code = compile(self.source, f"<teachflow plan {id(self):x}>", "exec")
        exec(self.code, ns)
        self.fn = ns["plan"]

    def _plain_line(self, j, ns, names, indent="    "):
        """The line of one call: its kernel on its inputs' names (a variable the op writes is
        passed as the Variable itself, ``rJ_I``), its outputs' names assigned."""
        op, _, k = self.calls[j]
        ns[f"k{j}"] = k
        outs = [f"t{j}_{i}" for i in range(len(op.outputs))]
        for t, n in zip(op.outputs, outs):
            names.setdefault(t, n)
        refs = op.opdef.ref_inputs
        args = []
        for i, t in enumerate(op.inputs):
            if i in refs:  # a variable to write: pass the Variable itself, not its value
                ns[f"r{j}_{i}"] = t
                args.append(f"r{j}_{i}")
            else:
                args.append(names[t])
        call = f"k{j}({', '.join(args)})"
        if len(outs) == 1:
            line = f"{indent}{outs[0]} = {call}"
        elif outs:
            line = f"{indent}{', '.join(outs)}, = {call}"
        else:
            line = f"{indent}{call}"
        return f"{line:<40}  # {_comment(op.name)} ({_comment(op.type)})"

    def _first_op(self, j):
        """The op a line of call ``j`` reports errors against (a fused chain's first op)."""
        return self.calls[self.fusions[j].chain[0] if j in self.fusions else j][0]

    def _call_args(self, j, ns, names):
        """(kernel name, argument expressions, comment) of the line of call ``j``."""
        op, _, k = self.calls[j]
        if j in self.fusions:
            f = self.fusions[j]
            ns[f"k{j}f"] = f.kernel
            return (f"k{j}f", [names[t] for t in f.inputs],
                    " + ".join(f"{_comment(self.calls[i][0].name)} ({_comment(self.calls[i][0].type)})"
                               for i in f.chain))
        ns[f"k{j}"] = k
        return f"k{j}", [names[t] for t in op.inputs], f"{_comment(op.name)} ({_comment(op.type)})"

    def _together_lines(self, group, ns, names, lines):
        """A group of independent calls: ``if few_big_inputs(need, ...)`` (fewer than two of
        its big ops have a big input: ``need`` of those whose size is known only when the plan
        runs) its calls one after another, as plain lines; else one line that runs them at the
        same time, ``together{j}`` (a ``_Together``), which gets each kernel and its arguments
        and gives their results in order. No check when two sizes are known to be big."""
        sizes = [_size_input(op) for op in map(self._first_op, group) if op.type in CONCURRENT]
        need = 2 - sum(n is not None and n >= TOGETHER_MIN_BYTES for _, n in sizes)
        unknown = [names[t] for t, n in sizes if n is None]  # sized when the plan runs
        indent = " " * (8 if need > 0 else 4)
        if need > 0:
            ns["few_big_inputs"] = _few_big_inputs
            lines.append(f"    if few_big_inputs({need}, {', '.join(unknown)}):  # else: together")
        parts, outs, what, ops = [], [], [], []
        for j in group:
            if need > 0:
                write = self._fused_line if j in self.fusions else self._plain_line
                lines.append(write(j, ns, names, indent=indent))
                self.line_ops[len(lines)] = self._first_op(j)
            name, args, comment = self._call_args(j, ns, names)
            parts.append(f"{name}, ({', '.join(args)}{',' if len(args) == 1 else ''})")
            what.append(comment)
            mine = self._out_names(j, names)
            outs.append(mine[0] if len(mine) == 1 else f"({', '.join(mine)})")
            ops.append(self._first_op(j))
        ns[f"together{group[0]}"] = _Together(self.pool, ops)
        if need > 0:
            lines.append(f"{'    else:':<40}  # big: at the same time on the pool's threads")
        line = f"{indent}{', '.join(outs)} = together{group[0]}({', '.join(parts)})"
        lines.append(f"{line:<40}  # together: " + " | ".join(what))
        self.line_ops[len(lines)] = ops[0]

    def _fused_line(self, j, ns, names, indent="    "):
        """The line of a fused chain (``self.fusions[j]``): the values the chain reads in, those
        of its ops used elsewhere out (``tI_0``, one or a tuple); errors name the first op."""
        name, args, what = self._call_args(j, ns, names)
        line = f"{indent}{', '.join(self._out_names(j, names))} = {name}({', '.join(args)})"
        return f"{line:<40}  # fused: {what}"

    def _out_names(self, j, names):
        """The names a line of call ``j`` assigns (each output of a plain call; each value a
        fused chain returns), given to their tensors in ``names``."""
        if j in self.fusions:
            tensors = [self.calls[i][0].outputs[0] for i in self.fusions[j].outputs]
            mine = [f"t{i}_0" for i in self.fusions[j].outputs]
        else:
            tensors = self.calls[j][0].outputs
            mine = [f"t{j}_{i}" for i in range(len(tensors))]
        for t, n in zip(tensors, mine):
            names.setdefault(t, n)
        return mine

    def full_source(self):
        """``source``, followed by the sub-plans a Cond/While op runs (its kernel lists them in
        ``sub_plans()``: the branches, the loop's condition and body), each introduced by a
        comment naming the op -- what ``sess.plan_source`` shows."""
        parts = [self.source]
        for j, (op, how, k) in enumerate(self.calls):
            for label, sub in (k.sub_plans() if hasattr(k, "sub_plans") else ()):
                parts.append(f"# k{j}: {_comment(op.name)} ({_comment(op.type)}) runs its {label}:\n"
                             + sub.full_source())
        return "\n\n".join(parts)

    def kernel(self, op):
        """The kernel bound for ``op`` in this plan, as a function of its input values (a
        constant's gives its value, a variable's reads it); an op that writes a variable takes
        the Variable itself where it writes."""
        how, k = self._bound[op]
        return (lambda v=k: v) if how == "const" else k

    # ----- feeds
    def feed_values(self, feed_dict):
        """The fed values as arrays of the placeholders' dtypes, in ``feeds`` order, checked
        against their static shapes. ``feed_dict``'s keys are in the order the plan was made for."""
        values = []
        for t, np_dtype, dims, v in zip(self.feeds, self.feed_np, self.feed_dims, feed_dict.values()):
            if isinstance(v, (Tensor, Operation)):
                raise TypeError(f"The value of a feed cannot be a tf.Tensor ({v.name}) when feeding "
                                f"{t.name}: feed NumPy arrays, lists or numbers (run the tensor first).")
            if np_dtype is _STRING:  # str becomes bytes, as TF1 holds strings
                a = _dtypes.string_array(v, f"Cannot feed {t.name}")
            else:
                try:
                    a = np.asarray(v, dtype=np_dtype)
                except (TypeError, ValueError, OverflowError) as e:
                    raise errors.InvalidArgumentError(
                        f"Cannot feed {t.name}: the value could not be converted to {t.dtype.name} "
                        f"({e}).", t.op) from None
            if dims is not None:
                s = a.shape
                if len(s) != len(dims) or any(d is not None and d != x for d, x in zip(dims, s)):
                    raise errors.InvalidArgumentError(
                        f"Cannot feed value of shape {fmt(s)} for tensor '{t.name}', which has shape "
                        f"{fmt(dims)}." + _feed_hint(s, dims)
                        + hint(FEED_SHAPE_HINT).format(name=t.name, value=fmt(s), expected=fmt(dims)), t.op)
            values.append(a)
        for i in self.int_feeds:  # NumPy wraps -1 to 255 when casting an array: refuse, as TF1
            _check_int_range(self.feeds[i], list(feed_dict.values())[i])
        return values

    # ----- the two drivers
    def run(self, values):
        """The fetched leaves' values, in ``targets`` order (None for an op), from checked feeds."""
        try:
            return (self.split or self.fn)(values)  # split: big inference batches in slices
        except errors.OpError:
            raise
        except Exception as e:  # name the op that failed, from the generated line number
            raise self.op_error(e) from e

    def steps(self, feed_dict=None):
        """Run the plan one op at a time (the same bound kernels as ``fn``), yielding a
        ``PlanStep`` per op in creation order; fed placeholders are steps too. Writes go to
        the session's state, as ``sess.run`` would (``SessionState.fork``/``restore`` undo them).
        A Cond/While op's kernel steps through what it runs (``kernel.steps``): the taken
        branch's ops, each iteration's ops, then the Cond/While op itself."""
        values = self.feed_values(feed_dict) if self.feeds else []
        yield from self.walk(values)

    def walk(self, values):
        """``steps`` from checked feed values (also how a Cond/While op steps its sub-plans);
        returns the fetched leaves, as ``fn`` does."""
        env = dict(zip(self.feeds, values))
        state = self.state.values
        calls = self._bound
        fed_ops = set(self.fed_ops)
        for op in sorted(self.fed_ops + [c[0] for c in self.calls], key=lambda o: o._id):
            if op in fed_ops:
                yield PlanStep(op, [], [env[t] for t in op.outputs], {})
                continue
            how, k = calls[op]
            refs = op.opdef.ref_inputs
            ins = [state.get(t) if i in refs else env[t] for i, t in enumerate(op.inputs)]
            before = dict(state) if op.opdef.stateful else None
            try:
                if how == "const":
                    result = k
                elif how == "read":
                    result = k()
                elif hasattr(k, "steps"):  # control flow: step through what it runs
                    result = yield from k.steps(*ins)
                else:
                    result = k(*[t if i in refs else v for i, (t, v) in enumerate(zip(op.inputs, ins))])
            except errors.OpError:
                raise
            except Exception as e:
                raise _op_failed(op, e) from e
            outs = list(result) if len(op.outputs) > 1 else ([result] if op.outputs else [])
            for t, v in zip(op.outputs, outs):
                env.setdefault(t, v)
            writes = {} if before is None else {
                v: (before.get(v), a) for v, a in state.items() if a is not before.get(v)}
            yield PlanStep(op, ins, outs, writes)
        return [env.get(t) if isinstance(t, Tensor) else None for t in self.targets]

    # ----- results and errors
    def result(self, fetches, leaves):
        """``leaves`` (in ``targets`` order) put back into the structure of ``fetches``;
        a 0-d array becomes a NumPy scalar, as TF returns it."""
        it = (v[()] if type(v) is np.ndarray and not v.shape else v for v in leaves)
        return next(it) if self.single else rebuild_fetches(fetches, it)

    def op_error(self, e):
        """An error raised inside ``fn``, as an error naming the op of the failing line."""
        tb = e.__traceback__
        op = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.code.co_filename:
                op = self.line_ops.get(tb.tb_lineno)
            tb = tb.tb_next
        if op is None:
            return errors.OpError(f"{type(e).__name__}: {e}")
        return _op_failed(op, e)


def _fusions(calls, ops, targets, session):
    """``{j: Fused}``: the chains of ``calls`` to run as one call at index j (``fusion.find``),
    each kernel wrapped so that its error names the op of the chain that fails."""
    found = fusion.find(calls, ops, targets, session)
    for f in found.values():
        f.kernel = _naming_failures(f.kernel, [calls[i] for i in f.chain], f.inputs)
    return found


def _naming_failures(kernel, chain, inputs):
    """The fused ``kernel``, whose error names the op of the chain that fails (as the plan
    without fusion would): on an error, the chain's ops run again one by one with their own
    kernels (``chain``: its ``(op, how, kernel)`` calls; ``inputs``: the tensors of the fused
    call's arguments), and the first op that fails is named; if none does, the first op. The
    ops are stateless, so running them again changes nothing; a run without error pays one
    Python call."""
    def fused(*args):
        try:
            return kernel(*args)
        except errors.OpError:
            raise
        except Exception as e:
            raise _first_failure(chain, dict(zip(inputs, args)), e) from e
    return fused


def _first_failure(chain, env, error):
    """``_op_failed`` for the first of ``chain``'s ops that fails on its own (``env``: tensor ->
    value for the chain's inputs), else for the chain's first op with ``error``."""
    for op, _, k in chain:
        try:
            out = k(*[env[t] for t in op.inputs])
        except Exception as e:  # noqa: BLE001 (any error of the op is reported, as unfused)
            return _op_failed(op, e)
        for t, v in zip(op.outputs, out if len(op.outputs) > 1 else [out]):
            env[t] = v
    return _op_failed(chain[0][0], error)


# Ops worth a thread of their own beside another (the big kernels, which also cut their own
# work into pieces on the pool): a group of adjacent independent ops is made when it holds two
# of them (a fused chain counts as its first op), and runs at the same time when two of its big
# ops have an input of at least TOGETHER_MIN_BYTES (checked per run: batch sizes are often unknown).
CONCURRENT = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MatMul", "BiasAddGrad",
              "MaxPool", "MaxPoolGrad", "AvgPool", "AvgPoolGrad")
TOGETHER_MIN_BYTES = 2 ** 18


def _groups(calls, fusions, inter_op):
    """Runs of adjacent calls to run at the same time: ``[(j, ...), ...]``, each ``j`` a line
    of the plan (a plain call, or the last of a fused chain), each run holding two big ops
    (``CONCURRENT``) or more whose input may be big (``_size_input``: not statically small).

    A call may join the run before it when it writes no state (not ``stateful``: no variable
    written, no random stream drawn; no ref inputs; no sub-plans) and needs nothing the run
    computes (inputs and control inputs; the plan is in topological order, so that is all
    it could need). None when ``inter_op`` is 1; at most ``inter_op`` big ops per run when
    it is set."""
    if inter_op == 1:
        return []
    fused_away = {i for f in fusions.values() for i in f.chain[:-1]}
    groups, run, made = [], [], set()

    def big(j):
        return calls[fusions[j].chain[0] if j in fusions else j][0].type in CONCURRENT

    def may_be_big(j):  # a big op whose sized input is not statically small
        nbytes = _size_input(calls[fusions[j].chain[0] if j in fusions else j][0])[1]
        return big(j) and (nbytes is None or nbytes >= TOGETHER_MIN_BYTES)

    def close():
        if sum(map(may_be_big, run)) >= 2:
            groups.append(tuple(run))
        run.clear()
        made.clear()

    for j, (op, how, k) in enumerate(calls):
        if how != "call" or j in fused_away:
            continue  # reads and constants are no lines; a fused chain is its last call
        chain = [calls[i][0] for i in fusions[j].chain] if j in fusions else [op]
        needs = {t.op for o in chain for t in o.inputs} | {c for o in chain for c in o.control_inputs}
        free = not any(o.opdef.stateful or o.opdef.ref_inputs or o.opdef.kind in ("random", "variable")
                       for o in chain) and not hasattr(k, "sub_plans") and not hasattr(k, "steps")
        full = inter_op and big(j) and sum(map(big, run)) >= inter_op
        if not free or needs & made or full:
            close()
        if free:
            run.append(j)
            made.update(chain)
    close()
    return groups


def _size_input(op):
    """(tensor, nbytes or None): the input of ``op`` whose size says whether the op is worth a
    thread of its own. An input of a fully known shape (a weight, a fixed batch) of at least
    ``TOGETHER_MIN_BYTES``: big, known now. Else the biggest input of an unknown shape (a
    batch), to be sized when the plan runs (None). Else (None, 0): known to be small."""
    unknown, best = None, 0
    for t in op.inputs:
        if t._dims is not None and None not in t._dims:
            nbytes = int(np.prod(t._dims)) * t.dtype.np.itemsize
            if nbytes >= TOGETHER_MIN_BYTES:
                return t, nbytes
            continue
        lower = int(np.prod([d or 1 for d in t._dims])) if t._dims is not None else 1
        if unknown is None or lower > best:
            unknown, best = t, lower
    return (unknown, None) if unknown is not None else (None, 0)


def _few_big_inputs(need, *values):
    """True when fewer than ``need`` of ``values`` (inputs of a group's big ops) have
    ``TOGETHER_MIN_BYTES``: then the group's ops run one after another, since a thread
    hand-over costs more than small ops do. This check (about 0.1 µs) is all a group of small
    ops costs; it is made per run because batch sizes are often unknown when the plan is made."""
    big = 0
    for v in values:
        if getattr(v, "nbytes", 0) >= TOGETHER_MIN_BYTES:
            big += 1
    return big < need


class _Together:
    """The calls of one plan line run at the same time on the session's pool (``threads.
    _Pool.together``): ``together(k1, args1, k2, args2, ...)`` gives ``[k1(*args1), ...]``.
    Each kernel cuts its own work by sizes only: the same bits as one after another. An error
    names its op (the first in order)."""

    __slots__ = ("pool", "ops")

    def __init__(self, pool, ops):
        self.pool, self.ops = pool, ops

    def __call__(self, *calls):
        return self.pool.together([functools.partial(self._call, m // 2, calls[m], calls[m + 1])
                                   for m in range(0, len(calls), 2)])

    def _call(self, m, kernel, args):
        try:
            return kernel(*args)
        except errors.OpError:
            raise
        except Exception as e:
            raise _op_failed(self.ops[m], e) from e


def _op_failed(op, e):
    shapes = ", ".join(fmt(t._dims) for t in op.inputs)
    return errors.InvalidArgumentError(
        f"{op.type} op '{op.name}' failed while running: {type(e).__name__}: {e} "
        f"(static input shapes: {shapes or 'none'}).", op)


def _foreign_op(op, context):
    where = op.context.describe() if op.context is not None else "the graph's top level"
    return ValueError(
        f"Cannot run '{op.name}' here: it belongs to {where}, and its value exists only while "
        "that runs. Fetch the tf.cond/tf.while_loop output (or return the value from the branch "
        "or loop body) instead.")


def _comment(name):
    """A name as it may appear in a comment of generated source: as is when it is a valid TF1
    name (no newline, quote or space can pass), else through ``repr``. Code never reads names:
    the plan refers to kernels, constants and feeds through its namespace."""
    return name if _SAFE_NAME.fullmatch(name) else repr(name)


_SAFE_NAME = re.compile(VALID_OP_NAME.pattern + r"(:[0-9]+)?")  # an op or a tensor name


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


# ----- the fetch structure: a tensor, an op, a name, or nested lists/tuples/dicts of them
def fetch_key(fetches):
    """A hashable key for the structure and leaves of ``fetches`` (plans are cached by it)."""
    if isinstance(fetches, (Tensor, Operation, str)):
        return fetches
    if isinstance(fetches, dict):
        return ("d",) + tuple((k, fetch_key(v)) for k, v in fetches.items())
    if isinstance(fetches, (list, tuple)):
        return (type(fetches),) + tuple(fetch_key(v) for v in fetches)
    if hasattr(fetches, "_as_graph_element"):
        return fetches
    raise TypeError(f"Fetch argument {fetches!r} has invalid type {type(fetches).__name__}: fetch "
                    "tensors, ops, tensor names, or lists/tuples/dicts of them.")


def flatten_fetches(fetches):
    """The leaves of ``fetches`` in order (a single fetch is one leaf)."""
    out = []
    _flatten(fetches, out)
    return out


def _flatten(f, out):
    if isinstance(f, dict):
        for v in f.values():
            _flatten(v, out)
    elif isinstance(f, (list, tuple)) and not hasattr(f, "_as_graph_element"):
        for v in f:
            _flatten(v, out)
    else:
        out.append(f)


def rebuild_fetches(fetches, it):
    """The structure of ``fetches`` filled with the values of iterator ``it``."""
    if isinstance(fetches, dict):
        return type(fetches)((k, rebuild_fetches(v, it)) for k, v in fetches.items())
    if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):
        return type(fetches)(*[rebuild_fetches(v, it) for v in fetches])
    if isinstance(fetches, (list, tuple)):
        return type(fetches)(rebuild_fetches(v, it) for v in fetches)
    return next(it)
