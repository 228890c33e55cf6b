"""The plan runs adjacent independent big ops at the same time (core/plan.py ``_groups``,
``_Together``; core/threads.py ``_Pool.together``): the same bits as one after another, only
for stateless ops, only when their inputs are big, and never with one thread or
``inter_op_parallelism_threads=1``."""
import numpy as np
import pytest

import teachflow as tf
from teachflow.core import errors, plan as plan_module, threads


@pytest.fixture(autouse=True)
def one_blas_thread(monkeypatch):
    """teachflow's own pool gets its threads whatever BLAS the environment configured."""
    monkeypatch.setattr(threads, "blas_threads", lambda: 1)
    yield
    tf.config.threading.set_inter_op_parallelism_threads(0)


@pytest.fixture
def together_calls(monkeypatch):
    """Counts the groups really handed to the pool's threads."""
    calls = []
    real = threads._Pool.together

    def spy(self, thunks):
        calls.append(len(thunks))
        return real(self, thunks)
    monkeypatch.setattr(threads._Pool, "together", spy)
    return calls


def small_cnn():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 16, 16, 1], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    h = tf.layers.conv2d(x, 8, 3, padding="SAME", activation=tf.nn.relu, name="conv1")
    h = tf.layers.conv2d(h, 16, 3, strides=2, padding="SAME", activation=tf.nn.relu, name="conv2")
    h = tf.layers.dense(tf.reshape(h, [-1, 8 * 8 * 16]), 32, activation=tf.nn.relu, name="fc1")
    logits = tf.layers.dense(h, 10, name="out")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return x, y, tf.train.AdamOptimizer(0.01).minimize(loss)


def trained(inter, intra, steps=3):
    x, y, train = small_cnn()
    rng = np.random.RandomState(0)
    sess = tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=inter,
                                            intra_op_parallelism_threads=intra))
    sess.run(tf.global_variables_initializer())
    for _ in range(steps):
        sess.run(train, {x: rng.rand(64, 16, 16, 1).astype(np.float32), y: rng.randint(0, 10, 64)})
    return sess.run(tf.trainable_variables()), sess.plan_source(train, {x: 0, y: 0})


def test_a_cnn_trains_to_the_same_bits_with_its_ops_together_or_one_after_another(
        monkeypatch, together_calls):
    monkeypatch.setattr(plan_module, "TOGETHER_MIN_BYTES", 2 ** 12)  # this small CNN's are big
    reference, source = trained(inter=1, intra=1)
    assert "together" not in source and not together_calls
    for inter, intra in [(1, 3), (0, 1), (0, 3), (0, 2), (2, 3)]:
        values, source = trained(inter, intra)
        for a, b in zip(reference, values):
            assert np.array_equal(a, b), (inter, intra)
        assert ("together" in source) == (inter != 1 and intra > 1), (inter, intra)
    # conv2's two gradients (its bias's gradient is fused with its ReluGrad, before them)
    assert together_calls and max(together_calls) == 2


def test_plan_source_shows_the_group_with_every_op_named():
    _, source = trained(inter=0, intra=2, steps=0)
    lines = source.splitlines()
    at = next(i for i, s in enumerate(lines) if "= together" in s and "Conv2DBackpropInput" in s)
    names = ("conv2/Conv2D_grad/Conv2DBackpropInput", "conv2/Conv2D_grad/Conv2DBackpropFilter")
    assert all(name in lines[at].split("# together: ", 1)[1] for name in names)
    # above it: the size check, and the same calls one after another for small inputs
    assert lines[at - 4].lstrip().startswith("if few_big_inputs(2, ") and lines[at - 1].strip().startswith("else:")
    for name, line in zip(names, lines[at - 3:at - 1]):
        assert line.startswith("        t") and line.endswith(f"/{name} ({name.rsplit('/', 1)[1]})")
    assert not any("together" in s and "ApplyAdam" in s for s in lines)


def test_inter_op_parallelism_threads_1_for_the_process_turns_groups_off():
    tf.config.threading.set_inter_op_parallelism_threads(1)
    assert tf.config.threading.get_inter_op_parallelism_threads() == 1
    assert "together" not in trained(inter=0, intra=2, steps=0)[1]
    with pytest.raises(ValueError, match="inter_op_parallelism_threads must be an int >= 0"):
        tf.config.threading.set_inter_op_parallelism_threads(-2)


def two_products():
    """Two MatMuls of one input, independent of each other: one group."""
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [None, None], name="a")
    b1 = tf.placeholder(tf.float32, [None, None], name="b1")
    b2 = tf.placeholder(tf.float32, [None, None], name="b2")
    return a, b1, b2, tf.matmul(a, b1, name="first"), tf.matmul(a, b2, name="second")


