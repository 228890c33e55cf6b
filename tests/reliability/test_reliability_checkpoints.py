"""Checkpoints from anyone: random and hostile indexes, forged .npy headers, state files that
leave their folder, failed saves. Every bad file is refused with an error naming it, nothing is
restored, nothing runs, and a failed save keeps the previous files byte for byte."""
import hashlib
import io
import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.train import checkpoint_files as ck
from reliability_limits import run_limited, time_limit

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def saved(tmp_path):
    """A real checkpoint of two variables, and the session holding other values."""
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(np.array([1.0, 2.0, 3.0]), name="a")
        b = tf.Variable(np.array([[4, 5]], np.int32), name="b")
        saver = tf.train.Saver()
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
        sess.run([tf.assign(a, [0.0, 0.0, 0.0]), tf.assign(b, [[0, 0]])])
        yield dict(a=a, b=b, saver=saver, sess=sess, path=path, graph=g, folder=tmp_path)
        sess.close()


def untouched(s):
    np.testing.assert_array_equal(s["sess"].run(s["a"]), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(s["sess"].run(s["b"]), [[0, 0]])


def write_index(prefix, index, seal=True):
    if seal and isinstance(index, dict):
        index = ck.seal_index(index)
    with open(prefix + ".index", "w") as f:
        json.dump(index, f)


def valid_index(s):
    with open(s["path"] + ".index") as f:
        return json.load(f)


# --------------------------------------------------------------------------- random indexes
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 40, 2 ** 40) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
FIELDS = ["name", "key", "shape", "dtype"]


@SETTINGS
@given(field=st.sampled_from(FIELDS), which=st.integers(0, 1), value=json_values)
def test_random_entry_field_is_refused_or_consistent(saved, field, which, value):
    """Replace one field of one entry by a random JSON value (and re-seal the index, as a
    forger would): either it is still a consistent checkpoint, or restore says which file is
    bad and restores nothing."""
    index = valid_index(saved)
    index["variables"][which][field] = value
    write_index(saved["path"], {k: v for k, v in index.items() if k != "index_sha256"})
    try:
        with time_limit(10):
            saved["saver"].restore(saved["sess"], saved["path"])
    except tf.errors.DataLossError as e:
        assert "model.index" in str(e) or "model.npz" in str(e)
        untouched(saved)
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as e:
        # a consistent, well-formed checkpoint of other variables: named as such
        assert "Key " in str(e) or "Cannot restore" in str(e)
        untouched(saved)


@SETTINGS
@given(index=json_values)
def test_random_json_as_index_is_refused(saved, index):
    write_index(saved["path"], index, seal=False)
    with pytest.raises(tf.errors.DataLossError, match=r"Checkpoint index .*model\.index"):
        saved["saver"].restore(saved["sess"], saved["path"])
    with pytest.raises(tf.errors.DataLossError, match=r"model\.index"):
        tf.train.list_variables(saved["path"])
    untouched(saved)


@pytest.mark.parametrize("change,culprit", [
    (lambda ix: ix.update(extra=1), "fields"),
    (lambda ix: ix.pop("data_sha256"), "fields"),
    (lambda ix: ix.update(format="teachflow-checkpoint-9"), "unknown format"),
    (lambda ix: ix.update(data_sha256="0" * 63), "data_sha256"),
    (lambda ix: ix["variables"].append(dict(ix["variables"][0])), "appears twice"),
    (lambda ix: ix["variables"][0].update(shape=[-1]), "shape"),
    (lambda ix: ix["variables"][0].update(shape=[True]), "shape"),
    (lambda ix: ix["variables"][0].update(shape=[2 ** 50]), "shape"),
    (lambda ix: ix["variables"][0].update(dtype="object"), "dtype"),
    (lambda ix: ix["variables"][0].update(key="../../etc/passwd"), "key"),
    (lambda ix: ix["variables"][0].update(name="a b"), "not a valid variable name"),
    (lambda ix: ix["variables"][0].update(name="x\n__import__('os')"), "not a valid variable name"),
    (lambda ix: ix["variables"][0].update(more=1), "exactly the fields"),
])
def test_hostile_index_fields_are_named(saved, change, culprit):
    index = valid_index(saved)
    index.pop("index_sha256")
    change(index)
    write_index(saved["path"], index)
    with pytest.raises(tf.errors.DataLossError, match="model.index") as err:
        saved["saver"].restore(saved["sess"], saved["path"])
    assert culprit in str(err.value)
    untouched(saved)


