"""Meta graphs: Saver.save writes ``prefix.meta``; tf.train.import_meta_graph rebuilds the graph
from registered op types only, restores collections and returns a working Saver. A classic
transfer-learning program (resume training; a new head on an imported hidden layer) and hostile
files (unknown op type, a bad name, a changed or truncated file, huge sizes)."""
import hashlib
import json
import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.core import errors
from teachflow.train import meta_graph


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def data():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 20).astype(np.float32)
    return X, X[:, :3].argmax(1).astype(np.int64)


def build_and_train(path, steps_before=5, steps_after=3):
    """Written as a TF1 course writes it (Géron-style); returns the checkpoint prefix and the
    losses of ``steps_after`` further steps taken in the original program after saving."""
    Xd, yd = data()
    tf.set_random_seed(42)
    n_inputs, n_hidden1, n_hidden2, n_outputs = 20, 32, 16, 3
    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")
        hidden2 = tf.layers.dense(hidden1, n_hidden2, activation=tf.nn.relu, name="hidden2")
        logits = tf.layers.dense(hidden2, n_outputs, name="outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
    with tf.name_scope("train"):
        optimizer = tf.train.MomentumOptimizer(learning_rate=0.05, momentum=0.9)
        training_op = optimizer.minimize(loss)
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    for op in (X, y, accuracy, training_op):
        tf.add_to_collection("my_important_ops", op)
    tf.add_to_collection("notes", "lr=0.05")
    init = tf.global_variables_initializer()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        init.run()
        for _ in range(steps_before):
            sess.run(training_op, feed_dict={X: Xd, y: yd})
        save_path = saver.save(sess, os.path.join(path, "my_model_final"))
        after = [sess.run([training_op, loss], feed_dict={X: Xd, y: yd})[1] for _ in range(steps_after)]
    return save_path, after


def test_save_writes_meta_beside_the_checkpoint(tmp_path):
    save_path, _ = build_and_train(str(tmp_path), steps_after=0)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "my_model_final.index",
                                            "my_model_final.meta", "my_model_final.npz"]
    meta = json.loads((tmp_path / "my_model_final.meta").read_text())
    assert meta["format"] == "teachflow-meta-graph-1"
    assert {"X", "y", "hidden1/kernel", "train/Momentum"} <= {o["name"] for o in meta["ops"]}


def test_no_meta_when_write_meta_graph_false(tmp_path):
    v = tf.Variable(1.0, name="v")
    with tf.Session() as sess:
        sess.run(v.initializer)
        tf.train.Saver().save(sess, str(tmp_path / "m"), write_meta_graph=False)
    assert not (tmp_path / "m.meta").exists()


def test_import_resumes_training_exactly(tmp_path):
    save_path, expected = build_and_train(str(tmp_path))
    tf.reset_default_graph()
    Xd, yd = data()
    saver = tf.train.import_meta_graph(save_path + ".meta")
    g = tf.get_default_graph()
    X, y, accuracy, training_op = tf.get_collection("my_important_ops")
    assert (X.name, y.name, accuracy.name, training_op.name) == ("X:0", "y:0", "eval/accuracy:0",
                                                                  "train/Momentum")
    assert tf.get_collection("notes") == ["lr=0.05"]
    assert training_op in tf.get_collection(tf.GraphKeys.TRAIN_OP)
    assert [v.name for v in tf.trainable_variables()] == [
        "hidden1/kernel:0", "hidden1/bias:0", "hidden2/kernel:0", "hidden2/bias:0",
        "outputs/kernel:0", "outputs/bias:0"]
    assert len(tf.global_variables()) == 12  # + one Momentum slot per variable
    loss = g.get_tensor_by_name("loss/loss:0")
    with tf.Session() as sess:
        saver.restore(sess, save_path)
        got = [sess.run([training_op, loss], feed_dict={X: Xd, y: yd})[1] for _ in range(3)]
    np.testing.assert_array_equal(got, expected)  # slots restored too: the same steps exactly


def graph_facts():
    """What each op of the default graph is, for comparing a graph with its import."""
    def name(x):
        return x.name if x is not None else None
    return {op.name: (op.type, [t.name for t in op.inputs], [c.name for c in op.control_inputs],
                      op.device, name(op.gradient_of), op.grad_input_index, name(op.grad_incoming),
                      [t.shape.as_list() if t.shape.dims is not None else None for t in op.outputs])
            for op in tf.get_default_graph().get_operations()}


def test_gradient_marks_round_trip(tmp_path):
    save_path, _ = build_and_train(str(tmp_path), steps_after=0)
    before = graph_facts()
    tf.reset_default_graph()
    tf.train.import_meta_graph(save_path + ".meta")
    after = graph_facts()
    assert after == before
    assert sum(1 for v in after.values() if v[4]) > 10  # the backward pass kept its marks


