"""Minibatches for training loops: ``shuffle_batch`` and TF1's ``DataSet.next_batch``.

A TF1 training loop feeds one minibatch per ``sess.run``. Classic courses get them two ways:

* ``for X_batch, y_batch in shuffle_batch(X, y, 50): ...`` -- one epoch, every sample once,
  in a random order (the generator from *Hands-On Machine Learning*);
* ``X_batch, y_batch = mnist.train.next_batch(50)`` -- an endless stream that reshuffles at
  every epoch (the TensorFlow 1 MNIST tutorial's ``DataSet``).

Randomness comes from NumPy's legacy ``RandomState``, whose streams NumPy keeps identical
across versions, so a seed replays the same batches on every machine.
"""
import collections

import numpy as np

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])
Datasets.__doc__ = "The three splits of a dataset, each a ``DataSet`` (validation may be None)."


def _random_state(seed):
    """``seed`` as a RandomState: None -> NumPy's global one (so ``np.random.seed`` works)."""
    if seed is None:
        return np.random  # the module's permutation() uses the global generator
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    return np.random.RandomState(seed)


def _check_pair(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got shapes "
                         f"{X.shape} and {y.shape}")
    return X, y


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def shuffle_batch(X, y, batch_size, seed=None):
    """Yield ``(X_batch, y_batch)`` minibatches covering one epoch in a random order.

    Every sample appears exactly once; all batches have ``batch_size`` samples except maybe
    the last, smaller one. ``seed`` (an int, or a RandomState/Generator) makes the order
    repeatable; None draws from NumPy's global generator, so ``np.random.seed(42)`` also works.
    Arguments are checked at the call, not at the first ``next()``.
    """
    X, y = _check_pair(X, y)
    batch_size = _check_batch_size(batch_size)
    order = _random_state(seed).permutation(len(X))
    return _batches(X, y, order, batch_size)


def _batches(X, y, order, batch_size):
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


class DataSet:
    """Images and labels with TF1's ``next_batch``: ``images``, ``labels``, ``num_examples``.

    ``next_batch(n)`` returns the next ``n`` samples of a random order that is redrawn at the
    start of every epoch; a batch that runs past the end of an epoch takes the rest of it and
    the start of the next, as in TF1. ``seed`` fixes that order (None: NumPy's global one).
    """

    def __init__(self, images, labels, seed=0):
        self._images, self._labels = _check_pair(images, labels)
        self._seed = seed
        self.reset(seed)

    def reset(self, seed=None):
        """Start again from the first batch of epoch 0 (with ``seed`` if given)."""
        if seed is not None:
            self._seed = seed
        self._rng = _random_state(self._seed)
        self._order = None
        self._position = 0
        self._epochs_completed = 0

    @property
    def images(self):
        return self._images

    @property
    def labels(self):
        return self._labels

    @property
    def num_examples(self):
        return len(self._images)

    @property
    def epochs_completed(self):
        """How many full passes over the data ``next_batch`` has made."""
        return self._epochs_completed

    def next_batch(self, batch_size, shuffle=True):
        """The next ``batch_size`` samples as ``(images, labels)``."""
        batch_size = _check_batch_size(batch_size)
        n = self.num_examples
        if n == 0:
            raise ValueError("next_batch on an empty DataSet")
        parts, needed = [], batch_size
        while needed:
            if self._order is None:
                self._order = self._rng.permutation(n) if shuffle else np.arange(n)
                self._position = 0
            take = min(needed, n - self._position)
            parts.append(self._order[self._position:self._position + take])
            self._position += take
            needed -= take
            if self._position == n:
                self._epochs_completed += 1
                self._order = None
        idx = np.concatenate(parts)
        return self._images[idx], self._labels[idx]

    def batches(self, batch_size, seed=None):
        """One epoch of minibatches: ``shuffle_batch(self.images, self.labels, ...)``."""
        return shuffle_batch(self._images, self._labels, batch_size, seed)

    def __len__(self):
        return self.num_examples

    def __repr__(self):
        return (f"DataSet(images={self._images.dtype}{self._images.shape}, "
                f"labels={self._labels.dtype}{self._labels.shape})")
