"""Meta graphs with control flow: a tf.cond graph, a tf.while_loop graph and a dynamic_rnn LSTM
classifier (with its Adam train op, i.e. the gradients of both) saved by ``Saver.save`` and
rebuilt by ``tf.train.import_meta_graph`` in a fresh graph give the same values and the same
training steps bit for bit; hostile ``control_flow`` fields are refused before anything is
added to the graph."""
import json

import numpy as np
import pytest

import teachflow as tf
from teachflow.core import errors
from teachflow.train import meta_graph


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def _reimport(prefix, restore=True):
    """A fresh default graph holding the saved graph, and a session with its variables."""
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(prefix + ".meta")
    sess = tf.Session()
    if restore:
        saver.restore(sess, prefix)
    return sess


def test_cond_graph_round_trips_with_equal_outputs(tmp_path):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 5, name="w")
    h = tf.matmul(x, w)
    inner = lambda: tf.cond(tf.reduce_sum(h) > 0, lambda: h * 2.0, lambda: -h)  # nested
    y = tf.cond(p, inner, lambda: tf.exp(h * 0.1) + w[0], name="pick")
    tf.add_to_collection("out", y)
    feeds = [(np.random.RandomState(k).randn(4, 3).astype(np.float32), bool(k % 2)) for k in range(4)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = [sess.run(y, {x: a, p: b}) for a, b in feeds]
        tf.train.Saver().save(sess, str(tmp_path / "m"))
    sess = _reimport(str(tmp_path / "m"))
    y2 = tf.get_collection("out")[0]
    assert y2.op.type == "Cond" and y2.name == "pick:0"
    after = [sess.run(y2, {"x:0": a, "p:0": b}) for a, b in feeds]
    for u, v in zip(before, after):
        np.testing.assert_array_equal(u, v)
    assert len({tuple(np.ravel(u)) for u in before}) == 4  # the feeds take different branches


def test_while_loop_graph_round_trips_with_equal_outputs(tmp_path):
    n = tf.placeholder(tf.int32, [], name="n")
    x = tf.placeholder(tf.float32, [2], name="x")
    scale = tf.constant([1.5, -0.5], name="scale")
    i, v = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.tanh(v * scale) + x),
                         [tf.constant(0), x], maximum_iterations=20, name="loop")
    tf.add_to_collection("out", v)
    feeds = [(k, np.array([0.1 * k, -0.3], np.float32)) for k in (0, 1, 4, 30)]
    with tf.Session() as sess:
        before = [sess.run(v, {n: a, x: b}) for a, b in feeds]
    tf.train.export_meta_graph(str(tmp_path / "w.meta"))
    tf.reset_default_graph()
    tf.train.import_meta_graph(str(tmp_path / "w.meta"))
    v2 = tf.get_collection("out")[0]
    with tf.Session() as sess:
        after = [sess.run(v2, {"n:0": a, "x:0": b}) for a, b in feeds]
    for u, w in zip(before, after):
        np.testing.assert_array_equal(u, w)
    assert not np.array_equal(before[2], before[3])  # 4 and 20 (the maximum) iterations differ


def _lstm_classifier():
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float32, [None, 5, 3], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    cell = tf.nn.rnn_cell.BasicLSTMCell(8)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    logits = tf.layers.dense(outputs[:, -1, :], 2, name="head")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits),
                          name="loss")
    train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
    tf.add_to_collection("train_op", train_op)
    tf.add_to_collection("loss", loss)
    return x, y, loss, train_op


def _batches():
    rng = np.random.RandomState(3)
    X = rng.randn(8, 40, 5, 3).astype(np.float32)
    return X, (X[:, :, :, 0].sum(2) > 0).astype(np.int64)


def test_dynamic_rnn_lstm_trains_on_identically_after_import(tmp_path):
    X, Y = _batches()
    x, y, loss, train_op = _lstm_classifier()
    prefix = str(tmp_path / "lstm")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = [sess.run([loss, train_op], {x: X[k], y: Y[k]})[0] for k in range(4)]
        tf.train.Saver().save(sess, prefix)
        original = [sess.run([loss, train_op], {x: X[k], y: Y[k]})[0] for k in range(4, 7)]
    assert original[-1] < first[0]  # it learns
    sess = _reimport(prefix)
    loss2, train2 = tf.get_collection("loss")[0], tf.get_collection("train_op")[0]
    types = {op.type for op in tf.get_default_graph().get_operations()}
    assert {"While", "WhileGrad"} <= types
    resumed = [sess.run([loss2, train2], {"x:0": X[k], "y:0": Y[k]})[0] for k in range(4, 7)]
    assert resumed == original  # bit-identical losses, through the loop's gradient
    sess.close()


