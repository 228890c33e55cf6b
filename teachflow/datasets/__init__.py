"""Datasets for the lessons, and the minibatch helpers TF1 training loops use.

* ``digits`` -- scikit-learn's 8x8 handwritten digits: offline, the default; a fixed
  train/validation/test split of 1,257/270/270, float32 images in [0, 1].
* ``mnist`` -- MNIST and Fashion-MNIST (28x28) from IDX or ``.npz`` files in a cache folder
  (``$TEACHFLOW_DATA/<name>/`` or ``~/.teachflow/datasets/<name>/``), downloaded with a SHA-256
  check when missing and allowed; ``tf.keras.datasets.*.load_data()`` use it.
* ``shuffle_batch(X, y, batch_size, seed=None)`` -- one epoch of shuffled minibatches;
  ``DataSet.next_batch(n)`` -- TF1's endless reshuffling stream.

A dataset that cannot be found raises ``DatasetNotFoundError`` (an ``OSError``) saying which
files to put where; a damaged file raises ``DatasetCorruptError`` (a ``ValueError``).
"""
from . import digits, mnist
from ._files import ENV_VAR, DatasetCorruptError, DatasetNotFoundError, data_home, read_idx
from .batches import DataSet, Datasets, shuffle_batch
from .mnist import load_fashion_mnist, load_mnist

__all__ = ["digits", "mnist", "shuffle_batch", "DataSet", "Datasets", "load_mnist",
           "load_fashion_mnist", "read_idx", "data_home", "ENV_VAR", "DatasetNotFoundError",
           "DatasetCorruptError"]
