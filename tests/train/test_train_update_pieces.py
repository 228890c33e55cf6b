"""The Apply* kernels on big and mid-sized variables: cut into pieces (on the session's pool when
big), the same bits as the whole-array formula, for any thread count, in place only where nobody
can see it, and then with no new arrays at all."""
import tracemalloc

import numpy as np
import pytest

import teachflow as tf
from teachflow.train import update_ops

OPTIMIZERS = {
    "sgd": lambda: tf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: tf.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "adam": lambda: tf.train.AdamOptimizer(0.01),
    "rmsprop": lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5),
    "centered": lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.1),
}
BIG = (800, 700)    # 2.2 MB of float32: in pieces on the pool
MID = (260, 260)    # 270 KB: in pieces for Adam and RMSProp (one, or a few on the caller's thread)
SMALL = (7, 5)
MANY_PASSES = ["adam", "centered", "rmsprop"]  # (pieces_scale 1; the others from 8× the bytes)


def cases(names=sorted(OPTIMIZERS)):
    """(optimizer, shape) pairs: every rule on a big variable, the many-pass ones also on a mid one."""
    return ([pytest.param(n, BIG, id=f"{n}-big") for n in names]
            + [pytest.param(n, MID, id=f"{n}-mid") for n in names if n in MANY_PASSES])


def train(make, shape, steps=3, config=None, dtype=np.float32, hold=False):
    """``steps`` updates of one variable by fed gradients, fetching only the train op (so the
    kernel may write in place) or, with ``hold``, also the variable and slots, kept (so it must
    write new arrays); returns the variable and its slots, as copies."""
    rng = np.random.default_rng(0)
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(rng.standard_normal(shape).astype(dtype), name="w")
        grad = tf.placeholder(dtype, shape)
        opt = make()
        step = opt.apply_gradients([(grad, w)])
        tensors = [w] + [opt.get_slot(w, n) for n in opt.get_slot_names()]
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            held = []
            for _ in range(steps):
                feed = {grad: rng.standard_normal(shape).astype(dtype)}
                held.append(sess.run([step] + tensors, feed) if hold else sess.run(step, feed))
            return [v.copy() for v in sess.run(tensors)]


@pytest.fixture
def whole(monkeypatch):
    """Run ``train`` with every variable on the whole-array formula (the path before pieces)."""
    def run(*args, **kw):
        with monkeypatch.context() as m:
            m.setattr(update_ops, "PIECES_MIN_BYTES", float("inf"))
            return train(*args, **kw)
    return run


@pytest.fixture
def pieced(monkeypatch):
    """How many updates ran in pieces (fails a test when one fell back to the whole formula)."""
    runs = []
    original = update_ops._Apply._in_pieces

    def spy(*args):
        out = original(*args)
        assert out is not None, "the pieced kernel refused values it should take"
        runs.append(args[0].type)
        return out
    monkeypatch.setattr(update_ops._Apply, "_in_pieces", spy)
    return runs


