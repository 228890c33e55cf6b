"""What a simulated worker computes: real gradients of a real model on its own minibatches.

A *model* here is anything with

* ``initial_params()`` -> list of NumPy arrays (the parameters the server starts from),
* ``gradients(params, batch)`` -> ``(list of gradient arrays, minibatch loss)``, where ``batch``
  is an index array into the training set (``None``: the whole set),
* ``evaluate(params)`` -> ``(loss, metric)`` at the given parameters,
* ``n_examples`` (training-set size; None for a model without data) and ``metric_name``.

``GraphModel`` adapts any teachflow graph with a loss and trainable variables: it builds
``tf.gradients(loss, params)`` once and then, for every computation, runs
``sess.run(grads + [loss], feed_dict={x: xb, y: yb, W: W_value, ...})``: the parameters are *fed*
(any tensor can be fed, a Variable included), so one session serves every simulated worker, each
with its own copy of the parameters. The fetch list and feed keys never change, so the session
compiles its run plan once.

The pure-NumPy models (``Quadratic``, ``LinearRegression``, ``NumpyCurveFit``) have the same
interface; they make the strategy maths testable without the engine and fast.
"""
import numpy as np

from ..core import errors
from ..core.constant import placeholder
from ..core.graph import Graph, name_scope
from ..core.session import Session
from ..core.variables import Variable, trainable_variables, variables_initializer
from ..ops.index_ops import one_hot
from ..ops.selection_ops import stop_gradient
from ..ops.compare_ops import equal
from ..ops.math_ops import cast, matmul
from ..ops.unary_ops import exp, log, relu, sqrt, square, tanh
from ..ops.reduce_ops import argmax, reduce_max, reduce_mean, reduce_sum
from ..ops.gradients import gradients as _gradients


# ----------------------------------------------------------------------------- data sampling

class ShardSampler:
    """Each worker owns a contiguous shard of a seeded permutation of the data and walks through
    it in reshuffled epochs. ``stream(worker)`` yields that worker's minibatches (index arrays);
    the k-th batch of a worker depends only on (seed, worker, k), never on the strategy.
    ``batch_size=None`` means full-batch: every batch is the whole shard."""

    def __init__(self, n_examples, workers, batch_size, seed=0):
        n_examples, workers = int(n_examples), int(workers)
        if workers > n_examples:
            raise ValueError(f"workers: {workers} workers cannot share {n_examples} examples "
                             f"(each needs at least one)")
        perm = np.random.default_rng([int(seed), 1]).permutation(n_examples)
        self.shards = np.array_split(perm, workers)
        smallest = min(len(s) for s in self.shards)
        if batch_size is not None:
            if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
                raise ValueError(f"batch_size must be a positive integer or None (full shard), "
                                 f"got {batch_size!r}")
            if batch_size > smallest:
                raise ValueError(f"batch_size={batch_size} is larger than a worker's data shard "
                                 f"({smallest} examples with {workers} workers)")
        self.batch_size, self.seed = batch_size, int(seed)

    def stream(self, worker):
        shard = self.shards[worker]
        if self.batch_size is None:
            while True:
                yield shard
        rng = np.random.default_rng([self.seed, 2, worker])
        b = self.batch_size
        while True:
            order = shard[rng.permutation(len(shard))]
            for i in range(0, len(order) - b + 1, b):
                yield order[i:i + b]


class FunctionSampler:
    """Batches from a function ``f(worker, k) -> index array`` (for hand-made experiments)."""

    def __init__(self, fn):
        self.fn = fn

    def stream(self, worker):
        k = 0
        while True:
            yield self.fn(worker, k)
            k += 1


# ----------------------------------------------------------------------------- NumPy models

class Quadratic:
    """``f(x) = ½·a·‖x‖²`` (no data: ``n_examples`` is None, batches are None): the model for
    step-size and delay theory."""

    metric_name = "|x|"
    n_examples = None

    def __init__(self, a=1.0, x0=1.0, dim=1):
        self.a, self.x0 = float(a), np.full(dim, float(x0))

    def initial_params(self):
        return [self.x0.copy()]

    def gradients(self, params, batch):
        x = params[0]
        return [self.a * x], 0.5 * self.a * float(x @ x)

    def evaluate(self, params):
        x = params[0]
        return 0.5 * self.a * float(x @ x), float(np.sqrt(x @ x))


