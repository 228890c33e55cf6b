"""teachflow's RNN cells, static_rnn and dynamic_rnn against TensorFlow 1.x's numbers.

``data/rnn_tf_reference.json`` was made by ``tools/tf_reference/rnn_reference.py`` (run with the
TensorFlow virtualenv: TF's own ``rnn_cell_impl``/``rnn`` code in ``tf.compat.v1`` graph mode,
float64): for each small case, the variable names TF gave, the weights and inputs it was fed, and
its outputs, final state and gradients. Each case is rebuilt here from the same description with
teachflow, fed the same weights, and must give the same names and numbers. TensorFlow is not
imported.
"""
import json
import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.nn import rnn_cell

DATA = os.path.join(os.path.dirname(__file__), "data", "rnn_tf_reference.json")
with open(DATA) as _f:
    REFERENCE = json.load(_f)
CASES = {case["name"]: case for case in REFERENCE["cases"]}


def _flat(s):
    return [leaf for part in s for leaf in _flat(part)] if isinstance(s, tuple) else [s]


def _cell(case):
    made = [getattr(tf.nn.rnn_cell, kind)(**kw) for kind, kw in case["cells"]]
    return made[0] if case["multi"] is None else tf.nn.rnn_cell.MultiRNNCell(made, **case["multi"])


def _build(case):
    """The case's graph in teachflow; returns x, initial-state placeholders, outputs, state parts."""
    opts = case["options"]
    x_val = np.array(case["x"])
    x = tf.placeholder(tf.float64, x_val.shape, name="x")
    seq = opts.get("sequence_length")
    time_major = opts.get("time_major", False)
    if case["api"].startswith("bidirectional"):
        fw, bw = [getattr(tf.nn.rnn_cell, kind)(**kw) for kind, kw in case["cells"]]
        if case["api"] == "bidirectional_static":
            outs, state_fw, state_bw = tf.nn.static_bidirectional_rnn(
                fw, bw, tf.unstack(x, axis=1), dtype=tf.float64, sequence_length=seq)
            return x, [], tf.stack(outs, axis=1), _flat((state_fw, state_bw))
        (out_fw, out_bw), state = tf.nn.bidirectional_dynamic_rnn(
            fw, bw, x, sequence_length=seq, dtype=tf.float64, time_major=time_major)
        return x, [], tf.concat([out_fw, out_bw], 2), _flat(state)
    cell = _cell(case)
    init_phs = [tf.placeholder(tf.float64, np.shape(v)) for v in case["initial_state"]]
    init = None
    if init_phs:
        it = iter(init_phs)
        init = rnn_cell.map_structure(lambda _: next(it), cell.state_size)
    if case["api"] == "static":
        outs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), initial_state=init,
                                       dtype=tf.float64, sequence_length=seq)
        out = tf.stack(outs, axis=1)
    else:
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seq, initial_state=init,
                                       dtype=tf.float64, time_major=time_major)
    return x, init_phs, out, _flat(state)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_tensorflow(fresh_graph, name):
    case = CASES[name]
    x, init_phs, out, parts = _build(case)
    variables = tf.global_variables()
    assert [v.op.name for v in variables] == case["variables"]  # TF1's names, in TF1's order
    loss = tf.reduce_sum(out * np.array(case["r_outputs"])) + tf.add_n(
        [tf.reduce_sum(p * np.array(r)) for p, r in zip(parts, case["r_state"])])
    grads = tf.gradients(loss, [x] + init_phs + variables)
    feed = {x: np.array(case["x"]), **{p: np.array(v) for p, v in zip(init_phs, case["initial_state"])}}
    with tf.Session() as sess:
        for v in variables:
            v.load(np.array(case["weights"][v.op.name]), sess)
        out_v, parts_v, grads_v = sess.run([out, parts, grads], feed)
    np.testing.assert_allclose(out_v, case["outputs"], rtol=1e-10, atol=1e-12)
    for got, want in zip(parts_v, case["state"]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    n = len(init_phs)
    want_grads = [case["grad_x"]] + case["grad_initial_state"] + [
        case["grad_weights"][v.op.name] for v in variables]
    for wrt, got, want in zip([x] + init_phs + variables, grads_v, want_grads):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11, err_msg=f"d loss / d {wrt.name}")
    assert len(grads_v) == 1 + n + len(variables)


def test_the_reference_covers_every_cell_and_both_loops():
    kinds = {kind for case in REFERENCE["cases"] for kind, _ in case["cells"]}
    assert kinds == {"BasicRNNCell", "BasicLSTMCell", "GRUCell", "LSTMCell"}
    assert {case["api"] for case in REFERENCE["cases"]} == {
        "static", "dynamic", "bidirectional_static", "bidirectional_dynamic"}
    assert any(case["multi"] is not None for case in REFERENCE["cases"])
    with_lengths = [c for c in REFERENCE["cases"] if "sequence_length" in c["options"]]
    assert {c["api"] for c in with_lengths} == {
        "static", "dynamic", "bidirectional_static", "bidirectional_dynamic"}
