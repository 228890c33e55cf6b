"""The plan fuses Conv2D/MatMul -> BiasAdd [-> Relu [-> MaxPool]] (and, when ReluGrad has a
fused kernel, ReluGrad -> BiasAddGrad [-> Conv2DBackpropFilter]) into one call, which returns
the values of its ops that something else uses (as TF's Grappler remapper fuses); the
step-through still walks every op, and the values are the same bits as the ops one by one."""
import re

import numpy as np
import pytest

import teachflow as tf
from teachflow.core import plan as plan_module
from teachflow.core import threads
from teachflow.core.opdef import OPS


def _net(seed=0):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x = tf.placeholder(tf.float32, [None, 9, 9, 2], name="x")
    c = tf.layers.conv2d(x, 4, 3, strides=2, padding="same", activation=tf.nn.relu, name="conv")
    d = tf.layers.dense(tf.reshape(c, [-1, 5 * 5 * 4]), 6, activation=tf.nn.relu, name="dense")
    logits = tf.layers.dense(d, 3, name="logits")
    loss = tf.reduce_mean(tf.square(logits))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    return x, c, d, logits, loss, train


X = np.random.default_rng(1).standard_normal((5, 9, 9, 2)).astype(np.float32)


def _fused_lines(source):
    return [line.split("# fused: ")[1] for line in source.splitlines() if "# fused: " in line]


def test_a_conv_and_dense_layers_run_as_fused_calls():
    x, c, d, logits, loss, train = _net()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source(logits, {x: X}))
    assert fused == ["conv/Conv2D (Conv2D) + conv/BiasAdd (BiasAdd) + conv/Relu (Relu)",
                     "dense/MatMul (MatMul) + dense/BiasAdd (BiasAdd) + dense/Relu (Relu)",
                     "logits/MatMul (MatMul) + logits/BiasAdd (BiasAdd)"]


def test_a_value_in_between_that_is_fetched_or_used_elsewhere_is_not_fused_away():
    x, c, d, logits, loss, train = _net()
    g = tf.get_default_graph()
    pre = g.get_tensor_by_name("conv/BiasAdd:0")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source([logits, pre], {x: X}))
        assert fused[0] == "conv/Conv2D (Conv2D) + conv/BiasAdd (BiasAdd)"  # the Relu apart
        out, pre_value = sess.run([c, pre], {x: X})
        np.testing.assert_array_equal(out, np.maximum(pre_value, 0))
    other = tf.identity(g.get_tensor_by_name("dense/MatMul:0"))  # a second use of the product
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source([logits, other], {x: X}))
    assert not any(f.startswith("dense/") for f in fused)


def _train(fuse, steps=3):
    x, c, d, logits, loss, train = _net()
    with pytest.MonkeyPatch.context() as m:
        if not fuse:
            m.setattr(plan_module, "_fusions", lambda *a: {})
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = [sess.run([loss, logits, c, train], {x: X})[:3] for _ in range(steps)]
            assert bool(_fused_lines(sess.plan_source([loss, logits, c, train], {x: X}))) == fuse
            return values, sess.run(tf.trainable_variables())


def test_training_with_fused_calls_gives_the_same_bits_as_without():
    fused, fused_vars = _train(True)
    plain, plain_vars = _train(False)
    for a, b in zip(fused + [fused_vars], plain + [plain_vars]):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


def test_the_step_through_still_walks_every_op_with_the_same_values():
    x, c, d, logits, loss, train = _net()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run(logits, {x: X})
        steps = list(sess.plan(logits, {x: X}).steps({x: X}))
    types = [s.op.type for s in steps]
    assert types.count("BiasAdd") == 3 and types.count("Relu") == 2 and "Conv2D" in types
    np.testing.assert_array_equal(steps[-1].outputs[0], want)


def test_an_error_inside_a_fused_call_names_the_first_op():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [None, None], name="a")
    w = tf.Variable(np.ones((4, 3), np.float32), name="w")
    b = tf.Variable(np.zeros(3, np.float32), name="b")
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(a, w, name="product"), b))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _fused_lines(sess.plan_source(h, {a: np.ones((2, 4))}))
        with pytest.raises(tf.errors.InvalidArgumentError, match="product"):
            sess.run(h, {a: np.ones((2, 5), np.float32)})


# ----- rule B: Conv2D -> BiasAdd -> Relu -> MaxPool; rule C: ReluGrad -> BiasAddGrad [-> filter]
IMAGES = np.random.default_rng(2).standard_normal((7, 12, 12, 2)).astype(np.float32)