class LinearRegression:
    """Least squares ``L = ½·mean((X·w + b − y)²)`` on seeded synthetic data."""

    metric_name = "rmse"

    def __init__(self, n_examples=256, features=4, noise=0.1, seed=0):
        rng = np.random.default_rng([int(seed), 7])
        self.X = rng.normal(size=(n_examples, features))
        self.w_true = rng.normal(size=features)
        self.y = self.X @ self.w_true + 0.5 + noise * rng.normal(size=n_examples)
        self.n_examples = n_examples

    def initial_params(self):
        return [np.zeros(self.X.shape[1]), np.zeros(())]

    def gradients(self, params, batch):
        w, b = params
        X, y = (self.X, self.y) if batch is None else (self.X[batch], self.y[batch])
        r = X @ w + b - y
        return [X.T @ r / len(y), np.asarray(r.mean())], 0.5 * float(r @ r) / len(y)

    def evaluate(self, params):
        _, loss = self.gradients(params, None)
        return loss, float(np.sqrt(2 * loss))


def curve_fit_data(n=200, noise=0.02, seed=0):
    """``n`` points ``y = x² + N(0, noise²)`` on an even grid of [-0.5, 0.5], as (n, 1) arrays."""
    x = np.linspace(-0.5, 0.5, n).reshape(n, 1)
    y = x ** 2 + noise * np.random.default_rng([int(seed), 3]).normal(size=(n, 1))
    return x, y


def curve_fit_init(hidden=10, seed=0):
    """Initial [W1 (1,h), b1 (h,), W2 (h,1), b2 (1,)] of the 1-h-1 tanh net."""
    rng = np.random.default_rng([int(seed), 4])
    return [rng.normal(0.0, 2.0, (1, hidden)), rng.uniform(-1.0, 1.0, hidden),
            rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, 1)), np.zeros(1)]


class NumpyCurveFit:
    """The curve-fit net (1-10-1, tanh, mean squared error) with hand-written backprop: the
    NumPy twin of ``curve_fit()``, same data, same initial parameters, same gradients."""

    metric_name = "rmse"

    def __init__(self, hidden=10, seed=0, data_seed=0):
        self.x, self.y = curve_fit_data(seed=data_seed)
        self.n_examples = len(self.x)
        self._init = curve_fit_init(hidden, seed)

    def initial_params(self):
        return [p.copy() for p in self._init]

    def gradients(self, params, batch):
        W1, b1, W2, b2 = params
        x, y = (self.x, self.y) if batch is None else (self.x[batch], self.y[batch])
        h = np.tanh(x @ W1 + b1)
        r = h @ W2 + b2 - y
        loss = float(np.mean(r * r))
        d = (2.0 / r.size) * r
        dz = (d @ W2.T) * (1.0 - h * h)
        return [x.T @ dz, dz.sum(0), h.T @ d, d.sum(0)], loss

    def evaluate(self, params):
        _, loss = self.gradients(params, None)
        return loss, float(np.sqrt(loss))


# ----------------------------------------------------------------------------- teachflow graphs

class GraphModel:
    """Any teachflow graph with a scalar ``loss`` as a model for the simulator.

    ``data`` maps each input placeholder to the whole training array (first axis = examples);
    ``params`` defaults to the graph's trainable variables; ``metric`` is an optional scalar tensor
    (e.g. accuracy) evaluated on ``eval_data`` (default: ``data``). ``session`` defaults to a new
    session on the loss's graph, where the initial parameters are the variables' initializers
    run once (so ``tf.set_random_seed`` makes them repeatable); a given session keeps the values
    it holds (initializing only if they are not). The session's variables are never changed by
    training: parameters live on the simulated server and are fed."""

    def __init__(self, loss, data, params=None, metric=None, eval_data=None, session=None,
                 metric_name=None):
        graph = loss.graph
        with graph.as_default():
            if params is None:
                params = trainable_variables()
            params = list(params)
            if not params:
                raise ValueError("params: the graph has no trainable variables to train")
            grads = _gradients(loss, params)
        missing = [p.name for p, g in zip(params, grads) if g is None]
        if missing:
            raise ValueError(f"params: the loss does not depend on {missing}; pass params= "
                             f"without them")
        self.loss, self.params, self.metric = loss, params, metric
        self.inputs = list(data)
        self.data = [np.asarray(data[k]) for k in self.inputs]
        sizes = {len(a) for a in self.data}
        if len(sizes) != 1:
            raise ValueError(f"data: every array needs the same number of examples, got sizes {sorted(sizes)}")
        self.n_examples = sizes.pop()
        self.eval_data = dict(data if eval_data is None else eval_data)
        self.metric_name = metric_name or ("metric" if metric is None else metric.op.name)
        self.session = session if session is not None else Session(graph=graph)
        self._fetches = list(grads) + [loss]
        self._keys = self.inputs + params
        self._np_dtypes = [p.dtype.np for p in params]
        self._train_feed = dict(zip(self.inputs, self.data))
        if session is None:
            with graph.as_default():
                self.session.run(variables_initializer(params))
        try:   # a given session keeps its values (a model trained or restored before)
            values = self.session.run(params)
        except errors.FailedPreconditionError:
            with graph.as_default():
                self.session.run(variables_initializer(params))
            values = self.session.run(params)
        self._init = [np.array(v) for v in values]

    def initial_params(self):
        return [p.copy() for p in self._init]

    def gradients(self, params, batch):
        if batch is None:
            values = self.data + list(params)
        else:
            values = [a[batch] for a in self.data] + list(params)
        out = self.session.run(self._fetches, feed_dict=dict(zip(self._keys, values)))
        return out[:-1], float(out[-1])

    def evaluate(self, params):
        pfeed = dict(zip(self.params, params))
        loss = float(self.session.run(self.loss, feed_dict={**self._train_feed, **pfeed}))
        if self.metric is None:
            return loss, float("nan")
        metric = float(self.session.run(self.metric, feed_dict={**self.eval_data, **pfeed}))
        return loss, metric