@pytest.mark.parametrize("hold", [False, True], ids=["in place", "new arrays"])
@pytest.mark.parametrize("name,shape", cases())
def test_a_variable_in_pieces_gets_the_bits_of_the_whole_formula(whole, pieced, name, hold, shape):
    pieces = train(OPTIMIZERS[name], shape, hold=hold)
    assert len(pieced) == 3 and pieces[0].nbytes >= update_ops.PIECES_MIN_BYTES
    for a, b in zip(pieces, whole(OPTIMIZERS[name], shape)):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_pieces_on_several_threads_give_the_same_values(whole, pieced, monkeypatch, name):
    """A small variable forced into tiny pieces, on 1 and on 3 threads: the very same bits,
    and those of the whole formula (float64 too)."""
    plain = whole(OPTIMIZERS[name], SMALL, dtype=np.float64)
    monkeypatch.setattr(update_ops, "PIECES_MIN_BYTES", 0)
    monkeypatch.setattr(update_ops, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(update_ops.threads, "PIECE_BYTES", 64)          # pieces of a few elements
    monkeypatch.setattr(update_ops.threads, "PARALLEL_MIN_BYTES", 0)    # all "worth" the threads
    monkeypatch.setattr(update_ops.threads, "blas_threads", lambda: 1)
    one = train(OPTIMIZERS[name], SMALL, config=tf.ConfigProto(intra_op_parallelism_threads=1),
                dtype=np.float64)
    three = train(OPTIMIZERS[name], SMALL, config=tf.ConfigProto(intra_op_parallelism_threads=3),
                  dtype=np.float64)
    assert len(pieced) == 6 and len(update_ops.threads.pieces(35, 35 * 8 * 2, None)) > 3
    for a, b, c in zip(one, three, plain):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("name,shape", cases())
def test_an_update_in_place_allocates_no_arrays(name, shape):
    """A training step that writes in place uses its thread's scratch stretches, kept from the
    steps before: no temporaries (the whole formula's peak is several variables' worth)."""
    rng = np.random.default_rng(1)
    with tf.Graph().as_default():
        w = tf.Variable(rng.standard_normal(shape).astype(np.float32))
        g = tf.placeholder(tf.float32, shape)
        step = OPTIMIZERS[name]().apply_gradients([(g, w)])
        config = tf.ConfigProto(intra_op_parallelism_threads=1)  # (a pool thread keeps its own)
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            x = rng.standard_normal(shape).astype(np.float32)
            peaks = []
            for limit in (update_ops.PIECES_MIN_BYTES, float("inf")):  # pieces, whole formula
                with pytest.MonkeyPatch.context() as m:
                    m.setattr(update_ops, "PIECES_MIN_BYTES", limit)
                    sess.run(step, {g: x})
                    sess.run(step, {g: x})  # (the initial values were shared: new arrays once)
                    tracemalloc.start()
                    try:
                        sess.run(step, {g: x})
                        peaks.append(tracemalloc.get_traced_memory()[1])
                    finally:
                        tracemalloc.stop()
    nbytes = np.prod(shape) * 4
    assert peaks[0] < nbytes / 20, f"the pieced update allocated {peaks[0]} bytes"
    assert peaks[1] >= nbytes  # the measure sees the whole formula's temporaries


@pytest.mark.parametrize("name,shape", [("adam", SMALL), ("adam", (250, 250)),
                                        ("momentum", MID), ("adagrad", (700, 700))])
def test_small_variables_keep_the_whole_formula(monkeypatch, name, shape):
    """Below PIECES_MIN_BYTES (× 8 for the rules of few passes) the kernel never reaches the
    pieced path."""
    def boom(*args):
        raise AssertionError("pieced path taken for a small variable")
    monkeypatch.setattr(update_ops._Apply, "_in_pieces", boom)
    assert len(train(OPTIMIZERS[name], shape)) == {"adam": 3, "momentum": 2, "adagrad": 2}[name]


def _adam_model(shape):
    w = tf.Variable(np.ones(shape, np.float32), name="w")
    loss = tf.reduce_sum(tf.square(w - 3.0))
    opt = tf.train.AdamOptimizer(0.1)
    return w, opt.get_slot, opt.minimize(loss)


@pytest.mark.parametrize("shape", [BIG, MID], ids=["big", "mid"])
def test_values_fetched_before_a_step_do_not_change(shape):
    """``sess.run(w)`` hands out the stored array itself: an update must not write into it,
    nor into a fetched view of it, a slot, or a ``fork`` snapshot (the step-through's undo)."""
    with tf.Graph().as_default():
        w, slot, step = _adam_model(shape)
        flat = tf.reshape(w, [-1])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)
            held = [sess.run(w), sess.run(flat), sess.run(slot(w, "m")), sess.run(slot(w, "v"))]
            copies = [a.copy() for a in held]
            snapshot = sess.state.fork()
            kept = snapshot.values[w].copy()
            after_run = sess.run([step, w])[1]  # the value read after the update, in one run
            sess.run(step)
            for a, b in zip(held, copies):
                np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(snapshot.values[w], kept)
            assert not np.array_equal(after_run, sess.run(w))  # the fetched one stayed as it was
            sess.state.restore(snapshot)
            np.testing.assert_array_equal(sess.run(w), kept)