def _cnn(pool2=((2, 2), (2, 2), "SAME")):
    """conv -> bias -> relu -> max-pool, twice, then a dense layer with a ReLU and the logits:
    the shape of the lessons' and the benchmark's CNNs (the second pool may overlap or pad)."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 12, 12, 2], name="x")
    h1 = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu, name="conv1")
    p1 = tf.layers.max_pooling2d(h1, 2, 2, name="pool1")
    h2 = tf.layers.conv2d(p1, 6, 3, padding="same", activation=tf.nn.relu, name="conv2")
    (kh, kw), (sh, sw), padding = pool2
    p2 = tf.nn.max_pool(h2, [1, kh, kw, 1], [1, sh, sw, 1], padding, name="pool2")
    d = tf.layers.dense(tf.layers.flatten(p2), 5, activation=tf.nn.relu, name="dense")
    loss = tf.reduce_mean(tf.square(tf.layers.dense(d, 3, name="logits") - 1))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    return x, h1, p1, h2, p2, loss, train


def _run_cnn(fusions=True, threads_n=1, steps=3, pool2=((2, 2), (2, 2), "SAME"), fetch=None):
    """Each step's (loss, pool2's value [, the fetched]) and the variables after ``steps``
    training steps, with every fusion or none; small pieces, so that the convolution's
    pieces and the pooled blocks are one image or two (the pool's threads share them)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(threads, "PIECE_BYTES", 700)
        if not fusions:
            m.setattr(plan_module, "_fusions", lambda *a: {})
        x, h1, p1, h2, p2, loss, train = _cnn(pool2)
        fetches = [loss, p2] + ([fetch(tf.get_default_graph())] if fetch else [])
        config = tf.ConfigProto(intra_op_parallelism_threads=threads_n)
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            runs = [sess.run(fetches + [train], {x: IMAGES})[:-1] for _ in range(steps)]
            return runs, sess.run(tf.trainable_variables())


def _assert_same(a, b):
    (runs_a, vars_a), (runs_b, vars_b) = a, b
    for u, v in zip([x for r in runs_a for x in r] + vars_a, [x for r in runs_b for x in r] + vars_b):
        np.testing.assert_array_equal(u, v)


def test_a_max_pool_joins_the_fused_convolution_which_returns_the_relus_value_too():
    x, h1, p1, h2, p2, loss, train = _cnn()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        source = sess.plan_source(train, {x: IMAGES})
        inference = sess.plan_source(p2, {x: IMAGES})
    assert "conv1/Conv2D (Conv2D) + conv1/BiasAdd (BiasAdd) + conv1/Relu (Relu) + pool1/MaxPool " \
           "(MaxPool)" in _fused_lines(source)
    # training: ReluGrad and MaxPoolGrad read the Relu's value, so the chain returns it too
    lines = [line for line in source.splitlines() if "+ pool2 (MaxPool)" in line]
    assert len(lines) == 1 and re.match(r" +t\d+_0, t\d+_0 = k\d+f\(", lines[0])
    # inference: nothing else reads it, the pooled value alone
    lines = [line for line in inference.splitlines() if "+ pool2 (MaxPool)" in line]
    assert len(lines) == 1 and re.match(r" +t\d+_0 = k\d+f\(", lines[0])


@pytest.mark.parametrize("pool2", [((2, 2), (2, 2), "SAME"), ((3, 3), (2, 2), "SAME"),
                                   ((2, 3), (1, 2), "VALID")])
def test_training_with_the_pool_fused_gives_the_same_bits_as_the_ops_one_by_one(pool2):
    _assert_same(_run_cnn(True, pool2=pool2), _run_cnn(False, pool2=pool2))


def test_one_thread_or_three_give_the_same_bits():
    _assert_same(_run_cnn(True, threads_n=3), _run_cnn(False, threads_n=1))
    _assert_same(_run_cnn(True, threads_n=3), _run_cnn(True, threads_n=1))


@pytest.mark.parametrize("name", ["conv2/Relu:0", "pool2:0", "conv1/Relu:0", "pool1/MaxPool:0"])
def test_a_fetch_of_the_relus_or_the_pools_value_still_works(name):
    fused = _run_cnn(True, steps=2, fetch=lambda g: g.get_tensor_by_name(name))
    _assert_same(fused, _run_cnn(False, steps=2, fetch=lambda g: g.get_tensor_by_name(name)))
    x, h1, p1, h2, p2, loss, train = _cnn()
    with tf.Session() as sess:  # an inference fetch of both: a tuple out of the fused line
        sess.run(tf.global_variables_initializer())
        relu, pooled = sess.run([h2, p2], {x: IMAGES})
        source = sess.plan_source([h2, p2], {x: IMAGES})
    assert re.search(r"t\d+_0, t\d+_0 = k\d+f\(.*# fused: conv2/", source)
    np.testing.assert_array_equal(pooled, relu.reshape(7, 3, 2, 3, 2, 6).max(axis=(2, 4)))


def test_a_max_pool_whose_input_something_else_uses_gets_it_from_the_fused_call():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 12, 12, 2], name="x")
    h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu, name="conv")
    p = tf.layers.max_pooling2d(h, 2, 2, name="pool")
    s = tf.reduce_sum(h, name="other") + tf.reduce_sum(p)  # another reader of the Relu's value
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert re.search(r"t\d+_0, t\d+_0 = k\d+f\(.*\+ pool/MaxPool", sess.plan_source(s, {x: IMAGES}))
        got, hv, pv = sess.run([s, h, p], {x: IMAGES})
        steps = list(sess.plan(s, {x: IMAGES}).steps({x: IMAGES}))
    np.testing.assert_array_equal(pv, hv.reshape(7, 6, 2, 6, 2, 4).max(axis=(2, 4)))
    assert steps[-1].outputs[0] == got