def test_transfer_learning_new_head_on_imported_hidden_layer(tmp_path):
    save_path, _ = build_and_train(str(tmp_path))
    tf.reset_default_graph()
    Xd, yd = data()
    y_new = (Xd[:, 3] > 0).astype(np.int64)
    tf.set_random_seed(7)
    restore_saver = tf.train.import_meta_graph(save_path + ".meta")
    X = tf.get_default_graph().get_tensor_by_name("X:0")
    hidden2 = tf.get_default_graph().get_tensor_by_name("dnn/hidden2/Relu:0")
    y = tf.placeholder(tf.int64, shape=(None), name="y2")
    new_logits = tf.layers.dense(tf.stop_gradient(hidden2), 2, name="new_outputs")
    with tf.name_scope("new_loss"):
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=new_logits))
    with tf.name_scope("new_train"):
        new_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="new_outputs")
        training_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss, var_list=new_vars)
    assert [v.name for v in new_vars] == ["new_outputs/kernel:0", "new_outputs/bias:0"]
    init_new = tf.variables_initializer(new_vars + tf.get_collection(
        tf.GraphKeys.GLOBAL_VARIABLES, scope="new_train"))
    kernel = tf.get_default_graph().get_tensor_by_name("hidden1/kernel:0")
    with tf.Session() as sess:
        restore_saver.restore(sess, save_path)
        init_new.run()
        k0 = sess.run(kernel)
        losses = [sess.run([training_op, loss], feed_dict={X: Xd, y: y_new})[1] for _ in range(30)]
        np.testing.assert_array_equal(sess.run(kernel), k0)  # the reused layers are frozen
    assert losses[-1] < 0.8 * losses[0]


def test_import_scope_and_name_clash(tmp_path):
    save_path, _ = build_and_train(str(tmp_path), steps_after=0)
    with pytest.raises(errors.DataLossError, match=r"already has an op named 'X'.*import_scope"):
        tf.train.import_meta_graph(save_path + ".meta")
    n = len(tf.get_default_graph().get_operations())
    saver = tf.train.import_meta_graph(save_path + ".meta", import_scope="copy")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("copy/dnn/hidden2/Relu:0").shape.as_list() == [None, 16]
    assert len(g.get_operations()) == 2 * n
    Xd, yd = data()
    with tf.Session() as sess:
        saver.restore(sess, save_path)  # checkpoint names map onto the scoped variables
        assert sess.run("copy/eval/accuracy:0", {"copy/X:0": Xd, "copy/y:0": yd}) > 0.3
    assert tf.layers.dense(g.get_tensor_by_name("copy/X:0"), 1, name="copy").name == "copy_1/BiasAdd:0"


