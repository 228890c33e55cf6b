"""tf.nn.nce_loss, sampled_softmax_loss and the candidate samplers: losses against TF1's numbers
(``tests/nn/data/nce_reference.json``, written by ``tools/tf_reference/nce_loss.py`` with
TensorFlow), gradients against central differences, samplers against TF1's rules."""
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.core.errors import InvalidArgumentError
from teachflow.ops.candidate_sampling_ops import (LogUniformCandidateSampler, UniformCandidateSampler,
                                                  expected_count)
from teachflow.testing import check_gradients

REF = json.loads((pathlib.Path(__file__).parent / "data" / "nce_reference.json").read_text())
LOSSES = {"nce": (tf.nn.nce_loss, {}), "nce_remove_hits": (tf.nn.nce_loss, {"remove_accidental_hits": True}),
          "sampled_softmax": (tf.nn.sampled_softmax_loss, {}),
          "sampled_softmax_keep_hits": (tf.nn.sampled_softmax_loss, {"remove_accidental_hits": False})}

pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py


def _sampled_values(case, dtype=tf.float32):
    return (tf.constant(case["sampled"], tf.int64), tf.constant(case["true_expected_count"], dtype),
            tf.constant(case["sampled_expected_count"], dtype))


@pytest.mark.parametrize("which", list(LOSSES))
@pytest.mark.parametrize("case", REF["losses"], ids=lambda c: f"num_true={c['num_true']}")
def test_losses_match_tf1_with_given_sampled_values(case, which):
    fn, kwargs = LOSSES[which]
    loss = fn(weights=tf.constant(case["weights"], tf.float32), biases=tf.constant(case["biases"], tf.float32),
              labels=tf.constant(case["labels"], tf.int64), inputs=tf.constant(case["inputs"], tf.float32),
              num_sampled=case["num_sampled"], num_classes=case["num_classes"], num_true=case["num_true"],
              sampled_values=_sampled_values(case), **kwargs)
    assert loss.shape.as_list() == [4]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(loss), case[which], rtol=2e-6, atol=1e-6)


def test_removing_accidental_hits_changes_only_rows_with_a_hit():
    case = REF["losses"][0]           # sampled [2, 4, 6]: rows 2 and 3 have label 2 and 6
    same = np.isclose(case["nce"], case["nce_remove_hits"])
    assert same.tolist() == [True, True, False, False]


@pytest.mark.parametrize("which", list(LOSSES))
@pytest.mark.parametrize("case", REF["losses"], ids=lambda c: f"num_true={c['num_true']}")
def test_gradients_wrt_weights_biases_inputs(case, which):
    fn, kwargs = LOSSES[which]

    def build(weights, biases, inputs):
        return fn(weights, biases, tf.constant(case["labels"]), inputs, case["num_sampled"],
                  case["num_classes"], num_true=case["num_true"],
                  sampled_values=_sampled_values(case, tf.float64), **kwargs)
    check_gradients(build, [np.asarray(case["weights"]), np.asarray(case["biases"]),
                            np.asarray(case["inputs"])], tol=1e-6)


def test_sharded_weights_mod_strategy_match_one_tensor():
    case = REF["losses"][1]
    w = np.asarray(case["weights"], np.float32)
    shards = [tf.constant(w[i::3]) for i in range(3)]        # "mod": class c in shard c % 3
    args = dict(biases=tf.constant(case["biases"], tf.float32), labels=case["labels"],
                inputs=tf.constant(case["inputs"], tf.float32), num_sampled=3, num_classes=7,
                num_true=2, sampled_values=_sampled_values(case))
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(tf.nn.nce_loss(shards, **args)), case["nce"], rtol=2e-6)


# ------------------------------------------------------------------ samplers
SAMPLERS = {"log_uniform_candidate_sampler": LogUniformCandidateSampler,
            "uniform_candidate_sampler": UniformCandidateSampler}


