"""Names from users never run code: every name is checked as TF1 checks it, and the compiled
run plan holds no raw name (payload cases plant a marker file that must never appear)."""
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import teachflow as tf

OP_NAME = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.\-/>]*")
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# characters that matter: the allowed ones, and the ones that could break out of a comment
names = st.text(alphabet=st.sampled_from("aZ9._-/>\n\r \t#\"'()\\:;=<&\x00é"), min_size=1,
                max_size=12)


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def payload(marker):
    """A name that, written raw into the plan's Python source, would create ``marker``."""
    return f'm\n    open({str(marker)!r}, "w")\n#'


def makers():
    """Every public way a user's string becomes a name, as (label, function of the name)."""
    def scope(n):
        with tf.name_scope(n):
            return tf.constant(1.0)

    def var_scope(n):
        with tf.variable_scope(n):
            return tf.get_variable("w", [1])

    def nested_scope(n):
        with tf.name_scope("outer"):
            with tf.name_scope(n):
                return tf.constant(1.0)
    return [
        ("op", lambda n: tf.multiply(tf.constant(1.0), 2.0, name=n)),
        ("constant", lambda n: tf.constant(1.0, name=n)),
        ("placeholder", lambda n: tf.placeholder(tf.float32, [], name=n)),
        ("Variable", lambda n: tf.Variable(1.0, name=n)),
        ("get_variable", lambda n: tf.get_variable(n, [1])),
        ("name_scope", scope),
        ("nested name_scope", nested_scope),
        ("variable_scope", var_scope),
        ("identity", lambda n: tf.identity(tf.constant(1.0), name=n)),
        ("dense layer", lambda n: tf.layers.dense(tf.zeros([1, 2]), 1, name=n)),
    ]


MAKERS = makers()


@pytest.mark.parametrize("label,make", MAKERS, ids=[m[0] for m in MAKERS])
def test_payload_name_is_refused_and_never_runs(label, make, tmp_path):
    marker = tmp_path / "owned"
    with pytest.raises(ValueError, match=r"is not a valid (node|scope|variable) name") as err:
        out = make(payload(marker))
        with tf.Session() as sess:   # were it accepted, the first run would execute it
            sess.run(tf.global_variables_initializer())
            sess.run(out)
    assert "open(" in str(err.value)            # the message quotes the culprit
    assert not marker.exists()


@SETTINGS
@given(name=names)
def test_random_op_names_follow_tf1s_rule(name):
    tf.reset_default_graph()
    if OP_NAME.fullmatch(name):
        t = tf.constant(1.0, name=name)
        assert t.op.name == name
    else:
        with pytest.raises(ValueError) as err:
            tf.constant(1.0, name=name)
        assert repr(name) in str(err.value) and "not a valid node name" in str(err.value)


@SETTINGS
@given(name=names)
def test_random_scope_names_follow_tf1s_rule(name):
    tf.reset_default_graph()
    nested_ok = re.fullmatch(r"[A-Za-z0-9_.\-/>]*", name)
    for outer, ok in ((None, OP_NAME.fullmatch(name)), ("outer", nested_ok)):
        with tf.name_scope(outer):
            if ok:
                with tf.name_scope(name):
                    try:     # every op that exists has a valid name (TF1 checks the full name)
                        assert OP_NAME.fullmatch(tf.constant(1.0).op.name)
                    except ValueError as err:
                        assert "not a valid node name" in str(err)
            else:
                with pytest.raises(ValueError, match="is not a valid scope name") as err:
                    with tf.name_scope(name):
                        pass
                assert repr(name) in str(err.value)


@SETTINGS
@given(name=names)
def test_plan_source_holds_no_raw_name(name, tmp_path):
    """Whatever the name, the generated source compiles to the same few statements: a name
    appears only in a comment, and only when it is a valid name."""
    tf.reset_default_graph()
    try:
        x = tf.placeholder(tf.float32, [], name=name)
        y = tf.multiply(x, 2.0, name=name)
    except ValueError:
        assert not OP_NAME.fullmatch(name)
        return
    with tf.Session() as sess:
        src = sess.plan_source(y, {x: 1.0})
        assert sess.run(y, {x: 3.0}) == 6.0
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [], name="ref")
        with tf.Session() as sess:
            reference = sess.plan_source(tf.multiply(x, 2.0, name="ref"), {x: 1.0})

    def code(source):
        return [line.split("#")[0].rstrip() for line in source.splitlines()]
    assert code(src) == code(reference)     # the name changed only the comments


def test_a_forged_op_name_reaches_the_plan_only_through_repr(tmp_path):
    """Defence in depth: even an op renamed behind the graph's back (as a broken import could
    do) appears in the plan as a repr inside a comment, and nothing runs."""
    marker = tmp_path / "owned"
    y = tf.multiply(tf.constant(1.0), 2.0, name="m")
    y.op.name = payload(marker)
    with tf.Session() as sess:
        src = sess.plan_source(y)
        assert sess.run(y) == 2.0
    assert repr(payload(marker)) in src
    assert not marker.exists()


def test_received_checkpoint_names_cannot_reach_get_variable(tmp_path):
    """The TF1 idiom ``[tf.get_variable(n, s) for n, s in list_variables(path)]`` with a
    forged index: the reader refuses the name before get_variable sees it."""
    import hashlib
    import io
    import json
    from teachflow.train import checkpoint_files
    marker = tmp_path / "owned"
    buf = io.BytesIO()
    np.savez(buf, v0=np.zeros(2))
    data = buf.getvalue()
    entries = [{"name": payload(marker), "key": "v0", "shape": [2], "dtype": "float64"}]
    (tmp_path / "model.npz").write_bytes(data)
    index = checkpoint_files.seal_index({"format": checkpoint_files.FORMAT, "variables": entries,
                                         "data_sha256": hashlib.sha256(data).hexdigest()})
    (tmp_path / "model.index").write_text(json.dumps(index))
    with pytest.raises(tf.errors.DataLossError, match=r"model\.index.*not a valid variable name"):
        vs = [tf.get_variable(n, s) for n, s in tf.train.list_variables(str(tmp_path / "model"))]
        with tf.Session() as sess:
            sess.run(tf.variables_initializer(vs))
    assert not marker.exists()
