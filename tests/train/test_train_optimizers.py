"""tf.train optimizers against TF1's update rules, slots, names, global step and schedules.

Every update rule is checked over several steps against a NumPy transcription of TF1's
kernel (training_ops.cc), on float64 variables with a tight tolerance, so a wrong initial slot
value, a missing bias correction or a misplaced momentum term shows up at once.
"""
import numpy as np
import pytest

import teachflow as tf

RTOL, ATOL = 1e-11, 1e-13
STEPS = 4

# least squares with a bias: loss = ½·Σ(X·W + b − Y)²
X = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.0], [2.0, 0.1, 0.4], [-0.7, 1.5, 1.2]])
Y = np.array([[1.0, 0.0], [-1.0, 2.0], [0.5, 0.5], [3.0, -1.0]])
W0 = np.array([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.6]])
B0 = np.array([0.1, -0.2])


@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


def numpy_grads(params):
    w, b = params
    r = X @ w + b - Y
    return [X.T @ r, r.sum(axis=0)]


def build_model():
    w = tf.Variable(W0, name="w")
    b = tf.Variable(B0, name="b")
    pred = tf.matmul(tf.constant(X), w) + b
    loss = 0.5 * tf.reduce_sum(tf.square(pred - tf.constant(Y)))
    return w, b, loss


def train_teachflow(opt, steps=STEPS):
    w, b, loss = build_model()
    train = opt.minimize(loss)
    out = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
            out.append(sess.run([w, b]))
    return out


def train_numpy(update, state, steps=STEPS):
    """``update(param, grad, state_of_param, t)`` -> new param (state updated in place)."""
    params, out = [W0.copy(), B0.copy()], []
    for t in range(1, steps + 1):
        grads = numpy_grads(params)
        params = [update(p, g, s, t) for p, g, s in zip(params, grads, state)]
        out.append([p.copy() for p in params])
    return out


def assert_same_trajectory(got, want):
    for step, (g, w) in enumerate(zip(got, want), 1):
        for name, a, b in zip("wb", g, w):
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"{name} after step {step}")
    # the trajectory really moves (a test with a zero gradient could not fail)
    assert not np.allclose(got[-1][0], W0)


# --------------------------------------------------------------------------- update rules
def test_gradient_descent_formula(graph):
    lr = 0.05

    def update(w, g, s, t):
        return w - lr * g
    assert_same_trajectory(train_teachflow(tf.train.GradientDescentOptimizer(lr)),
                           train_numpy(update, [{}, {}]))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_formula(graph, nesterov):
    lr, mu = 0.05, 0.9

    def update(w, g, s, t):
        s["a"] = mu * s.get("a", 0.0) + g                       # accum starts at 0
        return w - lr * (g + mu * s["a"]) if nesterov else w - lr * s["a"]
    got = train_teachflow(tf.train.MomentumOptimizer(lr, mu, use_nesterov=nesterov))
    assert_same_trajectory(got, train_numpy(update, [{}, {}]))


def test_nesterov_differs_from_heavy_ball(graph):
    plain = train_teachflow(tf.train.MomentumOptimizer(0.05, 0.9))
    nest = train_teachflow(tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True))
    assert not np.allclose(plain[1][0], nest[1][0])


def test_adam_formula_with_bias_correction(graph):
    lr, b1, b2, eps = 0.02, 0.8, 0.95, 1e-7

    def update(w, g, s, t):
        m = s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)    # beta powers b^t at step t
        return w - lr_t * m / (np.sqrt(v) + eps)
    opt = tf.train.AdamOptimizer(lr, b1, b2, eps)
    assert_same_trajectory(train_teachflow(opt), train_numpy(update, [{}, {}]))


def test_adam_beta_powers_advance_once_per_step(graph):
    w, b, loss = build_model()
    opt = tf.train.AdamOptimizer(0.01, beta1=0.8, beta2=0.95)
    train = opt.minimize(loss)
    b1p, b2p = opt._get_beta_accumulators()
    assert (b1p.op.name, b2p.op.name) == ("beta1_power", "beta2_power")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run([b1p, b2p]), [0.8, 0.95], rtol=1e-15)
        for _ in range(3):          # two variables, but the powers move once per run
            sess.run(train)
        np.testing.assert_allclose(sess.run([b1p, b2p]), [0.8 ** 4, 0.95 ** 4], rtol=1e-14)


