"""tf.train.Saver: npz + JSON index checkpoints, TF's ``checkpoint`` state file, subsets for
transfer learning, refusal of pickles, atomic writes and all-or-nothing restores."""
import hashlib
import io
import json
import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.train import saver as saver_module


@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


def two_vars():
    a = tf.Variable(np.array([1.0, 2.0, 3.0]), name="a")
    b = tf.Variable(np.array([[4, 5]], dtype=np.int32), name="b")
    return a, b


# --------------------------------------------------------------------------- save and restore
def test_save_restore_roundtrip(graph, tmp_path):
    a, b = two_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
        assert path == str(tmp_path / "model")
        assert os.path.isfile(path + ".npz") and os.path.isfile(path + ".index")
        sess.run([tf.assign(a, [0.0, 0.0, 0.0]), tf.assign(b, [[0, 0]])])
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(a), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(sess.run(b), [[4, 5]])
        assert sess.run(b).dtype == np.int32
    # a fresh session needs no initializer when it restores every variable
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(a), [1.0, 2.0, 3.0])
    index = json.loads((tmp_path / "model.index").read_text())
    assert index["data_sha256"] == hashlib.sha256((tmp_path / "model.npz").read_bytes()).hexdigest()
    assert {(e["name"], tuple(e["shape"]), e["dtype"]) for e in index["variables"]} == {
        ("a", (3,), "float64"), ("b", (1, 2), "int32")}
    with np.load(tmp_path / "model.npz", allow_pickle=False) as npz:   # plain NumPy arrays
        assert sorted(npz[k].dtype.name for k in npz.files) == ["float64", "int32"]


def test_global_step_in_name_and_state_file(graph, tmp_path):
    a, _ = two_vars()
    step = tf.train.get_or_create_global_step()
    saver = tf.train.Saver(max_to_keep=3)
    folder = tmp_path / "ckpt"
    assert tf.train.latest_checkpoint(str(folder)) is None          # no folder yet
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = []
        for s in (10, 20):
            step.load(s, sess)
            paths.append(saver.save(sess, str(folder / "model"), global_step=step))   # a tensor
        paths.append(saver.save(sess, str(folder / "model"), global_step=30))          # an int
    assert paths == [str(folder / f"model-{s}") for s in (10, 20, 30)]
    assert (folder / "checkpoint").read_text() == (
        'model_checkpoint_path: "model-30"\n'
        'all_model_checkpoint_paths: "model-10"\n'
        'all_model_checkpoint_paths: "model-20"\n'
        'all_model_checkpoint_paths: "model-30"\n')
    assert tf.train.latest_checkpoint(str(folder)) == str(folder / "model-30")
    assert saver.last_checkpoints == paths
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint(str(folder)))
        assert sess.run(step) == 20       # the step was 20 when model-30 was written


def test_latest_checkpoint_of_empty_folder_is_none(tmp_path):
    assert tf.train.latest_checkpoint(str(tmp_path)) is None


def test_restore_none_explains(graph, tmp_path):
    two_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="latest_checkpoint"):
            saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))


def test_max_to_keep_deletes_old_files(graph, tmp_path):
    two_vars()
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for s in range(1, 5):
            saver.save(sess, str(tmp_path / "model"), global_step=s)
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint", "model-3.index", "model-3.meta", "model-3.npz", "model-4.index",
        "model-4.meta", "model-4.npz"]  # as TF1: the meta graph goes with its checkpoint
    assert (tmp_path / "checkpoint").read_text().splitlines()[1:] == [
        'all_model_checkpoint_paths: "model-3"', 'all_model_checkpoint_paths: "model-4"']


def test_max_to_keep_none_keeps_everything(graph, tmp_path):
    two_vars()
    saver = tf.train.Saver(max_to_keep=None)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for s in range(1, 8):
            saver.save(sess, str(tmp_path / "model"), global_step=s)
    assert len([f for f in os.listdir(tmp_path) if f.endswith(".npz")]) == 7


def test_saving_uninitialized_variable_is_an_error(graph, tmp_path):
    two_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="a.*not initialized"):
            saver.save(sess, str(tmp_path / "model"))
    assert os.listdir(tmp_path) == []


def test_saver_without_variables_is_an_error(graph):
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver()


def test_dict_var_list_renames(graph, tmp_path):
    a, _ = two_vars()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver({"encoder/weights": a}).save(sess, str(tmp_path / "model"))
    assert tf.train.list_variables(str(tmp_path)) == [("encoder/weights", [3])]
    g2 = tf.Graph()
    with g2.as_default():
        w = tf.Variable(np.zeros(3), name="w")
        with tf.Session() as sess:
            tf.train.Saver({"encoder/weights": w}).restore(sess, str(tmp_path / "model"))
            np.testing.assert_array_equal(sess.run(w), [1.0, 2.0, 3.0])