def test_index_edited_without_resealing_is_refused(saved):
    index = valid_index(saved)
    index["variables"][0]["shape"] = [1, 3]       # plausible, but the index checksum tells
    write_index(saved["path"], index, seal=False)
    with pytest.raises(tf.errors.DataLossError, match="index_sha256 does not match"):
        saved["saver"].restore(saved["sess"], saved["path"])
    untouched(saved)


def test_oversized_index_is_refused_unread(saved, monkeypatch):
    monkeypatch.setattr(ck, "MAX_INDEX_BYTES", 64)
    with pytest.raises(tf.errors.DataLossError, match="larger than"):
        saved["saver"].restore(saved["sess"], saved["path"])


# --------------------------------------------------------------------------- forged data
def forged(prefix, members, entries):
    """A checkpoint whose index and checksums are right for the forged archive."""
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, raw in members.items():
            z.writestr(name, raw)
    data = buf.getvalue()
    with open(prefix + ".npz", "wb") as f:
        f.write(data)
    write_index(prefix, {"format": ck.FORMAT, "variables": entries,
                         "data_sha256": hashlib.sha256(data).hexdigest()})


def npy_header(shape, descr="<f8"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


ENTRY_A = {"name": "a", "key": "v0", "shape": [3], "dtype": "float64"}


@pytest.mark.parametrize("raw,culprit", [
    (npy_header((10 ** 12,)) + b"\0" * 24, "holds float64 of shape [1000000000000] but the index says"),
    (npy_header((3,)) + b"\0" * 16, "is truncated"),
    (npy_header((3,)) + b"\0" * 40, "trailing data"),
    (npy_header((3,), "<i8") + b"\0" * 24, "holds int64"),
    (npy_header((3,), "|O") + b"\0" * 24, "pickle"),
    (b"not an npy at all" * 2, "could not be read"),
])
def test_forged_members_are_refused_before_allocation(tmp_path, raw, culprit):
    prefix = str(tmp_path / "forged")
    forged(prefix, {"v0.npy": raw}, [ENTRY_A])
    with pytest.raises(tf.errors.DataLossError) as err:
        ck.read_checkpoint(prefix)
    assert "forged.npz" in str(err.value) and culprit in str(err.value)


def test_extra_members_and_a_huge_promise_are_refused(tmp_path):
    prefix = str(tmp_path / "forged")
    body = npy_header((3,)) + b"\0" * 24
    forged(prefix, {"v0.npy": body, "evil.npy": body}, [ENTRY_A])
    with pytest.raises(tf.errors.DataLossError, match="does not list .*evil.npy"):
        ck.read_checkpoint(prefix)
    forged(prefix, {"v0.npy": body}, [dict(ENTRY_A, shape=[2 ** 39])])
    with pytest.raises(tf.errors.DataLossError, match="promises"):
        ck.read_checkpoint(prefix)


def test_header_bomb_stays_within_memory_limits(tmp_path):
    """Under a 1.5 GB address-space limit, a member claiming 8 TB and an index promising it
    are refused quickly (np.load would try to allocate the 8 TB first)."""
    prefix = str(tmp_path / "bomb")
    forged(prefix, {"v0.npy": npy_header((2 ** 40,)) + b"\0" * 64},
           [dict(ENTRY_A, shape=[2 ** 40])])
    r = run_limited(f"""
        from teachflow.core.errors import DataLossError
        from teachflow.train.checkpoint_files import read_checkpoint
        try:
            read_checkpoint({prefix!r})
        except DataLossError as e:
            print("refused:", e)
        """, memory_mb=1500, cpu_seconds=30, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "refused:" in r.stdout and "bomb" in r.stdout


# --------------------------------------------------------------------------- state files
@pytest.mark.parametrize("target", ["../elsewhere/model", "/etc/model", "sub/../../x/model"])
def test_state_file_may_not_leave_its_folder(saved, target):
    (saved["folder"] / "checkpoint").write_text(f'model_checkpoint_path: "{target}"\n')
    with pytest.raises(tf.errors.PermissionDeniedError, match="outside its folder") as err:
        tf.train.latest_checkpoint(str(saved["folder"]))
    assert target in str(err.value)


def test_state_file_inside_its_folder_still_works(saved):
    (saved["folder"] / "checkpoint").write_text(
        f'model_checkpoint_path: "{saved["folder"] / "model"}"\n')   # absolute but inside
    assert tf.train.latest_checkpoint(str(saved["folder"])) == str(saved["folder"] / "model")


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary", b"\xff\xfe\xfa", b"x" * (2 ** 20 + 5)])
def test_binary_or_huge_state_file_is_named(saved, content):
    (saved["folder"] / "checkpoint").write_bytes(content)
    with pytest.raises(tf.errors.DataLossError, match="state file .*checkpoint"):
        tf.train.latest_checkpoint(str(saved["folder"]))


def test_list_variables_of_an_empty_folder_names_it(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match=f"No checkpoint found in folder {tmp_path}"):
        tf.train.list_variables(str(tmp_path))


@pytest.mark.parametrize("path", ["", "ckpt/", None, 3])
def test_save_refuses_an_empty_prefix(saved, path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="checkpoint prefix such as 'ckpt/model'"):
        saved["saver"].save(saved["sess"], path)
    assert not any(p.name.startswith(".") for p in tmp_path.rglob("*"))


# --------------------------------------------------------------------------- failed saves
def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_names_the_checkpoint_and_keeps_the_old_one(saved):
    before = snapshot(saved["folder"])
    os.chmod(saved["folder"], 0o500)
    try:
        with pytest.raises(PermissionError, match="Could not save checkpoint .*model"):
            saved["saver"].save(saved["sess"], saved["path"])
    finally:
        os.chmod(saved["folder"], 0o700)
    assert snapshot(saved["folder"]) == before


def fail_write(monkeypatch, fail_at):
    """The ``fail_at``-th file write fails with ENOSPC (a full disk)."""
    import errno
    from teachflow.core import files
    real, calls = files.os.fdopen, []

    def fdopen(fd, *args, **kwargs):
        calls.append(fd)
        if len(calls) == fail_at:
            os.close(fd)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, *args, **kwargs)
    monkeypatch.setattr(files.os, "fdopen", fdopen)


@pytest.mark.parametrize("fail_at", [1, 2], ids=["data-file", "index-file"])
def test_full_disk_names_the_checkpoint_and_keeps_the_old_one_byte_for_byte(saved, monkeypatch, fail_at):
    """A write of the checkpoint fails: the error names it, and every file of the folder
    (data, index, state file) is exactly as before."""
    saved["sess"].run(tf.assign(saved["a"], [7.0, 8.0, 9.0]))     # something new to save
    before = snapshot(saved["folder"])
    fail_write(monkeypatch, fail_at)
    with pytest.raises(OSError, match=r"Could not save checkpoint .*model: No space left") as err:
        saved["saver"].save(saved["sess"], saved["path"])
    assert err.value.errno == 28 and err.value.filename == saved["path"]
    assert snapshot(saved["folder"]) == before


def test_full_disk_at_the_state_file_keeps_it_and_says_so(saved, monkeypatch):
    """The checkpoint pair is complete (and restorable); the state file is untouched and the
    error says that it still names the previous checkpoint."""
    saved["sess"].run(tf.assign(saved["a"], [7.0, 8.0, 9.0]))
    state = (saved["folder"] / "checkpoint").read_bytes()
    fail_write(monkeypatch, 4)  # .npz, .index, .meta, then the state file
    with pytest.raises(OSError, match="could not update the state file") as err:
        saved["saver"].save(saved["sess"], str(saved["folder"] / "model2"))
    assert "model2" in str(err.value)
    assert (saved["folder"] / "checkpoint").read_bytes() == state
    np.testing.assert_array_equal(ck.read_checkpoint(str(saved["folder"] / "model2"))["a"], [7, 8, 9])


def test_failed_picture_save_keeps_the_previous_picture(tmp_path, monkeypatch):
    """GraphView.save is atomic: a failing write leaves the old file byte for byte."""
    import errno
    from teachflow.core import files
    from teachflow.viz import draw
    g = tf.Graph()
    with g.as_default():
        tf.multiply(tf.constant(1.0, name="a"), 2.0, name="b")
        view = draw(g)
    path = tmp_path / "graph.dot"
    view.save(str(path))
    before = path.read_bytes()

    def full(fd, *args, **kwargs):
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")
    with g.as_default():
        tf.identity(tf.constant(2.0), name="c")
        view2 = draw(g)
    monkeypatch.setattr(files.os, "fdopen", full)
    with pytest.raises(OSError, match="No space left"):
        view2.save(str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.dot"]