def test_rmsprop_formula_ms_starts_at_one(graph):
    lr, rho, mu, eps = 0.01, 0.9, 0.5, 1e-10

    def update(w, g, s, t):
        ms = s["ms"] = rho * s.get("ms", 1.0) + (1 - rho) * g * g   # TF1: ms starts at 1
        mom = s["mom"] = mu * s.get("mom", 0.0) + lr * g / np.sqrt(ms + eps)
        return w - mom
    opt = tf.train.RMSPropOptimizer(lr, decay=rho, momentum=mu, epsilon=eps)
    assert_same_trajectory(train_teachflow(opt), train_numpy(update, [{}, {}]))


def test_centered_rmsprop_formula(graph):
    lr, rho, mu, eps = 0.01, 0.8, 0.3, 1e-6

    def update(w, g, s, t):
        mg = s["mg"] = rho * s.get("mg", 0.0) + (1 - rho) * g
        ms = s["ms"] = rho * s.get("ms", 1.0) + (1 - rho) * g * g
        mom = s["mom"] = mu * s.get("mom", 0.0) + lr * g / np.sqrt(ms - mg * mg + eps)
        return w - mom
    opt = tf.train.RMSPropOptimizer(lr, decay=rho, momentum=mu, epsilon=eps, centered=True)
    assert_same_trajectory(train_teachflow(opt), train_numpy(update, [{}, {}]))


@pytest.mark.parametrize("init", [0.1, 2.5])
def test_adagrad_formula(graph, init):
    lr = 0.3

    def update(w, g, s, t):
        a = s["a"] = s.get("a", init) + g * g
        return w - lr * g / np.sqrt(a)
    kwargs = {} if init == 0.1 else {"initial_accumulator_value": init}   # 0.1 is TF1's default
    got = train_teachflow(tf.train.AdagradOptimizer(lr, **kwargs))
    assert_same_trajectory(got, train_numpy(update, [{}, {}]))


def test_adagrad_rejects_nonpositive_accumulator():
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_float32_variables_train_in_float32(graph):
    w = tf.Variable(np.float32([1.0, -2.0]), name="w")
    train = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(tf.square(w)))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        value = sess.run(w)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, [0.9, -1.9], rtol=1e-6)   # Adam's first step is ±lr


# --------------------------------------------------------------------------- slots
def slot_names(opt, var):
    return {name: opt.get_slot(var, name).op.name for name in opt.get_slot_names()}


@pytest.mark.parametrize("make, expected", [
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), {"momentum": "w/Momentum"}),
    (lambda: tf.train.AdamOptimizer(0.1), {"m": "w/Adam", "v": "w/Adam_1"}),
    (lambda: tf.train.RMSPropOptimizer(0.1), {"rms": "w/RMSProp", "momentum": "w/RMSProp_1"}),
    (lambda: tf.train.RMSPropOptimizer(0.1, centered=True),
     {"rms": "w/RMSProp", "mg": "w/RMSProp_1", "momentum": "w/RMSProp_2"}),
    (lambda: tf.train.AdagradOptimizer(0.1), {"accumulator": "w/Adagrad"}),
    (lambda: tf.train.GradientDescentOptimizer(0.1), {}),
])
def test_slot_variables_are_named_as_in_tf1(graph, make, expected):
    w = tf.Variable(np.ones(3), name="w")
    opt = make()
    opt.minimize(tf.reduce_sum(w * w))
    assert slot_names(opt, w) == expected
    assert opt.get_slot_names() == sorted(expected)
    assert opt.get_slot(w, "no such slot") is None


def test_slot_names_follow_optimizer_name_and_variable_scope(graph):
    with tf.variable_scope("layer"):
        k = tf.get_variable("kernel", [2], tf.float64)
    opt = tf.train.AdamOptimizer(0.1, name="MyAdam")
    train = opt.minimize(tf.reduce_sum(k * k))
    assert slot_names(opt, k) == {"m": "layer/kernel/MyAdam", "v": "layer/kernel/MyAdam_1"}
    assert train.name == "MyAdam"
    assert graph.get_operation_by_name("MyAdam/update_layer/kernel/ApplyAdam").type == "ApplyAdam"