# --------------------------------------------------------------------------- transfer learning
def dense_layers(x, sizes, seed):
    rng = np.random.default_rng(seed)
    h = x
    for i, n in enumerate(sizes, 1):
        with tf.variable_scope("output" if i == len(sizes) else f"hidden{i}"):
            fan_in = h.shape.as_list()[1]
            k = tf.get_variable("kernel", initializer=rng.standard_normal((fan_in, n)), dtype=tf.float64)
            b = tf.get_variable("bias", initializer=np.zeros(n), dtype=tf.float64)
        h = tf.tanh(tf.matmul(h, k) + b)
    return h


def test_transfer_learning_restores_a_subset(tmp_path):
    xs = np.random.default_rng(0).standard_normal((8, 4))
    ys = xs[:, :1] * 2.0
    g1 = tf.Graph()
    with g1.as_default():
        x = tf.placeholder(tf.float64, [None, 4])
        out = dense_layers(x, [5, 5, 5, 1], seed=1)
        loss = tf.reduce_mean(tf.square(out - ys))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {x: xs})
            trained = {v.op.name: sess.run(v) for v in tf.global_variables()}
            saver.save(sess, str(tmp_path / "pretrained"))

    g2 = tf.Graph()
    with g2.as_default():
        x = tf.placeholder(tf.float64, [None, 4])
        out = dense_layers(x, [5, 5, 5, 3, 1], seed=2)     # a new hidden4 and a new output
        reuse = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")
        assert sorted(v.op.name for v in reuse) == [
            f"hidden{i}/{p}" for i in (1, 2, 3) for p in ("bias", "kernel")]
        restore = tf.train.Saver(reuse)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            fresh = {v.op.name: sess.run(v) for v in tf.global_variables()}
            restore.restore(sess, str(tmp_path / "pretrained"))
            for v in reuse:
                np.testing.assert_array_equal(sess.run(v), trained[v.op.name])
                assert not np.array_equal(fresh[v.op.name], trained[v.op.name])
            for name in ("hidden4/kernel", "hidden4/bias", "output/kernel", "output/bias"):
                np.testing.assert_array_equal(sess.run(g2.get_tensor_by_name(name + ":0")), fresh[name])
            sess.run(out, {x: xs})
        # restoring everything fails: the checkpoint has no hidden4
        with tf.Session() as sess:
            with pytest.raises(tf.errors.NotFoundError, match="Key hidden4/kernel not found"):
                tf.train.Saver().restore(sess, str(tmp_path / "pretrained"))


# --------------------------------------------------------------------------- optimizer state
def adam_model():
    x = tf.constant(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]))
    w = tf.Variable(np.array([[0.1], [-0.3]]), name="w")
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) - 1.0))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step)
    return w, step, train


def test_adam_continues_identically_after_restore(graph, tmp_path):
    w, step, train = adam_model()
    saver = tf.train.Saver()
    names = sorted(saver._vars)
    assert names == ["beta1_power", "beta2_power", "global_step", "w", "w/Adam", "w/Adam_1"]
    everything = tf.global_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        path = saver.save(sess, str(tmp_path / "adam"), global_step=step)
        for _ in range(2):
            sess.run(train)
        A = sess.run(everything)
        saver.restore(sess, path)
        assert sess.run(step) == 3
        for _ in range(2):
            sess.run(train)
        again = sess.run(everything)
    with tf.Session() as sess:                  # a new session: restore replaces initialization
        saver.restore(sess, path)
        for _ in range(2):
            sess.run(train)
        fresh = sess.run(everything)
    for v, x, y, z in zip(everything, A, again, fresh):
        np.testing.assert_array_equal(x, y, err_msg=v.op.name)
        np.testing.assert_array_equal(x, z, err_msg=v.op.name)


