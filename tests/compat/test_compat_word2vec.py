"""The classic word2vec (skip-gram) program of the TF1 tutorials, written here in that style and
made small: a toy corpus, embeddings via ``tf.nn.embedding_lookup``, ``tf.nn.nce_loss`` with its
own log-uniform sampler, plain SGD. Only the import line differs from TF1."""
import collections
import math

import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.usefixtures("fresh_graph")  # tests/conftest.py

CORPUS = ("the cat sat on the mat the dog sat on the log the cat saw the dog "
          "a cat and a dog sat on a mat the king and the queen ruled the land "
          "a king and a queen sat on the throne the dog ran to the cat") * 4


def build_dataset(words):
    count = collections.Counter(words).most_common()      # frequent words get small ids
    dictionary = {w: i for i, (w, _) in enumerate(count)}
    return [dictionary[w] for w in words], dictionary


def batches(data, batch_size, num_skips, skip_window, seed=0):
    """(center word, context word) pairs around a moving window, as the tutorial's generate_batch."""
    rng = np.random.RandomState(seed)
    span = 2 * skip_window + 1
    index = 0
    while True:
        batch = np.ndarray(shape=(batch_size,), dtype=np.int32)
        labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
        for i in range(batch_size // num_skips):
            window = [data[(index + k) % len(data)] for k in range(span)]
            context = [k for k in range(span) if k != skip_window]
            for j, k in enumerate(rng.choice(context, num_skips, replace=False)):
                batch[i * num_skips + j] = window[skip_window]
                labels[i * num_skips + j, 0] = window[k]
            index = (index + 1) % len(data)
        yield batch, labels


def test_word2vec_skip_gram_with_nce_loss_learns():
    words = CORPUS.split()
    data, dictionary = build_dataset(words)
    vocabulary_size, embedding_size, batch_size, num_sampled = len(dictionary), 8, 16, 4

    tf.set_random_seed(1)
    train_inputs = tf.placeholder(tf.int32, shape=[batch_size])
    train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])
    embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    nce_weights = tf.Variable(tf.truncated_normal([vocabulary_size, embedding_size],
                                                  stddev=1.0 / math.sqrt(embedding_size)))
    nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
    loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases, labels=train_labels,
                                         inputs=embed, num_sampled=num_sampled,
                                         num_classes=vocabulary_size))
    optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
    normalized_embeddings = embeddings / norm
    similarity = tf.matmul(normalized_embeddings, normalized_embeddings, transpose_b=True)

    gen = batches(data, batch_size, num_skips=2, skip_window=1)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(600):
            batch_inputs, batch_labels = next(gen)
            _, loss_val = sess.run([optimizer, loss], {train_inputs: batch_inputs,
                                                       train_labels: batch_labels})
            losses.append(loss_val)
        sim = sess.run(similarity)
    first, last = np.mean(losses[:50]), np.mean(losses[-50:])
    assert last < 0.6 * first, (first, last)
    assert sim.shape == (vocabulary_size, vocabulary_size)
    np.testing.assert_allclose(np.diag(sim), 1.0, rtol=1e-5)