def test_slot_initial_values(graph):
    w = tf.Variable(np.array([[1.0, 2.0]]), name="w")
    loss = tf.reduce_sum(w * w)
    rms = tf.train.RMSPropOptimizer(0.1, centered=True)
    ada = tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.25)
    adam = tf.train.AdamOptimizer(0.1)
    for opt in (rms, ada, adam):
        opt.minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run({"rms": rms.get_slot(w, "rms"), "mg": rms.get_slot(w, "mg"),
                        "mom": rms.get_slot(w, "momentum"), "acc": ada.get_slot(w, "accumulator"),
                        "m": adam.get_slot(w, "m"), "v": adam.get_slot(w, "v")})
    want = {"rms": 1.0, "mg": 0.0, "mom": 0.0, "acc": 0.25, "m": 0.0, "v": 0.0}
    for k, v in want.items():
        assert got[k].shape == (1, 2) and got[k].dtype == np.float64, k
        np.testing.assert_array_equal(got[k], np.full((1, 2), v), err_msg=k)


def test_slots_are_global_not_trainable(graph):
    w, b, loss = build_model()
    opt = tf.train.AdamOptimizer(0.1)
    opt.minimize(loss)
    slots = opt.variables()
    assert sorted(v.op.name for v in slots) == [
        "b/Adam", "b/Adam_1", "beta1_power", "beta2_power", "w/Adam", "w/Adam_1"]
    global_vars = tf.global_variables()
    for v in slots:
        assert any(v is g for g in global_vars), v.op.name
        assert not any(v is t for t in tf.trainable_variables()), v.op.name
        assert not v.trainable
    assert [v.op.name for v in tf.trainable_variables()] == ["w", "b"]


def test_optimizer_created_after_initializer_run_says_so(graph):
    w = tf.Variable(np.ones(2), name="w")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(tf.reduce_sum(w * w))
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match=r"w/Momentum.*global_variables_initializer"):
            sess.run(train)


# --------------------------------------------------------------------------- names and the train op
def test_train_op_names_without_global_step(graph):
    w, b, loss = build_model()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert train.name == "GradientDescent" and train.type == "NoOp"
    for var in ("w", "b"):
        op = graph.get_operation_by_name(f"GradientDescent/update_{var}/ApplyGradientDescent")
        assert op.type == "ApplyGradientDescent"
        assert op.inputs[0].op.name == var
    second = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert second.name == "GradientDescent_1"
    named = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    assert named.name == "train"
    assert graph.get_operation_by_name("train/update_w/ApplyGradientDescent")
    assert graph.get_collection(tf.GraphKeys.TRAIN_OP) == [train, second, named]


def test_train_op_names_with_global_step(graph):
    w, b, loss = build_model()
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    assert train.name == "Adam" and train.type == "AssignAdd"
    assert train.inputs[0] is step
    update = graph.get_operation_by_name("Adam/update")
    assert update in train.control_inputs
    for var in ("w", "b"):
        assert graph.get_operation_by_name(f"Adam/update_{var}/ApplyAdam").type == "ApplyAdam"


def test_global_step_increments_once_per_run(graph):
    w, b, loss = build_model()
    step = tf.train.get_or_create_global_step()
    train = tf.train.MomentumOptimizer(0.01, 0.9).minimize(loss, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(step) == 0
        for i in range(1, 4):
            sess.run(train)
            assert sess.run(step) == i
        sess.run([train, train, loss])      # one run, one step, even if fetched twice
        assert sess.run(step) == 4
        assert sess.run(step).dtype == np.int64


def test_classic_hand_made_global_step_variable(graph):
    w, b, loss = build_model()
    step = tf.Variable(0, trainable=False, name="global_step")    # int32, as in old tutorials
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=step)
    assert tf.train.get_global_step() is step
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        sess.run(train)
        assert sess.run(step) == 2


def test_var_list_restricts_updates_and_slots(graph):
    w, b, loss = build_model()
    opt = tf.train.AdamOptimizer(0.1)
    train = opt.minimize(loss, var_list=[b])
    assert opt.get_slot(w, "m") is None and opt.get_slot(b, "m") is not None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        wv, bv = sess.run([w, b])
    np.testing.assert_array_equal(wv, W0)
    assert not np.allclose(bv, B0)