def curve_fit(hidden=10, seed=0, data_seed=0, dtype="float64"):
    """The curve fit as a teachflow graph: 200 points ``y = x² + N(0, 0.02²)`` on [-0.5, 0.5],
    a 1-``hidden``-1 tanh net, mean squared error. Same data and start as ``NumpyCurveFit``."""
    x_np, y_np = curve_fit_data(seed=data_seed)
    init = curve_fit_init(hidden, seed)
    g = Graph()
    with g.as_default():
        x = placeholder(dtype, [None, 1], name="x")
        y = placeholder(dtype, [None, 1], name="y")
        with name_scope("hidden"):
            W1 = Variable(init[0].astype(dtype), name="W")
            b1 = Variable(init[1].astype(dtype), name="b")
            h = tanh(matmul(x, W1) + b1)
        with name_scope("output"):
            W2 = Variable(init[2].astype(dtype), name="W")
            b2 = Variable(init[3].astype(dtype), name="b")
            y_hat = matmul(h, W2) + b2
        loss = reduce_mean(square(y_hat - y), name="loss")
        rmse = sqrt(loss, name="rmse")
    return GraphModel(loss, {x: x_np, y: y_np}, params=[W1, b1, W2, b2], metric=rmse,
                      metric_name="rmse")


def digits_data(test_size=297, seed=0):
    """scikit-learn's 8×8 digits (shipped with it, nothing downloaded), pixels scaled to [0, 1],
    split by a seeded permutation: ``(x_train, y_train, x_test, y_test)``, labels as ints."""
    from sklearn.datasets import load_digits
    d = load_digits()
    X, y = d.data / 16.0, d.target.astype(np.int64)
    perm = np.random.default_rng([int(seed), 5]).permutation(len(y))
    test, train = perm[:test_size], perm[test_size:]
    return X[train], y[train], X[test], y[test]


def digits(hidden=None, activation="tanh", seed=0, data_seed=0, dtype="float64"):
    """The digits classifier as a teachflow graph: softmax regression (``hidden=None``) or a
    one-hidden-layer MLP, cross-entropy written from core ops as a log-softmax
    (``logits − max − log Σ exp(logits − max)``). Loss on the training set, metric: test accuracy."""
    xtr, ytr, xte, yte = digits_data(seed=data_seed)
    rng = np.random.default_rng([int(seed), 6])
    g = Graph()
    with g.as_default():
        x = placeholder(dtype, [None, 64], name="x")
        labels = placeholder("int64", [None], name="labels")
        inputs, width, params = x, 64, []
        if hidden is not None:
            with name_scope("hidden"):
                W = Variable(rng.normal(0, 1 / np.sqrt(64), (64, hidden)).astype(dtype), name="W")
                b = Variable(np.zeros(hidden, dtype), name="b")
                act = {"tanh": tanh, "relu": relu}[activation]
                inputs, width, params = act(matmul(x, W) + b), hidden, [W, b]
        with name_scope("softmax"):
            W = Variable(rng.normal(0, 0.01, (width, 10)).astype(dtype), name="W")
            b = Variable(np.zeros(10, dtype), name="b")
            logits = matmul(inputs, W) + b
            params += [W, b]
        with name_scope("loss"):
            shifted = logits - stop_gradient(reduce_max(logits, axis=1, keepdims=True))
            log_p = shifted - log(reduce_sum(exp(shifted), axis=1, keepdims=True))
            onehot = one_hot(labels, 10, dtype=dtype)
            loss = -reduce_mean(reduce_sum(onehot * log_p, axis=1), name="cross_entropy")
        with name_scope("accuracy"):
            correct = equal(argmax(logits, axis=1), labels)
            accuracy = reduce_mean(cast(correct, dtype), name="accuracy")
    return GraphModel(loss, {x: xtr, labels: ytr}, params=params, metric=accuracy,
                      eval_data={x: xte, labels: yte}, metric_name="accuracy")
