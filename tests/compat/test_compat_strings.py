"""String tensors as TF1 holds them: bytes. A fed ``tf.string`` placeholder turns str into UTF-8
bytes (an object array of bytes when it is not a scalar); a value that is no string is a
TypeError naming the tensor, as TF1 refuses it."""
import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def test_fed_strings_come_back_as_bytes(capsys):
    name = tf.placeholder(tf.string, name="name")
    words = tf.placeholder(tf.string, [None], name="words")
    greeting = tf.add(tf.constant("Hello, "), name)
    with tf.Session() as sess:
        print(sess.run(greeting, {name: "TensorFlow!"}))
        assert capsys.readouterr().out == "b'Hello, TensorFlow!'\n"
        assert sess.run(name, {name: "é"}) == "é".encode("utf-8")
        assert sess.run(greeting, {name: b"bytes"}) == b"Hello, bytes"
        for fed in (["a", b"b", "ü"], np.array(["a", "b", "ü"]), np.array([b"a", b"b", "ü".encode()])):
            got = sess.run(tf.identity(words), {words: fed})
            assert got.dtype == object and got.tolist() == [b"a", b"b", "ü".encode("utf-8")]


@pytest.mark.parametrize("fed,shape,what", [
    (3, None, "got int 3"), ([1.5, "a"], [None], "got float 1.5"), (None, None, "got NoneType None"),
    ([["a"], ["b", "c"]], None, "got list ['a']")])
def test_a_fed_value_that_is_no_string_is_a_type_error(fed, shape, what):
    s = tf.placeholder(tf.string, shape, name="text")
    with tf.Session() as sess, pytest.raises(TypeError) as e:
        sess.run(tf.identity(s), {s: fed})
    assert "Cannot feed text:0: a tf.string tensor holds str or bytes" in str(e.value)
    assert what in str(e.value)


def test_string_feed_still_checks_the_shape():
    s = tf.placeholder(tf.string, [2])
    with tf.Session() as sess, pytest.raises(ValueError, match=r"shape \[3\]"):
        sess.run(s, {s: ["a", "b", "c"]})


def test_constant_of_a_number_as_string_is_an_error():
    with pytest.raises(TypeError, match="tf.constant: a tf.string tensor holds str or bytes, got int 3"):
        tf.constant(3, dtype=tf.string)