def test_gradients_built_after_import_equal_the_originals(tmp_path):
    """The rebuilt contexts are complete enough for tf.gradients to differentiate an imported
    While and Cond anew (WhileGrad and cond_grad made after the import), and to export again."""
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [None, 4, 2], name="x")
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, dtype=tf.float32)
    last = out[:, -1]
    picked = tf.cond(tf.reduce_sum(last) > 0, lambda: last * 2.0, lambda: tf.sin(last))
    loss = tf.reduce_sum(picked ** 2, name="loss")
    X = np.random.RandomState(0).randn(3, 4, 2).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(tf.gradients(loss, tf.trainable_variables()), {x: X})
        tf.train.Saver().save(sess, str(tmp_path / "m"))
    sess = _reimport(str(tmp_path / "m"))
    loss2 = tf.get_default_graph().get_tensor_by_name("loss:0")
    after = sess.run(tf.gradients(loss2, tf.trainable_variables()), {"x:0": X})
    assert len(after) == 4 and all(np.array_equal(a, b) for a, b in zip(before, after))
    tf.train.export_meta_graph(str(tmp_path / "again.meta"))  # the imported graph saves again
    n = len(tf.get_default_graph().get_operations())
    tf.reset_default_graph()
    tf.train.import_meta_graph(str(tmp_path / "again.meta"))
    assert len(tf.get_default_graph().get_operations()) == n
    sess.close()


def test_imported_loop_and_case_step_through_like_the_original(tmp_path):
    """The step-through of an imported graph (tf.case inside a loop, its gradient, under
    import_scope) labels the same iterations and branches with the same values."""
    from teachflow.trace import step_through
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.case([(x > 1.0, lambda: x * 3.0), (x > 0.0, lambda: x + 10.0)], default=lambda: -x)
    _, v = tf.while_loop(lambda i, v: i < 3, lambda i, v: (
        i + 1, tf.cond(v > 5.0, lambda: v - 1.0, lambda: v * x)), [0, y])
    g = tf.gradients(v, x)[0]
    tf.add_to_collection("out", v)
    tf.add_to_collection("out", g)

    def steps(fetches, feed):
        with tf.Session() as sess:
            tr = step_through(sess, fetches, feed)
            return [(s.name.replace("imp/", ""), s.where.replace("imp/", ""),
                     np.asarray(s.output).tolist() if s.output is not None else None)
                    for s in tr], np.asarray(tr.result, dtype=np.float64).tolist()

    before = [steps([v, g], {x: k}) for k in (-1.0, 0.5, 2.0)]
    tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    tf.reset_default_graph()
    tf.train.import_meta_graph(str(tmp_path / "g.meta"), import_scope="imp")
    v2, g2 = tf.get_collection("out")
    assert v2.name == "imp/while:1"
    after = [steps([v2, g2], {"imp/x:0": k}) for k in (-1.0, 0.5, 2.0)]
    assert after == before
    assert any("while: iteration 3" in where for _, where, _ in before[0][0])


# --------------------------------------------------------------------------- hostile files
def _cond_meta(tmp_path):
    x = tf.placeholder(tf.float32, [], name="x")
    tf.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0, name="c")
    i = tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)], name="w")
    tf.identity(i, name="out")
    tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    tf.reset_default_graph()
    return json.loads((tmp_path / "g.meta").read_text())


def _import_fails(tmp_path, meta, pattern):
    path = tmp_path / "h.meta"
    path.write_text(json.dumps(dict(meta, sha256=meta_graph._checksum(meta))))
    with pytest.raises(errors.DataLossError, match=pattern):
        tf.train.import_meta_graph(str(path))
    g = tf.get_default_graph()
    assert g.get_operations() == [] and g.get_all_collection_keys() == []
    assert g.unique_name("x", mark_as_used=False) == "x"  # no name left used


