"""tf.train.get_checkpoint_state: TF1's resume idiom, None when absent, and a state file that
is read as data (malformed: ignored with a warning; pointing outside its folder: an error)."""
import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.train.checkpoint_state import CheckpointStateWarning


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def test_resume_idiom_finds_the_newest_and_kept_checkpoints(tmp_path):
    d = str(tmp_path / "ckpt")
    assert tf.train.get_checkpoint_state(d) is None              # nothing saved yet
    w = tf.Variable(0.0, name="w")
    step = tf.assign_add(w, 1.0)
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            sess.run(step)
            saver.save(sess, os.path.join(d, "model"), global_step=i)
    ckpt = tf.train.get_checkpoint_state(d)
    assert ckpt.model_checkpoint_path == os.path.join(d, "model-2")
    assert ckpt.all_model_checkpoint_paths == [os.path.join(d, "model-1"), os.path.join(d, "model-2")]
    assert ckpt.model_checkpoint_path == tf.train.latest_checkpoint(d)
    assert 'model_checkpoint_path: "' in str(ckpt)
    with tf.Session() as sess:                                   # the classic resume
        if ckpt and ckpt.model_checkpoint_path:
            saver.restore(sess, ckpt.model_checkpoint_path)
        assert sess.run(w) == 3.0


def test_state_file_pointing_outside_its_folder_is_an_error(tmp_path):
    d = tmp_path / "ckpt"
    d.mkdir()
    (d / "checkpoint").write_text('model_checkpoint_path: "../elsewhere/model-1"\n')
    with pytest.raises(ValueError, match=r"outside .*ckpt"):
        tf.train.get_checkpoint_state(str(d))
    (d / "checkpoint").write_text('model_checkpoint_path: "/etc/model-1"\n')
    with pytest.raises(ValueError, match="restored only from inside their folder"):
        tf.train.get_checkpoint_state(str(d))
    with pytest.raises(ValueError, match="file name inside the folder"):
        tf.train.get_checkpoint_state(str(d), latest_filename="../checkpoint")


def test_malformed_state_file_is_ignored_with_a_warning_as_tf1(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: model-1\n')   # unquoted
    with pytest.warns(CheckpointStateWarning, match="line 1.*quoted path"):
        assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    (tmp_path / "checkpoint").write_bytes(b"x" * (2 << 20))
    with pytest.warns(CheckpointStateWarning, match="larger than"):
        assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    (tmp_path / "checkpoint").write_text('all_model_checkpoint_paths: "a"\n')
    with pytest.raises(ValueError, match="exactly one model_checkpoint_path"):
        tf.train.get_checkpoint_state(str(tmp_path))
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "sub dir/m \\"1\\""\n'
                                         'all_model_checkpoint_timestamps: 12.5\n')
    ckpt = tf.train.get_checkpoint_state(str(tmp_path))
    assert ckpt.model_checkpoint_path == os.path.join(str(tmp_path), 'sub dir/m "1"')
    assert ckpt.all_model_checkpoint_timestamps == [12.5] and np.isfinite(ckpt.last_preserved_timestamp)
