"""Every mistake named: silently wrong graphs and raw internal errors of the engine's API
become errors naming the op or argument with what was expected; NaN/inf are caught where they
are born (tf.check_numerics) or named after the fact (the session's warning)."""
import warnings

import numpy as np
import pytest

import teachflow as tf
from teachflow.core.numerics import NonFiniteWarning


pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def run(fetch, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetch, feed)


def other_graph_gradient():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a_elsewhere")
    return tf.gradients(tf.constant(2.0) * 2.0, a)


def feed_uint8(value):
    p = tf.placeholder(tf.uint8, [2], name="pixels")
    return run(p, {p: value})


# (label, the mistake, error type, words the message must contain)
CASES = [
    # silently wrong graphs, now errors
    ("add None", lambda: tf.add(tf.constant(1.0), None), ValueError, ["Add", "None"]),
    ("constant None", lambda: tf.constant(None), ValueError, ["None"]),
    ("mse [5] vs [5,1]", lambda: tf.losses.mean_squared_error(tf.zeros([5]), tf.zeros([5, 1])),
     ValueError, ["mean_squared_error", "[5,1]", "[5]"]),
    ("conv2d kernel_size=0", lambda: tf.layers.conv2d(tf.zeros([1, 4, 4, 1]), 2, 0), ValueError,
     ["conv2d", "kernel_size", "0"]),
    ("one_hot depth -3", lambda: tf.one_hot([1, 2], -3), ValueError, ["one_hot", "depth", "-3"]),
    ("assign non-variable", lambda: tf.assign(tf.constant(1.0), 2.0), TypeError,
     ["Assign", "tf.Variable", "Const:0"]),
    ("gradients other graph", other_graph_gradient, ValueError, ["a_elsewhere:0", "another graph"]),
    ("argmax of scalar", lambda: tf.argmax(tf.constant(1.0), 0), ValueError, ["argmax", "scalar"]),
    ("feed -1 into uint8 (list)", lambda: feed_uint8([-1, 3]), tf.errors.InvalidArgumentError,
     ["pixels:0", "uint8"]),
    ("feed -1 into uint8 (array)", lambda: feed_uint8(np.array([-1, 3])),
     tf.errors.InvalidArgumentError, ["pixels:0", "[-1, 3]", "uint8"]),
    ("reshape [1.5, 8]", lambda: tf.reshape(tf.zeros([2, 4]), [1.5, 8]), TypeError,
     ["tf.reshape", "1.5"]),
    ("add_n of different ranks", lambda: tf.add_n([tf.zeros([2, 4]), tf.zeros([3])]), ValueError,
     ["AddN", "[2,4]", "[3]"]),
    ("integer floordiv by 0", lambda: run(tf.floordiv(tf.constant([3]), tf.constant([0]))),
     tf.errors.InvalidArgumentError, ["Integer division by zero", "FloorDiv"]),
    ("tf.div of integers by 0", lambda: run(tf.div(tf.constant([3]), 0)),
     tf.errors.InvalidArgumentError, ["Integer division by zero"]),
    ("integer mod by 0", lambda: run(tf.mod(tf.constant([3]), tf.constant([0]))),
     tf.errors.InvalidArgumentError, ["Integer division by zero", "FloorMod"]),
    # raw internal errors, now clear
    ("range delta 0", lambda: tf.range(0, 10, 0), ValueError, ["tf.range", "delta"]),
    ("range of 10**12", lambda: tf.range(10 ** 12), ValueError, ["tf.range", "at most"]),
    ("concat []", lambda: tf.concat([], 0), ValueError, ["tf.concat", "empty"]),
    ("x[..., ..., 0]", lambda: tf.zeros([2, 3])[..., ..., 0], ValueError, ["ellipses"]),
    ("reduce_sum axis=1.5", lambda: tf.reduce_sum(tf.zeros([2, 3]), axis=1.5), TypeError,
     ["reduce_sum", "axis", "1.5"]),
    ("dense units='10'", lambda: tf.layers.dense(tf.zeros([2, 3]), units="10"), TypeError,
     ["dense", "units", "'10'"]),
    ("conv2d filters=-4", lambda: tf.layers.conv2d(tf.zeros([1, 4, 4, 1]), -4, 3), ValueError,
     ["conv2d", "filters", "-4"]),
    ("get_variable shape [None, 3]", lambda: tf.get_variable("w", [None, 3]), ValueError,
     ["(w)", "fully defined", "[?,3]"]),
    ("get_variable([None, 3])", lambda: tf.get_variable([None, 3]), TypeError,
     ["get_variable", "name", "[None, 3]"]),
    ("placeholder shape='abc'", lambda: tf.placeholder(tf.float32, shape="abc"), TypeError,
     ["tf.placeholder", "shape", "'abc'"]),
    ("GradientDescentOptimizer('fast')", lambda: tf.train.GradientDescentOptimizer("fast"),
     TypeError, ["GradientDescentOptimizer", "learning_rate", "'fast'"]),
    ("Adam(beta1=nan)", lambda: tf.train.AdamOptimizer(0.1, beta1=float("nan")), ValueError,
     ["AdamOptimizer", "beta1"]),
    ("minimize an int32 loss",
     lambda: tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(tf.Variable([1, 2]))),
     TypeError, ["loss must be a float tensor", "int32"]),
    ("exponential_decay decay_steps=0",
     lambda: tf.train.exponential_decay(0.1, tf.train.get_or_create_global_step(), 0, 0.9),
     ValueError, ["exponential_decay", "decay_steps", "0"]),
    ("transpose perm='ab'", lambda: tf.transpose(tf.zeros([2, 3]), "ab"), TypeError,
     ["tf.transpose", "perm"]),
    ("expand_dims axis=1.5", lambda: tf.expand_dims(tf.zeros([2]), 1.5), TypeError,
     ["tf.expand_dims", "axis"]),
    ("zeros([-1])", lambda: tf.zeros([-1]), ValueError, ["tf.zeros", "-1"]),
    ("zeros of 10**12 numbers", lambda: tf.zeros([10 ** 6, 10 ** 6]), ValueError,
     ["tf.zeros", "1,000,000,000,000", "at most"]),
    ("cast to None", lambda: tf.cast(tf.zeros([2]), None), TypeError, ["tf.cast", "dtype"]),
    ("ragged constant", lambda: tf.constant([[1], [1, 2]]), ValueError, ["tf.constant", "rectangular"]),
    ("softmax axis=5", lambda: tf.nn.softmax(tf.zeros([2, 3]), axis=5), ValueError,
     ["Softmax", "axis 5", "[2,3]"]),
    ("in_top_k k=-1", lambda: tf.nn.in_top_k(tf.zeros([2, 3]), tf.zeros([2], tf.int32), -1),
     ValueError, ["in_top_k", "k"]),
    ("dropout rate='a'", lambda: tf.nn.dropout(tf.zeros([2]), rate="a"), TypeError,
     ["dropout", "rate"]),
    ("max_pooling2d pool_size=0",
     lambda: tf.layers.max_pooling2d(tf.zeros([1, 4, 4, 1]), 0, 1), ValueError,
     ["max_pooling2d", "pool_size"]),
    ("check_numerics of int", lambda: tf.check_numerics(tf.constant([1]), "m"), ValueError,
     ["check_numerics", "int32"]),
    ("name of the wrong type", lambda: tf.constant(1.0, name=3), TypeError, ["name", "3"]),
]


