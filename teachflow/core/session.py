"""Session: executes parts of a graph, holding the values of variables between runs.

``run`` compiles a ``Plan`` (``core/plan.py``) once per (fetches, feeds) signature: the ops the
fetches need, in order, each kernel bound, generated as one straight-line Python function.
``plan_source(fetches, feeds)`` shows that function: it is what ``sess.run`` really does. The
step-through walks the same plan one op at a time (``sess.plan(...).steps(feed_dict)``).
"""
import sys
import threading

from math import isfinite as _isfinite

import numpy as np
from numpy import isfinite as _np_isfinite

from . import errors, memory, numerics, threads
from .config import check_config, placement_log
from .graph import Graph, Operation, Tensor, get_default_graph
from .plan import Plan, SessionState, fetch_key


class Session:
    """``with tf.Session() as sess: sess.run(fetches, feed_dict)``.

    Variable values and random streams live in ``sess.state`` (a ``SessionState``), so two
    sessions on one graph are independent.
    """

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        if not isinstance(self.graph, Graph):
            raise TypeError(f"Session expects a tf.Graph, got {self.graph!r}")
        self.state = SessionState()
        self._plans = {}
        self._closed = False
        self._default_ctx = None
        self._config = check_config(config)
        threads.apply_blas_policy()  # once per process: BLAS on one thread (see core/threads.py)
        memory.apply_malloc_policy()  # once per process: big arrays reuse freed memory (core/memory.py)
        numerics.silence_numpy_warnings()

    # ----- lifecycle
    def close(self):
        self._closed = True
        self._plans.clear()

    @property
    def closed(self):
        return self._closed

    @property
    def config(self):
        """The ``ConfigProto`` given to the session (None when none was)."""
        return self._config

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
        key = fetches if isinstance(fetches, (Tensor, Operation)) else fetch_key(fetches)
        feed_keys = tuple(feed_dict) if feed_dict else ()
        plan = self._plans.get((key, feed_keys))
        if plan is None:
            if any(isinstance(k, (tuple, list)) for k in feed_keys):
                feed_dict = flatten_feeds(feed_dict)     # a nested key, e.g. an LSTM's state
                feed_keys = tuple(feed_dict)
                plan = self._plans.get((key, feed_keys))
            if plan is None:
                plan = self._compile(fetches, feed_keys, key)
        values = plan.feed_values(feed_dict) if feed_keys else ()
        try:  # plan.run, inlined: this is the hot loop of every training step
            out = (plan.split or plan.fn)(values)
        except errors.OpError:
            raise
        except Exception as e:  # name the op that failed, from the generated line number
            raise plan.op_error(e) from e
        for i in plan.finite:  # cheap; only a NaN/inf fetched starts the search for its op
            v = out[i]
            if not (_isfinite(v) if not v.ndim else _np_isfinite(v).all()):
                checked, plan.finite = plan.finite, ()  # one warning per plan, not per step
                numerics.report(self, plan, out, values, checked)
                break
        if plan.single:
            v = out[0]
            return v[()] if type(v) is np.ndarray and not v.shape else v  # 0-d -> NumPy scalar, as TF
        return plan.result(fetches, out)

    def plan(self, fetches, feed_dict=None):
        """The ``Plan`` that ``run(fetches, feed_dict)`` executes (compiled once, then cached)."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        key = fetches if isinstance(fetches, (Tensor, Operation)) else fetch_key(fetches)
        feed_keys = tuple(flatten_feeds(feed_dict)) if feed_dict else ()
        return self._plans.get((key, feed_keys)) or self._compile(fetches, feed_keys, key)

    def _compile(self, fetches, feed_keys, key):
        plan = self._plans[(key, feed_keys)] = Plan(self, fetches, feed_keys)
        if self._config is not None and self._config.log_device_placement:
            print("\n".join(placement_log(plan.ops)), file=sys.stderr)  # as TF1, once per plan
        return plan

    def plan_source(self, fetches, feed_dict=None):
        """The generated Python source of the run plan for these fetches and feed keys.

        ``fN`` are fed values, ``vN()`` reads a variable, ``cN`` is a constant, ``kN`` the kernel
        of the op named in the comment; ``rN`` hands a variable to an op that writes it. A
        tf.cond/tf.while_loop op's branches or condition and body follow, as functions of their own."""
        return self.plan(fetches, feed_dict).full_source()


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


def flatten_feeds(feed_dict):
    """``feed_dict`` with nested keys spread out, as TF1 does: a key that is a tuple or list of
    tensors (an ``LSTMStateTuple``, a ``MultiRNNCell``'s tuple of states) takes a value of the
    same structure, fed entry by entry."""
    out = {}

    def add(key, value, where):
        if isinstance(key, (tuple, list)):
            if not isinstance(value, (tuple, list)):
                raise TypeError(f"feed_dict: the key {where} is a structure of {len(key)} tensors, "
                                f"so its value must be a tuple or list of {len(key)} values, got "
                                f"{type(value).__name__}.")
            if len(value) != len(key):
                raise ValueError(f"feed_dict: the key {where} has {len(key)} entries but its value "
                                 f"has {len(value)}.")
            for i, (k, v) in enumerate(zip(key, value)):
                add(k, v, f"{where}[{i}]")
        else:
            out[key] = value

    for i, (k, v) in enumerate(feed_dict.items()):
        add(k, v, f"#{i}" if isinstance(k, (tuple, list)) else repr(k))
    return out
