"""MaxPool computed inside the plan's fused Conv2D -> BiasAdd -> Relu -> MaxPool
(``MaxPool.bind_ahead``, called by ``Conv2D.bind_fused``): each block of images pooled once
the convolution's pieces have finished it, the same bits and argmax as MaxPool on its own."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import fusion
from teachflow.ops import conv_ops, pool_ops

X = np.random.default_rng(3).standard_normal((6, 11, 11, 3)).astype(np.float32)

# (window, strides, padding): the CNN's 2×2/2, SAME that pads, overlapping 3×3/2, stride 1,
# a window wider than the stride leaving a remainder, one big window (36 taps)
POOLS = [((2, 2), (2, 2), "VALID"), ((2, 2), (2, 2), "SAME"), ((3, 3), (2, 2), "SAME"),
         ((3, 2), (1, 1), "VALID"), ((2, 3), (3, 2), "VALID"), ((6, 6), (1, 1), "VALID")]


def _net(k, s, padding):
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 11, 11, 3], name="x")
    h = tf.layers.conv2d(x, 8, 3, strides=1, padding="same", activation=tf.nn.relu, name="conv")
    p = tf.nn.max_pool(h, [1, *k, 1], [1, *s, 1], padding)
    logits = tf.layers.dense(tf.layers.flatten(p), 3, name="logits")
    loss = tf.reduce_mean(tf.square(logits - 1))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    return x, h, p, loss, train


def _train(monkeypatch, fused, threads, pool=POOLS[0], steps=3):
    """The variables after ``steps`` training steps, and each step's (loss, pool output)."""
    with monkeypatch.context() as m:
        if not fused:
            m.setattr(fusion, "POOL_FUSIBLE", ())
        # the convolution's pieces: one image each (im2col 35 kB an image); pooled blocks: two
        # images (3.9 kB each), so a block is finished by two pieces, maybe on two threads
        m.setattr(pool_ops.threads, "PIECE_BYTES", 10000)
        x, h, p, loss, train = _net(*pool)
        config = tf.ConfigProto(intra_op_parallelism_threads=threads)
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            assert ("+ MaxPool (MaxPool)" in sess.plan_source(train, {x: X})) == fused
            runs = [sess.run([loss, p, train], {x: X})[:2] for _ in range(steps)]
            return sess.run(tf.trainable_variables()), runs


@pytest.fixture
def spy(monkeypatch):
    """Counts MaxPool.kernel's calls (MaxPool computing for itself) and argmax searches."""
    calls = []
    kernel, argmax = pool_ops.MaxPool.kernel, pool_ops._argmax
    monkeypatch.setattr(pool_ops.MaxPool, "kernel",
                        lambda self, *a, **kw: calls.append("kernel") or kernel(self, *a, **kw))
    monkeypatch.setattr(pool_ops, "_argmax", lambda *a: calls.append("argmax") or argmax(*a))
    return calls


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("threads", [1, 3])
def test_training_is_the_same_bits_with_and_without_the_pool_fused(monkeypatch, pool, threads):
    want_vars, want_runs = _train(monkeypatch, False, 1, pool)
    got_vars, got_runs = _train(monkeypatch, True, threads, pool)
    want = want_vars + [v for r in want_runs for v in r]
    got = got_vars + [v for r in got_runs for v in r]
    for a, b in zip(want, got):
        np.testing.assert_array_equal(a, b)


def test_the_fused_plan_pools_inside_the_convolution_and_leaves_the_argmax(monkeypatch, spy):
    _train(monkeypatch, True, 1)
    assert spy == []  # never MaxPool itself, and MaxPoolGrad never searched the windows again
    _train(monkeypatch, False, 1)
    assert spy == ["kernel"] * 3


def test_the_step_through_pools_op_by_op_and_matches(spy):
    x, h, p, loss, train = _net(*POOLS[2])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(p, {x: X})
        assert spy == []
        steps = list(sess.plan([p], {x: X}).steps({x: X}))
    assert spy == ["kernel"]
    np.testing.assert_array_equal(steps[-1].outputs[0], want)


@pytest.mark.parametrize("pool", POOLS)
def test_blocks_finished_in_any_order_and_cut_give_the_kernels_bits(monkeypatch, pool):
    """A block of images is pooled when its last image is done, whatever the pieces."""
    x, h, p, loss, train = _net(*pool)
    y = np.maximum(np.random.default_rng(5).standard_normal((11, 11, 11, 8)), 0).astype(np.float32)
    y[3, 2:5, 1] = np.nan  # NaN windows, too
    want_out = pool_ops.MaxPool().kernel(p.op, y)
    want_arg = pool_ops._argmax(y, p.op)
    monkeypatch.setattr(pool_ops.threads, "PIECE_BYTES", 3 * y[0].nbytes + 5)  # blocks of 3
    with tf.Session() as sess:
        start, filling = p.op.opdef.bind_ahead(p.op, sess), np.full_like(y, 9.0)
        out, done = start(filling)
        for a, b in [(9, 11), (2, 5), (0, 2), (5, 6), (6, 9)]:  # pieces across the blocks
            filling[a:b] = y[a:b]  # a block pooled before all its images are in would see 9s
            done(a, b)
        ref, arg, _ = pool_ops._saved(sess)[p.op]  # left for MaxPoolGrad, for this very array
    assert ref() is filling
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(arg, want_arg)


def test_no_argmax_when_the_relus_value_is_not_returned(monkeypatch):
    x, h, p, loss, train = _net(*POOLS[0])
    with tf.Session() as sess:
        start = p.op.opdef.bind_ahead(p.op, sess, keep=False)
        out, done = start(np.ones((2, 11, 11, 8), np.float32))
        done(0, 2)
        assert p.op not in pool_ops._saved(sess)
    np.testing.assert_array_equal(out, np.ones((2, 5, 5, 8)))


def test_an_unusual_bias_is_added_unfused_and_still_pooled():
    """A bias of another dtype (called directly: the plan's graph checks dtypes) takes the
    unfused way, through the MaxPool's own kernel: the same values, the argmax left too."""
    x, h, p, loss, train = _net(*POOLS[2])
    conv = h.op.inputs[0].op.inputs[0].op
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w, bias = sess.run(conv.inputs[1]), np.arange(8.0)  # float64
        y, pooled = conv.opdef.bind_fused(conv, sess, "Relu", max_pool=p.op)(X, w, bias)
        alone = conv.opdef.bind_fused(conv, sess, "Relu", max_pool=p.op, keep=False)(X, w, bias)
        assert pool_ops._saved(sess)[p.op][0]() is y
        want = np.maximum(sess.run(conv.outputs[0], {x: X}) + bias, 0)
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(pooled, pool_ops.MaxPool().kernel(p.op, want))
    np.testing.assert_array_equal(alone, pooled)
    with pytest.raises(ValueError, match="max_pool"):
        conv.opdef.bind_fused(conv, sess, None, max_pool=p.op)


def test_a_batch_convolved_in_chunks_is_pooled_the_same(monkeypatch):
    """Very big batches are convolved a chunk of images at a time (``COLS_BYTES``): the
    pieces tell the pool their images' place in the whole batch."""
    monkeypatch.setattr(conv_ops, "COLS_BYTES", 2 * 121 * 72 * 4)  # two images a chunk
    want_vars, want_runs = _train(monkeypatch, False, 1, POOLS[2])
    got_vars, got_runs = _train(monkeypatch, True, 3, POOLS[2])
    want = want_vars + [v for r in want_runs for v in r]
    for a, b in zip(want, got_vars + [v for r in got_runs for v in r]):
        np.testing.assert_array_equal(a, b)