def test_of_two_max_pools_of_one_relu_only_the_adjacent_one_is_fused():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 12, 12, 2], name="x")
    h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu, name="conv")
    a = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", name="a")
    b = tf.nn.max_pool(h, [1, 3, 3, 1], [1, 2, 2, 1], "SAME", name="b")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source([a, b], {x: IMAGES}))
        av, bv, hv = sess.run([a, b, h], {x: IMAGES})
    assert fused == ["conv/Conv2D (Conv2D) + conv/BiasAdd (BiasAdd) + conv/Relu (Relu) + a (MaxPool)"]
    np.testing.assert_array_equal(av, hv.reshape(7, 6, 2, 6, 2, 4).max(axis=(2, 4)))
    padded = np.pad(hv, [(0, 0), (0, 1), (0, 1), (0, 0)], constant_values=-np.inf)  # SAME: 6 windows
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))[:, ::2, ::2]
    np.testing.assert_array_equal(bv, windows.max(axis=(-2, -1)))


def test_fused_chains_that_run_together_return_their_tuples(monkeypatch):
    """Two independent conv -> bias -> relu -> pool chains on one input: one line runs both
    on the pool's threads, each returning (Relu's value, pooled value)."""
    monkeypatch.setattr(plan_module, "TOGETHER_MIN_BYTES", 1)
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 12, 12, 2], name="x")
    outs = []
    for name in ("left", "right"):
        h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu, name=name)
        outs += [h, tf.layers.max_pooling2d(h, 2, 2, name=name + "_pool")]
    with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2)) as sess:
        sess.run(tf.global_variables_initializer())
        source = sess.plan_source(outs, {x: IMAGES})
        got = sess.run(outs, {x: IMAGES})
        stepped = {s.op: s.outputs[0] for s in sess.plan(outs, {x: IMAGES}).steps({x: IMAGES})}
    assert re.search(r"\(t\d+_0, t\d+_0\), \(t\d+_0, t\d+_0\) = together", source)
    for t, v in zip(outs, got):
        np.testing.assert_array_equal(v, stepped[t.op])


def test_the_step_through_walks_the_fused_chains_op_by_op_with_the_same_values():
    x, h1, p1, h2, p2, loss, train = _cnn()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        want = sess.run([h1, p1, h2, p2, loss], {x: IMAGES})
        steps = list(sess.plan([h1, p1, h2, p2, loss], {x: IMAGES}).steps({x: IMAGES}))
    types = [s.op.type for s in steps]
    assert types.count("MaxPool") == 2 and types.count("Relu") == 3 and types.count("Conv2D") == 2
    got = {s.op: s.outputs[0] for s in steps}
    for t, v in zip([h1, p1, h2, p2, loss], want):
        np.testing.assert_array_equal(got[t.op], v)


