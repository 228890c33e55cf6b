"""Make ``tests/nn/data/rnn_tf_reference.json``: TensorFlow 1.x's numbers for small RNN cases.

A dev script, never a dependency: run it with the TensorFlow virtualenv,

    TF_USE_LEGACY_KERAS=1 /work/venvs/tf/bin/python tools/tf_reference/rnn_reference.py

For every case it builds the graph with ``tf.compat.v1`` (graph mode) and TF1's own cell and rnn
modules (``tensorflow.python.ops.rnn_cell_impl``, ``rnn``: the code of TF 1.x's
``tf.nn.rnn_cell`` and ``tf.nn.static_rnn``/``dynamic_rnn``), in float64, sets every variable to
seeded values, and stores the variable names, the inputs, the outputs, the final state and the
gradients of ``sum(outputs·R) + Σ sum(state_part·S)`` with respect to the inputs, the initial
state (when given) and every variable. ``tests/nn/test_rnn_tf_reference.py`` rebuilds each case
with teachflow from the same description and compares.
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
from tensorflow.python.ops import rnn, rnn_cell_impl  # noqa: E402

tf1 = tf.compat.v1
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "nn", "data", "rnn_tf_reference.json")

# name, cells [(class, kwargs)], multi kwargs (None: a single cell), api, options
CASES = [
    ("basic_rnn_static", [("BasicRNNCell", {"num_units": 3})], None, "static", {}),
    ("basic_rnn_dynamic_seq", [("BasicRNNCell", {"num_units": 3})], None, "dynamic",
     {"sequence_length": [4, 2, 0]}),
    ("basic_lstm_dynamic_seq", [("BasicLSTMCell", {"num_units": 3})], None, "dynamic",
     {"sequence_length": [4, 1, 3]}),
    ("basic_lstm_static_seq_init", [("BasicLSTMCell", {"num_units": 3, "forget_bias": 0.5})], None,
     "static", {"sequence_length": [2, 4, 3], "initial_state": True}),
    ("basic_lstm_concat_time_major", [("BasicLSTMCell", {"num_units": 3, "state_is_tuple": False})],
     None, "dynamic", {"time_major": True}),
    ("gru_dynamic_seq", [("GRUCell", {"num_units": 3})], None, "dynamic",
     {"sequence_length": [3, 4, 1]}),
    ("gru_static_init", [("GRUCell", {"num_units": 2})], None, "static", {"initial_state": True}),
    ("lstm_peephole_proj_clip", [("LSTMCell", {"num_units": 3, "use_peepholes": True, "num_proj": 2,
                                               "cell_clip": 0.8, "proj_clip": 0.6})],
     None, "dynamic", {"sequence_length": [4, 2, 3]}),
    ("lstm_plain_static", [("LSTMCell", {"num_units": 3})], None, "static", {}),
    ("multi_lstm_gru_dynamic_seq", [("BasicLSTMCell", {"num_units": 3}), ("GRUCell", {"num_units": 2})],
     {}, "dynamic", {"sequence_length": [4, 3, 2]}),
    ("multi_concat_static", [("BasicRNNCell", {"num_units": 2}), ("BasicRNNCell", {"num_units": 3})],
     {"state_is_tuple": False}, "static", {"initial_state": True}),
    # bidirectional: the two cells are the forward and the backward cell
    ("bidirectional_dynamic_seq", [("BasicLSTMCell", {"num_units": 3}), ("GRUCell", {"num_units": 2})],
     None, "bidirectional_dynamic", {"sequence_length": [4, 2, 3]}),
    ("bidirectional_dynamic_time_major", [("GRUCell", {"num_units": 2}), ("BasicRNNCell", {"num_units": 2})],
     None, "bidirectional_dynamic", {"time_major": True}),
    ("bidirectional_static_seq", [("BasicRNNCell", {"num_units": 3}), ("BasicLSTMCell", {"num_units": 2})],
     None, "bidirectional_static", {"sequence_length": [1, 4, 3]}),
]
BATCH, TIME, DEPTH = 3, 4, 2


def flat(s):
    return [leaf for part in s for leaf in flat(part)] if isinstance(s, tuple) else [s]


def build_cell(cells, multi):
    made = [getattr(rnn_cell_impl, kind)(**kw) for kind, kw in cells]
    return made[0] if multi is None else rnn_cell_impl.MultiRNNCell(made, **multi)


def state_arrays(cell, rng):
    return [rng.uniform(-1, 1, (BATCH, n)) for n in flat(cell.state_size)]


def pack_state(cell, parts):
    it = iter(parts)

    def rebuild(size):
        if isinstance(size, tuple):
            items = [rebuild(s) for s in size]
            return type(size)(*items) if hasattr(size, "_fields") else tuple(items)
        return next(it)
    return rebuild(cell.state_size)


def build_one_way(cells, multi, api, x, seq, time_major, opts, rng):
    cell = build_cell(cells, multi)
    init_vals = state_arrays(cell, rng) if opts.get("initial_state") else None
    init_phs = [tf1.placeholder(tf.float64, v.shape) for v in init_vals or []]
    init = pack_state(cell, init_phs) if init_vals else None
    if api == "static":
        outs, state = rnn.static_rnn(cell, tf1.unstack(x, axis=1), initial_state=init,
                                     dtype=tf.float64, sequence_length=seq)
        return tf.stack(outs, axis=1), state, init_phs, init_vals
    out, state = rnn.dynamic_rnn(cell, x, sequence_length=seq, initial_state=init,
                                 dtype=tf.float64, time_major=time_major)
    return out, state, init_phs, init_vals


def build_bidirectional(cells, api, x, seq, time_major):
    """Outputs: forward and backward side by side (last axis); state: (state_fw, state_bw)."""
    fw, bw = [getattr(rnn_cell_impl, kind)(**kw) for kind, kw in cells]
    if api == "bidirectional_static":
        outs, state_fw, state_bw = rnn.static_bidirectional_rnn(
            fw, bw, tf1.unstack(x, axis=1), dtype=tf.float64, sequence_length=seq)
        return tf.stack(outs, axis=1), (state_fw, state_bw), [], None
    (out_fw, out_bw), state = rnn.bidirectional_dynamic_rnn(
        fw, bw, x, sequence_length=seq, dtype=tf.float64, time_major=time_major)
    return tf.concat([out_fw, out_bw], 2), state, [], None


def run_case(name, cells, multi, api, opts, seed):
    """One case in a fresh graph: its description plus TF's numbers (lists of floats)."""
    rng = np.random.default_rng(seed)
    g = tf.Graph()
    with g.as_default():
        time_major = opts.get("time_major", False)
        shape = (TIME, BATCH, DEPTH) if time_major else (BATCH, TIME, DEPTH)
        x_val = rng.uniform(-1, 1, shape)
        x = tf1.placeholder(tf.float64, shape, name="x")
        seq = opts.get("sequence_length")
        if api.startswith("bidirectional"):
            out, state, init_phs, init_vals = build_bidirectional(cells, api, x, seq, time_major)
        else:
            out, state, init_phs, init_vals = build_one_way(cells, multi, api, x, seq, time_major, opts, rng)
        parts = flat(state)
        r_out = rng.uniform(-1, 1, out.shape.as_list())
        r_state = [rng.uniform(-1, 1, p.shape.as_list()) for p in parts]
        loss = tf.reduce_sum(out * r_out) + tf.add_n([tf.reduce_sum(p * r) for p, r in zip(parts, r_state)])
        variables = tf1.global_variables()
        weights = {v.op.name: rng.uniform(-0.6, 0.6, v.shape.as_list()) for v in variables}
        wrt = [x] + init_phs + variables
        grads = tf1.gradients(loss, wrt)
        feed = {x: x_val, **dict(zip(init_phs, init_vals or []))}
        with tf1.Session(graph=g) as sess:
            for v in variables:
                v.load(weights[v.op.name], sess)
            out_v, parts_v, grads_v = sess.run([out, parts, grads], feed)
    n_init = len(init_phs)
    return {"name": name, "cells": [[k, kw] for k, kw in cells], "multi": multi, "api": api,
            "options": opts, "batch": BATCH, "time": TIME, "depth": DEPTH,
            "variables": [v.op.name for v in variables],
            "x": x_val.tolist(), "initial_state": [v.tolist() for v in init_vals or []],
            "weights": {k: v.tolist() for k, v in weights.items()},
            "r_outputs": r_out.tolist(), "r_state": [r.tolist() for r in r_state],
            "outputs": out_v.tolist(), "state": [p.tolist() for p in parts_v],
            "grad_x": grads_v[0].tolist(),
            "grad_initial_state": [gv.tolist() for gv in grads_v[1:1 + n_init]],
            "grad_weights": {v.op.name: gv.tolist() for v, gv in zip(variables, grads_v[1 + n_init:])}}


def main():
    tf1.disable_eager_execution()
    cases = [run_case(*case, seed=k) for k, case in enumerate(CASES)]
    doc = {"made_by": "tools/tf_reference/rnn_reference.py with TensorFlow " + tf.__version__ +
           " (tf.compat.v1, graph mode, TF1's rnn_cell_impl and rnn modules, float64)",
           "cases": cases}
    path = os.path.normpath(OUT)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    print(f"wrote {len(cases)} cases to {path} ({os.path.getsize(path):,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