def test_compute_then_apply_gradients_with_clipping(graph):
    w, b, loss = build_model()
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss)
    assert [v for _, v in gv] == [w, b]
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in gv]
    train = opt.apply_gradients(clipped)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        wv, bv = sess.run([w, b])
    gw, gb = numpy_grads([W0, B0])
    np.testing.assert_allclose(wv, W0 - 0.1 * np.clip(gw, -1, 1), rtol=1e-14)
    np.testing.assert_allclose(bv, B0 - 0.1 * np.clip(gb, -1, 1), rtol=1e-14)


def test_variable_without_gradient_is_skipped(graph):
    w, b, loss = build_model()
    unused = tf.Variable(np.ones(2), name="unused")
    opt = tf.train.AdamOptimizer(0.1)
    gv = opt.compute_gradients(loss)
    assert [(g is None, v.op.name) for g, v in gv] == [(False, "w"), (False, "b"), (True, "unused")]
    opt.apply_gradients(gv)
    assert opt.get_slot(unused, "m") is None
    assert graph.get_collection(tf.GraphKeys.TRAIN_OP)


def test_no_gradient_for_any_variable_is_an_error(graph):
    w = tf.Variable(np.ones(2), name="w")
    other = tf.Variable(np.ones(2), name="other")
    loss = tf.reduce_sum(other * other)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*\['w'\]"):
        tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[w])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        tf.train.AdamOptimizer(0.1).apply_gradients([(None, w)])


def test_no_variables_is_an_error(graph):
    with pytest.raises(ValueError, match="No variables to optimize"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0))


def test_swapped_pairs_are_a_clear_error(graph):
    w = tf.Variable(np.ones(2), name="w")
    g = tf.gradients(tf.reduce_sum(w * w), [w])[0]
    with pytest.raises(TypeError, match="not a tf.Variable"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(w, g)])


# --------------------------------------------------------------------------- learning rates
def test_learning_rate_placeholder(graph):
    w, b, loss = build_model()
    lr = tf.placeholder(tf.float32, [], name="lr")       # float32 rate, float64 variables
    train = tf.train.MomentumOptimizer(lr, 0.5).minimize(loss)
    rates = [0.1, 0.01, 0.05]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for r in rates:
            sess.run(train, feed_dict={lr: r})
        got = sess.run([w, b])
        with pytest.raises(tf.errors.InvalidArgumentError, match="lr"):
            sess.run(train)                 # the rate must be fed

    params, acc = [W0.copy(), B0.copy()], [0.0, 0.0]
    for r in rates:
        r = float(np.float32(r))
        grads = numpy_grads(params)
        acc = [0.5 * a + g for a, g in zip(acc, grads)]
        params = [p - r * a for p, a in zip(params, acc)]
    for a, b_ in zip(got, params):
        np.testing.assert_allclose(a, b_, rtol=RTOL, atol=ATOL)