def test_restoring_without_slots_changes_the_trajectory(graph, tmp_path):
    """The check above is meaningful: with fresh slots the next steps differ."""
    w, step, train = adam_model()
    saver = tf.train.Saver([w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        path = saver.save(sess, str(tmp_path / "w_only"))
        sess.run(train)
        A = sess.run(w)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.restore(sess, path)
        sess.run(train)
        assert not np.allclose(sess.run(w), A)


# --------------------------------------------------------------------------- failed restores change nothing
def saved_pair(tmp_path):
    a, b = two_vars()
    saver = tf.train.Saver()
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    path = saver.save(sess, str(tmp_path / "model"))
    sess.run([tf.assign(a, [7.0, 7.0, 7.0]), tf.assign(b, [[7, 7]])])
    return a, b, saver, sess, path


def assert_untouched(sess, a, b):
    np.testing.assert_array_equal(sess.run(a), [7.0, 7.0, 7.0])
    np.testing.assert_array_equal(sess.run(b), [[7, 7]])


def test_missing_variable_restores_nothing(graph, tmp_path):
    a, b = two_vars()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver([a]).save(sess, str(tmp_path / "only_a"))
        sess.run([tf.assign(a, [7.0, 7.0, 7.0]), tf.assign(b, [[7, 7]])])
        with pytest.raises(tf.errors.NotFoundError, match=r"Key b not found in checkpoint.*holds: a"):
            tf.train.Saver([a, b]).restore(sess, str(tmp_path / "only_a"))
        assert_untouched(sess, a, b)          # a was restorable, but was not restored


def test_shape_mismatch_restores_nothing(graph, tmp_path):
    a, b, saver, sess, path = saved_pair(tmp_path)
    c = tf.Variable(np.zeros((1, 3)), name="c")
    sess.run(c.initializer)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Cannot restore a: .*shape \[3\] .*shape \[1, ?3\]"):
        tf.train.Saver({"b": b, "a": c}).restore(sess, path)
    assert_untouched(sess, a, b)
    np.testing.assert_array_equal(sess.run(c), np.zeros((1, 3)))


def test_dtype_mismatch_restores_nothing(graph, tmp_path):
    a, b, saver, sess, path = saved_pair(tmp_path)
    f = tf.Variable(np.zeros((1, 2), np.float32), name="f")
    sess.run(f.initializer)
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32.*float32"):
        tf.train.Saver({"a": a, "b": f}).restore(sess, path)
    assert_untouched(sess, a, b)


def test_missing_files(graph, tmp_path):
    a, b, saver, sess, path = saved_pair(tmp_path)
    with pytest.raises(tf.errors.NotFoundError, match="nothere"):
        saver.restore(sess, str(tmp_path / "nothere"))
    os.unlink(path + ".npz")
    with pytest.raises(tf.errors.NotFoundError, match=r"model\.npz"):
        saver.restore(sess, path)
    assert_untouched(sess, a, b)


def test_truncated_data_restores_nothing(graph, tmp_path):
    a, b, saver, sess, path = saved_pair(tmp_path)
    data = (tmp_path / "model.npz").read_bytes()
    (tmp_path / "model.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(tf.errors.DataLossError, match=r"model\.npz is truncated or corrupt"):
        saver.restore(sess, path)
    assert_untouched(sess, a, b)


def test_corrupt_index_restores_nothing(graph, tmp_path):
    a, b, saver, sess, path = saved_pair(tmp_path)
    (tmp_path / "model.index").write_bytes(b'{"format": "teachflow-checkpoint-1", "variab')
    with pytest.raises(tf.errors.DataLossError, match=r"model\.index is corrupt"):
        saver.restore(sess, path)
    assert_untouched(sess, a, b)


def test_index_that_disagrees_with_data_restores_nothing(graph, tmp_path):
    a, b, saver, sess, path = saved_pair(tmp_path)
    index = json.loads((tmp_path / "model.index").read_text())
    for e in index["variables"]:
        if e["name"] == "a":
            e["shape"] = [1, 3]
    (tmp_path / "model.index").write_text(json.dumps(saver_module.seal_index(index)))
    with pytest.raises(tf.errors.DataLossError,
                       match=r"a holds float64 of shape \[3\] but the index says float64 of shape \[1, ?3\]"):
        saver.restore(sess, path)
    assert_untouched(sess, a, b)


# --------------------------------------------------------------------------- no pickles
UNPICKLED = []


def _record_unpickling(tag):      # what a malicious pickle would call
    UNPICKLED.append(tag)
    return tag


class Evil:
    def __reduce__(self):
        return (_record_unpickling, ("ran",))


def write_forged_checkpoint(prefix, arrays, data=None):
    """A checkpoint whose index is valid and whose checksums match the forged data (an object
    array is declared float64 in the index, so that only its .npy header tells)."""
    if data is None:
        buf = io.BytesIO()
        np.savez(buf, **arrays)           # object arrays are pickled inside the .npz
        data = buf.getvalue()
    entries = [{"name": k, "key": k, "shape": list(np.shape(v)),
                "dtype": "float64" if np.asarray(v).dtype.hasobject else np.asarray(v).dtype.name}
               for k, v in arrays.items()]
    with open(prefix + ".npz", "wb") as f:
        f.write(data)
    with open(prefix + ".index", "w") as f:
        json.dump(saver_module.seal_index({"format": saver_module.FORMAT, "variables": entries,
                                           "data_sha256": hashlib.sha256(data).hexdigest()}), f)


def test_object_array_is_refused_not_unpickled(graph, tmp_path):
    a, b = two_vars()
    prefix = str(tmp_path / "forged")
    evil = np.empty(3, dtype=object)
    evil[:] = [Evil(), Evil(), Evil()]
    write_forged_checkpoint(prefix, {"b": np.array([[1, 2]], np.int32), "a": evil})
    UNPICKLED.clear()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.DataLossError, match=r"pickle.*for a.*refuses to unpickle"):
            tf.train.Saver().restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(b), [[4, 5]])     # b was fine, yet not restored
    assert UNPICKLED == []
    # the forged file really is a pickle: loading it the unsafe way would run the code
    with np.load(prefix + ".npz", allow_pickle=True) as npz:
        npz["a"]
    assert UNPICKLED == ["ran"] * 3
    UNPICKLED.clear()


def test_raw_pickle_as_data_file_is_refused(graph, tmp_path):
    import pickle
    a, b = two_vars()
    prefix = str(tmp_path / "forged")
    write_forged_checkpoint(prefix, {"a": np.zeros(3)}, data=pickle.dumps({"a": Evil()}))
    UNPICKLED.clear()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.DataLossError, match=r"forged\.npz could not be read"):
            tf.train.Saver([a]).restore(sess, prefix)
    assert UNPICKLED == []


