"""The TF1 names added for the classic programs: values against NumPy, gradients against
central differences, and error messages that name the op and say what was expected."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core.shapes import ShapeError
from teachflow.testing import check_gradients

RNG = np.random.default_rng(0)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


# ----------------------------------------------------------------- unstack
def test_unstack_values_shapes_and_num_for_unknown_dim():
    x = RNG.standard_normal((3, 4, 2))
    parts = tf.unstack(tf.constant(x), axis=1)
    assert len(parts) == 4 and all(p.shape.as_list() == [3, 2] for p in parts)
    for got, i in zip(run(parts), range(4)):
        np.testing.assert_array_equal(got, x[:, i])
    ph = tf.placeholder(tf.float32, [None, 5, 3])
    steps = tf.unstack(ph, 5, 1)                    # the RNN tutorials' positional form
    assert len(steps) == 5 and steps[0].shape.as_list() == [None, 3]
    one = tf.unstack(tf.constant(x[:1]))            # a single slice is still a list
    assert isinstance(one, list) and len(one) == 1


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_gradient(axis):
    def build(x):
        p = tf.unstack(x, axis=axis)
        return p[0] * 2.0 + p[-1] * p[1]            # one slice unused when there are 4
    check_gradients(build, [RNG.standard_normal((4, 3, 4))])


def test_unstack_errors_name_the_op():
    with pytest.raises(ValueError, match="unstack: cannot infer num"):
        tf.unstack(tf.placeholder(tf.float32, [None, 3]))
    with pytest.raises(ValueError, match="unstack: num=4 but dimension 0"):
        tf.unstack(tf.zeros([3, 2]), num=4)
    with pytest.raises(ShapeError, match="unstack: axis 2 is out of range"):
        tf.unstack(tf.zeros([3, 2]), axis=2)
    ph = tf.placeholder(tf.float32, [None, 2])
    parts = tf.unstack(ph, num=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unpack expected 3 slices"):
        run(parts, {ph: np.zeros((2, 2))})


# ----------------------------------------------------------------- split
def test_split_even_sizes_and_minus_one():
    x = RNG.standard_normal((2, 10))
    a, b = tf.split(tf.constant(x), 2, axis=1)
    c, d, e = tf.split(tf.constant(x), [3, -1, 2], 1)
    assert d.shape.as_list() == [2, 5]
    got = run([a, b, c, d, e])
    for g, want in zip(got, np.split(x, 2, 1) + np.split(x, [3, 8], 1)):
        np.testing.assert_array_equal(g, want)
    # unknown size along the axis: an even split decided at run time
    ph = tf.placeholder(tf.float64, [None, 3])
    top, bottom = tf.split(ph, 2)
    v = RNG.standard_normal((6, 3))
    t, bo = run([top, bottom], {ph: v})
    np.testing.assert_array_equal(t, v[:3])
    np.testing.assert_array_equal(bo, v[3:])


def test_split_vgg_keyword_form():
    rgb = RNG.random((1, 4, 4, 3))
    red, green, blue = tf.split(axis=3, num_or_size_splits=3, value=tf.constant(rgb))
    bgr = tf.concat(axis=3, values=[blue, green, red])
    np.testing.assert_array_equal(run(bgr), rgb[..., ::-1])


@pytest.mark.parametrize("sizes,axis", [(3, 0), ([1, 2, 3], 1), ([4, -1], -1)])
def test_split_gradient(sizes, axis):
    def build(x):
        parts = tf.split(x, sizes, axis=axis)
        out = parts[0] * parts[0]
        return tf.reduce_sum(out) + tf.reduce_sum(parts[-1] * 3.0)
    check_gradients(build, [RNG.standard_normal((3, 6, 6))])


def test_split_errors_name_the_op():
    x = tf.zeros([4, 6])
    with pytest.raises(ValueError, match=r"split: dimension 1 .* is not divisible by 4"):
        tf.split(x, 4, axis=1)
    with pytest.raises(ValueError, match=r"split: size_splits \[2, 2\] add up to 4, but dimension 1"):
        tf.split(x, [2, 2], axis=1)
    with pytest.raises(ValueError, match="at most one -1"):
        tf.split(x, [-1, -1], axis=1)
    with pytest.raises(ShapeError, match="split: axis 2 is out of range"):
        tf.split(x, 2, axis=2)
    ph = tf.placeholder(tf.float32, [None, 2])
    parts = tf.split(ph, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Split: dimension 0 .* not divisible"):
        run(parts, {ph: np.zeros((3, 2))})


# ----------------------------------------------------------------- reductions
def test_reduce_any_all_count_nonzero_match_numpy():
    x = np.array([[0, 1, 0, 3], [0, 0, 0, 0], [2, 2, 0, 1]], dtype=np.float32)
    t = tf.constant(x)
    got = run([tf.reduce_any(t > 0), tf.reduce_all(t >= 0), tf.reduce_any(t > 0, axis=1),
               tf.reduce_all(tf.equal(t, 0), reduction_indices=[0], keep_dims=True),
               tf.count_nonzero(t), tf.count_nonzero(t, axis=1), tf.count_nonzero(t, 0, keepdims=True,
                                                                                  dtype=tf.int32)])
    want = [np.any(x > 0), np.all(x >= 0), np.any(x > 0, axis=1), np.all(x == 0, 0, keepdims=True),
            np.count_nonzero(x), np.count_nonzero(x, axis=1), np.count_nonzero(x, 0, keepdims=True)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[4].dtype == np.int64 and got[6].dtype == np.int32


def test_bool_reductions_need_bool_and_have_no_gradient():
    with pytest.raises(TypeError, match=r"Any \(reduce_any\) expects a bool tensor"):
        tf.reduce_any(tf.zeros([3]))
    x = tf.placeholder(tf.float32, [3])
    assert tf.gradients(tf.cast(tf.reduce_all(x > 0), tf.float32), x) == [None]


# ----------------------------------------------------------------- embedding_lookup
def test_embedding_lookup_single_table_and_gradient_sums_repeats():
    table = RNG.standard_normal((5, 3))
    ids = np.array([[4, 0], [4, 2]])
    out = tf.nn.embedding_lookup(tf.constant(table), ids)
    assert out.shape.as_list() == [2, 2, 3]
    np.testing.assert_array_equal(run(out), table[ids])
    check_gradients(lambda p: tf.nn.embedding_lookup(p, tf.constant(ids)), [table])


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_over_shards(strategy):
    table = RNG.standard_normal((7, 2))
    n = 3
    if strategy == "mod":
        shards = [table[i::n] for i in range(n)]
    else:
        shards = np.array_split(table, n)
    ids = np.array([6, 0, 3, 5, 1, 1])
    out = tf.nn.embedding_lookup([tf.constant(s) for s in shards], ids, partition_strategy=strategy)
    np.testing.assert_array_equal(run(out), table[ids])
    check_gradients(lambda a, b, c: tf.nn.embedding_lookup([a, b, c], tf.constant(ids),
                                                           partition_strategy=strategy), shards)


def test_embedding_lookup_max_norm_clips_rows():
    table = np.array([[3.0, 4.0], [0.3, 0.4]])
    out = tf.nn.embedding_lookup(tf.constant(table), [0, 1], max_norm=1.0)
    np.testing.assert_allclose(run(out), [[0.6, 0.8], [0.3, 0.4]])
    check_gradients(lambda p: tf.nn.embedding_lookup(p, tf.constant([0, 1, 0]), max_norm=1.0), [table])


def test_embedding_lookup_errors():
    with pytest.raises(TypeError, match="embedding_lookup: ids must be integers"):
        tf.nn.embedding_lookup(tf.zeros([3, 2]), tf.constant([0.0]))
    with pytest.raises(ValueError, match="embedding_lookup: shards of \\[3, 1\\] rows"):
        tf.nn.embedding_lookup([tf.zeros([3, 2]), tf.zeros([1, 2])], [0])
    with pytest.raises(ValueError, match="partition_strategy must be 'mod' or 'div'"):
        tf.nn.embedding_lookup(tf.zeros([3, 2]), [0], partition_strategy="hash")


# ----------------------------------------------------------------- ConfigProto
def test_config_proto_fields_and_errors():
    config = tf.ConfigProto(allow_soft_placement=True, gpu_options=tf.GPUOptions(allow_growth=True))
    config.gpu_options.per_process_gpu_memory_fraction = 0.4
    assert config.allow_soft_placement and config.gpu_options.allow_growth
    assert not config.log_device_placement
    with pytest.raises(AttributeError, match="tf.ConfigProto has no field 'log_placement'"):
        tf.ConfigProto(log_placement=True)
    with pytest.raises(AttributeError, match="tf.GPUOptions has no field 'growth'"):
        config.gpu_options.growth = True
    with pytest.raises(TypeError, match=r"Session expects config=tf.ConfigProto"):
        tf.Session(config={"log_device_placement": True})
    tf.Session(config=config).close()


def test_log_device_placement_prints_once_per_plan(capsys):
    a = tf.constant([1.0, 2.0], name="a")
    with tf.device("/gpu:1"):
        b = tf.square(a, name="sq")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(b)
        err = capsys.readouterr().err
        assert "a: (Const): /job:localhost/replica:0/task:0/device:CPU:0" in err
        assert "sq: (Square): /job:localhost/replica:0/task:0/device:GPU:1" in err
        sess.run(b)
        assert capsys.readouterr().err == ""        # the plan is compiled (and logged) once
    with tf.Session() as sess:
        sess.run(b)
        assert capsys.readouterr().err == ""        # no config, no log