def test_exponential_decay_values_and_name(graph):
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, step, decay_steps=3, decay_rate=0.5)
    stair = tf.train.exponential_decay(0.1, step, 3, 0.5, staircase=True)
    assert lr.op.name == "ExponentialDecay" and stair.op.name == "ExponentialDecay_1"
    assert lr.dtype == tf.float32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for s in range(8):
            step.load(s, sess)
            got, got_stair = sess.run([lr, stair])
            np.testing.assert_allclose(got, 0.1 * 0.5 ** (s / 3), rtol=1e-6)
            np.testing.assert_allclose(got_stair, 0.1 * 0.5 ** (s // 3), rtol=1e-6)
    with pytest.raises(ValueError, match="global_step is required"):
        tf.train.exponential_decay(0.1, None, 3, 0.5)


def test_decaying_learning_rate_follows_the_global_step(graph):
    w = tf.Variable(np.array([1.0, -1.0]), name="w")
    loss = tf.reduce_sum(w * w)
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, step, 1, 0.5, staircase=True)
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        got = sess.run(w)
    want = np.array([1.0, -1.0])
    for s in range(3):                      # the rate is read before the step moves
        rate = float(np.float32(0.1) * np.float32(0.5) ** np.float32(s))
        want = want - rate * 2 * want
    np.testing.assert_allclose(got, want, rtol=1e-12)


# --------------------------------------------------------------------------- global step helpers
def test_get_or_create_global_step(graph):
    assert tf.train.get_global_step() is None
    step = tf.train.get_or_create_global_step()
    assert step is tf.train.get_or_create_global_step() is tf.train.get_global_step()
    assert step.name == "global_step:0" and step.dtype == tf.int64 and step.shape.as_list() == []
    assert not step.trainable
    assert step in graph.get_collection(tf.GraphKeys.GLOBAL_STEP)
    assert any(v is step for v in tf.global_variables())
    assert not any(v is step for v in tf.trainable_variables())
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()


def test_global_step_is_created_at_the_root_of_any_scope(graph):
    with tf.name_scope("model"):
        step = tf.train.get_or_create_global_step()
    assert step.op.name == "global_step"


# --------------------------------------------------------------------------- sessions and graphs
def test_two_sessions_keep_separate_optimizer_state(graph):
    w, b, loss = build_model()
    opt = tf.train.MomentumOptimizer(0.05, 0.9)
    train = opt.minimize(loss)
    mom = opt.get_slot(w, "momentum")
    s1, s2 = tf.Session(), tf.Session()
    for s in (s1, s2):
        s.run(tf.global_variables_initializer())
    for _ in range(3):
        s1.run(train)
    s2.run(train)
    lr, mu = 0.05, 0.9

    def update(p, g, s, t):
        s["a"] = mu * s.get("a", 0.0) + g
        return p - lr * s["a"]
    want = train_numpy(update, [{}, {}], steps=3)
    np.testing.assert_allclose(s1.run(w), want[2][0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(s2.run(w), want[0][0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(s2.run(mom), numpy_grads([W0, B0])[0], rtol=RTOL)
    assert not np.allclose(s1.run(mom), s2.run(mom))
    s1.close()
    s2.close()


def test_one_optimizer_object_in_two_graphs():
    opt = tf.train.AdamOptimizer(0.1)
    results = []
    for _ in range(2):
        g = tf.Graph()
        with g.as_default():
            w = tf.Variable(np.array([1.0, 2.0]), name="w")
            train = opt.minimize(tf.reduce_sum(w * w))
            names = sorted(v.op.name for v in opt.variables())
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(train)
                results.append(sess.run(w))
        assert names == ["beta1_power", "beta2_power", "w/Adam", "w/Adam_1"]
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_allclose(results[0], [0.9, 1.9], rtol=1e-6)   # first Adam step: ±lr


def test_minimize_under_control_dependencies_keeps_initializer_free(graph):
    """The batch-norm pattern: minimize inside control_dependencies(UPDATE_OPS). The slots'
    initializers must not depend on those ops (they would need the batch fed)."""
    x = tf.placeholder(tf.float64, [None], name="x")
    seen = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="seen")
    w = tf.Variable(np.array([1.0, 2.0]), name="w")
    update_seen = tf.assign_add(seen, tf.reduce_sum(x))
    with tf.control_dependencies([update_seen]):
        train = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w * w) * tf.reduce_sum(x),
                                                     global_step=tf.train.get_or_create_global_step())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())      # no feed needed
        sess.run(train, {x: [1.0, 2.0]})
        assert sess.run(seen) == 3.0


def test_slots_and_updates_are_colocated_with_their_variable(graph):
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(np.ones(2), name="w")
    with tf.device("/job:worker/task:0"):
        opt = tf.train.AdamOptimizer(0.1)
        opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot(w, "m").device == "/job:ps/task:0"
    assert opt.get_slot(w, "v").device == "/job:ps/task:0"
    assert graph.get_operation_by_name("Adam/update_w/ApplyAdam").device == "/job:ps/task:0"


@pytest.mark.parametrize("make", [
    lambda: tf.train.GradientDescentOptimizer(0.1), lambda: tf.train.MomentumOptimizer(0.1, 0.9),
    lambda: tf.train.AdamOptimizer(0.1), lambda: tf.train.RMSPropOptimizer(0.1),
    lambda: tf.train.AdagradOptimizer(0.1)])
def test_every_optimizer_trains_a_scalar_variable(make):
    tf.reset_default_graph()
    w = tf.Variable(3.0)
    train = make().minimize(tf.square(w))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(3):
            s.run(train)
        value = s.run(w)
    assert np.ndim(value) == 0 and abs(value) < 3.0