@pytest.mark.parametrize("make,error,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mistake_is_named(make, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)      # no NumPy warning instead
        with pytest.raises(error) as err:
            make()
    for w in words:
        assert w in str(err.value), f"{w!r} not in: {err.value}"


# --------------------------------------------------------------------------- check_numerics
def test_check_numerics_stops_at_the_first_bad_tensor_with_tf1s_message():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.check_numerics(tf.log(x), "log of x")
    np.testing.assert_allclose(run(y, {x: [1.0, np.e]}), [0.0, 1.0], rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"log of x : Tensor had Inf values .*Log:0"):
        run(y, {x: [0.0, 1.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tensor had Inf and NaN values"):
        run(tf.debugging.check_numerics(tf.log(x), "both"), {x: [0.0, -1.0]})


def test_check_numerics_gradient_is_the_incoming_gradient_itself_checked():
    x = tf.placeholder(tf.float64, [3], name="x")
    y = tf.reduce_sum(tf.square(tf.check_numerics(x * 2.0, "scaled")))
    g = tf.gradients(y, x)[0]
    theory = 8 * np.array([1.0, -2.0, 0.5])          # d/dx sum((2x)^2) = 8x
    np.testing.assert_allclose(run(g, {x: [1.0, -2.0, 0.5]}), theory)
    # numerically, as every op's gradient
    from teachflow.testing import check_gradients
    err = check_gradients(lambda t: tf.check_numerics(tf.sin(t), "m"), [np.array([0.3, -1.2, 2.0])])
    assert err < 1e-6
    # a NaN born in the backward pass is caught with the gradient message
    z = tf.reduce_sum(tf.sqrt(tf.check_numerics(x, "x")))
    gz = tf.gradients(z, x)[0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="detected in gradient. x"):
        run(gz, {x: [0.0, 1.0, 4.0]})


def test_add_check_numerics_ops_checks_every_float_tensor_but_assignments():
    x = tf.placeholder(tf.float32, [2], name="x")
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.reduce_sum(tf.log(w * x), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    check = tf.add_check_numerics_ops()
    assert not [op for op in tf.get_default_graph().get_operations()
                if op.type == "CheckNumerics" and op.inputs[0].op.type in ("Assign", "ApplyGradientDescent")]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([train, check], {x: [1.0, 2.0]})             # finite: runs, and trains
        assert sess.run(w)[0] != 1.0
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"[\w/]+:0 : Tensor had (NaN|Inf)"):
            sess.run([train, check], {x: [0.0, 2.0]})


# --------------------------------------------------------------------------- the session's warning
def test_nan_loss_names_the_op_its_inputs_and_a_cause():
    x = tf.placeholder(tf.float32, [None], name="x")
    p = tf.nn.sigmoid(x, name="prob")
    loss = tf.negative(tf.reduce_mean(tf.log(p, name="logp")), name="loss")
    with tf.Session() as sess:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NonFiniteWarning)
            assert np.isfinite(sess.run(loss, {x: [1.0, 2.0]}))
            assert np.isinf(sess.run(loss, {x: [1.0, -200.0]}))
            sess.run(loss, {x: [1.0, -300.0]})                 # one warning per plan
    mine = [w for w in caught if issubclass(w.category, NonFiniteWarning)]
    assert len(mine) == 1 and not [w for w in caught if "encountered in" in str(w.message)]
    msg = str(mine[0].message)
    for words in ("loss:0", "Log op 'logp'", "prob:0 in [0,", "has zeros", "log of 0"):
        assert words in msg, msg


def test_diverging_training_names_the_overflow_and_the_learning_rate():
    X = np.linspace(0, 10, 50, dtype=np.float32)[:, None]
    xp = tf.placeholder(tf.float32, [None, 1], name="x")
    w = tf.Variable([[0.0]], name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(xp, w) - 3 * X), name="loss")
    train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NonFiniteWarning)
            for _ in range(200):
                _, value = sess.run([train, loss], {xp: X})
        rng = sess.state.fork().rng_states
    assert not np.isfinite(value)
    mine = [str(w.message) for w in caught if issubclass(w.category, NonFiniteWarning)]
    assert len(mine) == 1 and "learning rate is too large" in mine[0], mine
    assert rng == {}       # the diagnosis created no random stream


def test_diagnosis_never_writes_variables_nor_advances_random_streams():
    def build():
        tf.reset_default_graph()
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [3], name="x")
        noise = tf.random_normal([3], name="noise")
        w = tf.Variable([1.0, 1.0, 1.0], name="w")
        out = tf.log(x * w + 0 * noise, name="bad")
        return x, noise, w, out, tf.assign_add(w, [1.0, 1.0, 1.0])

    def session(feed):
        x, noise, w, out, step = build()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", NonFiniteWarning)
                sess.run([out, step], {x: feed})
            return sess.run(w), sess.run(noise), len(caught)
    w_bad, noise_bad, warned = session([0.0, 1.0, 2.0])    # log(0): diagnosed
    w_ok, noise_ok, quiet = session([1.0, 1.0, 2.0])       # finite: no diagnosis
    assert (warned, quiet) == (1, 0)
    np.testing.assert_array_equal(w_bad, [2.0, 2.0, 2.0])   # assigned once, not twice
    np.testing.assert_array_equal(noise_bad, noise_ok)      # the stream is where it would be


def test_finite_runs_pay_no_diagnosis():
    """The check is on fetched floats only; a finite run leaves the plan's check in place."""
    a = tf.placeholder(tf.float32, [], name="a")
    out = a * 2.0 + 1
    with tf.Session() as sess:
        for v in (1.0, 2.0, 3.0):
            sess.run(out, {a: v})
        (plan,) = sess._plans.values()
        assert plan.finite == (0,)


def test_tf_div_is_python2_division_as_in_tf1():
    np.testing.assert_array_equal(run(tf.div(tf.constant([7, -7]), 2)), [3, -4])
    np.testing.assert_allclose(run(tf.div(tf.constant([7.0, -7.0]), 2.0)), [3.5, -3.5])
