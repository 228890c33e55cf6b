"""Graph construction: names, scopes, variables, devices, collections, static shapes, errors."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core.shapes import ShapeError


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def test_names_are_scoped_and_unique():
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="a")
    with tf.name_scope("layer") as scope:
        c = tf.add(a, b)
        d = tf.add(a, b)
    with tf.name_scope("layer"):
        e = tf.multiply(a, b, name="prod")
    assert scope == "layer/"
    assert [a.name, b.name, c.name, d.name, e.name] == [
        "a:0", "a_1:0", "layer/add:0", "layer/add_1:0", "layer_1/prod:0"]
    assert c.op.scope == "layer"
    assert tf.get_default_graph().get_tensor_by_name("layer/add:0") is c
    assert tf.get_default_graph().get_operation_by_name("layer_1/prod") is e.op


def test_tensor_facts_and_consumers():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    w = tf.Variable(tf.zeros([784, 10]), name="w")
    y = tf.matmul(x, w)
    assert y.shape.as_list() == [None, 10]
    assert str(y.shape) == "(?, 10)"
    assert y.dtype == tf.float32 and y.dtype == np.float32
    assert x.consumers() == [y.op]
    assert y.op.inputs == (x, w)
    assert y.graph is tf.get_default_graph()
    assert repr(x) == "<tf.Tensor 'x:0' shape=(?, 784) dtype=float32>"
    with pytest.raises(TypeError, match="Python bool"):
        bool(x)


def test_variable_ops_are_named_like_tf():
    with tf.name_scope("hidden1"):
        w = tf.Variable(tf.zeros([2, 3]), name="weights")
    assert w.name == "hidden1/weights:0"
    assert w.op.type == "VariableV2"
    assert w.initializer.name == "hidden1/weights/Assign"
    assert w in tf.global_variables() and w in tf.trainable_variables()
    step = tf.Variable(0, trainable=False, name="step")
    assert step not in tf.trainable_variables() and step.dtype == tf.int32


def test_get_variable_sharing_and_reuse_errors():
    with tf.variable_scope("layer"):
        w = tf.get_variable("kernel", [3, 4])
    assert w.name == "layer/kernel:0"
    with pytest.raises(ValueError, match="already exists"):
        with tf.variable_scope("layer"):
            tf.get_variable("kernel", [3, 4])
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("kernel", [3, 4]) is w
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("bias", [4])
    with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("kernel") is w
        b = tf.get_variable("bias", [4], initializer=tf.zeros_initializer())
    assert b.name == "layer/bias:0"
    with pytest.raises(ValueError, match="specified shape"):
        with tf.variable_scope("layer", reuse=True):
            tf.get_variable("kernel", [5, 5])


def test_get_variable_default_initializer_is_glorot_uniform():
    tf.set_random_seed(3)
    w = tf.get_variable("w", [200, 300])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        v = s.run(w)
    limit = np.sqrt(6 / (200 + 300))
    assert v.dtype == np.float32 and np.abs(v).max() <= limit
    assert abs(v.std() - limit / np.sqrt(3)) < 0.01 * limit


def test_device_and_control_dependencies_are_recorded():
    a = tf.constant(1.0)
    with tf.device("/gpu:1"):
        b = a * 2
        with tf.device("/cpu:0"):
            c = b + 1
    assert (a.op.device, b.op.device, c.op.device) == (None, "/gpu:1", "/cpu:0")
    with tf.control_dependencies([b]):
        d = tf.identity(a)
        with tf.control_dependencies(None):
            e = tf.identity(a)
    assert d.op.control_inputs == [b.op] and e.op.control_inputs == []
    g = tf.group(b, c, name="both")
    assert g.type == "NoOp" and set(g.control_inputs) == {b.op, c.op}


def test_collections_filter_by_scope_regex():
    for name in ("hidden1", "hidden2", "hidden3", "hidden4", "output"):
        with tf.variable_scope(name):
            tf.get_variable("kernel", [2, 2])
    names = [v.op.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="hidden[123]")]
    assert names == ["hidden1/kernel", "hidden2/kernel", "hidden3/kernel"]
    tf.add_to_collection("mine", 42)
    assert tf.get_collection("mine") == [42]
    assert tf.get_collection("nothing") == []


def test_graphs_are_separate_and_default_graph_switches():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0)
        assert tf.get_default_graph() is g
    assert tf.get_default_graph() is not g and a.graph is g
    b = tf.constant(2.0)
    with pytest.raises(ValueError, match="same graph"):
        tf.add(a, b)
    with g.as_default():
        with pytest.raises(AssertionError):
            tf.reset_default_graph()


def test_matmul_shape_error_names_op_scope_shapes_and_suggests_transpose():
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.name_scope("layer1"):
        w = tf.Variable(tf.zeros([10, 3]))
        with pytest.raises(ShapeError) as e:
            tf.matmul(x, w)
    msg = str(e.value)
    assert "layer1/MatMul" in msg and "scope: layer1" in msg
    assert "[?,3], [10,3]" in msg and "transpose_b=True" in msg


def test_broadcast_and_reshape_errors_are_clear():
    with pytest.raises(ShapeError, match=r"Incompatible shapes.*\[3\].*\[4\]"):
        tf.constant([1.0, 2.0, 3.0]) + tf.constant([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ShapeError, match="Cannot reshape a tensor with 6 elements"):
        tf.reshape(tf.zeros([2, 3]), [4, -1])


def test_dtype_mismatch_is_a_type_error_with_cast_hint():
    with pytest.raises(TypeError, match="tf.cast"):
        tf.constant(1.0) + tf.constant(1)
    assert (tf.constant(1.0) + 2).dtype == tf.float32  # Python numbers take the tensor's dtype
    assert tf.constant([1, 2]).dtype == tf.int32
    assert tf.constant(np.array([1.0])).dtype == tf.float64
    assert (tf.constant(3) / tf.constant(2)).dtype == tf.float64  # TF1 truediv of ints


def test_static_shapes_of_core_ops():
    x = tf.placeholder(tf.float32, [None, 4, 5])
    assert tf.reduce_sum(x, axis=1).shape.as_list() == [None, 5]
    assert tf.reduce_mean(x, axis=[1, 2], keepdims=True).shape.as_list() == [None, 1, 1]
    assert tf.reduce_max(x).shape.as_list() == []
    assert tf.argmax(x, 2).shape.as_list() == [None, 4] and tf.argmax(x, 2).dtype == tf.int64
    assert tf.transpose(x).shape.as_list() == [5, 4, None]
    assert tf.reshape(x, [-1, 20]).shape.as_list() == [None, 20]
    assert x[:, 1:3, 0].shape.as_list() == [None, 2]
    assert tf.expand_dims(x, -1).shape.as_list() == [None, 4, 5, 1]
    assert tf.concat([x, x], axis=2).shape.as_list() == [None, 4, 10]
    assert tf.stack([x, x], axis=1).shape.as_list() == [None, 2, 4, 5]
    assert tf.one_hot(tf.placeholder(tf.int32, [None]), 10).shape.as_list() == [None, 10]
    assert (x > 0).dtype == tf.bool


def test_finalized_graph_refuses_new_ops():
    g = tf.get_default_graph()
    tf.constant(1.0)
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        tf.constant(2.0)


def test_variables_ignore_surrounding_control_dependencies():
    gate = tf.no_op(name="gate")
    with tf.control_dependencies([gate]):
        v = tf.Variable(1.0)
        after = tf.identity(v)
    assert v.initializer.control_inputs == [] and v.op.control_inputs == []
    assert after.op.control_inputs == [gate]
