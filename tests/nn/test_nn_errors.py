"""Bad input to tf.nn ops: errors that name the op and say what was expected."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core.shapes import ShapeError


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def filt(c=1, f=8):
    return tf.constant(np.zeros((3, 3, c, f), np.float32))


def test_conv_on_nchw_input_suggests_nhwc():
    x = tf.placeholder(tf.float32, [None, 1, 28, 28])
    with pytest.raises(ShapeError, match=r"Conv2D.*28 channels but the filter expects 1.*NCHW"):
        tf.nn.conv2d(x, filt(), [1, 1, 1, 1], "SAME")


def test_conv_without_channel_axis_says_so():
    x = tf.placeholder(tf.float32, [None, 28, 28])
    with pytest.raises(ShapeError, match=r"Conv2D expects input of rank 4.*\[\?,28,28\].*channel axis"):
        tf.nn.conv2d(x, filt(), [1, 1, 1, 1], "SAME")


def test_conv_on_flat_rows_suggests_reshape():
    with pytest.raises(ShapeError, match=r"rank 4.*tf.reshape\(x, \[-1, 28, 28, 1\]\)"):
        tf.layers.conv2d(tf.placeholder(tf.float32, [None, 784]), 32, 3)


@pytest.mark.parametrize("fn", [tf.nn.max_pool, tf.nn.avg_pool])
def test_pool_rank_error_names_the_op(fn):
    with pytest.raises(ShapeError, match=r"(MaxPool|AvgPool) expects input of rank 4.*\[\?,784\]"):
        fn(tf.placeholder(tf.float32, [None, 784]), [1, 2, 2, 1], [1, 2, 2, 1], "VALID")


def test_bad_filter_rank_padding_strides_and_format():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    with pytest.raises(ShapeError, match="filter of rank 4"):
        tf.nn.conv2d(x, tf.constant(np.zeros((3, 3), np.float32)), 1, "SAME")
    with pytest.raises(ValueError, match="'SAME' or 'VALID'"):
        tf.nn.conv2d(x, filt(), 1, "FULL")
    with pytest.raises(ValueError, match="batch or channel"):
        tf.nn.max_pool(x, [2, 2, 2, 1], [1, 2, 2, 1], "VALID")
    with pytest.raises(ValueError, match="'NHWC' only"):
        tf.nn.conv2d(x, filt(), 1, "SAME", data_format="NCHW")
    with pytest.raises(ShapeError, match="larger than the input"):
        tf.nn.max_pool(x, [1, 9, 9, 1], [1, 1, 1, 1], "VALID")


def test_window_larger_than_a_runtime_input_fails_naming_the_op():
    x = tf.placeholder(tf.float32, [None, None, None, 1])
    y = tf.nn.conv2d(x, tf.constant(np.zeros((5, 5, 1, 1), np.float32)), 1, "VALID", name="conv")
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Conv2D op 'conv'"):
        sess.run(y, {x: np.zeros((1, 3, 3, 1))})


def test_sparse_labels_out_of_range_at_run_time():
    z = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.int64, [None])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z, name="xentropy")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"SparseSoftmaxCrossEntropyWithLogits op 'xentropy/xentropy'.*"
                                 r"label value of 10 .*\[0, 10\)"):
            sess.run(loss, {z: np.zeros((3, 10)), y: [1, 10, 2]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
            sess.run(loss, {z: np.zeros((2, 10)), y: [-1, 0]})


def test_sparse_labels_wrong_rank_dtype_or_length():
    z = tf.placeholder(tf.float32, [None, 10])
    with pytest.raises(ShapeError, match="rank of labels.*one-hot"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int64, [None, 10]), logits=z)
    with pytest.raises(ShapeError, match="integer class indices.*softmax_cross_entropy_with_logits_v2"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.float32, [None]), logits=z)
    with pytest.raises(ShapeError, match=r"same first dimension.*\[50,10\].*\[49\]"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int64, [49]),
                                                       logits=tf.placeholder(tf.float32, [50, 10]))
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(z, z)


def test_mismatched_logits_and_labels_for_dense_losses():
    z = tf.placeholder(tf.float32, [None, 10])
    with pytest.raises(ShapeError, match=r"same shape.*\[\?,10\].*\[\?,9\].*op: SoftmaxCrossEntropyWithLogits"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.placeholder(tf.float32, [None, 9]), logits=z)
    with pytest.raises(ShapeError, match=r"same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.placeholder(tf.float32, [None]), logits=z)


def test_bias_add_and_in_top_k_shapes():
    with pytest.raises(ShapeError, match="bias has 3 entries but the value has 4 channels"):
        tf.nn.bias_add(tf.zeros([2, 4]), tf.zeros([3]))
    with pytest.raises(ShapeError, match="in_top_k: targets must be integer"):
        tf.nn.in_top_k(tf.zeros([2, 4]), tf.zeros([2]), 1)
    with pytest.raises(ShapeError, match=r"in_top_k: 2 rows of predictions but 3 targets"):
        tf.nn.in_top_k(tf.zeros([2, 4]), tf.constant([0, 1, 2]), 1)


def test_activations_need_floats_and_dropout_a_valid_keep_prob():
    with pytest.raises(TypeError, match="floating-point"):
        tf.nn.elu(tf.constant([1, 2]))
    with pytest.raises(ValueError, match=r"keep_prob must be a scalar in \(0, 1\]"):
        tf.nn.dropout(tf.zeros([3]), keep_prob=0.0)
    keep = tf.placeholder(tf.float32, [])
    y = tf.nn.dropout(tf.zeros([3]), keep_prob=keep)
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="DropoutMask.*keep_prob"):
        sess.run(y, {keep: 1.5})