# --------------------------------------------------------------------------- atomic writes
class Boom(OSError):
    pass


def failing_write_after(monkeypatch, nbytes_ok, fail_on_call):
    """Make the ``fail_on_call``-th file write in the saver write ``nbytes_ok`` bytes, then fail
    (a full disk, a killed process)."""
    real_fdopen = os.fdopen
    calls = []

    class HalfFile:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:nbytes_ok])
            self.f.flush()
            raise Boom("No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

    def fdopen(fd, *args, **kwargs):
        calls.append(fd)
        f = real_fdopen(fd, *args, **kwargs)
        return HalfFile(f) if len(calls) == fail_on_call else f
    monkeypatch.setattr(saver_module.os, "fdopen", fdopen)


@pytest.mark.parametrize("fail_on_call", [1, 2], ids=["data-file", "index-file"])
@pytest.mark.parametrize("same_prefix", [True, False], ids=["overwrite", "new-step"])
def test_failed_write_keeps_earlier_checkpoint(graph, tmp_path, monkeypatch, fail_on_call, same_prefix):
    a, b = two_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        step = None if same_prefix else 1
        first = saver.save(sess, str(tmp_path / "model"), global_step=step)
        before = sorted(os.listdir(tmp_path))
        sess.run(tf.assign(a, [9.0, 9.0, 9.0]))
        failing_write_after(monkeypatch, 100, fail_on_call)
        with pytest.raises(Boom):
            saver.save(sess, str(tmp_path / "model"), global_step=None if same_prefix else 2)
        monkeypatch.undo()
        assert sorted(os.listdir(tmp_path)) == before          # no temp file, no half checkpoint
        assert tf.train.latest_checkpoint(str(tmp_path)) == first
        saver.restore(sess, first)
        np.testing.assert_array_equal(sess.run(a), [1.0, 2.0, 3.0])


def test_failed_rename_is_rolled_back(graph, tmp_path, monkeypatch):
    """Both files are complete, the data file is already in place, then the index rename fails:
    the earlier checkpoint under the same name is put back."""
    a, b = two_vars()
    saver = tf.train.Saver()
    real_replace = os.replace
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
        sess.run(tf.assign(a, [9.0, 9.0, 9.0]))

        def replace(src, dst):
            if str(dst).endswith("model.index") and os.path.basename(str(src)).startswith(".tmp-"):
                raise Boom("rename failed")
            return real_replace(src, dst)
        monkeypatch.setattr(saver_module.os, "replace", replace)
        with pytest.raises(Boom):
            saver.save(sess, path)
        monkeypatch.undo()
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.index", "model.meta", "model.npz"]
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(a), [1.0, 2.0, 3.0])
        # and a later save works normally
        sess.run(tf.assign(a, [9.0, 9.0, 9.0]))
        saver.save(sess, path)
        sess.run(tf.assign(a, [0.0, 0.0, 0.0]))
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(a), [9.0, 9.0, 9.0])
