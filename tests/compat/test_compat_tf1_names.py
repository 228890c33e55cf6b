"""TF1's deprecated names that still run, pre-1.0 names that name their replacement, and the
error for any TF1 API teachflow lacks (an AttributeError subclass, so hasattr and completion work)."""
import subprocess
import sys

import numpy as np
import pytest

import teachflow as tf
from teachflow.unsupported import UnsupportedAPIError


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def test_deprecated_names_run_as_in_tf1():
    x = tf.constant([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    v = tf.Variable(3.0)
    local = tf.Variable(1.0, collections=[tf.GraphKeys.LOCAL_VARIABLES])
    with tf.Session() as sess:
        sess.run([tf.initialize_all_variables(), tf.initialize_local_variables()])
        sess.run(tf.initialize_variables([v]))
        amax, amin = sess.run([tf.arg_max(x, 1), tf.arg_min(x, dimension=0)])
        assert sess.run(local) == 1.0
    assert amax.tolist() == [1, 0] and amin.tolist() == [0, 1, 0] and amax.dtype == np.int64


@pytest.mark.parametrize("name,replacement", [("mul", "tf.multiply"), ("sub", "tf.subtract"),
                                              ("neg", "tf.negative"), ("select", "tf.where"),
                                              ("scalar_summary", "tf.summary.scalar")])
def test_pre_1_0_names_say_what_to_write(name, replacement):
    with pytest.raises(UnsupportedAPIError, match=rf"tf\.{name} was removed in TensorFlow 1\.0.*"
                                                  rf"write {replacement} instead"):
        getattr(tf, name)
    with pytest.raises(UnsupportedAPIError, match=r"tf\.train\.SummaryWriter.*tf\.summary\.FileWriter"):
        tf.train.SummaryWriter  # noqa: B018


def test_old_concat_argument_order_is_a_clear_error():
    a, b = tf.zeros([2, 1]), tf.ones([2, 1])
    with pytest.raises(TypeError, match=r"pre-1\.0 argument order.*tf\.concat\(\[\.\.\.\], 1\)"):
        tf.concat(1, [a, b])
    with tf.Session() as sess:
        assert sess.run(tf.concat([a, b], 1)).tolist() == [[0, 1], [0, 1]]
        assert sess.run(tf.concat([a, b], axis=0)).shape == (4, 1)


@pytest.mark.parametrize("module,name,words", [
    (tf.contrib, "layers", "tf.contrib.layers is not supported in teachflow"),
    (tf, "TensorArray", "tf.TensorArray is not supported in teachflow yet (control flow is planned"),
    (tf.nn, "raw_rnn", "tf.nn.raw_rnn is not supported in teachflow"),
    (tf.train, "SyncReplicasOptimizer", "tf.train.SyncReplicasOptimizer is not supported in teachflow"),
    (tf.layers, "Dense", "tf.layers.Dense is not supported in teachflow"),
    (tf.summary, "audio", "tf.summary.audio is not supported in teachflow"),
    (tf.linalg, "svd", "tf.linalg.svd is not supported in teachflow"),
])
def test_unsupported_apis_name_themselves(module, name, words):
    with pytest.raises(UnsupportedAPIError) as info:
        getattr(module, name)
    assert str(info.value).startswith(words) and "What TF1 runs here" in str(info.value)
    assert isinstance(info.value, AttributeError) and not hasattr(module, name)


def test_typo_gets_a_close_suggestion_and_python_probes_stay_plain():
    with pytest.raises(UnsupportedAPIError, match=r"Did you mean tf\.placeholder\?"):
        tf.placeholdr  # noqa: B018
    with pytest.raises(AttributeError) as info:
        tf.__wrapped__  # noqa: B018
    assert type(info.value) is AttributeError      # dunder probes (inspect, IPython) unchanged
    assert "placeholder" in dir(tf) and "__getattr__" not in [n for n in dir(tf) if not n.startswith("_")]


def test_traceback_has_no_misleading_did_you_mean():
    # Python 3.10+ appends "Did you mean: 'mod'?" to a bare module AttributeError for tf.mul.
    code = "import teachflow as tf\ntf.mul(1, 2)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "UnsupportedAPIError: tf.mul was removed" in out.stderr and "'mod'" not in out.stderr


def test_hello_tensorflow_prints_bytes_as_tf1(capsys):
    hello = tf.constant("Hello, TensorFlow!")
    sess = tf.Session()
    print(sess.run(hello))
    assert capsys.readouterr().out == "b'Hello, TensorFlow!'\n"
    assert hello.dtype == tf.string and hello.shape.as_list() == []
    words = tf.constant(["a", b"b", "é"])
    assert sess.run(words).tolist() == [b"a", b"b", "é".encode("utf-8")]
    assert sess.run(tf.add(hello, tf.constant(" Bye."))) == b"Hello, TensorFlow! Bye."
    assert tf.as_dtype("string") == tf.string
    sess.close()


def test_int_shape_is_a_vector_shape_as_in_tf1():
    p = tf.placeholder(tf.float32, shape=3)
    assert p.shape.as_list() == [3]
    with tf.Session() as sess:
        assert sess.run(p * 2, {p: [1, 2, 3]}).tolist() == [2, 4, 6]
        with pytest.raises(ValueError, match="shape"):
            sess.run(p, {p: [1, 2]})