def _conv_pool_graph(x_shape, padding, window):
    """x -> conv 3×3 (2 -> 4 channels) named "product" -> bias -> relu -> max pool "pool":
    (x, pooled), on a new default graph."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, x_shape, name="x")
    w = tf.Variable(np.ones((3, 3, 2, 4), np.float32), name="w")
    b = tf.Variable(np.zeros(4, np.float32), name="b")
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], padding, name="product"), b))
    return x, tf.nn.max_pool(h, [1, window, window, 1], [1, 2, 2, 1], "VALID", name="pool")


def test_an_error_inside_a_fused_pool_chain_names_the_convolution():
    x, p = _conv_pool_graph([None, None, None, None], "SAME", 2)  # channels unknown
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _fused_lines(sess.plan_source(p, {x: IMAGES}))[0].endswith("pool (MaxPool)")
        assert sess.run(p, {x: IMAGES}).shape == (7, 6, 6, 4)
        with pytest.raises(tf.errors.InvalidArgumentError, match="product"):
            sess.run(p, {x: np.ones((2, 12, 12, 3), np.float32)})  # 3 channels for 2


def test_an_error_of_the_fused_max_pool_names_the_pool():
    """The pooling window larger than the convolution's output (known only at run time): the
    error names the MaxPool, as without fusion, not the chain's first op."""
    x, p = _conv_pool_graph([None, None, None, 2], "VALID", 3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert _fused_lines(sess.plan_source(p, {x: IMAGES}))[0].endswith("pool (MaxPool)")
        with pytest.raises(tf.errors.InvalidArgumentError, match="MaxPool op 'pool' failed.*window"):
            sess.run(p, {x: np.ones((2, 4, 4, 2), np.float32)})  # a 2×2 output for a 3×3 window


def _fake_relu_grad_fusion(self, op, session, bias_grad, filter_grad=None, keep=True):
    """A stand-in for ReluGrad.bind_fused, with its interface (plan.py's rule C: returns
    (dz if keep, db[, dw])): the three bound kernels one after another."""
    chain = [op, bias_grad] + ([filter_grad] if filter_grad is not None else [])
    kernels = [o.opdef.bind(o, session) for o in chain]
    CALLS.append((op.name, filter_grad is not None, keep))

    def fused(g, y, *xw):
        dz = kernels[0](g, y)
        out = ([dz] if keep else []) + [kernels[1](dz)]
        if filter_grad is not None:
            out.append(kernels[2](*xw, dz))
        return tuple(out) if len(out) > 1 else out[0]
    return fused


CALLS = []


def test_the_gradient_chain_is_fused_when_relu_grad_has_a_fused_kernel(monkeypatch):
    monkeypatch.setattr(type(OPS["ReluGrad"]), "bind_fused", _fake_relu_grad_fusion, raising=False)
    CALLS.clear()
    x, h1, p1, h2, p2, loss, train = _cnn()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        source = sess.plan_source(train, {x: IMAGES})
    fused = [f for f in _fused_lines(source) if "ReluGrad" in f]
    assert [f.count(" + ") for f in fused] == [1, 1, 2]  # dense and conv2: + BiasAddGrad; conv1: + filter
    assert "conv1/Conv2D_grad/Conv2DBackpropFilter (Conv2DBackpropFilter)" in fused[2]
    assert sorted(CALLS) == [("gradients/conv1/Relu_grad/ReluGrad", True, False),
                             ("gradients/conv2/Relu_grad/ReluGrad", False, True),
                             ("gradients/dense/Relu_grad/ReluGrad", False, True)]
    conv1_line = [line for line in source.splitlines() if "conv1/Relu_grad" in line][0]
    assert re.match(r" +t\d+_0, t\d+_0 = k\d+f\(", conv1_line)  # (db, dw): no dz
    _assert_same(_run_cnn(True), _run_cnn(False))
    _assert_same(_run_cnn(True, threads_n=3), _run_cnn(False))


def test_the_gradient_chain_is_not_fused_when_relu_grad_has_no_fused_kernel(monkeypatch):
    monkeypatch.delattr(type(OPS["ReluGrad"]), "bind_fused", raising=False)
    x, h1, p1, h2, p2, loss, train = _cnn()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = _fused_lines(sess.plan_source(train, {x: IMAGES}))
    assert len(fused) == 4 and not any("Grad" in f for f in fused)


@pytest.mark.parametrize("threads_n", [1, 3])
def test_the_gradient_chains_real_kernel_gives_the_bits_of_the_ops_one_by_one(monkeypatch, threads_n):
    """ReluGrad's own fused kernel (small arrays made big enough for it to cut them in blocks)
    in the training plan: the same bits as the ops one by one, on one thread or three."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_BYTES", 1000)
    x, h1, p1, h2, p2, loss, train = _cnn()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fused = [f for f in _fused_lines(sess.plan_source(train, {x: IMAGES})) if "ReluGrad" in f]
    assert len(fused) == 3
    _assert_same(_run_cnn(True, threads_n=threads_n), _run_cnn(False))