def test_small_inputs_run_one_after_another_on_the_caller(together_calls):
    a, b1, b2, m1, m2 = two_products()
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2))
    assert "together" in sess.plan_source([m1, m2], {a: 0, b1: 0, b2: 0})
    small = np.ones((20, 20), np.float32)
    r1, r2 = sess.run([m1, m2], {a: small, b1: small, b2: 2 * small})
    assert not together_calls  # no thread hand-over for a tiny graph
    assert np.array_equal(r1, small @ small) and np.array_equal(r2, small @ (2 * small))
    big = np.ones((300, 300), np.float32)  # 360 KB: both together
    r1, r2 = sess.run([m1, m2], {a: big, b1: big[:, :5], b2: big[:, :7]})
    assert together_calls == [2] and r1.shape == (300, 5) and r2.shape == (300, 7)


@pytest.mark.parametrize("rows", [20, 300])  # run one after another / together
def test_an_error_in_a_grouped_op_names_that_op(rows):
    a, b1, b2, m1, m2 = two_products()
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2))
    x = np.ones((rows, rows), np.float32)
    with pytest.raises(errors.InvalidArgumentError, match="MatMul op 'second' failed") as e:
        sess.run([m1, m2], {a: x, b1: x[:, :3], b2: x[:7, :3]})  # second: inner sizes differ
    assert e.value.op is m2.op


def test_ops_that_write_state_or_depend_on_the_group_stay_out():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [None, None], name="a")
    w = tf.Variable(tf.ones([300, 300]), name="w")  # 360 KB: big
    p1 = tf.matmul(a, w, name="p1")
    noise = tf.random_normal([300, 300], seed=1, name="noise")  # a random stream: never grouped
    p2 = tf.matmul(a, noise, name="p2")  # only uses the random values: may join
    p3 = tf.matmul(p1, w, name="p3")  # needs p1 (p1 and noise: no group of two big ops)
    p4 = tf.matmul(a, w, name="p4")
    assign = tf.assign(w, w * 2, name="double")
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2))
    sess.run(w.initializer)
    together = [s.split("#")[1] for s in sess.plan_source([p1, p2, p3, p4, assign], {a: 0}).splitlines()
                if "= together" in s]
    assert len(together) == 1 and all(f"{n} (MatMul)" in together[0] for n in ("p2", "p3", "p4"))
    assert all(n not in together[0] for n in ("p1", "noise", "double"))


def test_inter_op_parallelism_threads_caps_the_big_ops_of_a_group():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [None, None], name="a")
    products = [tf.matmul(a, a, name=f"p{i}") for i in range(3)]

    def groups(inter):
        sess = tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=inter,
                                                intra_op_parallelism_threads=2))
        return [s.split("#")[1].count("MatMul") for s in sess.plan_source(products, {a: 0}).splitlines()
                if "= together" in s]
    assert groups(0) == [3] and groups(3) == [3] and groups(2) == [2] and groups(1) == []


def test_sizes_known_when_the_plan_is_made_are_decided_then(together_calls):
    """Inputs all of a known small shape: no group at all, so nothing to check per run;
    a known big input: that op counts as big with no check (a batch is checked per run)."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [20, 1], name="x")
    w1, w2 = tf.Variable(tf.ones([1, 10])), tf.Variable(tf.ones([1, 10]))
    small = [tf.matmul(x, w1), tf.matmul(x, w2)]
    a = tf.placeholder(tf.float32, [300, 300], name="a")  # 360 KB
    big = [tf.matmul(a, a, name="q1"), tf.matmul(a, a, name="q2")]
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2))
    sess.run(tf.global_variables_initializer())
    assert "together" not in sess.plan_source(small, {x: 0})
    source = sess.plan_source(big, {a: 0})
    assert "few_big_inputs" not in source and "= together" in source
    value = np.ones((300, 300), np.float32)
    r1, r2 = sess.run(big, {a: value})
    assert together_calls == [2] and np.array_equal(r1, value @ value) and np.array_equal(r2, r1)


def test_a_batch_is_sized_per_run_even_beside_a_known_small_weight(together_calls):
    """A convolution's gradient looks at its batch-sized input, not at its (known) filter."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 16, 16, 8], name="x")
    y = tf.layers.conv2d(x, 8, 3, padding="SAME", name="conv")
    grads = tf.gradients(tf.reduce_sum(y), [x] + tf.trainable_variables())
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2))
    sess.run(tf.global_variables_initializer())
    assert "if few_big_inputs(2, " in sess.plan_source(grads, {x: 0})
    sess.run(grads, {x: np.ones((2, 16, 16, 8), np.float32)})
    assert not together_calls
    sess.run(grads, {x: np.ones((64, 16, 16, 8), np.float32)})  # 512 KB
    assert together_calls == [3]
