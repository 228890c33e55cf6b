"""TF1's numbers for tf.nn.nce_loss / sampled_softmax_loss and the candidate samplers (a dev
script, not a test: tests never import TensorFlow).

Run with TensorFlow installed (never a teachflow dependency):
    /work/venvs/tf/bin/python tools/tf_reference/nce_loss.py
It writes ``tests/nn/data/nce_reference.json``, which ``tests/nn/test_nn_sampled_losses.py``
compares teachflow against: the inputs (weights, biases, labels, inputs, the given
``sampled_values``) and TF1's losses, and samples of the log-uniform and uniform samplers with
their expected counts.
"""
import json
import pathlib

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "nn" / "data" / "nce_reference.json"


def case(num_true, seed):
    rng = np.random.RandomState(seed)
    num_classes, dim, batch, num_sampled = 7, 3, 4, 3
    case = dict(num_true=num_true, num_sampled=num_sampled, num_classes=num_classes,
                weights=rng.normal(0, 1, (num_classes, dim)).round(4).tolist(),
                biases=rng.normal(0, 0.5, num_classes).round(4).tolist(),
                inputs=rng.normal(0, 1, (batch, dim)).round(4).tolist(),
                labels=[[0, 2][:num_true], [3, 5][:num_true], [2, 3][:num_true], [6, 1][:num_true]],
                sampled=[2, 4, 6],                      # label 2 and 6 are accidental hits
                true_expected_count=rng.uniform(0.1, 0.9, (batch, num_true)).round(4).tolist(),
                sampled_expected_count=rng.uniform(0.1, 0.9, num_sampled).round(4).tolist())
    sampled_values = (tf.constant(case["sampled"], tf.int64),
                      tf.constant(case["true_expected_count"], tf.float32),
                      tf.constant(case["sampled_expected_count"], tf.float32))
    args = dict(weights=tf.constant(case["weights"], tf.float32), biases=tf.constant(case["biases"], tf.float32),
                labels=tf.constant(case["labels"], tf.int64), inputs=tf.constant(case["inputs"], tf.float32),
                num_sampled=num_sampled, num_classes=num_classes, num_true=num_true,
                sampled_values=sampled_values)
    fetches = {"nce": tf1.nn.nce_loss(**args),
               "nce_remove_hits": tf1.nn.nce_loss(remove_accidental_hits=True, **args),
               "sampled_softmax": tf1.nn.sampled_softmax_loss(**args),
               "sampled_softmax_keep_hits": tf1.nn.sampled_softmax_loss(remove_accidental_hits=False, **args)}
    with tf1.Session() as sess:
        case.update({k: v.tolist() for k, v in sess.run(fetches).items()})
    return case


def samplers():
    out = []
    labels = tf.constant([[0], [5], [49], [3]], tf.int64)
    for name in ("log_uniform_candidate_sampler", "uniform_candidate_sampler"):
        for unique in (True, False):
            s, t, e = getattr(tf1.nn, name)(labels, 1, 10, unique, 50, seed=4)
            with tf1.Session() as sess:
                s, t, e = sess.run([s, t, e])
            out.append(dict(sampler=name, unique=unique, range_max=50, num_sampled=10,
                            true_classes=[[0], [5], [49], [3]], sampled=s.tolist(),
                            true_expected_count=t.tolist(), sampled_expected_count=e.tolist()))
    return out


def main():
    data = {"losses": [case(1, 0), case(2, 1)], "samplers": samplers(),
            "made_by": f"tools/tf_reference/nce_loss.py with TensorFlow {tf.__version__} (tf.compat.v1)"}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