@pytest.mark.parametrize("shape", [BIG, MID], ids=["big", "mid"])
def test_an_update_nobody_else_sees_is_made_in_place(shape):
    """When the session's dict holds the only reference, the pieced kernel writes into the
    stored arrays (no new 3-array allocation per step); the values are still the formula's."""
    with tf.Graph().as_default():
        w, slot, step = _adam_model(shape)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)  # the initial values may be shared (the initializer's result)
            values = sess.state.values
            ids = [id(values[v]) for v in (w, slot(w, "m"), slot(w, "v"))]
            sess.run(step)
            assert [id(values[v]) for v in (w, slot(w, "m"), slot(w, "v"))] == ids
            held = sess.run(w)
            sess.run(step)
            assert values[w] is not held  # now shared: a new array


def test_step_through_shows_before_and_after_of_a_big_update():
    """The stepped driver records (before, after) of each write: two different arrays, the
    before one unchanged by the update."""
    with tf.Graph().as_default():
        w, slot, step = _adam_model(BIG)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)
            start = sess.run(w).copy()
            plan = sess.plan(step)
            writes = [s.writes for s in plan.steps({}) if s.op.type == "ApplyAdam"][0]
            before, after = writes[w]
            np.testing.assert_array_equal(before, start)
            assert not np.array_equal(after, start)
            np.testing.assert_array_equal(after, sess.run(w))


def test_a_transposed_gradient_in_pieces_gets_the_bits_of_the_whole_formula(whole, pieced):
    """A gradient that is not contiguous (here fed as a transposed array) is read through a
    copy; the values are those of the whole formula."""
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal(BIG).astype(np.float32)
    grads = [np.asfortranarray(rng.standard_normal(BIG).astype(np.float32)) for _ in range(2)]
    assert not grads[0].flags.c_contiguous

    def run():
        with tf.Graph().as_default():
            w = tf.Variable(w0)
            g = tf.placeholder(tf.float32, BIG)
            opt = tf.train.AdamOptimizer(0.01)
            step = opt.apply_gradients([(g, w)])
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for x in grads:
                    sess.run(step, {g: x})
                return [v.copy() for v in sess.run([w, opt.get_slot(w, "m"), opt.get_slot(w, "v")])]
    got = run()
    assert len(pieced) == 2
    with pytest.MonkeyPatch.context() as m:
        m.setattr(update_ops, "PIECES_MIN_BYTES", float("inf"))
        for a, b in zip(got, run()):
            np.testing.assert_array_equal(a, b)


def test_uninitialized_slots_of_a_big_variable_are_the_usual_error():
    with tf.Graph().as_default():
        w, slot, step = _adam_model(BIG)
        with tf.Session() as sess:
            sess.run([v.initializer for v in tf.global_variables() if "Adam" not in v.op.name])
            with pytest.raises(tf.errors.FailedPreconditionError, match="w/Adam"):
                sess.run(step)


def test_a_weakly_referenced_value_is_not_overwritten():
    """Conv2D leaves its im2col matrix for Conv2DBackpropFilter keyed by a weak reference to
    its input X (``ops/windows.py``). When X is a trained variable and a later run takes that
    matrix without the forward pass (the conv's output fed), an update written into X's array
    would leave a matrix of the old X behind the same object: the update makes a new array."""
    rng = np.random.default_rng(6)
    with tf.Graph().as_default():
        img = tf.Variable(rng.standard_normal((2, 128, 128, 16)).astype(np.float32))  # 2 MB
        w = tf.Variable(rng.standard_normal((3, 3, 16, 4)).astype(np.float32))
        y = tf.nn.conv2d(img, w, [1, 1, 1, 1], "SAME")
        loss = tf.reduce_sum(tf.square(y))
        step = tf.train.AdamOptimizer(0.5).minimize(loss, var_list=[img])
        grad_w = tf.gradients(loss, w)[0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            y_value = sess.run(y)      # the forward pass leaves im2col(X) behind
            sess.run(step)             # forward (leaves it again), ∂L/∂X, the update of X
            first = sess.run(grad_w, {y: y_value})   # ∂L/∂W without the forward pass
            again = sess.run(grad_w, {y: y_value})   # nothing left now: im2col of today's X
            np.testing.assert_array_equal(first, again)
