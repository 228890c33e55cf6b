"""ReluGrad.bind_fused: ReluGrad -> BiasAddGrad [-> Conv2DBackpropFilter] of a layer as one
kernel (the plan's rule C) gives the same bits as the three ops' own kernels run one by one, on
1 and 3 threads, for conv layers (with and without the filter gradient, with and without the
forward pass's saved im2col matrix) and dense layers, small and big arrays, ∂L/∂z kept or not,
TF1's signed zeros and NaNs included; and the unfused BiasAddGrad's sums stay right."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import threads
from teachflow.ops import conv_ops, nn_ops, relu_bias_grad, unary_ops
from teachflow.testing import same_bits

SPECIAL = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, 1e-45, -1e-45, 1.0, -1.0], np.float32)


def small_pieces(monkeypatch):
    """Every array is "big" and comes in many blocks of a few images."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(threads, "PIECE_BYTES", 2048)
    monkeypatch.setattr(threads, "blas_threads", lambda: 1)


class Layer:
    """The backward ops of relu(conv2d(x, w) + b) (or of relu(x·w + b)): the chain's ops and
    the forward Conv2D, from tf.gradients, as a training plan has them."""

    def __init__(self, xshape, wshape, stride=1, dtype=tf.float32):
        self.graph = tf.Graph()
        with self.graph.as_default():
            x = tf.placeholder(dtype, xshape)
            w = tf.placeholder(dtype, wshape)
            b = tf.placeholder(dtype, wshape[-1:])
            if len(wshape) == 4:
                z = tf.nn.conv2d(x, w, [1, stride, stride, 1], "SAME")
            else:
                z = tf.matmul(x, w)
            h = tf.nn.relu(tf.nn.bias_add(z, b))
            tf.gradients(tf.reduce_sum(h * h), [w, b])
        ops = self.graph.get_operations()
        self.relu_grad = next(o for o in ops if o.type == "ReluGrad")
        users = [o for o in ops if self.relu_grad.outputs[0] in o.inputs]
        self.bias_grad = next(o for o in users if o.type == "BiasAddGrad")
        self.filter_grad = next((o for o in users if o.type == "Conv2DBackpropFilter"), None)

    def session(self, n):
        return tf.Session(graph=self.graph, config=tf.ConfigProto(intra_op_parallelism_threads=n))

    def forward(self, sess):
        """The forward Conv2D's bound kernel (it saves its im2col matrix for the filter gradient)."""
        fwd = self.filter_grad.gradient_of
        return fwd.opdef.bind(fwd, sess)

    def unfused(self, sess, g, y, x=None, w=None, saved=True, keep=True):
        """The ops' own kernels one by one: (∂L/∂z, ∂L/∂b[, ∂L/∂W]) (without ∂L/∂z unless keep)."""
        relu, bias = (o.opdef.bind(o, sess) for o in (self.relu_grad, self.bias_grad))
        dz = relu(g, y)
        out = [dz] if keep else []
        out.append(bias(dz))
        if x is not None:
            if saved:
                self.forward(sess)(x, w)
            out.append(self.filter_grad.opdef.bind(self.filter_grad, sess)(x, w, dz))
        return out

    def fused(self, sess, g, y, x=None, w=None, saved=True, keep=True, kernel=None):
        kernel = kernel or self.relu_grad.opdef.bind_fused(
            self.relu_grad, sess, self.bias_grad, filter_grad=self.filter_grad if x is not None else None,
            keep=keep)
        if x is None:
            out = kernel(g, y)
        else:
            if saved:
                self.forward(sess)(x, w)
            out = kernel(g, y, x, w)
        return list(out) if isinstance(out, tuple) else [out]


def conv_values(layer, xshape, wshape, seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xshape).astype(dtype)
    w = rng.standard_normal(wshape).astype(dtype)
    fwd = layer.filter_grad.gradient_of
    with layer.session(1) as sess:
        zshape = fwd.opdef.bind(fwd, sess)(x, w).shape
    g = rng.standard_normal(zshape).astype(dtype)
    y = np.maximum(rng.standard_normal(zshape).astype(dtype), 0)
    y[rng.random(zshape) < 0.1] = 0
    return g, y, x, w


