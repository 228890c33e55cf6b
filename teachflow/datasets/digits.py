"""The 8x8 handwritten digits shipped with scikit-learn: a dataset that needs no download.

1,797 grey images of the digits 0-9 (about 180 each), 8x8 pixels, from the UCI "optical
recognition of handwritten digits" set. Small enough to train on in seconds on any laptop,
and always there offline, which is why it is teachflow's default dataset.

``load_data()`` splits it the same way every time, on every machine:

* train 1,257 / validation 270 / test 270 images (70 % / 15 % / 15 %);
* stratified: each split keeps the class proportions of the whole set;
* drawn with NumPy's legacy ``RandomState(SPLIT_SEED)``, whose stream NumPy keeps stable
  across versions, so the split never changes; ``validation=False`` merges validation into
  train (1,527 images) and leaves test untouched.

Images are float32 scaled to [0, 1] (the raw pixels count 0..16 dark strokes, so we divide
by 16): flat (N, 64) rows for dense networks, or (N, 8, 8, 1) images (NHWC, as TF1's conv2d
expects) with ``flat=False``. Labels are int64 class numbers (what a sparse softmax
cross-entropy takes), or float32 one-hot rows (N, 10) with ``one_hot=True``.
"""
import numpy as np

from .batches import DataSet, Datasets

SPLIT_SEED = 0
NUM_EXAMPLES = 1797
TEST_SIZE = 270
VALIDATION_SIZE = 270
TRAIN_SIZE = NUM_EXAMPLES - TEST_SIZE - VALIDATION_SIZE  # 1,257
NUM_CLASSES = 10
IMAGE_SHAPE = (8, 8, 1)
MAX_PIXEL = 16.0


def load_data(validation=True, flat=True, one_hot=False, seed=0):
    """The digits as ``Datasets(train, validation, test)``, each a ``DataSet``.

    ``validation``: keep a separate validation split (else ``.validation`` is None and train
    has 1,527 images). ``flat``: (N, 64) images, else (N, 8, 8, 1). ``one_hot``: labels as
    float32 (N, 10) rows instead of int64. ``seed``: the order ``next_batch`` draws in (None:
    NumPy's global generator); it does not change the split itself.
    """
    images, labels = load_arrays()
    train, valid, test = split_indices(labels)
    if not validation:
        train = np.concatenate([train, valid])
    if not flat:
        images = images.reshape((-1,) + IMAGE_SHAPE)
    if one_hot:
        labels = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    return Datasets(train=DataSet(images[train], labels[train], seed=seed),
                    validation=DataSet(images[valid], labels[valid], seed=seed)
                    if validation else None,
                    test=DataSet(images[test], labels[test], seed=seed))


def load_arrays():
    """All 1,797 images as float32 (1797, 64) in [0, 1], and their int64 labels, unsplit."""
    from sklearn.datasets import load_digits  # lazy: importing scikit-learn takes a second

    digits = load_digits()
    images = (digits.data / MAX_PIXEL).astype(np.float32)
    return images, digits.target.astype(np.int64)


def split_indices(labels, test_size=TEST_SIZE, validation_size=VALIDATION_SIZE,
                  seed=SPLIT_SEED):
    """Stratified (train, validation, test) index arrays for ``labels``, deterministic.

    Each class gives the test and validation splits its share of their sizes (largest
    remainders decide the rounding, so the sizes are exact); which of its samples go where is
    a seeded shuffle. Each split is then shuffled so its classes come mixed.
    """
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if test_size + validation_size > len(labels):
        raise ValueError(f"test_size + validation_size = {test_size + validation_size} "
                         f"exceeds the {len(labels)} samples")
    n_test = _quotas(counts, test_size)
    n_valid = _quotas(counts - n_test, validation_size, weights=counts)
    rng = np.random.RandomState(seed)
    train, valid, test = [], [], []
    for cls, t, v in zip(classes, n_test, n_valid):
        members = rng.permutation(np.flatnonzero(labels == cls))
        test.append(members[:t])
        valid.append(members[t:t + v])
        train.append(members[t + v:])
    return tuple(rng.permutation(np.concatenate(part)) for part in (train, valid, test))


def _quotas(available, total, weights=None):
    """Split ``total`` over classes in proportion to ``weights`` (largest remainder rule)."""
    weights = available if weights is None else weights
    exact = total * weights / weights.sum()
    quota = np.minimum(np.floor(exact).astype(np.int64), available)
    for i in np.argsort(-(exact - quota), kind="stable"):
        if quota.sum() == total:
            break
        if quota[i] < available[i]:
            quota[i] += 1
    return quota