@pytest.mark.parametrize("ref", REF["samplers"], ids=lambda r: f"{r['sampler']}-unique={r['unique']}")
def test_expected_counts_follow_tf1_rule(ref):
    """TF1's counts for its own draws: the probability of each class and the expected-count rule
    reproduce them, with the number of draws TF1 needed (found by search) when unique."""
    prob = SAMPLERS[ref["sampler"]].probability
    n, r = ref["num_sampled"], ref["range_max"]
    p_true, p_sampled = prob(np.asarray(ref["true_classes"]), r), prob(np.asarray(ref["sampled"]), r)
    tries = range(n, 500) if ref["unique"] else [n]
    fits = [t for t in tries
            if np.allclose(expected_count(p_true, n, t), ref["true_expected_count"], rtol=1e-5)
            and np.allclose(expected_count(p_sampled, n, t), ref["sampled_expected_count"], rtol=1e-5)]
    assert fits, "no number of draws reproduces TF1's expected counts"
    if ref["unique"]:
        assert len(set(ref["sampled"])) == n


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("unique", [True, False])
def test_sampler_outputs(name, unique):
    tf.set_random_seed(0)
    labels = tf.placeholder(tf.int64, [None, 2])
    s, t, e = getattr(tf.nn, name)(labels, 2, 20, unique, 40)
    assert (s.shape.as_list(), t.shape.as_list(), e.shape.as_list()) == ([20], [None, 2], [20])
    assert (s.dtype, t.dtype, e.dtype) == (tf.int64, tf.float32, tf.float32)
    with tf.Session() as sess:
        for _ in range(5):
            sv, tv, ev = sess.run([s, t, e], {labels: [[0, 1], [7, 39], [3, 3]]})
            assert sv.dtype == np.int64 and sv.min() >= 0 and sv.max() < 40
            assert tv.shape == (3, 2) and tv[2, 0] == tv[2, 1] and (tv > 0).all() and (ev > 0).all()
            if unique:
                assert len(set(sv.tolist())) == 20
                assert (ev <= 1).all()     # 1 − (1 − p)^tries is a probability
            else:
                np.testing.assert_allclose(ev, SAMPLERS[name].probability(sv, 40) * 20, rtol=1e-6)


def test_log_uniform_frequencies():
    """Drawn classes follow P(k) = log((k+2)/(k+1)) / log(range_max+1)."""
    tf.set_random_seed(1)
    s, _, _ = tf.nn.log_uniform_candidate_sampler([[0]], 1, 4000, False, 100)
    with tf.Session() as sess:
        draws = np.concatenate([sess.run(s) for _ in range(10)])
    freq = np.bincount(draws, minlength=100) / draws.size
    p = LogUniformCandidateSampler.probability(np.arange(100), 100)
    np.testing.assert_allclose(freq[:5], p[:5], atol=0.01)   # ~0.15, 0.09, 0.06 ...
    assert abs(freq[50:].sum() - p[50:].sum()) < 0.01


def test_samplers_replay_under_seeds_and_differ_between_runs():
    def draws(seed):
        tf.reset_default_graph()
        tf.set_random_seed(seed)
        s, _, _ = tf.nn.log_uniform_candidate_sampler([[1]], 1, 5, True, 1000)
        with tf.Session() as sess:
            return [sess.run(s).tolist() for _ in range(3)]
    a = draws(4)
    assert a == draws(4) and a != draws(5) and a[0] != a[1]


def test_sampler_errors():
    with pytest.raises(ValueError, match="cannot draw 8 distinct classes out of range_max=5"):
        tf.nn.uniform_candidate_sampler([[0]], 1, 8, True, 5)
    with pytest.raises(ValueError, match="num_sampled must be a positive int"):
        tf.nn.log_uniform_candidate_sampler([[0]], 1, 0, True, 5)
    with pytest.raises(ValueError, match=r"num_true=2\], got \[1,1\]"):
        tf.nn.log_uniform_candidate_sampler([[0]], 2, 1, True, 5)
    s, _, _ = tf.nn.log_uniform_candidate_sampler([[7]], 1, 2, True, 5, seed=1)
    with tf.Session() as sess, pytest.raises(InvalidArgumentError, match=r"range_max=5\), got values in \[7, 7\]"):
        sess.run(s)


def test_nce_loss_argument_errors():
    w, b, x = tf.zeros([10, 3]), tf.zeros([10]), tf.zeros([4, 3])
    with pytest.raises(TypeError, match="labels must be integer class ids"):
        tf.nn.nce_loss(w, b, tf.zeros([4, 1]), x, 2, 10)
    with pytest.raises(ValueError, match=r"labels must have shape \[batch_size, num_true=1\].*tf.reshape"):
        tf.nn.nce_loss(w, b, tf.constant([1, 2, 3, 4]), x, 2, 10)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        tf.nn.nce_loss(w, b, [[1]] * 4, x, 2, 0)


def test_nce_loss_with_its_own_sampler_is_seeded():
    def run():
        tf.reset_default_graph()
        tf.set_random_seed(2)
        w = tf.constant(np.random.default_rng(0).normal(size=(50, 4)), tf.float32)
        loss = tf.nn.nce_loss(w, tf.zeros([50]), [[1], [2], [30]], tf.ones([3, 4]), 5, 50)
        with tf.Session() as sess:
            return [sess.run(loss) for _ in range(3)]
    a, b = run(), run()
    np.testing.assert_array_equal(a, b)
    assert a[0].shape == (3,) and not np.array_equal(a[0], a[1])