def check(layer, g, y, x=None, w=None, blocks=True):
    """Fused == unfused, to the bit, for keep True/False, with/without the saved matrix, 1 and
    3 threads; and the same bits on 1 and 3 threads. ``blocks``: whether the fused kernel did
    its own blocks (a big array) or called the ops' kernels (a small one)."""
    results, calls, own = [], [], relu_bias_grad.ReluBiasGrad.blocks
    relu_bias_grad.ReluBiasGrad.blocks = lambda *a: calls.append(1) or own(*a)
    try:
        _check(layer, g, y, x, w, results)
    finally:
        relu_bias_grad.ReluBiasGrad.blocks = own
    assert bool(calls) == blocks
    for a, b in zip(results[0], results[len(results) // 2]):
        same_bits(a, b)


def _check(layer, g, y, x, w, results):
    for n in (1, 3):
        with layer.session(n) as sess:
            for keep in (True, False):
                for saved in ((True, False) if x is not None else (True,)):
                    expected = layer.unfused(sess, g, y, x, w, saved, keep)
                    got = layer.fused(sess, g, y, x, w, saved, keep)
                    assert len(got) == len(expected)
                    for a, b in zip(got, expected):
                        same_bits(a, b)
                    results.append(got)


@pytest.mark.parametrize("xshape,wshape,stride", [
    ((40, 28, 28, 1), (3, 3, 1, 32), 1),   # the CNN's conv1 (4 MB, real thresholds; narrow dW)
    ((50, 28, 28, 8), (3, 3, 8, 64), 2),   # conv2-like (2.5 MB; a wide dW)
    ((3, 5, 5, 2), (3, 3, 2, 4), 1),       # small: the ops' own kernels
])
def test_conv_layers_fused_give_the_unfused_bits(xshape, wshape, stride):
    layer = Layer(xshape, wshape, stride)
    g, y, x, w = conv_values(layer, xshape, wshape, 1)
    big = g.nbytes >= threads.PARALLEL_MIN_BYTES
    check(layer, g, y, x, w, big)  # with the filter gradient
    check(layer, g, y, None, None, big)  # ReluGrad + BiasAddGrad only


def test_many_small_blocks_on_three_threads(monkeypatch):
    """Blocks of a few images, the filter's products cut inside them: still the same bits."""
    small_pieces(monkeypatch)
    layer = Layer((13, 6, 7, 3), (3, 3, 3, 5))
    g, y, x, w = conv_values(layer, (13, 6, 7, 3), (3, 3, 3, 5), 2)
    narrow, cut = conv_ops._dw_cut(13, 42, 27, 5, 4)
    assert len(cut) > 3
    check(layer, g, y, x, w)
    check(layer, g, y)


@pytest.mark.parametrize("shape", [(100, 64), (50, 300), (30000, 40)])
def test_dense_layers(shape):
    """The DNN tutorial's small arrays and a big batch of rows (4.8 MB, in blocks)."""
    layer = Layer((shape[0], 7), (7, shape[1]))
    rng = np.random.default_rng(3)
    g = rng.standard_normal(shape).astype(np.float32)
    y = np.maximum(rng.standard_normal(shape).astype(np.float32), 0)
    check(layer, g, y, blocks=g.nbytes >= threads.PARALLEL_MIN_BYTES)


def test_float64_and_a_cropped_gradient(monkeypatch):
    """∂L/∂y as Conv2DBackpropInput may give it (a crop of a padded array), and float64."""
    small_pieces(monkeypatch)
    layer = Layer((6, 8, 8, 2), (3, 3, 2, 5), dtype=tf.float64)
    g, y, x, w = conv_values(layer, (6, 8, 8, 2), (3, 3, 2, 5), 4, np.float64)
    padded = np.zeros((6, 9, 9, 5))
    padded[:, :8, :8] = g
    crop = padded[:, :8, :8]
    assert not crop.flags.c_contiguous
    check(layer, crop, y, x, w)


def test_signed_zeros_and_nans_are_tf1s(monkeypatch):
    """∂L/∂z is TF1's gradients * (features > 0): where y ≤ 0 or NaN a negative ∂L/∂y gives -0.0
    and an infinite or NaN one NaN; the bias and filter gradients are the unfused ones."""
    small_pieces(monkeypatch)
    layer = Layer((9, 9, 9, 1), (3, 3, 1, 9))
    g, y, x, w = conv_values(layer, (9, 9, 9, 1), (3, 3, 1, 9), 5)
    gg, yy = np.meshgrid(SPECIAL, SPECIAL, indexing="ij")
    g[:, 0, :] = gg  # every (∂L/∂y, y) pair of special values, in every image
    y[:, 0, :] = yy
    check(layer, g, y, x, w)
    with layer.session(3) as sess:
        with np.errstate(invalid="ignore"):
            dz, _ = layer.fused(sess, g, y)
            same_bits(dz, g * (y > 0))
    off = ~(y > 0) & np.isfinite(g)
    assert np.all(dz[off] == 0)
    np.testing.assert_array_equal(np.signbit(dz[off]), np.signbit(g[off]))
    assert np.all(np.isnan(dz[~(y > 0) & ~np.isfinite(g)]))


def test_keep_decides_what_is_returned():
    """keep: (∂L/∂z, ∂L/∂b[, ∂L/∂W]); else (∂L/∂b, ∂L/∂W), or ∂L/∂b alone (one value, bare)."""
    layer = Layer((4, 5, 5, 2), (3, 3, 2, 3))
    g, y, x, w = conv_values(layer, (4, 5, 5, 2), (3, 3, 2, 3), 6)
    with layer.session(1) as sess:
        bind = layer.relu_grad.opdef.bind_fused
        alone = bind(layer.relu_grad, sess, layer.bias_grad, keep=False)(g, y)
        assert isinstance(alone, np.ndarray) and alone.shape == (3,)
        both = bind(layer.relu_grad, sess, layer.bias_grad, keep=True)(g, y)
        assert [a.shape for a in both] == [g.shape, (3,)]
        three = bind(layer.relu_grad, sess, layer.bias_grad, filter_grad=layer.filter_grad, keep=False)(g, y, x, w)
        assert [a.shape for a in three] == [(3,), w.shape]


def test_the_saved_matrix_is_taken_and_given_back(monkeypatch):
    """The fused kernel takes the forward pass's im2col matrix (no im2col of its own) and gives
    it back: the next forward pass reuses that very array."""
    small_pieces(monkeypatch)
    layer = Layer((8, 10, 10, 1), (3, 3, 1, 6))
    g, y, x, w = conv_values(layer, (8, 10, 10, 1), (3, 3, 1, 6), 7)
    built, im2col = [], conv_ops._im2col
    monkeypatch.setattr(conv_ops, "_im2col", lambda *a: built.append(1) or im2col(*a))
    with layer.session(3) as sess:
        forward = layer.forward(sess)
        kernel = layer.relu_grad.opdef.bind_fused(layer.relu_grad, sess, layer.bias_grad,
                                                  filter_grad=layer.filter_grad, keep=False)
        forward(x, w)
        saved = conv_ops._saved(sess)
        cols = saved[layer.filter_grad.gradient_of][1]
        kernel(g, y, x, w)
        assert not built and layer.filter_grad.gradient_of not in saved
        forward(x, w)
        assert np.shares_memory(saved[layer.filter_grad.gradient_of][1], cols)
        kernel(g, y, x.copy(), w)  # another x: the saved matrix is not its, im2col is built
        assert built


@pytest.mark.parametrize("n,per,k,f", [(100, 784, 9, 32), (100, 196, 288, 64), (13, 42, 27, 5),
                                       (128, 784, 25, 32), (3, 1, 4, 4), (1, 50, 9, 8)])
def test_the_filter_products_are_cut_inside_the_bias_blocks(n, per, k, f):
    """_dw_cut: the bias's blocks in order, each one's rows cut into products that cover them
    exactly, in order; the CNN's conv1 into small products (OpenBLAS's small-matrix path)."""
    narrow, cut = conv_ops._dw_cut(n, per, k, f, 4)
    assert [(a, b) for a, b, _ in cut] == nn_ops.bias_blocks(n, n * per * f * 4)
    rows = [r for _, _, sub in cut for r in sub]
    assert rows[0][0] == 0 and rows[-1][1] == n * per
    assert all(r0 < r1 for r0, r1 in rows) and all(p[1] == q[0] for p, q in zip(rows, rows[1:]))
    for a, b, sub in cut:
        assert sub[0][0] == a * per and sub[-1][1] == b * per
    if (n, per, k, f) == (100, 784, 9, 32):
        assert narrow and all((r1 - r0) * k * f <= conv_ops.SMALL_GEMM for r0, r1 in rows)


@pytest.mark.parametrize("shape", [(100, 28, 28, 32), (7, 5, 3), (100, 64), (40000, 20)])
def test_bias_add_grad_sums_every_axis_but_the_last(shape):
    """The unfused BiasAddGrad (in blocks for big arrays) against float64 sums; 1 and 3
    threads the same bits."""
    rng = np.random.default_rng(8)
    g = rng.standard_normal(shape).astype(np.float32)
    layer = Layer((2, 3), (3, shape[-1]))
    results = []
    for n in (1, 3):
        with layer.session(n) as sess:
            results.append(layer.bias_grad.opdef.bind(layer.bias_grad, sess)(g))
    same_bits(results[0], results[1])
    exact = g.astype(np.float64).reshape(-1, shape[-1]).sum(axis=0)
    assert results[0].dtype == np.float32 and results[0].shape == shape[-1:]
    np.testing.assert_allclose(results[0], exact, rtol=1e-4, atol=1e-4 * np.sqrt(g.size / shape[-1]))


def test_one_image_is_one_block(monkeypatch):
    """A big array of one image is one block: NumPy's sums, fused as unfused."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_BYTES", 1)
    layer = Layer((1, 12, 12, 2), (3, 3, 2, 5))
    g, y, x, w = conv_values(layer, (1, 12, 12, 2), (3, 3, 2, 5), 9)
    assert len(nn_ops.bias_blocks(1, g.nbytes)) == 1
    check(layer, g, y, x, w)


# ----- end to end: the plan's rule C in a training step
def _cnn_steps(rule_c, threads_n, batch, steps=2):
    """The loss of each step and the variables after ``steps`` Adam steps of the benchmarks'
    CNN (conv 32 3×3 -> conv 64 3×3/2 -> max-pool -> dense 64 -> 10), with the plan's rule C
    or without (the ops one by one); asserts which of the two the plan did."""
    from teachflow.core import fusion
    with pytest.MonkeyPatch.context() as m:
        if not rule_c:
            m.setattr(fusion, "GRAD_FUSIBLE", ())
        with tf.Graph().as_default():
            tf.set_random_seed(1)
            x = tf.placeholder(tf.float32, [None, 28, 28, 1])
            labels = tf.placeholder(tf.int64, [None])
            h = tf.layers.conv2d(x, 32, 3, padding="SAME", activation=tf.nn.relu, name="conv1")
            h = tf.layers.conv2d(h, 64, 3, strides=2, padding="SAME", activation=tf.nn.relu, name="conv2")
            h = tf.reshape(tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), [-1, 7 * 7 * 64])
            h = tf.layers.dense(h, 64, activation=tf.nn.relu, name="fc1")
            logits = tf.layers.dense(h, 10, name="out")
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            train = tf.train.AdamOptimizer().minimize(loss)
            rng = np.random.default_rng(10)
            feed = {x: rng.random((batch, 28, 28, 1), dtype=np.float32), labels: rng.integers(0, 10, batch)}
            config = tf.ConfigProto(intra_op_parallelism_threads=threads_n)
            with tf.Session(config=config) as sess:
                sess.run(tf.global_variables_initializer())
                source = sess.plan_source([loss, train], feed)
                chains = [line for line in source.splitlines() if "ReluGrad (ReluGrad) + " in line]
                assert len(chains) == (3 if rule_c else 0)
                losses = [sess.run([loss, train], feed)[0] for _ in range(steps)]
                return losses, sess.run(tf.trainable_variables())


@pytest.mark.parametrize("batch,small", [(24, False), (3, True)])
def test_a_cnn_training_step_with_rule_c_gives_the_bits_of_the_ops_one_by_one(monkeypatch, batch, small):
    """Rule C on (conv1: with its filter gradient; conv2 and the dense layer: ReluGrad and
    BiasAddGrad), 1 and 3 threads: the losses and the variables are the same bits as the ops
    one by one. Batch 24: conv1's ∂L/∂z is 2.4 MB, cut into blocks with the real thresholds."""
    if small:
        small_pieces(monkeypatch)
    plain = _cnn_steps(False, 1, batch)
    for n in (1, 3):
        fused = _cnn_steps(True, n, batch)
        for a, b in zip(fused[0] + fused[1], plain[0] + plain[1]):
            same_bits(a, b)