def test_control_flow_is_written_as_data(tmp_path):
    meta = _cond_meta(tmp_path)
    cf = meta["control_flow"]
    assert [(c["kind"], c["label"]) for c in cf["contexts"]] == [
        ("cond", "true"), ("cond", "false"), ("while", "body")]
    assert cf["specs"]["c"]["type"] == "Cond" and cf["specs"]["w"]["type"] == "While"
    assert cf["members"]["c/mul"] == 0 and cf["members"]["w/add"] == 2


def test_a_body_naming_an_op_not_in_the_file_is_refused(tmp_path):
    meta = _cond_meta(tmp_path)
    meta["control_flow"]["specs"]["w"]["body"]["outputs"] = ["os/system:0"]
    _import_fails(tmp_path, meta, r"names tensor 'os/system:0', which no earlier op")


def test_an_unknown_context_kind_is_refused(tmp_path):
    meta = _cond_meta(tmp_path)
    meta["control_flow"]["contexts"][2]["kind"] = "exec"
    _import_fails(tmp_path, meta, r"context 2 has unknown kind 'exec'")


def test_a_cycle_of_contexts_is_refused(tmp_path):
    meta = _cond_meta(tmp_path)
    meta["control_flow"]["contexts"][0]["outer"] = 1
    meta["control_flow"]["contexts"][1]["outer"] = 0
    _import_fails(tmp_path, meta, r"earlier context or null.*cycle")


@pytest.mark.parametrize("change,pattern", [
    (lambda cf: cf["members"].update({"out": 0}), r"op 'out' belongs to context 0, but comes after"),
    (lambda cf: cf["specs"].pop("c"), r"op 'c' \(Cond\) has no control_flow spec"),
    (lambda cf: cf["specs"]["c"]["branches"].reverse(), r"a true and a false branch"),
    (lambda cf: cf["specs"]["w"]["body"].update(context=0), r"cannot run a cond context"),
    (lambda cf: cf["specs"]["w"]["body"].update(args=["c/mul:0"]), r"is not an Arg op of context"),
    (lambda cf: cf["contexts"][1].update(label="sideways"), r"has label 'sideways'"),
    (lambda cf: cf.update(extra=1), r"exactly contexts, members, specs"),
    (lambda cf: cf["specs"].update(out=cf["specs"]["w"]), r"a Identity op runs no branches"),
    (lambda cf: cf["specs"]["w"]["body"].update(outputs=[]), r"different number of values"),
    (lambda cf: cf["specs"]["c"].update(has_frame=True), r"reads the frame of its forward Cond"),
    (lambda cf: cf["specs"]["c"].update(n_args=2), r"differ in their number of arguments"),
])
def test_inconsistent_control_flow_fields_are_refused(tmp_path, change, pattern):
    meta = _cond_meta(tmp_path)
    change(meta["control_flow"])
    _import_fails(tmp_path, meta, pattern)


def test_a_branch_read_missing_from_the_op_inputs_is_refused(tmp_path):
    meta = _cond_meta(tmp_path)
    cond = next(rec for rec in meta["ops"] if rec["name"] == "c")
    cond["inputs"] = cond["inputs"][:1]  # drops the captured x the branches read
    _import_fails(tmp_path, meta, r"does not take 'x:0' as an input")


def test_a_loop_gradient_naming_another_loop_is_refused(tmp_path):
    x = tf.placeholder(tf.float32, [], name="x")
    a = tf.while_loop(lambda v: v < 10.0, lambda v: v * x, [x], name="a")
    b = tf.while_loop(lambda v: v < 20.0, lambda v: v * 2.0, [x], name="b")
    tf.gradients(a + b, x)
    tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    tf.reset_default_graph()
    meta = json.loads((tmp_path / "g.meta").read_text())
    specs = meta["control_flow"]["specs"]
    grads = [name for name, s in specs.items() if s["type"] == "WhileGrad"]
    forwards = [specs[name]["forward"] for name in grads]
    assert sorted(forwards) == ["a", "b"]
    specs[grads[0]]["forward"] = forwards[1]
    _import_fails(tmp_path, meta, rf"does not differentiate the loop '{forwards[1]}'")