@pytest.mark.filterwarnings("ignore:sess.run fetched NaN")
def test_export_meta_graph_and_constants_round_trip(tmp_path):
    c = tf.constant(np.array([[1.5, np.nan], [np.inf, -0.0]], np.float32), name="c")
    s = tf.constant(["héllo", "b"], name="s")
    i = tf.constant(np.arange(6, dtype=np.int64).reshape(2, 3), name="i")
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    z = x[0:2, ..., 1]
    part = x[:, ::2]
    tf.constant(np.zeros((3, 2), np.float32), name="z")
    meta = tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    assert meta["sha256"] == hashlib.sha256(json.dumps(
        {k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True,
        separators=(",", ":")).encode()).hexdigest()
    with tf.Session() as sess:
        want = sess.run([c, s, i, part], {x: np.arange(8.0).reshape(2, 4)})
    names = [t.name for t in (c, s, i, part, z)]
    tf.reset_default_graph()
    assert tf.train.import_meta_graph(str(tmp_path / "g.meta")) is None  # no variables: no Saver
    g = tf.get_default_graph()
    with tf.Session() as sess:
        got = sess.run(names[:4], {"x:0": np.arange(8.0).reshape(2, 4)})
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert got[1].tolist() == ["héllo".encode(), b"b"]
    zeros = [o for o in meta["ops"] if o["name"] == "z"][0]["attrs"]["value"]["array"]
    assert zeros == {"dtype": "float32", "shape": [3, 2], "fill": 0.0}  # one value, stored once
    np.testing.assert_array_equal(g.get_operation_by_name("z").attrs["value"],
                                  np.zeros((3, 2), np.float32))
    assert g.get_tensor_by_name(names[4]).shape.as_list() == z.shape.as_list()


def test_unregistered_attr_value_is_refused_when_saving(tmp_path):
    x = tf.constant(1.0, name="x")
    x.op.attrs["hook"] = print  # a Python callable is not data
    with pytest.raises(meta_graph.MetaGraphError, match=r"op 'x' \(type Const\).*'hook'.*not data"):
        tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    assert not (tmp_path / "g.meta").exists()


# --------------------------------------------------------------------------- hostile files
def small_meta(tmp_path):
    a = tf.Variable(np.ones(3, np.float32), name="a")
    tf.identity(a * 2.0, name="y")
    tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    tf.reset_default_graph()
    return json.loads((tmp_path / "g.meta").read_text())


def write_sealed(path, meta):
    meta = dict(meta, sha256=meta_graph._checksum(meta))
    path.write_text(json.dumps(meta))
    return str(path)


def import_fails(path, pattern):
    with pytest.raises(errors.DataLossError, match=pattern):
        tf.train.import_meta_graph(path)
    assert tf.get_default_graph().get_operations() == []  # nothing was imported
    assert tf.get_default_graph().get_all_collection_keys() == []
    assert tf.get_default_graph().unique_name("a", mark_as_used=False) == "a"  # no name left used


def test_unknown_op_type_is_refused(tmp_path):
    meta = small_meta(tmp_path)
    meta["ops"][-1]["type"] = "os.system"
    import_fails(write_sealed(tmp_path / "h.meta", meta), r"unknown op type 'os.system'.*registered")


@pytest.mark.parametrize("field,value,pattern", [
    ("name", "y\nimport os", r"is not a valid op name"),
    ("name", "__import__('os')", r"is not a valid op name"),
    ("device", "/cpu:0\n", r"device must be printable"),
    ("attrs", {"x": {"call": "os.system"}}, r"unknown or malformed value tag 'call'"),
    ("attrs", {"x": {"array": {"dtype": "object", "shape": [1], "data": [1]}}}, r"array dtype"),
    ("inputs", ["nowhere:0"], r"uses tensor 'nowhere:0', which no earlier op makes"),
    ("attrs", {"x": {"array": {"dtype": "int8", "shape": [2], "fill": 300}}}, r"do not all fit dtype int8"),
])
def test_bad_fields_are_refused(tmp_path, field, value, pattern):
    meta = small_meta(tmp_path)
    meta["ops"][-1][field] = value
    import_fails(write_sealed(tmp_path / "h.meta", meta), pattern)


def test_changed_and_truncated_files_fail_the_checksum(tmp_path):
    small_meta(tmp_path)
    text = (tmp_path / "g.meta").read_text()
    (tmp_path / "t.meta").write_text(text[: len(text) // 2])
    import_fails(str(tmp_path / "t.meta"), r"corrupt or not a teachflow meta graph")
    (tmp_path / "m.meta").write_text(text.replace('"y"', '"z"'))
    import_fails(str(tmp_path / "m.meta"), r"sha256 does not match")


def test_huge_sizes_are_refused_before_allocation(tmp_path, monkeypatch):
    meta = small_meta(tmp_path)
    meta["ops"][0]["attrs"]["value"] = {"array": {"dtype": "float32", "shape": [10 ** 6, 10 ** 6],
                                                  "data": []}}
    import_fails(write_sealed(tmp_path / "h.meta", meta), r"larger than .* elements")
    meta = small_meta(tmp_path)
    meta["ops"][0]["attrs"]["value"] = {"array": {"dtype": "float32", "shape": [3], "data": [1.0]}}
    import_fails(write_sealed(tmp_path / "h.meta", meta), r"flat list of 3 elements")
    meta = small_meta(tmp_path)
    fill = {"name": "big", "type": "Fill", "inputs": [meta["ops"][0]["name"] + ":0"],
            "control_inputs": [], "device": None, "attrs": {"dims": {"tuple": [10 ** 6, 10 ** 6]}},
            "shapes": [None], "gradient_of": None, "grad_input_index": None, "grad_incoming": None,
            "variable": None}
    meta["ops"].append(fill)
    import_fails(write_sealed(tmp_path / "h.meta", meta), r"'big' \(Fill\) would make a tensor")
    monkeypatch.setattr(meta_graph, "MAX_FILE_BYTES", 100)
    import_fails(str(tmp_path / "g.meta"), r"larger than")
    deep = tmp_path / "deep.meta"
    deep.write_text("[" * 100000 + "]" * 100000)
    monkeypatch.setattr(meta_graph, "MAX_FILE_BYTES", 2 ** 20)
    import_fails(str(deep), r"corrupt")


def test_missing_meta_file_names_itself(tmp_path):
    with pytest.raises(errors.NotFoundError, match=r"No meta graph file .*nothing\.meta"):
        tf.train.import_meta_graph(str(tmp_path / "nothing.meta"))


def test_devices_global_step_and_clear_devices(tmp_path):
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(np.zeros(2, np.float32), name="w")
    with tf.device("/job:worker/task:1"):
        loss = tf.reduce_sum(tf.square(w - 1.0), name="loss")
    step = tf.train.get_or_create_global_step()
    tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    tf.train.export_meta_graph(str(tmp_path / "d.meta"))
    tf.reset_default_graph()
    tf.train.import_meta_graph(str(tmp_path / "d.meta"))
    g = tf.get_default_graph()
    assert (g.get_operation_by_name("w").device, g.get_operation_by_name("loss").device) == (
        "/job:ps/task:0", "/job:worker/task:1")
    assert tf.train.get_global_step().name == step.name
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.get_collection(tf.GraphKeys.TRAIN_OP))
        assert sess.run(tf.train.get_global_step()) == 1
    tf.reset_default_graph()
    tf.train.import_meta_graph(str(tmp_path / "d.meta"), clear_devices=True)
    assert {op.device for op in tf.get_default_graph().get_operations()} == {None}


def test_a_protobuf_meta_file_is_named_as_such(tmp_path):
    (tmp_path / "tf.meta").write_bytes(b"\n\x8b\x02\n\x0b\n\x03Add\x12\x04\n")
    import_fails(str(tmp_path / "tf.meta"), r"protobuf .meta files cannot be read")
